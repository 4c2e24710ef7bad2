//! `--tls-ca FILE`: the CA certificates (PEM) every connection of the command trusts.
//!
//! Set once from the global option, before any command runs, and read by every place that
//! connects: the streamer (Redis' `RedisConnectOptions::set_root_cert_file` for `rediss://`;
//! Kafka's `KafkaConnectOptions::set_ssl_ca_location` with `security.protocol=ssl`; NATS'
//! `NatsConnectOptions::set_tls` and `set_root_certificates`, with the `nats` feature) and the
//! raw clients of `info`, `trim` and `-e` (the same settings). TLS itself is compiled in by
//! the features `redis-tls` and `kafka-ssl` of sea-streamer-cli; without them a `rediss://`
//! URL fails naming the feature and a Kafka client fails with librdkafka's "OpenSSL not
//! available at build time".

use sea_streamer_kafka::{export::rdkafka::ClientConfig, SecurityProtocol};
use sea_streamer_socket::SeaConnectOptions;
use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

static CA: OnceLock<PathBuf> = OnceLock::new();

/// Sets the CA file for the rest of the process (the first call wins).
pub fn set_ca(path: PathBuf) {
    let _ = CA.set(path);
}

/// The CA file of `--tls-ca`, if given.
pub fn ca() -> Option<&'static Path> {
    CA.get().map(PathBuf::as_path)
}

/// Applies `--tls-ca` to the options of a streamer.
pub fn apply(options: &mut SeaConnectOptions) {
    let Some(path) = ca() else { return };
    options.set_redis_connect_options(|o| {
        o.set_root_cert_file(Some(path.to_owned()));
    });
    options.set_kafka_connect_options(|o| {
        o.set_security_protocol(SecurityProtocol::Ssl)
            .set_ssl_ca_location(path);
    });
    #[cfg(feature = "nats")]
    options.set_nats_connect_options(|o| {
        o.set_tls(true).set_root_certificates(Some(path.to_owned()));
    });
}

/// Applies `--tls-ca` to a raw Kafka client's configuration (before `-X`, which may change
/// `security.protocol`, e.g. to `SASL_SSL`).
pub fn apply_kafka(config: &mut ClientConfig) {
    if let Some(path) = ca() {
        config.set("security.protocol", "ssl");
        config.set("ssl.ca.location", path.display().to_string());
    }
}
