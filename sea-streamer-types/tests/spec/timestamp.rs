//! TIMESTAMP_FORMAT formatting and parsing rules.

use sea_streamer_types::{
    export::time::{macros::datetime, Duration, PrimitiveDateTime},
    Timestamp, TIMESTAMP_FORMAT,
};

fn at(nanos: i64) -> Timestamp {
    datetime!(2022-01-01 08:39:37 UTC) + Duration::nanoseconds(nanos)
}

#[test]
fn formatting_drops_trailing_zeros() {
    let cases = [
        (0, "2022-01-01T08:39:37.0"),
        (1_000_000, "2022-01-01T08:39:37.001"),
        (500_000_000, "2022-01-01T08:39:37.5"),
        (120_000_000, "2022-01-01T08:39:37.12"),
        (123_456_789, "2022-01-01T08:39:37.123456789"),
        (1_000, "2022-01-01T08:39:37.000001"),
    ];
    for (nanos, text) in cases {
        assert_eq!(at(nanos).format(TIMESTAMP_FORMAT).unwrap(), text);
    }
}

#[test]
fn parsing_requires_fraction() {
    assert!(PrimitiveDateTime::parse("2022-01-01T00:00:00", TIMESTAMP_FORMAT).is_err());
    let parsed = PrimitiveDateTime::parse("2022-01-01T00:00:00.1", TIMESTAMP_FORMAT).unwrap();
    assert_eq!(parsed.assume_utc(), datetime!(2022-01-01 00:00:00.1 UTC));
}

#[test]
fn round_trip() {
    let ts = at(123_456_789);
    let text = ts.format(TIMESTAMP_FORMAT).unwrap();
    let back = PrimitiveDateTime::parse(&text, TIMESTAMP_FORMAT)
        .unwrap()
        .assume_utc();
    assert_eq!(back, ts);
}
