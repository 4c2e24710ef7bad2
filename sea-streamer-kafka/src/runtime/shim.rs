//! rdkafka's [`AsyncRuntime`] over `sea-streamer-runtime`'s `spawn_task` and `sleep`, for the
//! runtimes rdkafka has no built-in support for (async-std, smol).

use rdkafka::util::AsyncRuntime;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed timer future, as rdkafka needs a nameable `Delay` type.
pub type Delay = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Spawns `task` detached on the runtime selected in `sea-streamer-runtime`.
fn spawn_detached<T>(task: T)
where
    T: Future<Output = ()> + Send + 'static,
{
    // Dropping the handle detaches the task; it keeps running.
    drop(sea_streamer_runtime::spawn_task(task));
}

/// A timer of the runtime selected in `sea-streamer-runtime`.
fn delay(duration: Duration) -> Delay {
    Box::pin(sea_streamer_runtime::sleep(duration))
}

/// rdkafka's async runtime backed by async-std (through `sea-streamer-runtime`).
#[cfg(feature = "runtime-async-std")]
#[derive(Debug)]
pub struct AsyncStdRuntime;

#[cfg(feature = "runtime-async-std")]
impl AsyncRuntime for AsyncStdRuntime {
    type Delay = Delay;

    fn spawn<T>(task: T)
    where
        T: Future<Output = ()> + Send + 'static,
    {
        spawn_detached(task)
    }

    fn delay_for(duration: Duration) -> Self::Delay {
        delay(duration)
    }
}

/// rdkafka's async runtime backed by smol (through `sea-streamer-runtime`).
#[cfg(feature = "runtime-smol")]
#[derive(Debug)]
pub struct SmolRuntime;

#[cfg(feature = "runtime-smol")]
impl AsyncRuntime for SmolRuntime {
    type Delay = Delay;

    fn spawn<T>(task: T)
    where
        T: Future<Output = ()> + Send + 'static,
    {
        spawn_detached(task)
    }

    fn delay_for(duration: Duration) -> Self::Delay {
        delay(duration)
    }
}
