//! [`KafkaStreamer`]: connecting to a cluster and creating producers and consumers.

use crate::blocking::run_blocking;
use crate::cluster::cluster_uri;
use crate::connect_probe::ConnectProbe;
use crate::consumer_mode::effective_options;
use crate::consumer_observe::{ConsumerObs, Registration, BACKEND};
use crate::error::join_err;
use crate::topic_wait::{
    earliest_config, missing_topics, resets_to_earliest, resets_to_latest, subscribe,
    watch as watch_topics, Watch,
};
use crate::{
    KafkaConnectOptions, KafkaConsumer, KafkaConsumerOptions, KafkaErr, KafkaProducer,
    KafkaProducerOptions, KafkaResult, RawConsumer, RawProducer, DEFAULT_TIMEOUT,
};
use rdkafka::producer::{BaseProducer, Producer as _};
use rdkafka::ClientConfig;
use sea_streamer_types::{
    ConnectOptions, ConsumerMode, ConsumerOptions, StreamErr, StreamKey, Streamer, StreamerUri,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument;

/// How long `connect` waits for the cluster id when no timeout is set.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long `create_consumer` waits for the metadata of its topics when no timeout is set.
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to a Kafka cluster: a factory of producers and consumers sharing the
/// [`KafkaConnectOptions`]. Cheap to clone.
///
/// ```no_run
/// use sea_streamer_kafka::{KafkaConnectOptions, KafkaStreamer};
/// use sea_streamer_types::{ConnectOptions, Producer, StreamKey, Streamer};
/// use std::time::Duration;
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let mut options = KafkaConnectOptions::default();
/// options.set_timeout(Duration::from_secs(5))?;
/// let streamer = KafkaStreamer::connect("kafka://localhost:9092".parse()?, options).await?;
/// let producer = streamer.create_producer(StreamKey::new("events")?, Default::default()).await?;
/// producer.send("hello")?;
/// streamer.disconnect().await?; // flushes `producer`
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct KafkaStreamer {
    uri: StreamerUri,
    options: Arc<KafkaConnectOptions>,
    producers: ProducerRegistry,
}

/// The producers created through a streamer (and its clones), flushed on `disconnect`.
#[derive(Clone, Default)]
struct ProducerRegistry(Arc<Mutex<Vec<RawProducer>>>);

impl std::fmt::Debug for ProducerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.0.lock().map_or(0, |list| list.len());
        write!(f, "ProducerRegistry({count} producers)")
    }
}

impl ProducerRegistry {
    fn add(&self, producer: RawProducer) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(producer);
    }

    fn take(&self) -> Vec<RawProducer> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

impl KafkaStreamer {
    /// The client config shared by every client: `bootstrap.servers`, then the connect options.
    fn client_config(&self) -> KafkaResult<ClientConfig> {
        base_config(&self.uri, &self.options)
    }

    /// The cluster this streamer connects to.
    pub fn uri(&self) -> &StreamerUri {
        &self.uri
    }
}

fn base_config(uri: &StreamerUri, options: &KafkaConnectOptions) -> KafkaResult<ClientConfig> {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", cluster_uri(uri)?);
    options.make_client_config(&mut config);
    Ok(config)
}

impl Streamer for KafkaStreamer {
    type Error = KafkaErr;
    type Producer = KafkaProducer;
    type Consumer = KafkaConsumer;
    type ConnectOptions = KafkaConnectOptions;
    type ConsumerOptions = KafkaConsumerOptions;
    type ProducerOptions = KafkaProducerOptions;

    /// Checks that the cluster answers (fetches its id, waiting the connect options'
    /// timeout or 1 s): `Err(Connect(..))` if it does not, naming the bootstrap servers and
    /// the first problem librdkafka reported (e.g. `Connection refused`).
    async fn connect(uri: StreamerUri, options: KafkaConnectOptions) -> KafkaResult<Self> {
        let config = base_config(&uri, &options)?;
        // A producer client only because it can serve its main queue (`poll`), where
        // librdkafka puts the errors that say why the cluster does not answer.
        let probe: BaseProducer<ConnectProbe> = config
            .create_with_context(ConnectProbe::default())
            .map_err(StreamErr::Backend)?;
        let timeout = options.timeout().unwrap_or(CONNECT_TIMEOUT);
        let span = tracing::info_span!(
            "sea_streamer.connect",
            backend = BACKEND,
            servers = %cluster_uri(&uri)?
        );
        let (id, cause) = sea_streamer_runtime::spawn_blocking(move || {
            let id = probe.client().fetch_cluster_id(timeout);
            if id.is_none() {
                probe.context().serve(|| probe.poll(Duration::ZERO));
            }
            (id, probe.context().cause())
        })
        .instrument(span)
        .await
        .map_err(join_err)?;
        if id.is_none() {
            let servers = cluster_uri(&uri)?;
            let cause = cause.unwrap_or_else(|| "no answer".to_owned());
            return Err(StreamErr::Connect(format!(
                "Failed to connect to the Kafka cluster at {servers} within {} ms: {cause}",
                timeout.as_millis()
            )));
        }
        Ok(Self {
            uri,
            options: Arc::new(options),
            producers: ProducerRegistry::default(),
        })
    }

