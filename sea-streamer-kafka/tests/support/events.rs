//! A `tracing` subscriber for tests: keeps the fields of every `sea_streamer.*` event, so a
//! test can check what the library recorded. Installed once per test process.

#![allow(dead_code)]

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::{span, Event, Metadata, Subscriber};

/// One recorded event: its name and its fields (values as text).
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The event's name, e.g. `sea_streamer.consume`.
    pub name: String,
    /// The fields, in order.
    pub fields: Vec<(String, String)>,
}

impl Recorded {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The subscriber (a handle on the shared list).
#[derive(Debug, Clone, Default)]
pub struct Events {
    recorded: Arc<Mutex<Vec<Recorded>>>,
    next_id: Arc<AtomicU64>,
}

struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for Events {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let name = event.metadata().name();
        if !name.starts_with("sea_streamer.") {
            return;
        }
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.recorded.lock().unwrap().push(Recorded {
            name: name.to_owned(),
            fields: fields.0,
        });
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

impl Events {
    /// The events named `name` whose field `key` is `value`.
    pub fn find(&self, name: &str, key: &str, value: &str) -> Vec<Recorded> {
        self.recorded
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.name == name && r.field(key) == Some(value))
            .cloned()
            .collect()
    }
}

/// Installs the process's subscriber (once) and returns it.
pub fn events() -> Events {
    static INSTALLED: OnceLock<Events> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let events = Events::default();
            tracing::subscriber::set_global_default(events.clone())
                .expect("no other subscriber in this test process");
            events
        })
        .clone()
}
