//! Producer and consumer throughput against the raw async-nats client with the same
//! settings: N messages (default 100,000) of 256 bytes, each side publishing to JetStream
//! and waiting for every acknowledgement, then reading everything back through an ordered
//! consumer.
//!
//! ```sh
//! cargo run --release -p sea-streamer-nats --example throughput -- nats://127.0.0.1:14222 [N] [ours-first]
//! ```
//!
//! The raw client goes first unless the third argument is `ours-first` (alternate the order
//! across runs so neither side always meets the server after the other). Each side's stream
//! is deleted after it has been read.

use std::time::Instant;

use async_nats::jetstream::{self, consumer::pull, stream};
use futures::StreamExt;
use sea_streamer_nats::{AutoStreamReset, NatsConnectOptions, NatsConsumerOptions, NatsStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
};

const SIZE: usize = 256;

/// Marks the start of a phase: profile with
/// `valgrind --tool=callgrind --dump-before='*throughput::phase*'` for one dump per phase
/// (every thread's instructions, the client's connection tasks included).
#[inline(never)]
fn phase(name: &str) {
    std::hint::black_box(name);
}

/// A new stream name; both sides' names have the same length (`what` is three letters), so
/// their subjects and reply subjects cost the client the same to scan.
fn key(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("bench-{what}-{:08x}", nanos & 0xffff_ffff)
}

async fn raw(url: &str, n: usize) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let client = async_nats::connect(url).await?;
    let js = jetstream::new(client.clone());
    let subject = key("raw");
    let stream = js
        .create_stream(stream::Config {
            name: subject.clone(),
            subjects: vec![subject.clone()],
            storage: stream::StorageType::Memory,
            ..Default::default()
        })
        .await?;
    let payload = bytes::Bytes::from(vec![b'x'; SIZE]);
    phase("raw produce");
    let start = Instant::now();
    // Acknowledgements are awaited beside the publishing (as our producer's task does):
    // the context bounds the acks in flight, so awaiting them only at the end would stall.
    let (tx, rx) = futures::channel::mpsc::unbounded::<jetstream::context::PublishAckFuture>();
    let waiter = tokio::spawn(async move {
        let mut rx = rx;
        while let Some(ack) = rx.next().await {
            if ack.await.is_err() {
                return false;
            }
        }
        true
    });
    for _ in 0..n {
        tx.unbounded_send(js.publish(subject.clone(), payload.clone()).await?)?;
    }
    drop(tx);
    if !waiter.await? {
        return Err("a raw publish was not acknowledged".into());
    }
    let produce = n as f64 / start.elapsed().as_secs_f64();
    phase("raw consume");
    let start = Instant::now();
    let consumer = stream
        .create_consumer(pull::OrderedConfig {
            filter_subject: subject.clone(),
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    for _ in 0..n {
        // Touch the payload, as ours hands it out (ours also reads every message's stream
        // sequence and timestamp; this loop does not call `info` for them).
        let message = messages.next().await.ok_or("ended")??;
        std::hint::black_box(&message.payload[..]);
    }
    let consume = n as f64 / start.elapsed().as_secs_f64();
    phase("raw end");
    // The stream holds N messages in the server's memory: not kept after the run.
    js.delete_stream(&subject).await?;
    Ok((produce, consume))
}

async fn ours(url: &str, n: usize) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let mut options = NatsConnectOptions::default();
    options.set_memory_storage(true);
    let streamer = NatsStreamer::connect(url.parse()?, options).await?;
    let stream = StreamKey::new(key("sea"))?;
    let mut producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await?;
    let payload = vec![b'x'; SIZE];
    phase("ours produce");
    let start = Instant::now();
    for _ in 0..n {
        // The receipt is not awaited: the flush below waits for every acknowledgement.
        drop(producer.send(payload.as_slice())?);
    }
    producer.flush().await?;
    let produce = n as f64 / start.elapsed().as_secs_f64();
    phase("ours consume");
    let start = Instant::now();
    let mut options = NatsConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let stream_name = stream.name().to_owned();
    let consumer = streamer.create_consumer(&[stream], options).await?;
    for _ in 0..n {
        let message = consumer.next().await?;
        std::hint::black_box(message.message().as_bytes());
    }
    let consume = n as f64 / start.elapsed().as_secs_f64();
    phase("ours end");
    // The stream's name is the key's (it has no `.` or `_` to encode).
    let js = jetstream::new(async_nats::connect(url).await?);
    js.delete_stream(stream_name).await?;
    Ok((produce, consume))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let ours_first = args.next().is_some_and(|a| a == "ours-first");
    let ((raw_p, raw_c), (our_p, our_c)) = if ours_first {
        let ours = ours(&url, n).await?;
        (raw(&url, n).await?, ours)
    } else {
        let raw = raw(&url, n).await?;
        (raw, ours(&url, n).await?)
    };
    let report = format!(
        "{n} messages of {SIZE} bytes\n\
         produce: raw {raw_p:.0}/s, ours {our_p:.0}/s ({:.2} of raw)\n\
         consume: raw {raw_c:.0}/s, ours {our_c:.0}/s ({:.2} of raw)\n",
        our_p / raw_p,
        our_c / raw_c
    );
    std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes())?;
    Ok(())
}
