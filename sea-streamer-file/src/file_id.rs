//! [`FileId`]: the path of a `.ss` file, the key of the process-wide reader and writer registries.

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

    /// The streamer URI `file://{path}`.
    pub fn to_streamer_uri(&self) -> Result<StreamerUri, StreamUrlErr> {
        format!("file://{}", self.path).parse()
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
