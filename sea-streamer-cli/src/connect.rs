//! Connecting to the backend a URL names, with the options every command shares.
//!
//! `-X KEY=VALUE` (repeatable) passes a librdkafka property to the Kafka clients a command
//! creates (consumers, producers and the metadata client of `info`), as `kcat -X` does; it
//! is ignored by the other backends. Example: `-X session.timeout.ms=2000` makes the group
//! join of a consumer faster on brokers that wait for half of the session timeout.

use anyhow::{anyhow, Context, Result};
use clap::Args;
use sea_streamer_socket::{
    Scheme, SeaConnectOptions, SeaConsumer, SeaConsumerOptions, SeaProducer, SeaProducerOptions,
    SeaStreamer,
};
use sea_streamer_types::{StreamKey, StreamUrl, Streamer};

/// Options shared by the commands that connect to a stream.
#[derive(Debug, Clone, Default, Args)]
pub struct BackendArgs {
    /// A librdkafka property for the Kafka clients, e.g. `-X session.timeout.ms=2000`
    /// (repeatable; ignored by other backends)
    #[arg(short = 'X', long = "kafka-option", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub kafka_options: Vec<(String, String)>,
    /// Propagate W3C trace context (Kafka, Redis): write a `traceparent` header on every
    /// message sent, and record a sea_streamer.consume event for every message read with
    /// one (see --trace-events)
    #[arg(long)]
    pub trace: bool,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("`{s}`: expected KEY=VALUE")),
    }
}

/// Parses a stream URL; a URL with a host but no path (`redis://localhost`) names no
/// stream, as if written with its ending slash.
pub fn parse_url(s: &str) -> Result<StreamUrl, String> {
    match s.parse::<StreamUrl>() {
        Ok(url) => Ok(url),
        Err(e) => {
            let after_scheme = s.split_once("://").map(|(_, rest)| rest);
            match after_scheme {
                Some(rest) if !rest.contains('/') => {
                    format!("{s}/").parse().map_err(|_| e.to_string())
                }
                _ => Err(e.to_string()),
            }
        }
    }
}

/// A stream URL as text: `protocol://host1,host2/key1,key2`.
pub fn show(url: &StreamUrl) -> String {
    let nodes: Vec<&str> = url
        .streamer_ref()
        .nodes()
        .iter()
        .map(|n| n.as_str().trim_end_matches('/'))
        .collect();
    let keys: Vec<&str> = url.stream_keys().iter().map(|k| k.name()).collect();
    format!("{}/{}", nodes.join(","), keys.join(","))
}

/// The backend a URL names (every scheme of the URL grammar is known to `sea`).
pub fn scheme(url: &StreamUrl) -> Result<Scheme> {
    Scheme::of(url.streamer_ref()).map_err(|e| anyhow!("{}: {e}", show(url)))
}

/// The single stream key of a URL, or a usage error.
pub fn single_key(url: &StreamUrl, what: &str) -> Result<StreamKey> {
    match url.stream_keys() {
        [key] => Ok(key.clone()),
        [] => Err(crate::Usage(format!(
            "{what} {} names no stream: add one, e.g. {}/my_stream",
            show(url),
            show(url).trim_end_matches('/')
        ))
        .into()),
        _ => Err(crate::Usage(format!("{what} {} must name exactly one stream", show(url))).into()),
    }
}

impl BackendArgs {
    /// Connects to the streamer of `url`; a `file://` URL is created if `create` and missing.
    pub async fn connect(&self, url: &StreamUrl, create: bool) -> Result<SeaStreamer> {
        let mut options = SeaConnectOptions::default();
        crate::tls::apply(&mut options);
        options.set_file_connect_options(|o| {
            o.set_create_if_not_exists(create);
        });
        SeaStreamer::connect(url.streamer(), options)
            .await
            .with_context(|| format!("connecting to {}", show(url)))
    }

    /// Consumer options with the Kafka properties of `-X` applied last.
    pub fn consumer_options(&self, mut options: SeaConsumerOptions) -> SeaConsumerOptions {
        options.set_trace_propagation(self.trace);
        options.set_kafka_consumer_options(|o| {
            for (k, v) in &self.kafka_options {
                o.add_custom_option(k, v);
            }
        });
        options
    }

    /// Creates a producer anchored nowhere (messages name their stream).
    pub async fn producer(&self, streamer: &SeaStreamer, url: &StreamUrl) -> Result<SeaProducer> {
        let mut options = SeaProducerOptions::default();
        options.set_trace_propagation(self.trace);
        options.set_kafka_producer_options(|o| {
            for (k, v) in &self.kafka_options {
                o.add_custom_option(k, v);
            }
        });
        streamer
            .create_generic_producer(options)
            .await
            .with_context(|| format!("creating a producer for {}", show(url)))
    }

    /// Creates a consumer of every stream of `url`.
    pub async fn consumer(
        &self,
        streamer: &SeaStreamer,
        url: &StreamUrl,
        options: SeaConsumerOptions,
    ) -> Result<SeaConsumer> {
        if url.stream_keys().is_empty() {
            single_key(url, "the URL")?;
        }
        streamer
            .create_consumer(url.stream_keys(), self.consumer_options(options))
            .await
            .with_context(|| format!("creating a consumer of {}", show(url)))
    }
}
