//! The receive buffer of the `XREAD` fast path: bytes read from the socket, scanned for one
//! complete reply, which is split off into a buffer of its own (shared by its messages).
//!
//! The buffer grows with the bytes actually received: a reply announcing a huge bulk string
//! (`$500000000`) does not make it reserve that size before the bytes arrive. Each growth at
//! most doubles it, so it never holds more than about twice what was received (amortized
//! linear copying for large replies).

use super::resp::{RespError, Scanner};
use std::sync::Arc;

/// The smallest buffer allocated.
pub(crate) const MIN_BUFFER: usize = 16 * 1024;
/// The largest buffer allocated up front for the next reply (larger ones grow as they arrive).
const MAX_GUESS: usize = 4 * 1024 * 1024;

/// Bytes received and not yet handed out as a reply.
#[derive(Debug, Default)]
pub(crate) struct ReplyBuf {
    /// Bytes received: `buf[..filled]`; the rest is zeroed room.
    buf: Vec<u8>,
    filled: usize,
    scanner: Scanner,
    /// The size of the last reply, to size the next buffer.
    last_size: usize,
}

impl ReplyBuf {
    /// Split off the first complete reply, if the bytes received hold one.
    pub fn take_reply(&mut self) -> Result<Option<Arc<Vec<u8>>>, RespError> {
        match self.scanner.scan(&self.buf[..self.filled])? {
            Some(end) => Ok(Some(Arc::new(self.split(end)))),
            None => Ok(None),
        }
    }

    /// Room to receive more bytes into (never empty); then call [`ReplyBuf::received`].
    pub fn room(&mut self) -> &mut [u8] {
        if self.buf.is_empty() {
            self.buf = vec![0; self.guess()];
        }
        if self.filled == self.buf.len() {
            // at most double: a bulk string's announced length is a promise, not bytes
            let double = self.buf.len() * 2;
            let want = if self.scanner.need > self.buf.len() {
                self.scanner.need.min(double)
            } else {
                double
            };
            self.buf.resize(want, 0);
        }
        &mut self.buf[self.filled..]
    }

    /// `n` bytes were written at the start of [`ReplyBuf::room`].
    pub fn received(&mut self, n: usize) {
        self.filled = (self.filled + n).min(self.buf.len());
    }

    /// Bytes held (received or room).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Bytes received and not handed out yet.
    #[cfg(test)]
    pub fn filled(&self) -> usize {
        self.filled
    }

    /// The size of a new buffer: about the last reply's, within bounds.
    fn guess(&self) -> usize {
        (self.last_size + self.last_size / 4).clamp(MIN_BUFFER, MAX_GUESS)
    }

    /// Split the first `end` bytes off as a reply; keep any following bytes for the next one.
    fn split(&mut self, end: usize) -> Vec<u8> {
        self.scanner.reset();
        self.last_size = end;
        let mut reply = std::mem::take(&mut self.buf);
        let rest = self.filled - end;
        self.filled = 0;
        if rest > 0 {
            self.buf = vec![0; self.guess().max(rest)];
            self.buf[..rest].copy_from_slice(&reply[end..end + rest]);
            self.filled = rest;
        }
        reply.truncate(end);
        reply
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// Feed `bytes` as a socket would, at most `chunk` bytes per read; after each read check
    /// that the buffer holds at most twice what was received (or a first guess sized after
    /// the previous reply, at most `MAX_GUESS`). Returns the replies.
    fn feed(rx: &mut ReplyBuf, bytes: &[u8], chunk: usize) -> Vec<Arc<Vec<u8>>> {
        let mut replies = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let room = rx.room();
            let n = room.len().min(chunk).min(bytes.len() - at);
            room[..n].copy_from_slice(&bytes[at..at + n]);
            at += n;
            rx.received(n);
            assert!(
                rx.capacity() <= (2 * rx.filled()).max(MIN_BUFFER).max(MAX_GUESS),
                "holds {} bytes for {} received",
                rx.capacity(),
                rx.filled()
            );
            while let Some(reply) = rx.take_reply().expect("valid RESP") {
                replies.push(reply);
            }
        }
        replies
    }

    #[test]
    fn a_huge_announced_bulk_string_is_not_reserved() {
        let mut rx = ReplyBuf::default();
        let mut bytes =
            b"*1\r\n*2\r\n$1\r\na\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$3\r\nmsg\r\n".to_vec();
        bytes.extend_from_slice(b"$500000000\r\n");
        bytes.resize(bytes.len() + 3_000_000, b'x');
        // 3 MB of a 500 MB reply arrived: no reply yet, and no 500 MB buffer
        let mut at = 0;
        while at < bytes.len() {
            let room = rx.room();
            let n = room.len().min(64 * 1024).min(bytes.len() - at);
            room[..n].copy_from_slice(&bytes[at..at + n]);
            at += n;
            rx.received(n);
            assert!(
                rx.capacity() <= (2 * rx.filled()).max(MIN_BUFFER),
                "holds {} bytes for {} received",
                rx.capacity(),
                rx.filled()
            );
            assert!(rx.take_reply().expect("valid RESP").is_none());
        }
        assert!(rx.capacity() < 8_000_000, "holds {}", rx.capacity());
    }

    #[test]
    fn grows_in_steps_and_splits_replies() {
        let mut one = b"$1000000\r\n".to_vec();
        one.resize(one.len() + 1_000_000, b'y');
        one.extend_from_slice(b"\r\n");
        let mut bytes = one.clone();
        bytes.extend_from_slice(b"+OK\r\n");
        bytes.extend_from_slice(&one);
        let mut rx = ReplyBuf::default();
        let replies = feed(&mut rx, &bytes, 1000);
        assert_eq!(replies.len(), 3);
        assert_eq!(replies[0].as_slice(), one.as_slice());
        assert_eq!(replies[1].as_slice(), b"+OK\r\n");
        assert_eq!(replies[2].as_slice(), one.as_slice());
        assert_eq!(rx.filled(), 0);
    }
}
