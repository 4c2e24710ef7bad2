//! The redis-crate client of a node: plain for `redis://`, TLS for `rediss://`.
//!
//! TLS is compiled in by the feature `tls-rustls` (rustls, every runtime) or one of the
//! `runtime-*-native-tls` features. Without them a `rediss://` node is refused with an error
//! that names the feature, before anything is sent. With
//! [`RedisConnectOptions::root_cert_file`] set, the server's certificate must chain to one of
//! the certificates in that PEM file (instead of the system's roots).

use crate::{map_err, RedisConnectOptions, RedisResult};
use redis::{Client, ConnectionInfo};
use sea_streamer_types::StreamErr;

/// Is a TLS implementation compiled in?
pub(crate) const TLS_ENABLED: bool = cfg!(any(
    feature = "tls-rustls",
    feature = "runtime-tokio-native-tls",
    feature = "runtime-async-std-native-tls",
    feature = "runtime-smol-native-tls"
));

/// The error for a `rediss://` node when no TLS implementation is compiled in.
pub(crate) fn tls_not_enabled<T>(node: &str) -> RedisResult<T> {
    Err(StreamErr::Connect(format!(
        "{node}: rediss:// needs TLS, which is not compiled in: enable the feature `redis-tls` \
         of sea-streamer (or `tls-rustls` of sea-streamer-redis)"
    )))
}

/// The client for `info` (already `rediss://` or `redis://`); `tls` says which.
pub(crate) fn client(
    info: ConnectionInfo,
    tls: bool,
    options: &RedisConnectOptions,
) -> RedisResult<Client> {
    if !tls {
        return Client::open(info).map_err(map_err);
    }
    tls_client(info, options)
}

#[cfg(any(
    feature = "tls-rustls",
    feature = "runtime-tokio-native-tls",
    feature = "runtime-async-std-native-tls",
    feature = "runtime-smol-native-tls"
))]
fn tls_client(info: ConnectionInfo, options: &RedisConnectOptions) -> RedisResult<Client> {
    #[cfg(feature = "tls-rustls")]
    install_crypto_provider();
    let Some(path) = options.root_cert_file() else {
        return Client::open(info).map_err(map_err);
    };
    let pem = std::fs::read(path).map_err(|e| {
        StreamErr::Connect(format!(
            "cannot read the root certificate file {}: {e}",
            path.display()
        ))
    })?;
    let certs = redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    };
    Client::build_with_tls(info, certs).map_err(map_err)
}

#[cfg(not(any(
    feature = "tls-rustls",
    feature = "runtime-tokio-native-tls",
    feature = "runtime-async-std-native-tls",
    feature = "runtime-smol-native-tls"
)))]
fn tls_client(info: ConnectionInfo, _options: &RedisConnectOptions) -> RedisResult<Client> {
    tls_not_enabled(&info.addr().to_string())
}

/// rustls needs a process-wide crypto provider; the redis crate does not choose one. Ours is
/// `ring`, installed unless the program installed one already.
#[cfg(feature = "tls-rustls")]
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Fails only if another thread installed one meanwhile: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
