//! A program that uses only the types API, written as the 0.5.2 spec shows it, compiles and
//! runs against the facade unchanged.

use sea_streamer::{
    ConsumerMode, MessageHeader, Payload, SeqPos, ShardId, StreamKey, StreamUrl, StreamerUri,
    Timestamp, TIMESTAMP_FORMAT,
};

#[test]
fn types_through_the_facade() {
    let url: StreamUrl = "kafka://node-a:1234,node-b:1234/a,b".parse().unwrap();
    let streamer: StreamerUri = url.streamer();
    assert_eq!(streamer.protocol(), Some("kafka"));
    assert_eq!(streamer.nodes().len(), 2);
    let keys: &[StreamKey] = url.stream_keys();
    assert_eq!(
        keys,
        &[StreamKey::new("a").unwrap(), StreamKey::new("b").unwrap()]
    );
    assert!(url.stream_key().is_err());

    let ts = Timestamp::from_unix_timestamp(1_685_973_353).unwrap();
    let header = MessageHeader::new(keys[0].clone(), ShardId::new(3), 42, ts);
    assert_eq!(header.sequence(), &42);
    assert_eq!(header.shard_id().id(), 3);
    assert_eq!(
        header.timestamp().format(TIMESTAMP_FORMAT).unwrap(),
        "2023-06-05T13:55:53.0"
    );

    assert_eq!(ConsumerMode::default(), ConsumerMode::RealTime);
    assert_eq!(SeqPos::At(1), SeqPos::At(1));
    let p = Payload::new("hello");
    assert_eq!(sea_streamer::Buffer::as_str(&p).unwrap(), "hello");
}
