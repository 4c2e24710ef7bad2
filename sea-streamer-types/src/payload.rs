//! Payloads: [`Buffer`], what producers accept as a payload, and [`Payload`], the borrowed
//! view of a message body ([`BytesOrStr`] / [`IntoBytesOrStr`] build it).

#[cfg(feature = "json")]
use crate::JsonErr;

/// Types that can be sent as a message payload.
///
/// Implemented for [`Payload`], `&[u8]`, `&str` and `String`. For a `Vec<u8>`, pass
/// `vec.as_slice()`.
///
/// ```
/// use sea_streamer_types::Buffer;
///
/// let bytes: &[u8] = b"hello";
/// assert_eq!(bytes.size(), 5);
/// assert_eq!(bytes.as_str().unwrap(), "hello");
/// assert_eq!(String::from("hi").into_bytes(), b"hi".to_vec());
/// ```
pub trait Buffer {
    /// Length in bytes.
    fn size(&self) -> usize;
    /// Converts into an owned byte vector (copying if borrowed).
    fn into_bytes(self) -> Vec<u8>;
    /// Borrows the bytes.
    fn as_bytes(&self) -> &[u8];
    /// Borrows the content as UTF-8 text, failing if it is not valid UTF-8.
    fn as_str(&self) -> Result<&str, std::str::Utf8Error>;
}

/// Either raw bytes or a string known to be valid UTF-8.
///
/// ```
/// use sea_streamer_types::BytesOrStr;
///
/// assert_eq!(BytesOrStr::Str("abc").len(), 3);
/// assert!(BytesOrStr::Bytes(&[]).is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BytesOrStr<'a> {
    /// Raw bytes, not necessarily UTF-8.
    Bytes(&'a [u8]),
    /// Valid UTF-8 text.
    Str(&'a str),
}

impl BytesOrStr<'_> {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Self::Bytes(b) => b.len(),
            Self::Str(s) => s.len(),
        }
    }

    /// Whether the content is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Conversion into [`BytesOrStr`]; implemented for `&str` and `&[u8]`.
///
/// ```
/// use sea_streamer_types::{BytesOrStr, IntoBytesOrStr};
///
/// assert_eq!("hi".into_bytes_or_str(), BytesOrStr::Str("hi"));
/// ```
pub trait IntoBytesOrStr<'a>
where
    Self: 'a,
{
    /// Performs the conversion.
    fn into_bytes_or_str(self) -> BytesOrStr<'a>;
}

impl<'a> IntoBytesOrStr<'a> for &'a str {
    fn into_bytes_or_str(self) -> BytesOrStr<'a> {
        BytesOrStr::Str(self)
    }
}

impl<'a> IntoBytesOrStr<'a> for &'a [u8] {
    fn into_bytes_or_str(self) -> BytesOrStr<'a> {
        BytesOrStr::Bytes(self)
    }
}

/// A borrowed view of a message body.
///
/// ```
/// use sea_streamer_types::{Buffer, Payload};
///
/// let payload = Payload::new("hello");
/// assert_eq!(payload.size(), 5);
/// assert_eq!(payload.as_str().unwrap(), "hello");
/// assert_eq!(Payload::default().size(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Payload<'a> {
    data: BytesOrStr<'a>,
}

impl<'a> Payload<'a> {
    /// Creates a payload from a `&str` or `&[u8]`.
    pub fn new<D: IntoBytesOrStr<'a>>(data: D) -> Self {
        Self {
            data: data.into_bytes_or_str(),
        }
    }

    /// Decodes the payload as JSON (feature `json`).
    ///
    /// ```
    /// # #[cfg(feature = "json")]
    /// # {
    /// use sea_streamer_types::Payload;
    ///
    /// let v: Vec<u32> = Payload::new("[1,2,3]").deserialize_json().unwrap();
    /// assert_eq!(v, vec![1, 2, 3]);
    /// # }
    /// ```
    #[cfg(feature = "json")]
    pub fn deserialize_json<D: serde::de::DeserializeOwned>(&self) -> Result<D, JsonErr> {
        Ok(serde_json::from_str(self.as_str()?)?)
    }
}

impl Default for Payload<'_> {
    fn default() -> Self {
        Self::new("")
    }
}

impl Buffer for Payload<'_> {
    fn size(&self) -> usize {
        self.data.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    fn as_bytes(&self) -> &[u8] {
        match self.data {
            BytesOrStr::Bytes(b) => b,
            BytesOrStr::Str(s) => s.as_bytes(),
        }
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        match self.data {
            BytesOrStr::Bytes(b) => std::str::from_utf8(b),
            BytesOrStr::Str(s) => Ok(s),
        }
    }
}

impl Buffer for &[u8] {
    fn size(&self) -> usize {
        self.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        self.to_vec()
    }

    fn as_bytes(&self) -> &[u8] {
        self
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(self)
    }
}

impl Buffer for &str {
    fn size(&self) -> usize {
        self.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    fn as_bytes(&self) -> &[u8] {
        str::as_bytes(self)
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        Ok(self)
    }
}

impl Buffer for String {
    fn size(&self) -> usize {
        self.len()
    }

    fn into_bytes(self) -> Vec<u8> {
        String::into_bytes(self)
    }

    fn as_bytes(&self) -> &[u8] {
        str::as_bytes(self)
    }

    fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        Ok(String::as_str(self))
    }
}
