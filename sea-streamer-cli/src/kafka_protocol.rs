//! The topics a Kafka consumer-group member names, read from the member metadata and
//! assignment bytes a broker returns for groups of protocol type `consumer` (the consumer
//! protocol's `ConsumerProtocolSubscription` and `ConsumerProtocolAssignment`, versions 0-3,
//! both big-endian and non-flexible).
//!
//! * subscription: `version: i16, topics: [string], …`
//! * assignment: `version: i16, assigned: [topic: string, partitions: [i32]], …`
//!
//! Bytes that do not parse name no topic (an empty list); the fields after the topics are
//! not read.

/// A cursor over big-endian bytes.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn i16(&mut self) -> Option<i16> {
        self.take(2).map(|b| i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Option<i32> {
        self.take(4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.i16()?).ok()?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).ok()
    }

    /// An array length; a null or negative array is empty.
    fn count(&mut self) -> Option<usize> {
        Some(usize::try_from(self.i32()?).unwrap_or(0))
    }
}

/// The topics a member subscribes to (its protocol metadata).
pub fn subscribed_topics(metadata: &[u8]) -> Vec<String> {
    let mut r = Reader(metadata);
    let mut topics = Vec::new();
    let parsed = (|| {
        r.i16()?;
        for _ in 0..r.count()? {
            topics.push(r.string()?);
        }
        Some(())
    })();
    if parsed.is_none() {
        topics.clear();
    }
    topics
}

/// The topics a member is assigned partitions of.
pub fn assigned_topics(assignment: &[u8]) -> Vec<String> {
    let mut r = Reader(assignment);
    let mut topics = Vec::new();
    let parsed = (|| {
        r.i16()?;
        for _ in 0..r.count()? {
            topics.push(r.string()?);
            for _ in 0..r.count()? {
                r.i32()?;
            }
        }
        Some(())
    })();
    if parsed.is_none() {
        topics.clear();
    }
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(s: &str) -> Vec<u8> {
        let mut b = (s.len() as i16).to_be_bytes().to_vec();
        b.extend_from_slice(s.as_bytes());
        b
    }

    #[test]
    fn reads_an_assignment() {
        let mut b = 1i16.to_be_bytes().to_vec();
        b.extend(2i32.to_be_bytes());
        b.extend(string("orders"));
        b.extend(2i32.to_be_bytes());
        b.extend(0i32.to_be_bytes());
        b.extend(3i32.to_be_bytes());
        b.extend(string("events"));
        b.extend(0i32.to_be_bytes());
        b.extend((-1i32).to_be_bytes()); // null user data
        assert_eq!(assigned_topics(&b), ["orders", "events"]);
        assert!(assigned_topics(&b[..9]).is_empty());
        assert!(assigned_topics(&[]).is_empty());
    }

    #[test]
    fn reads_a_subscription() {
        let mut b = 0i16.to_be_bytes().to_vec();
        b.extend(1i32.to_be_bytes());
        b.extend(string("orders"));
        b.extend((-1i32).to_be_bytes());
        assert_eq!(subscribed_topics(&b), ["orders"]);
        assert!(subscribed_topics(&[0, 0, 0, 0, 0, 5]).is_empty());
    }
}
