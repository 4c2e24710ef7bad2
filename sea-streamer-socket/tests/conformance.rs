//! The backend-agnostic conformance scenarios, run through `SeaStreamer` against each
//! compiled-in backend that can be reached: `.ss` files in a temporary directory always,
//! Redis and Kafka when `SEA_STREAMER_TEST_REDIS` / `SEA_STREAMER_TEST_KAFKA` are set.
#![cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]
#![cfg(any(
    feature = "backend-file",
    feature = "backend-redis",
    feature = "backend-kafka"
))]

use sea_streamer_conformance::backend::{Backend as Conformance, Capabilities};
#[allow(unused_imports)]
use sea_streamer_conformance::{scenarios, RewindRule, SeekRule};
use sea_streamer_socket::{
    Backend, SeaConnectOptions, SeaConsumer, SeaConsumerOptions, SeaStreamReset, SeaStreamer,
    SeaStreamerBackend,
};
use sea_streamer_types::{
    ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, Streamer, StreamerUri,
};

/// One backend, reached through the socket.
struct Sea {
    uri: StreamerUri,
    backend: Backend,
    /// Keeps the temporary directory of the file backend alive.
    _dir: Option<tempfile::TempDir>,
}

impl Sea {
    #[cfg(feature = "backend-file")]
    fn file() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("conformance.ss");
        let uri = format!("file://{}", path.display());
        Self {
            uri: uri.parse().expect("file URI"),
            backend: Backend::File,
            _dir: Some(dir),
        }
    }

    #[cfg(feature = "backend-redis")]
    fn redis() -> Option<Self> {
        let url = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS")?;
        Some(Self {
            uri: url.parse().expect("SEA_STREAMER_TEST_REDIS is a valid URI"),
            backend: Backend::Redis,
            _dir: None,
        })
    }

    #[cfg(feature = "backend-kafka")]
    fn kafka() -> Option<Self> {
        let url = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_KAFKA")?;
        Some(Self {
            uri: url.parse().expect("SEA_STREAMER_TEST_KAFKA is a valid URI"),
            backend: Backend::Kafka,
            _dir: None,
        })
    }
}

impl Conformance for Sea {
    type Streamer = SeaStreamer;

    async fn connect(&self) -> SeaStreamer {
        #[allow(unused_mut)]
        let mut options = SeaConnectOptions::default();
        #[cfg(feature = "backend-file")]
        options.set_file_connect_options(|o| {
            o.set_create_if_not_exists(true);
        });
        let streamer = SeaStreamer::connect(self.uri.clone(), options)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.uri));
        assert_eq!(
            streamer.backend(),
            self.backend,
            "wrong backend for the URI"
        );
        streamer
    }

    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> SeaConsumerOptions {
        let mut options = SeaConsumerOptions::new(mode);
        options.set_auto_stream_reset(SeaStreamReset::Earliest);
        match self.backend {
            #[cfg(feature = "backend-kafka")]
            Backend::Kafka => {
                options.set_kafka_consumer_options(|o| {
                    o.add_custom_option("session.timeout.ms", "2000")
                        .add_custom_option("heartbeat.interval.ms", "500");
                    match (mode, &group) {
                        (ConsumerMode::LoadBalanced, Some(g)) => {
                            o.set_group_id(g.clone());
                        }
                        // Resumable consumers use the host's group; the test's own group
                        // keeps tests apart.
                        (ConsumerMode::Resumable, Some(g)) => {
                            o.add_custom_option("group.id", g.name());
                        }
                        _ => {}
                    }
                });
                return options;
            }
            #[cfg(feature = "backend-redis")]
            Backend::Redis => options.set_redis_consumer_options(|o| {
                // No mkstream: group consumers created before their stream exists wait for
                // it (so consumer_before_stream really starts on a missing stream here).
                if mode == ConsumerMode::Resumable {
                    // Each read fetches one entry and acknowledges it (NOACK), so everything
                    // delivered is committed; `commit` below only adds an explicit ack.
                    o.set_auto_commit(sea_streamer_redis::AutoCommit::Immediate)
                        .set_batch_size(1);
                }
            }),
            #[allow(unreachable_patterns)]
            _ => {}
        }
        if let Some(group) = group {
            options
                .set_consumer_group(group)
                .expect("set_consumer_group");
        }
        options
    }

    #[cfg(feature = "backend-kafka")]
    async fn prepare_stream(
        &self,
        _streamer: &SeaStreamer,
        stream: &sea_streamer_types::StreamKey,
    ) {
        use sea_streamer_kafka::export::rdkafka::{
            admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
            client::DefaultClientContext,
            ClientConfig,
        };
        if self.backend != Backend::Kafka {
            return;
        }
        let servers: Vec<_> = self
            .uri
            .nodes()
            .iter()
            .map(|u| u.as_str().trim_start_matches("kafka://").to_owned())
            .collect();
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", servers.join(","))
            .create()
            .expect("admin client");
        let topic = NewTopic::new(stream.name(), 1, TopicReplication::Fixed(1));
        let results = sea_streamer_runtime::timeout(
            scenarios::WAIT,
            admin.create_topics([&topic], &AdminOptions::new()),
        )
        .await
        .expect("create_topics timed out")
        .expect("create_topics failed");
        for result in results {
            result.unwrap_or_else(|(name, e)| panic!("cannot create topic {name}: {e}"));
        }
    }

    async fn commit(
        &self,
        consumer: &mut SeaConsumer,
        header: &MessageHeader,
    ) -> Result<(), String> {
        let _ = header;
        match consumer.backend() {
            #[cfg(feature = "backend-file")]
            Backend::File => {
                let file = consumer.get_file().ok_or("not a file consumer")?;
                file.commit().await.map_err(|e| e.to_string())
            }
            #[cfg(feature = "backend-redis")]
            Backend::Redis => {
                let redis = consumer.get_redis().ok_or("not a redis consumer")?;
                let id = (
                    header.stream_key().clone(),
                    *header.shard_id(),
                    *header.sequence(),
                );
                redis.ack_with(&id).map_err(|e| e.to_string())?;
                redis
                    .commit()
                    .map_err(|e| e.to_string())?
                    .await
                    .map_err(|e| e.to_string())
            }
            #[cfg(feature = "backend-kafka")]
            Backend::Kafka => {
                let kafka = consumer.get_kafka().ok_or("not a kafka consumer")?;
                let next = header.sequence() + 1;
                kafka
                    .commit(header.stream_key(), header.shard_id(), &next)
                    .await
                    .map_err(|e| e.to_string())
            }
            #[allow(unreachable_patterns)]
            other => Err(format!("no commit for {other:?} in this test")),
        }
    }

    fn capabilities(&self) -> Capabilities {
        match self.backend {
            #[cfg(feature = "backend-file")]
            Backend::File => Capabilities {
                receipt_matches_message: true,
                assign: Err("the file backend has no manual shard assignment (as upstream)"),
                ..Default::default()
            },
            #[cfg(feature = "backend-redis")]
            Backend::Redis => Capabilities {
                rewind: RewindRule::Exclusive,
                ..Default::default()
            },
            #[cfg(feature = "backend-kafka")]
            Backend::Kafka => Capabilities {
                load_balanced_splits_one_shard: false,
                seek: SeekRule::Unsupported("tansu answers offsets_for_times wrongly"),
                ..Default::default()
            },
            #[allow(unreachable_patterns)]
            _ => Capabilities::default(),
        }
    }
}

