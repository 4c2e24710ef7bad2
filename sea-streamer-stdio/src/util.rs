//! Constants of the stdio format and a cheap formatter for output timestamps.

use sea_streamer_types::Timestamp;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// The stream key given to lines that carry no key.
///
/// ```
/// assert_eq!(sea_streamer_stdio::BROADCAST, "broadcast");
/// ```
pub const BROADCAST: &str = "broadcast";

/// Timestamp format of the **output** lines: seconds precision, UTC.
///
/// ```
/// use sea_streamer_stdio::TIMESTAMP_FORMAT;
/// use time::macros::datetime;
///
/// let ts = datetime!(2023-02-24 08:13:10.5 UTC);
/// assert_eq!(ts.format(TIMESTAMP_FORMAT).unwrap(), "2023-02-24T08:13:10");
/// ```
pub const TIMESTAMP_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// Timestamp format with a fraction of a second (1 to 9 digits).
///
/// Input lines may use either this or [`TIMESTAMP_FORMAT`].
///
/// ```
/// use sea_streamer_stdio::TIMESTAMP_FORMAT_SUBSEC;
/// use time::macros::datetime;
///
/// let ts = datetime!(2023-02-24 08:13:10.25 UTC);
/// assert_eq!(ts.format(TIMESTAMP_FORMAT_SUBSEC).unwrap(), "2023-02-24T08:13:10.25");
/// ```
pub const TIMESTAMP_FORMAT_SUBSEC: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");

/// Formats timestamps in [`TIMESTAMP_FORMAT`], re-formatting only when the second changes.
#[derive(Debug, Default)]
pub(crate) struct SecondsText {
    second: Option<i64>,
    text: String,
}

impl SecondsText {
    /// The text of `ts` (UTC, seconds precision).
    pub fn get(&mut self, ts: Timestamp) -> &str {
        let second = ts.unix_timestamp();
        if self.second != Some(second) {
            self.text.clear();
            match ts.format(TIMESTAMP_FORMAT) {
                Ok(text) => self.text.push_str(&text),
                // Unreachable for years 0..=9999; print something rather than nothing.
                Err(_) => self.text.push_str(&second.to_string()),
            }
            self.second = Some(second);
        }
        &self.text
    }
}

/// Appends the decimal form of `n` to `out` without allocating.
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: u128) {
    let mut buf = [0u8; 40];
    let mut i = buf.len();
    match u64::try_from(n) {
        // The usual case, without 128-bit divisions.
        Ok(mut n) => loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        },
        Err(_) => {
            let mut n = n;
            loop {
                i -= 1;
                buf[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn seconds_text_is_cached_per_second() {
        let mut cache = SecondsText::default();
        assert_eq!(
            cache.get(datetime!(2023-02-24 08:13:10.1 UTC)),
            "2023-02-24T08:13:10"
        );
        assert_eq!(
            cache.get(datetime!(2023-02-24 08:13:10.9 UTC)),
            "2023-02-24T08:13:10"
        );
        assert_eq!(
            cache.get(datetime!(2023-02-24 08:13:11 UTC)),
            "2023-02-24T08:13:11"
        );
    }

    #[test]
    fn decimals() {
        for n in [0u128, 7, 10, 12345, u64::MAX as u128, u128::MAX] {
            let mut out = b"x".to_vec();
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes());
        }
    }
}
