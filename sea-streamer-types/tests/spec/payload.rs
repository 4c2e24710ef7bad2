//! Buffer implementations, BytesOrStr and Payload.

use sea_streamer_types::{Buffer, BytesOrStr, IntoBytesOrStr, Payload};

#[test]
fn buffer_for_str_and_string() {
    let s: &str = "hello";
    assert_eq!(s.size(), 5);
    assert_eq!(Buffer::as_bytes(&s), b"hello");
    assert_eq!(Buffer::as_str(&s).unwrap(), "hello");
    assert_eq!(Buffer::into_bytes(s), b"hello".to_vec());

    let owned = String::from("héllo");
    assert_eq!(owned.size(), 6);
    assert_eq!(Buffer::as_bytes(&owned), "héllo".as_bytes());
    assert_eq!(Buffer::as_str(&owned).unwrap(), "héllo");
    assert_eq!(Buffer::into_bytes(owned), "héllo".as_bytes().to_vec());
}

#[test]
fn buffer_for_bytes() {
    let bytes: &[u8] = &[104, 105];
    assert_eq!(bytes.size(), 2);
    assert_eq!(Buffer::as_bytes(&bytes), b"hi");
    assert_eq!(Buffer::as_str(&bytes).unwrap(), "hi");
    assert_eq!(Buffer::into_bytes(bytes), b"hi".to_vec());

    let invalid: &[u8] = &[0xff, 0xfe];
    assert!(Buffer::as_str(&invalid).is_err());

    let vec = vec![1u8, 2, 3];
    assert_eq!(vec.as_slice().size(), 3);
}

#[test]
fn bytes_or_str() {
    assert_eq!("abc".into_bytes_or_str(), BytesOrStr::Str("abc"));
    let bytes: &[u8] = b"ab";
    assert_eq!(bytes.into_bytes_or_str(), BytesOrStr::Bytes(b"ab"));
    assert_eq!(BytesOrStr::Str("abc").len(), 3);
    assert_eq!(BytesOrStr::Bytes(b"ab").len(), 2);
    assert!(BytesOrStr::Str("").is_empty());
    assert!(BytesOrStr::Bytes(&[]).is_empty());
    assert!(!BytesOrStr::Bytes(&[0]).is_empty());
}

#[test]
fn payload_buffer() {
    let text = Payload::new("hello");
    assert_eq!(text.size(), 5);
    assert_eq!(text.as_bytes(), b"hello");
    assert_eq!(text.as_str().unwrap(), "hello");
    assert_eq!(text.into_bytes(), b"hello".to_vec());

    let raw: &[u8] = &[0xff];
    let raw = Payload::new(raw);
    assert_eq!(raw.size(), 1);
    assert_eq!(raw.as_bytes(), &[0xff]);
    assert!(raw.as_str().is_err());

    let utf8: &[u8] = b"ok";
    assert_eq!(Payload::new(utf8).as_str().unwrap(), "ok");
}

#[test]
fn payload_default_is_empty_string() {
    let payload = Payload::default();
    assert_eq!(payload, Payload::new(""));
    assert_eq!(payload.size(), 0);
    assert_eq!(payload.as_str().unwrap(), "");
}

#[cfg(feature = "json")]
#[test]
fn payload_json() {
    use sea_streamer_types::JsonErr;
    use std::collections::BTreeMap;

    let map: BTreeMap<String, u32> = Payload::new(r#"{"a":1,"b":2}"#).deserialize_json().unwrap();
    assert_eq!(map["a"], 1);
    assert_eq!(map["b"], 2);

    let invalid: &[u8] = &[0xff];
    assert!(matches!(
        Payload::new(invalid).deserialize_json::<u32>(),
        Err(JsonErr::Utf8Error(_))
    ));
    let err = Payload::new("{").deserialize_json::<u32>().unwrap_err();
    assert!(matches!(err, JsonErr::SerdeJson(_)));
    assert!(err.to_string().starts_with("serde_json::Error "));
}
