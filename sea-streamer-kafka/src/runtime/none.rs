//! The placeholder runtime used when no runtime feature is enabled.

use rdkafka::util::AsyncRuntime;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A runtime that cannot run anything: enable `runtime-tokio`, `runtime-async-std` or
/// `runtime-smol`.
///
/// The crate never reaches it: without a runtime, [`KafkaStreamer::connect`](crate::KafkaStreamer)
/// already fails with `StreamErr::Runtime`. Used directly with rdkafka, it panics with
/// `Please enable a runtime`.
#[derive(Debug)]
pub struct NoRuntime;

impl AsyncRuntime for NoRuntime {
    type Delay = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn spawn<T>(_: T)
    where
        T: Future<Output = ()> + Send + 'static,
    {
        panic!("Please enable a runtime");
    }

    fn delay_for(_: Duration) -> Self::Delay {
        panic!("Please enable a runtime");
    }
}
