//! The processor over stdio (loopback: what the producers print comes back to this
//! process's consumers): retries and dead letters; acknowledging is a no-op there.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{seven_thirteen, seven_thirteen_counts, until, Record, WAIT};
use sea_streamer_processor::{DeadLetter, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioStreamer};
use sea_streamer_types::{
    Buffer, Consumer, Message, Producer, SharedMessage, StreamKey, Streamer, StreamerUri,
};
use std::collections::BTreeSet;
use std::time::Duration;

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn retries_and_dead_letters_over_stdio() {
    let _ = env_logger::try_init();
    const N: u64 = 100;
    let mut connect = StdioConnectOptions::default();
    connect.set_loopback(true);
    let streamer = StdioStreamer::connect(StreamerUri::zero(), connect)
        .await
        .unwrap();
    let key = |name: &str| StreamKey::new(name).unwrap();
    let (input, output, dead) = (key("proc-in"), key("proc-out"), key("proc-dead"));
    let subscribe = |k: StreamKey| {
        let streamer = &streamer;
        async move {
            streamer
                .create_consumer(&[k], StdioConsumerOptions::default())
                .await
        }
    };
    let consumer = subscribe(input.clone()).await.unwrap();
    let outputs = subscribe(output.clone()).await.unwrap();
    let letters = subscribe(dead.clone()).await.unwrap();
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    for n in 1..=N {
        producer.send_to(&input, n.to_string().as_str()).unwrap();
    }

    let record = Record::default();
    let handler = {
        let (record, producer, output) = (record.clone(), producer.clone(), output.clone());
        move |message: SharedMessage, outbox: Outbox| {
            seven_thirteen(
                record.clone(),
                producer.clone(),
                output.clone(),
                message,
                outbox,
            )
        }
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(4)
        .set_max_attempts(3)
        .set_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let processor = Processor::new(&consumer, handler, options)
        .dead_letter(producer.clone(), dead.clone())
        .flush_at_end(producer.clone());
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed + s.dead_lettered == N);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .unwrap()
        .unwrap();

    let (processed, dead_lettered, retried) = seven_thirteen_counts(N);
    assert_eq!(
        (summary.processed, summary.dead_lettered, summary.retried),
        (processed, dead_lettered, retried)
    );
    let expected: BTreeSet<u64> = (1..=N).filter(|n| !n.is_multiple_of(13)).collect();
    assert_eq!(*record.handled.lock().unwrap(), expected);

    let mut thirteens = BTreeSet::new();
    for _ in 0..dead_lettered {
        let line = timeout(WAIT, letters.next()).await.unwrap().unwrap();
        let letter = DeadLetter::from_json(line.message().as_str().unwrap()).unwrap();
        let n: u64 = String::from_utf8(letter.payload_bytes().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            (letter.error.as_str(), letter.attempts),
            (format!("unlucky {n}").as_str(), 3)
        );
        assert_eq!(letter.stream_key, input.name());
        thirteens.insert(n);
    }
    assert_eq!(
        thirteens,
        (1..=N).filter(|n| n.is_multiple_of(13)).collect()
    );
    let mut outs = BTreeSet::new();
    for _ in 0..expected.len() {
        let line = timeout(WAIT, outputs.next()).await.unwrap().unwrap();
        outs.insert(
            line.message().as_str().unwrap()[4..]
                .parse::<u64>()
                .unwrap(),
        );
    }
    assert_eq!(outs, expected);
    streamer.disconnect().await.unwrap();
}
