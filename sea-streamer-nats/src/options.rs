//! Connect, producer and consumer options.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_streamer_types::{
    ConnectOptions, ConsumerGroup, ConsumerMode, ConsumerOptions, ProducerOptions, StreamErr,
};

use crate::{NatsErr, NatsResult};

/// Options of a connection to NATS, and of the JetStream streams it uses.
///
/// ```
/// use sea_streamer_nats::NatsConnectOptions;
///
/// let mut options = NatsConnectOptions::default();
/// options.set_user_password("app", "secret").set_stream_name(Some("EVENTS".into()));
/// assert_eq!(options.stream_name(), Some("EVENTS"));
/// ```
#[derive(Debug, Clone)]
pub struct NatsConnectOptions {
    timeout: Duration,
    user_password: Option<(String, String)>,
    token: Option<String>,
    stream_name: Option<String>,
    create_stream: bool,
    memory_storage: bool,
    tls: bool,
    root_certificates: Option<PathBuf>,
    client_certificate: Option<(PathBuf, PathBuf)>,
}

impl Default for NatsConnectOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            user_password: None,
            token: None,
            stream_name: None,
            create_stream: true,
            memory_storage: false,
            tls: false,
            root_certificates: None,
            client_certificate: None,
        }
    }
}

impl NatsConnectOptions {
    /// Authenticates with a user name and password (instead of any in the URL).
    pub fn set_user_password(&mut self, user: &str, password: &str) -> &mut Self {
        self.user_password = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// The user name and password set, if any.
    pub fn user_password(&self) -> Option<(&str, &str)> {
        self.user_password
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// Authenticates with a token (instead of any in the URL).
    pub fn set_token(&mut self, token: &str) -> &mut Self {
        self.token = Some(token.to_owned());
        self
    }

    /// The token set, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// One JetStream stream, named so, holds every stream key as a subject. `None` (the
    /// default): each key has its own JetStream stream, named after the key (`.` as `_2E`,
    /// `_` as `_5F`).
    pub fn set_stream_name(&mut self, name: Option<String>) -> &mut Self {
        self.stream_name = name;
        self
    }

    /// The shared JetStream stream name, if set.
    pub fn stream_name(&self) -> Option<&str> {
        self.stream_name.as_deref()
    }

    /// Whether a missing JetStream stream (or a missing subject of the shared stream) is
    /// created on demand (the default), or an error ([`NatsErr::StreamNotFound`]).
    pub fn set_create_stream(&mut self, create: bool) -> &mut Self {
        self.create_stream = create;
        self
    }

    /// Whether streams are created on demand.
    pub fn create_stream(&self) -> bool {
        self.create_stream
    }

    /// Streams created on demand keep messages in memory instead of files (default: files).
    pub fn set_memory_storage(&mut self, memory: bool) -> &mut Self {
        self.memory_storage = memory;
        self
    }

    /// Whether streams created on demand keep messages in memory.
    pub fn memory_storage(&self) -> bool {
        self.memory_storage
    }

    /// Requires TLS to every node, as a `tls://` URL does (default: off, in which case the
    /// connection still turns to TLS when the server demands it). A server that does not
    /// offer TLS is then a connect error.
    pub fn set_tls(&mut self, required: bool) -> &mut Self {
        self.tls = required;
        self
    }

    /// Whether TLS is required by the options (a `tls://` URL requires it too).
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// Trusts the certificate authorities of this PEM file, instead of the platform's root
    /// certificates, to verify the server's certificate (for servers signed by a private CA).
    pub fn set_root_certificates(&mut self, pem: Option<PathBuf>) -> &mut Self {
        self.root_certificates = pem;
        self
    }

    /// The PEM file of trusted authorities, if set.
    pub fn root_certificates(&self) -> Option<&Path> {
        self.root_certificates.as_deref()
    }

    /// Presents this client certificate (PEM) with its private key (PEM) to servers that
    /// verify clients (`verify: true` in the server's `tls` block).
    pub fn set_client_certificate(&mut self, cert: PathBuf, key: PathBuf) -> &mut Self {
        self.client_certificate = Some((cert, key));
        self
    }

    /// The client certificate and key files, if set.
    pub fn client_certificate(&self) -> Option<(&Path, &Path)> {
        self.client_certificate
            .as_ref()
            .map(|(c, k)| (c.as_path(), k.as_path()))
    }
}

impl ConnectOptions for NatsConnectOptions {
    type Error = NatsErr;

    /// The connection timeout, also used for JetStream requests.
    fn timeout(&self) -> NatsResult<Duration> {
        Ok(self.timeout)
    }

    /// Sets the connection and JetStream request timeout (default 10 s).
    fn set_timeout(&mut self, d: Duration) -> NatsResult<&mut Self> {
        self.timeout = d;
        Ok(self)
    }
}

/// Producer options.
///
/// ```
/// use sea_streamer_nats::NatsProducerOptions;
///
/// let mut options = NatsProducerOptions::default();
/// options.set_shards(Some(4)); // subjects key.0 .. key.3
/// assert_eq!(options.shards(), Some(4));
/// ```
#[derive(Debug, Clone, Default)]
pub struct NatsProducerOptions {
    shards: Option<u64>,
}

impl NatsProducerOptions {
    /// Shards each stream key into `n` subjects `key.0` .. `key.<n-1>` (at least 1): `send`
    /// goes to each in turn, `NatsProducer::send_with_key` to the shard a message key hashes
    /// to. `None` (the default): one subject, the key itself, shard 0.
    pub fn set_shards(&mut self, n: Option<u64>) -> &mut Self {
        self.shards = n.map(|n| n.max(1));
        self
    }

    /// The shard count, if sharding.
    pub fn shards(&self) -> Option<u64> {
        self.shards
    }
}

impl ProducerOptions for NatsProducerOptions {}

/// Where a consumer without a stored position starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AutoStreamReset {
    /// From the first message still stored (`DeliverPolicy::All`).
    Earliest,
    /// From messages published after the consumer is created (`DeliverPolicy::New`).
    #[default]
    Latest,
}

/// Consumer options.
///
/// ```
/// use sea_streamer_nats::{AutoStreamReset, NatsConsumerOptions};
/// use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions};
///
/// let mut options = NatsConsumerOptions::new(ConsumerMode::LoadBalanced);
/// options.set_consumer_group(ConsumerGroup::new("workers")).unwrap();
/// options.set_auto_stream_reset(AutoStreamReset::Earliest);
/// ```
#[derive(Debug, Clone)]
pub struct NatsConsumerOptions {
    mode: ConsumerMode,
    group: Option<ConsumerGroup>,
    auto_stream_reset: AutoStreamReset,
    ack_wait: Duration,
    batch_size: usize,
    sharded: bool,
}

impl Default for NatsConsumerOptions {
    fn default() -> Self {
        Self::new(ConsumerMode::default())
    }
}

impl NatsConsumerOptions {
    /// Where a consumer without a stored position starts (default: `Latest`).
    pub fn set_auto_stream_reset(&mut self, reset: AutoStreamReset) -> &mut Self {
        self.auto_stream_reset = reset;
        self
    }

