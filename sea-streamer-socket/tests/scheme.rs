//! Which URIs `SeaStreamer::connect` accepts, and the errors for the ones it rejects.

use sea_streamer_socket::{Scheme, SeaConnectOptions, SeaStreamer};
use sea_streamer_types::{StreamErr, StreamUrl, Streamer, StreamerUri};

#[test]
fn scheme_table() {
    let accepted = [
        ("kafka", Scheme::Kafka),
        ("redis", Scheme::Redis),
        ("rediss", Scheme::Redis),
        ("stdio", Scheme::Stdio),
        ("file", Scheme::File),
        ("Kafka", Scheme::Kafka),
        ("REDISS", Scheme::Redis),
        ("nats", Scheme::Nats),
        ("NATS", Scheme::Nats),
    ];
    for (protocol, scheme) in accepted {
        assert_eq!(Scheme::from_protocol(protocol), Some(scheme), "{protocol}");
    }
    for protocol in [
        "",
        "http",
        "https",
        "redis+tls",
        "kafkas",
        "stdin",
        "files",
        "tcp",
        "natss",
    ] {
        assert_eq!(Scheme::from_protocol(protocol), None, "{protocol}");
    }
    assert_eq!(Scheme::ALL.len(), 5);
    let names: Vec<_> = Scheme::ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(names, ["kafka", "redis", "stdio", "file", "nats"]);
}

#[test]
fn scheme_of_uri() {
    let uri: StreamerUri = "rediss://example.com:6380".parse().unwrap();
    assert_eq!(Scheme::of(&uri).unwrap(), Scheme::Redis);
    let url: StreamUrl = "kafka://a:9092,b:9092/t1,t2".parse().unwrap();
    assert_eq!(Scheme::of(url.streamer_ref()).unwrap(), Scheme::Kafka);
    let url: StreamUrl = "file://./data.ss/stream".parse().unwrap();
    assert_eq!(Scheme::of(url.streamer_ref()).unwrap(), Scheme::File);
    let url: StreamUrl = "stdio:///a,b".parse().unwrap();
    assert_eq!(Scheme::of(url.streamer_ref()).unwrap(), Scheme::Stdio);
    let url: StreamUrl = "nats://a:4222,b:4222/orders".parse().unwrap();
    assert_eq!(Scheme::of(url.streamer_ref()).unwrap(), Scheme::Nats);

    let no_protocol: StreamerUri = "localhost:9092".parse().unwrap();
    assert!(matches!(
        Scheme::of(&no_protocol),
        Err(StreamErr::Connect(m)) if m == "protocol not set"
    ));
    assert!(matches!(
        Scheme::of(&StreamerUri::zero()),
        Err(StreamErr::Connect(m)) if m == "protocol not set"
    ));
}

#[test]
fn compiled_in_matches_features() {
    assert_eq!(
        Scheme::Kafka.is_compiled_in(),
        cfg!(feature = "backend-kafka")
    );
    assert_eq!(
        Scheme::Redis.is_compiled_in(),
        cfg!(feature = "backend-redis")
    );
    assert_eq!(
        Scheme::Stdio.is_compiled_in(),
        cfg!(feature = "backend-stdio")
    );
    assert_eq!(
        Scheme::File.is_compiled_in(),
        cfg!(feature = "backend-file")
    );
    assert_eq!(
        Scheme::Nats.is_compiled_in(),
        cfg!(feature = "backend-nats")
    );
}

async fn connect(uri: &str) -> Result<SeaStreamer, sea_streamer_socket::Error> {
    let uri: StreamerUri = uri.parse().expect("test URIs parse");
    SeaStreamer::connect(uri, SeaConnectOptions::default()).await
}

fn connect_message(res: Result<SeaStreamer, sea_streamer_socket::Error>) -> Option<String> {
    match res {
        Err(StreamErr::Connect(m)) => Some(m),
        _ => None,
    }
}

#[tokio::test]
async fn rejected_uris() {
    let cases = [
        ("localhost:9092", "protocol not set"),
        ("sea-ql.org:1234", "protocol not set"),
        ("gopher://example.com", "unknown protocol `gopher`"),
        ("http://localhost:9092", "unknown protocol `http`"),
        ("kafkas://localhost:9092", "unknown protocol `kafkas`"),
    ];
    for (uri, expected) in cases {
        let message = connect_message(connect(uri).await);
        assert_eq!(message.as_deref(), Some(expected), "{uri}");
    }
    let err = connect("gopher://example.com").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Connection Error: unknown protocol `gopher`"
    );
}

/// One URI per scheme. Compiled-out backends fail naming the feature; compiled-in ones reach
/// their backend (which may still fail to connect: nothing listens on port 1, or, for
/// `rediss://` without `backend-redis-tls`, refuse naming the TLS feature).
#[tokio::test]
async fn every_scheme_is_recognised() {
    let cases = [
        ("kafka://127.0.0.1:1", Scheme::Kafka),
        ("redis://127.0.0.1:1", Scheme::Redis),
        ("rediss://127.0.0.1:1", Scheme::Redis),
        ("stdio://", Scheme::Stdio),
        (
            "file://./no-such-dir-for-sea-streamer/none.ss",
            Scheme::File,
        ),
        ("nats://127.0.0.1:1", Scheme::Nats),
    ];
    for (uri, scheme) in cases {
        let res = connect(uri).await;
        if scheme.is_compiled_in() {
            if let Some(m) = connect_message(res) {
                // `rediss://` reaches the Redis backend, which refuses it naming the TLS
                // feature when none is compiled in: recognised, feature missing.
                let tls_missing = uri.starts_with("rediss:")
                    && !cfg!(feature = "backend-redis-tls")
                    && m.ends_with(
                        "rediss:// needs TLS, which is not compiled in: enable the feature \
                         `redis-tls` of sea-streamer (or `tls-rustls` of sea-streamer-redis)",
                    );
                assert!(
                    tls_missing
                        || (!m.contains("not compiled in")
                            && !m.contains("unknown protocol")
                            && m != "protocol not set"),
                    "{uri} must reach the {scheme} backend, got {m}"
                );
            }
        } else {
            let expected = format!(
                "backend `{name}` is not compiled in: enable the `{name}` feature of sea-streamer \
                 (or `backend-{name}` of sea-streamer-socket)",
                name = scheme.name()
            );
            assert_eq!(connect_message(res), Some(expected), "{uri}");
        }
    }
}

#[cfg(feature = "backend-stdio")]
#[tokio::test]
async fn stdio_uri_connects() {
    use sea_streamer_socket::{Backend, SeaStreamerBackend};

    for uri in ["stdio://", "STDIO://"] {
        let mut streamer = connect(uri).await.unwrap();
        assert_eq!(streamer.backend(), Backend::Stdio);
        assert!(streamer.get_stdio().is_some());
    }
    let url: StreamUrl = "stdio:///a,b".parse().unwrap();
    let streamer = SeaStreamer::connect(url.streamer(), Default::default())
        .await
        .unwrap();
    assert_eq!(streamer.backend(), Backend::Stdio);
}
