//! A `metrics` recorder for tests: keeps every counter, gauge and histogram in memory, so a
//! test can read what the library recorded. Installed once per test process (the handles a
//! producer or consumer registers at creation see only a recorder installed before).

#![allow(dead_code)]

use metrics::{
    Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The recorded values of one histogram.
#[derive(Debug, Default)]
pub struct Samples(Mutex<Vec<f64>>);

impl HistogramFn for Samples {
    fn record(&self, value: f64) {
        self.0.lock().unwrap().push(value);
    }
}

impl Samples {
    /// How many values were recorded.
    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

#[derive(Debug, Default)]
struct Store {
    counters: Mutex<Vec<(Key, Arc<AtomicU64>)>>,
    gauges: Mutex<Vec<(Key, Arc<AtomicU64>)>>,
    histograms: Mutex<Vec<(Key, Arc<Samples>)>>,
}

/// The recorder (a handle on the shared store).
#[derive(Debug, Clone, Default)]
pub struct TestRecorder(Arc<Store>);

fn find<T: Default>(list: &Mutex<Vec<(Key, Arc<T>)>>, key: &Key) -> Arc<T> {
    let mut list = list.lock().unwrap();
    if let Some((_, v)) = list.iter().find(|(k, _)| k == key) {
        return v.clone();
    }
    let v = Arc::new(T::default());
    list.push((key.clone(), v.clone()));
    v
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(find(&self.0.counters, key))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(find(&self.0.gauges, key))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(find(&self.0.histograms, key))
    }
}

/// Installs the process's recorder (once) and returns it.
pub fn recorder() -> TestRecorder {
    static INSTALLED: OnceLock<TestRecorder> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let recorder = TestRecorder::default();
            metrics::set_global_recorder(recorder.clone())
                .expect("no other recorder in this test process");
            recorder
        })
        .clone()
}

fn labelled<'a, T>(list: &'a [(Key, Arc<T>)], name: &str, stream: &str) -> Vec<&'a Arc<T>> {
    list.iter()
        .filter(|(k, _)| {
            k.name() == name
                && k.labels()
                    .any(|l| l.key() == "stream" && l.value() == stream)
        })
        .map(|(_, v)| v)
        .collect()
}

impl TestRecorder {
    /// The sum of the counters `name` of stream `stream` (over every other label).
    pub fn counter(&self, name: &str, stream: &str) -> u64 {
        let list = self.0.counters.lock().unwrap();
        labelled(&list, name, stream)
            .iter()
            .map(|v| v.load(Ordering::Relaxed))
            .sum()
    }

    /// The gauge `name` of stream `stream`, if registered (the first, if several).
    pub fn gauge(&self, name: &str, stream: &str) -> Option<f64> {
        let list = self.0.gauges.lock().unwrap();
        labelled(&list, name, stream)
            .first()
            .map(|v| f64::from_bits(v.load(Ordering::Relaxed)))
    }

    /// How many values the histograms `name` of stream `stream` recorded.
    pub fn histogram_count(&self, name: &str, stream: &str) -> usize {
        let list = self.0.histograms.lock().unwrap();
        labelled(&list, name, stream)
            .iter()
            .map(|v| v.count())
            .sum()
    }

    /// The label sets of the metrics `name` of stream `stream` (counters), as `k=v` lists.
    pub fn counter_labels(&self, name: &str, stream: &str) -> Vec<Vec<String>> {
        let list = self.0.counters.lock().unwrap();
        list.iter()
            .filter(|(k, _)| {
                k.name() == name
                    && k.labels()
                        .any(|l| l.key() == "stream" && l.value() == stream)
            })
            .map(|(k, _)| {
                k.labels()
                    .map(|l| format!("{}={}", l.key(), l.value()))
                    .collect()
            })
            .collect()
    }
}
