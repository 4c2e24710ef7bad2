//! The traits can be implemented as specified, and the provided methods behave.

use futures::{
    future::{ready, Ready},
    stream::{repeat_with, RepeatWith},
};
use sea_streamer_types::{
    export::futures, Buffer, ConnectOptions, Consumer, ConsumerGroup, ConsumerMode,
    ConsumerOptions, MessageHeader, Producer, ProducerOptions, Receipt, SeqNo, SeqPos, ShardId,
    SharedMessage, StreamErr, StreamKey, StreamResult, Streamer, StreamerUri, Timestamp,
};
use std::{
    future::Future,
    pin::pin,
    sync::{Arc, Mutex},
    task::{Context, Poll, Waker},
    time::Duration,
};

#[derive(Debug)]
struct MockErr;

impl std::fmt::Display for MockErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("mock")
    }
}

impl std::error::Error for MockErr {}

/// Polls a future that is expected to be ready at once.
fn now<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("future is not ready"),
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[derive(Debug, Default, Clone)]
struct MockConnect {
    timeout: Option<Duration>,
}

impl ConnectOptions for MockConnect {
    type Error = MockErr;

    fn timeout(&self) -> StreamResult<Duration, MockErr> {
        self.timeout.ok_or(StreamErr::TimeoutNotSet)
    }

    fn set_timeout(&mut self, d: Duration) -> StreamResult<&mut Self, MockErr> {
        self.timeout = Some(d);
        Ok(self)
    }
}

#[derive(Debug, Default, Clone)]
struct MockConsumerOptions {
    mode: ConsumerMode,
    group: Option<ConsumerGroup>,
}

impl ConsumerOptions for MockConsumerOptions {
    type Error = MockErr;

    fn new(mode: ConsumerMode) -> Self {
        Self { mode, group: None }
    }

    fn mode(&self) -> StreamResult<&ConsumerMode, MockErr> {
        Ok(&self.mode)
    }

    fn consumer_group(&self) -> StreamResult<&ConsumerGroup, MockErr> {
        self.group.as_ref().ok_or(StreamErr::ConsumerGroupNotSet)
    }

    fn set_consumer_group(&mut self, group_id: ConsumerGroup) -> StreamResult<&mut Self, MockErr> {
        self.group = Some(group_id);
        Ok(self)
    }
}

#[derive(Debug, Default, Clone)]
struct MockProducerOptions;

impl ProducerOptions for MockProducerOptions {}

type Log = Arc<Mutex<Vec<SharedMessage>>>;

#[derive(Debug, Clone)]
struct MockProducer {
    log: Log,
    anchor: Option<StreamKey>,
}

impl Producer for MockProducer {
    type Error = MockErr;
    type SendFuture = Ready<StreamResult<Receipt, MockErr>>;

    fn send_to<S: Buffer>(
        &self,
        stream: &StreamKey,
        payload: S,
    ) -> StreamResult<Self::SendFuture, MockErr> {
        let mut log = self.log.lock().unwrap();
        let header = MessageHeader::new(
            stream.clone(),
            ShardId::new(0),
            log.len() as SeqNo,
            Timestamp::now_utc(),
        );
        let bytes = payload.into_bytes();
        let len = bytes.len();
        log.push(SharedMessage::new(header.clone(), bytes, 0, len));
        Ok(ready(Ok(header)))
    }

    async fn end(self) -> StreamResult<(), MockErr> {
        Ok(())
    }

    async fn flush(&mut self) -> StreamResult<(), MockErr> {
        Ok(())
    }

    fn anchor(&mut self, stream: StreamKey) -> StreamResult<(), MockErr> {
        if self.anchor.is_some() {
            return Err(StreamErr::AlreadyAnchored);
        }
        self.anchor = Some(stream);
        Ok(())
    }

    fn anchored(&self) -> StreamResult<&StreamKey, MockErr> {
        self.anchor.as_ref().ok_or(StreamErr::NotAnchored)
    }
}

struct MockConsumer {
    log: Log,
}

impl MockConsumer {
    fn pop(&self) -> StreamResult<SharedMessage, MockErr> {
        let mut log = self.log.lock().unwrap();
        if log.is_empty() {
            Err(StreamErr::Backend(MockErr))
        } else {
            Ok(log.remove(0))
        }
    }
}

type MockStream<'a> =
    RepeatWith<Box<dyn FnMut() -> StreamResult<SharedMessage, MockErr> + Send + Sync + 'a>>;

impl Consumer for MockConsumer {
    type Error = MockErr;
    type Message<'a> = SharedMessage;
    type NextFuture<'a> = Ready<StreamResult<SharedMessage, MockErr>>;
    type Stream<'a> = MockStream<'a>;

    async fn seek(&mut self, _: Timestamp) -> StreamResult<(), MockErr> {
        Err(StreamErr::Unsupported("seek".into()))
    }

