//! TLS on a private nats-server serving TLS only: `tls://` round trip (and `nats://` with
//! TLS required by the options), and typed connect errors naming the server when the
//! certificate is not trusted or the server does not offer TLS.
//!
//! The certificate: the test CA's server certificate of `scripts/services.sh` (beside
//! `$SEA_STREAMER_TEST_TLS_CA`), else a CA and a certificate for 127.0.0.1 made here with
//! openssl.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::server::PrivateNats;
use sea_streamer_conformance::random_key;
use sea_streamer_nats::{
    AutoStreamReset, NatsConnectOptions, NatsConsumerOptions, NatsErr, NatsResult, NatsStreamer,
};
use sea_streamer_types::{
    Buffer, ConnectOptions, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamErr,
    StreamKey, Streamer,
};

/// How long a refused connection may take at most (the connect timeout is 3 s).
const WAIT: Duration = Duration::from_secs(20);

/// The CA, the server certificate and its key (and the directory holding generated ones).
struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

fn certs() -> Option<Certs> {
    if let Some(ca) = std::env::var_os("SEA_STREAMER_TEST_TLS_CA").map(PathBuf::from) {
        let dir = ca.parent().unwrap_or(Path::new(".")).to_owned();
        let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
        if ca.is_file() && cert.is_file() && std::fs::read(&key).is_ok() {
            return Some(Certs {
                ca,
                cert,
                key,
                _dir: None,
            });
        }
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(
        p("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write the extensions");
    let steps: [Vec<String>; 3] = [
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=test CA",
            "-keyout",
        ]
        .map(String::from)
        .into_iter()
        .chain([p("ca.key"), "-out".into(), p("ca.crt")])
        .collect(),
        [
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ]
        .map(String::from)
        .into_iter()
        .chain([p("server.key"), "-out".into(), p("server.csr")])
        .collect(),
        vec![
            "x509".into(),
            "-req".into(),
            "-days".into(),
            "2".into(),
            "-in".into(),
            p("server.csr"),
            "-CA".into(),
            p("ca.crt"),
            "-CAkey".into(),
            p("ca.key"),
            "-CAcreateserial".into(),
            "-extfile".into(),
            p("server.ext"),
            "-out".into(),
            p("server.crt"),
        ],
    ];
    for args in steps {
        let made = Command::new("openssl")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            let reason = "no test certificate (SEA_STREAMER_TEST_TLS_CA unset) and openssl \
                          could not make one";
            if std::env::var("SEA_STREAMER_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!("{reason}");
            }
            eprintln!("SKIPPED: {reason}");
            return None;
        }
    }
    Some(Certs {
        ca: p("ca.crt").into(),
        cert: p("server.crt").into(),
        key: p("server.key").into(),
        _dir: Some(dir),
    })
}

/// A private server serving TLS only, with `certs`.
fn tls_server(certs: &Certs) -> Option<PrivateNats> {
    PrivateNats::start(&format!(
        "tls {{ cert_file: \"{}\", key_file: \"{}\" }}",
        certs.cert.display(),
        certs.key.display()
    ))
}

fn hostport(server: &PrivateNats) -> String {
    server.url().trim_start_matches("nats://").to_owned()
}

fn options(ca: Option<&Path>) -> NatsConnectOptions {
    let mut options = NatsConnectOptions::default();
    options.set_timeout(Duration::from_secs(3)).unwrap();
    options.set_root_certificates(ca.map(Path::to_owned));
    options
}

async fn connect(url: &str, options: NatsConnectOptions) -> NatsResult<NatsStreamer> {
    tokio::time::timeout(WAIT, NatsStreamer::connect(url.parse().unwrap(), options))
        .await
        .unwrap_or_else(|_| panic!("connecting to {url} hung"))
}

async fn round_trip(streamer: &NatsStreamer) {
    let key = StreamKey::new(random_key("tls")).unwrap();
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let receipt = producer.send("over TLS").unwrap().await.unwrap();
    let mut options = NatsConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer.create_consumer(&[key], options).await.unwrap();
    let m = tokio::time::timeout(WAIT, consumer.next())
        .await
        .expect("a message within the wait")
        .unwrap();
    assert_eq!(m.message().as_str().unwrap(), "over TLS");
    assert_eq!(m.sequence(), *receipt.sequence());
}

fn expect_connect_error(result: NatsResult<NatsStreamer>, servers: &str, cause: &[&str]) {
    match result {
        Err(StreamErr::Backend(NatsErr::Connect {
            servers: named,
            cause: why,
        })) => {
            assert_eq!(named, servers);
            eprintln!("refused as expected: {servers}: {why}");
            let lower = why.to_lowercase();
            assert!(
                cause.iter().any(|c| lower.contains(c)),
                "the cause {why:?} names none of {cause:?}"
            );
        }
        Err(e) => panic!("expected a connect error, got {e}"),
        Ok(_) => panic!("connected to {servers}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trip_over_tls() {
    let Some(certs) = certs() else { return };
    let Some(server) = tls_server(&certs) else {
        return;
    };
    let hostport = hostport(&server);
    // A tls:// URL.
    let streamer = connect(&format!("tls://{hostport}"), options(Some(&certs.ca)))
        .await
        .unwrap();
    round_trip(&streamer).await;
    // nats:// with TLS required by the options.
    let mut required = options(Some(&certs.ca));
    required.set_tls(true);
    let streamer = connect(&format!("nats://{hostport}"), required)
        .await
        .unwrap();
    round_trip(&streamer).await;
}

/// Without the CA, the server's certificate is not trusted: a connect error naming the
/// server and the certificate, whether TLS was asked for (`tls://`) or demanded by the
/// server (`nats://`).
#[tokio::test(flavor = "multi_thread")]
async fn untrusted_certificate_is_a_connect_error() {
    let Some(certs) = certs() else { return };
    let Some(server) = tls_server(&certs) else {
        return;
    };
    let hostport = hostport(&server);
    for scheme in ["tls", "nats"] {
        let servers = format!("{scheme}://{hostport}");
        let result = connect(&servers, options(None)).await;
        expect_connect_error(result, &servers, &["certificate", "issuer", "tls"]);
    }
}

/// `tls://` to a server without TLS: a connect error naming the server, no hang.
#[tokio::test(flavor = "multi_thread")]
async fn tls_to_a_plain_server_is_a_connect_error() {
    let Some(certs) = certs() else { return };
    let Some(server) = PrivateNats::start("") else {
        return;
    };
    let servers = format!("tls://{}", hostport(&server));
    let result = connect(&servers, options(Some(&certs.ca))).await;
    expect_connect_error(
        result,
        &servers,
        &["tls", "handshake", "eof", "connection", "io"],
    );
}
