//! [`NatsStreamer`]: a connection to NATS and its JetStream context.

use async_nats::jetstream;
use sea_streamer_types::{
    ConnectOptions as _, ConsumerMode, ConsumerOptions as _, StreamErr, StreamKey, Streamer,
    StreamerUri,
};

use crate::error::backend;
use crate::jetstream::Shared;
use crate::{
    NatsConnectOptions, NatsConsumer, NatsConsumerOptions, NatsErr, NatsProducer,
    NatsProducerOptions, NatsResult, NATS_SCHEME,
};

/// A connection to a NATS server (or several nodes of one cluster) with JetStream.
///
/// `nats://host:port` (port 4222 when left out); credentials as `nats://user:pass@host`, a
/// token as `nats://token@host`, or through [`NatsConnectOptions`].
#[derive(Clone)]
pub struct NatsStreamer {
    shared: Shared,
}

impl std::fmt::Debug for NatsStreamer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsStreamer")
            .field("server", &self.shared.server)
            .finish()
    }
}

fn invalid(url: &url::Url, cause: &str) -> StreamErr<NatsErr> {
    backend(NatsErr::InvalidUrl {
        url: url.to_string(),
        cause: cause.to_owned(),
    })
}

impl NatsStreamer {
    /// The client connection (async-nats), e.g. for requests this crate does not wrap.
    pub fn client(&self) -> &async_nats::Client {
        &self.shared.client
    }
}

impl Streamer for NatsStreamer {
    type Error = NatsErr;
    type Producer = NatsProducer;
    type Consumer = NatsConsumer;
    type ConnectOptions = NatsConnectOptions;
    type ConsumerOptions = NatsConsumerOptions;
    type ProducerOptions = NatsProducerOptions;

    async fn connect(uri: StreamerUri, options: NatsConnectOptions) -> NatsResult<Self> {
        let mut addrs = Vec::new();
        let mut auth: Option<(String, Option<String>)> = None;
        for node in uri.nodes() {
            if node.scheme() != NATS_SCHEME {
                return Err(invalid(node, "the scheme must be nats"));
            }
            let host = node
                .host_str()
                .filter(|h| !h.is_empty() && *h != ".")
                .ok_or_else(|| invalid(node, "no host"))?;
            let port = node.port().unwrap_or(4222);
            addrs.push(format!("nats://{host}:{port}"));
            if !node.username().is_empty() {
                auth = Some((
                    node.username().to_owned(),
                    node.password().map(str::to_owned),
                ));
            }
        }
        if addrs.is_empty() {
            return Err(StreamErr::StreamUrlErr(
                sea_streamer_types::StreamUrlErr::ZeroNode,
            ));
        }
        let server = addrs.join(",");
        let timeout = options.timeout()?;
        let mut connect = async_nats::ConnectOptions::new()
            .connection_timeout(timeout)
            .request_timeout(Some(timeout));
        if let Some((user, password)) = options.user_password() {
            connect = connect.user_and_password(user.to_owned(), password.to_owned());
        } else if let Some(token) = options.token() {
            connect = connect.token(token.to_owned());
        } else if let Some((user, password)) = auth {
            connect = match password {
                Some(password) => connect.user_and_password(user, password),
                None => connect.token(user),
            };
        }
        let client = connect.connect(addrs).await.map_err(|e| {
            backend(NatsErr::Connect {
                servers: server.clone(),
                cause: e.to_string(),
            })
        })?;
        let mut context = jetstream::new(client.clone());
        context.set_timeout(timeout);
        log::debug!("connected to NATS {server}");
        Ok(Self {
            shared: Shared {
                client,
                context,
                options,
                server,
                returning: Default::default(),
            },
        })
    }

    /// Flushes what the connection has buffered and closes it once no producer or consumer
    /// of this streamer uses it any more.
    async fn disconnect(self) -> NatsResult<()> {
        self.shared.client.flush().await.map_err(|e| {
            backend(NatsErr::Connect {
                servers: self.shared.server.clone(),
                cause: e.to_string(),
            })
        })
    }

    async fn create_generic_producer(
        &self,
        _options: NatsProducerOptions,
    ) -> NatsResult<NatsProducer> {
        Ok(NatsProducer::new(self.shared.clone()))
    }

    async fn create_consumer(
        &self,
        streams: &[StreamKey],
        options: NatsConsumerOptions,
    ) -> NatsResult<NatsConsumer> {
        if streams.is_empty() {
            return Err(StreamErr::StreamKeyEmpty);
        }
        match options.mode()? {
            ConsumerMode::RealTime => {
                if options.consumer_group().is_ok() {
                    return Err(StreamErr::ConsumerGroupIsSet);
                }
            }
            ConsumerMode::Resumable | ConsumerMode::LoadBalanced => {
                options.consumer_group()?;
            }
        }
        NatsConsumer::create(self.shared.clone(), streams.to_vec(), options).await
    }
}
