//! Output formats of `sea consume` and `sea decode`: `log`, `ndjson`, `raw` or a template.
//!
//! * `log`: `[timestamp | key | seq | shard] payload`, one line per message; the timestamp is
//!   UTC with its fraction of a second. This is the stdio backend's input grammar, so the
//!   lines can be fed back to `sea produce` (or any stdio consumer). A payload that is not
//!   UTF-8 is shown as `<N bytes, not UTF-8>`.
//! * `ndjson`: one JSON object per line, `{"key","shard","seq","timestamp","payload"}`;
//!   `timestamp` is RFC 3339, `seq` and `shard` are numbers, `payload` is the payload as a
//!   string when it is UTF-8; otherwise the object has `payload_base64` (standard alphabet,
//!   padded) instead of `payload`.
//! * `raw`: the payload bytes as they are, then `\n`.
//! * a template: any text containing `{…}` fields, e.g. `'{seq}: {payload}'`; the fields are
//!   `{key}`, `{shard}`, `{seq}`, `{timestamp}` (RFC 3339) and `{payload}`; `{{` and `}}` are
//!   literal braces. A line break is added after each message.

use base64::Engine;
use sea_streamer_types::{Buffer, Message, Timestamp, TIMESTAMP_FORMAT};
use std::{fmt::Write as _, str::FromStr};
use time::format_description::well_known::Rfc3339;

/// How messages are printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// `[timestamp | key | seq | shard] payload`
    Log,
    /// One JSON object per line.
    Ndjson,
    /// The payload only.
    Raw,
    /// A user template.
    Template(Vec<Piece>),
}

/// A part of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text printed as it is.
    Text(String),
    /// A field of the message.
    Field(Field),
}

/// A message field a template can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `{key}`
    Key,
    /// `{shard}`
    Shard,
    /// `{seq}`
    Seq,
    /// `{timestamp}`
    Timestamp,
    /// `{payload}`
    Payload,
}

const VALID: &str =
    "log, ndjson, raw, or a template naming {key} {shard} {seq} {timestamp} {payload}";

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "log" => Ok(Self::Log),
            "ndjson" => Ok(Self::Ndjson),
            "raw" => Ok(Self::Raw),
            t if t.contains('{') || t.contains('}') => parse_template(t).map(Self::Template),
            other => Err(format!("unknown format `{other}`; valid: {VALID}")),
        }
    }
}

fn parse_template(t: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let field = match name.as_str() {
                    "key" => Field::Key,
                    "shard" => Field::Shard,
                    "seq" => Field::Seq,
                    "timestamp" => Field::Timestamp,
                    "payload" => Field::Payload,
                    other => {
                        return Err(format!(
                            "unknown template field `{{{other}}}`; valid: {{key}} {{shard}} {{seq}} {{timestamp}} {{payload}}"
                        ))
                    }
                };
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Field(field));
            }
            '}' => {
                return Err(format!(
                    "unmatched `}}` in template `{t}` (write `}}}}` for a brace)"
                ))
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// RFC 3339 text of a timestamp.
pub fn rfc3339(ts: Timestamp) -> String {
    ts.format(&Rfc3339).unwrap_or_else(|_| ts.to_string())
}

impl Format {
    /// Appends one message, with its line break, to `out`.
    pub fn render<M: Message>(&self, m: &M, out: &mut Vec<u8>) {
        let payload = m.message();
        let bytes = payload.as_bytes();
        match self {
            Format::Raw => out.extend_from_slice(bytes),
            Format::Log => {
                let ts = m
                    .timestamp()
                    .format(&TIMESTAMP_FORMAT)
                    .unwrap_or_else(|_| m.timestamp().to_string());
                let mut line = String::new();
                let _ = write!(
                    line,
                    "[{ts} | {} | {} | {}] ",
                    m.stream_key(),
                    m.sequence(),
                    m.shard_id().id()
                );
                out.extend_from_slice(line.as_bytes());
                match std::str::from_utf8(bytes) {
                    Ok(text) => out.extend_from_slice(text.as_bytes()),
                    Err(_) => out.extend_from_slice(
                        format!("<{} bytes, not UTF-8>", bytes.len()).as_bytes(),
                    ),
                }
            }
            Format::Ndjson => {
                let mut object = serde_json::Map::new();
                object.insert("key".into(), m.stream_key().name().into());
                object.insert("shard".into(), m.shard_id().id().into());
                object.insert("seq".into(), seq_json(m.sequence()));
                object.insert("timestamp".into(), rfc3339(m.timestamp()).into());
                match std::str::from_utf8(bytes) {
                    Ok(text) => object.insert("payload".into(), text.into()),
                    Err(_) => object.insert(
                        "payload_base64".into(),
                        base64::engine::general_purpose::STANDARD
                            .encode(bytes)
                            .into(),
                    ),
                };
                let text = serde_json::Value::Object(object).to_string();
                out.extend_from_slice(text.as_bytes());
            }
            Format::Template(pieces) => {
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => out.extend_from_slice(t.as_bytes()),
                        Piece::Field(Field::Key) => {
                            out.extend_from_slice(m.stream_key().name().as_bytes())
                        }
                        Piece::Field(Field::Shard) => {
                            out.extend_from_slice(m.shard_id().id().to_string().as_bytes())
                        }
                        Piece::Field(Field::Seq) => {
                            out.extend_from_slice(m.sequence().to_string().as_bytes())
                        }
                        Piece::Field(Field::Timestamp) => {
                            out.extend_from_slice(rfc3339(m.timestamp()).as_bytes())
                        }
                        Piece::Field(Field::Payload) => out.extend_from_slice(bytes),
                    }
                }
            }
        }
        out.push(b'\n');
    }
}

/// A sequence number as a JSON number (as a string if it does not fit in a u64).
#[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
fn seq_json(seq: sea_streamer_types::SeqNo) -> serde_json::Value {
    match u64::try_from(seq) {
        Ok(n) => n.into(),
        Err(_) => seq.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let f: Format = "{seq}: {payload} {{x}}".parse().unwrap();
        assert_eq!(
            f,
            Format::Template(vec![
                Piece::Field(Field::Seq),
                Piece::Text(": ".into()),
                Piece::Field(Field::Payload),
                Piece::Text(" {x}".into()),
            ])
        );
        assert!("{nope}"
            .parse::<Format>()
            .unwrap_err()
            .contains("valid: {key}"));
        assert!("csv"
            .parse::<Format>()
            .unwrap_err()
            .contains("valid: log, ndjson, raw"));
    }
}
