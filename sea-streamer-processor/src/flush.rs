//! Producers the runner flushes before it returns, whatever their backend.

use futures::future::BoxFuture;
use futures::FutureExt;
use sea_streamer_types::Producer;

/// A producer, type-erased down to `flush`.
pub(crate) trait Flush: Send {
    /// Flushes; the error as text.
    fn flush(&mut self) -> BoxFuture<'_, Result<(), String>>;
}

impl<P: Producer + 'static> Flush for P {
    fn flush(&mut self) -> BoxFuture<'_, Result<(), String>> {
        async move { Producer::flush(self).await.map_err(|e| e.to_string()) }.boxed()
    }
}

/// Flushes every producer; the first error, after trying all of them.
pub(crate) async fn flush_all(producers: &mut [Box<dyn Flush + '_>]) -> Result<(), String> {
    let mut first = Ok(());
    for producer in producers.iter_mut() {
        if let Err(e) = producer.flush().await {
            if first.is_ok() {
                first = Err(e);
            }
        }
    }
    first
}
