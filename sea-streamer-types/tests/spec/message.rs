//! OwnedMessage, SharedMessage and the provided Message methods.

use sea_streamer_types::{
    export::time::macros::datetime, Buffer, Message, MessageHeader, OwnedMessage, SeqNo, ShardId,
    SharedMessage, StreamKey, Timestamp,
};

fn header(seq: SeqNo) -> MessageHeader {
    MessageHeader::new(
        StreamKey::new("hello").unwrap(),
        ShardId::new(2),
        seq,
        datetime!(2023-06-05 13:55:53.001 UTC),
    )
}

#[test]
fn header_getters() {
    let h = header(7);
    assert_eq!(h.stream_key().name(), "hello");
    assert_eq!(h.shard_id(), &ShardId::new(2));
    assert_eq!(h.sequence(), &7);
    assert_eq!(h.timestamp(), &datetime!(2023-06-05 13:55:53.001 UTC));
}

#[test]
fn owned_message() {
    let msg = OwnedMessage::new(header(1), b"payload".to_vec());
    assert_eq!(msg.header(), &header(1));
    assert_eq!(msg.stream_key().name(), "hello");
    assert_eq!(msg.shard_id(), ShardId::new(2));
    assert_eq!(msg.sequence(), 1);
    assert_eq!(msg.timestamp(), datetime!(2023-06-05 13:55:53.001 UTC));
    assert_eq!(msg.message().as_bytes(), b"payload");
    assert_eq!(
        msg.identifier(),
        (StreamKey::new("hello").unwrap(), ShardId::new(2), 1)
    );
    assert_eq!(msg.take(), (header(1), b"payload".to_vec()));
}

#[test]
fn owned_to_shared_and_back() {
    let msg = OwnedMessage::new(header(3), b"abc".to_vec());
    let shared = msg.clone().to_shared();
    assert_eq!(shared.header(), &header(3));
    assert_eq!(shared.message().as_str().unwrap(), "abc");
    assert_eq!(shared.to_owned_message(), msg);
}

#[test]
fn shared_message_slice() {
    let shared = SharedMessage::new(header(4), b"xxhelloyy".to_vec(), 2, 5);
    assert_eq!(shared.message().as_str().unwrap(), "hello");
    assert_eq!(shared.message().size(), 5);
    assert_eq!(shared.identifier().2, 4);

    // A partial slice is copied into the owned message.
    let owned = shared.clone().to_owned_message();
    assert_eq!(owned.take(), (header(4), b"hello".to_vec()));

    // A clone keeps the Arc shared: the whole buffer is then copied, not moved.
    let whole = SharedMessage::new(header(5), b"whole".to_vec(), 0, 5);
    let other = whole.clone();
    assert_eq!(whole.to_owned_message().take().1, b"whole".to_vec());
    assert_eq!(other.message().as_bytes(), b"whole");
    assert_eq!(other.to_owned_message().take().1, b"whole".to_vec());
}

#[test]
fn shared_message_equality_includes_range() {
    let a = SharedMessage::new(header(1), b"aab".to_vec(), 0, 1);
    let b = SharedMessage::new(header(1), b"aab".to_vec(), 1, 1);
    assert_eq!(a.message(), b.message());
    assert_ne!(a, b);
}

#[test]
fn shared_message_empty_at_end() {
    let msg = SharedMessage::new(header(1), b"abc".to_vec(), 3, 0);
    assert_eq!(msg.message().size(), 0);
}

#[test]
#[should_panic]
fn shared_message_offset_beyond_len_panics() {
    let _ = SharedMessage::new(header(1), b"abc".to_vec(), 4, 0);
}

#[test]
fn touch_updates_timestamp() {
    let mut msg = SharedMessage::new(header(1), Vec::new(), 0, 0);
    let before = Timestamp::now_utc();
    msg.touch();
    assert!(*msg.header().timestamp() >= before);
    assert_eq!(msg.header().sequence(), &1);
    assert_eq!(msg.take_header().stream_key().name(), "hello");
}

/// A message type that is not `Clone`, so `to_owned` resolves to `Message::to_owned`.
struct Borrowed<'a> {
    payload: &'a str,
}

impl Message for Borrowed<'_> {
    fn stream_key(&self) -> StreamKey {
        StreamKey::new("borrowed").unwrap()
    }

    fn shard_id(&self) -> ShardId {
        ShardId::new(9)
    }

    fn sequence(&self) -> SeqNo {
        42
    }

    fn timestamp(&self) -> Timestamp {
        datetime!(2020-01-01 00:00 UTC)
    }

    fn message(&self) -> sea_streamer_types::Payload<'_> {
        sea_streamer_types::Payload::new(self.payload)
    }
}

#[test]
fn provided_to_owned_copies() {
    let msg = Borrowed { payload: "body" };
    let shared = msg.to_owned();
    assert_eq!(shared.stream_key().name(), "borrowed");
    assert_eq!(shared.shard_id(), ShardId::new(9));
    assert_eq!(shared.sequence(), 42);
    assert_eq!(shared.timestamp(), datetime!(2020-01-01 00:00 UTC));
    assert_eq!(shared.message().as_str().unwrap(), "body");
    assert_eq!(
        msg.identifier(),
        (StreamKey::new("borrowed").unwrap(), ShardId::new(9), 42)
    );
}
