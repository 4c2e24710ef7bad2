//! `--metrics-addr HOST:PORT`: the example programs serve the metrics of their producers,
//! consumers and runner as Prometheus text over HTTP (metrics-exporter-prometheus). Flatten
//! [`MetricsArgs`] into a program's arguments and call [`MetricsArgs::serve`] before it
//! connects: metric handles are registered when producers and consumers are created.

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusBuilder;
use std::net::SocketAddr;

/// The metrics endpoint option (flatten with `#[command(flatten)]`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MetricsArgs {
    /// Serve metrics as Prometheus text on HOST:PORT (any path), e.g. 127.0.0.1:9000:
    /// sea_streamer_producer_*, sea_streamer_consumer_* and, on the processor runner,
    /// sea_streamer_processor_*
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics_addr: Option<SocketAddr>,
}

impl MetricsArgs {
    /// Installs the Prometheus recorder and starts its HTTP listener, if asked (inside the
    /// tokio runtime).
    ///
    /// ```
    /// use sea_streamer_examples::observe::MetricsArgs;
    ///
    /// MetricsArgs::default().serve().unwrap(); // not asked: nothing to do
    /// ```
    pub fn serve(&self) -> anyhow::Result<()> {
        let Some(addr) = self.metrics_addr else {
            return Ok(());
        };
        PrometheusBuilder::new()
            .with_http_listener(addr)
            .install()
            .with_context(|| format!("serving metrics on {addr}"))?;
        log::info!("serving metrics on http://{addr}/metrics");
        Ok(())
    }
}

/// The `backend` label of a stream URL's metrics: `kafka`, `redis`, `stdio` or `file`.
///
/// ```
/// use sea_streamer_examples::observe::backend_label;
///
/// assert_eq!(backend_label(&"redis://localhost/a".parse().unwrap()), "redis");
/// ```
pub fn backend_label(url: &sea_streamer::StreamUrl) -> &'static str {
    sea_streamer::Scheme::of(url.streamer_ref()).map_or("unknown", |s| s.name())
}
