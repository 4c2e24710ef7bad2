//! Reading messages: lines from a reader (stdin, or bytes in tests), read in chunks of
//! 64 KiB, are decoded into [`SharedMessage`]s that are slices of their chunk, and the
//! process-wide stdin thread dispatches them to consumers, a chunk's messages at once.
//!
//! Defined outcomes for unusual input (none of them panics, none is dropped silently):
//! - a malformed meta line, or a line that is not UTF-8, is delivered whole (untrimmed,
//!   bytes intact) as a raw payload on the [`BROADCAST`] key, and a warning is logged;
//! - an empty line is delivered as an empty payload on [`BROADCAST`];
//! - a line of any length is delivered intact;
//! - a last line without a trailing `\n` (stdin closed mid-line) is delivered; after end
//!   of input the consumers keep waiting, because loopback messages may still arrive.

use crate::consumer_group::registry;
use crate::parser::{parse_line_cached, MetaCache};
use crate::BROADCAST;
use sea_streamer_types::{MessageHeader, SeqNo, ShardId, SharedMessage, StreamKey, Timestamp};
use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
    /// The chunk for which `key` was made (see [`Decoder::decode_chunk`]).
    chunk: u64,
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
    keys: HashMap<Box<str>, KeyState>,
    /// The state of the last key seen, kept out of the map while in use.
    current: Option<(Box<str>, KeyState)>,
    /// Number of the chunk being decoded.
    chunk: u64,
    /// What the last meta line's header was, to parse the next one quickly.
    meta: MetaCache,
}

