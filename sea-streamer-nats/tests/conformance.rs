//! The backend-agnostic conformance scenarios, run on the NATS backend against the test
//! nats-server (`SEA_STREAMER_TEST_NATS`).

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::server::PrivateNats;

use sea_streamer_conformance::{scenarios, Backend, Capabilities};
use sea_streamer_nats::{
    AutoStreamReset, NatsConnectOptions, NatsConsumer, NatsConsumerOptions, NatsStreamer,
};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader,
};

/// NATS as seen by the conformance scenarios.
struct Nats {
    url: String,
    /// A private nats-server (file storage, restarted by the restart hook), or `None` for
    /// the shared test server, which is never restarted.
    server: Option<Mutex<PrivateNats>>,
}

impl Nats {
    fn new() -> Option<Self> {
        Some(Self {
            url: common::url()?,
            server: None,
        })
    }

    fn private() -> Option<Self> {
        let server = PrivateNats::start("")?;
        Some(Self {
            url: server.url(),
            server: Some(Mutex::new(server)),
        })
    }
}

impl Backend for Nats {
    type Streamer = NatsStreamer;

    async fn connect(&self) -> NatsStreamer {
        let mut options = NatsConnectOptions::default();
        // The private server keeps its streams in files, to live through the restart.
        options.set_memory_storage(self.server.is_none());
        common::connect(&self.url, options).await
    }

    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> NatsConsumerOptions {
        let mut options = NatsConsumerOptions::new(mode);
        options
            .set_auto_stream_reset(AutoStreamReset::Earliest)
            // A message lost with a member that went away unannounced goes to another
            // member within seconds, not the default 30 s.
            .set_ack_wait(Duration::from_secs(2));
        if mode == ConsumerMode::LoadBalanced {
            // Members pull two at a time, so a burst is shared out rather than taken whole
            // by whichever member's pull request the server saw first.
            options.set_batch_size(2);
        }
        if let Some(group) = group {
            options.set_consumer_group(group).expect("set group");
        }
        options
    }

    async fn commit(
        &self,
        consumer: &mut NatsConsumer,
        header: &MessageHeader,
    ) -> Result<(), String> {
        consumer.commit(header).await.map_err(|e| e.to_string())
    }

    fn track(&self, consumer: &NatsConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::track(consumer, header).map_err(|e| e.to_string())
    }

    fn ack(&self, consumer: &NatsConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::ack(consumer, header).map_err(|e| e.to_string())
    }

    async fn commit_acked(&self, consumer: &NatsConsumer) -> Result<(), String> {
        Acknowledge::commit_acked(consumer)
            .await
            .map_err(|e| e.to_string())
    }

    /// Kills the private server (SIGKILL) and starts it again on the same port and storage;
    /// the shared test server is never restarted.
    async fn restart(&self) -> Result<(), &'static str> {
        let server = self.server.as_ref().ok_or(
            "the shared test server is not restarted; the restart test runs on a private \
             nats-server",
        )?;
        server
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stop_and_start();
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        common::capabilities::nats_capabilities()
    }
}

macro_rules! scenario {
    ($name:ident, $call:expr) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            let Some(nats) = Nats::new() else {
                return;
            };
            #[allow(clippy::redundant_closure_call)]
            ($call)(&nats).await;
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
scenario!(concurrent_consumers, |b| scenarios::concurrent_consumers(
    b, 40
));
scenario!(concurrent_streams, |b| scenarios::concurrent_streams(
    b, 4, 20
));
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
/// Restart on a private nats-server (file storage, fsync on every write).
#[tokio::test(flavor = "multi_thread")]
async fn restart() {
    let Some(nats) = Nats::private() else {
        return;
    };
    scenarios::restart(&nats, 10).await;
}
