//! Assertions derived from the example tables of the sea-streamer-types specification.

mod error;
mod message;
mod payload;
mod serde;
mod stream_key;
mod timestamp;
mod traits;
mod url;
