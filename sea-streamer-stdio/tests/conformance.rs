//! The backend-agnostic conformance suite, run on the stdio backend in loopback mode.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

use sea_streamer_conformance::{scenarios, Backend, Capabilities, RewindRule, SeekRule};
use sea_streamer_stdio::{StdioConnectOptions, StdioConsumer, StdioConsumerOptions, StdioStreamer};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, Streamer, StreamerUri,
};

struct Stdio;

impl Backend for Stdio {
    type Streamer = StdioStreamer;

    async fn connect(&self) -> StdioStreamer {
        let mut options = StdioConnectOptions::default();
        options.set_loopback(true);
        StdioStreamer::connect(StreamerUri::zero(), options)
            .await
            .expect("stdio connect never fails")
    }

    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> StdioConsumerOptions {
        let mut options = StdioConsumerOptions::new(mode);
        if let Some(group) = group {
            options.set_consumer_group(group).expect("set group");
        }
        options
    }

    async fn commit(&self, _: &mut StdioConsumer, _: &MessageHeader) -> Result<(), String> {
        Err("stdio cannot commit".into())
    }

    fn track(&self, consumer: &StdioConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::track(consumer, header).map_err(|e| e.to_string())
    }

    fn ack(&self, consumer: &StdioConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::ack(consumer, header).map_err(|e| e.to_string())
    }

    async fn commit_acked(&self, consumer: &StdioConsumer) -> Result<(), String> {
        Acknowledge::commit_acked(consumer)
            .await
            .map_err(|e| e.to_string())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            resumable: Err("a pipe keeps no state to resume from"),
            regroup: Err(
                "a stdio group exists while it has members: what its last member had not \
                 received, and what is read while it has none, goes to no member",
            ),
            replay: Err("a pipe keeps no history for a consumer created later"),
            acknowledge: Ok(()),
            rewind: RewindRule::Unsupported("a pipe cannot be rewound"),
            seek: SeekRule::Unsupported("a pipe cannot be seeked"),
            ..Capabilities::default()
        }
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn conformance() {
    scenarios::run_all(&Stdio).await;
}

/// The whole suite `SEA_STREAMER_STRESS` times concurrently (skipped when it is unset).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn stress() {
    sea_streamer_conformance::stress::run(|_| Some(Stdio)).await;
}
