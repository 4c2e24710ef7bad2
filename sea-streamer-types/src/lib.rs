//! # sea-streamer-types
//!
//! Backend-agnostic traits and value types of sea-streamer. This crate performs no I/O.
//!
//! # Differences from upstream 0.5.2
//!
//! - An empty stream key is rejected: `StreamKey::new("")` returns
//!   [`StreamKeyErr::InvalidStreamKey`] and `is_valid_stream_key("")` is `false`, as the
//!   error text (`{1, 249}`) always said. Stream URLs such as `stdio:///` still parse,
//!   because empty pieces of a stream list are dropped before validation.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod consumer;
mod error;
mod message;
mod options;
mod producer;
mod stream;
mod streamer;

pub mod export;

pub use consumer::*;
pub use error::*;
pub use message::*;
pub use options::*;
pub use producer::*;
pub use stream::*;
pub use streamer::*;
