//! Stream naming and the JetStream streams behind stream keys: found, created on demand or
//! required to exist.

use std::sync::{Arc, Mutex};

use async_nats::jetstream::{self, stream};
use futures::channel::oneshot;
use sea_streamer_types::{StreamErr, StreamKey};

use crate::error::backend;
use crate::{NatsConnectOptions, NatsErr, NatsResult};

/// The JetStream stream (or consumer) name for `key`: JetStream names may not hold `.`, so
/// `.` is written `_2E` and `_` `_5F` (the mapping is one to one).
pub(crate) fn encode_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for c in key.chars() {
        match c {
            '.' => name.push_str("_2E"),
            '_' => name.push_str("_5F"),
            ' ' | '*' | '>' | '/' | '\\' => name.push_str(&format!("_{:02X}", c as u32)),
            c => name.push(c),
        }
    }
    name
}

/// The subject of shard `shard` of `key`: `key.<shard>`.
pub(crate) fn shard_subject(key: &StreamKey, shard: u64) -> String {
    format!("{}.{shard}", key.name())
}

/// The subject matching every shard of `key`: `key.*`.
pub(crate) fn shards_wildcard(key: &StreamKey) -> String {
    format!("{}.*", key.name())
}

/// The shard a message of `key` published to `subject` belongs to: `n` for `key.<n>`, 0 for
/// the key's own subject (and, logged, for a token that is not a shard number).
pub(crate) fn shard_of_subject(key: &StreamKey, subject: &str) -> u64 {
    let Some(token) = subject
        .strip_prefix(key.name())
        .and_then(|rest| rest.strip_prefix('.'))
    else {
        return 0;
    };
    token.parse().unwrap_or_else(|_| {
        log::debug!(
            "subject {subject} is not a shard of {}: read as shard 0",
            key.name()
        );
        0
    })
}

/// The stream sequence and the server's timestamp of a JetStream message, from its reply
/// subject (ADR-15: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<nanos>.<pending>`,
/// or with `<domain>.<account hash>.` before the stream and more tokens after), read with one
/// pass over the bytes: async-nats' `Message::info` splits and parses every token, and was a
/// third of a consumed message's instructions. `None` for any other shape (the caller falls
/// back to `info`).
pub(crate) fn sequence_and_time(reply: &str) -> Option<(u64, time::OffsetDateTime)> {
    let rest = reply.strip_prefix("$JS.ACK.")?;
    // The start of each token, and one past the end of the last one looked at.
    let mut starts = [0usize; 11];
    let mut n = 1;
    for (i, byte) in rest.bytes().enumerate() {
        if byte == b'.' {
            if n == starts.len() {
                break;
            }
            starts[n] = i + 1;
            n += 1;
        }
    }
    let token = |i: usize| -> Option<&str> {
        let end = if i + 1 < n {
            starts[i + 1] - 1
        } else {
            rest.len()
        };
        rest.get(starts[i]..end)
    };
    let (sseq, nanos) = match n {
        7 => (token(3)?, token(5)?),
        9.. => (token(5)?, token(7)?),
        _ => return None,
    };
    let nanos: i128 = nanos.parse().ok()?;
    Some((
        sseq.parse().ok()?,
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?,
    ))
}

/// What the streamer shares with its producers and consumers.
#[derive(Clone)]
pub(crate) struct Shared {
    pub client: async_nats::Client,
    pub context: jetstream::Context,
    pub options: NatsConnectOptions,
    /// The servers, for error messages.
    pub server: String,
    /// Naks of closed group consumers not yet known to be read by the server: a new
    /// consumer waits for them, so what a closed member gave back comes first.
    pub returning: Arc<Mutex<Vec<oneshot::Receiver<NatsResult<()>>>>>,
}

impl Shared {
    /// Waits until the naks of consumers closed before are read by the server.
    pub async fn settle(&self) {
        let waiting: Vec<_> =
            std::mem::take(&mut *self.returning.lock().unwrap_or_else(|e| e.into_inner()));
        for receiver in waiting {
            if let Ok(Err(e)) = receiver.await {
                log::warn!("giving back a closed consumer's messages: {e}");
            }
        }
    }

    /// The JetStream stream name holding `key`.
    pub fn stream_name(&self, key: &StreamKey) -> String {
        match self.options.stream_name() {
            Some(name) => name.to_owned(),
            None => encode_name(key.name()),
        }
    }

    fn stream_err(&self, stream: &str, cause: impl ToString) -> StreamErr<NatsErr> {
        backend(NatsErr::Stream {
            stream: stream.to_owned(),
            server: self.server.clone(),
            cause: cause.to_string(),
        })
    }

