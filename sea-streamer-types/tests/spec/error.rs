//! Display strings of the error enums and `runtime_error`.

use sea_streamer_types::{
    export::url, runtime_error, StreamErr, StreamKey, StreamKeyErr, StreamResult, StreamUrlErr,
};

/// A hand-written backend error.
#[derive(Debug)]
struct Backend;

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("boom")
    }
}

impl std::error::Error for Backend {}

type Err = StreamErr<Backend>;

fn invalid_utf8() -> std::str::Utf8Error {
    let bytes: Vec<u8> = vec![0xff];
    std::str::from_utf8(&bytes).unwrap_err()
}

#[test]
fn stream_err_display() {
    let utf8 = invalid_utf8();
    let cases: Vec<(Err, String)> = vec![
        (
            StreamErr::Connect("refused".into()),
            "Connection Error: refused".into(),
        ),
        (
            StreamErr::TimeoutNotSet,
            "Timeout has not yet been set".into(),
        ),
        (
            StreamErr::AlreadyAnchored,
            "Producer has already been anchored".into(),
        ),
        (
            StreamErr::NotAnchored,
            "Producer has not yet been anchored".into(),
        ),
        (
            StreamErr::ConsumerGroupIsSet,
            "Consumer group is set; but not expected".into(),
        ),
        (
            StreamErr::ConsumerGroupNotSet,
            "Consumer group has not yet been set".into(),
        ),
        (StreamErr::StreamKeyEmpty, "Stream key set is empty".into()),
        (StreamErr::StreamKeyNotFound, "Stream key not found".into()),
        (
            StreamErr::CommitNotAllowed,
            "You cannot commit on a real-time consumer".into(),
        ),
        (StreamErr::Utf8Error(utf8), format!("Utf8Error: {utf8}")),
        (
            StreamErr::StreamUrlErr(StreamUrlErr::ZeroNode),
            "StreamUrlErr No node has been specified".into(),
        ),
        (
            StreamErr::StreamKeyErr(StreamKeyErr::InvalidStreamKey),
            "StreamKeyErr Invalid stream key: valid pattern is [a-zA-Z0-9._-]{1, 249}".into(),
        ),
        (
            StreamErr::Unsupported("seek".into()),
            "Unsupported feature: seek".into(),
        ),
        (StreamErr::Backend(Backend), "Backend error: boom".into()),
        (
            StreamErr::Runtime(Box::new(Backend)),
            "Runtime error: boom".into(),
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
}

#[test]
fn stream_url_err_display() {
    let parse = url::Url::parse("no scheme").unwrap_err();
    let cases = [
        (
            StreamUrlErr::UrlParseError(parse),
            format!("UrlParseError {parse}"),
        ),
        (
            StreamUrlErr::StreamKeyErr(StreamKeyErr::InvalidStreamKey),
            "StreamKeyErr Invalid stream key: valid pattern is [a-zA-Z0-9._-]{1, 249}".into(),
        ),
        (
            StreamUrlErr::NotOneStreamKey,
            "Expected one stream key, found zero or more than one".into(),
        ),
        (StreamUrlErr::ZeroNode, "No node has been specified".into()),
        (
            StreamUrlErr::ProtocolRequired,
            "Protocol is required".into(),
        ),
        (
            StreamUrlErr::NoEndingSlash,
            "URL must have an ending slash, even when streams is empty".into(),
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
}

#[test]
fn stream_key_err_display() {
    assert_eq!(
        StreamKeyErr::InvalidStreamKey.to_string(),
        "Invalid stream key: valid pattern is [a-zA-Z0-9._-]{1, 249}"
    );
}

#[cfg(feature = "json")]
#[test]
fn json_err_display() {
    use sea_streamer_types::JsonErr;

    let utf8 = invalid_utf8();
    assert_eq!(JsonErr::from(utf8).to_string(), format!("Utf8Error {utf8}"));
    let json = serde_json::from_str::<u32>("x").unwrap_err();
    let text = format!("serde_json::Error {json}");
    assert_eq!(JsonErr::from(json).to_string(), text);
}

#[test]
fn question_mark_converts() {
    fn key(s: &str) -> StreamResult<StreamKey, Backend> {
        Ok(StreamKey::new(s)?)
    }
    fn url(s: &str) -> StreamResult<(), Backend> {
        s.parse::<sea_streamer_types::StreamUrl>()?;
        Ok(())
    }
    assert!(matches!(
        key("a b"),
        Err(StreamErr::StreamKeyErr(StreamKeyErr::InvalidStreamKey))
    ));
    assert!(matches!(
        url("redis://x"),
        Err(StreamErr::StreamUrlErr(StreamUrlErr::NoEndingSlash))
    ));
}

#[test]
fn runtime_error_wraps() {
    let err: StreamErr<Backend> = runtime_error(std::io::Error::other("join failed"));
    assert_eq!(err.to_string(), "Runtime error: join failed");
    match err {
        StreamErr::Runtime(inner) => assert!(inner.downcast_ref::<std::io::Error>().is_some()),
        other => panic!("unexpected {other:?}"),
    }
}
