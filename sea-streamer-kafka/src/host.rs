//! A stable identifier of the machine (or container) this process runs on, used to name
//! consumer groups.

use std::sync::OnceLock;

/// The environment variable that overrides [`host_id`].
const HOST_ID: &str = "HOST_ID";

/// The identifier of this host, computed once per process:
///
/// 1. the `HOST_ID` environment variable, if set and not empty;
/// 2. inside a docker container, the first 12 characters of its id (from `/proc/self/cgroup`);
/// 3. else the MAC address of the first network interface, as 12 uppercase hex digits
///    (e.g. `0242AC110002`);
/// 4. else (no readable interface) `000000000000`, with a warning in the log.
///
/// ```
/// let id = sea_streamer_kafka::host_id();
/// assert!(!id.is_empty());
/// ```
pub fn host_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        if let Ok(id) = std::env::var(HOST_ID) {
            if !id.is_empty() {
                return id;
            }
        }
        if let Some(id) = docker_container_id() {
            return id;
        }
        if let Some(mac) = mac_address() {
            return mac;
        }
        log::warn!("cannot determine the host id (no HOST_ID, container id or MAC address)");
        "000000000000".to_owned()
    })
}

/// The container id, if the last line of `/proc/self/cgroup` names a docker cgroup.
fn docker_container_id() -> Option<String> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    container_id_of(&cgroup)
}

/// Parses the container id out of the content of `/proc/self/cgroup`.
fn container_id_of(cgroup: &str) -> Option<String> {
    let last = cgroup.lines().last()?;
    let (_, rest) = last.split_once("0::/docker/")?;
    let id: String = rest.chars().take(12).collect();
    (!id.is_empty()).then_some(id)
}

/// The MAC address of the first (by name) non-loopback interface with a non-zero address.
fn mac_address() -> Option<String> {
    let mut names: Vec<_> = std::fs::read_dir("/sys/class/net")
        .ok()?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .collect();
    names.sort();
    names.into_iter().find_map(|path| {
        let address = std::fs::read_to_string(path.join("address")).ok()?;
        mac_hex(&address)
    })
}

/// `02:42:ac:11:00:02` → `0242AC110002`; `None` for an all-zero or malformed address.
fn mac_hex(address: &str) -> Option<String> {
    let hex: String = address
        .trim()
        .split(':')
        .map(|part| part.to_ascii_uppercase())
        .collect();
    let valid = hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit());
    (valid && hex.chars().any(|c| c != '0')).then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_mac_address() {
        assert_eq!(
            mac_hex("02:42:ac:11:00:02\n").as_deref(),
            Some("0242AC110002")
        );
        assert_eq!(mac_hex("00:00:00:00:00:00"), None);
        assert_eq!(mac_hex("garbage"), None);
    }

    #[test]
    fn reads_a_docker_container_id() {
        let cgroup = "1:name=systemd:/\n0::/docker/0123456789abcdef0123\n";
        assert_eq!(container_id_of(cgroup).as_deref(), Some("0123456789ab"));
        assert_eq!(container_id_of("0::/\n"), None);
    }
}
