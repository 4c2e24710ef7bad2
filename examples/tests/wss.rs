//! `price-feed` over `wss://`: the recorded feed replayed behind TLS, with the server
//! certificate of `scripts/services.sh` (`SEA_STREAMER_TEST_TLS_CA` names its CA; the server's
//! `server.crt` and `server.key` lie next to it). The binary trusts the CA through
//! `SSL_CERT_FILE`, as a user with a private CA would; without it the certificate is refused.

use sea_streamer_conformance::service_url;
use sea_streamer_examples::replay::{load_recording, replay_to};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The CA file and the directory of the server's certificate and key.
fn tls_files() -> Option<(PathBuf, PathBuf)> {
    let ca = PathBuf::from(service_url("SEA_STREAMER_TEST_TLS_CA")?);
    let dir = ca
        .parent()
        .expect("the CA file is in a directory")
        .to_owned();
    Some((ca, dir))
}

fn acceptor(dir: &Path) -> TlsAcceptor {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = CertificateDer::pem_file_iter(dir.join("server.crt"))
        .expect("server.crt")
        .collect::<Result<Vec<_>, _>>()
        .expect("server.crt holds certificates");
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).expect("server.key");
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a valid certificate and key");
    TlsAcceptor::from(Arc::new(config))
}

/// Serves the recording over TLS to one client; returns the `wss://` URL and the server task.
async fn tls_replay(dir: &Path) -> (String, tokio::task::JoinHandle<anyhow::Result<usize>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/spreads.jsonl");
    let lines = load_recording(&path).unwrap();
    let acceptor = acceptor(dir);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("wss://localhost:{}/", listener.local_addr().unwrap().port());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let tls = acceptor.accept(tcp).await?;
        replay_to(tls, &lines, Duration::ZERO).await
    });
    (url, server)
}

fn price_feed(feed: &str, output: &str, ca: Option<&Path>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_price-feed"));
    command
        .args([
            "--feed",
            feed,
            "--output",
            output,
            "--connect-timeout",
            "0s",
        ])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(ca) = ca {
        command.env("SSL_CERT_FILE", ca);
    }
    command.output().expect("price-feed runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn price_feed_reads_a_wss_feed() {
    let Some((ca, dir)) = tls_files() else { return };
    let (url, server) = tls_replay(&dir).await;
    let out = tempfile::tempdir().unwrap();
    let output = format!("file://{}/spreads.ss/spreads", out.path().display());
    let run = tokio::task::spawn_blocking(move || price_feed(&url, &output, Some(&ca)))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "price-feed failed: {stderr}");
    assert!(
        stderr.contains("streamed 40 spread(s), skipped 8 heartbeat(s)"),
        "{stderr}"
    );
    assert_eq!(server.await.unwrap().unwrap(), 51);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_wss_certificate_is_an_error() {
    let Some((_ca, dir)) = tls_files() else {
        return;
    };
    let (url, server) = tls_replay(&dir).await;
    let out = tempfile::tempdir().unwrap();
    let output = format!("file://{}/spreads.ss/spreads", out.path().display());
    let run = tokio::task::spawn_blocking(move || price_feed(&url, &output, None))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    assert!(server.await.unwrap().is_err(), "the handshake failed");
}
