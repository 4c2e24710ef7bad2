//! Unit tests of `SharedMessage`'s constructors.

use super::*;

fn header(seq: SeqNo) -> MessageHeader {
    MessageHeader::new(
        StreamKey::new("k").unwrap(),
        ShardId::new(0),
        seq,
        Timestamp::now_utc(),
    )
}

#[test]
fn from_shared_slices_one_buffer() {
    let chunk = Arc::new(b"[k] abc\nxyz".to_vec());
    let h = header(0);
    let a = SharedMessage::from_shared(h.clone(), chunk.clone(), 4, 3);
    let b = SharedMessage::from_shared(header(1), chunk.clone(), 8, 3);
    let empty = SharedMessage::from_shared(header(2), chunk.clone(), 11, 0);
    assert_eq!(a.message().as_bytes(), b"abc");
    assert_eq!(b.message().as_bytes(), b"xyz");
    assert!(empty.message().as_bytes().is_empty());
    // No copy: all three share the caller's buffer.
    assert_eq!(Arc::strong_count(&chunk), 4);
    // Same as `new` over an equal buffer.
    assert_eq!(a, SharedMessage::new(h, chunk.to_vec(), 4, 3));
    // Converting copies only the visible bytes of a shared buffer.
    assert_eq!(a.to_owned_message().take().1, b"abc".to_vec());
}

fn hash_of(message: &SharedMessage) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(message)
}

#[test]
fn from_bytes_keeps_the_bytes() {
    let frame = Bytes::from(b"[k] abc\n".to_vec());
    let payload = frame.slice(4..7);
    let h = header(0);
    let a = SharedMessage::from_bytes(h.clone(), payload.clone());
    assert_eq!(a.message().as_bytes(), b"abc");
    // No copy: the payload is the caller's bytes, and so is a clone's.
    assert_eq!(a.message().as_bytes().as_ptr(), payload.as_ptr());
    let b = a.clone();
    assert_eq!(b.message().as_bytes().as_ptr(), payload.as_ptr());
    // The same message as one over a copy of the bytes: a `Bytes` is a whole buffer.
    let copied = SharedMessage::new(h.clone(), b"abc".to_vec(), 0, 3);
    assert_eq!(a, copied);
    assert_eq!(hash_of(&a), hash_of(&copied));
    assert_eq!(format!("{a:?}"), format!("{copied:?}"));
    // Not the same as a slice of a larger buffer, nor under another header.
    assert_ne!(a, SharedMessage::new(h.clone(), b"xabc".to_vec(), 1, 3));
    assert_ne!(a, SharedMessage::from_bytes(header(1), payload.clone()));
    assert_ne!(a, SharedMessage::from_bytes(h.clone(), frame.slice(4..6)));
    // Headers count, as for the other constructors.
    let mut headers = Headers::new();
    headers.insert("k", "v");
    let with = a.clone().with_headers(headers.clone());
    assert_ne!(with, a);
    assert_eq!(with, copied.with_headers(headers.clone()));
    assert_eq!(with.headers(), Some(&headers));
    // `Message::to_owned` of the trait is the clone.
    assert_eq!(Message::to_owned(&with), with);
    assert_eq!(a.to_owned_message().take(), (h.clone(), b"abc".to_vec()));
    let empty = SharedMessage::from_bytes(h.clone(), Bytes::new());
    assert!(empty.message().as_bytes().is_empty());
    assert_eq!(empty, SharedMessage::new(h, Vec::new(), 0, 0));
}

#[test]
fn from_bytes_to_owned_message() {
    // The only view of its allocation: the `Vec` comes back (`Vec::from(Bytes)`).
    let h = header(0);
    let message = SharedMessage::from_bytes(h.clone(), Bytes::from(vec![1, 2, 3]));
    assert_eq!(
        message.to_owned_message().take(),
        (h.clone(), vec![1, 2, 3])
    );
    // Shared: the visible bytes are copied and the other holder keeps its view.
    let held = Bytes::from(vec![4, 5, 6, 7]);
    let message = SharedMessage::from_bytes(h.clone(), held.slice(1..3));
    assert_eq!(message.to_owned_message().take(), (h, vec![5, 6]));
    assert_eq!(&held[..], &[4, 5, 6, 7]);
}

#[test]
fn try_from_shared_returns_the_errors_from_shared_panics_with() {
    let buf = Arc::new(vec![0; 4]);
    assert_eq!(
        SharedMessage::try_from_shared(header(0), buf.clone(), 5, 0).unwrap_err(),
        PayloadRangeErr::OffsetBeyondBuffer {
            offset: 5,
            buffer: 4
        }
    );
    let err = SharedMessage::try_from_shared(header(0), buf.clone(), 2, 3).unwrap_err();
    assert_eq!(
        err,
        PayloadRangeErr::BeyondBuffer {
            offset: 2,
            length: 3,
            buffer: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "SharedMessage range 2+3 is beyond the buffer length 4"
    );
    let ok = SharedMessage::try_from_shared(header(0), buf, 1, 3).expect("fits");
    assert_eq!(ok.message().as_bytes(), &[0, 0, 0]);
}

#[test]
#[should_panic(expected = "beyond the buffer length")]
fn from_shared_rejects_offset_past_the_end() {
    SharedMessage::from_shared(header(0), Arc::new(vec![0; 4]), 5, 0);
}

#[test]
#[should_panic(expected = "beyond the buffer length")]
fn from_shared_rejects_range_past_the_end() {
    SharedMessage::from_shared(header(0), Arc::new(vec![0; 4]), 2, 3);
}
