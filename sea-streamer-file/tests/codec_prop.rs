//! Property tests of the public `.ss` codecs (issue #16.4): [`Header`], [`MessageHeader`],
//! [`Message`] (a frame), [`Marker`] and [`Beacon`], each through `write_to` / `read_from` over
//! an in-memory [`ByteBuffer`].
//!
//! - Round trip: any value encodes to `size()` bytes and decodes back equal, consuming exactly
//!   what was written (a frame also returns the payload's CRC as its checksum).
//! - Random bytes, and valid encodings with one byte changed, inserted or removed: decoding
//!   never panics and fails with a typed error, or succeeds and then the value re-encodes to
//!   exactly the bytes it consumed, except those the format leaves unchecked (terminators,
//!   header padding). A decoder never asks for more bytes than the input has before failing
//!   (`ByteBuffer` checks the size before allocating), so no length field can make it allocate
//!   more than the input.
//!
//! Cases: proptest's default (256 per property), or `PROPTEST_CASES` (1,000,000 in
//! `scripts/fuzz.sh`). Failing inputs are kept in `tests/codec_prop.proptest-regressions`.

use proptest::prelude::*;
use sea_streamer_file::format::{Beacon, Checksum, Header, Marker, Message, MessageHeader};
use sea_streamer_file::{ByteBuffer, Bytes, FileErr};
use sea_streamer_types::{
    MessageHeader as TypesHeader, OwnedMessage, ShardId, StreamKey, Timestamp,
};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs a future that `ByteBuffer` makes ready at once.
fn now<T>(future: impl Future<Output = T>) -> T {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a ByteBuffer read is never pending"),
    }
}

fn buffer(bytes: &[u8]) -> ByteBuffer {
    ByteBuffer::one(Bytes::from_slice(bytes))
}

/// Everything left in a buffer.
fn rest(buf: &mut ByteBuffer) -> Vec<u8> {
    let n = buf.size();
    buf.consume::<Bytes>(n).bytes()
}

/// The largest timestamp `time` represents, in ms (9999-12-31T23:59:59.999).
const MAX_MS: u64 = 253_402_300_799_999;

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        0..=MAX_MS,
        Just(0),
        Just(MAX_MS),
        1_600_000_000_000u64..1_800_000_000_000
    ]
    .prop_map(|ms| Timestamp::from_unix_timestamp_nanos(ms as i128 * 1_000_000).expect("in range"))
}

fn key() -> impl Strategy<Value = StreamKey> {
    prop_oneof![8 => "[A-Za-z0-9._-]{1,20}", 1 => "[a-z]{249}"]
        .prop_map(|k| StreamKey::new(k).expect("valid key"))
}

fn header() -> impl Strategy<Value = TypesHeader> {
    (key(), any::<u64>(), any::<u64>(), timestamp())
        .prop_map(|(k, shard, seq, ts)| TypesHeader::new(k, ShardId::new(shard), seq, ts))
}

fn frame() -> impl Strategy<Value = Message> {
    (header(), prop::collection::vec(any::<u8>(), 0..300)).prop_map(|(h, payload)| Message {
        message: OwnedMessage::new(h, payload),
        checksum: 0,
    })
}

fn marker() -> impl Strategy<Value = Marker> {
    (header(), any::<u16>()).prop_map(|(header, c)| Marker {
        header,
        running_checksum: Checksum(c),
    })
}

fn beacon() -> impl Strategy<Value = Beacon> {
    (any::<u32>(), prop::collection::vec(marker(), 0..6)).prop_map(|(remaining, items)| Beacon {
        remaining_messages_bytes: remaining,
        items,
    })
}

fn file_header() -> impl Strategy<Value = Header> {
    ("[a-z0-9._é-]{0,50}", timestamp(), any::<u32>())
        .prop_filter("a file name of at most 111 bytes", |(n, _, _)| {
            n.len() <= 111
        })
        .prop_map(|(file_name, created_at, beacon_interval)| Header {
            file_name,
            created_at,
            beacon_interval,
        })
}

