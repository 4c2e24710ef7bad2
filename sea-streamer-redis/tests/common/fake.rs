//! A fake Redis server on loopback for tests of misbehaving servers: it answers the set-up
//! commands a client sends (`PING`, `CLIENT`, `SCAN`, `XGROUP`, …) and hands every read
//! (`XREAD`, `XREADGROUP`) to the test's script, which decides the reply.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// What the fake server does with one read.
pub enum Action {
    /// Write these bytes.
    Reply(Vec<u8>),
    /// Write these bytes, then close the connection.
    ReplyAndClose(Vec<u8>),
    /// Never answer (the connection stays open).
    Hold,
}

/// The script: `(read number, connection number, command words) -> Action`.
pub type Script = dyn Fn(usize, usize, &[Vec<u8>]) -> Action + Send + Sync;

/// A fake server; it stops accepting when dropped.
pub struct FakeRedis {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl FakeRedis {
    /// Listen on a free loopback port and serve every connection with `script`.
    pub fn start(script: Arc<Script>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let reads = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                if stopped.load(Ordering::Acquire) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (script, reads) = (script.clone(), reads.clone());
                std::thread::spawn(move || serve(conn, n, &*script, &reads));
            }
        });
        Self { port, stop }
    }

    /// `redis://127.0.0.1:{port}`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for FakeRedis {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // wake the accept loop so that it sees the flag
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Answer the commands of one connection until it closes.
fn serve(mut conn: TcpStream, n: usize, script: &Script, reads: &AtomicUsize) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some((words, used)) = parse_command(&buf) {
            buf.drain(..used);
            let name = String::from_utf8_lossy(&words[0]).to_ascii_uppercase();
            let action = match name.as_str() {
                "XREAD" | "XREADGROUP" => script(reads.fetch_add(1, Ordering::AcqRel), n, &words),
                "PING" => Action::Reply(b"+PONG\r\n".to_vec()),
                "SCAN" => Action::Reply(b"*2\r\n$1\r\n0\r\n*0\r\n".to_vec()),
                "XREVRANGE" => Action::Reply(b"*0\r\n".to_vec()),
                _ => Action::Reply(b"+OK\r\n".to_vec()),
            };
            match action {
                Action::Reply(bytes) => {
                    if conn.write_all(&bytes).is_err() {
                        return;
                    }
                }
                Action::ReplyAndClose(bytes) => {
                    let _ = conn.write_all(&bytes);
                    let _ = conn.shutdown(std::net::Shutdown::Both);
                    return;
                }
                Action::Hold => {}
            }
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
}

/// One complete command (`*N` of `$len` bulk strings) at the start of `buf`: its words and
/// its length in bytes.
fn parse_command(buf: &[u8]) -> Option<(Vec<Vec<u8>>, usize)> {
    let (count, mut at) = number_line(buf, 0, b'*')?;
    let mut words = Vec::with_capacity(count);
    for _ in 0..count {
        let (len, start) = number_line(buf, at, b'$')?;
        let end = start + len;
        if buf.len() < end + 2 {
            return None;
        }
        words.push(buf[start..end].to_vec());
        at = end + 2;
    }
    Some((words, at))
}

/// `{kind}{number}\r\n` at `at`: the number and where the next element starts.
fn number_line(buf: &[u8], at: usize, kind: u8) -> Option<(usize, usize)> {
    if *buf.get(at)? != kind {
        panic!("the fake server only understands RESP arrays of bulk strings");
    }
    let nl = buf[at..].iter().position(|&b| b == b'\n')? + at;
    let text = std::str::from_utf8(&buf[at + 1..nl - 1]).expect("ascii");
    Some((text.parse().expect("a length"), nl + 1))
}
