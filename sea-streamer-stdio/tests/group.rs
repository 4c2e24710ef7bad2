//! A LoadBalanced group: each message goes to member `sequence % members`.

use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioErr, StdioStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, SeqNo,
    StreamErr, StreamKey, Streamer, StreamerUri,
};

async fn take(
    consumer: &sea_streamer_stdio::StdioConsumer,
    n: usize,
) -> Result<Vec<(String, SeqNo)>, StreamErr<StdioErr>> {
    let mut out = Vec::new();
    for _ in 0..n {
        let m = consumer.next().await?;
        out.push((m.message().as_str().unwrap().to_owned(), m.sequence()));
    }
    Ok(out)
}

fn pairs(items: &[(&str, SeqNo)]) -> Vec<(String, SeqNo)> {
    items.iter().map(|(p, s)| (p.to_string(), *s)).collect()
}

async fn run() -> Result<(), StreamErr<StdioErr>> {
    let hello = StreamKey::new("hello")?;
    let mut options = StdioConnectOptions::default();
    options.set_loopback(true);
    let streamer = StdioStreamer::connect(StreamerUri::zero(), options).await?;
    let producer = streamer
        .create_producer(hello.clone(), Default::default())
        .await?;

    let mut options = StdioConsumerOptions::new(ConsumerMode::LoadBalanced);
    assert!(matches!(
        streamer
            .create_consumer(std::slice::from_ref(&hello), options.clone())
            .await,
        Err(StreamErr::ConsumerGroupNotSet)
    ));
    options.set_consumer_group(ConsumerGroup::new("abc"))?;
    let first = streamer
        .create_consumer(std::slice::from_ref(&hello), options.clone())
        .await?;

    for i in 0..4 {
        producer.send(format!("{i}"))?;
    }
    assert_eq!(
        take(&first, 4).await?,
        pairs(&[("0", 0), ("1", 1), ("2", 2), ("3", 3)])
    );

    let second = streamer
        .create_consumer(std::slice::from_ref(&hello), options.clone())
        .await?;
    for i in 0..10 {
        producer.send(format!("{i}"))?;
    }
    assert_eq!(
        take(&first, 5).await?,
        pairs(&[("0", 4), ("2", 6), ("4", 8), ("6", 10), ("8", 12)])
    );
    assert_eq!(
        take(&second, 5).await?,
        pairs(&[("1", 5), ("3", 7), ("5", 9), ("7", 11), ("9", 13)])
    );

    assert!(matches!(
        streamer
            .create_consumer(&[hello], StdioConsumerOptions::new(ConsumerMode::Resumable))
            .await,
        Err(StreamErr::Unsupported(_))
    ));
    streamer.disconnect().await?;
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
