//! [`DeadLetter`]: the encoding of a message that failed its last attempt, and the
//! destination it is written to.

use crate::Outbox;
use futures::future::BoxFuture;
use futures::FutureExt;
use sea_streamer_types::{
    Buffer, Message, MessageHeader, Producer, SeqNo, ShardId, SharedMessage, StreamKey, Timestamp,
    TIMESTAMP_FORMAT,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A message that failed its last attempt (or failed permanently), as written to the
/// dead-letter destination.
///
/// **Encoding**: one JSON object on one line (JSON escapes line breaks and control
/// characters, so it survives every backend, stdio's line-per-message included), UTF-8:
///
/// ```json
/// {"stream_key":"orders","shard_id":0,"sequence":12,"timestamp":"2024-05-01T10:00:00.25",
///  "attempts":3,"error":"unlucky 13","payload":"{\"n\":13}","payload_encoding":"utf-8"}
/// ```
///
/// | Field | Meaning |
/// |---|---|
/// | `stream_key`, `shard_id`, `sequence` | where the original message came from |
/// | `timestamp` | its timestamp, UTC, in [`TIMESTAMP_FORMAT`] |
/// | `attempts` | how many attempts were made |
/// | `error` | the last attempt's error text |
/// | `payload` | the original payload: the text itself if it is UTF-8 (`payload_encoding` = `"utf-8"`), else its bytes in lower-case hex (`"hex"`) |
///
/// ```
/// use sea_streamer_processor::DeadLetter;
/// use sea_streamer_types::{export::time::macros::datetime, MessageHeader, ShardId, SharedMessage, StreamKey};
///
/// let header = MessageHeader::new(StreamKey::new("orders")?, ShardId::new(0), 12, datetime!(2024-05-01 10:00:00.25 UTC));
/// let message = SharedMessage::new(header.clone(), b"line one\nline two".to_vec(), 0, 17);
/// let letter = DeadLetter::new(&message, 3, "unlucky 13");
/// let json = letter.to_json();
/// assert!(!json.contains('\n'));
///
/// let back = DeadLetter::from_json(&json)?;
/// assert_eq!(back.header()?, header);
/// assert_eq!(back.payload_bytes()?, b"line one\nline two");
/// assert_eq!((back.attempts, back.error.as_str()), (3, "unlucky 13"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The original stream key.
    pub stream_key: String,
    /// The original shard.
    pub shard_id: u64,
    /// The original sequence number.
    pub sequence: SeqNo,
    /// The original timestamp, UTC, in [`TIMESTAMP_FORMAT`].
    pub timestamp: String,
    /// How many attempts were made.
    pub attempts: u32,
    /// The last attempt's error text.
    pub error: String,
    /// The original payload, as `payload_encoding` says.
    pub payload: String,
    /// `"utf-8"` (the payload is the text) or `"hex"` (lower-case hex of the bytes).
    pub payload_encoding: String,
}

