//! [`NatsStreamer`]: a connection to NATS and its JetStream context.

use async_nats::jetstream;
use sea_streamer_types::{
    ConnectOptions as _, ConsumerMode, ConsumerOptions as _, Producer as _, StreamErr, StreamKey,
    Streamer, StreamerUri,
};

use crate::error::backend;
use crate::jetstream::Shared;
use crate::{
    NatsConnectOptions, NatsConsumer, NatsConsumerOptions, NatsErr, NatsProducer,
    NatsProducerOptions, NatsResult, NATS_SCHEME, NATS_TLS_SCHEME,
};

/// A connection to a NATS server (or several nodes of one cluster) with JetStream.
///
/// `nats://host:port` (port 4222 when left out), or `tls://host:port` to require TLS;
/// credentials as `nats://user:pass@host`, a token as `nats://token@host`, or through
/// [`NatsConnectOptions`] (also TLS: trusted authorities and a client certificate).
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

/// `e` and its sources, `: `-separated (async-nats' connect errors say "TLS error" and
/// keep the reason, e.g. the certificate's, in the source).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
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
            let scheme = node.scheme();
            if scheme != NATS_SCHEME && scheme != NATS_TLS_SCHEME {
                return Err(invalid(node, "the scheme must be nats or tls"));
            }
            let host = node
                .host_str()
                .filter(|h| !h.is_empty() && *h != ".")
                .ok_or_else(|| invalid(node, "no host"))?;
            let port = node.port().unwrap_or(4222);
            // Over TLS when the URL or the options say so; async-nats also turns a `nats://`
            // connection to TLS when the server demands it.
            let scheme = if options.tls() {
                NATS_TLS_SCHEME
            } else {
                scheme
            };
            addrs.push(format!("{scheme}://{host}:{port}"));
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
            .request_timeout(Some(timeout))
            .require_tls(options.tls());
        if let Some(pem) = options.root_certificates() {
            connect = connect.add_root_certificates(pem.to_owned());
        }
        if let Some((cert, key)) = options.client_certificate() {
            connect = connect.add_client_certificate(cert.to_owned(), key.to_owned());
        }
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
                cause: error_chain(&e),
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
        options: NatsProducerOptions,
    ) -> NatsResult<NatsProducer> {
        Ok(NatsProducer::new(self.shared.clone(), options))
    }

    /// Creates a producer anchored to `stream`, making sure first that `stream`'s JetStream
    /// stream exists (as the first send would), so sends publish straight away; if it
    /// cannot, the first send's receipt reports why.
    async fn create_producer(
        &self,
        stream: StreamKey,
        options: NatsProducerOptions,
    ) -> NatsResult<NatsProducer> {
        let mut producer = NatsProducer::new(self.shared.clone(), options);
        producer.prepare(&stream).await;
        producer.anchor(stream)?;
        Ok(producer)
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
