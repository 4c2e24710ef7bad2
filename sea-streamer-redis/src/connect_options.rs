//! Options for connecting to Redis: credentials, database, TLS, timeout and wire conventions.

use crate::{RedisErr, RedisResult, MSG};
use sea_streamer_types::{ConnectOptions, StreamErr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the timestamp part of a Redis entry id is interpreted.
#[derive(Debug, Default, Clone, Copy)]
pub enum TimestampFormat {
    /// Milliseconds since the Unix epoch (what Redis generates).
    #[default]
    UnixTimestampMillis,
    /// Nanoseconds since the Unix epoch (ids are supplied by the producer).
    #[cfg(feature = "nanosecond-timestamp")]
    UnixTimestampNanos,
}

/// Options for connecting a [`crate::RedisStreamer`] (`Streamer::connect`).
///
/// ```
/// use sea_streamer_redis::RedisConnectOptions;
/// use sea_streamer_types::ConnectOptions;
/// let mut options = RedisConnectOptions::default();
/// options.set_db(1).set_password(Some("secret".into()));
/// options.set_timeout(std::time::Duration::from_secs(5)).unwrap();
/// assert_eq!(options.db(), 1);
/// assert_eq!(options.message_field(), "msg");
/// ```
#[derive(Debug, Clone)]
pub struct RedisConnectOptions {
    db: u32,
    username: Option<String>,
    password: Option<String>,
    timeout: Option<Duration>,
    enable_cluster: bool,
    disable_hostname_verification: bool,
    root_cert_file: Option<PathBuf>,
    timestamp_format: TimestampFormat,
    message_field: &'static str,
}

impl Default for RedisConnectOptions {
    fn default() -> Self {
        Self {
            db: 0,
            username: None,
            password: None,
            timeout: None,
            enable_cluster: false,
            disable_hostname_verification: false,
            root_cert_file: None,
            timestamp_format: TimestampFormat::default(),
            message_field: MSG,
        }
    }
}

impl ConnectOptions for RedisConnectOptions {
    type Error = RedisErr;

    fn timeout(&self) -> RedisResult<Duration> {
        self.timeout.ok_or(StreamErr::TimeoutNotSet)
    }

    /// Timeout for connecting and for creating consumers (default 60 s when unset).
    fn set_timeout(&mut self, d: Duration) -> RedisResult<&mut Self> {
        self.timeout = Some(d);
        Ok(self)
    }
}

impl RedisConnectOptions {
    /// The logical database number (`SELECT`).
    pub fn db(&self) -> u32 {
        self.db
    }
    /// Set the logical database number.
    pub fn set_db(&mut self, db: u32) -> &mut Self {
        self.db = db;
        self
    }
    /// The ACL user name.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    /// Set the ACL user name.
    pub fn set_username(&mut self, username: Option<String>) -> &mut Self {
        self.username = username;
        self
    }
    /// The password.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
    /// Set the password.
    pub fn set_password(&mut self, password: Option<String>) -> &mut Self {
        self.password = password;
        self
    }
    /// Whether several nodes (a Redis Cluster) may be given.
    pub fn enable_cluster(&self) -> bool {
        self.enable_cluster
    }
    /// Allow several nodes in the streamer URI and follow `MOVED` redirections.
    pub fn set_enable_cluster(&mut self, bool: bool) -> &mut Self {
        self.enable_cluster = bool;
        self
    }
    /// Whether TLS hostname verification is disabled (`rediss://` only).
    pub fn disable_hostname_verification(&self) -> bool {
        self.disable_hostname_verification
    }
    /// Disable TLS hostname verification. Dangerous: allows man-in-the-middle attacks.
    pub fn set_disable_hostname_verification(&mut self, bool: bool) -> &mut Self {
        self.disable_hostname_verification = bool;
        self
    }
    /// The PEM file of the certificates `rediss://` servers must chain to, if set (else the
    /// system's root certificates are trusted).
    pub fn root_cert_file(&self) -> Option<&Path> {
        self.root_cert_file.as_deref()
    }
    /// Trust the certificates in this PEM file (e.g. a private CA) instead of the system's
    /// root certificates for `rediss://`. The file is read when connecting; an unreadable file
    /// fails the connection with `StreamErr::Connect` naming it. Not in upstream 0.5.2.
    ///
    /// ```
    /// use sea_streamer_redis::RedisConnectOptions;
    /// let mut options = RedisConnectOptions::default();
    /// options.set_root_cert_file(Some("/etc/redis/ca.crt".into()));
    /// assert_eq!(options.root_cert_file(), Some(std::path::Path::new("/etc/redis/ca.crt")));
    /// ```
    pub fn set_root_cert_file(&mut self, path: Option<PathBuf>) -> &mut Self {
        self.root_cert_file = path;
        self
    }
    /// How entry ids map to timestamps.
    pub fn timestamp_format(&self) -> TimestampFormat {
        self.timestamp_format
    }
    /// Set how entry ids map to timestamps.
    pub fn set_timestamp_format(&mut self, fmt: TimestampFormat) -> &mut Self {
        self.timestamp_format = fmt;
        self
    }
    /// The field name holding the payload in a stream entry (default `msg`).
    pub fn message_field(&self) -> &'static str {
        self.message_field
    }
    /// Set the field name holding the payload.
    pub fn set_message_field(&mut self, field: &'static str) -> &mut Self {
        self.message_field = field;
        self
    }
    /// The timeout in force: the one set, or [`crate::DEFAULT_TIMEOUT`].
    pub(crate) fn timeout_or_default(&self) -> Duration {
        self.timeout.unwrap_or(crate::DEFAULT_TIMEOUT)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn defaults() {
        let o = RedisConnectOptions::default();
        assert_eq!(o.db(), 0);
        assert_eq!(o.username(), None);
        assert_eq!(o.password(), None);
        assert!(!o.enable_cluster());
        assert!(!o.disable_hostname_verification());
        assert_eq!(o.root_cert_file(), None);
        assert!(matches!(
            o.timestamp_format(),
            TimestampFormat::UnixTimestampMillis
        ));
        assert_eq!(o.message_field(), "msg");
        assert!(matches!(o.timeout(), Err(StreamErr::TimeoutNotSet)));
        assert_eq!(o.timeout_or_default(), crate::DEFAULT_TIMEOUT);
    }
}
