//! The backend-agnostic conformance scenarios, run on the Redis backend directly against
//! the test server (`SEA_STREAMER_TEST_REDIS`).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::server::PrivateRedis;
use sea_streamer_conformance::{scenarios, Backend, Capabilities, RewindRule};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumer, RedisConsumerOptions,
    RedisStreamer,
};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader,
};

/// Redis as seen by the conformance scenarios.
struct Redis {
    url: String,
    /// Whether group consumers create their stream when they subscribe (`MKSTREAM`). The
    /// scenarios that produce right after subscribing use it, as the socket's suite does;
    /// `consumer_before_stream` runs without it, so the stream really does not exist.
    mkstream: bool,
    /// A private `redis-server` child (killed and started again by the restart hook), or
    /// `None` for the shared test server, which is never restarted.
    server: Option<Mutex<PrivateRedis>>,
}

impl Redis {
    fn new(mkstream: bool) -> Option<Self> {
        Some(Self {
            url: common::url()?,
            mkstream,
            server: None,
        })
    }

    /// A private server with an append-only file (fsync always), for the restart scenario.
    fn private() -> Option<Self> {
        let server = PrivateRedis::start()?;
        Some(Self {
            url: server.url(),
            mkstream: true,
            server: Some(Mutex::new(server)),
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

    /// Group consumers acknowledge by hand (no `NOACK`, no automatic acks); LoadBalanced ones
    /// claim a closed member's pending entries after 2 s instead of a minute.
    fn acking_consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> RedisConsumerOptions {
        let mut options = self.consumer_options(mode, group);
        if mode != ConsumerMode::RealTime {
            options.set_auto_commit(AutoCommit::Disabled);
        }
        if mode == ConsumerMode::LoadBalanced {
            options
                .set_auto_claim_interval(Some(Duration::from_secs(1)))
                .set_auto_claim_idle(Duration::from_secs(2));
        }
        options
    }

    fn track(&self, consumer: &RedisConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::track(consumer, header).map_err(|e| e.to_string())
    }

    fn ack(&self, consumer: &RedisConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::ack(consumer, header).map_err(|e| e.to_string())
    }

    async fn commit_acked(&self, consumer: &RedisConsumer) -> Result<(), String> {
        Acknowledge::commit_acked(consumer)
            .await
            .map_err(|e| e.to_string())
    }

    /// Kills the private server (SIGKILL) and starts it again on the same port and data
    /// directory; the shared test server is never restarted.
    async fn restart(&self) -> Result<(), &'static str> {
        let server = self.server.as_ref().ok_or(
            "the shared test server is not restarted; the restart test runs on a private \
             redis-server",
        )?;
        server.lock().unwrap_or_else(|e| e.into_inner()).restart();
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            rewind: RewindRule::Exclusive,
            acknowledge: Ok(()),
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
scenario!(concurrent_consumers, true, |b| {
    scenarios::concurrent_consumers(b, 40)
});
scenario!(concurrent_streams, true, |b| {
    scenarios::concurrent_streams(b, 4, 20)
});
scenario!(consumer_closed_mid_stream, true, |b| {
    scenarios::consumer_closed_mid_stream(b, 20)
});
scenario!(consumers_closed_concurrently, true, |b| {
    scenarios::consumers_closed_concurrently(b, 20)
});
scenario!(producer_ended_mid_burst, true, |b| {
    scenarios::producer_ended_mid_burst(b, 100)
});
scenario!(streams_isolated, true, |b| scenarios::streams_isolated(
    b, 10
));
scenario!(new_consumer_earliest, true, |b| {
    scenarios::new_consumer_earliest(b, 10)
});
scenario!(continue_after_handler_error, true, |b| {
    scenarios::continue_after_handler_error(b, 12)
});

/// Restart on a private `redis-server` (append-only file, fsync always).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn restart() {
    let Some(redis) = Redis::private() else {
        return;
    };
    scenarios::restart(&redis, 20).await;
}

/// The whole suite `SEA_STREAMER_STRESS` times concurrently on the shared test server
/// (skipped when the variable is unset; the restart scenario opts out there).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn stress() {
    sea_streamer_conformance::stress::run(|_| Redis::new(true)).await;
}
