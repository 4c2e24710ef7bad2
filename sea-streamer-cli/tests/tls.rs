//! `sea --tls-ca FILE` against the TLS services (`SEA_STREAMER_TEST_REDIS_TLS`,
//! `SEA_STREAMER_TEST_KAFKA_TLS`, CA in `SEA_STREAMER_TEST_TLS_CA`): a round trip trusting
//! the test CA, `info` through the raw clients, and the refusal without it. Compiled only
//! with the features `redis-tls` / `kafka-ssl` (the workspace run of scripts/test.sh turns
//! them on).

#![cfg(any(feature = "redis-tls", feature = "kafka-ssl"))]

mod common;
use common::*;

fn service(var: &str) -> Option<(String, String)> {
    let url = sea_streamer_conformance::service_url(var)?;
    let ca = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_TLS_CA")?;
    Some((url.trim_end_matches('/').to_owned(), ca))
}

#[cfg(feature = "redis-tls")]
#[test]
fn redis_round_trip_trusting_the_ca() {
    let Some((r, ca)) = service("SEA_STREAMER_TEST_REDIS_TLS") else {
        return;
    };
    let k = key("cli-tls");
    let url = format!("{r}/{k}");
    ok(&["--tls-ca", &ca, "produce", &url, "-q"], b"a\nb\n");
    let run = ok(
        &[
            "consume", &url, "-e", "--format", "raw", "-q", "--tls-ca", &ca,
        ],
        b"",
    );
    assert_eq!(run.stdout, "a\nb\n");
    let info = ok(&["--tls-ca", &ca, "info", &url], b"");
    assert!(
        info.stdout.contains(&format!("stream {k}: 2 entries")),
        "{}",
        info.stdout
    );
    // The test CA is not among the system's roots.
    let refused = sea(&["consume", &url, "-e", "-q"], b"");
    assert_eq!(refused.code, 1, "{}", refused.stderr);
}

#[cfg(feature = "kafka-ssl")]
#[test]
fn kafka_round_trip_trusting_the_ca() {
    let Some((k, ca)) = service("SEA_STREAMER_TEST_KAFKA_TLS") else {
        return;
    };
    let topic = key("cli-ktls");
    let url = format!("{k}/{topic}");
    let input = format!("[{topic} | 0 | 0] a\n[{topic} | 0 | 0] b\n");
    ok(
        &[
            "--tls-ca",
            &ca,
            "produce",
            &url,
            "-q",
            "--max-in-flight",
            "1",
        ],
        input.as_bytes(),
    );
    let run = ok(
        &[
            "--tls-ca",
            &ca,
            "consume",
            &url,
            "-e",
            "--format",
            "raw",
            "-q",
            "-X",
            "session.timeout.ms=2000",
        ],
        b"",
    );
    assert_eq!(run.stdout, "a\nb\n");
    let info = ok(&["--tls-ca", &ca, "info", &url], b"");
    assert!(
        info.stdout.contains("partition 0: offsets 0..2"),
        "{}",
        info.stdout
    );
}
