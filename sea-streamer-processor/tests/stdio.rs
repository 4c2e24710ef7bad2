//! The processor over stdio (loopback: what the producers print comes back to this
//! process's consumers): retries and dead letters (acknowledging is a no-op there), and a
//! finite input (`Processor::end_of_input`) ending the run normally.

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::dead_letters::{
    check_dead_letters, check_outputs, run_seven_thirteen, seven_thirteen_counts, successes,
};
use common::{until, WAIT};
use sea_streamer_processor::{HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioStreamer};
use sea_streamer_types::{Consumer, Producer, SharedMessage, StreamKey, Streamer, StreamerUri};
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

    run_seven_thirteen(&consumer, &producer, &output, &dead, N).await;

    let (_, dead_lettered, _) = seven_thirteen_counts(N);
    let mut lines = Vec::new();
    for _ in 0..dead_lettered {
        lines.push(timeout(WAIT, letters.next()).await.unwrap().unwrap());
    }
    check_dead_letters(&lines, &input, N, |_, _| {});
    let mut lines = Vec::new();
    for _ in 0..successes(N).len() {
        lines.push(timeout(WAIT, outputs.next()).await.unwrap().unwrap());
    }
    check_outputs(&lines, N);
    streamer.disconnect().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn the_end_of_input_ends_the_run_after_everything_in_flight() {
    let _ = env_logger::try_init();
    const N: u64 = 20;
    let mut connect = StdioConnectOptions::default();
    connect.set_loopback(true);
    let streamer = StdioStreamer::connect(StreamerUri::zero(), connect)
        .await
        .unwrap();
    let input = StreamKey::new("end-in").unwrap();
    let consumer = streamer
        .create_consumer(
            std::slice::from_ref(&input),
            StdioConsumerOptions::default(),
        )
        .await
        .unwrap();
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    for n in 1..=N {
        producer.send_to(&input, n.to_string().as_str()).unwrap();
    }

    // together the messages take far longer than the shutdown deadline
    let handler = |_: SharedMessage, _: Outbox| async {
        sea_streamer_runtime::sleep(Duration::from_millis(20)).await;
        Ok::<(), HandlerErr>(())
    };
    let mut options = ProcessorOptions::default();
    options
        .set_concurrency(4)
        .set_shutdown_deadline(Duration::from_millis(10));
    let processor = Processor::new(&consumer, handler, options);
    // the input ends once everything was fetched
    let ended = until(processor.progress(), |s| s.fetched == N);
    let summary = timeout(
        WAIT,
        processor.end_of_input(ended).run(std::future::pending()),
    )
    .await
    .expect("the end of input ends the run")
    .expect("a normal end");
    assert_eq!((summary.processed, summary.abandoned), (N, 0));
    streamer.disconnect().await.unwrap();
}
