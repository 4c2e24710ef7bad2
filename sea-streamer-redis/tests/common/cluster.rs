//! A private three-master Redis Cluster (no replicas) for the cluster tests: three
//! `redis-server` children on free loopback ports, joined with `redis-cli --cluster create`.
//! Never the shared test server; every node has its own temporary directory; all are killed
//! (and the directories removed) on drop.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the cluster may take to form before the test fails.
const READY_LIMIT: Duration = Duration::from_secs(30);

/// One node of a [`PrivateCluster`].
pub struct Node {
    child: Option<Child>,
    /// The client port (the cluster bus is on `port + 10000`).
    pub port: u16,
    dir: PathBuf,
}

impl Node {
    /// `redis://127.0.0.1:{port}`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A synchronous admin connection.
    pub fn admin(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .expect("admin connection to a cluster node")
    }

    /// This node's cluster id (`CLUSTER MYID`).
    pub fn id(&self) -> String {
        redis::cmd("CLUSTER")
            .arg("MYID")
            .query(&mut self.admin())
            .expect("CLUSTER MYID")
    }
}

/// Three masters, slots split evenly by `redis-cli --cluster create`.
pub struct PrivateCluster {
    /// The nodes, in the order they were started.
    pub nodes: Vec<Node>,
}

/// Ports handed out in this process (client and bus ports), so that clusters started by
/// tests running in parallel never pick each other's ports before their servers bind them.
static TAKEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());

/// A loopback port below 55535 that is free, as is its cluster bus port (`port + 10000`).
fn free_port() -> u16 {
    let mut taken = TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        if port >= 55535 || taken.contains(&port) || taken.contains(&(port + 10000)) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            taken.extend([port, port + 10000]);
            return port;
        }
    }
}

/// Are `redis-server` and `redis-cli` runnable? `Err` carries the reason.
fn have_redis_server() -> Result<(), String> {
    for program in ["redis-server", "redis-cli"] {
        match Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Ok(s) if s.success() => {}
            Ok(s) => return Err(format!("{program} --version exited with {s}")),
            Err(e) => return Err(format!("cannot run {program}: {e}")),
        }
    }
    Ok(())
}

impl PrivateCluster {
    /// Start and form a cluster; `None` (test skipped, reason printed) if `redis-server` or
    /// `redis-cli` cannot be run, unless `SEA_STREAMER_REQUIRE_SERVICES=1`, then the test fails.
    pub fn start() -> Option<Self> {
        if let Err(reason) = have_redis_server() {
            if std::env::var("SEA_STREAMER_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!("{reason}, but SEA_STREAMER_REQUIRE_SERVICES=1");
            }
            let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
            return None;
        }
        let mut cluster = Self { nodes: Vec::new() };
        for _ in 0..3 {
            let port = free_port();
            let dir =
                std::env::temp_dir().join(sea_streamer_conformance::random_key("sea-cluster"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(dir.join("nodes.conf"))
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn redis-server");
            cluster.nodes.push(Node {
                child: Some(child),
                port,
                dir,
            });
        }
        for node in &cluster.nodes {
            wait_until(&format!("node {} answers PING", node.port), || {
                redis::Client::open(node.url())
                    .and_then(|c| c.get_connection())
                    .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
                    .is_ok()
            });
        }
        let status = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(
                cluster
                    .nodes
                    .iter()
                    .map(|n| format!("127.0.0.1:{}", n.port)),
            )
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run redis-cli (apt-get install redis-tools)");
        assert!(status.success(), "redis-cli --cluster create failed");
        cluster.wait_ok();
        Some(cluster)
    }

    /// Wait until every node reports `cluster_state:ok` and knows all three masters.
    pub fn wait_ok(&self) {
        for node in &self.nodes {
            wait_until(
                &format!("node {} reports cluster_state:ok", node.port),
                || {
                    let Ok(mut conn) =
                        redis::Client::open(node.url()).and_then(|c| c.get_connection())
                    else {
                        return false;
                    };
                    let info: String = redis::cmd("CLUSTER")
                        .arg("INFO")
                        .query(&mut conn)
                        .unwrap_or_default();
                    info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3")
                },
            );
        }
    }

    /// The seed URL given to the streamer: the first node only.
    pub fn seed_url(&self) -> String {
        self.nodes[0].url()
    }

    /// The hash slot of `key`.
    pub fn slot(&self, key: &str) -> u16 {
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut self.nodes[0].admin())
            .expect("CLUSTER KEYSLOT")
    }

    /// The index of the node serving `key`, as node `asker` sees it.
    pub fn owner_seen_by(&self, asker: usize, key: &str) -> usize {
        let slot = self.slot(key);
        let text: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query(&mut self.nodes[asker].admin())
            .expect("CLUSTER NODES");
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() < 8 || !words[2].contains("master") {
                continue;
            }
            let serves = words[8..].iter().any(|range| {
                let mut ends = range.splitn(2, '-');
                let (Some(a), b) = (ends.next(), ends.next()) else {
                    return false;
                };
                let (Ok(a), Ok(b)) = (a.parse::<u16>(), b.unwrap_or(a).parse::<u16>()) else {
                    return false; // `[slot->-id]` migration markers
                };
                (a..=b).contains(&slot)
            });
            if serves {
                let port: u16 = words[1]
                    .split(['@', ':'])
                    .nth(1)
                    .and_then(|p| p.parse().ok())
                    .expect("node address");
                return self
                    .nodes
                    .iter()
                    .position(|n| n.port == port)
                    .expect("a node of this cluster");
            }
        }
        panic!("no node serves slot {slot}");
    }

