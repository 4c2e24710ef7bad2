//! [`FileId`]: the path of a `.ss` file, the key of the process-wide reader and writer registries,
//! and how a path is written in (and read back from) a `file://` URI.
//!
//! A `file://` URI carries its path percent-encoded: URL parsing turns a space into `%20` and
//! `ü` into `%C3%BC`. The path of a URI is therefore decoded exactly once, when a streamer
//! connects ([`path_of_uri_text`]), so `file:///tmp/sp ace.ss` and `file:///tmp/sp%20ace.ss`
//! both name the file `/tmp/sp ace.ss`; and [`FileId::to_streamer_uri`] encodes what decoding
//! would change (`%`) or what the URI syntax would split or drop (spaces, `,`, `?`, `#`,
//! control and non-ASCII characters), so a `FileId` survives the round trip.

use sea_streamer_types::{StreamUrlErr, StreamerUri};
use std::{str::FromStr, sync::Arc};

/// The path of a `.ss` file. Two spellings of one file are two different ids.
///
/// ```
/// use sea_streamer_file::FileId;
/// let id = FileId::new("/tmp/a.ss");
/// assert_eq!(id.path(), "/tmp/a.ss");
/// assert_eq!(id.to_string(), "/tmp/a.ss");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId {
    path: Arc<String>,
}

impl FileId {
    /// Wrap a path.
    pub fn new<T: Into<String>>(path: T) -> Self {
        Self {
            path: Arc::new(path.into()),
        }
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The streamer URI `file://{path}`, the path percent-encoded where needed so that
    /// connecting to the URI opens this very path (spaces, `%`, `,`, `?`, `#`, control and
    /// non-ASCII characters are encoded; upstream wrote the path as is).
    ///
    /// ```
    /// use sea_streamer_file::FileId;
    /// let id = FileId::new("/tmp/ünew file.ss");
    /// let uri = id.to_streamer_uri().unwrap();
    /// assert_eq!(uri.nodes()[0].as_str(), "file:///tmp/%C3%BCnew%20file.ss");
    /// ```
    pub fn to_streamer_uri(&self) -> Result<StreamerUri, StreamUrlErr> {
        format!("file://{}", encode_path(&self.path)).parse()
    }
}

impl std::fmt::Display for FileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path)
    }
}

impl FromStr for FileId {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

/// Percent-encodes the bytes of `path` that a `file://` URI cannot carry as they are.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_graphic() && !matches!(b, b'%' | b',' | b'?' | b'#');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of an ASCII hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The file path written in the text of a `file://` URI node (`file://` already removed):
/// every `%XX` escape is decoded once; a `%` not followed by two hex digits stays as it is.
/// `Err` if the decoded bytes are not UTF-8.
pub(crate) fn path_of_uri_text(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h << 4) | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_once() {
        let decode = |s: &str| path_of_uri_text(s).unwrap();
        assert_eq!(decode("/tmp/sp%20ace.ss"), "/tmp/sp ace.ss");
        assert_eq!(decode("/tmp/%C3%BCnew%20file.ss"), "/tmp/ünew file.ss");
        assert_eq!(decode("/tmp/a%2520b"), "/tmp/a%20b");
        assert_eq!(decode("./100%.ss"), "./100%.ss");
        assert_eq!(decode("/x%2"), "/x%2");
        assert_eq!(decode("/x%zz%"), "/x%zz%");
        assert!(path_of_uri_text("/x%FF").is_err());
    }

    #[test]
    fn encoding_round_trips() {
        for path in [
            "/tmp/plain.ss",
            "./rel/a.ss",
            "/tmp/sp ace.ss",
            "/tmp/ünew file.ss",
            "/tmp/100%.ss",
            "/tmp/a%20b.ss",
            "/tmp/a,b?c#d.ss",
            "/tmp/tab\there.ss",
        ] {
            let encoded = encode_path(path);
            assert!(encoded.is_ascii() && !encoded.contains(' '), "{encoded}");
            assert_eq!(path_of_uri_text(&encoded).unwrap(), path);
        }
    }
}
