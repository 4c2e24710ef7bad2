//! Timeout on async-std: async-std's own `timeout` and `TimeoutError`.

pub use async_std::future::{timeout, TimeoutError};
