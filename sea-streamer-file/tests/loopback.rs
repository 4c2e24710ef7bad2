//! tests-behaviour: codec round trips (`loopback`), `beacon`, `sink`, `rewind`, `source`.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    format::{
        Beacon, Checksum, HeaderV1, Marker, Message as Frame, MessageHeader as FrameHeader,
        RunningChecksum, ShortString,
    },
    BeaconReader, ByteBuffer, ByteSource, FileErr, FileSourceType, MessageSink, MessageSource,
    SeekErr, SeekTarget, StreamMode,
};
use sea_streamer_types::{
    Buffer, Message, MessageHeader, OwnedMessage, SeqPos, ShardId, StreamKey,
};
use util::*;

fn key(s: &str) -> StreamKey {
    StreamKey::new(s).unwrap()
}

fn now_ms() -> sea_streamer_types::Timestamp {
    ts_ms(millis_of(&sea_streamer_types::Timestamp::now_utc()))
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn loopback() {
    assert!(ShortString::new("a".repeat(55)).is_ok());
    assert!(ShortString::new("a".repeat(256)).is_err());

    let mut buf = ByteBuffer::new();
    let header = HeaderV1 {
        file_name: "hello".into(),
        created_at: now_ms(),
        beacon_interval: 12345,
    };
    assert_eq!(header.clone().write_to(&mut buf).unwrap(), 128);
    assert_eq!(HeaderV1::read_from(&mut buf).await.unwrap(), header);

    let mh = FrameHeader(MessageHeader::new(
        key("stream_key"),
        ShardId::new(1122334455667788),
        123456789101112,
        now_ms(),
    ));
    assert_eq!(mh.clone().write_to(&mut buf).unwrap(), mh.size());
    assert_eq!(FrameHeader::read_from(&mut buf).await.unwrap(), mh);

    let m = Frame {
        message: OwnedMessage::new(mh.0.clone(), b"123456789".to_vec()),
        checksum: 0,
    };
    let (n, crc) = m.clone().write_to(&mut buf).unwrap();
    assert_eq!(n, m.size());
    assert_eq!(crc, Checksum(0x4C06));
    let back = Frame::read_from(&mut buf).await.unwrap();
    assert_eq!(back.message, m.message);
    assert_eq!(back.checksum, 0x4C06);

    let beacon = Beacon {
        remaining_messages_bytes: 1234,
        items: vec![
            Marker {
                header: mh.0.clone(),
                running_checksum: Checksum(5678),
            },
            Marker {
                header: MessageHeader::new(key("b"), ShardId::new(2), 3, now_ms()),
                running_checksum: Checksum(9876),
            },
        ],
    };
    assert_eq!(beacon.clone().write_to(&mut buf).unwrap(), beacon.size());
    assert_eq!(Beacon::read_from(&mut buf).await.unwrap(), beacon);
    assert!(buf.is_empty());
    assert!(matches!(
        ByteBuffer::new().request_bytes(1).await,
        Err(FileErr::NotEnoughBytes)
    ));
}

/// Hand-made layout with interval 128.
fn beacon_file() -> sea_streamer_file::FileId {
    let file = temp_file("beacon");
    let mut bytes = Vec::new();
    HeaderV1 {
        file_name: "beacon".into(),
        created_at: now_ms(),
        beacon_interval: 128,
    }
    .write_to(&mut bytes)
    .unwrap();
    Beacon::empty().write_to(&mut bytes).unwrap();
    bytes.extend(1..=121u8);
    Beacon::empty().write_to(&mut bytes).unwrap();
    bytes.extend(101..=221u8);
    Beacon {
        remaining_messages_bytes: 2,
        items: vec![],
    }
    .write_to(&mut bytes)
    .unwrap();
    bytes.extend(222..=224u8);
    assert_eq!(bytes.len(), 384 + 7 + 3);
    std::fs::write(file.path(), bytes).unwrap();
    file
}

async fn read(source: &mut MessageSource, n: usize) -> Vec<u8> {
    source.request_bytes(n).await.unwrap().bytes()
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn beacon() {
    let file = beacon_file();
    let mut s = MessageSource::new(file.clone(), StreamMode::LiveReplay)
        .await
        .unwrap();
    assert_eq!(read(&mut s, 8).await, (1..=8).collect::<Vec<u8>>());
    assert_eq!(read(&mut s, 8).await, (9..=16).collect::<Vec<u8>>());
    assert_eq!(read(&mut s, 4).await, (17..=20).collect::<Vec<u8>>());
    read(&mut s, 101).await;
    assert_eq!(read(&mut s, 8).await, (101..=108).collect::<Vec<u8>>());

    assert_eq!(s.rewind(SeqPos::At(2)).await.unwrap(), 2);
    assert_eq!(read(&mut s, 7).await, (101..=107).collect::<Vec<u8>>());
    assert_eq!(read(&mut s, 1).await, vec![108]);

    assert_eq!(s.rewind(SeqPos::At(1)).await.unwrap(), 1);
    s.switch_to(FileSourceType::FileReader).await.unwrap();
    assert_eq!(read(&mut s, 4).await, vec![1, 2, 3, 4]);
    assert_eq!(read(&mut s, 4).await, vec![5, 6, 7, 8]);
    read(&mut s, 234).await;
    assert_eq!(read(&mut s, 3).await, vec![222, 223, 224]);
    assert!(matches!(
        s.request_bytes(1).await,
        Err(FileErr::NotEnoughBytes)
    ));

    assert_eq!(s.rewind(SeqPos::At(3)).await.unwrap(), 3);
    assert_eq!(read(&mut s, 1).await, vec![224]);
    assert!(matches!(
        s.request_bytes(1).await,
        Err(FileErr::NotEnoughBytes)
    ));
    std::fs::remove_file(file.path()).unwrap();
}

fn msg(seq: u64, payload: Vec<u8>, shard: u64) -> OwnedMessage {
    OwnedMessage::new(
        MessageHeader::new(key("hello"), ShardId::new(shard), seq, now_ms()),
        payload,
    )
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn sink() {
    let text = "The quick brown fox jumps over the lazy dog, then rests by the river...";
    assert_eq!(text.len(), 71);
    for interval in [128u32, 256, 512, 1024] {
        let file = temp_file("sink");
        let limit = 1024 * 1024;
        let mut sink = MessageSink::new(file.clone(), interval, limit)
            .await
            .unwrap();
        for i in 0..10 {
            sink.write(msg(i, text.into(), 0)).unwrap();
        }
        sink.end(false).await.unwrap();
        let mut sink = MessageSink::append(file.clone(), interval, limit)
            .await
            .unwrap();
        for i in 10..20 {
            sink.write(msg(i, text.into(), 0)).unwrap();
        }
        sink.end(true).await.unwrap();
        let mut sink = MessageSink::append(file.clone(), interval, limit)
            .await
            .unwrap();
        for i in 20..30 {
            sink.write(msg(i, text.into(), 0)).unwrap();
        }
        sink.end(true).await.unwrap();

        let mut source = MessageSource::new(file.clone(), StreamMode::Replay)
            .await
            .unwrap();
        for i in 0..30 {
            let m = source.next().await.unwrap();
            assert_eq!(
                m.message.stream_key().name(),
                "hello",
                "interval {interval} seq {i}"
            );
            assert_eq!(m.message.sequence(), i, "interval {interval}");
            assert_eq!(m.message.message().as_str().unwrap(), text);
        }
        let eos = source.next().await.unwrap();
        assert!(sea_streamer_file::is_end_of_stream(&eos.message));
        assert!(matches!(source.next().await, Err(FileErr::NotEnoughBytes)));
        std::fs::remove_file(file.path()).unwrap();
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn rewind() {
    let file = temp_file("rewind");
    let mut sink = MessageSink::new(file.clone(), 640, 1 << 20).await.unwrap();
    let mut source = MessageSource::new(file.clone(), StreamMode::LiveReplay)
        .await
        .unwrap();
    let mut rc = RunningChecksum::new();
    let lorem = "lorem ipsum dolor sit amet ".repeat(10)[..263].to_owned();

    async fn roundtrip(
        sink: &mut MessageSink,
        source: &mut MessageSource,
        rc: &mut RunningChecksum,
        m: OwnedMessage,
    ) {
        rc.update(sink.write(m.clone()).unwrap());
        sink.flush().await.unwrap();
        assert_eq!(source.next().await.unwrap().message, m);
    }

    roundtrip(
        &mut sink,
        &mut source,
        &mut rc,
        msg(1, b"world".to_vec(), 2),
    )
    .await;
    roundtrip(
        &mut sink,
        &mut source,
        &mut rc,
        msg(2, lorem.clone().into(), 2),
    )
    .await;
    roundtrip(
        &mut sink,
        &mut source,
        &mut rc,
        msg(3, lorem.clone().into(), 2),
    )
    .await;
    let (index, markers) = source.beacon();
    assert_eq!(index, 1);
    assert_eq!(markers[0].running_checksum, rc.crc());
    assert_eq!(*markers[0].header.sequence(), 3);

    roundtrip(
        &mut sink,
        &mut source,
        &mut rc,
        msg(4, lorem.clone().into(), 2),
    )
    .await;
    assert_eq!(source.rewind(SeqPos::At(1)).await.unwrap(), 1);
    assert_eq!(source.next().await.unwrap().message.sequence(), 4);
    assert_eq!(source.rewind(SeqPos::End).await.unwrap(), 1);

    roundtrip(&mut sink, &mut source, &mut rc, msg(5, vec![1u8; 768], 2)).await;
    roundtrip(&mut sink, &mut source, &mut rc, msg(6, b"six".to_vec(), 2)).await;
    assert_eq!(source.rewind(SeqPos::At(2)).await.unwrap(), 3);
    assert_eq!(source.next().await.unwrap().message.sequence(), 6);
    assert_eq!(source.rewind(SeqPos::Beginning).await.unwrap(), 0);
    assert_eq!(source.next().await.unwrap().message.sequence(), 1);
    assert_eq!(source.rewind(SeqPos::End).await.unwrap(), 3);
    roundtrip(
        &mut sink,
        &mut source,
        &mut rc,
        msg(7, b"seven".to_vec(), 2),
    )
    .await;
    std::fs::remove_file(file.path()).unwrap();
}

async fn source_run(pad: bool) {
    let file = temp_file("source");
    let mut sink = MessageSink::new(file.clone(), 640, 1 << 20).await.unwrap();
    let start = millis_of(&sea_streamer_types::Timestamp::now_utc());
    for i in 1..=10u64 {
        let mut payload = format!("message-{i}");
        if pad {
            payload.push_str(&" ".repeat(250));
        }
        let h = MessageHeader::new(key("hello"), ShardId::new(0), i, ts_ms(start + i as i64));
        sink.write(OwnedMessage::new(h, payload.into_bytes()))
            .unwrap();
    }
    sink.flush().await.unwrap();
    let mut s = MessageSource::new(file.clone(), StreamMode::Replay)
        .await
        .unwrap();
    let k = key("hello");
    let z = ShardId::new(0);
    s.seek(&k, &z, SeekTarget::SeqNo(0)).await.unwrap();
    assert_eq!(s.next().await.unwrap().message.sequence(), 1);
    assert_eq!(s.max_beacons(), if pad { 5 } else { 0 });
    s.seek(&k, &z, SeekTarget::SeqNo(1)).await.unwrap();
    assert_eq!(s.next().await.unwrap().message.sequence(), 1);
    s.seek(&k, &z, SeekTarget::SeqNo(5)).await.unwrap();
    for i in 5..=10 {
        let m = s.next().await.unwrap().message;
        assert_eq!(m.sequence(), i);
        assert_eq!(m.message().as_str().unwrap().trim(), format!("message-{i}"));
    }
    s.seek(&k, &z, SeekTarget::SeqNo(10)).await.unwrap();
    assert_eq!(s.next().await.unwrap().message.sequence(), 10);
    assert!(matches!(
        s.seek(&k, &z, SeekTarget::SeqNo(11)).await,
        Err(FileErr::SeekErr(SeekErr::OutOfBound))
    ));
    s.seek(&k, &z, SeekTarget::Timestamp(ts_ms(start)))
        .await
        .unwrap();
    assert_eq!(s.next().await.unwrap().message.sequence(), 1);
    s.seek(&k, &z, SeekTarget::Timestamp(ts_ms(start + 5)))
        .await
        .unwrap();
    for i in 6..=10 {
        assert_eq!(s.next().await.unwrap().message.sequence(), i);
    }
    assert!(matches!(
        s.seek(&k, &z, SeekTarget::Timestamp(ts_ms(start + 10)))
            .await,
        Err(FileErr::SeekErr(SeekErr::OutOfBound))
    ));
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn source() {
    source_run(false).await;
    source_run(true).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn file() {
    use sea_streamer_file::{AsyncFile, ByteSink, Bytes, FileSink, FileSource, ReadFrom};
    let id = temp_file("file");
    let mut sink = FileSink::new(AsyncFile::new_ow(id.clone()).await.unwrap(), 1 << 20).unwrap();
    let mut source = FileSource::new(id.clone(), ReadFrom::Beginning)
        .await
        .unwrap();
    async fn get(source: &mut FileSource, n: usize) -> Vec<u8> {
        source.request_bytes(n).await.unwrap().bytes()
    }
    sink.write(Bytes::from_slice(&[1, 2, 3, 4])).unwrap();
    sink.flush(1).await.unwrap();
    assert_eq!(get(&mut source, 4).await, vec![1, 2, 3, 4]);
    sink.write(Bytes::from_slice(&[5, 6, 7, 8])).unwrap();
    sink.flush(2).await.unwrap();
    assert_eq!(get(&mut source, 2).await, vec![5, 6]);
    assert_eq!(get(&mut source, 2).await, vec![7, 8]);

    source.seek(SeqPos::Beginning).await.unwrap();
    assert_eq!(get(&mut source, 6).await, vec![1, 2, 3, 4, 5, 6]);
    source.seek(SeqPos::At(4)).await.unwrap();
    assert_eq!(get(&mut source, 4).await, vec![5, 6, 7, 8]);

    source.seek(SeqPos::At(6)).await.unwrap();
    sink.write(Bytes::from_slice(&[9, 10])).unwrap();
    sink.flush(3).await.unwrap();
    assert_eq!(get(&mut source, 4).await, vec![7, 8, 9, 10]);

    source.seek(SeqPos::End).await.unwrap();
    sink.write(Bytes::from_slice(&[11, 12])).unwrap();
    sink.flush(4).await.unwrap();
    assert_eq!(get(&mut source, 2).await, vec![11, 12]);

    // codecs through a FileSink, and the quota
    let header = HeaderV1 {
        file_name: "hello".into(),
        created_at: now_ms(),
        beacon_interval: 12345,
    };
    header.write_to(&mut sink).unwrap();
    let m = Frame {
        message: OwnedMessage::new(
            MessageHeader::new(key("stream_key"), ShardId::new(1), 2, now_ms()),
            vec![7u8; 200],
        ),
        checksum: 0,
    };
    m.write_to(&mut sink).unwrap();
    let mut file = sink.end().await.unwrap();
    assert!(file.resize().await.unwrap() > 256);

    let mut small = FileSink::new(AsyncFile::new_ow(id.clone()).await.unwrap(), 3).unwrap();
    assert!(matches!(
        small.write(Bytes::from_slice(&[1, 2, 3, 4])),
        Err(FileErr::FileLimitExceeded)
    ));
    small.end().await.unwrap();
    assert_eq!(std::fs::read(id.path()).unwrap(), vec![1, 2, 3]);
    std::fs::remove_file(id.path()).unwrap();
}