    /// Flushes every producer created through this streamer (up to [`DEFAULT_TIMEOUT`]
    /// each); returns the first flush error, if any, after trying them all.
    async fn disconnect(self) -> KafkaResult<()> {
        let producers = self.producers.take();
        run_blocking(move || {
            let mut result = Ok(());
            for producer in producers {
                if let Err(e) = producer.flush(DEFAULT_TIMEOUT) {
                    log::error!("flush on disconnect failed: {e}");
                    if result.is_ok() {
                        result = Err(e);
                    }
                }
            }
            result
        })
        .await
    }

    async fn create_generic_producer(
        &self,
        options: KafkaProducerOptions,
    ) -> KafkaResult<KafkaProducer> {
        let mut config = self.client_config()?;
        options.make_client_config(&mut config);
        let producer: RawProducer = config.create().map_err(StreamErr::Backend)?;
        self.producers.add(producer.clone());
        Ok(KafkaProducer::new(producer, options))
    }

    /// Creates a consumer subscribed to `streams`. The group and forced options depend on
    /// the mode:
    ///
    /// | Mode | Group id | Forced options |
    /// |---|---|---|
    /// | `RealTime` | `{host_id}s{pid}-{n}`, one per consumer (a group set by the user is an error) | `session.timeout.ms=6000`, `enable.auto.commit=false` |
    /// | `Resumable` | `{host_id}r` (a group set by the user is an error) | session timeout 6 s and auto commit, where unset |
    /// | `LoadBalanced` | the user's, required | none |
    ///
    /// Custom options are applied last and override all of these.
    ///
    /// A topic that does not exist yet is waited for: the consumer subscribes to it once it
    /// appears and reads it from its start (even with a `latest` reset, since all of it was
    /// produced after this call). `next()` meanwhile simply waits.
    async fn create_consumer(
        &self,
        streams: &[StreamKey],
        options: KafkaConsumerOptions,
    ) -> KafkaResult<KafkaConsumer> {
        let options = effective_options(streams, options)?;
        let mode = *options.mode()?;
        let mut config = self.client_config()?;
        options.make_client_config(&mut config);
        let mut consumer: Arc<RawConsumer> = Arc::new(config.create().map_err(StreamErr::Backend)?);

        let timeout = self.options.timeout().unwrap_or(METADATA_TIMEOUT);
        let missing = match missing_topics(&consumer, streams, timeout).await {
            Ok(missing) => missing,
            Err(e) => {
                log::warn!("cannot tell which of {streams:?} exist ({e}); subscribing to all");
                Vec::new()
            }
        };
        let mut latest = resets_to_latest(&config);
        let mut earliest = resets_to_earliest(&config);
        if missing.len() == streams.len() && latest {
            // Everything in these topics will have been produced after the subscription.
            consumer = Arc::new(
                earliest_config(&config)
                    .create()
                    .map_err(StreamErr::Backend)?,
            );
            latest = false;
            earliest = true;
        }
        let subscribed: Vec<StreamKey> = streams
            .iter()
            .filter(|s| !missing.contains(s))
            .cloned()
            .collect();
        subscribe(&consumer, &subscribed)?;
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|s| s.name()).collect();
            log::info!("waiting for topics {names:?} to be created");
            let watch = Watch {
                consumer: Arc::downgrade(&consumer),
                mode,
                latest,
                subscribed,
                missing,
                timeout,
            };
            // Detached: it ends when every topic exists or the consumer is dropped.
            drop(sea_streamer_runtime::spawn_task(watch_topics(watch)));
        }
        let acks = crate::ack::Acks::new(mode, &config);
        // A real-time consumer's group is made up per consumer: not a label value.
        let group = match mode {
            ConsumerMode::RealTime => None,
            _ => options.group_id().map(|g| g.name()),
        };
        let observe = Registration::new(ConsumerObs::new(
            streams,
            group,
            options.trace_propagation(),
        ));
        Ok(KafkaConsumer::new(
            mode,
            consumer,
            streams.to_vec(),
            acks,
            observe,
            earliest,
            config.get("group.id").map(str::to_owned),
        ))
    }
}
