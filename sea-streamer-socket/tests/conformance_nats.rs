//! The backend-agnostic conformance scenarios on NATS JetStream through `SeaStreamer`: the
//! shared test nats-server (`SEA_STREAMER_TEST_NATS`; skipped with a printed reason when it
//! is unset, a failure under `SEA_STREAMER_REQUIRE_SERVICES=1`), and a private nats-server
//! for the restart scenario. The settings and opt-outs are those of the direct run,
//! `sea-streamer-nats/tests/conformance.rs`.
#![cfg(all(feature = "backend-nats", feature = "runtime-tokio"))]

#[allow(dead_code)]
#[path = "../../sea-streamer-nats/tests/common/server.rs"]
mod server;

#[path = "../../sea-streamer-nats/tests/common/capabilities.rs"]
mod capabilities;

use std::{sync::Mutex, time::Duration};

use sea_streamer_conformance::{scenarios, Backend as Conformance, Capabilities};
use sea_streamer_socket::{
    Backend, SeaConnectOptions, SeaConsumer, SeaConsumerOptions, SeaStreamReset, SeaStreamer,
    SeaStreamerBackend,
};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, Streamer, StreamerUri,
};

/// NATS reached through the socket.
struct SeaNats {
    uri: StreamerUri,
    /// A private nats-server (file storage, restarted by the restart hook), or `None` for
    /// the shared test server, which is never restarted.
    server: Option<Mutex<server::PrivateNats>>,
}

impl SeaNats {
    /// The shared test server, or `None` (reason printed) when it is not configured.
    fn shared() -> Option<Self> {
        let url = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_NATS")?;
        Some(Self {
            uri: url.parse().expect("SEA_STREAMER_TEST_NATS is a valid URI"),
            server: None,
        })
    }

    /// A private nats-server, for the restart scenario.
    fn private() -> Option<Self> {
        let server = server::PrivateNats::start("")?;
        Some(Self {
            uri: server.url().parse().expect("private server URI"),
            server: Some(Mutex::new(server)),
        })
    }
}

impl Conformance for SeaNats {
    type Streamer = SeaStreamer;

    async fn connect(&self) -> SeaStreamer {
        let mut options = SeaConnectOptions::default();
        // The private server keeps its streams in files, to live through the restart.
        let memory = self.server.is_none();
        options.set_nats_connect_options(|o| {
            o.set_memory_storage(memory);
        });
        let streamer = SeaStreamer::connect(self.uri.clone(), options)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.uri));
        assert_eq!(
            streamer.backend(),
            Backend::Nats,
            "wrong backend for the URI"
        );
        streamer
    }

    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> SeaConsumerOptions {
        let mut options = SeaConsumerOptions::new(mode);
        options.set_auto_stream_reset(SeaStreamReset::Earliest);
        options.set_nats_consumer_options(|o| {
            // A message lost with a member that went away unannounced goes to another member
            // within seconds, not the default 30 s.
            o.set_ack_wait(Duration::from_secs(2));
            if mode == ConsumerMode::LoadBalanced {
                // Members pull two at a time, so a burst is shared out rather than taken
                // whole by whichever member's pull request the server saw first.
                o.set_batch_size(2);
            }
        });
        if let Some(group) = group {
            options
                .set_consumer_group(group)
                .expect("set_consumer_group");
        }
        options
    }

    async fn commit(
        &self,
        consumer: &mut SeaConsumer,
        header: &MessageHeader,
    ) -> Result<(), String> {
        let nats = consumer.get_nats().ok_or("not a NATS consumer")?;
        nats.commit(header).await.map_err(|e| e.to_string())
    }

    fn track(&self, consumer: &SeaConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::track(consumer, header).map_err(|e| e.to_string())
    }

    fn ack(&self, consumer: &SeaConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::ack(consumer, header).map_err(|e| e.to_string())
    }

    async fn commit_acked(&self, consumer: &SeaConsumer) -> Result<(), String> {
        Acknowledge::commit_acked(consumer)
            .await
            .map_err(|e| e.to_string())
    }

    /// Stops the private server (SIGTERM) and starts it again on the same port and storage;
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
        capabilities::nats_capabilities()
    }
}

/// One test per scenario on the shared server (skipped when it is not configured).
macro_rules! scenario {
    ($name:ident, $call:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(nats) = SeaNats::shared() else {
                return;
            };
            #[allow(clippy::redundant_closure_call)]
            ($call)(&nats).await;
        }
    };
}

scenario!(nats_in_order, |b| scenarios::in_order(b, 100));
scenario!(nats_two_realtime_consumers, |b| {
    scenarios::two_realtime_consumers(b, 20)
});
scenario!(nats_load_balanced, |b| scenarios::load_balanced(b, 40));
scenario!(nats_resumable, |b| scenarios::resumable(b, 10));
scenario!(nats_seek_and_rewind, scenarios::seek_and_rewind);
scenario!(nats_end_flushes, |b| scenarios::end_flushes(b, 50));
scenario!(nats_typed_errors, scenarios::typed_errors);
scenario!(nats_consumer_before_stream, |b| {
    scenarios::consumer_before_stream(b, 20)
});
scenario!(nats_concurrent_consumers, |b| {
    scenarios::concurrent_consumers(b, 40)
});
scenario!(nats_concurrent_streams, |b| {
    scenarios::concurrent_streams(b, 4, 20)
});
scenario!(nats_consumer_closed_mid_stream, |b| {
    scenarios::consumer_closed_mid_stream(b, 20)
});
scenario!(nats_consumers_closed_concurrently, |b| {
    scenarios::consumers_closed_concurrently(b, 20)
});
scenario!(nats_producer_ended_mid_burst, |b| {
    scenarios::producer_ended_mid_burst(b, 100)
});
scenario!(nats_streams_isolated, |b| scenarios::streams_isolated(
    b, 10
));
scenario!(nats_new_consumer_earliest, |b| {
    scenarios::new_consumer_earliest(b, 10)
});
scenario!(nats_continue_after_handler_error, |b| {
    scenarios::continue_after_handler_error(b, 12)
});

/// Restart on a private nats-server (file storage, fsync on every write), stopped with
/// SIGTERM and started again, as in the direct run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restart() {
    let Some(nats) = SeaNats::private() else {
        return;
    };
    scenarios::restart(&nats, 10).await;
}
