//! Entries without the message field (written by something other than sea-streamer, e.g.
//! `redis-cli XADD s '*' id 1 amount 20`): what a consumer does with them
//! ([`ForeignEntries`]), the one warning per stream, and their JSON form.
//!
//! The JSON form of an entry is an object of its fields in entry order: each name is a JSON
//! string (a name that is not UTF-8 has its invalid bytes replaced by U+FFFD), each value a
//! JSON string when it is UTF-8, else an object `{"base64": "…"}` holding the bytes in
//! standard, padded base64 (RFC 4648). Strings escape `"`, `\` and control characters and
//! keep any other character as it is. A name given twice in one entry appears twice.

use crate::ForeignEntries;
use sea_streamer_types::StreamKey;
use std::collections::HashSet;

/// A consumer's handling of foreign entries: its option and the streams warned about.
#[derive(Debug)]
pub(crate) struct Foreign {
    mode: ForeignEntries,
    warned: HashSet<StreamKey>,
}

impl Foreign {
    /// Handle foreign entries as `mode` says.
    pub fn new(mode: ForeignEntries) -> Self {
        Self {
            mode,
            warned: HashSet::new(),
        }
    }

    /// Whether foreign entries are delivered as JSON (their fields must then be kept).
    pub fn as_json(&self) -> bool {
        self.mode == ForeignEntries::AsJson
    }

    /// An entry of `stream_key` had no `field`: warn once per stream when it is skipped.
    pub fn seen(&mut self, stream_key: &StreamKey, field: &str) {
        if self.mode == ForeignEntries::Skip && !self.warned.contains(stream_key) {
            self.warned.insert(stream_key.clone());
            log::warn!(
                "Stream `{stream_key}` has entries without the `{field}` field (not written by \
                 sea-streamer?): skipping them; set_foreign_entries(ForeignEntries::AsJson) on \
                 the consumer options delivers them as JSON objects"
            );
        }
    }
}

/// The JSON object of an entry's `(name, value)` fields (see the module docs).
pub(crate) fn entry_json<'a>(fields: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    for (i, (name, value)) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_string(&String::from_utf8_lossy(name), &mut out);
        out.push(b':');
        match std::str::from_utf8(value) {
            Ok(text) => json_string(text, &mut out),
            Err(_) => {
                out.extend_from_slice(b"{\"base64\":\"");
                base64(value, &mut out);
                out.extend_from_slice(b"\"}");
            }
        }
    }
    out.push(b'}');
    out
}

/// `text` as a JSON string.
fn json_string(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in text.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1F => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            }
            // any other byte of valid UTF-8 stands for itself
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// `bytes` in standard base64 with padding.
fn base64(bytes: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        // a chunk of k bytes gives k + 1 characters, padded to 4
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3F) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(fields: &[(&[u8], &[u8])]) -> String {
        String::from_utf8(entry_json(fields.iter().copied())).unwrap()
    }

    #[test]
    fn base64_vectors_of_rfc_4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = Vec::new();
            base64(plain.as_bytes(), &mut out);
            assert_eq!(out, encoded.as_bytes(), "{plain}");
        }
        let mut out = Vec::new();
        base64(&[0xFF, 0xFE, 0x00], &mut out);
        assert_eq!(out, b"//4A");
    }

    #[test]
    fn objects() {
        assert_eq!(json(&[]), "{}");
        assert_eq!(
            json(&[(b"id", b"1"), (b"amount", b"20")]),
            r#"{"id":"1","amount":"20"}"#
        );
        assert_eq!(
            json(&[(b"q\"\\", b"a\nb\tc\r\x01\x1f\x7f")]),
            r#"{"q\"\\":"a\nb\tc\r\u0001\u001f"#.to_owned() + "\u{7f}\"}"
        );
        assert_eq!(json(&[(b"name", "日本".as_bytes())]), r#"{"name":"日本"}"#);
        assert_eq!(
            json(&[(b"bin", b"\xff\xfe\x00"), (b"\xffk", b"v")]),
            r#"{"bin":{"base64":"//4A"},"�k":"v"}"#
        );
        assert_eq!(json(&[(b"a", b"1"), (b"a", b"2")]), r#"{"a":"1","a":"2"}"#);
    }

    #[test]
    fn warns_once_per_stream_when_skipping() {
        let mut foreign = Foreign::new(ForeignEntries::Skip);
        let a = StreamKey::new("a").unwrap();
        foreign.seen(&a, "msg");
        foreign.seen(&a, "msg");
        foreign.seen(&StreamKey::new("b").unwrap(), "msg");
        assert_eq!(foreign.warned.len(), 2);
        assert!(!foreign.as_json());
        assert!(Foreign::new(ForeignEntries::AsJson).as_json());
    }
}
