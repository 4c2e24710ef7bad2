//! # sea-streamer-runtime
//!
//! A tiny shim that gives the same names and signatures over [tokio](https://tokio.rs),
//! [async-std](https://async.rs) or [smol](https://github.com/smol-rs/smol), so that the
//! other sea-streamer crates are runtime-agnostic.
//!
//! Pick exactly one runtime with a feature:
//!
//! | Feature | Runtime |
//! |---|---|
//! | `runtime-tokio` | tokio 1.x |
//! | `runtime-async-std` | async-std 1.x |
//! | `runtime-smol` | smol 2.x |
//! | `file` | also exposes the `file` module (async file I/O) |
//!
//! Enabling two runtimes at once is a compile error. With no runtime feature the crate
//! still builds, but the runtime-dependent items fail at run time (see below).
//!
//! ## Public items
//!
//! * [`AsyncMutex`]: an async mutex.
//! * [`sleep`]: sleep for a duration.
//! * [`spawn_task`] / [`spawn_blocking`] return a [`TaskHandle`]; awaiting it yields
//!   `Result<T, JoinError>` under every runtime. Dropping a [`TaskHandle`] detaches the
//!   task: it keeps running.
//! * [`timeout`] races a future against a deadline and fails with [`TimeoutError`].
//! * [`net::TcpStream`]: a client TCP connection (connect with a deadline, read, write,
//!   `TCP_NODELAY`), for backends that speak a wire protocol themselves.
//!
//! ## Differences from upstream 0.5.0
//!
//! * Under `runtime-async-std` and `runtime-smol` a task that panics resolves its
//!   [`TaskHandle`] to `Err(JoinError)` (as tokio does) instead of taking the process down.
//! * With no runtime feature, [`AsyncMutex`] is a working runtime-free mutex
//!   (`futures::lock::Mutex`) rather than a stub whose guard panics; the file stubs
//!   return an [`std::io::Error`] instead of calling `unimplemented!`.
//!
//! ## Example
//!
//! ```
//! use sea_streamer_runtime::{spawn_task, timeout, AsyncMutex};
//! use std::{sync::Arc, time::Duration};
//!
//! async fn count() -> Result<u32, Box<dyn std::error::Error>> {
//!     let counter = Arc::new(AsyncMutex::new(0u32));
//!     let c = counter.clone();
//!     let handle = spawn_task(async move {
//!         *c.lock().await += 1;
//!     });
//!     timeout(Duration::from_secs(5), handle).await??;
//!     let value = *counter.lock().await;
//!     Ok(value)
//! }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(all(feature = "runtime-async-std", feature = "runtime-tokio"))]
compile_error!("'runtime-async-std' and 'runtime-tokio' cannot be enabled at the same time");
#[cfg(all(feature = "runtime-smol", feature = "runtime-tokio"))]
compile_error!("'runtime-smol' and 'runtime-tokio' cannot be enabled at the same time");
#[cfg(all(feature = "runtime-smol", feature = "runtime-async-std"))]
compile_error!("'runtime-smol' and 'runtime-async-std' cannot be enabled at the same time");

/// Items compiled for tokio (wins if several runtimes are enabled, so that only the
/// `compile_error!` above is reported).
macro_rules! if_tokio {
    ($($item:item)*) => { $( #[cfg(feature = "runtime-tokio")] $item )* };
}

/// Items compiled for async-std.
macro_rules! if_async_std {
    ($($item:item)*) => {
        $( #[cfg(all(feature = "runtime-async-std", not(feature = "runtime-tokio")))] $item )*
    };
}

/// Items compiled for smol.
macro_rules! if_smol {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                feature = "runtime-smol",
                not(feature = "runtime-tokio"),
                not(feature = "runtime-async-std")
            ))]
            $item
        )*
    };
}

/// Items compiled when no runtime is selected.
macro_rules! if_no_rt {
    ($($item:item)*) => {
        $(
            #[cfg(not(any(
                feature = "runtime-tokio",
                feature = "runtime-async-std",
                feature = "runtime-smol"
            )))]
            $item
        )*
    };
}

/// Message used by every "no runtime" stub.
#[allow(dead_code)]
pub(crate) const NO_RUNTIME: &str = "Please enable a runtime feature of sea-streamer-runtime \
     (runtime-tokio, runtime-async-std or runtime-smol)";

mod mutex;
pub mod net;
mod sleep;
mod task;
mod timeout;

#[cfg(feature = "file")]
pub mod file;

pub use mutex::*;
pub use sleep::*;
pub use task::*;
pub use timeout::*;
