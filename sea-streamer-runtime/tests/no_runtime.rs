//! Behaviour of the stubs when no runtime feature is enabled.
#![cfg(not(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
)))]

use sea_streamer_runtime::{
    sleep, spawn_blocking, spawn_task, timeout, AsyncMutex, JoinError, TaskHandle, TimeoutError,
};
use smol::future::block_on;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

#[test]
fn spawn_does_not_run_and_fails() {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let handle: TaskHandle<()> = spawn_task(async move { flag.store(true, Ordering::SeqCst) });
    let err: JoinError = block_on(handle).unwrap_err();
    assert!(!ran.load(Ordering::SeqCst));
    assert!(err.to_string().contains("runtime-tokio"), "{err}");

    let flag = ran.clone();
    let err = block_on(spawn_blocking(move || flag.store(true, Ordering::SeqCst))).unwrap_err();
    assert!(!ran.load(Ordering::SeqCst));
    assert!(
        err.to_string().contains("enable a runtime feature"),
        "{err}"
    );
}

#[test]
fn timeout_always_fails() {
    let err: TimeoutError = block_on(timeout(Duration::from_secs(1), async { 1 })).unwrap_err();
    assert!(err.to_string().contains("runtime-smol"), "{err}");
}

#[test]
#[should_panic(expected = "Please enable a runtime feature")]
fn sleep_panics_with_clear_message() {
    block_on(sleep(Duration::from_millis(1)));
}

#[test]
fn mutex_still_works() {
    let m = AsyncMutex::new(1);
    block_on(async {
        *m.lock().await += 1;
        assert_eq!(*m.lock().await, 2);
    });
}

#[cfg(feature = "file")]
#[test]
fn file_stubs_fail_with_clear_error() {
    use sea_streamer_runtime::file::{
        AsyncReadExt, AsyncSeekExt, AsyncWriteExt, File, OpenOptions, SeekFrom,
    };
    use std::io::ErrorKind;

    block_on(async {
        let err = File::open("Cargo.toml").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);
        assert!(err.to_string().contains("Please enable a runtime feature"));

        let err = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .append(true)
            .truncate(false)
            .create_new(false)
            .open("x")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);

        let mut file = File;
        assert!(file.read(&mut [0u8; 4]).await.is_err());
        assert!(file.write_all(b"x").await.is_err());
        assert!(file.seek(SeekFrom::Start(0)).await.is_err());
        assert!(file.metadata().await.is_err());
        assert!(file.flush().await.is_err());
        assert!(file.sync_all().await.is_err());
    });
}

#[test]
fn tcp_connect_fails_with_clear_error() {
    let err = block_on(sea_streamer_runtime::net::TcpStream::connect(
        "127.0.0.1",
        6379,
        Duration::from_secs(1),
    ))
    .unwrap_err();
    assert!(err.to_string().contains("runtime-tokio"), "{err}");
}