impl Default for Decoder {
    fn default() -> Self {
        Self {
            broadcast: KeyState {
                key: StreamKey::new(BROADCAST).expect("`broadcast` is a valid stream key"),
                chunk: 0,
                shard0: 0,
                other_shards: HashMap::new(),
            },
            keys: HashMap::new(),
            current: None,
            chunk: 0,
            meta: MetaCache::default(),
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
        let hit = matches!(&self.current, Some((current, _)) if &**current == name);
        if !hit {
            if let Some((old, state)) = self.current.take() {
                self.keys.insert(old, state);
            }
            match self.keys.remove_entry(name) {
                Some(entry) => self.current = Some(entry),
                None => match StreamKey::new(name) {
                    Ok(key) => {
                        let state = KeyState {
                            key,
                            chunk: self.chunk,
                            shard0: 0,
                            other_shards: HashMap::new(),
                        };
                        self.current = Some((name.into(), state));
                    }
                    // The parser only yields valid keys; never panic on input regardless.
                    Err(e) => {
                        log::warn!("invalid stream key `{name}` ({e}); using `{BROADCAST}`");
                        return &mut self.broadcast;
                    }
                },
            }
        }
        match &mut self.current {
            Some((_, state)) => state,
            None => &mut self.broadcast,
        }
    }

    /// Decodes one line (its `\n` already removed) that starts at byte `start` of `chunk`:
    /// `line` is its text, or its bytes if it is not UTF-8. The message's payload is a
    /// slice of `chunk` (no copy). Never fails: see the module docs.
    pub fn decode(
        &mut self,
        chunk: &Arc<Vec<u8>>,
        start: usize,
        line: Result<&str, &[u8]>,
    ) -> Decoded {
        let (key_name, shard, given_seq, given_ts, range) = match line {
            Err(bytes) => {
                if let Err(e) = std::str::from_utf8(bytes) {
                    log::warn!("stdin line is not UTF-8 ({e}); delivered raw on `{BROADCAST}`");
                }
                (None, 0, None, None, 0..bytes.len())
            }
            Ok(text) => match parse_line_cached(text, &mut self.meta) {
                Err(e) => {
                    log::warn!("malformed stdin line ({e}); delivered raw on `{BROADCAST}`");
                    (None, 0, None, None, 0..text.len())
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
        let chunk_number = self.chunk;
        let state = self.key_state(key_name);
        if state.chunk != chunk_number {
            // A fresh copy of the key per chunk: the reference count that this thread
            // increments is then not the one that consumers, busy with the messages of
            // earlier chunks, decrement (no cache line bouncing between the threads).
            state.key = StreamKey::new(state.key.name()).unwrap_or_else(|_| state.key.clone());
            state.chunk = chunk_number;
        }
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
        Decoded {
            message: SharedMessage::from_shared(
                header,
                chunk.clone(),
                start + range.start,
                range.len(),
            ),
            broadcast,
        }
    }

    /// Decodes the lines of `chunk` (its last line's `\n` already removed) into `batch`,
    /// handing full batches to `sink`.
    fn decode_chunk(
        &mut self,
        chunk: &Arc<Vec<u8>>,
        batch: &mut Vec<Decoded>,
        sink: &mut impl FnMut(&mut Vec<Decoded>),
    ) {
        self.chunk = self.chunk.wrapping_add(1);
        let end = chunk.len();
        let mut pos = 0;
        match std::str::from_utf8(chunk) {
            // The usual case: the whole chunk is text (checked once), lines are found with memchr.
            Ok(text) => loop {
                let line_end =
                    memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(end, |i| pos + i);
                batch.push(self.decode(chunk, pos, Ok(&text[pos..line_end])));
                if batch.len() >= MAX_BATCH {
                    sink(batch);
                    batch.clear();
                }
                if line_end == end {
                    break;
                }
                pos = line_end + 1;
            },
            // Some line is not UTF-8: check line by line.
            Err(_) => loop {
                let line_end = memchr::memchr(b'\n', &chunk[pos..]).map_or(end, |i| pos + i);
                let bytes = &chunk[pos..line_end];
                let line = std::str::from_utf8(bytes).map_err(|_| bytes);
                batch.push(self.decode(chunk, pos, line));
                if batch.len() >= MAX_BATCH {
                    sink(batch);
                    batch.clear();
                }
                if line_end == end {
                    break;
                }
                pos = line_end + 1;
            },
        }
    }
}

/// Size of one read of the input; lines longer than this grow the buffer.
const CHUNK: usize = 64 * 1024;

/// Most lines handed to the sink at once.
const MAX_BATCH: usize = 1024;

/// Reads lines from `reader` until end of input, passing the decoded messages to `sink`
/// in batches (a batch ends with the lines of one read, or at [`MAX_BATCH`] lines).
///
/// Input is read in chunks of [`CHUNK`] bytes; the complete lines of one read share one
/// buffer, and each message is a slice of it. A read of little data (e.g. one short line
/// from a slow producer) is copied into a buffer of its size instead, so the messages of
/// a read never keep more than about four times its size alive.
///
/// A trailing `\n` is removed (a `\r` is kept); a last line without `\n` is delivered too.
pub(crate) fn read_lines<R: Read>(
    mut reader: R,
    decoder: &mut Decoder,
    mut sink: impl FnMut(&mut Vec<Decoded>),
) -> std::io::Result<()> {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // `buf[..filled]` is the start of a line whose `\n` has not been read yet.
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    // Chunks handed out lately, to be reused.
    let mut recent = VecDeque::new();
    loop {
        if filled == buf.len() {
            // A line longer than the buffer.
            buf.resize(buf.len() * 2, 0);
        }
        let n = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                sink(&mut batch);
                return Err(e);
            }
        };
        if n == 0 {
            if filled > 0 {
                // Input closed mid-line: deliver the partial line.
                buf.truncate(filled);
                decoder.decode_chunk(&Arc::new(buf), &mut batch, &mut sink);
            }
            sink(&mut batch);
            return Ok(());
        }
        let scanned = filled;
        filled += n;
        // The last `\n` read is within a line of the end.
        let complete = match memchr::memrchr(b'\n', &buf[scanned..filled]) {
            Some(i) => scanned + i + 1,
            None => continue,
        };
        let carry = filled - complete;
        // Without the last line's `\n`.
        let chunk = if complete * 4 < buf.len() {
            // Little data: copy it out and keep the big buffer.
            let chunk = buf[..complete - 1].to_vec();
            buf.copy_within(complete..filled, 0);
            chunk
        } else {
            let mut next = recycled(&mut recent, CHUNK.max(carry * 2));
            next[..carry].copy_from_slice(&buf[complete..filled]);
            let mut chunk = std::mem::replace(&mut buf, next);
            chunk.truncate(complete - 1);
            chunk
        };
        filled = carry;
        let chunk = Arc::new(chunk);
        decoder.decode_chunk(&chunk, &mut batch, &mut sink);
        sink(&mut batch);
        batch.clear();
        recent.push_back(chunk);
        if recent.len() > RECYCLED {
            recent.pop_front();
        }
    }
}

/// How many recent chunks are kept for reuse once their messages are dropped.
const RECYCLED: usize = 4;

/// A buffer of `len` bytes: a recent chunk that no message uses any more, or a new one.
fn recycled(recent: &mut VecDeque<Arc<Vec<u8>>>, len: usize) -> Vec<u8> {
    let free = recent
        .iter()
        .position(|c| Arc::strong_count(c) == 1 && c.capacity() >= len);
    if let Some(chunk) = free.and_then(|i| recent.remove(i)) {
        if let Ok(mut buf) = Arc::try_unwrap(chunk) {
            buf.resize(len, 0);
            return buf;
        }
    }
    vec![0u8; len]
}

static STDIN_STARTED: AtomicBool = AtomicBool::new(false);
static STDIN_STARTING: Mutex<()> = Mutex::new(());

/// Starts the process-wide thread `sea-streamer-stdio-stdin`, once. Called when a
/// consumer first asks for a message, so that every consumer created before sees the
/// first line (e.g. all members of a group).
pub(crate) fn ensure_stdin_thread() -> std::io::Result<()> {
    if STDIN_STARTED.load(Ordering::Acquire) {
        return Ok(());
    }
    let _starting = STDIN_STARTING.lock().unwrap_or_else(|e| e.into_inner());
    if STDIN_STARTED.load(Ordering::Acquire) {
        return Ok(());
    }
    std::thread::Builder::new()
        .name("sea-streamer-stdio-stdin".to_owned())
        .spawn(|| {
            let reader = std::io::stdin().lock();
            let mut decoder = Decoder::default();
            let result = read_lines(reader, &mut decoder, |batch| {
                // one span per batch of lines (trace level: it runs for every batch)
                let _span = tracing::trace_span!(
                    "sea_streamer.read_batch",
                    backend = crate::observe::BACKEND,
                    count = batch.len()
                )
                .entered();
                registry().dispatch_all(batch.drain(..).map(|d| (d.message, d.broadcast)));
            });
            match result {
                Ok(()) => log::debug!("stdin closed"),
                Err(e) => log::error!("reading stdin failed: {e}"),
            }
            crate::eof::mark_stdin_closed();
        })?;
    STDIN_STARTED.store(true, Ordering::Release);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer_group::Registry;
    use futures::FutureExt;
    use sea_streamer_types::{Buffer, Message};
    use time::macros::datetime;

    fn decode_all(input: &[u8]) -> Vec<Decoded> {
        let mut decoder = Decoder::default();
        let mut out = Vec::new();
        read_lines(input, &mut decoder, |batch| out.append(batch)).unwrap();
        out
    }

    fn summary(d: &Decoded) -> (bool, String, u64, SeqNo, Vec<u8>) {
        let m = &d.message;
        (
            d.broadcast,
            m.stream_key().name().to_owned(),
            m.shard_id().id(),
            m.sequence(),
            m.message().as_bytes().to_vec(),
        )
    }

    #[test]
    fn lines_become_messages() {
        let out = decode_all(
            b"hello raw\n[k] a\n[k | 5] b\n[k] c\n[k | 0 | 2]   d  \n[k] e\n[broadcast] f\nraw again\n",
        );
        let got: Vec<_> = out.iter().map(summary).collect();
        assert_eq!(
            got,
            vec![
                (true, "broadcast".into(), 0, 0, b"hello raw".to_vec()),
                (false, "k".into(), 0, 0, b"a".to_vec()),
                (false, "k".into(), 0, 5, b"b".to_vec()),
                // A given sequence moves the counter past it.
                (false, "k".into(), 0, 6, b"c".to_vec()),
                (false, "k".into(), 2, 0, b"d".to_vec()),
                (false, "k".into(), 0, 7, b"e".to_vec()),
                // An explicit `broadcast` key is not a broadcast, but shares the counter.
                (false, "broadcast".into(), 0, 1, b"f".to_vec()),
                (true, "broadcast".into(), 0, 2, b"raw again".to_vec()),
            ]
        );
    }

    #[test]
    fn timestamps_given_or_now() {
        let before = Timestamp::now_utc();
        let out = decode_all(b"[2022-01-01T00:00:00.5 | k] x\n[k] y\n");
        assert_eq!(
            out[0].message.timestamp(),
            datetime!(2022-01-01 00:00:00.5 UTC)
        );
        assert!(out[1].message.timestamp() >= before);
        assert!(out[0].message.timestamp().offset().is_utc());
    }

    /// Collects warnings of this process (tests run in parallel: filter by content).
    struct Capture;
    static WARNINGS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            if record.level() == log::Level::Warn {
                WARNINGS.lock().unwrap().push(record.args().to_string());
            }
        }
        fn flush(&self) {}
    }

