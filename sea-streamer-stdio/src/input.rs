//! Reading messages: lines from any [`BufRead`] are decoded into [`SharedMessage`]s, and
//! the process-wide stdin thread dispatches them to this process's consumers.
//!
//! Defined outcomes for unusual input (none of them panics, none is dropped silently):
//! - a malformed meta line, or a line that is not UTF-8, is delivered whole (untrimmed,
//!   bytes intact) as a raw payload on the [`BROADCAST`] key, and a warning is logged;
//! - an empty line is delivered as an empty payload on [`BROADCAST`];
//! - a line of any length is delivered intact;
//! - a last line without a trailing `\n` (stdin closed mid-line) is delivered; after end
//!   of input the consumers keep waiting, because loopback messages may still arrive.

use crate::consumer_group::registry;
use crate::parser::parse_line;
use crate::BROADCAST;
use sea_streamer_types::{MessageHeader, SeqNo, ShardId, SharedMessage, StreamKey, Timestamp};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::sync::Mutex;

/// Upper bound for the capacity guessed for the next line buffer.
const MAX_LINE_CAPACITY_GUESS: usize = 64 * 1024;

/// A decoded line, ready for dispatch.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub message: SharedMessage,
    /// The line carried no stream key (raw lines and `[timestamp]` lines).
    pub broadcast: bool,
}

/// The sequence counters of one stream key.
#[derive(Debug)]
struct KeyState {
    key: StreamKey,
    shard0: SeqNo,
    other_shards: HashMap<u64, SeqNo>,
}

impl KeyState {
    fn counter(&mut self, shard: u64) -> &mut SeqNo {
        if shard == 0 {
            &mut self.shard0
        } else {
            self.other_shards.entry(shard).or_insert(0)
        }
    }
}

/// Turns lines into messages, keeping the per-(key, shard) sequence counters.
#[derive(Debug)]
pub(crate) struct Decoder {
    broadcast: KeyState,
    keys: HashMap<String, KeyState>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self {
            broadcast: KeyState {
                key: StreamKey::new(BROADCAST).expect("`broadcast` is a valid stream key"),
                shard0: 0,
                other_shards: HashMap::new(),
            },
            keys: HashMap::new(),
        }
    }
}

impl Decoder {
    /// Counters (and the shared [`StreamKey`]) of a stream key; `None` means broadcast.
    fn key_state(&mut self, name: Option<&str>) -> &mut KeyState {
        let name = match name {
            Some(name) if name != BROADCAST => name,
            _ => return &mut self.broadcast,
        };
        if !self.keys.contains_key(name) {
            match StreamKey::new(name) {
                Ok(key) => {
                    let state = KeyState {
                        key,
                        shard0: 0,
                        other_shards: HashMap::new(),
                    };
                    self.keys.insert(name.to_owned(), state);
                }
                // The parser only yields valid keys; never panic on input regardless.
                Err(e) => {
                    log::warn!("invalid stream key `{name}` ({e}); using `{BROADCAST}`");
                    return &mut self.broadcast;
                }
            }
        }
        match self.keys.get_mut(name) {
            Some(state) => state,
            None => &mut self.broadcast,
        }
    }

    /// Decodes one line (its `\n` already removed). Never fails: see the module docs.
    pub fn decode(&mut self, line: Vec<u8>) -> Decoded {
        let raw_range = 0..line.len();
        let (key_name, shard, given_seq, given_ts, range) = match std::str::from_utf8(&line) {
            Err(e) => {
                log::warn!("stdin line is not UTF-8 ({e}); delivered raw on `{BROADCAST}`");
                (None, 0, None, None, raw_range)
            }
            Ok(text) => match parse_line(text) {
                Err(e) => {
                    log::warn!("malformed stdin line ({e}); delivered raw on `{BROADCAST}`");
                    (None, 0, None, None, raw_range)
                }
                Ok(parsed) => match parsed.header {
                    None => (None, 0, None, None, parsed.payload),
                    Some(h) => (
                        h.stream_key,
                        h.shard_id.unwrap_or(0),
                        h.sequence,
                        h.timestamp,
                        parsed.payload,
                    ),
                },
            },
        };
        let broadcast = key_name.is_none();
        let state = self.key_state(key_name);
        let counter = state.counter(shard);
        let sequence = match given_seq {
            Some(seq) => {
                *counter = seq.wrapping_add(1);
                seq
            }
            None => {
                let seq = *counter;
                *counter = seq.wrapping_add(1);
                seq
            }
        };
        let header = MessageHeader::new(
            state.key.clone(),
            ShardId::new(shard),
            sequence,
            given_ts.unwrap_or_else(Timestamp::now_utc),
        );
        let (offset, length) = (range.start, range.len());
        Decoded {
            message: SharedMessage::new(header, line, offset, length),
            broadcast,
        }
    }
}

/// Reads lines from `reader` until end of input, passing each decoded message to `sink`.
///
/// A trailing `\n` is removed (a `\r` is kept); a last line without `\n` is delivered too.
pub(crate) fn read_lines<R: BufRead>(
    mut reader: R,
    decoder: &mut Decoder,
    mut sink: impl FnMut(Decoded),
) -> std::io::Result<()> {
    let mut capacity = 256;
    loop {
        let mut line = Vec::with_capacity(capacity);
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        capacity = (line.len() + 1).clamp(64, MAX_LINE_CAPACITY_GUESS);
        sink(decoder.decode(line));
    }
}

static STDIN_STARTED: Mutex<bool> = Mutex::new(false);

/// Starts the process-wide thread `sea-streamer-stdio-stdin`, once.
pub(crate) fn ensure_stdin_thread() -> std::io::Result<()> {
    let mut started = STDIN_STARTED.lock().unwrap_or_else(|e| e.into_inner());
    if *started {
        return Ok(());
    }
    std::thread::Builder::new()
        .name("sea-streamer-stdio-stdin".to_owned())
        .spawn(|| {
            let reader = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
            let mut decoder = Decoder::default();
            let result = read_lines(reader, &mut decoder, |d| {
                registry().dispatch(d.message, d.broadcast)
            });
            match result {
                Ok(()) => log::debug!("stdin closed"),
                Err(e) => log::error!("reading stdin failed: {e}"),
            }
        })?;
    *started = true;
    Ok(())
}
