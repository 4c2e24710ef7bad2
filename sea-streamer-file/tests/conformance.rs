//! The backend-agnostic conformance suite, run on the file backend directly (each scenario
//! on a fresh `.ss` file in the temp directory).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

use std::path::PathBuf;

use sea_streamer_conformance::{random_key, scenarios, Backend, Capabilities};
use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumer, FileConsumerOptions, FileId, FileStreamer,
};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, Streamer,
};

struct File {
    path: PathBuf,
}

impl File {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("{}.ss", random_key("conformance")));
        Self { path }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        if let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) {
            // Commit sidecars are named after the file.
            let prefix = name.to_string_lossy().into_owned();
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.flatten() {
                    if entry.file_name().to_string_lossy().starts_with(&prefix) {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
        }
    }
}

impl Backend for File {
    type Streamer = FileStreamer;

    async fn connect(&self) -> FileStreamer {
        let mut options = FileConnectOptions::default();
        options.set_create_if_not_exists(true);
        let uri = FileId::new(self.path.to_string_lossy())
            .to_streamer_uri()
            .expect("file URI");
        FileStreamer::connect(uri, options)
            .await
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.path.display()))
    }

    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> FileConsumerOptions {
        let mut options = FileConsumerOptions::new(mode);
        options.set_auto_stream_reset(AutoStreamReset::Earliest);
        if let Some(group) = group {
            options.set_consumer_group(group).expect("set group");
        }
        options
    }

    async fn commit(&self, consumer: &mut FileConsumer, _: &MessageHeader) -> Result<(), String> {
        consumer.commit().await.map_err(|e| e.to_string())
    }

    fn track(&self, consumer: &FileConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::track(consumer, header).map_err(|e| e.to_string())
    }

    fn ack(&self, consumer: &FileConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::ack(consumer, header).map_err(|e| e.to_string())
    }

    async fn commit_acked(&self, consumer: &FileConsumer) -> Result<(), String> {
        Acknowledge::commit_acked(consumer)
            .await
            .map_err(|e| e.to_string())
    }

    /// A file has no server: the restart scenario has already dropped the reader, and
    /// connects a new streamer (a new reader of the file) after this returns, which must
    /// resume from the committed position; the producer goes on writing.
    async fn restart(&self) -> Result<(), &'static str> {
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            acknowledge: Ok(()),
            assign: Err("the file backend has no manual shard assignment (as upstream)"),
            ..Capabilities::default()
        }
    }
}

macro_rules! scenario {
    ($name:ident, $run:expr) => {
        #[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
        #[cfg_attr(feature = "runtime-async-std", async_std::test)]
        async fn $name() {
            let file = File::new();
            let run = $run;
            run(&file).await;
        }
    };
}

scenario!(in_order, |b| scenarios::in_order(b, 200));
scenario!(two_realtime_consumers, |b| {
    scenarios::two_realtime_consumers(b, 50)
});
scenario!(load_balanced, |b| scenarios::load_balanced(b, 60));
scenario!(resumable, |b| scenarios::resumable(b, 10));
scenario!(seek_and_rewind, scenarios::seek_and_rewind);
scenario!(end_flushes, |b| scenarios::end_flushes(b, 100));
scenario!(typed_errors, scenarios::typed_errors);
scenario!(consumer_before_stream, |b| {
    scenarios::consumer_before_stream(b, 50)
});
scenario!(concurrent_consumers, |b| {
    scenarios::concurrent_consumers(b, 60)
});
scenario!(concurrent_streams, |b| {
    scenarios::concurrent_streams(b, 4, 30)
});
scenario!(consumer_closed_mid_stream, |b| {
    scenarios::consumer_closed_mid_stream(b, 40)
});
scenario!(consumers_closed_concurrently, |b| {
    scenarios::consumers_closed_concurrently(b, 40)
});
scenario!(producer_ended_mid_burst, |b| {
    scenarios::producer_ended_mid_burst(b, 200)
});
scenario!(streams_isolated, |b| scenarios::streams_isolated(b, 20));
scenario!(new_consumer_earliest, |b| {
    scenarios::new_consumer_earliest(b, 20)
});
scenario!(continue_after_handler_error, |b| {
    scenarios::continue_after_handler_error(b, 30)
});
scenario!(restart, |b| scenarios::restart(b, 40));

/// The whole suite `SEA_STREAMER_STRESS` times concurrently, each copy on its own file
/// (skipped when the variable is unset).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn stress() {
    sea_streamer_conformance::stress::run(|_| Some(File::new())).await;
}
