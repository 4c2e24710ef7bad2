//! Kafka record headers ⇄ sea-streamer [`Headers`].
//!
//! Record headers map one to one onto [`Headers`] entries, in order, repeated names kept. A
//! header with a null value (possible on the wire, never written by sea-streamer) reads as
//! an empty value.

use rdkafka::message::{BorrowedHeaders, Header, Headers as _, OwnedHeaders};
use sea_streamer_types::Headers;

/// The record headers of `headers`, in order.
pub(crate) fn to_record_headers(headers: &Headers) -> OwnedHeaders {
    let mut record = OwnedHeaders::new_with_capacity(headers.len());
    for (key, value) in headers.iter() {
        record = record.insert(Header {
            key,
            value: Some(value),
        });
    }
    record
}

/// The [`Headers`] of a received record, or `None` if it has none.
///
/// rdkafka panics on a header name that is not UTF-8 (a foreign producer may write one):
/// that panic is caught here, and the record reads as having no headers (with a warning),
/// rather than taking the consumer down.
pub(crate) fn from_record_headers(record: Option<&BorrowedHeaders>) -> Option<Headers> {
    let record = record?;
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        record
            .iter()
            .map(|h| (h.key, h.value.unwrap_or_default()))
            .collect::<Headers>()
    }));
    match read {
        Ok(headers) if headers.is_empty() => None,
        Ok(headers) => Some(headers),
        Err(_) => {
            log::warn!("a record has a header name that is not UTF-8: its headers are ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_order_with_repeats() {
        let mut headers = Headers::new();
        headers
            .append("a", "1")
            .append("b", b"\x00\xff")
            .append("a", "2")
            .append("empty", "");
        let record = to_record_headers(&headers);
        assert_eq!(record.count(), 4);
        let back = from_record_headers(Some(record.as_borrowed())).unwrap();
        assert_eq!(back, headers);
        assert_eq!(back.get_str("a"), Some("2"));
    }

    #[test]
    fn none_and_null_values() {
        assert_eq!(from_record_headers(None), None);
        let empty = OwnedHeaders::new();
        assert_eq!(from_record_headers(Some(empty.as_borrowed())), None);
        let null = OwnedHeaders::new().insert(Header::<&[u8]> {
            key: "n",
            value: None,
        });
        let read = from_record_headers(Some(null.as_borrowed())).unwrap();
        assert_eq!(read.get("n"), Some(&b""[..]));
    }
}
