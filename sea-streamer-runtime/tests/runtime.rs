//! Behaviour of the shim under the selected runtime.
#![cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]

#[macro_use]
mod common;

use futures::channel::oneshot;
use sea_streamer_runtime::{
    sleep, spawn_blocking, spawn_task, timeout, AsyncMutex, JoinError, TaskHandle,
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

const LONG: Duration = Duration::from_secs(30);

runtime_test!(spawn_and_join, {
    let handle: TaskHandle<u32> = spawn_task(async { 40 + 2 });
    let res: Result<u32, JoinError> = handle.await;
    assert_eq!(res.unwrap(), 42);
});

runtime_test!(dropping_handle_detaches, {
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel::<u32>();
    let handle = spawn_task(async move {
        go_rx.await.expect("go signal");
        done_tx.send(7).expect("receiver alive");
    });
    drop(handle);
    go_tx
        .send(())
        .expect("task must still be alive after its handle was dropped");
    let value = timeout(LONG, done_rx).await.expect("task finished");
    assert_eq!(value.expect("task sent its value"), 7);
});

runtime_test!(panicking_task_is_join_error, {
    let handle = spawn_task(async {
        if true {
            panic!("deliberate panic in a test task");
        }
        1u8
    });
    let res = handle.await;
    assert!(
        res.is_err(),
        "a panicking task must resolve to Err(JoinError)"
    );
    let msg = res.unwrap_err().to_string();
    assert!(!msg.is_empty());
});

runtime_test!(sleep_waits_at_least_the_duration, {
    let start = Instant::now();
    sleep(Duration::from_millis(20)).await;
    assert!(start.elapsed() >= Duration::from_millis(20));
});

runtime_test!(timeout_elapses, {
    let res = timeout(Duration::from_millis(10), futures::future::pending::<()>()).await;
    let err = res.expect_err("a pending future must time out");
    assert!(!err.to_string().is_empty());
    let _: &dyn std::error::Error = &err;
});

runtime_test!(timeout_completes, {
    let res = timeout(LONG, async { "done" }).await;
    assert_eq!(res.unwrap(), "done");
    let res = timeout(LONG, spawn_task(async { 5 })).await;
    assert_eq!(res.unwrap().unwrap(), 5);
});

runtime_test!(mutex_serialises_access, {
    let counter = Arc::new(AsyncMutex::new(0u32));
    let mut handles = Vec::new();
    for _ in 0..8 {
        let counter = counter.clone();
        handles.push(spawn_task(async move {
            for _ in 0..50 {
                let mut guard = counter.lock().await;
                let seen = *guard;
                futures::future::ready(()).await;
                *guard = seen + 1;
            }
        }));
    }
    for handle in handles {
        timeout(LONG, handle).await.unwrap().unwrap();
    }
    assert_eq!(*counter.lock().await, 400);
});

runtime_test!(spawn_blocking_runs_closure, {
    let handle = spawn_blocking(|| {
        std::thread::sleep(Duration::from_millis(1));
        "blocking"
    });
    assert_eq!(timeout(LONG, handle).await.unwrap().unwrap(), "blocking");
    let failing = spawn_blocking(|| -> u8 { panic!("deliberate panic in a blocking job") });
    assert!(timeout(LONG, failing).await.unwrap().is_err());
});

#[cfg(feature = "file")]
runtime_test!(file_write_read_seek_roundtrip, {
    use sea_streamer_runtime::file::{
        AsyncReadExt, AsyncSeekExt, AsyncWriteExt, File, OpenOptions, SeekFrom,
    };

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roundtrip.bin");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .await
        .unwrap();
    file.write_all(b"hello, sea-streamer").await.unwrap();
    file.flush().await.unwrap();

    assert_eq!(file.seek(SeekFrom::Start(0)).await.unwrap(), 0);
    let mut all = Vec::new();
    file.read_to_end(&mut all).await.unwrap();
    assert_eq!(all, b"hello, sea-streamer");

    let pos = file.seek(SeekFrom::End(-8)).await.unwrap();
    assert_eq!(pos, 11);
    let mut tail = [0u8; 8];
    file.read_exact(&mut tail).await.unwrap();
    assert_eq!(&tail, b"streamer");

    file.seek(SeekFrom::Start(7)).await.unwrap();
    file.seek(SeekFrom::Current(-2)).await.unwrap();
    let mut two = [0u8; 2];
    let n = file.read(&mut two).await.unwrap();
    assert_eq!(&two[..n], &b", "[..n]);
    drop(file);

    let mut reopened = File::open(&path).await.unwrap();
    let mut again = String::new();
    reopened.read_to_string(&mut again).await.unwrap();
    assert_eq!(again, "hello, sea-streamer");
    assert_eq!(reopened.metadata().await.unwrap().len(), 19);
});
