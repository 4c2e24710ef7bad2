//! Byte containers and the byte-level I/O traits: [`Bytes`], [`ByteBuffer`], [`ByteSource`], [`ByteSink`], [`Appendable`].
//!
//! These are the building blocks of the async codecs in [`crate::format`]. The hot paths of the
//! streamer (producer, consumer) use contiguous buffers internally and do not go through them.

use crate::error::FileErr;
use std::collections::VecDeque;
use std::future::{ready, Future, Ready};

/// Something that yields bytes asynchronously.
pub trait ByteSource {
    /// The future returned by [`ByteSource::request_bytes`].
    type Future<'a>: Future<Output = Result<Bytes, FileErr>>
    where
        Self: 'a;

    /// Resolve to exactly `size` bytes (or an error).
    fn request_bytes(&mut self, size: usize) -> Self::Future<'_>;
}

/// Something that accepts bytes without blocking.
pub trait ByteSink {
    /// Queue `bytes` for writing.
    fn write(&mut self, bytes: Bytes) -> Result<(), FileErr>;
}

/// A container bytes can be appended to.
pub trait Appendable: Default {
    /// Append `bytes` at the end.
    fn append(&mut self, bytes: Bytes);
}

/// A run of bytes, with small sizes stored inline.
///
/// ```
/// use sea_streamer_file::Bytes;
/// let mut b = Bytes::from_slice(&[1, 2, 3, 4, 5]);
/// assert_eq!(b.pop(2).bytes(), vec![1, 2]);
/// assert_eq!(b.len(), 3);
/// ```
#[derive(Clone, Default)]
pub enum Bytes {
    /// No bytes.
    #[default]
    Empty,
    /// One byte.
    Byte(u8),
    /// Four bytes.
    Word([u8; 4]),
    /// Any number of bytes.
    Bytes(Vec<u8>),
}

impl Bytes {
    /// Wrap a vector (small vectors are stored inline).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        match bytes.len() {
            0 => Bytes::Empty,
            1 => Bytes::Byte(bytes[0]),
            4 => Bytes::Word([bytes[0], bytes[1], bytes[2], bytes[3]]),
            _ => Bytes::Bytes(bytes),
        }
    }

    /// Copy a slice.
    pub fn from_slice(bytes: &[u8]) -> Self {
        match bytes.len() {
            0 => Bytes::Empty,
            1 => Bytes::Byte(bytes[0]),
            4 => Bytes::Word([bytes[0], bytes[1], bytes[2], bytes[3]]),
            _ => Bytes::Bytes(bytes.to_vec()),
        }
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        match self {
            Bytes::Empty => 0,
            Bytes::Byte(_) => 1,
            Bytes::Word(_) => 4,
            Bytes::Bytes(b) => b.len(),
        }
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether this is exactly one byte.
    pub fn is_byte(&self) -> bool {
        self.len() == 1
    }

    /// The bytes as a slice.
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Empty => &[],
            Bytes::Byte(b) => std::slice::from_ref(b),
            Bytes::Word(w) => w,
            Bytes::Bytes(b) => b,
        }
    }

    /// Remove and return the first `size` bytes.
    ///
    /// # Panics
    /// If there are fewer than `size` bytes.
    pub fn pop(&mut self, size: usize) -> Self {
        let len = self.len();
        assert!(
            size <= len,
            "Bytes::pop: {size} requested but only {len} available"
        );
        if size == len {
            return self.take();
        }
        let all = std::mem::take(self).bytes();
        let (head, tail) = all.split_at(size);
        *self = Bytes::from_slice(tail);
        Bytes::from_slice(head)
    }

    /// Turn into a vector.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            Bytes::Bytes(b) => b,
            other => other.as_slice().to_vec(),
        }
    }

    /// The byte, if this is exactly one byte.
    pub fn byte(&self) -> Option<u8> {
        match self.as_slice() {
            [b] => Some(*b),
            _ => None,
        }
    }

    /// The four bytes, if this is exactly four bytes.
    pub fn word(&self) -> Option<[u8; 4]> {
        match self.as_slice() {
            [a, b, c, d] => Some([*a, *b, *c, *d]),
            _ => None,
        }
    }

    /// Append `other` at the end.
    pub fn append(&mut self, other: Self) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = other;
            return;
        }
        let mut v = std::mem::take(self).bytes();
        v.extend_from_slice(other.as_slice());
        *self = Bytes::from_bytes(v);
    }

    /// Take the bytes, leaving [`Bytes::Empty`].
    pub fn take(&mut self) -> Self {
        std::mem::take(self)
    }

    /// Read exactly `size` bytes from a source.
    pub async fn read_from(file: &mut impl ByteSource, size: usize) -> Result<Self, FileErr> {
        file.request_bytes(size).await
    }

    /// Write into a sink; returns the number of bytes written.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let len = self.len();
        sink.write(self)?;
        Ok(len)
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Bytes {}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({:?})", self.as_slice())
    }
}

