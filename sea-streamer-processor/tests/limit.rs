//! `max_messages`: the processor stops by itself after that many messages, all of them
//! handled, none of the later ones fetched (stdio loopback, no service).

#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::{number, WAIT};
use sea_streamer_processor::{HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioStreamer};
use sea_streamer_types::{Consumer, Producer, SharedMessage, StreamKey, Streamer, StreamerUri};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn stops_after_max_messages() {
    let _ = env_logger::try_init();
    let mut connect = StdioConnectOptions::default();
    connect.set_loopback(true);
    let streamer = StdioStreamer::connect(StreamerUri::zero(), connect)
        .await
        .unwrap();
    let input = StreamKey::new("limit-in").unwrap();
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
    for n in 1..=30u64 {
        producer.send_to(&input, n.to_string().as_str()).unwrap();
    }
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let handler = {
        let seen = seen.clone();
        move |message: SharedMessage, _outbox: Outbox| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().insert(number(&message));
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options.set_concurrency(4).set_max_messages(Some(20));
    // the shutdown future never resolves: the limit alone ends the run
    let summary = timeout(
        WAIT,
        Processor::new(&consumer, handler, options).run(std::future::pending::<()>()),
    )
    .await
    .expect("the run ends by itself")
    .unwrap();
    assert_eq!((summary.fetched, summary.processed), (20, 20));
    assert_eq!(*seen.lock().unwrap(), (1..=20).collect());
    // the 21st message is still there for the next reader
    let next = timeout(WAIT, consumer.next()).await.unwrap().unwrap();
    assert_eq!(number(&sea_streamer_types::Message::to_owned(&next)), 21);

    // zero: returns at once, fetching nothing
    let mut options = ProcessorOptions::default();
    options.set_max_messages(Some(0));
    let handler = |_: SharedMessage, _: Outbox| async { Ok::<(), HandlerErr>(()) };
    let summary = timeout(
        WAIT,
        Processor::new(&consumer, handler, options).run(std::future::pending::<()>()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(summary.fetched, 0);
    streamer.disconnect().await.unwrap();
}
