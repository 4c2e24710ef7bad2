//! Property tests of the stdio wire format as a whole (issue #16.4): what the producer's
//! printer writes, the consumer's line decoder reads back; and the decoder copes with any
//! bytes at all.
//!
//! - Round trip: messages queued for printing (random keys and UTF-8 payloads without a line
//!   break, which the producer refuses) are printed by [`Printer`] into memory and decoded by
//!   [`read_lines`]: every non-empty payload comes back as exactly one message with the same
//!   key, the printed sequence number (= its receipt's), shard 0, the receipt's timestamp to
//!   the second, and the payload trimmed of surrounding whitespace (the grammar trims payloads,
//!   as upstream; a payload without surrounding whitespace comes back byte for byte).
//! - Arbitrary bytes: no panic, one message per line (a last line without `\n` included), and
//!   each payload is what the grammar cuts out of its line, on the key the line gives (a line
//!   that is not a valid meta line, or not UTF-8, is delivered whole on `broadcast`).
//!
//! Cases: proptest's default (256), or `PROPTEST_CASES` (1,000,000 in `scripts/fuzz.sh`).

use crate::input::{read_lines, Decoded, Decoder};
use crate::limits::QueueLimits;
use crate::output::{Printer, Queue, SendFuture};
use crate::BROADCAST;
use futures::executor::block_on;
use proptest::prelude::*;
use sea_streamer_types::{Buffer, Message, StreamKey};
use std::collections::HashMap;

/// Prints `messages` through a printer into memory; returns the output and the receipts.
fn print(messages: &[(String, String)]) -> (Vec<u8>, Vec<SendFuture>) {
    let queue = Queue::new();
    let receipts = messages
        .iter()
        .map(|(key, payload)| {
            let key = StreamKey::new(key).expect("generated keys are valid");
            queue
                .send(&key, payload.as_bytes(), false, &QueueLimits::default())
                .expect("an open queue within its limits")
        })
        .collect();
    queue.shutdown();
    let mut out = Vec::new();
    let mut counters = HashMap::new();
    Printer::new(&mut out, &mut counters).run(&queue, |_| {});
    (out, receipts)
}

/// Decodes `input` as stdin lines.
fn decode(input: &[u8]) -> Vec<Decoded> {
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    read_lines(input, &mut decoder, |batch| out.append(batch)).expect("reading memory never fails");
    out
}

/// A payload the producer accepts: UTF-8 without `\n`; often with surrounding whitespace,
/// brackets, pipes and things that look like meta.
fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[^\\n]{0,24}",
        1 => "[ \t\r\u{a0}]{0,2}[\\[\\]| a-z0-9:-]{0,16}[ \t\r\u{3000}]{0,2}",
        1 => Just(String::new()),
        1 => "\\[[a-z]{1,4} \\| [0-9]{1,3}\\] [a-z]{0,4}",
    ]
}

fn messages() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![
                4 => "[a-c]",
                1 => "[A-Za-z0-9._-]{1,16}",
                1 => Just(BROADCAST.to_owned()),
            ],
            payload(),
        ),
        0..24,
    )
}

proptest! {
    /// Printed messages decode back to their key, sequence, timestamp (seconds) and payload.
    #[test]
    fn printed_lines_decode_back(messages in messages()) {
        let (out, receipts) = print(&messages);
        let decoded = decode(&out);
        let printed: Vec<_> = messages
            .iter()
            .zip(receipts)
            .map(|(m, r)| (m, block_on(r).expect("printing into memory succeeds")))
            .filter(|((_, payload), _)| !payload.is_empty())
            .collect();
        prop_assert_eq!(decoded.len(), printed.len(), "{:?}", String::from_utf8_lossy(&out));
        for (d, ((key, payload), receipt)) in decoded.iter().zip(&printed) {
            let m = &d.message;
            prop_assert!(!d.broadcast);
            let got_key = m.stream_key();
            prop_assert_eq!(got_key.name(), key.as_str());
            prop_assert_eq!(&got_key, receipt.stream_key());
            prop_assert_eq!(m.sequence(), *receipt.sequence());
            prop_assert_eq!(m.shard_id().id(), 0);
            let second = receipt.timestamp().replace_nanosecond(0).expect("0 ns is valid");
            prop_assert_eq!(m.timestamp(), second);
            let got = m.message();
            prop_assert_eq!(got.as_str(), Ok(payload.trim()));
        }
    }

    /// Any bytes: no panic, one message per line, payloads are slices of their lines, and
    /// lines that are not meta lines arrive whole on `broadcast`.
    #[test]
    fn any_bytes_decode_line_by_line(input in prop_oneof![
        any::<Vec<u8>>(),
        prop::collection::vec(prop::sample::select(b"[]| \n\r.-_0123456789Tak\xc3\xa9\xff".to_vec()), 0..64),
    ]) {
        let decoded = decode(&input);
        let mut lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
        if input.last() == Some(&b'\n') || input.is_empty() {
            lines.pop();
        }
        prop_assert_eq!(decoded.len(), lines.len());
        for (d, line) in decoded.iter().zip(lines) {
            let payload = d.message.message();
            let key = d.message.stream_key();
            // What the grammar makes of the line: its payload bytes and its key, if any.
            let parsed = std::str::from_utf8(line)
                .ok()
                .and_then(|text| crate::parser::parse_line(text).ok().map(|p| (text, p)));
            match parsed {
                Some((text, p)) if p.header.is_some() => {
                    prop_assert_eq!(payload.as_bytes(), text[p.payload].as_bytes());
                    let given = p.header.and_then(|h| h.stream_key);
                    prop_assert_eq!(d.broadcast, given.is_none());
                    prop_assert_eq!(key.name(), given.unwrap_or(BROADCAST));
                }
                _ => {
                    prop_assert_eq!(payload.as_bytes(), line);
                    prop_assert!(d.broadcast);
                    prop_assert_eq!(key.name(), BROADCAST);
                }
            }
        }
    }
}
