//! Rough producer and consumer throughput against a Redis server, and the memory held by
//! in-flight messages.
//!
//! `cargo run --release -p sea-streamer-redis --example throughput -- redis://127.0.0.1:6379 200000`
//!
//! With `THROUGHPUT_METRICS=1` a metrics recorder is installed first (atomic counters, gauges
//! and histogram sums kept per metric, as an exporter's registry keeps them), to compare the
//! throughput with metrics recording on against off; the recorded totals are printed at the end.

use sea_streamer_redis::{
    AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisStreamer,
};
use sea_streamer_types::{Consumer, ConsumerMode, ConsumerOptions, Producer, StreamKey, Streamer};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Counters, gauges and histograms as atomics, one per metric key.
#[derive(Default)]
struct AtomicRecorder {
    cells: Mutex<Vec<(String, Arc<Cell>)>>,
}

/// A counter (total), gauge (f64 bits) or histogram (count, and sum as f64 bits).
#[derive(Default)]
struct Cell {
    value: AtomicU64,
    count: AtomicU64,
}

impl metrics::HistogramFn for Cell {
    fn record(&self, value: f64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let _ = self
            .value
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
    }
}

impl AtomicRecorder {
    fn cell(&self, key: &metrics::Key) -> Arc<Cell> {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let mut cells = self.cells.lock().unwrap();
        if let Some((_, c)) = cells.iter().find(|(n, _)| *n == name) {
            return c.clone();
        }
        let cell = Arc::new(Cell::default());
        cells.push((name, cell.clone()));
        cell
    }

    fn print(&self) {
        for (name, cell) in self.cells.lock().unwrap().iter() {
            let value = cell.value.load(Ordering::Relaxed);
            let count = cell.count.load(Ordering::Relaxed);
            log::warn!(
                "metric {name}: {value} (as f64 {}) count {count}",
                f64::from_bits(value)
            );
        }
    }
}

impl metrics::Recorder for AtomicRecorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let cell = self.cell(key);
        metrics::Counter::from_arc(Arc::new(CounterCell(cell)))
    }
    fn register_gauge(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        let cell = self.cell(key);
        metrics::Gauge::from_arc(Arc::new(CounterCell(cell)))
    }
    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::from_arc(self.cell(key))
    }
}

/// A cell seen as a counter or a gauge (the atomic `value`).
struct CounterCell(Arc<Cell>);

impl metrics::CounterFn for CounterCell {
    fn increment(&self, value: u64) {
        metrics::CounterFn::increment(&self.0.value, value)
    }
    fn absolute(&self, value: u64) {
        metrics::CounterFn::absolute(&self.0.value, value)
    }
}

impl metrics::GaugeFn for CounterCell {
    fn increment(&self, value: f64) {
        metrics::GaugeFn::increment(&self.0.value, value)
    }
    fn decrement(&self, value: f64) {
        metrics::GaugeFn::decrement(&self.0.value, value)
    }
    fn set(&self, value: f64) {
        metrics::GaugeFn::set(&self.0.value, value)
    }
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time (user + system) used by this process so far, in milliseconds.
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) * 10
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let recorder: Option<&'static AtomicRecorder> = std::env::var("THROUGHPUT_METRICS")
        .is_ok_and(|v| v == "1")
        .then(|| {
            let recorder: &'static AtomicRecorder = Box::leak(Box::default());
            metrics::set_global_recorder(recorder).expect("the only recorder");
            recorder
        });
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let n: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let streamer = RedisStreamer::connect(url.parse()?, RedisConnectOptions::default()).await?;
    // THROUGHPUT_KEY=name keeps the stream (and skips producing if it has data already)
    let fixed = std::env::var("THROUGHPUT_KEY").ok();
    let key = StreamKey::new(
        fixed
            .clone()
            .unwrap_or_else(|| format!("throughput-{}", std::process::id())),
    )?;
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await?;
    let payload = vec![b'x'; 256];

    let rss_before = rss_kb();
    let cpu = cpu_ms();
    let skip = fixed.is_some() && std::env::var("THROUGHPUT_SKIP_PRODUCE").is_ok();
    let start = Instant::now();
    let mut receipts = Vec::with_capacity(n);
    for _ in 0..if skip { 0 } else { n } {
        receipts.push(producer.send(payload.as_slice())?);
    }
    let rss_queued = rss_kb();
    for receipt in receipts {
        receipt.await?;
    }
    let elapsed = start.elapsed();
    log::warn!(
        "producer: {n} messages in {elapsed:?} ({} ms CPU) = {:.0} msg/s; RSS {rss_before} kB -> {rss_queued} kB with all in flight (peak now {} kB)",
        cpu_ms() - cpu,
        n as f64 / elapsed.as_secs_f64(),
        rss_kb()
    );

    let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    if let Some(batch) = std::env::var("THROUGHPUT_BATCH")
        .ok()
        .and_then(|b| b.parse().ok())
    {
        options.set_batch_size(batch);
    }
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), options)
        .await?;
    let start = Instant::now();
    let cpu = cpu_ms();
    for _ in 0..n {
        consumer.next().await?;
    }
    let elapsed = start.elapsed();
    log::warn!(
        "consumer: {n} messages in {elapsed:?} ({} ms CPU) = {:.0} msg/s",
        cpu_ms() - cpu,
        n as f64 / elapsed.as_secs_f64()
    );
    if fixed.is_none() {
        let _ = producer.trim(&key, 0).await;
    }
    if let Some(recorder) = recorder {
        recorder.print();
    }
    Ok(())
}
