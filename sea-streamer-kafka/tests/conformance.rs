//! The backend-agnostic conformance scenarios against the real broker (tansu).

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;
#[path = "support/mock_cluster.rs"]
mod mock_cluster;

use common::*;
use mock_cluster::{Mock, MockCommand};
use sea_streamer_conformance::backend::{Backend, Capabilities, RewindRule, SeekRule};
use sea_streamer_conformance::scenarios;
use sea_streamer_kafka::{AutoOffsetReset, KafkaConsumer, KafkaConsumerOptions, KafkaStreamer};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, StreamKey,
    StreamerUri,
};

/// Kafka as seen by the conformance scenarios.
struct Kafka {
    uri: StreamerUri,
    /// Whether the broker's timestamp lookup can be trusted.
    seek: SeekRule,
    /// librdkafka's mock cluster when that is the target (it can be restarted), `None` for
    /// tansu (which keeps its data in memory: a restart would lose everything).
    mock: Option<Mock>,
}

impl Kafka {
    fn tansu() -> Option<Self> {
        Some(Self {
            uri: broker()?,
            seek: SeekRule::Unsupported("tansu answers offsets_for_times wrongly"),
            mock: None,
        })
    }

    /// A mock cluster of one broker, for the restart scenario.
    fn mock() -> Self {
        let mock = Mock::start();
        Self {
            uri: format!("kafka://{}", mock.servers)
                .parse()
                .expect("mock cluster URI"),
            seek: SeekRule::Unsupported("the mock cluster has no timestamp lookup"),
            mock: Some(mock),
        }
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
        if self.mock.is_some() {
            // The mock broker evicts a member silent for the session timeout, even while it
            // waits for its join (3 s initial delay): keep it above that.
            options
                .set_session_timeout(std::time::Duration::from_secs(6))
                .add_custom_option("heartbeat.interval.ms", "500");
        } else {
            quick_group(&mut options);
        }
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
        match &self.mock {
            Some(mock) => mock
                .run(MockCommand::CreateTopic(stream.name().to_owned()))
                .expect("create a topic on the mock cluster"),
            None => create_topic(&self.uri, stream, 1).await,
        }
    }

    /// Group consumers commit only what `commit_acked` commits (no auto commit).
    fn acking_consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> KafkaConsumerOptions {
        let mut options = self.consumer_options(mode, group);
        if mode != ConsumerMode::RealTime {
            options.set_enable_auto_commit(false);
        }
        options
    }

    fn track(&self, consumer: &KafkaConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::track(consumer, header).map_err(|e| e.to_string())
    }

    fn ack(&self, consumer: &KafkaConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::ack(consumer, header).map_err(|e| e.to_string())
    }

    async fn commit_acked(&self, consumer: &KafkaConsumer) -> Result<(), String> {
        Acknowledge::commit_acked(consumer)
            .await
            .map_err(|e| e.to_string())
    }

    /// The mock cluster's broker goes down and up again; tansu is not restarted.
    async fn restart(&self) -> Result<(), &'static str> {
        let mock = self.mock.as_ref().ok_or(
            "tansu runs on memory storage here, so a restart would lose everything; the \
             restart test runs on librdkafka's mock cluster",
        )?;
        mock.run(MockCommand::Restart)
            .unwrap_or_else(|e| panic!("restarting the mock broker failed: {e}"));
        Ok(())
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
            acknowledge: Ok(()),
            regroup: match self.mock {
                Some(_) => Ok(()),
                None => Err(
                    "tansu: after every member of a group was closed at once, a new \
                     member receives nothing within the suite's wait (it does on the mock \
                     cluster, see consumers_closed_concurrently_mock)",
                ),
            },
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

scenario!(concurrent_consumers, |b| {
    scenarios::concurrent_consumers(b, 30)
});
scenario!(concurrent_streams, |b| {
    scenarios::concurrent_streams(b, 4, 20)
});
scenario!(consumer_closed_mid_stream, |b| {
    scenarios::consumer_closed_mid_stream(b, 20)
});
scenario!(consumers_closed_concurrently, |b| {
    scenarios::consumers_closed_concurrently(b, 20)
});
scenario!(producer_ended_mid_burst, |b| {
    scenarios::producer_ended_mid_burst(b, 100)
});
scenario!(streams_isolated, |b| scenarios::streams_isolated(b, 10));
scenario!(new_consumer_earliest, |b| {
    scenarios::new_consumer_earliest(b, 10)
});
scenario!(continue_after_handler_error, |b| {
    scenarios::continue_after_handler_error(b, 12)
});

/// Restart on librdkafka's mock cluster (tansu keeps its data in memory here).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn restart() {
    let _ = env_logger::try_init();
    scenarios::restart(&Kafka::mock(), 20).await;
}

/// The whole suite `SEA_STREAMER_STRESS` times concurrently on tansu (skipped when the
/// variable is unset; the restart scenario opts out there).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn stress() {
    sea_streamer_conformance::stress::run(|_| Kafka::tansu()).await;
}

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

/// Consumers closed concurrently on librdkafka's mock cluster, where a new member of the
/// group is served afterwards (tansu opts out of that part).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn consumers_closed_concurrently_mock() {
    let _ = env_logger::try_init();
    scenarios::consumers_closed_concurrently(&Kafka::mock(), 20).await;
}
