//! Running a blocking librdkafka call on the runtime's blocking thread pool.

use crate::error::{join_err, stream_err};
use crate::{KafkaErr, KafkaResult};

/// Runs `job` (a blocking rdkafka call) on a blocking thread and awaits its result.
///
/// rdkafka errors become [`StreamErr::Backend`](sea_streamer_types::StreamErr::Backend);
/// a failed join (a panicking job, or no runtime enabled) becomes
/// [`StreamErr::Runtime`](sea_streamer_types::StreamErr::Runtime).
pub(crate) async fn run_blocking<F, T>(job: F) -> KafkaResult<T>
where
    F: FnOnce() -> Result<T, KafkaErr> + Send + 'static,
    T: Send + 'static,
{
    match sea_streamer_runtime::spawn_blocking(job).await {
        Ok(result) => result.map_err(stream_err),
        Err(e) => Err(join_err(e)),
    }
}
