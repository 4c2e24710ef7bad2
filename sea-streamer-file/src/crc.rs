//! CRC-16/CDMA2000 (poly `0xC867`, init `0xFFFF`, no reflection, xor-out 0), table driven.
//!
//! Used for frame checksums (over the payload bytes) and for the running checksums of beacon markers.

const POLY: u16 = 0xC867;

const fn make_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ POLY
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

static TABLE: [u16; 256] = make_table();

/// Initial CRC state.
pub(crate) const CRC_INIT: u16 = 0xFFFF;

/// Feed `bytes` into the CRC state `crc` and return the new state.
#[inline]
pub(crate) fn crc16_update(mut crc: u16, bytes: &[u8]) -> u16 {
    for &b in bytes {
        crc = TABLE[((crc >> 8) as u8 ^ b) as usize] ^ (crc << 8);
    }
    crc
}

/// CRC-16/CDMA2000 of `bytes`.
#[inline]
pub(crate) fn crc16_cdma2000(bytes: &[u8]) -> u16 {
    crc16_update(CRC_INIT, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values() {
        assert_eq!(crc16_cdma2000(b"123456789"), 0x4C06);
        assert_eq!(crc16_cdma2000(b"hello, world"), 0x8028);
        assert_eq!(crc16_cdma2000(b"EOS"), 0xED7C);
        assert_eq!(crc16_cdma2000(b""), 0xFFFF);
    }

    #[test]
    fn incremental_equals_whole() {
        let a = crc16_update(CRC_INIT, b"12345");
        assert_eq!(crc16_update(a, b"6789"), 0x4C06);
    }
}
