//! Producers print to stdout; with loopback they also feed this process's consumers.
//! `disconnect` closes every consumer and stops the output thread.

use futures::{FutureExt, StreamExt};
use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioErr, StdioStreamer};
use sea_streamer_types::{
    Buffer, Consumer, Message, Producer, StreamErr, StreamKey, Streamer, StreamerUri,
};

async fn run() -> Result<(), StreamErr<StdioErr>> {
    let hello = StreamKey::new("hello")?;

    // Without loopback, what is printed does not come back.
    let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
    let consumer = streamer
        .create_consumer(
            std::slice::from_ref(&hello),
            StdioConsumerOptions::default(),
        )
        .await?;
    let mut producer = streamer
        .create_producer(hello.clone(), Default::default())
        .await?;
    let mut receipts = Vec::new();
    for _ in 0..5 {
        receipts.push(producer.send("-1")?);
    }
    producer.flush().await?;
    for (i, receipt) in receipts.into_iter().enumerate() {
        let receipt = receipt.await?;
        assert_eq!(receipt.stream_key(), &hello);
        assert_eq!(
            *receipt.sequence() as usize,
            i,
            "receipts carry the printed sequence"
        );
    }
    assert!(
        consumer.next().now_or_never().is_none(),
        "nothing looped back"
    );

    streamer.disconnect().await?;
    assert!(matches!(
        consumer.next().await,
        Err(StreamErr::Backend(StdioErr::RecvError(_)))
    ));
    assert!(matches!(
        producer.send(""),
        Err(StreamErr::Backend(StdioErr::Disconnected))
    ));

    // With loopback, a new streamer works again and printed messages come back.
    let mut options = StdioConnectOptions::default();
    options.set_loopback(true);
    let streamer = StdioStreamer::connect(StreamerUri::zero(), options).await?;
    let producer = streamer
        .create_producer(hello.clone(), Default::default())
        .await?;
    let mut consumer = streamer
        .create_consumer(
            std::slice::from_ref(&hello),
            StdioConsumerOptions::default(),
        )
        .await?;
    let mut receipts = Vec::new();
    for i in 0..5 {
        receipts.push(producer.send(format!("{i}"))?);
    }
    let messages: Vec<_> = consumer.stream().take(5).collect().await;
    for (i, (message, receipt)) in messages.into_iter().zip(receipts).enumerate() {
        let message = message?;
        let receipt = receipt.await?;
        assert_eq!(message.message().as_str().unwrap(), i.to_string());
        assert_eq!(message.header(), &receipt);
        // The per-key counter continues across the disconnect: "-1" took 0..=4.
        assert_eq!(message.sequence() as usize, 5 + i);
        assert_eq!(message.shard_id().id(), 0);
    }
    // Non-UTF-8 payloads are refused.
    assert!(matches!(
        producer.send(&[0xffu8, 0xfe][..]),
        Err(StreamErr::Utf8Error(_))
    ));

    streamer.disconnect().await?;
    assert!(consumer.stream().next().await.is_none(), "stream ends");
    Ok(())
}

#[cfg(feature = "runtime-tokio")]
#[tokio::test]
async fn main() {
    run().await.unwrap();
}

#[cfg(feature = "runtime-async-std")]
#[async_std::test]
async fn main() {
    run().await.unwrap();
}

#[cfg(not(any(feature = "runtime-tokio", feature = "runtime-async-std")))]
#[test]
fn main() {
    futures::executor::block_on(run()).unwrap();
}