/// One test per (backend, scenario); a backend whose service is not configured is skipped.
macro_rules! scenario {
    ($feature:literal, $target:expr, $(#[$meta:meta])* $name:ident, $call:expr) => {
        #[cfg(feature = $feature)]
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$meta])*
        async fn $name() {
            #[allow(clippy::redundant_closure_call)]
            let Some(target) = ($target)() else { return };
            #[allow(clippy::redundant_closure_call)]
            ($call)(&target).await;
        }
    };
}

scenario!("backend-file", || Some(Sea::file()), file_in_order, |b| {
    scenarios::in_order(b, 100)
});
scenario!(
    "backend-file",
    || Some(Sea::file()),
    file_two_realtime_consumers,
    |b| scenarios::two_realtime_consumers(b, 20)
);
scenario!(
    "backend-file",
    || Some(Sea::file()),
    file_load_balanced,
    |b| { scenarios::load_balanced(b, 40) }
);
scenario!("backend-file", || Some(Sea::file()), file_resumable, |b| {
    scenarios::resumable(b, 10)
});
scenario!(
    "backend-file",
    || Some(Sea::file()),
    file_seek_and_rewind,
    scenarios::seek_and_rewind
);
scenario!(
    "backend-file",
    || Some(Sea::file()),
    file_end_flushes,
    |b| { scenarios::end_flushes(b, 50) }
);
scenario!(
    "backend-file",
    || Some(Sea::file()),
    file_typed_errors,
    scenarios::typed_errors
);

scenario!("backend-redis", Sea::redis, redis_in_order, |b| {
    scenarios::in_order(b, 50)
});
scenario!(
    "backend-redis",
    Sea::redis,
    redis_two_realtime_consumers,
    |b| { scenarios::two_realtime_consumers(b, 10) }
);
scenario!("backend-redis", Sea::redis, redis_load_balanced, |b| {
    scenarios::load_balanced(b, 20)
});
scenario!("backend-redis", Sea::redis, redis_resumable, |b| {
    scenarios::resumable(b, 10)
});
scenario!(
    "backend-redis",
    Sea::redis,
    redis_seek_and_rewind,
    scenarios::seek_and_rewind
);
scenario!("backend-redis", Sea::redis, redis_end_flushes, |b| {
    scenarios::end_flushes(b, 20)
});
scenario!(
    "backend-redis",
    Sea::redis,
    redis_typed_errors,
    scenarios::typed_errors
);

scenario!("backend-kafka", Sea::kafka, kafka_in_order, |b| {
    scenarios::in_order(b, 20)
});
scenario!("backend-kafka", Sea::kafka, kafka_resumable, |b| {
    scenarios::resumable(b, 10)
});
scenario!("backend-kafka", Sea::kafka, kafka_end_flushes, |b| {
    scenarios::end_flushes(b, 20)
});
scenario!(
    "backend-kafka",
    Sea::kafka,
    kafka_typed_errors,
    scenarios::typed_errors
);

scenario!(
    "backend-file",
    || Some(Sea::file()),
    file_consumer_before_stream,
    |b| scenarios::consumer_before_stream(b, 20)
);
scenario!(
    "backend-redis",
    Sea::redis,
    redis_consumer_before_stream,
    |b| scenarios::consumer_before_stream(b, 20)
);
scenario!(
    "backend-kafka",
    Sea::kafka,
    kafka_consumer_before_stream,
    |b| scenarios::consumer_before_stream(b, 20)
);
