//! The reader thread and its subscribers, with the reader held at the test-only gate.

use super::gate;
use crate::{
    AutoStreamReset, FileConsumerOptions, FileId, FileStreamer, MessageSink,
    DEFAULT_FILE_SIZE_LIMIT,
};
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, MessageHeader, OwnedMessage,
    ShardId, StreamKey, Streamer, Timestamp,
};
use std::future::{poll_fn, Future};
use std::task::Poll;
use std::time::Duration;

/// How long a member may take to receive its message before the test fails.
const WAIT: Duration = Duration::from_secs(20);

fn frame(key: &StreamKey, seq: u64) -> OwnedMessage {
    let header = MessageHeader::new(key.clone(), ShardId::new(0), seq, Timestamp::now_utc());
    OwnedMessage::new(header, seq.to_string().into_bytes())
}

/// A fresh, empty file in the temporary directory.
fn temp_file() -> FileId {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!("ss-unit-join-{}-{nanos}.ss", std::process::id()));
    FileId::new(path.to_str().expect("a UTF-8 temporary directory"))
}

/// A group member is dealt its share of every frame written after its `create_consumer`
/// returned, even when the group's reader thread was between taking its control messages
/// and reading its next batch as the member joined (before 19f8017 the member was handed out
/// before the reader had added it, and that batch went to the other members only).
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(
    all(feature = "runtime-async-std", not(feature = "runtime-tokio")),
    async_std::test
)]
async fn a_member_gets_its_share_of_what_is_written_after_it_joined() {
    let file = temp_file();
    let mut sink = MessageSink::new(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .expect("file sink");
    sink.flush().await.expect("flush the header");
    let streamer = FileStreamer::connect(file.to_streamer_uri().expect("uri"), Default::default())
        .await
        .expect("connect");
    let key = StreamKey::new("nuts").expect("key");
    let mut options = FileConsumerOptions::new(ConsumerMode::LoadBalanced);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options.set_live_streaming(true);
    options
        .set_consumer_group(ConsumerGroup::new("friends"))
        .expect("group");
    let chip = streamer
        .create_consumer(std::slice::from_ref(&key), options.clone())
        .await
        .expect("first member");

    // the group's reader stops at the gate (after taking its control messages)
    let (parked, held) = gate::close(&file);
    parked
        .recv_async()
        .await
        .expect("the reader reaches the gate");
    let mut held = Some(held);
    let joining = streamer.create_consumer(std::slice::from_ref(&key), options);
    let mut joining = std::pin::pin!(joining);
    let first_poll = poll_fn(|cx| Poll::Ready(joining.as_mut().poll(cx))).await;
    let dale = match first_poll {
        // handed out while the reader could not have added it yet
        Poll::Ready(dale) => dale,
        Poll::Pending => {
            // it waits for the reader: let the reader go on
            held = None;
            joining.await
        }
    }
    .expect("second member");
    // two frames written after the second member exists: one for each member
    sink.write(frame(&key, 1)).expect("write");
    sink.write(frame(&key, 2)).expect("write");
    sink.flush().await.expect("flush");
    drop(held);

    let mut got = Vec::new();
    for (name, member) in [("chip", &chip), ("dale", &dale)] {
        let message = sea_streamer_runtime::timeout(WAIT, member.next())
            .await
            .unwrap_or_else(|_| panic!("{name} got nothing of the two frames within {WAIT:?}"))
            .expect("next");
        got.push(message.sequence());
    }
    got.sort_unstable();
    assert_eq!(got, vec![1, 2], "each member gets one of the two frames");
    drop((chip, dale));
    let _ = std::fs::remove_file(file.path());
}
