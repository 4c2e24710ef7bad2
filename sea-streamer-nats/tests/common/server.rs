//! A private `nats-server` child with JetStream on file storage (fsync on every write), for
//! the tests that restart a server or need users: killed (SIGKILL) and started again on the
//! same port and storage directory.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the binary is named for the tests (`scripts/services.sh env` exports it).
pub const BIN_VAR: &str = "SEA_STREAMER_NATS_SERVER";

/// The nats-server binary: `SEA_STREAMER_NATS_SERVER`, else the one `scripts/services.sh`
/// installs into `.venv/`, else `nats-server` on the PATH. `None` (with the reason printed)
/// when none is found and services are not required; panics when they are.
pub fn binary() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os(BIN_VAR).map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/nats-server")),
    ];
    for path in candidates.into_iter().flatten() {
        if path.is_file() {
            return Some(path);
        }
    }
    if Command::new("nats-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return Some(PathBuf::from("nats-server"));
    }
    let reason = format!(
        "no nats-server binary ({BIN_VAR} unset, no .venv/bin/nats-server, none on the PATH); \
         run `scripts/services.sh up`"
    );
    if std::env::var("SEA_STREAMER_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
        panic!("{reason}");
    }
    eprintln!("SKIPPED: {reason}");
    None
}

/// A private server; killed when dropped.
pub struct PrivateNats {
    bin: PathBuf,
    config: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateNats {
    /// Starts a server on a free loopback port; `extra` is added to its configuration file
    /// (e.g. an `authorization` block).
    pub fn start(extra: &str) -> Option<Self> {
        let bin = binary()?;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = dir.path().join("nats.conf");
        std::fs::write(
            &config,
            format!(
                "listen: 127.0.0.1:{port}\n\
                 jetstream {{ store_dir: \"{}\", sync_interval: always }}\n{extra}\n",
                dir.path().join("store").display()
            ),
        )
        .expect("write the configuration");
        let mut server = Self {
            bin,
            config,
            port,
            _dir: dir,
            child: None,
        };
        server.spawn();
        Some(server)
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new(&self.bin)
            .arg("-c")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        self.child = Some(child);
        // Ready once it greets a client with INFO (polled: the server has no other signal).
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut line = String::new();
                if BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("INFO") {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the private nats-server on {} did not start",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL, as a crash) and starts it again on the same port and
    /// storage.
    pub fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.spawn();
    }

    /// Stops the server (SIGTERM: it shuts down in order) and starts it again on the same
    /// port and storage.
    pub fn stop_and_start(&mut self) {
        if let Some(mut child) = self.child.take() {
            let stopped = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()
                .is_ok_and(|s| s.success());
            if !stopped {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        self.spawn();
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