    /// Where a consumer without a stored position starts.
    pub fn auto_stream_reset(&self) -> AutoStreamReset {
        self.auto_stream_reset
    }

    /// How long the server waits for a group consumer's ack before delivering the message
    /// again, to this or another member (default 30 s). Applies when the durable consumer is
    /// created.
    pub fn set_ack_wait(&mut self, d: Duration) -> &mut Self {
        self.ack_wait = d;
        self
    }

    /// The ack wait.
    pub fn ack_wait(&self) -> Duration {
        self.ack_wait
    }

    /// How many messages a group consumer pulls at a time (default 64; at least 1). Pulled
    /// messages count as delivered to this member.
    pub fn set_batch_size(&mut self, n: usize) -> &mut Self {
        self.batch_size = n.max(1);
        self
    }

    /// The pull batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Reads the keys as sharded: makes sure each key's JetStream stream holds the shard
    /// subjects `key.*` (created with the stream when missing), so shards published after the
    /// consumer is created are read too. Off (the default), a consumer reads the key's
    /// subject and, when its stream already holds them, its shard subjects.
    pub fn set_sharded(&mut self, sharded: bool) -> &mut Self {
        self.sharded = sharded;
        self
    }

    /// Whether the keys are read as sharded.
    pub fn sharded(&self) -> bool {
        self.sharded
    }
}

impl ConsumerOptions for NatsConsumerOptions {
    type Error = NatsErr;

    fn new(mode: ConsumerMode) -> Self {
        Self {
            mode,
            group: None,
            auto_stream_reset: AutoStreamReset::default(),
            ack_wait: Duration::from_secs(30),
            batch_size: 64,
            sharded: false,
        }
    }

    fn mode(&self) -> NatsResult<&ConsumerMode> {
        Ok(&self.mode)
    }

    fn consumer_group(&self) -> NatsResult<&ConsumerGroup> {
        self.group.as_ref().ok_or(StreamErr::ConsumerGroupNotSet)
    }

    /// Sets the group: the name of the durable JetStream consumer (Resumable and
    /// LoadBalanced only).
    fn set_consumer_group(&mut self, group: ConsumerGroup) -> NatsResult<&mut Self> {
        self.group = Some(group);
        Ok(self)
    }
}
