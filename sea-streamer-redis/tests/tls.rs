//! `rediss://` against the TLS-only redis-server of `scripts/services.sh`
//! (`SEA_STREAMER_TEST_REDIS_TLS`, trusting the test CA in `SEA_STREAMER_TEST_TLS_CA`).
//!
//! With the feature `tls-rustls`: a round trip (produce, consume back, payloads match), and the
//! failures a user meets first each give an error instead of a hang (an untrusted server
//! certificate, an unreadable CA file, a plain `redis://` client on the TLS port). Without
//! it: `rediss://` is refused with an error that names the feature.
#![cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]

use sea_streamer_conformance::service_url;
use sea_streamer_redis::{RedisConnectOptions, RedisStreamer};
use sea_streamer_types::{ConnectOptions, Streamer};
use std::time::Duration;

/// The TLS server's URL and the CA file, or `None` (skipped) when unset.
fn tls_service() -> Option<(String, String)> {
    let url = service_url("SEA_STREAMER_TEST_REDIS_TLS")?;
    let ca = service_url("SEA_STREAMER_TEST_TLS_CA")?;
    Some((url, ca))
}

fn options(ca: Option<&str>) -> RedisConnectOptions {
    let mut options = RedisConnectOptions::default();
    options.set_root_cert_file(ca.map(Into::into));
    // Every failure below must come well before this; it bounds a hang.
    options.set_timeout(Duration::from_secs(20)).unwrap();
    options
}

async fn connect(url: &str, options: RedisConnectOptions) -> Result<RedisStreamer, String> {
    let _ = env_logger::builder().is_test(true).try_init();
    RedisStreamer::connect(url.parse().unwrap(), options)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(feature = "tls-rustls")]
async fn round_trip() {
    use sea_streamer_conformance::random_key;
    use sea_streamer_redis::{AutoStreamReset, RedisConsumerOptions};
    use sea_streamer_types::{
        Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey,
    };
    let Some((url, ca)) = tls_service() else {
        return;
    };
    let streamer = connect(&url, options(Some(&ca)))
        .await
        .expect("connect over TLS");
    let key = StreamKey::new(random_key("tls")).unwrap();
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let sent: Vec<String> = (0..50).map(|i| format!("secret-{i}")).collect();
    for payload in &sent {
        producer.send(payload.as_str()).unwrap();
    }
    producer.end().await.unwrap();

    let mut consumer_options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    consumer_options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), consumer_options)
        .await
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..sent.len() {
        let message = sea_streamer_runtime::timeout(Duration::from_secs(30), consumer.next())
            .await
            .expect("no message within 30 s")
            .unwrap();
        got.push(message.message().as_str().unwrap().to_owned());
    }
    assert_eq!(got, sent);
    consumer.end().await.unwrap();
}

/// Without the test CA the server's certificate does not verify: an error naming the cause.
#[cfg(feature = "tls-rustls")]
async fn untrusted_certificate() {
    let Some((url, _ca)) = tls_service() else {
        return;
    };
    let err = connect(&url, options(None))
        .await
        .expect_err("the test CA is not trusted");
    assert!(
        err.to_lowercase().contains("certificate"),
        "the error should say the certificate was refused: {err}"
    );
}

#[cfg(feature = "tls-rustls")]
async fn unreadable_ca_file() {
    let Some((url, _ca)) = tls_service() else {
        return;
    };
    let missing = "/nonexistent/sea-streamer-ca.crt";
    let err = connect(&url, options(Some(missing)))
        .await
        .expect_err("no CA file");
    assert!(
        err.contains(missing),
        "the error should name the file: {err}"
    );
}

/// A plain client on the TLS port: the server drops it; the error says so, promptly.
async fn plain_client_on_tls_port() {
    let Some((url, _ca)) = tls_service() else {
        return;
    };
    let plain = url.replacen("rediss://", "redis://", 1);
    let err = connect(&plain, options(None))
        .await
        .expect_err("TLS port, plain client");
    assert!(
        !err.contains("Connection timeout"),
        "should fail, not time out: {err}"
    );
}

#[cfg(not(feature = "tls-rustls"))]
async fn rediss_without_the_feature_names_it() {
    let result =
        RedisStreamer::connect("rediss://127.0.0.1:16380".parse().unwrap(), options(None)).await;
    match result {
        Err(sea_streamer_types::StreamErr::Connect(msg)) => {
            assert!(
                msg.contains("redis-tls") && msg.contains("tls-rustls"),
                "{msg}"
            )
        }
        other => panic!("expected a Connect error naming the feature, got {other:?}"),
    }
}

macro_rules! tests {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        #[cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]
        mod under_tokio_or_async_std {
            $(
                $(#[$attr])*
                #[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
                #[cfg_attr(feature = "runtime-async-std", async_std::test)]
                async fn $name() {
                    super::$name().await
                }
            )*
        }
        /// smol has no test attribute: each test is driven by `smol::block_on`.
        #[cfg(all(
            feature = "runtime-smol",
            not(any(feature = "runtime-tokio", feature = "runtime-async-std"))
        ))]
        mod under_smol {
            $(
                $(#[$attr])*
                #[test]
                fn $name() {
                    smol::block_on(super::$name())
                }
            )*
        }
    };
}

tests!(
    #[cfg(feature = "tls-rustls")]
    round_trip,
    #[cfg(feature = "tls-rustls")]
    untrusted_certificate,
    #[cfg(feature = "tls-rustls")]
    unreadable_ca_file,
    plain_client_on_tls_port,
    #[cfg(not(feature = "tls-rustls"))]
    rediss_without_the_feature_names_it,
);
