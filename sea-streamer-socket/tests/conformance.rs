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

#[cfg(feature = "backend-kafka")]
#[path = "../../sea-streamer-kafka/tests/support/mock_cluster.rs"]
mod mock_cluster;
#[cfg(feature = "backend-redis")]
#[allow(dead_code)]
#[path = "../../sea-streamer-redis/tests/common/server.rs"]
mod server;

use sea_streamer_conformance::backend::{Backend as Conformance, Capabilities};
#[allow(unused_imports)]
use sea_streamer_conformance::{scenarios, RewindRule, SeekRule};
use sea_streamer_socket::{
    Backend, SeaConnectOptions, SeaConsumer, SeaConsumerOptions, SeaStreamReset, SeaStreamer,
    SeaStreamerBackend,
};
use sea_streamer_types::{
    Acknowledge, ConsumerGroup, ConsumerMode, ConsumerOptions, MessageHeader, Streamer, StreamerUri,
};

/// One backend, reached through the socket.
struct Sea {
    uri: StreamerUri,
    backend: Backend,
    /// Keeps the temporary directory of the file backend alive.
    _dir: Option<tempfile::TempDir>,
    /// What the restart hook restarts.
    restart: Restart,
}

/// The server behind a [`Sea`] target that the restart hook can restart.
enum Restart {
    /// The shared test services are never restarted; the reason.
    #[allow(dead_code)] // only built with backend-redis or backend-kafka
    Refused(&'static str),
    /// A file: the restart scenario drops the reader and opens the file again.
    #[cfg(feature = "backend-file")]
    File,
    /// A private `redis-server` child, killed and started again.
    #[cfg(feature = "backend-redis")]
    Redis(std::sync::Mutex<server::PrivateRedis>),
    /// librdkafka's mock cluster, whose broker goes down and up.
    #[cfg(feature = "backend-kafka")]
    Kafka(mock_cluster::Mock),
}

/// Why the shared services are not restarted.
#[allow(dead_code)]
const SHARED: &str = "the shared test service is not restarted; the restart test of this \
                      backend runs on a private server";

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
            restart: Restart::File,
        }
    }

    #[cfg(feature = "backend-redis")]
    fn redis() -> Option<Self> {
        let url = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS")?;
        Some(Self {
            uri: url.parse().expect("SEA_STREAMER_TEST_REDIS is a valid URI"),
            backend: Backend::Redis,
            _dir: None,
            restart: Restart::Refused(SHARED),
        })
    }

    /// A private `redis-server` (append-only file, fsync always) for the restart scenario.
    #[cfg(feature = "backend-redis")]
    fn redis_private() -> Option<Self> {
        let server = server::PrivateRedis::start()?;
        Some(Self {
            uri: server.url().parse().expect("private server URI"),
            backend: Backend::Redis,
            _dir: None,
            restart: Restart::Redis(std::sync::Mutex::new(server)),
        })
    }

    #[cfg(feature = "backend-kafka")]
    fn kafka() -> Option<Self> {
        let url = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_KAFKA")?;
        Some(Self {
            uri: url.parse().expect("SEA_STREAMER_TEST_KAFKA is a valid URI"),
            backend: Backend::Kafka,
            _dir: None,
            restart: Restart::Refused(SHARED),
        })
    }

    /// librdkafka's mock cluster of one broker, for the scenarios tansu cannot serve.
    #[cfg(feature = "backend-kafka")]
    fn kafka_mock() -> Option<Self> {
        let mock = mock_cluster::Mock::start();
        Some(Self {
            uri: format!("kafka://{}", mock.servers)
                .parse()
                .expect("mock cluster URI"),
            backend: Backend::Kafka,
            _dir: None,
            restart: Restart::Kafka(mock),
        })
    }

    /// Whether the target is librdkafka's mock cluster.
    #[allow(dead_code)] // only used with backend-kafka
    fn is_mock(&self) -> bool {
        #[cfg(feature = "backend-kafka")]
        if let Restart::Kafka(_) = self.restart {
            return true;
        }
        false
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
                // The mock broker evicts a member silent for the session timeout, even while
                // it waits for its join (3 s initial delay): keep it above that there.
                let session = if self.is_mock() { "6000" } else { "2000" };
                options.set_kafka_consumer_options(|o| {
                    o.add_custom_option("session.timeout.ms", session)
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
                // Members of a group that wait for their stream start reading when it is
                // written, all at once: with 10 entries a read (the default) the first
                // could take a whole small test stream before the others' first read, and
                // `load_balanced` would see no split. One entry a read keeps each member at
                // most a message or two ahead of the test, so every member gets its share.
                if mode == ConsumerMode::LoadBalanced {
                    o.set_batch_size(1);
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

    /// Kafka: creates the topic. Redis streams are not created: a group consumer on a stream
    /// that does not exist yet waits for it (issue #10), so every scenario also checks that.
    #[cfg(feature = "backend-kafka")]
    async fn prepare_stream(
        &self,
        _streamer: &SeaStreamer,
        stream: &sea_streamer_types::StreamKey,
    ) {
        if self.backend != Backend::Kafka {
            return;
        }
        use sea_streamer_kafka::export::rdkafka::{
            admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
            client::DefaultClientContext,
            ClientConfig,
        };
        if let Restart::Kafka(mock) = &self.restart {
            mock.run(mock_cluster::MockCommand::CreateTopic(
                stream.name().to_owned(),
            ))
            .expect("create a topic on the mock cluster");
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

    /// Group consumers acknowledge by hand: Redis without automatic acks (LoadBalanced ones
    /// claim a closed member's entries after 2 s), Kafka without auto commit.
    fn acking_consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> SeaConsumerOptions {
        #[allow(unused_mut)] // only changed with backend-redis or backend-kafka
        let mut options = self.consumer_options(mode, group);
        if mode == ConsumerMode::RealTime {
            return options;
        }
        match self.backend {
            #[cfg(feature = "backend-redis")]
            Backend::Redis => options.set_redis_consumer_options(|o| {
                o.set_auto_commit(sea_streamer_redis::AutoCommit::Disabled);
                if mode == ConsumerMode::LoadBalanced {
                    o.set_auto_claim_interval(Some(std::time::Duration::from_secs(1)))
                        .set_auto_claim_idle(std::time::Duration::from_secs(2));
                }
            }),
            #[cfg(feature = "backend-kafka")]
            Backend::Kafka => options.set_kafka_consumer_options(|o| {
                o.set_enable_auto_commit(false);
            }),
            #[allow(unreachable_patterns)]
            _ => {}
        }
        options
    }

    fn track(&self, consumer: &SeaConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::track(consumer, header).map_err(|e| e.to_string())
    }

    fn ack(&self, consumer: &SeaConsumer, header: &MessageHeader) -> Result<(), String> {
        Acknowledge::ack(consumer, header).map_err(|e| e.to_string())
    }

    async fn commit_acked(&self, consumer: &SeaConsumer) -> Result<(), String> {
        Acknowledge::commit_acked(consumer)
            .await
            .map_err(|e| e.to_string())
    }

    async fn restart(&self) -> Result<(), &'static str> {
        match &self.restart {
            Restart::Refused(why) => Err(why),
            #[cfg(feature = "backend-file")]
            Restart::File => Ok(()),
            #[cfg(feature = "backend-redis")]
            Restart::Redis(server) => {
                server.lock().unwrap_or_else(|e| e.into_inner()).restart();
                Ok(())
            }
            #[cfg(feature = "backend-kafka")]
            Restart::Kafka(mock) => {
                mock.run(mock_cluster::MockCommand::Restart)
                    .unwrap_or_else(|e| panic!("restarting the mock broker failed: {e}"));
                Ok(())
            }
        }
    }

    fn capabilities(&self) -> Capabilities {
        match self.backend {
            #[cfg(feature = "backend-file")]
            Backend::File => Capabilities {
                receipt_matches_message: true,
                acknowledge: Ok(()),
                assign: Err("the file backend has no manual shard assignment (as upstream)"),
                ..Default::default()
            },
            #[cfg(feature = "backend-redis")]
            Backend::Redis => Capabilities {
                rewind: RewindRule::Exclusive,
                acknowledge: Ok(()),
                ..Default::default()
            },
            #[cfg(feature = "backend-kafka")]
            Backend::Kafka => Capabilities {
                load_balanced_splits_one_shard: false,
                seek: SeekRule::Unsupported("tansu answers offsets_for_times wrongly"),
                acknowledge: Ok(()),
                regroup: if self.is_mock() {
                    Ok(())
                } else {
                    Err(
                        "tansu: after every member of a group was closed at once, a new \
                         member receives nothing within the suite's wait (it does on the \
                         mock cluster)",
                    )
                },
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

// The scenarios of issue #16 on every target, one module per backend (`file_new::...`);
// restart on a private server or the mock cluster (the shared services are never
// restarted); then stress mode.
macro_rules! new_scenarios {
    ($feature:literal, $module:ident, $target:expr) => {
        #[cfg(feature = $feature)]
        mod $module {
            use super::*;

            scenario!($feature, $target, concurrent_consumers, |b| {
                scenarios::concurrent_consumers(b, 30)
            });
            scenario!($feature, $target, concurrent_streams, |b| {
                scenarios::concurrent_streams(b, 4, 20)
            });
            scenario!($feature, $target, consumer_closed_mid_stream, |b| {
                scenarios::consumer_closed_mid_stream(b, 20)
            });
            scenario!($feature, $target, consumers_closed_concurrently, |b| {
                scenarios::consumers_closed_concurrently(b, 20)
            });
            scenario!($feature, $target, producer_ended_mid_burst, |b| {
                scenarios::producer_ended_mid_burst(b, 100)
            });
            scenario!($feature, $target, streams_isolated, |b| {
                scenarios::streams_isolated(b, 10)
            });
            scenario!($feature, $target, new_consumer_earliest, |b| {
                scenarios::new_consumer_earliest(b, 10)
            });
            scenario!($feature, $target, continue_after_handler_error, |b| {
                scenarios::continue_after_handler_error(b, 12)
            });
        }
    };
}

new_scenarios!("backend-file", file_new, || Some(Sea::file()));
new_scenarios!("backend-redis", redis_new, Sea::redis);
new_scenarios!("backend-kafka", kafka_new, Sea::kafka);

scenario!("backend-file", || Some(Sea::file()), file_restart, |b| {
    scenarios::restart(b, 20)
});
scenario!("backend-redis", Sea::redis_private, redis_restart, |b| {
    scenarios::restart(b, 20)
});
scenario!("backend-kafka", Sea::kafka_mock, kafka_restart, |b| {
    scenarios::restart(b, 20)
});
scenario!(
    "backend-kafka",
    Sea::kafka_mock,
    kafka_consumers_closed_concurrently_mock,
    |b| scenarios::consumers_closed_concurrently(b, 20)
);

/// Stress mode through the socket: `SEA_STREAMER_STRESS` concurrent copies of the suite
/// (skipped when it is unset).
macro_rules! stress {
    ($feature:literal, $name:ident, $make:expr) => {
        #[cfg(feature = $feature)]
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            sea_streamer_conformance::stress::run($make).await;
        }
    };
}

stress!("backend-file", file_stress, |_| Some(Sea::file()));
stress!("backend-redis", redis_stress, |_| Sea::redis());
stress!("backend-kafka", kafka_stress, |_| Sea::kafka());
