//! [`Headers`]: named byte values carried beside a message's payload, and the
//! [`ProducerWithHeaders`] trait of the producers that can write them.
//!
//! Headers are an addition to the 0.5 API. Where a backend carries them:
//!
//! | Backend | Headers are | Read | Written |
//! |---|---|---|---|
//! | Kafka | record headers | yes | yes |
//! | Redis | the entry's fields other than the message field | yes | yes |
//! | file (.ss) and stdio | not carried: their formats stay byte-compatible | never present | `send_to_with_headers` fails with `StreamErr::Unsupported` when headers are given |
//!
//! A message read from a backend that carries headers has [`Message::headers`](crate::Message::headers)
//! `Some` only when the record had at least one header, so messages written by
//! sea-streamer 0.5 read exactly as before.

use crate::{Buffer, Producer, StreamKey, StreamResult};

/// Ordered header entries: names with byte values. Names may repeat (Kafka allows it);
/// [`Headers::get`] returns the last value of a name, as Kafka clients do.
///
/// ```
/// use sea_streamer_types::Headers;
///
/// let mut headers = Headers::new();
/// headers.insert("content-type", "application/json");
/// headers.insert("attempt", "1");
/// headers.insert("attempt", "2"); // replaces
/// assert_eq!(headers.get_str("attempt"), Some("2"));
/// assert_eq!(headers.len(), 2);
/// let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["content-type", "attempt"]);
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct Headers {
    entries: Vec<(String, Vec<u8>)>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, replacing every earlier value of that name.
    pub fn insert(&mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> &mut Self {
        let name = name.into();
        self.entries.retain(|(n, _)| *n != name);
        self.entries.push((name, value.as_ref().to_vec()));
        self
    }

    /// Adds an entry, keeping earlier values of the same name.
    pub fn append(&mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> &mut Self {
        self.entries.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The last value of `name`, if it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Removes every entry of `name`; true if there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(n, _)| n != name);
        before != self.entries.len()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<N: Into<String>, V: AsRef<[u8]>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (name, value) in iter {
            headers.append(name, value);
        }
        headers
    }
}

/// A producer that can write [`Headers`] with a message (an addition to the 0.5 API).
///
/// Implemented by the Kafka and Redis producers and by `SeaProducer`; the file and stdio
/// producers implement it too, and fail with `StreamErr::Unsupported` when `headers` is not
/// empty (their formats have no place for headers).
///
/// ```
/// use sea_streamer_types::{Headers, ProducerWithHeaders, StreamKey, StreamResult};
///
/// async fn send_json<P: ProducerWithHeaders>(
///     producer: &P,
///     key: &StreamKey,
///     body: &str,
/// ) -> StreamResult<(), P::Error> {
///     let mut headers = Headers::new();
///     headers.insert("content-type", "application/json");
///     producer.send_to_with_headers(key, &headers, body)?.await?;
///     Ok(())
/// }
/// ```
pub trait ProducerWithHeaders: Producer {
    /// Sends `payload` with `headers` to `stream`; otherwise as [`Producer::send_to`].
    fn send_to_with_headers<S: Buffer>(
        &self,
        stream: &StreamKey,
        headers: &Headers,
        payload: S,
    ) -> StreamResult<Self::SendFuture, Self::Error>;
}
