//! The runner continues a trace (issue #13), on Redis (SEA_STREAMER_TEST_REDIS): a message
//! produced with trace propagation carries a `traceparent`; its handler runs with that
//! context as `TraceContext::current()`, so what the handler sends (with propagation on) is
//! a child of the input message in the same trace; a message without one runs outside any
//! trace scope.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::WAIT;
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_processor::{Outbox, Processor, ProcessorOptions};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConsumerOptions, RedisProducerOptions, RedisStreamer,
};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer,
    SharedMessage, StreamKey, Streamer, TraceContext,
};
use std::sync::{Arc, Mutex};

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn the_handler_runs_in_its_messages_trace() {
    let Some(url) = service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let streamer = RedisStreamer::connect(url.parse().unwrap(), Default::default())
        .await
        .unwrap();
    let (input, output) = (
        StreamKey::new(random_key("trace-in")).unwrap(),
        StreamKey::new(random_key("trace-out")).unwrap(),
    );
    let mut traced = RedisProducerOptions::default();
    traced.set_trace_propagation(true);
    let producer = streamer
        .create_generic_producer(traced.clone())
        .await
        .unwrap();
    let plain = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    producer.send_to(&input, "traced").unwrap().await.unwrap();
    plain.send_to(&input, "plain").unwrap().await.unwrap();

    let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
    options
        .set_consumer_group(ConsumerGroup::new("tracing"))
        .unwrap();
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit(AutoCommit::Disabled);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&input), options)
        .await
        .unwrap();
    // (payload, the message's own context, the handler's current context)
    type Seen = Vec<(String, Option<TraceContext>, Option<TraceContext>)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let handler = {
        let (seen, producer, output) = (seen.clone(), producer.clone(), output.clone());
        move |message: SharedMessage, outbox: Outbox| {
            let (seen, producer, output) = (seen.clone(), producer.clone(), output.clone());
            async move {
                let own = message.headers().and_then(TraceContext::from_headers);
                let payload = message.message().as_str().unwrap().to_owned();
                seen.lock()
                    .unwrap()
                    .push((payload.clone(), own, TraceContext::current()));
                outbox.send(&producer, &output, payload.as_str()).await
            }
        }
    };
    let mut processor_options = ProcessorOptions::default();
    processor_options.set_max_messages(Some(2));
    let summary = Processor::new(&consumer, handler, processor_options)
        .metrics_labels("redis", Some("tracing"))
        .run(std::future::pending())
        .await
        .unwrap();
    assert_eq!(summary.processed, 2);

    let seen = seen.lock().unwrap().clone();
    let (_, own, current) = seen.iter().find(|(p, ..)| p == "traced").unwrap();
    let own = own.expect("the traced message has a traceparent");
    assert_eq!(
        *current,
        Some(own),
        "the handler runs in its message's context"
    );
    let (_, own, current) = seen.iter().find(|(p, ..)| p == "plain").unwrap();
    assert_eq!((*own, *current), (None, None));

    // what the handler sent continues the trace: a child of the input message
    let mut read = RedisConsumerOptions::new(ConsumerMode::RealTime);
    read.set_auto_stream_reset(AutoStreamReset::Earliest);
    let reader = streamer
        .create_consumer(std::slice::from_ref(&output), read)
        .await
        .unwrap();
    let mut out = Vec::new();
    for _ in 0..2 {
        let m = timeout(WAIT, reader.next()).await.unwrap().unwrap();
        let context = m.headers().and_then(TraceContext::from_headers).unwrap();
        out.push((m.message().as_str().unwrap().to_owned(), context));
    }
    let (_, child) = out.iter().find(|(p, _)| p == "traced").unwrap();
    assert_eq!(child.trace_id(), own_trace(&seen));
    assert_ne!(child.span_id(), seen_span(&seen));
    let (_, fresh) = out.iter().find(|(p, _)| p == "plain").unwrap();
    assert_ne!(
        fresh.trace_id(),
        own_trace(&seen),
        "a new trace for the plain one"
    );
}

fn traced_context(seen: &[(String, Option<TraceContext>, Option<TraceContext>)]) -> TraceContext {
    seen.iter()
        .find(|(p, ..)| p == "traced")
        .and_then(|(_, own, _)| *own)
        .unwrap()
}

fn own_trace(seen: &[(String, Option<TraceContext>, Option<TraceContext>)]) -> String {
    traced_context(seen).trace_id()
}

fn seen_span(seen: &[(String, Option<TraceContext>, Option<TraceContext>)]) -> String {
    traced_context(seen).span_id()
}
