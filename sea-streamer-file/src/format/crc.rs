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

/// Slicing-by-16 tables: `TABLES[k][x]` is the CRC contribution of byte `x` followed by `k` zero bytes.
const fn make_tables() -> [[u16; 256]; 16] {
    let mut tables = [[0u16; 256]; 16];
    tables[0] = make_table();
    let mut k = 1;
    while k < 16 {
        let mut x = 0;
        while x < 256 {
            let prev = tables[k - 1][x];
            tables[k][x] = (prev << 8) ^ tables[0][(prev >> 8) as usize];
            x += 1;
        }
        k += 1;
    }
    tables
}

static TABLES: [[u16; 256]; 16] = make_tables();

/// Initial CRC state.
pub(crate) const CRC_INIT: u16 = 0xFFFF;

/// Feed `bytes` into the CRC state `crc` and return the new state (16 bytes per step).
#[inline]
pub(crate) fn crc16_update(mut crc: u16, bytes: &[u8]) -> u16 {
    let t = &TABLES;
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        let a = t[15][((crc >> 8) as u8 ^ c[0]) as usize]
            ^ t[14][(crc as u8 ^ c[1]) as usize]
            ^ t[13][c[2] as usize]
            ^ t[12][c[3] as usize]
            ^ t[11][c[4] as usize]
            ^ t[10][c[5] as usize]
            ^ t[9][c[6] as usize]
            ^ t[8][c[7] as usize];
        let b = t[7][c[8] as usize]
            ^ t[6][c[9] as usize]
            ^ t[5][c[10] as usize]
            ^ t[4][c[11] as usize]
            ^ t[3][c[12] as usize]
            ^ t[2][c[13] as usize]
            ^ t[1][c[14] as usize]
            ^ t[0][c[15] as usize];
        crc = a ^ b;
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc >> 8) as u8 ^ b) as usize] ^ (crc << 8);
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

    fn bitwise(bytes: &[u8]) -> u16 {
        let mut crc = CRC_INIT;
        for &b in bytes {
            crc ^= (b as u16) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ POLY
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    #[test]
    fn sliced_equals_bitwise() {
        let data: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for len in 0..100 {
            for start in 0..9 {
                let s = &data[start..start + len];
                assert_eq!(crc16_cdma2000(s), bitwise(s), "len {len} start {start}");
            }
        }
        assert_eq!(crc16_cdma2000(&data), bitwise(&data));
    }

    #[test]
    fn incremental_equals_whole() {
        let a = crc16_update(CRC_INIT, b"12345");
        assert_eq!(crc16_update(a, b"6789"), 0x4C06);
    }
}
