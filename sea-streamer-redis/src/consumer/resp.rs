//! A minimal RESP2 reader for the `XREAD` fast path: an incremental [`Scanner`] that tells
//! when a complete reply sits in a buffer (without re-reading what it has already checked),
//! and a [`Cursor`] that walks a complete reply without allocating.
//!
//! Only what a reply to `XREAD`, `AUTH` or `SELECT` contains is understood: arrays, bulk
//! strings, simple strings, errors, integers and nulls (`*-1`, `$-1`, RESP3 `_`).

use thiserror::Error;

/// The longest header line of an array, a bulk string or an integer (`$18446744073709551615`).
const MAX_NUMBER_LINE: usize = 32;
/// The longest simple string or error line accepted.
const MAX_TEXT_LINE: usize = 64 * 1024;
/// The largest bulk string accepted (Redis' own `proto-max-bulk-len` default).
const MAX_BULK: usize = 512 * 1024 * 1024;
/// The deepest nesting accepted (an `XREAD` reply is 4 levels deep).
const MAX_DEPTH: usize = 16;

/// A reply that is not valid RESP.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
#[error("Malformed RESP reply at byte {at}: {what}")]
pub(crate) struct RespError {
    /// Byte offset in the reply.
    pub at: usize,
    /// What was wrong.
    pub what: &'static str,
}

fn malformed<T>(at: usize, what: &'static str) -> Result<T, RespError> {
    Err(RespError { at, what })
}

/// One header line: its type byte, the line's content range and where the next element starts.
struct Line {
    kind: u8,
    start: usize,
    end: usize,
    next: usize,
}

/// Read the header line at `pos`; `Ok(None)` when it is not complete yet.
fn line_at(buf: &[u8], pos: usize) -> Result<Option<Line>, RespError> {
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    let limit = match kind {
        b'*' | b'$' | b':' | b'_' => MAX_NUMBER_LINE,
        b'+' | b'-' => MAX_TEXT_LINE,
        _ => return malformed(pos, "unknown type byte"),
    };
    let start = pos + 1;
    let window = &buf[start..buf.len().min(start + limit + 2)];
    match window.iter().position(|&b| b == b'\n') {
        Some(nl) if nl > 0 && window[nl - 1] == b'\r' => Ok(Some(Line {
            kind,
            start,
            end: start + nl - 1,
            next: start + nl + 1,
        })),
        Some(_) => malformed(pos, "line not ended by CRLF"),
        None if window.len() >= limit + 2 => malformed(pos, "line too long"),
        None => Ok(None),
    }
}

/// Parse a signed decimal (`-1` for nulls) from a header line.
fn number(buf: &[u8], line: &Line) -> Result<i64, RespError> {
    let digits = &buf[line.start..line.end];
    let (negative, digits) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, digits),
    };
    if digits.is_empty() || digits.len() > 19 {
        return malformed(line.start, "bad length or number");
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return malformed(line.start, "bad length or number");
        }
        n = match n
            .checked_mul(10)
            .and_then(|n| n.checked_add((d - b'0') as i64))
        {
            Some(n) => n,
            None => return malformed(line.start, "number out of range"),
        };
    }
    Ok(if negative { -n } else { n })
}

/// Finds where one complete reply ends, across calls with a growing buffer.
///
/// Each call resumes at the first element not yet complete, so a large reply arriving in
/// many chunks is checked in linear time.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    /// Start of the first element not yet complete.
    pos: usize,
    /// Elements still expected by each open array, outermost first.
    open: Vec<usize>,
    /// The buffer length needed to complete the current bulk string (a hint for growing).
    pub need: usize,
}

impl Scanner {
    /// Forget all progress (a new reply starts at byte 0).
    pub fn reset(&mut self) {
        self.pos = 0;
        self.open.clear();
        self.need = 0;
    }

