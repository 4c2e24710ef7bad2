//! The backend-agnostic conformance suite, run on the file backend directly (each scenario
//! on a fresh `.ss` file in the temp directory).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

use std::path::PathBuf;

use sea_streamer_conformance::{random_key, scenarios, Backend, Capabilities};
use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumer, FileConsumerOptions, FileId, FileStreamer,
};
use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, Streamer};

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

    fn capabilities(&self) -> Capabilities {
        Capabilities {
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
