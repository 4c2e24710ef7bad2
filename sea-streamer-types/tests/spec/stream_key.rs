//! Stream key validation table, with the empty key rejected.

use sea_streamer_types::{
    is_valid_stream_key, is_valid_stream_key_char, ShardId, StreamKey, StreamKeyErr,
    MAX_STREAM_KEY_LEN, SEA_STREAMER_INTERNAL,
};

#[test]
fn valid_keys() {
    let long = "a".repeat(249);
    for key in [
        "hello",
        "my-fancy_topic.1",
        "123",
        long.as_str(),
        SEA_STREAMER_INTERNAL,
    ] {
        assert!(is_valid_stream_key(key), "{key:?} should be valid");
        let parsed = StreamKey::new(key).unwrap();
        assert_eq!(parsed.name(), key);
        assert_eq!(parsed.to_string(), key);
        assert_eq!(key.parse::<StreamKey>().unwrap(), parsed);
    }
}

#[test]
fn invalid_keys() {
    let long = "a".repeat(250);
    for key in ["", long.as_str(), "a:b", "a b", "stream?", "a/b", "é"] {
        assert!(!is_valid_stream_key(key), "{key:?} should be invalid");
        assert!(matches!(
            StreamKey::new(key),
            Err(StreamKeyErr::InvalidStreamKey)
        ));
        assert!(matches!(
            key.parse::<StreamKey>(),
            Err(StreamKeyErr::InvalidStreamKey)
        ));
    }
}

#[test]
fn new_accepts_owned_and_borrowed() {
    assert_eq!(
        StreamKey::new(String::from("abc")).unwrap(),
        StreamKey::new("abc").unwrap()
    );
}

#[test]
fn key_chars() {
    for c in ['a', 'Z', '0', '9', '.', '_', '-'] {
        assert!(is_valid_stream_key_char(c), "{c:?}");
    }
    for c in [':', ' ', '?', '/', ',', 'é', '\0', '*'] {
        assert!(!is_valid_stream_key_char(c), "{c:?}");
    }
}

#[test]
fn constants() {
    assert_eq!(MAX_STREAM_KEY_LEN, 249);
    assert_eq!(SEA_STREAMER_INTERNAL, "SEA_STREAMER_INTERNAL");
}

#[test]
fn key_ordering_is_string_ordering() {
    let mut keys: Vec<StreamKey> = ["b", "a", "c", "B"]
        .into_iter()
        .map(|k| StreamKey::new(k).unwrap())
        .collect();
    keys.sort();
    let names: Vec<&str> = keys.iter().map(StreamKey::name).collect();
    assert_eq!(names, ["B", "a", "b", "c"]);
}

#[test]
fn shard_id() {
    let shard = ShardId::new(3);
    assert_eq!(shard.id(), 3);
    assert_eq!(shard.to_string(), "ShardId { id: 3 }");
    assert_eq!(format!("{shard:?}"), "ShardId { id: 3 }");
    assert_eq!(ShardId::default().id(), 0);
    assert!(ShardId::new(1) < ShardId::new(2));
}
