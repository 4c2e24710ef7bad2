//! Durations on the command line: an integer and a unit, `ns`, `us`, `ms`, `s` or `m`
//! (`100us`, `250ms`, `2s`); the same syntax as the stdio and file `clock` binaries.

use std::time::Duration;

/// Parses `<integer><unit>`; the error lists the valid units.
pub fn parse(text: &str) -> Result<Duration, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected an integer and a unit, e.g. 100ms"))?;
    let d = match unit {
        "ns" => Duration::from_nanos(n),
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (valid: ns, us, ms, s, m)"
            ))
        }
    };
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("100us"), Ok(Duration::from_micros(100)));
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("1m"), Ok(Duration::from_secs(60)));
        assert!(parse("5").unwrap_err().contains("valid: ns, us, ms, s, m"));
        assert!(parse("ms").is_err());
    }
}