/// A change to an encoding: one byte set, inserted or removed, or the end cut off.
#[derive(Debug, Clone)]
enum Change {
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Remove(prop::sample::Index),
    Cut(prop::sample::Index),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Change::Set(i, b)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Change::Insert(i, b)),
        any::<prop::sample::Index>().prop_map(Change::Remove),
        any::<prop::sample::Index>().prop_map(Change::Cut),
    ]
}

fn apply(mut bytes: Vec<u8>, change: &Change) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    match change {
        Change::Set(i, b) => {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        Change::Insert(i, b) => bytes.insert(i.index(bytes.len() + 1), *b),
        Change::Remove(i) => {
            bytes.remove(i.index(bytes.len()));
        }
        Change::Cut(i) => bytes.truncate(i.index(bytes.len())),
    }
    bytes
}

/// Which codec to feed bytes to.
#[derive(Debug, Clone, Copy)]
enum Codec {
    Header,
    MessageHeader,
    Frame,
    Marker,
    Beacon,
}

/// Decodes `input` with `codec`; on success re-encodes and compares with the consumed bytes,
/// skipping the bytes the format does not check.
fn decode_checked(codec: Codec, input: &[u8]) -> Result<(), TestCaseError> {
    let mut buf = buffer(input);
    let mut again = Vec::new();
    let result: Result<(), FileErr> = match codec {
        Codec::Header => {
            now(Header::read_from(&mut buf)).and_then(|h| h.write_to(&mut again).map(drop))
        }
        Codec::MessageHeader => {
            now(MessageHeader::read_from(&mut buf)).and_then(|h| h.write_to(&mut again).map(drop))
        }
        Codec::Frame => now(Message::read_from(&mut buf)).and_then(|m| {
            assert_checksum(m.checksum, m.compute_checksum());
            m.write_to(&mut again).map(drop)
        }),
        Codec::Marker => {
            now(Marker::read_from(&mut buf)).and_then(|m| m.write_to(&mut again).map(drop))
        }
        Codec::Beacon => {
            now(Beacon::read_from(&mut buf)).and_then(|b| b.write_to(&mut again).map(drop))
        }
    };
    match result {
        Err(e) => {
            // A typed error with a message.
            prop_assert!(!e.to_string().is_empty());
        }
        Ok(()) => {
            let consumed = input.len() - buf.size();
            prop_assert_eq!(again.len(), consumed);
            let consumed = &input[..consumed];
            let checked = |i: usize| match codec {
                // Padding and terminator of the header are not checked.
                Codec::Header => i < 4 + consumed[3] as usize + 12,
                // The frame's terminator is not checked.
                Codec::Frame => i + 1 < consumed.len(),
                // The beacon's two 0x0D are not checked.
                Codec::Beacon => i != 0 && i + 1 < consumed.len(),
                Codec::MessageHeader | Codec::Marker => true,
            };
            for (i, (a, b)) in again.iter().zip(consumed).enumerate() {
                if checked(i) {
                    prop_assert_eq!(a, b, "byte {} of {:?}", i, codec);
                }
            }
        }
    }
    Ok(())
}

/// A decoded frame's stored checksum equals its payload's CRC (else it was an error).
fn assert_checksum(stored: u16, computed: u16) {
    assert_eq!(stored, computed, "a frame decoded with a wrong checksum");
}

/// The encoding of a value of `codec`.
fn encoding(codec: Codec) -> BoxedStrategy<Vec<u8>> {
    fn enc<T: std::fmt::Debug + 'static>(
        s: impl Strategy<Value = T> + 'static,
        write: fn(T, &mut Vec<u8>),
    ) -> BoxedStrategy<Vec<u8>> {
        s.prop_map(move |v| {
            let mut out = Vec::new();
            write(v, &mut out);
            out
        })
        .boxed()
    }
    match codec {
        Codec::Header => enc(file_header(), |h, o| {
            h.write_to(o).expect("encodes");
        }),
        Codec::MessageHeader => enc(header(), |h, o| {
            MessageHeader(h).write_to(o).expect("encodes");
        }),
        Codec::Frame => enc(frame(), |m, o| {
            m.write_to(o).expect("encodes");
        }),
        Codec::Marker => enc(marker(), |m, o| {
            m.write_to(o).expect("encodes");
        }),
        Codec::Beacon => enc(beacon(), |b, o| {
            b.write_to(o).expect("encodes");
        }),
    }
}

