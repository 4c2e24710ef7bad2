//! The StreamerUri / StreamUrl parsing table.

use sea_streamer_types::{
    export::url::Url, StreamKey, StreamKeyErr, StreamUrl, StreamUrlErr, StreamerUri,
};

fn nodes(uri: &StreamerUri) -> Vec<&str> {
    uri.nodes().iter().map(Url::as_str).collect()
}

fn keys(url: &StreamUrl) -> Vec<&str> {
    url.stream_keys().iter().map(StreamKey::name).collect()
}

fn stream_url(s: &str) -> StreamUrl {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn streamer_uri(s: &str) -> StreamerUri {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

#[test]
fn stdio_urls() {
    let url = stream_url("stdio:///");
    assert_eq!(url.streamer().protocol(), Some("stdio"));
    assert_eq!(nodes(url.streamer_ref()), ["stdio://."]);
    assert!(keys(&url).is_empty());

    let url = stream_url("stdio:///a,b");
    assert_eq!(nodes(url.streamer_ref()), ["stdio://."]);
    assert_eq!(keys(&url), ["a", "b"]);

    let uri = streamer_uri("stdio://");
    assert_eq!(nodes(&uri), ["stdio://."]);
    assert_eq!(uri.protocol(), Some("stdio"));
}

#[test]
fn redis_urls() {
    let url = stream_url("redis://localhost/");
    assert_eq!(nodes(url.streamer_ref()), ["redis://localhost"]);
    assert!(keys(&url).is_empty());

    let url = stream_url("redis://localhost/a,b");
    assert_eq!(nodes(url.streamer_ref()), ["redis://localhost"]);
    assert_eq!(keys(&url), ["a", "b"]);

    let uri = streamer_uri("redis://localhost:6379");
    assert_eq!(nodes(&uri), ["redis://localhost:6379"]);
    assert_eq!(uri.protocol(), Some("redis"));
}

#[test]
fn kafka_cluster_url() {
    let url = stream_url("kafka://node-a:1234,node-b:1234/a,b");
    assert_eq!(url.streamer().protocol(), Some("kafka"));
    assert_eq!(
        nodes(url.streamer_ref()),
        ["kafka://node-a:1234", "kafka://node-b:1234"]
    );
    assert_eq!(keys(&url), ["a", "b"]);
    assert_eq!(
        url.streamer().to_string(),
        "(kafka://node-a:1234,kafka://node-b:1234)"
    );
}

#[test]
fn proto_urls() {
    let url = stream_url("proto://sea-ql.org:1234/");
    assert_eq!(nodes(url.streamer_ref()), ["proto://sea-ql.org:1234"]);
    assert!(keys(&url).is_empty());

    let url = stream_url("proto://sea-ql.org:1234/stream");
    assert_eq!(nodes(url.streamer_ref()), ["proto://sea-ql.org:1234"]);
    assert_eq!(keys(&url), ["stream"]);
    assert_eq!(url.stream_key().unwrap().name(), "stream");
}

#[test]
fn file_urls() {
    let url = stream_url("file://./path/to/hi/a,b");
    assert_eq!(url.streamer().protocol(), Some("file"));
    assert_eq!(nodes(url.streamer_ref()), ["file://./path/to/hi"]);
    assert_eq!(keys(&url), ["a", "b"]);

    let url = stream_url("file://./path/to/hi/");
    assert_eq!(nodes(url.streamer_ref()), ["file://./path/to/hi"]);
    assert!(keys(&url).is_empty());

    let uri = streamer_uri("file:///path/to/hi");
    assert_eq!(nodes(&uri), ["file:///path/to/hi"]);
    assert_eq!(uri.protocol(), Some("file"));
}

#[test]
fn uris_without_protocol() {
    let uri = streamer_uri("sea-ql.org:1234");
    assert_eq!(uri.nodes().len(), 1);
    assert_eq!(uri.nodes()[0].scheme(), "sea-ql.org");
    assert_eq!(uri.protocol(), None);

    let uri = streamer_uri("localhost:9092");
    assert_eq!(uri.nodes().len(), 1);
    assert_eq!(uri.protocol(), None);
}

#[test]
fn url_errors() {
    assert!(matches!(
        "proto://sea-ql.org:1234".parse::<StreamUrl>(),
        Err(StreamUrlErr::NoEndingSlash)
    ));
    assert!(matches!(
        "proto://sea-ql.org:1234/stream?".parse::<StreamUrl>(),
        Err(StreamUrlErr::StreamKeyErr(StreamKeyErr::InvalidStreamKey))
    ));
    assert!(matches!(
        "/a".parse::<StreamUrl>(),
        Err(StreamUrlErr::ProtocolRequired)
    ));
    assert!(matches!(
        "".parse::<StreamerUri>(),
        Err(StreamUrlErr::ProtocolRequired)
    ));
    assert!(matches!(
        "redis://local host/".parse::<StreamUrl>(),
        Err(StreamUrlErr::UrlParseError(_))
    ));
}

#[test]
fn empty_pieces_are_ignored() {
    let url = stream_url("redis://a,,b/x,,y");
    assert_eq!(nodes(url.streamer_ref()), ["redis://a", "redis://b"]);
    assert_eq!(keys(&url), ["x", "y"]);
}

#[test]
fn only_empty_hosts_is_zero_node() {
    assert!(matches!(
        "redis://,/x".parse::<StreamUrl>(),
        Err(StreamUrlErr::ZeroNode)
    ));
}

#[test]
fn stream_key_requires_exactly_one() {
    for s in ["stdio:///", "stdio:///a,b"] {
        assert!(matches!(
            stream_url(s).stream_key(),
            Err(StreamUrlErr::NotOneStreamKey)
        ));
    }
    assert_eq!(stream_url("stdio:///a").stream_key().unwrap().name(), "a");
}

#[test]
fn streamer_uri_constructors() {
    let a = Url::parse("kafka://a:1").unwrap();
    let b = Url::parse("kafka://b:2").unwrap();

    let zero = StreamerUri::zero();
    assert!(zero.nodes().is_empty());
    assert_eq!(zero.protocol(), None);
    assert_eq!(zero.to_string(), "()");

    let one = StreamerUri::one(a.clone());
    assert_eq!(one, StreamerUri::from(a.clone()));
    assert_eq!(one.to_string(), "(kafka://a:1)");
    assert_eq!(one.protocol(), Some("kafka"));

    let many = StreamerUri::many([a.clone(), b.clone()].into_iter());
    let collected: StreamerUri = [a.clone(), b.clone()].into_iter().collect();
    assert_eq!(many, collected);
    assert_eq!(many.to_string(), "(kafka://a:1,kafka://b:2)");
    assert_eq!(many.clone().into_nodes().collect::<Vec<_>>(), vec![a, b]);
}

#[test]
fn streamer_uri_from_str_matches_constructor() {
    let uri = streamer_uri("kafka://a:1,b:2");
    let expected: StreamerUri = ["kafka://a:1", "kafka://b:2"]
        .into_iter()
        .map(|s| Url::parse(s).unwrap())
        .collect();
    assert_eq!(uri, expected);
}
