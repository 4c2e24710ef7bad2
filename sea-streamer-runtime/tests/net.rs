//! `net::TcpStream` under the selected runtime, against a plain `std::net` server thread.
#![cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]

#[macro_use]
mod common;

use sea_streamer_runtime::net::TcpStream;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

/// A server that echoes what it receives until the client stops writing, then closes.
fn echo_server() -> (u16, JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("accept");
        let mut buf = [0; 4096];
        let mut total = 0;
        loop {
            let n = socket.read(&mut buf).expect("server read");
            if n == 0 {
                break;
            }
            socket.write_all(&buf[..n]).expect("server write");
            total += n;
            if total >= 100_000 {
                break;
            }
        }
        socket.shutdown(Shutdown::Both).ok();
        total
    });
    (port, handle)
}

async fn read_exactly(socket: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut got = Vec::with_capacity(n);
    let mut buf = vec![0; 8192];
    while got.len() < n {
        let m = socket.read(&mut buf).await.expect("read");
        assert_ne!(m, 0, "closed after {} of {n} bytes", got.len());
        got.extend_from_slice(&buf[..m]);
    }
    got
}

runtime_test!(round_trip_then_end_of_stream, {
    let (port, server) = echo_server();
    let mut socket = TcpStream::connect("127.0.0.1", port, LIMIT)
        .await
        .expect("connect");
    assert_eq!(socket.peer_addr().expect("peer").port(), port);
    socket.set_nodelay(true).expect("nodelay");
    assert!(socket.nodelay().expect("nodelay"));
    socket.set_nodelay(false).expect("nodelay");
    assert!(!socket.nodelay().expect("nodelay"));

    socket.write_all(b"hello").await.expect("write");
    assert_eq!(read_exactly(&mut socket, 5).await, b"hello");

    // more than one segment and one read buffer: everything is written, in order
    let big: Vec<u8> = (0..100_000 - 5).map(|i| (i % 251) as u8).collect();
    socket.write_all(&big).await.expect("write");
    assert_eq!(read_exactly(&mut socket, big.len()).await, big);

    // the server closes after 100 000 bytes: reads report the end of the stream
    let mut buf = [0; 16];
    assert_eq!(socket.read(&mut buf).await.expect("read at end"), 0);
    assert_eq!(server.join().expect("server"), 100_000);
});

runtime_test!(connects_by_host_name, {
    let (port, server) = echo_server();
    let mut socket = TcpStream::connect("localhost", port, LIMIT)
        .await
        .expect("connect by name");
    socket.write_all(&[7; 100_000]).await.expect("write");
    assert_eq!(read_exactly(&mut socket, 100_000).await, vec![7; 100_000]);
    server.join().expect("server");
});

runtime_test!(refused_connection_is_an_error, {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }; // closed: nothing listens there any more
    let err = TcpStream::connect("127.0.0.1", port, LIMIT)
        .await
        .expect_err("nothing listens");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
});

runtime_test!(unknown_host_is_an_error, {
    let err = TcpStream::connect("no-such-host.invalid", 1, LIMIT)
        .await
        .expect_err("no such host");
    assert_ne!(err.kind(), ErrorKind::TimedOut, "{err}");
});
