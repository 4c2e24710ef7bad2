//! Parsing of `--interval` values for the demo binaries: an integer with `ms`, `s` or `m`.

use std::time::Duration;

/// `250ms`, `2s` or `1m`; anything else is an error with a clear message.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit): (&str, fn(u64) -> Duration) = if let Some(n) = s.strip_suffix("ms") {
        (n, Duration::from_millis)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, Duration::from_secs)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, |m| Duration::from_secs(m.saturating_mul(60)))
    } else {
        return Err(format!(
            "`{s}`: expected a number followed by `ms`, `s` or `m` (e.g. 500ms)"
        ));
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: `{digits}` is not a whole number"))?;
    Ok(unit(n))
}
