//! A payload with a line break is refused by the producer with a typed error instead of
//! being printed as two lines (the second of which could forge a message).

use sea_streamer_stdio::{PayloadLineBreak, StdioErr, StdioProducer};
use sea_streamer_types::{Producer, StreamErr, StreamKey};

#[test]
fn line_breaks_are_refused_with_a_typed_error() {
    let producer = StdioProducer::new();
    let key = StreamKey::new("line-break").unwrap();
    let forged = "line1\n[2020-01-01T00:00:00 | k | 999] injected";
    match producer.send_to(&key, forged) {
        Err(StreamErr::Backend(StdioErr::IoError(e))) => {
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
            let cause = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<PayloadLineBreak>())
                .expect("a PayloadLineBreak inside");
            assert_eq!(*cause, PayloadLineBreak { position: 5 });
            assert!(e.to_string().contains("line break at byte 5"), "{e}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A trailing newline is a line break too; a carriage return is not (lines end at `\n`).
    assert!(producer.send_to(&key, "x\n").is_err());
    assert!(producer.send_to(&key, "a\rb").is_ok());
    // Non-UTF-8 payloads are refused as before.
    assert!(matches!(
        producer.send_to(&key, &[0xffu8, 0xfe][..]),
        Err(StreamErr::Utf8Error(_))
    ));
}
