//! `sea_streamer::fuse` (feature `fuse`) over the `socket` facade: the upstream pairing
//! `StreamJoin<SeaMessageStream<'a>, SeaMessage<'a>, StreamErr<BackendErr>>` compiles, and
//! runs on a real `.ss` file through `SeaStreamer`.
#![cfg(all(feature = "socket", feature = "fuse"))]

use sea_streamer::fuse::StreamJoin;
use sea_streamer::{BackendErr, SeaMessage, SeaMessageStream, StreamErr, StreamKey};

/// The type a 0.5.2 program names: a join over one `SeaConsumer`'s stream.
type SeaJoin<'a> = StreamJoin<SeaMessageStream<'a>, SeaMessage<'a>, StreamErr<BackendErr>>;

fn join_of<'a>(stream: SeaMessageStream<'a>, keys: &[StreamKey]) -> SeaJoin<'a> {
    let mut join = StreamJoin::muxed(stream);
    for key in keys {
        join.align(key.clone());
    }
    join
}

#[test]
fn the_upstream_pairing_is_a_stream_of_sea_messages() {
    fn is_stream<S>(_: fn(SeaMessageStream<'static>, &[StreamKey]) -> S)
    where
        S: sea_streamer::export::futures::Stream<
            Item = Result<SeaMessage<'static>, StreamErr<BackendErr>>,
        >,
    {
    }
    is_stream(join_of);
}

#[cfg(all(feature = "file", feature = "runtime-tokio"))]
#[tokio::test]
async fn sea_consumer_of_a_file_joined_by_timestamp() {
    use sea_streamer::export::futures::StreamExt;
    use sea_streamer::file::{FileErr, FileId, MessageSink};
    use sea_streamer::{
        Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, MessageHeader, OwnedMessage,
        SeaConsumerOptions, SeaStreamReset, SeaStreamer, ShardId, Streamer, Timestamp,
    };

    // one file, two keys: all of `a` (1 3 5 7 9), then all of `b` (2 4 6 8 10), then EOS
    let path = tempfile::Builder::new().suffix(".ss").tempfile().unwrap();
    let file = FileId::new(path.path().to_str().unwrap());
    let mut sink = MessageSink::new(file.clone(), 1024, u64::MAX)
        .await
        .unwrap();
    let (a, b) = (StreamKey::new("a").unwrap(), StreamKey::new("b").unwrap());
    for (key, times) in [(&a, [1, 3, 5, 7, 9]), (&b, [2, 4, 6, 8, 10])] {
        for (i, t) in times.into_iter().enumerate() {
            let ts = Timestamp::from_unix_timestamp(1_700_000_000 + t).unwrap();
            let header = MessageHeader::new(key.clone(), ShardId::new(0), i as u64 + 1, ts);
            sink.write(OwnedMessage::new(header, t.to_string().into_bytes()))
                .unwrap();
        }
    }
    sink.end(true).await.unwrap();

    let streamer = SeaStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let mut options = SeaConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(SeaStreamReset::Earliest);
    let mut consumer = streamer
        .create_consumer(&[a.clone(), b.clone()], options)
        .await
        .unwrap();

    let mut join = join_of(consumer.stream(), &[a, b]);
    let mut out = Vec::new();
    let mut end = None;
    while let Some(item) = join.next().await {
        match item {
            Ok(m) => out.push(format!(
                "{}{}",
                m.stream_key(),
                m.message().as_str().unwrap()
            )),
            Err(e) => {
                assert!(end.is_none(), "one error only");
                end = Some(e);
            }
        }
    }
    // the spec's first worked example, on a real consumer; the file's end arrives as an
    // error, which comes out after the buffer drained
    assert_eq!(out.join(" "), "a1 b2 a3 b4 a5 b6 a7 b8 a9 b10",);
    assert!(
        matches!(
            end,
            Some(StreamErr::Backend(BackendErr::File(FileErr::StreamEnded)))
        ),
        "{end:?}"
    );
}