    /// The JetStream stream holding `key`'s subject, or with `sharded` its shard subjects
    /// `key.*`: found, or created (or given the subject) when
    /// [`NatsConnectOptions::create_stream`] is on.
    pub async fn ensure_subject(
        &self,
        key: &StreamKey,
        sharded: bool,
    ) -> NatsResult<stream::Stream> {
        let name = self.stream_name(key);
        let subject = if sharded {
            shards_wildcard(key)
        } else {
            key.name().to_owned()
        };
        match self.context.get_stream(&name).await {
            Ok(mut found) => {
                let info = found
                    .info()
                    .await
                    .map_err(|e| self.stream_err(&name, e))?
                    .clone();
                if info.config.subjects.iter().any(|s| s == &subject) {
                    return Ok(found);
                }
                if !self.options.create_stream() {
                    return Err(self.not_found(&name, &subject));
                }
                let mut config = info.config;
                config.subjects.push(subject);
                self.context
                    .update_stream(config)
                    .await
                    .map_err(|e| self.stream_err(&name, e))?;
                self.context
                    .get_stream(&name)
                    .await
                    .map_err(|e| self.stream_err(&name, e))
            }
            Err(e) if is_not_found(&e) => {
                if !self.options.create_stream() {
                    return Err(self.not_found(&name, &subject));
                }
                log::debug!("creating JetStream stream {name} for subject {subject}");
                let config = stream::Config {
                    name: name.clone(),
                    subjects: vec![subject],
                    storage: if self.options.memory_storage() {
                        stream::StorageType::Memory
                    } else {
                        stream::StorageType::File
                    },
                    ..Default::default()
                };
                // Another client may create it at the same time: get_or_create takes theirs.
                self.context
                    .get_or_create_stream(config)
                    .await
                    .map_err(|e| self.stream_err(&name, e))
            }
            Err(e) => Err(self.stream_err(&name, e)),
        }
    }

    fn not_found(&self, stream: &str, subject: &str) -> StreamErr<NatsErr> {
        backend(NatsErr::StreamNotFound {
            stream: stream.to_owned(),
            subject: subject.to_owned(),
            server: self.server.clone(),
        })
    }
}

/// Whether the server answered "stream not found".
fn is_not_found(e: &jetstream::context::GetStreamError) -> bool {
    matches!(
        e.kind(),
        jetstream::context::GetStreamErrorKind::JetStream(js)
            if js.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
    )
}

#[cfg(test)]
mod tests {
    use super::{encode_name, shard_of_subject, shard_subject};
    use sea_streamer_types::StreamKey;

    #[test]
    fn reply_subjects() {
        use super::sequence_and_time;
        let t = |nanos: i128| time::OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap();
        // The original form: stream, consumer, delivered, sseq, cseq, nanos, pending.
        assert_eq!(
            sequence_and_time("$JS.ACK.S.C.1.42.7.1700000000123456789.0"),
            Some((42, t(1_700_000_000_123_456_789)))
        );
        // With domain and account hash, and a further token.
        assert_eq!(
            sequence_and_time("$JS.ACK._.ACC.S.C.2.43.8.1700000000000000001.5.rnd"),
            Some((43, t(1_700_000_000_000_000_001)))
        );
        assert_eq!(
            sequence_and_time("$JS.ACK._.ACC.S.C.2.43.8.1700000000000000001.5"),
            Some((43, t(1_700_000_000_000_000_001)))
        );
        assert_eq!(sequence_and_time("$JS.ACK.S.C.1.x.7.1.0"), None);
        assert_eq!(sequence_and_time("_INBOX.abc"), None);
        assert_eq!(sequence_and_time("$JS.ACK.S.C.1.42"), None);
    }

    #[test]
    fn shards_are_subject_tokens() {
        let key = StreamKey::new("orders").unwrap();
        assert_eq!(shard_subject(&key, 3), "orders.3");
        assert_eq!(shard_of_subject(&key, "orders.3"), 3);
        assert_eq!(shard_of_subject(&key, "orders"), 0);
        assert_eq!(shard_of_subject(&key, "orders.x"), 0);
    }

    #[test]
    fn names_are_one_to_one() {
        assert_eq!(encode_name("a.b"), "a_2Eb");
        assert_eq!(encode_name("a_b"), "a_5Fb");
        assert_ne!(encode_name("a_2Eb"), encode_name("a.b"));
        assert_eq!(encode_name("orders-1"), "orders-1");
    }
}