    /// Continue scanning `buf` (the same bytes as before, maybe with more appended).
    /// `Ok(Some(end))`: one complete reply is `buf[..end]`; `Ok(None)`: more bytes needed.
    pub fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, RespError> {
        loop {
            let Some(line) = line_at(buf, self.pos)? else {
                self.need = self.pos + 3;
                return Ok(None);
            };
            let mut next = line.next;
            match line.kind {
                b'*' => match number(buf, &line)? {
                    n if n > 0 => {
                        if self.open.len() >= MAX_DEPTH {
                            return malformed(self.pos, "nested too deep");
                        }
                        self.open.push(n as usize);
                        self.pos = next;
                        continue;
                    }
                    0 | -1 => {}
                    _ => return malformed(self.pos, "negative array length"),
                },
                b'$' => match number(buf, &line)? {
                    -1 => {}
                    n if n >= 0 && (n as usize) <= MAX_BULK => {
                        let end = next + n as usize;
                        if buf.len() < end + 2 {
                            self.need = end + 2;
                            return Ok(None);
                        }
                        if &buf[end..end + 2] != b"\r\n" {
                            return malformed(end, "bulk string not ended by CRLF");
                        }
                        next = end + 2;
                    }
                    _ => return malformed(self.pos, "bad bulk string length"),
                },
                b'_' if line.start != line.end => return malformed(self.pos, "bad null"),
                // Checked here too, so a reply the scanner accepts is one the cursor can read.
                b':' => {
                    number(buf, &line)?;
                }
                _ => {}
            }
            // one element is complete: so are the arrays it completes
            self.pos = next;
            loop {
                match self.open.last_mut() {
                    None => {
                        self.need = 0;
                        return Ok(Some(self.pos));
                    }
                    Some(1) => {
                        self.open.pop();
                    }
                    Some(n) => {
                        *n -= 1;
                        break;
                    }
                }
            }
        }
    }
}

/// One element read by a [`Cursor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item {
    /// `*N`: the N elements follow.
    Array(usize),
    /// A bulk or simple string: `buf[start..start + len]`.
    Bytes { start: usize, len: usize },
    /// An error line (`-CODE message`): `buf[start..start + len]`.
    Error { start: usize, len: usize },
    /// An integer (`:N`).
    Int(i64),
    /// `*-1`, `$-1` or `_`.
    Nil,
}

/// Walks one complete reply (checked by a [`Scanner`]) element by element.
pub(crate) struct Cursor<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Read the next element header (for arrays, only the header: the elements follow).
    pub fn next_item(&mut self) -> Result<Item, RespError> {
        let Some(line) = line_at(self.buf, self.pos)? else {
            return malformed(self.pos, "truncated reply");
        };
        let item = match line.kind {
            b'*' => match number(self.buf, &line)? {
                -1 => Item::Nil,
                n if n >= 0 => Item::Array(n as usize),
                _ => return malformed(self.pos, "negative array length"),
            },
            b'$' => match number(self.buf, &line)? {
                -1 => Item::Nil,
                n if n >= 0 => {
                    let len = n as usize;
                    let end = line.next.saturating_add(len);
                    if self.buf.get(end..end.saturating_add(2)) != Some(b"\r\n") {
                        return malformed(self.pos, "truncated bulk string");
                    }
                    self.pos = end + 2;
                    return Ok(Item::Bytes {
                        start: line.next,
                        len,
                    });
                }
                _ => return malformed(self.pos, "bad bulk string length"),
            },
            b'+' => Item::Bytes {
                start: line.start,
                len: line.end - line.start,
            },
            b'-' => Item::Error {
                start: line.start,
                len: line.end - line.start,
            },
            b':' => Item::Int(number(self.buf, &line)?),
            _ => Item::Nil,
        };
        self.pos = line.next;
        Ok(item)
    }

    /// Skip one whole element (with everything nested in it).
    pub fn skip(&mut self) -> Result<(), RespError> {
        let mut left: usize = 1;
        while left > 0 {
            left -= 1;
            if let Item::Array(n) = self.next_item()? {
                left = match left.checked_add(n) {
                    Some(l) if l <= self.buf.len() => l,
                    _ => return malformed(self.pos, "array longer than the reply"),
                };
            }
        }
        Ok(())
    }

    /// The bytes of an element read by [`Cursor::next_item`].
    pub fn bytes(&self, start: usize, len: usize) -> &'a [u8] {
        &self.buf[start..start + len]
    }
}