    async fn rewind(&mut self, _: SeqPos) -> StreamResult<(), MockErr> {
        Err(StreamErr::Unsupported("rewind".into()))
    }

    fn assign(&mut self, _: (StreamKey, ShardId)) -> StreamResult<(), MockErr> {
        Err(StreamErr::StreamKeyNotFound)
    }

    fn unassign(&mut self, _: (StreamKey, ShardId)) -> StreamResult<(), MockErr> {
        Err(StreamErr::StreamKeyNotFound)
    }

    fn next(&self) -> Self::NextFuture<'_> {
        ready(self.pop())
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> Self::Stream<'a> {
        repeat_with(Box::new(move || self.pop()))
    }
}

struct MockStreamer {
    log: Log,
}

impl Streamer for MockStreamer {
    type Error = MockErr;
    type Producer = MockProducer;
    type Consumer = MockConsumer;
    type ConnectOptions = MockConnect;
    type ConsumerOptions = MockConsumerOptions;
    type ProducerOptions = MockProducerOptions;

    async fn connect(_: StreamerUri, _: MockConnect) -> StreamResult<Self, MockErr> {
        Ok(Self {
            log: Default::default(),
        })
    }

    async fn disconnect(self) -> StreamResult<(), MockErr> {
        Ok(())
    }

    fn create_generic_producer(
        &self,
        _: MockProducerOptions,
    ) -> impl Future<Output = StreamResult<MockProducer, MockErr>> + Send {
        ready(Ok(MockProducer {
            log: self.log.clone(),
            anchor: None,
        }))
    }

    async fn create_consumer(
        &self,
        _: &[StreamKey],
        _: MockConsumerOptions,
    ) -> StreamResult<MockConsumer, MockErr> {
        Ok(MockConsumer {
            log: self.log.clone(),
        })
    }
}

#[test]
fn options_traits() {
    let mut connect = MockConnect::default();
    assert!(matches!(connect.timeout(), Err(StreamErr::TimeoutNotSet)));
    connect.set_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!(connect.timeout().unwrap(), Duration::from_secs(1));

    let mut options = MockConsumerOptions::new(ConsumerMode::LoadBalanced);
    assert_eq!(options.mode().unwrap(), &ConsumerMode::LoadBalanced);
    assert!(matches!(
        options.consumer_group(),
        Err(StreamErr::ConsumerGroupNotSet)
    ));
    options
        .set_consumer_group(ConsumerGroup::new("friends"))
        .unwrap();
    assert_eq!(options.consumer_group().unwrap().name(), "friends");
}

#[test]
fn provided_methods() {
    use futures::StreamExt;
    use sea_streamer_types::Message;

    let streamer = now(MockStreamer::connect(
        StreamerUri::zero(),
        MockConnect::default(),
    ))
    .unwrap();
    let key = StreamKey::new("hello").unwrap();

    let generic = now(streamer.create_generic_producer(MockProducerOptions)).unwrap();
    assert!(matches!(generic.send("x"), Err(StreamErr::NotAnchored)));

    // The provided `create_producer` anchors the producer and is `Send`.
    let fut = assert_send(streamer.create_producer(key.clone(), MockProducerOptions));
    let mut producer = now(fut).unwrap();
    assert_eq!(producer.anchored().unwrap(), &key);
    assert!(matches!(
        producer.anchor(key.clone()),
        Err(StreamErr::AlreadyAnchored)
    ));

    let receipt = now(producer.send("one").unwrap()).unwrap();
    assert_eq!(receipt.stream_key(), &key);
    assert_eq!(receipt.sequence(), &0);
    let payload = b"two".to_vec();
    // Dropping the send future without awaiting it is allowed.
    drop(producer.send(payload.as_slice()).unwrap());
    now(producer.flush()).unwrap();
    now(producer.end()).unwrap();

    let mut consumer =
        now(streamer.create_consumer(std::slice::from_ref(&key), Default::default())).unwrap();
    let first = now(consumer.next()).unwrap();
    assert_eq!(first.message().as_str().unwrap(), "one");
    let second = now(consumer.stream().next()).unwrap().unwrap();
    assert_eq!(second.message().as_str().unwrap(), "two");
    assert!(matches!(
        now(consumer.next()),
        Err(StreamErr::Backend(MockErr))
    ));
    assert!(matches!(
        now(consumer.seek(Timestamp::now_utc())),
        Err(StreamErr::Unsupported(_))
    ));
    assert!(matches!(
        now(consumer.rewind(SeqPos::Beginning)),
        Err(StreamErr::Unsupported(_))
    ));
    assert!(consumer.assign((key.clone(), ShardId::new(0))).is_err());
    assert!(consumer.unassign((key, ShardId::new(0))).is_err());
    now(streamer.disconnect()).unwrap();
}
