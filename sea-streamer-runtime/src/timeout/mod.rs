//! [`timeout`]: race a future against a deadline; [`TimeoutError`] when the deadline wins.
//!
//! ```
//! use sea_streamer_runtime::timeout;
//! use std::time::Duration;
//!
//! async fn demo() {
//!     let fast = timeout(Duration::from_secs(1), async { 7 }).await;
//!     assert_eq!(fast.unwrap(), 7);
//! }
//! ```

if_tokio! {
    mod tokio;
    pub use self::tokio::*;
}

if_async_std! {
    mod async_std;
    pub use self::async_std::*;
}

if_smol! {
    mod smol;
    pub use self::smol::*;
}

if_no_rt! {
    mod no_rt;
    pub use self::no_rt::*;
}
