//! [`KafkaConnectOptions`]: how to reach and authenticate to the cluster.

use crate::KafkaErr;
use rdkafka::ClientConfig;
use sea_streamer_types::{ConnectOptions, StreamErr, StreamResult};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options of a connection to a Kafka cluster, shared by every producer and consumer
/// created through the same [`KafkaStreamer`](crate::KafkaStreamer).
///
/// ```
/// use sea_streamer_kafka::{KafkaConnectOptions, SaslMechanism, SaslOptions, SecurityProtocol};
/// use sea_streamer_types::ConnectOptions;
/// use std::time::Duration;
///
/// let mut options = KafkaConnectOptions::default();
/// options.set_timeout(Duration::from_secs(5)).unwrap();
/// options
///     .set_security_protocol(SecurityProtocol::SaslSsl)
///     .set_sasl_options(SaslOptions::new(SaslMechanism::Plain).username("uu").password("pp"))
///     .add_custom_option("client.id", "my-app");
/// assert_eq!(options.custom_options().next(), Some(("client.id", "my-app")));
/// ```
#[derive(Debug, Default, Clone)]
pub struct KafkaConnectOptions {
    timeout: Option<Duration>,
    security_protocol: Option<SecurityProtocol>,
    sasl_options: Option<SaslOptions>,
    ssl_ca_location: Option<PathBuf>,
    custom_options: Vec<(String, String)>,
}

/// The protocol used to talk to brokers (`security.protocol`).
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum SecurityProtocol {
    /// Unencrypted, unauthenticated (`PLAINTEXT`).
    Plaintext,
    /// TLS (`SSL`).
    Ssl,
    /// SASL authentication without TLS (`SASL_PLAINTEXT`).
    SaslPlaintext,
    /// SASL authentication over TLS (`SASL_SSL`).
    SaslSsl,
}

/// The SASL mechanism (`sasl.mechanism`).
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum SaslMechanism {
    /// `PLAIN`
    Plain,
    /// `GSSAPI` (Kerberos)
    Gssapi,
    /// `SCRAM-SHA-256`
    ScramSha256,
    /// `SCRAM-SHA-512`
    ScramSha512,
    /// `OAUTHBEARER`
    Oauthbearer,
}

/// SASL credentials: a mechanism, and optionally a username and a password.
/// Its `Debug` output hides the password.
///
/// ```
/// use sea_streamer_kafka::{SaslMechanism, SaslOptions};
/// let sasl = SaslOptions::new(SaslMechanism::ScramSha256).username("user").password("secret");
/// assert!(!format!("{sasl:?}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SaslOptions {
    mechanism: SaslMechanism,
    username: Option<String>,
    password: Option<String>,
}

impl KafkaConnectOptions {
    /// Sets `security.protocol`.
    pub fn set_security_protocol(&mut self, v: SecurityProtocol) -> &mut Self {
        self.security_protocol = Some(v);
        self
    }

    /// The protocol set by [`Self::set_security_protocol`].
    pub fn security_protocol(&self) -> Option<&SecurityProtocol> {
        self.security_protocol.as_ref()
    }

    /// Sets `sasl.mechanism`, `sasl.username` and `sasl.password`.
    pub fn set_sasl_options(&mut self, v: SaslOptions) -> &mut Self {
        self.sasl_options = Some(v);
        self
    }

    /// The SASL options set by [`Self::set_sasl_options`].
    pub fn sasl_options(&self) -> Option<&SaslOptions> {
        self.sasl_options.as_ref()
    }

    /// Trusts the CA certificates in this PEM file (`ssl.ca.location`) for `SSL` and
    /// `SASL_SSL`, instead of the system's. Not in upstream 0.5.2 (which needed
    /// `add_custom_option("ssl.ca.location", ..)`). TLS needs the feature `ssl` (or
    /// `ssl-vendored`; `kafka-ssl` of sea-streamer): without it connecting fails with
    /// librdkafka's "OpenSSL not available at build time".
    ///
    /// ```
    /// use sea_streamer_kafka::{KafkaConnectOptions, SecurityProtocol};
    /// let mut options = KafkaConnectOptions::default();
    /// options
    ///     .set_security_protocol(SecurityProtocol::Ssl)
    ///     .set_ssl_ca_location("/etc/kafka/ca.crt");
    /// assert_eq!(options.ssl_ca_location(), Some(std::path::Path::new("/etc/kafka/ca.crt")));
    /// ```
    pub fn set_ssl_ca_location(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.ssl_ca_location = Some(path.into());
        self
    }

    /// The CA file set by [`Self::set_ssl_ca_location`].
    pub fn ssl_ca_location(&self) -> Option<&Path> {
        self.ssl_ca_location.as_deref()
    }

    /// Adds any librdkafka client setting, written verbatim after all the others.
    pub fn add_custom_option<K, V>(&mut self, key: K, value: V) -> &mut Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.custom_options.push((key.into(), value.into()));
        self
    }

    /// The settings added by [`Self::add_custom_option`], in order.
    pub fn custom_options(&self) -> impl Iterator<Item = (&str, &str)> {
        self.custom_options
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Writes these options into a librdkafka client config.
    pub(crate) fn make_client_config(&self, config: &mut ClientConfig) {
        if let Some(timeout) = self.timeout {
            config.set("socket.timeout.ms", timeout.as_millis().to_string());
        }
        if let Some(protocol) = self.security_protocol {
            config.set("security.protocol", protocol.as_str());
        }
        if let Some(sasl) = &self.sasl_options {
            config.set("sasl.mechanism", sasl.mechanism.as_str());
            if let Some(username) = &sasl.username {
                config.set("sasl.username", username);
            }
            if let Some(password) = &sasl.password {
                config.set("sasl.password", password);
            }
        }
        if let Some(path) = &self.ssl_ca_location {
            config.set("ssl.ca.location", path.to_string_lossy());
        }
        for (key, value) in self.custom_options() {
            config.set(key, value);
        }
    }
}

