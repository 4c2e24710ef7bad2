//! The backend-agnostic conformance scenarios, run on the Redis backend directly against
//! the test server (`SEA_STREAMER_TEST_REDIS`).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use sea_streamer_conformance::{scenarios, Backend, Capabilities, RewindRule};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumer, RedisConsumerOptions,
    RedisStreamer,
};
use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader};

/// Redis as seen by the conformance scenarios.
struct Redis {
    url: String,
    /// Whether group consumers create their stream when they subscribe (`MKSTREAM`). The
    /// scenarios that produce right after subscribing use it, as the socket's suite does;
    /// `consumer_before_stream` runs without it, so the stream really does not exist.
    mkstream: bool,
}

impl Redis {
    fn new(mkstream: bool) -> Option<Self> {
        Some(Self {
            url: common::url()?,
            mkstream,
        })
    }
}

impl Backend for Redis {
    type Streamer = RedisStreamer;

    async fn connect(&self) -> RedisStreamer {
        common::connect(&self.url, RedisConnectOptions::default()).await
    }

    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> RedisConsumerOptions {
        let mut options = RedisConsumerOptions::new(mode);
        options
            .set_auto_stream_reset(AutoStreamReset::Earliest)
            .set_mkstream(self.mkstream);
        if mode == ConsumerMode::Resumable {
            // Each read fetches one entry and acknowledges it, so everything delivered is
            // committed; `commit` below only adds an explicit ack.
            options
                .set_auto_commit(AutoCommit::Immediate)
                .set_batch_size(1);
        }
        if let Some(group) = group {
            options.set_consumer_group(group).expect("set group");
        }
        options
    }

    async fn commit(
        &self,
        consumer: &mut RedisConsumer,
        header: &MessageHeader,
    ) -> Result<(), String> {
        let id = (
            header.stream_key().clone(),
            *header.shard_id(),
            *header.sequence(),
        );
        consumer.ack_with(&id).map_err(|e| e.to_string())?;
        consumer
            .commit()
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            rewind: RewindRule::Exclusive,
            ..Capabilities::default()
        }
    }
}

macro_rules! scenario {
    ($name:ident, $mkstream:expr, $call:expr) => {
        #[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
        #[cfg_attr(feature = "runtime-async-std", async_std::test)]
        async fn $name() {
            let Some(redis) = Redis::new($mkstream) else {
                return;
            };
            #[allow(clippy::redundant_closure_call)]
            ($call)(&redis).await;
        }
    };
}

scenario!(in_order, true, |b| scenarios::in_order(b, 100));
scenario!(two_realtime_consumers, true, |b| {
    scenarios::two_realtime_consumers(b, 20)
});
scenario!(load_balanced, true, |b| scenarios::load_balanced(b, 40));
scenario!(resumable, true, |b| scenarios::resumable(b, 10));
scenario!(seek_and_rewind, true, scenarios::seek_and_rewind);
scenario!(end_flushes, true, |b| scenarios::end_flushes(b, 50));
scenario!(typed_errors, true, scenarios::typed_errors);
scenario!(consumer_before_stream, false, |b| {
    scenarios::consumer_before_stream(b, 20)
});
