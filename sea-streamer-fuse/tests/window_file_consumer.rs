//! Windows over a real consumer: a `.ss` file holding two interleaved streams (with one
//! message out of order beyond the allowed lateness), read by one `FileStreamer` consumer
//! of both keys. The file ends with EOS, which the consumer reports as an error: the window
//! stream flushes its open windows and then yields that error. Reading the file a second
//! time gives the same windows (event time only: a replay equals the first run).

mod window_common;

use futures::StreamExt;
use sea_streamer_file::{
    AutoStreamReset, FileConsumerOptions, FileErr, FileId, FileStreamer, MessageSink,
};
use sea_streamer_fuse::{WindowSpec, WindowStream, WindowStreamErr};
use sea_streamer_types::{
    Consumer, ConsumerMode, ConsumerOptions, MessageHeader, OwnedMessage, SeqNo, ShardId,
    SharedMessage, StreamErr, StreamKey, Streamer,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use window_common::{at, render, sum, value_of};

/// (key, second, value) of the messages, in file order.
const INPUT: &[(&str, i64, i64)] = &[
    ("a", 1, 1),
    ("b", 2, 2),
    ("a", 5, 4),
    ("b", 11, 8),
    ("a", 9, 16), // 2 s behind b11, within the lateness: in [0, 10)
    ("a", 13, 32),
    ("b", 14, 64),
    ("a", 3, 128), // watermark 11: [0, 10) closed, late
    ("b", 20, 256),
    ("a", 25, 512),
];

async fn write_file() -> FileId {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!("fuse-window-{}-{nanos}.ss", std::process::id()));
    let file = FileId::new(path.to_str().unwrap());
    let mut sink = MessageSink::new(file.clone(), 1024, u64::MAX)
        .await
        .unwrap();
    for (i, (key, t, value)) in INPUT.iter().enumerate() {
        let header = MessageHeader::new(
            StreamKey::new(*key).unwrap(),
            ShardId::new(0),
            i as SeqNo + 1,
            at(*t),
        );
        sink.write(OwnedMessage::new(header, value.to_string().into_bytes()))
            .unwrap();
    }
    sink.end(true).await.unwrap();
    file
}

/// Windows of the file's streams (tumbling 10 s, lateness 3 s), rendered, and the late
/// messages' values.
async fn windows_of(file: &FileId) -> (Vec<String>, Vec<i64>) {
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let keys = [StreamKey::new("a").unwrap(), StreamKey::new("b").unwrap()];
    let mut consumer = streamer.create_consumer(&keys, options).await.unwrap();
    let spec = WindowSpec::tumbling(Duration::from_secs(10))
        .unwrap()
        .with_allowed_lateness(Duration::from_secs(3));
    let mut windows = WindowStream::by_stream_key(consumer.stream(), spec, sum::<SharedMessage>());
    let late = Arc::new(Mutex::new(Vec::new()));
    let seen = late.clone();
    windows.on_late(move |m: SharedMessage| seen.lock().unwrap().push(value_of(&m)));
    let mut out = Vec::new();
    while let Some(item) = windows.next().await {
        match item {
            Ok(w) => out.push(render(&w)),
            Err(WindowStreamErr::Input(StreamErr::Backend(FileErr::StreamEnded))) => {
                out.push("EOS".to_owned())
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(windows.late_count(), late.lock().unwrap().len() as u64);
    let late = late.lock().unwrap().clone();
    (out, late)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_of_a_file_consumer_then_its_end() {
    let file = write_file().await;
    let (out, late) = windows_of(&file).await;
    assert_eq!(
        out,
        [
            // closed by b14 (watermark 11)
            "a[0,10)=21/3",
            "b[0,10)=2/1",
            // closed by a25 (watermark 22)
            "a[10,20)=32/1",
            "b[10,20)=72/2",
            // flushed at the end of the file, then its EOS error
            "a[20,30)=512/1",
            "b[20,30)=256/1",
            "EOS",
        ]
        .map(String::from)
    );
    assert_eq!(late, [128]);
    // a replay of the same file gives the same windows
    assert_eq!(windows_of(&file).await, (out, late));
    std::fs::remove_file(file.path()).ok();
}
