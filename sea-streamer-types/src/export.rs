//! Re-exports of the crates that appear in the public API, so downstream code can use
//! the exact same versions.

pub use futures;
pub use time;
pub use url;
