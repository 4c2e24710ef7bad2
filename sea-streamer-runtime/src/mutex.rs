//! [`AsyncMutex`]: the runtime's async mutex.
//!
//! * tokio: `tokio::sync::Mutex`
//! * async-std: `async_std::sync::Mutex`
//! * smol: `smol::lock::Mutex`
//! * no runtime: `futures::lock::Mutex`, which needs no runtime at all.
//!
//! ```
//! use sea_streamer_runtime::AsyncMutex;
//!
//! async fn bump(m: &AsyncMutex<u32>) -> u32 {
//!     let mut guard = m.lock().await;
//!     *guard += 1;
//!     *guard
//! }
//! ```

if_tokio! {
    pub use tokio::sync::Mutex as AsyncMutex;
}

if_async_std! {
    pub use async_std::sync::Mutex as AsyncMutex;
}

if_smol! {
    pub use smol::lock::Mutex as AsyncMutex;
}

if_no_rt! {
    pub use futures::lock::Mutex as AsyncMutex;
}
