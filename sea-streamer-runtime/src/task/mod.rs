//! Spawning tasks: [`spawn_task`], [`spawn_blocking`], [`TaskHandle`] and [`JoinError`].
//!
//! Under every runtime, awaiting a [`TaskHandle<T>`] yields `Result<T, JoinError>`, and
//! dropping a [`TaskHandle`] detaches the task instead of cancelling it.
//!
//! ```
//! use sea_streamer_runtime::{spawn_blocking, spawn_task};
//!
//! async fn demo() {
//!     let a = spawn_task(async { 20 + 1 });
//!     let b = spawn_blocking(|| 2 * 10 + 1);
//!     assert_eq!(a.await.unwrap(), b.await.unwrap());
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