/// A dead letter that does not decode.
#[derive(Error, Debug)]
pub enum DeadLetterErr {
    /// Not the JSON of a dead letter.
    #[error("not a dead letter: {0}")]
    Json(#[from] serde_json::Error),
    /// A field holds an invalid value.
    #[error("invalid dead letter field {0}")]
    Field(&'static str),
}

impl DeadLetter {
    /// The dead letter of `message` after `attempts` attempts that ended with `error`.
    pub fn new(message: &SharedMessage, attempts: u32, error: &str) -> Self {
        let timestamp = message
            .timestamp()
            .to_offset(time::UtcOffset::UTC)
            .format(TIMESTAMP_FORMAT)
            .unwrap_or_default();
        let bytes = message.message();
        let (payload, payload_encoding) = match bytes.as_str() {
            Ok(text) => (text.to_owned(), "utf-8"),
            Err(_) => (hex(bytes.as_bytes()), "hex"),
        };
        Self {
            stream_key: message.stream_key().name().to_owned(),
            shard_id: message.shard_id().id(),
            sequence: message.sequence(),
            timestamp,
            attempts,
            error: error.to_owned(),
            payload,
            payload_encoding: payload_encoding.to_owned(),
        }
    }

    /// The one-line JSON encoding.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes a dead letter.
    pub fn from_json(text: &str) -> Result<Self, DeadLetterErr> {
        Ok(serde_json::from_str(text)?)
    }

    /// The original message's header.
    pub fn header(&self) -> Result<MessageHeader, DeadLetterErr> {
        let key =
            StreamKey::new(&self.stream_key).map_err(|_| DeadLetterErr::Field("stream_key"))?;
        let timestamp = time::PrimitiveDateTime::parse(&self.timestamp, TIMESTAMP_FORMAT)
            .map_err(|_| DeadLetterErr::Field("timestamp"))?
            .assume_utc();
        let timestamp: Timestamp = timestamp;
        Ok(MessageHeader::new(
            key,
            ShardId::new(self.shard_id),
            self.sequence,
            timestamp,
        ))
    }

    /// The original payload's bytes.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, DeadLetterErr> {
        match self.payload_encoding.as_str() {
            "utf-8" => Ok(self.payload.clone().into_bytes()),
            "hex" => unhex(&self.payload).ok_or(DeadLetterErr::Field("payload")),
            _ => Err(DeadLetterErr::Field("payload_encoding")),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Where dead letters go: a producer of any backend and a stream key, type-erased.
pub(crate) trait DeadLetterSink: Send + Sync {
    /// Writes `letter` and waits for its receipt.
    fn deliver(&self, letter: String) -> BoxFuture<'_, Result<(), String>>;
}

/// A producer and the stream key its dead letters go to.
pub(crate) struct ProducerSink<P> {
    pub(crate) producer: P,
    pub(crate) stream: StreamKey,
}

impl<P> DeadLetterSink for ProducerSink<P>
where
    P: Producer + 'static,
    P::SendFuture: Send + 'static,
{
    fn deliver(&self, letter: String) -> BoxFuture<'_, Result<(), String>> {
        async move {
            let outbox = Outbox::new(1);
            outbox
                .send(&self.producer, &self.stream, letter.as_str())
                .await
                .map_err(|e| e.to_string())?;
            outbox.settle().await.map_err(|e| e.to_string())
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_payloads_round_trip_as_hex() {
        let header = MessageHeader::new(
            StreamKey::new("k").unwrap(),
            ShardId::new(3),
            7,
            Timestamp::UNIX_EPOCH,
        );
        let message = SharedMessage::new(header.clone(), vec![0, 0xff, b'\n', 0x80], 0, 4);
        let letter = DeadLetter::new(&message, 1, "bad\nbytes");
        assert_eq!(letter.payload_encoding, "hex");
        assert_eq!(letter.payload, "00ff0a80");
        let json = letter.to_json();
        assert!(!json.contains('\n'));
        let back = DeadLetter::from_json(&json).unwrap();
        assert_eq!(back.payload_bytes().unwrap(), vec![0, 0xff, b'\n', 0x80]);
        assert_eq!(back.header().unwrap(), header);
        assert_eq!(back.error, "bad\nbytes");
    }

    #[test]
    fn bad_letters_are_typed_errors() {
        assert!(matches!(
            DeadLetter::from_json("{}"),
            Err(DeadLetterErr::Json(_))
        ));
        let header = MessageHeader::new(
            StreamKey::new("k").unwrap(),
            ShardId::new(0),
            0,
            Timestamp::UNIX_EPOCH,
        );
        let mut letter = DeadLetter::new(&SharedMessage::new(header, vec![], 0, 0), 1, "e");
        letter.payload_encoding = "hex".into();
        letter.payload = "abc".into();
        assert!(matches!(
            letter.payload_bytes(),
            Err(DeadLetterErr::Field("payload"))
        ));
        letter.timestamp = "yesterday".into();
        assert!(matches!(
            letter.header(),
            Err(DeadLetterErr::Field("timestamp"))
        ));
    }
}
