//! The [`rdkafka::util::AsyncRuntime`] used by the producer and consumer, chosen by feature:
//! tokio's own (`runtime-tokio`), one over `sea-streamer-runtime` (`runtime-async-std`,
//! `runtime-smol`), or one that refuses to run (no runtime feature).

#[cfg(all(
    not(feature = "runtime-tokio"),
    any(feature = "runtime-async-std", feature = "runtime-smol")
))]
mod shim;

#[cfg(not(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
)))]
mod none;

/// The runtime type parameter of [`RawProducer`](crate::RawProducer) and
/// [`RawConsumer`](crate::RawConsumer): rdkafka's `TokioRuntime` under `runtime-tokio`.
#[cfg(feature = "runtime-tokio")]
pub use rdkafka::util::TokioRuntime as KafkaAsyncRuntime;

/// The runtime type parameter of [`RawProducer`](crate::RawProducer) and
/// [`RawConsumer`](crate::RawConsumer): tasks and timers of async-std.
#[cfg(all(not(feature = "runtime-tokio"), feature = "runtime-async-std"))]
pub use shim::AsyncStdRuntime as KafkaAsyncRuntime;

/// The runtime type parameter of [`RawProducer`](crate::RawProducer) and
/// [`RawConsumer`](crate::RawConsumer): tasks and timers of smol.
#[cfg(all(
    not(feature = "runtime-tokio"),
    not(feature = "runtime-async-std"),
    feature = "runtime-smol"
))]
pub use shim::SmolRuntime as KafkaAsyncRuntime;

/// The runtime type parameter of [`RawProducer`](crate::RawProducer) and
/// [`RawConsumer`](crate::RawConsumer) when no runtime feature is enabled.
#[cfg(not(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
)))]
pub use none::NoRuntime as KafkaAsyncRuntime;
