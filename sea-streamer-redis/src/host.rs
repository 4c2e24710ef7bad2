//! Names derived from the host: the host id, default consumer groups and consumer ids.

use sea_streamer_types::{ConsumerGroup, ConsumerId, ConsumerMode};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// An id for this host, cached for the process.
///
/// The environment variable `HOST_ID` if set; else, inside a Docker container, the first 12
/// characters of the container id; else the first 12 hex digits (uppercase) of a MAC address.
///
/// ```
/// assert!(!sea_streamer_redis::host_id().is_empty());
/// ```
pub fn host_id() -> &'static str {
    static HOST_ID: OnceLock<String> = OnceLock::new();
    HOST_ID.get_or_init(|| {
        if let Ok(id) = std::env::var("HOST_ID") {
            if !id.is_empty() {
                return id;
            }
        }
        docker_id().or_else(mac_address).unwrap_or_else(|| {
            log::warn!("No HOST_ID, container id or MAC address found; using `localhost`");
            "localhost".to_owned()
        })
    })
}

fn docker_id() -> Option<String> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let last = cgroup.lines().last()?;
    let (_, rest) = last.split_once("0::/docker/")?;
    let id: String = rest.chars().take(12).collect();
    (!id.is_empty()).then_some(id)
}

fn mac_address() -> Option<String> {
    let mut names: Vec<_> = std::fs::read_dir("/sys/class/net")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .filter(|n| n != "lo")
        .collect();
    names.sort();
    names.into_iter().find_map(|name| {
        let path = std::path::Path::new("/sys/class/net")
            .join(name)
            .join("address");
        let text = std::fs::read_to_string(path).ok()?;
        let hex: String = text.trim().chars().filter(|c| *c != ':').collect();
        let hex = hex.to_uppercase();
        (hex.len() >= 12 && hex.chars().any(|c| c != '0')).then(|| hex[..12].to_owned())
    })
}

/// The default consumer group of a mode: `"{host_id}:{c}"` with `c` = `!` (RealTime),
/// `r` (Resumable) or `s` (LoadBalanced).
///
/// ```
/// use sea_streamer_redis::{group_id, host_id};
/// use sea_streamer_types::ConsumerMode;
/// assert_eq!(group_id(&ConsumerMode::Resumable).name(), format!("{}:r", host_id()));
/// ```
pub fn group_id(mode: &ConsumerMode) -> ConsumerGroup {
    let c = match mode {
        ConsumerMode::RealTime => '!',
        ConsumerMode::Resumable => 'r',
        ConsumerMode::LoadBalanced => 's',
    };
    ConsumerGroup::new(format!("{}:{c}", host_id()))
}

/// A consumer id unique to this process, thread and moment: `"{host_id}:{pid}:{thread}:{unix_ns}"`.
///
/// ```
/// assert_ne!(sea_streamer_redis::consumer_id(), sea_streamer_redis::consumer_id());
/// ```
pub fn consumer_id() -> ConsumerId {
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // two calls within the clock's resolution must still differ
    static LAST: std::sync::Mutex<u128> = std::sync::Mutex::new(0);
    if let Ok(mut last) = LAST.lock() {
        if nanos <= *last {
            nanos = *last + 1;
        }
        *last = nanos;
    }
    ConsumerId::new(format!(
        "{}:{}:{}:{}",
        host_id(),
        std::process::id(),
        thread,
        nanos
    ))
}
