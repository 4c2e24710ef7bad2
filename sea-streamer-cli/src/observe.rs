//! Observability of a `sea` run: `--metrics-addr HOST:PORT` serves the metrics of every
//! producer and consumer the command creates as Prometheus text (with the consumer lag
//! gauge measured every second by `consume` and `relay`, see [`crate::source`]), and
//! `--trace-events` prints the `sea_streamer.*` tracing events (e.g. `sea_streamer.produce`,
//! `sea_streamer.consume` of `--trace`) to stderr, one JSON object per line:
//! `{"event":"sea_streamer.consume","trace_id":"…","parent_id":"…",…}`.

use anyhow::{Context, Result};
use metrics_exporter_prometheus::PrometheusBuilder;
use serde_json::{Map, Value};
use std::{
    fmt,
    io::Write,
    net::SocketAddr,
    sync::atomic::{AtomicBool, Ordering},
};
use tracing::{
    field::{Field, Visit},
    subscriber::Interest,
    Event, Metadata, Subscriber,
};
use tracing_subscriber::{layer::Context as LayerContext, prelude::*, Layer};

static SERVING: AtomicBool = AtomicBool::new(false);

/// Installs the Prometheus recorder and its HTTP listener on `addr` (inside the running
/// tokio runtime). Call before any streamer is created: metric handles are registered then.
pub fn serve_metrics(addr: SocketAddr) -> Result<()> {
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .with_context(|| format!("serving metrics on {addr}"))?;
    SERVING.store(true, Ordering::Relaxed);
    Ok(())
}

/// Whether metrics are served (then readers keep the lag gauge up to date).
pub fn serving_metrics() -> bool {
    SERVING.load(Ordering::Relaxed)
}

/// Prints the `sea_streamer.*` tracing events to stderr as JSON lines.
pub fn print_trace_events() -> Result<()> {
    tracing_subscriber::registry()
        .with(EventLines)
        .try_init()
        .context("installing the tracing subscriber")
}

/// The layer of [`print_trace_events`]: interested in `sea_streamer.*` events only.
struct EventLines;

fn wanted(metadata: &Metadata<'_>) -> bool {
    metadata.is_event() && metadata.name().starts_with("sea_streamer.")
}

impl<S: Subscriber> Layer<S> for EventLines {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if wanted(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: LayerContext<'_, S>) -> bool {
        wanted(metadata)
    }

    fn on_event(&self, event: &Event<'_>, _: LayerContext<'_, S>) {
        let mut fields = Map::new();
        fields.insert("event".into(), event.metadata().name().into());
        event.record(&mut Fields(&mut fields));
        let line = Value::Object(fields).to_string();
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

/// Collects an event's fields into a JSON object.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}