    /// The index of the node serving `key`.
    pub fn owner(&self, key: &str) -> usize {
        self.owner_seen_by(0, key)
    }

    /// A fresh stream name (prefixed `prefix`) whose key lives on node `index`.
    pub fn key_on(&self, index: usize, prefix: &str) -> String {
        loop {
            let key = sea_streamer_conformance::random_key(prefix);
            if self.owner(&key) == index {
                return key;
            }
        }
    }

    /// Move the slot of `key` (with every key in it) from its node to node `to`, with the
    /// `SETSLOT IMPORTING / MIGRATING`, `MIGRATE`, `SETSLOT NODE` sequence; returns when every
    /// node agrees that `to` serves it.
    pub fn migrate_slot(&self, key: &str, to: usize) {
        let slot = self.slot(key);
        let from = self.owner(key);
        assert_ne!(from, to, "the slot is already on the target node");
        let (src, dst) = (&self.nodes[from], &self.nodes[to]);
        let (src_id, dst_id) = (src.id(), dst.id());
        let mut src_conn = src.admin();
        let mut dst_conn = dst.admin();
        let setslot = |conn: &mut redis::Connection, state: &str, id: &str| {
            redis::cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg(state)
                .arg(id)
                .query::<()>(conn)
                .expect("CLUSTER SETSLOT");
        };
        setslot(&mut dst_conn, "IMPORTING", &src_id);
        setslot(&mut src_conn, "MIGRATING", &dst_id);
        loop {
            let keys: Vec<String> = redis::cmd("CLUSTER")
                .arg("GETKEYSINSLOT")
                .arg(slot)
                .arg(100)
                .query(&mut src_conn)
                .expect("CLUSTER GETKEYSINSLOT");
            if keys.is_empty() {
                break;
            }
            redis::cmd("MIGRATE")
                .arg("127.0.0.1")
                .arg(dst.port)
                .arg("")
                .arg(0)
                .arg(5000)
                .arg("KEYS")
                .arg(&keys)
                .query::<()>(&mut src_conn)
                .expect("MIGRATE");
        }
        setslot(&mut dst_conn, "NODE", &dst_id);
        setslot(&mut src_conn, "NODE", &dst_id);
        for (i, node) in self.nodes.iter().enumerate() {
            if i != from && i != to {
                setslot(&mut node.admin(), "NODE", &dst_id);
            }
        }
        for asker in 0..self.nodes.len() {
            wait_until("every node agrees on the new owner", || {
                self.owner_seen_by(asker, key) == to
            });
        }
    }
}

/// Poll `ready` (an event we cannot subscribe to) every 20 ms, failing after `READY_LIMIT`.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + READY_LIMIT;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
            let _ = std::fs::remove_dir_all(&node.dir);
        }
    }
}
