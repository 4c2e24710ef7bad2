//! Serialization of MessageHeader and StreamKey (features `serde` / `json`).

#[cfg(feature = "json")]
mod json {
    use sea_streamer_types::{export::time::macros::datetime, MessageHeader, ShardId, StreamKey};

    #[test]
    fn message_header_json() {
        let header = MessageHeader::new(
            StreamKey::new("hello").unwrap(),
            ShardId::new(0),
            1,
            datetime!(2023-06-05 13:55:53.001 UTC),
        );
        assert_eq!(
            serde_json::to_string(&header).unwrap(),
            r#"{"stream_key":"hello","shard_id":0,"sequence":1,"timestamp":"2023-06-05T13:55:53.001"}"#
        );
    }

    #[test]
    fn stream_key_round_trip() {
        let key = StreamKey::new("my-fancy_topic.1").unwrap();
        let text = serde_json::to_string(&key).unwrap();
        assert_eq!(text, r#""my-fancy_topic.1""#);
        assert_eq!(serde_json::from_str::<StreamKey>(&text).unwrap(), key);
    }

    #[test]
    fn stream_key_is_revalidated() {
        for bad in [r#""a b""#, r#""""#, "1"] {
            assert!(serde_json::from_str::<StreamKey>(bad).is_err(), "{bad}");
        }
        let err = serde_json::from_str::<StreamKey>(r#""a:b""#).unwrap_err();
        assert!(err.to_string().contains("Invalid stream key"), "{err}");
    }

    #[test]
    fn stream_key_from_owned_string() {
        // An escaped string cannot be borrowed from the input; it is still accepted.
        let key: StreamKey = serde_json::from_str(r#""a\u002db""#).unwrap();
        assert_eq!(key.name(), "a-b");
        let value = serde_json::Value::String("xyz".into());
        let key: StreamKey = serde_json::from_value(value).unwrap();
        assert_eq!(key.name(), "xyz");
    }
}
