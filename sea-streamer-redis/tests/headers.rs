//! Headers on the test Redis (issue #13): written by `ProducerWithHeaders` and read into
//! `Message::headers` on both read paths (the RealTime fast path and group reads), an entry
//! written by a plain `XADD` with extra fields, the message field refused as a header name,
//! and `traceparent` propagation from a producer's trace scope to the consumer, checked on
//! the headers and on the `sea_streamer.produce` / `sea_streamer.consume` tracing events
//! (collected by a subscriber installed for this test binary).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::fixture::{realtime_earliest, resumable, Fixture};
use common::{connect, key, next, url};
use sea_streamer_redis::{
    RedisConnectOptions, RedisConsumerOptions, RedisErr, RedisProducerOptions,
};
use sea_streamer_types::{
    Buffer, Headers, Message, Producer, ProducerWithHeaders, StreamErr, Streamer, TraceContext,
    TRACEPARENT,
};
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().map(|(n, v)| (*n, *v)).collect()
}

/// Headers round trip on the fast path (RealTime) and the `redis`-crate path (group);
/// a message without headers has none.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn headers_round_trip() {
    let Some(url) = url() else { return };
    let fx = Fixture::new(&url, "headers").await;
    let sent = headers(&[("content-type", "application/json"), ("attempt", "1")]);
    let mut repeated = Headers::new();
    repeated.append("x", "1").append("x", "2");
    fx.producer
        .send_to_with_headers(&fx.stream, &sent, "one")
        .unwrap();
    fx.producer.send("two").unwrap();
    fx.producer
        .send_to_with_headers(&fx.stream, &repeated, "three")
        .unwrap();
    fx.producer.flush_immut().await.unwrap();
    for options in [realtime_earliest(), resumable("headers")] {
        let consumer = fx.consumer(options).await;
        let one = next(&consumer).await;
        assert_eq!(one.message().as_str().unwrap(), "one");
        assert_eq!(one.headers(), Some(&sent));
        let two = next(&consumer).await;
        assert_eq!(two.message().as_str().unwrap(), "two");
        assert_eq!(two.headers(), None);
        let three = next(&consumer).await;
        assert_eq!(three.headers(), Some(&repeated));
        assert_eq!(three.headers().unwrap().get_str("x"), Some("2"));
    }
}

/// An entry written by a plain `XADD` with fields besides `msg` shows them as headers; with
/// another message field configured, `msg` is a header like any other field.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn raw_xadd_fields_are_headers() {
    let Some(url) = url() else { return };
    let stream = key("raw_headers");
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: String = redis::cmd("XADD")
        .arg(stream.name())
        .arg("*")
        .arg("source")
        .arg("cli")
        .arg("msg")
        .arg("hello")
        .arg("amount")
        .arg("20")
        .query(&mut conn)
        .unwrap();
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), realtime_earliest())
        .await
        .unwrap();
    let message = next(&consumer).await;
    assert_eq!(message.message().as_str().unwrap(), "hello");
    assert_eq!(
        message.headers(),
        Some(&headers(&[("source", "cli"), ("amount", "20")]))
    );

    let mut options = RedisConnectOptions::default();
    options.set_message_field("source");
    let streamer = connect(&url, options).await;
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), realtime_earliest())
        .await
        .unwrap();
    let message = next(&consumer).await;
    assert_eq!(message.message().as_str().unwrap(), "cli");
    assert_eq!(
        message.headers(),
        Some(&headers(&[("msg", "hello"), ("amount", "20")]))
    );
    // and the producer of that streamer refuses `source` as a header name
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let refused = producer.send_to_with_headers(&stream, &headers(&[("source", "x")]), "p");
    assert!(matches!(
        refused,
        Err(StreamErr::Backend(RedisErr::ReservedHeader(f))) if f == "source"
    ));
}

/// A producer with trace propagation sends a child of its task's trace context; the
/// consumer reads it and records the event with the same trace id.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn traceparent_propagates() {
    let Some(url) = url() else { return };
    let events = collector();
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("trace");
    let mut options = RedisProducerOptions::default();
    options.set_trace_propagation(true);
    let producer = streamer
        .create_producer(stream.clone(), options)
        .await
        .unwrap();
    let root = TraceContext::new_root();
    let sent = root
        .scope(async { producer.send("traced").unwrap().await })
        .await
        .unwrap();
    // outside any scope: a new trace
    producer.send("untraced").unwrap().await.unwrap();

    let mut options: RedisConsumerOptions = realtime_earliest();
    options.set_trace_propagation(true);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), options)
        .await
        .unwrap();
    let traced = next(&consumer).await;
    assert_eq!(traced.sequence(), *sent.sequence());
    let context = TraceContext::from_headers(traced.headers().unwrap()).unwrap();
    assert_eq!(context.trace_id(), root.trace_id());
    assert_ne!(context.span_id(), root.span_id());
    let untraced = next(&consumer).await;
    let other = TraceContext::from_headers(untraced.headers().unwrap()).unwrap();
    assert_ne!(other.trace_id(), root.trace_id());
    assert!(untraced.headers().unwrap().get(TRACEPARENT).is_some());

    let mine = |name: &str| -> Vec<HashMap<String, String>> {
        events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["name"] == name && e["stream"] == stream.name())
            .cloned()
            .collect()
    };
    let produced = mine("sea_streamer.produce");
    assert_eq!(produced.len(), 2);
    assert_eq!(produced[0]["trace_id"], root.trace_id());
    assert_eq!(produced[0]["parent_id"], root.span_id());
    assert_eq!(produced[0]["span_id"], context.span_id());
    assert_eq!(produced[1]["parent_id"], "");
    let consumed = mine("sea_streamer.consume");
    assert_eq!(consumed.len(), 2);
    assert_eq!(consumed[0]["trace_id"], root.trace_id());
    assert_eq!(consumed[0]["parent_id"], context.span_id());
    assert_eq!(consumed[0]["sequence"], traced.sequence().to_string());
    assert_eq!(consumed[0]["shard"], "0");
}

type Events = Mutex<Vec<HashMap<String, String>>>;

/// Collects every event's name and fields (the subscriber of this test binary).
struct Collector(&'static Events);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        fields.insert("name".to_owned(), event.metadata().name().to_owned());
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(fields);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn collector() -> &'static Events {
    static EVENTS: OnceLock<&'static Events> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let events: &'static Events = Box::leak(Box::default());
        tracing::subscriber::set_global_default(Collector(events)).expect("no other subscriber");
        events
    })
}