impl Appendable for Bytes {
    fn append(&mut self, bytes: Bytes) {
        Bytes::append(self, bytes)
    }
}

/// A FIFO queue of [`Bytes`].
///
/// ```
/// use sea_streamer_file::{ByteBuffer, Bytes};
/// let mut buf = ByteBuffer::new();
/// buf.append(Bytes::from_slice(&[1, 2, 3]));
/// buf.append(Bytes::Byte(4));
/// let head: Bytes = buf.consume(2);
/// assert_eq!(head.bytes(), vec![1, 2]);
/// assert_eq!(buf.size(), 2);
/// ```
#[derive(Debug, Default, Clone)]
pub struct ByteBuffer {
    buf: VecDeque<Bytes>,
    size: usize,
}

impl ByteBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A buffer holding `bytes`.
    pub fn one(bytes: Bytes) -> Self {
        let mut buf = Self::new();
        buf.append(bytes);
        buf
    }

    /// Append at the end.
    pub fn append(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.size += bytes.len();
            self.buf.push_back(bytes);
        }
    }

    /// Total number of bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Drop everything.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.size = 0;
    }

    /// Take everything, leaving the buffer empty.
    pub fn take(&mut self) -> Self {
        std::mem::take(self)
    }

    /// Remove the first `size` bytes into an [`Appendable`].
    ///
    /// # Panics
    /// If fewer than `size` bytes are buffered.
    pub fn consume<T: Appendable>(&mut self, size: usize) -> T {
        assert!(
            size <= self.size,
            "ByteBuffer::consume: {size} requested but only {} available",
            self.size
        );
        let mut out = T::default();
        let mut left = size;
        while left > 0 {
            let mut front = self.buf.pop_front().expect("size accounting");
            if front.len() <= left {
                left -= front.len();
                self.size -= front.len();
                out.append(front);
            } else {
                let head = front.pop(left);
                self.size -= left;
                left = 0;
                out.append(head);
                self.buf.push_front(front);
            }
        }
        out
    }

    /// Write everything into a sink; returns the number of bytes written.
    pub fn write_to(self, sink: &mut impl ByteSink) -> Result<usize, FileErr> {
        let mut sum = 0;
        for bytes in self.buf {
            sum += bytes.write_to(sink)?;
        }
        Ok(sum)
    }
}

impl Appendable for ByteBuffer {
    fn append(&mut self, bytes: Bytes) {
        ByteBuffer::append(self, bytes)
    }
}

impl ByteSource for ByteBuffer {
    type Future<'a> = Ready<Result<Bytes, FileErr>>;

    fn request_bytes(&mut self, size: usize) -> Self::Future<'_> {
        if size <= self.size {
            ready(Ok(self.consume(size)))
        } else {
            ready(Err(FileErr::NotEnoughBytes))
        }
    }
}

impl ByteSink for ByteBuffer {
    fn write(&mut self, bytes: Bytes) -> Result<(), FileErr> {
        self.append(bytes);
        Ok(())
    }
}

/// A sink that appends to a vector (internal fast path of the codecs).
impl ByteSink for Vec<u8> {
    fn write(&mut self, bytes: Bytes) -> Result<(), FileErr> {
        self.extend_from_slice(bytes.as_slice());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_append_pop() {
        let mut b = Bytes::Empty;
        b.append(Bytes::Byte(1));
        b.append(Bytes::Word([2, 3, 4, 5]));
        b.append(Bytes::from_bytes(vec![6, 7, 8]));
        assert_eq!(b.len(), 8);
        assert_eq!(b.pop(1).byte(), Some(1));
        assert_eq!(b.pop(4).word(), Some([2, 3, 4, 5]));
        assert_eq!(b.clone().bytes(), vec![6, 7, 8]);
        assert_eq!(b.pop(3), Bytes::from_slice(&[6, 7, 8]));
        assert!(b.is_empty());
    }

    #[test]
    fn buffer_consume_across_chunks() {
        let mut buf = ByteBuffer::new();
        buf.append(Bytes::from_slice(&[1, 2, 3]));
        buf.append(Bytes::Word([4, 5, 6, 7]));
        buf.append(Bytes::Byte(8));
        let a: Bytes = buf.consume(2);
        assert_eq!(a.bytes(), vec![1, 2]);
        let b: Bytes = buf.consume(4);
        assert_eq!(b.bytes(), vec![3, 4, 5, 6]);
        let c: ByteBuffer = buf.consume(2);
        assert_eq!(c.size(), 2);
        assert!(buf.is_empty());
    }

    #[test]
    #[should_panic]
    fn pop_too_much_panics() {
        Bytes::Byte(1).pop(2);
    }
}