fn codec() -> impl Strategy<Value = Codec> {
    prop::sample::select(vec![
        Codec::Header,
        Codec::MessageHeader,
        Codec::Frame,
        Codec::Marker,
        Codec::Beacon,
    ])
}

proptest! {
    /// A frame round-trips: `size()` bytes, decoded equal, checksum = the payload's CRC.
    #[test]
    fn frames_round_trip(m in frame(), tail in prop::collection::vec(any::<u8>(), 0..4)) {
        let mut buf = ByteBuffer::new();
        let size = m.size();
        let (written, crc) = m.clone().write_to(&mut buf).expect("encodes");
        prop_assert_eq!(written, size);
        prop_assert_eq!(buf.size(), size);
        prop_assert_eq!(crc.0, m.compute_checksum());
        buf.append(Bytes::from_slice(&tail));
        let back = now(Message::read_from(&mut buf)).expect("decodes");
        prop_assert_eq!(&back.message, &m.message);
        prop_assert_eq!(back.checksum, crc.0);
        prop_assert_eq!(rest(&mut buf), tail);
    }

    /// Headers, message headers, markers and beacons round-trip.
    #[test]
    fn other_codecs_round_trip(
        h in file_header(),
        mh in header(),
        b in beacon(),
    ) {
        let mut buf = ByteBuffer::new();
        prop_assert_eq!(h.clone().write_to(&mut buf).expect("encodes"), 128);
        prop_assert_eq!(now(Header::read_from(&mut buf)).expect("decodes"), h);

        let mh = MessageHeader(mh);
        let size = mh.size();
        prop_assert_eq!(mh.clone().write_to(&mut buf).expect("encodes"), size);
        prop_assert_eq!(now(MessageHeader::read_from(&mut buf)).expect("decodes"), mh);

        let size = b.size();
        prop_assert_eq!(b.clone().write_to(&mut buf).expect("encodes"), size);
        prop_assert_eq!(buf.size(), size);
        prop_assert_eq!(now(Beacon::read_from(&mut buf)).expect("decodes"), b);
        prop_assert!(buf.is_empty());
    }

    /// Random bytes: no panic; a typed error, or a value that re-encodes to what it consumed.
    #[test]
    fn random_bytes_decode_safely(codec in codec(), input in prop::collection::vec(any::<u8>(), 0..400)) {
        decode_checked(codec, &input)?;
    }

    /// Valid encodings with a few bytes changed, inserted or removed, or cut short.
    #[test]
    fn changed_encodings_decode_safely(
        (codec, bytes) in codec().prop_flat_map(|c| (Just(c), encoding(c))),
        changes in prop::collection::vec(change(), 1..4),
    ) {
        let input = changes.iter().fold(bytes, apply);
        decode_checked(codec, &input)?;
    }

    /// Length fields larger than the input: `NotEnoughBytes`, whatever they claim.
    #[test]
    fn huge_lengths_are_not_enough_bytes(m in frame(), len in any::<u32>(), count in any::<u8>()) {
        let mut bytes = Vec::new();
        let key_len = m.message.header().stream_key().name().len();
        m.write_to(&mut bytes).expect("encodes");
        let at = 1 + key_len + 24;
        let stored = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        prop_assume!(len > stored);
        bytes[at..at + 4].copy_from_slice(&len.to_be_bytes());
        prop_assert!(matches!(now(Message::read_from(&mut buffer(&bytes))), Err(FileErr::NotEnoughBytes)));
        // A beacon head claiming `count` markers with none following.
        let mut head = vec![0x0D, 0, 0, 0, 0, count];
        if count > 0 {
            prop_assert!(matches!(now(Beacon::read_from(&mut buffer(&head))), Err(FileErr::NotEnoughBytes)));
        }
        head.push(0x0D);
        if count == 0 {
            prop_assert_eq!(now(Beacon::read_from(&mut buffer(&head))).expect("an empty beacon"), Beacon::empty());
        }
    }
}
