//! Frame checksums and the running checksums carried by beacon markers.

use super::crc::{crc16_update, CRC_INIT};

/// A CRC-16/CDMA2000 value.
#[repr(transparent)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(transparent))]
pub struct Checksum(pub u16);

/// The running checksum of a stream: the CRC-16 of the big-endian frame checksums fed in write order.
///
/// ```
/// use sea_streamer_file::format::{Checksum, RunningChecksum};
/// let mut rc = RunningChecksum::new();
/// rc.update(Checksum(0x0102));
/// assert_ne!(rc.crc(), Checksum(RunningChecksum::init()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningChecksum {
    crc: u16,
}

impl Default for RunningChecksum {
    fn default() -> Self {
        Self::new()
    }
}

impl RunningChecksum {
    /// A fresh state (`0xFFFF`).
    pub fn new() -> Self {
        Self { crc: CRC_INIT }
    }

    /// The initial state value, `0xFFFF`.
    pub fn init() -> u16 {
        CRC_INIT
    }

    /// Continue from a previous value.
    pub fn resume(checksum: Checksum) -> Self {
        Self { crc: checksum.0 }
    }

    /// Feed the two big-endian bytes of a frame checksum.
    pub fn update(&mut self, checksum: Checksum) {
        self.crc = crc16_update(self.crc, &checksum.0.to_be_bytes());
    }

    /// Feed raw bytes.
    #[cfg(test)]
    pub(crate) fn update_bytes(&mut self, bytes: &[u8]) {
        self.crc = crc16_update(self.crc, bytes);
    }

    /// The current value.
    pub fn crc(&self) -> Checksum {
        Checksum(self.crc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::crc::crc16_cdma2000;

    #[test]
    fn running_checksum_bytes() {
        let mut rc = RunningChecksum::new();
        for b in b"123456789" {
            rc.update_bytes(&[*b]);
        }
        assert_eq!(rc.crc(), Checksum(0x4C06));
        rc.update_bytes(b"abcd");
        assert_eq!(rc.crc(), Checksum(0xA106));
        assert_eq!(crc16_cdma2000(b"123456789abcd"), 0xA106);
    }

    #[test]
    fn running_checksum_words() {
        let mut rc = RunningChecksum::new();
        rc.update(Checksum(0x3132));
        assert_eq!(rc.crc().0, crc16_cdma2000(b"12"));
    }
}
