//! [`parse_duration`]: the one duration syntax of every sea-streamer command line
//! (`--interval 100us`, `--linger 250ms`, `--timeout 2m`).

use std::time::Duration;
use thiserror::Error;

/// A duration that [`parse_duration`] cannot read; its message names the text and lists the
/// valid units.
///
/// ```
/// use sea_streamer_types::parse_duration;
///
/// let err = parse_duration("1h").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid duration `1h`: expected an integer followed by a unit, one of ns, us, ms, s, m (e.g. 100ms)"
/// );
/// ```
#[derive(Error, Debug, Clone, PartialEq, Eq)]
#[error(
    "invalid duration `{0}`: expected an integer followed by a unit, one of ns, us, ms, s, m (e.g. 100ms)"
)]
pub struct DurationErr(pub String);

/// Parses a duration written as a whole number directly followed by a unit: `ns`, `us`, `ms`,
/// `s` or `m` (minutes). No sign, no fraction, no space; an overflow is an error.
///
/// ```
/// use sea_streamer_types::parse_duration;
/// use std::time::Duration;
///
/// assert_eq!(parse_duration("100us")?, Duration::from_micros(100));
/// assert_eq!(parse_duration("250ms")?, Duration::from_millis(250));
/// assert_eq!(parse_duration("2m")?, Duration::from_secs(120));
/// assert!(parse_duration("1.5s").is_err());
/// # Ok::<(), sea_streamer_types::DurationErr>(())
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, DurationErr> {
    let err = || DurationErr(text.to_owned());
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let n: u64 = number.parse().map_err(|_| err())?;
    Ok(match unit {
        "ns" => Duration::from_nanos(n),
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(err)?),
        _ => return Err(err()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("10ns"), Ok(Duration::from_nanos(10)));
        assert_eq!(parse_duration("100us"), Ok(Duration::from_micros(100)));
        assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "1",
            "s",
            "ms",
            "1h",
            "1.5s",
            "-1s",
            "+1s",
            " 1s",
            "1 s",
            "1s ",
            "99999999999999999999s",
            "999999999999999999m",
        ] {
            assert_eq!(
                parse_duration(bad),
                Err(DurationErr(bad.to_owned())),
                "{bad}"
            );
        }
    }
}