impl ConnectOptions for KafkaConnectOptions {
    type Error = KafkaErr;

    /// The socket timeout; `Err(TimeoutNotSet)` if unset.
    fn timeout(&self) -> StreamResult<Duration, KafkaErr> {
        self.timeout.ok_or(StreamErr::TimeoutNotSet)
    }

    /// Sets the socket timeout (`socket.timeout.ms`), also used as the connect timeout.
    fn set_timeout(&mut self, d: Duration) -> StreamResult<&mut Self, KafkaErr> {
        self.timeout = Some(d);
        Ok(self)
    }
}

impl SecurityProtocol {
    /// The librdkafka value, e.g. `SASL_SSL`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Plaintext => "PLAINTEXT",
            Self::Ssl => "SSL",
            Self::SaslPlaintext => "SASL_PLAINTEXT",
            Self::SaslSsl => "SASL_SSL",
        }
    }
}

impl SaslMechanism {
    /// The librdkafka value, e.g. `SCRAM-SHA-256`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Gssapi => "GSSAPI",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
            Self::Oauthbearer => "OAUTHBEARER",
        }
    }
}

impl SaslOptions {
    /// Options for `mechanism`, without username or password.
    pub fn new(mechanism: SaslMechanism) -> Self {
        Self {
            mechanism,
            username: None,
            password: None,
        }
    }

    /// Sets the username (`sasl.username`).
    pub fn username<T: Into<String>>(mut self, v: T) -> Self {
        self.username = Some(v.into());
        self
    }

    /// Sets the password (`sasl.password`).
    pub fn password<T: Into<String>>(mut self, v: T) -> Self {
        self.password = Some(v.into());
        self
    }
}

impl std::fmt::Debug for SaslOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslOptions")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

impl From<SecurityProtocol> for String {
    fn from(v: SecurityProtocol) -> String {
        v.as_str().to_owned()
    }
}

impl From<SaslMechanism> for String {
    fn from(v: SaslMechanism) -> String {
        v.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_of(options: &KafkaConnectOptions) -> ClientConfig {
        let mut config = ClientConfig::new();
        options.make_client_config(&mut config);
        config
    }

    #[test]
    fn maps_sasl_options() {
        let mut options = KafkaConnectOptions::default();
        options
            .set_security_protocol(SecurityProtocol::SaslSsl)
            .set_sasl_options(
                SaslOptions::new(SaslMechanism::Plain)
                    .username("uu")
                    .password("pp"),
            );
        let config = config_of(&options);
        assert_eq!(config.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(config.get("sasl.mechanism"), Some("PLAIN"));
        assert_eq!(config.get("sasl.username"), Some("uu"));
        assert_eq!(config.get("sasl.password"), Some("pp"));
    }

    #[test]
    fn maps_timeout_and_custom_options_last() {
        let mut options = KafkaConnectOptions::default();
        assert!(matches!(options.timeout(), Err(StreamErr::TimeoutNotSet)));
        options.set_timeout(Duration::from_millis(1500)).unwrap();
        options.add_custom_option("socket.timeout.ms", "2500");
        options.add_custom_option("client.id", String::from("me"));
        assert_eq!(options.timeout().unwrap(), Duration::from_millis(1500));
        let config = config_of(&options);
        assert_eq!(config.get("socket.timeout.ms"), Some("2500"));
        assert_eq!(config.get("client.id"), Some("me"));
    }

    #[test]
    fn maps_ssl_ca_location() {
        let mut options = KafkaConnectOptions::default();
        options
            .set_security_protocol(SecurityProtocol::Ssl)
            .set_ssl_ca_location("/tmp/ca.crt");
        let config = config_of(&options);
        assert_eq!(config.get("security.protocol"), Some("SSL"));
        assert_eq!(config.get("ssl.ca.location"), Some("/tmp/ca.crt"));
    }

    #[test]
    fn unset_options_are_not_written() {
        let config = config_of(&KafkaConnectOptions::default());
        assert_eq!(config.config_map().len(), 0);
    }

    #[test]
    fn names_match_librdkafka() {
        assert_eq!(String::from(SecurityProtocol::Plaintext), "PLAINTEXT");
        assert_eq!(String::from(SecurityProtocol::Ssl), "SSL");
        assert_eq!(
            String::from(SecurityProtocol::SaslPlaintext),
            "SASL_PLAINTEXT"
        );
        assert_eq!(String::from(SaslMechanism::Gssapi), "GSSAPI");
        assert_eq!(String::from(SaslMechanism::ScramSha256), "SCRAM-SHA-256");
        assert_eq!(String::from(SaslMechanism::ScramSha512), "SCRAM-SHA-512");
        assert_eq!(String::from(SaslMechanism::Oauthbearer), "OAUTHBEARER");
    }
}
