//! `DynFileSource` (switching between bounded and following readers) and `FileSinkWriter`.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    AsyncFile, ByteSink, ByteSource, Bytes, DynFileSource, FileErr, FileSink, FileSourceType,
};
use sea_streamer_types::SeqPos;
use std::io::{ErrorKind, Write};
use util::*;

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn dyn_file_source_switches_at_the_same_offset() {
    let file = temp_file("dyn");
    std::fs::write(file.path(), b"0123456789").unwrap();

    let mut source = DynFileSource::new(file.clone(), FileSourceType::FileReader)
        .await
        .unwrap();
    assert_eq!(source.source_type(), FileSourceType::FileReader);
    assert!(!source.is_dead());
    assert_eq!(source.file_size(), 10);
    let bytes = Bytes::read_from(&mut source, 4).await.unwrap();
    assert_eq!(bytes.bytes(), b"0123");
    assert_eq!(source.offset(), 4);
    // bounded: past the end is an error
    assert!(matches!(
        source.request_bytes(7).await,
        Err(FileErr::NotEnoughBytes)
    ));

    // seek, then switch to following at the same offset
    assert_eq!(source.seek(SeqPos::At(6)).await.unwrap(), 6);
    let mut source = source.switch_to(FileSourceType::FileSource).await.unwrap();
    assert_eq!(source.source_type(), FileSourceType::FileSource);
    assert_eq!(source.offset(), 6);
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(file.path())
        .unwrap();
    out.write_all(b"abc").unwrap();
    // following: waits for the bytes the file grew by
    let bytes = source.request_bytes(7).await.unwrap();
    assert_eq!(bytes.bytes(), b"6789abc");

    // and back to bounded
    let mut source = source.switch_to(FileSourceType::FileReader).await.unwrap();
    assert_eq!(source.offset(), 13);
    assert!(matches!(
        source.request_bytes(1).await,
        Err(FileErr::NotEnoughBytes)
    ));
    let file_handle = source.end().await;
    assert_eq!(file_handle.pos(), 13);

    // a dead source reads nothing and cannot switch
    let mut dead = DynFileSource::Dead;
    assert!(dead.is_dead());
    assert_eq!((dead.offset(), dead.file_size()), (0, 0));
    assert!(matches!(
        dead.request_bytes(1).await,
        Err(FileErr::StreamEnded)
    ));
    assert!(matches!(
        dead.seek(SeqPos::Beginning).await,
        Err(FileErr::StreamEnded)
    ));
    assert!(matches!(
        dead.switch_to(FileSourceType::FileSource).await,
        Err(FileErr::StreamEnded)
    ));
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn file_sink_writer_shares_order_and_quota() {
    let file = temp_file("sink-writer");
    let mut sink = FileSink::new(AsyncFile::new_ow(file.clone()).await.unwrap(), 20).unwrap();
    sink.write(Bytes::from_slice(b"head;")).unwrap();
    let mut writer = sink.as_writer();
    write!(writer, "n={};", 42).unwrap();
    writer.flush().unwrap();
    sink.write(Bytes::from_slice(b"mid;")).unwrap();
    // 5 + 5 + 4 = 14 bytes used; 6 left: a short write, then the limit
    assert_eq!(writer.write(b"0123456789").unwrap(), 6);
    let err = writer.write(b"x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(err.to_string().contains("File Limit Exceeded"), "{err}");
    assert!(matches!(
        sink.write(Bytes::from_slice(b"y")),
        Err(FileErr::FileLimitExceeded)
    ));
    let second = sink.as_writer();
    writer.end().unwrap();
    assert_eq!(std::fs::read(file.path()).unwrap(), b"head;n=42;mid;012345");

    // after the sink ended, its writers fail instead of losing bytes
    sink.end().await.unwrap();
    let mut second = second;
    assert_eq!(
        second.write(b"late").unwrap_err().kind(),
        ErrorKind::Other // quota is exhausted first
    );
    std::fs::remove_file(file.path()).unwrap();

    let file = temp_file("sink-writer-ended");
    let mut sink = FileSink::new(AsyncFile::new_ow(file.clone()).await.unwrap(), 100).unwrap();
    let mut writer = sink.as_writer();
    writer.write_all(b"kept").unwrap();
    sink.end().await.unwrap();
    assert_eq!(
        writer.write(b"late").unwrap_err().kind(),
        ErrorKind::BrokenPipe
    );
    assert_eq!(std::fs::read(file.path()).unwrap(), b"kept");
    std::fs::remove_file(file.path()).unwrap();
}