    fn warned(needle: &str) -> bool {
        WARNINGS.lock().unwrap().iter().any(|w| w.contains(needle))
    }

    fn capture_warnings() {
        static LOGGER: Capture = Capture;
        let _ = log::set_logger(&LOGGER);
        log::set_max_level(log::LevelFilter::Warn);
    }

    #[test]
    fn malformed_meta_is_delivered_raw_on_broadcast() {
        capture_warnings();
        for line in ["[a b]  x ", "[k | 1 | 2 | 3] y", "[ ]", "[k | abcdef] z"] {
            let out = decode_all(format!("{line}\n").as_bytes());
            assert_eq!(
                summary(&out[0]),
                (true, "broadcast".into(), 0, 0, line.as_bytes().to_vec()),
            );
        }
        assert!(warned("malformed stdin line (unknown part #1 `abcdef`"));
        assert!(warned("unknown part #0 `a b`"));
    }

    #[test]
    fn non_utf8_is_delivered_raw_on_broadcast() {
        capture_warnings();
        let line: &[u8] = b"[k] \xff\xfe bytes \xc3";
        let mut input = line.to_vec();
        input.push(b'\n');
        let out = decode_all(&input);
        assert_eq!(
            summary(&out[0]),
            (true, "broadcast".into(), 0, 0, line.to_vec())
        );
        assert!(out[0].message.message().as_str().is_err());
        assert!(warned("stdin line is not UTF-8"));
    }

