//! The backend-agnostic conformance scenarios against the real broker (tansu).

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::*;
use sea_streamer_conformance::backend::{Backend, Capabilities, RewindRule, SeekRule};
use sea_streamer_conformance::scenarios;
use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_types::{
    ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, StreamKey, StreamerUri,
};

/// Kafka as seen by the conformance scenarios.
struct Kafka {
    uri: StreamerUri,
    /// Whether the broker's timestamp lookup can be trusted.
    seek: SeekRule,
}

impl Kafka {
    fn tansu() -> Option<Self> {
        Some(Self {
            uri: broker()?,
            seek: SeekRule::Unsupported("tansu answers offsets_for_times wrongly"),
        })
    }
}

impl Backend for Kafka {
    type Streamer = KafkaStreamer;

    async fn connect(&self) -> KafkaStreamer {
        common::connect(&self.uri).await
    }

    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> KafkaConsumerOptions {
        let mut options = KafkaConsumerOptions::new(mode);
        options.set_auto_offset_reset(AutoOffsetReset::Earliest);
        quick_group(&mut options);
        match (mode, group) {
            (ConsumerMode::LoadBalanced, Some(group)) => {
                options.set_group_id(group);
            }
            // Resumable consumers use the host's group; a test's own group keeps tests apart.
            (ConsumerMode::Resumable, Some(group)) => {
                options.add_custom_option("group.id", group.name());
            }
            _ => {}
        }
        options
    }

    async fn prepare_stream(&self, _streamer: &KafkaStreamer, stream: &StreamKey) {
        create_topic(&self.uri, stream, 1).await;
    }

    async fn commit(
        &self,
        consumer: &mut KafkaConsumer,
        header: &MessageHeader,
    ) -> Result<(), String> {
        let next = header.sequence() + 1;
        consumer
            .commit(header.stream_key(), header.shard_id(), &next)
            .await
            .map_err(|e| e.to_string())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            load_balanced_splits_one_shard: false,
            rewind: RewindRule::Inclusive,
            seek: self.seek,
            ..Default::default()
        }
    }
}

macro_rules! scenario {
    ($name:ident, $call:expr) => {
        #[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
        #[cfg_attr(feature = "runtime-async-std", async_std::test)]
        async fn $name() {
            let Some(kafka) = Kafka::tansu() else { return };
            let _ = env_logger::try_init();
            #[allow(clippy::redundant_closure_call)]
            ($call)(&kafka).await;
        }
    };
}

scenario!(in_order, |b| scenarios::in_order(b, 100));
scenario!(two_realtime_consumers, |b| {
    scenarios::two_realtime_consumers(b, 20)
});
scenario!(load_balanced, |b| scenarios::load_balanced(b, 40));
scenario!(resumable, |b| scenarios::resumable(b, 10));
scenario!(seek_and_rewind, scenarios::seek_and_rewind);
scenario!(end_flushes, |b| scenarios::end_flushes(b, 50));
scenario!(typed_errors, scenarios::typed_errors);
scenario!(consumer_before_stream, |b| {
    scenarios::consumer_before_stream(b, 20)
});

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
#[ignore = "tansu answers offsets_for_times wrongly"]
async fn seek_at_or_after() {
    let Some(mut kafka) = Kafka::tansu() else {
        return;
    };
    kafka.seek = SeekRule::AtOrAfter;
    scenarios::seek_and_rewind(&kafka).await;
}
