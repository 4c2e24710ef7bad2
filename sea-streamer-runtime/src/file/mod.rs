//! Async file I/O (feature `file`): [`File`], [`OpenOptions`], the extension traits
//! [`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncSeekExt`], and [`SeekFrom`].
//!
//! | Item | tokio | async-std | smol |
//! |---|---|---|---|
//! | `File`, `OpenOptions` | `tokio::fs` | `async_std::fs` | `smol::fs` (async-fs) |
//! | `AsyncReadExt` | `tokio::io::AsyncReadExt` | `async_std::io::ReadExt` | `smol::io::AsyncReadExt` |
//! | `AsyncWriteExt` | `tokio::io::AsyncWriteExt` | `async_std::io::WriteExt` | `smol::io::AsyncWriteExt` |
//! | `AsyncSeekExt` | `tokio::io::AsyncSeekExt` | `async_std::io::prelude::SeekExt` | `smol::io::AsyncSeekExt` |
//!
//! With no runtime, the items are stubs whose operations fail with an [`std::io::Error`].
//!
//! ```
//! use sea_streamer_runtime::file::{AsyncSeekExt, AsyncWriteExt, OpenOptions, SeekFrom};
//!
//! async fn append(path: &str) -> std::io::Result<u64> {
//!     let mut file = OpenOptions::new().write(true).create(true).open(path).await?;
//!     let end = file.seek(SeekFrom::End(0)).await?;
//!     file.write_all(b"hello").await?;
//!     file.flush().await?;
//!     Ok(end)
//! }
//! ```

pub use std::io::SeekFrom;

if_tokio! {
    pub use tokio::fs::{File, OpenOptions};
    pub use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
}

if_async_std! {
    pub use async_std::fs::{File, OpenOptions};
    pub use async_std::io::{ReadExt as AsyncReadExt, WriteExt as AsyncWriteExt};
    pub use async_std::io::prelude::SeekExt as AsyncSeekExt;
}

if_smol! {
    pub use smol::fs::{File, OpenOptions};
    pub use smol::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
}

if_no_rt! {
    mod no_rt;
    pub use self::no_rt::*;
}