    #[test]
    fn empty_lines_and_carriage_returns() {
        let out = decode_all(b"\n\r\n\n");
        let got: Vec<_> = out.iter().map(summary).collect();
        assert_eq!(
            got,
            vec![
                (true, "broadcast".into(), 0, 0, vec![]),
                (true, "broadcast".into(), 0, 1, b"\r".to_vec()),
                (true, "broadcast".into(), 0, 2, vec![]),
            ]
        );
    }

    #[test]
    fn huge_lines_are_intact() {
        let big: Vec<u8> = (0..1_048_576u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut input = b"[big] ".to_vec();
        input.extend_from_slice(&big);
        input.extend_from_slice(b"\nsmall\n");
        input.extend_from_slice(&big);
        let out = decode_all(&input);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].message.message().as_bytes(), &big[..]);
        assert_eq!(out[0].message.stream_key().name(), "big");
        assert_eq!(out[1].message.message().as_bytes(), b"small");
        assert_eq!(out[2].message.message().as_bytes(), &big[..]);
    }

    #[test]
    fn partial_last_line_is_delivered_and_consumers_keep_waiting() {
        let mut registry = Registry::default();
        let (_, inbox, rx) = registry.add(vec![StreamKey::new("k").unwrap()], None);
        let mut decoder = Decoder::default();
        read_lines(&b"[k] one\n[k] tw"[..], &mut decoder, |batch| {
            registry.dispatch_all(batch.drain(..).map(|d| (d.message, d.broadcast)))
        })
        .unwrap();
        let payloads: Vec<_> = inbox
            .drain(&rx)
            .iter()
            .map(|m| m.message().as_str().unwrap().to_owned())
            .collect();
        assert_eq!(payloads, vec!["one", "tw"]);
        // End of input does not close the consumers.
        inbox.prepare_next();
        assert!(rx.recv_async().now_or_never().is_none());
        assert!(!rx.is_disconnected());
    }

    #[test]
    fn reused_chunks_never_change_kept_messages() {
        let mut input = Vec::new();
        for i in 0..20_000 {
            input.extend_from_slice(format!("[k] line {i} {}\n", "y".repeat(i % 200)).as_bytes());
        }
        let mut decoder = Decoder::default();
        let mut kept = Vec::new();
        let mut count = 0;
        read_lines(&input[..], &mut decoder, |batch| {
            for d in batch.drain(..) {
                // Most messages are dropped at once, so their chunks get reused.
                if count % 1000 == 0 {
                    kept.push((count, d.message));
                }
                count += 1;
            }
        })
        .unwrap();
        assert_eq!(count, 20_000);
        for (i, m) in kept {
            let expected = format!("line {i} {}", "y".repeat(i % 200));
            let expected = expected.trim_end();
            assert_eq!(m.message().as_str().unwrap(), expected);
        }
    }

    #[test]
    fn read_errors_are_returned() {
        struct Failing;
        impl std::io::Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::Other.into())
            }
        }
        let mut decoder = Decoder::default();
        let result = read_lines(Failing, &mut decoder, |_| {});
        assert!(result.is_err());
    }
}
