//! Consumers of topics that do not exist yet: they wait for the topic instead of failing.
//!
//! librdkafka reports a subscribed topic that is missing from the cluster's metadata as a
//! consumer error (`UnknownTopicOrPartition`), which `next()` would return. So a consumer
//! subscribes at first only to the topics that exist, and a background task watches the
//! cluster's metadata for the others, adding each to the subscription once it appears.
//!
//! Every message of a topic that did not exist at subscription was produced after it, so
//! such a topic is read from its beginning even when the consumer's reset is `latest`:
//! a consumer whose topics were all missing is created with `auto.offset.reset=earliest`;
//! in a mix of existing and missing topics, the group's offsets of a topic that appears
//! are set to its start (where the group has none yet) before it joins the subscription.

use crate::blocking::run_blocking;
use crate::{KafkaErr, KafkaResult, RawConsumer};
use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sea_streamer_types::{ConsumerMode, StreamErr, StreamKey};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The first pause between two metadata checks for a missing topic; it doubles up to
/// [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(100);
/// The longest pause between two metadata checks for a missing topic.
const MAX_POLL: Duration = Duration::from_secs(1);

/// Whether a consumer created with `config` starts a partition without a committed offset
/// at the end (`latest`, librdkafka's default, or its aliases).
pub(crate) fn resets_to_latest(config: &ClientConfig) -> bool {
    matches!(
        config.get("auto.offset.reset"),
        None | Some("latest" | "largest" | "end")
    )
}

/// Whether a consumer created with `config` starts a partition without a committed offset
/// at its beginning (`earliest` or its aliases).
pub(crate) fn resets_to_earliest(config: &ClientConfig) -> bool {
    matches!(
        config.get("auto.offset.reset"),
        Some("earliest" | "smallest" | "beginning")
    )
}

/// The partitions of `topic`, or `None` if the cluster does not know it.
fn partitions(
    consumer: &RawConsumer,
    topic: &str,
    timeout: Duration,
) -> Result<Option<Vec<i32>>, KafkaErr> {
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let Some(found) = metadata.topics().iter().find(|t| t.name() == topic) else {
        return Ok(None);
    };
    match found.error() {
        Some(e) if RDKafkaErrorCode::from(e) == RDKafkaErrorCode::UnknownTopicOrPartition => {
            Ok(None)
        }
        Some(_) => Ok(Some(Vec::new())), // exists, but librdkafka will report why it fails
        None if found.partitions().is_empty() => Ok(None),
        None => Ok(Some(found.partitions().iter().map(|p| p.id()).collect())),
    }
}

/// The topics of `streams` that do not exist, asked on a blocking thread.
pub(crate) async fn missing_topics(
    consumer: &Arc<RawConsumer>,
    streams: &[StreamKey],
    timeout: Duration,
) -> KafkaResult<Vec<StreamKey>> {
    let (consumer, streams) = (consumer.clone(), streams.to_vec());
    run_blocking(move || {
        let mut missing = Vec::new();
        for stream in streams {
            if partitions(&consumer, stream.name(), timeout)?.is_none() {
                missing.push(stream);
            }
        }
        Ok(missing)
    })
    .await
}

/// Subscribes `consumer` to `topics` (an empty list subscribes to nothing).
pub(crate) fn subscribe(consumer: &RawConsumer, topics: &[StreamKey]) -> KafkaResult<()> {
    if topics.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = topics.iter().map(|s| s.name()).collect();
    consumer.subscribe(&names).map_err(StreamErr::Backend)
}

/// What the watcher needs to know about its consumer.
pub(crate) struct Watch {
    /// The consumer; the watcher stops when it is dropped.
    pub consumer: Weak<RawConsumer>,
    /// The consumer's mode.
    pub mode: ConsumerMode,
    /// Whether the consumer's own reset is `latest` (then topics that appear are set to
    /// their start through the group's offsets).
    pub latest: bool,
    /// The topics subscribed so far.
    pub subscribed: Vec<StreamKey>,
    /// The topics still missing.
    pub missing: Vec<StreamKey>,
    /// The timeout of each metadata or offset request.
    pub timeout: Duration,
}

/// Watches the cluster until every missing topic exists, adding each to the subscription
/// as it appears. Runs until then or until the consumer is dropped.
pub(crate) async fn watch(mut w: Watch) {
    let mut pause = FIRST_POLL;
    loop {
        sea_streamer_runtime::sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL);
        let Some(consumer) = w.consumer.upgrade() else {
            return;
        };
        let (missing, timeout) = (w.missing.clone(), w.timeout);
        let checked = run_blocking(move || {
            let mut appeared = Vec::new();
            for stream in missing {
                if let Some(parts) = partitions(&consumer, stream.name(), timeout)? {
                    appeared.push((stream, parts));
                }
            }
            Ok(appeared)
        })
        .await;
        let appeared = match checked {
            Ok(appeared) if appeared.is_empty() => continue,
            Ok(appeared) => appeared,
            Err(e) => {
                log::debug!("checking for topics {:?} failed: {e}", w.missing);
                continue;
            }
        };
        let Some(consumer) = w.consumer.upgrade() else {
            return;
        };
        let names: Vec<&str> = appeared.iter().map(|(s, _)| s.name()).collect();
        log::info!("topics {names:?} now exist; consuming them");
        let (consumer2, new, w2) = (consumer.clone(), appeared.clone(), w.snapshot());
        if let Err(e) = run_blocking(move || {
            before_joining(&consumer2, &w2, &new);
            Ok(())
        })
        .await
        {
            log::warn!("preparing the offsets of topics {names:?} failed: {e}");
        }
        w.missing.retain(|m| !appeared.iter().any(|(s, _)| s == m));
        w.subscribed.extend(appeared.into_iter().map(|(s, _)| s));
        if let Err(e) = subscribe(&consumer, &w.subscribed) {
            log::error!("cannot subscribe to {:?}: {e}", w.subscribed);
        }
        if w.missing.is_empty() {
            return;
        }
    }
}

impl Watch {
    /// The parts of the watch a blocking job needs.
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            mode: self.mode,
            latest: self.latest,
            rejoins: !self.subscribed.is_empty(),
            timeout: self.timeout,
        }
    }
}

/// See [`Watch::snapshot`].
struct Snapshot {
    mode: ConsumerMode,
    latest: bool,
    /// Whether the consumer is already a group member, so changing its subscription makes
    /// it rejoin (and lose the positions of partitions without committed offsets).
    rejoins: bool,
    timeout: Duration,
}

/// Runs before the topics of `new` join the subscription of a consumer that is already a
/// group member: a `RealTime` consumer (which never commits) commits its positions so the
/// rejoin keeps them, and with a `latest` reset the new topics' partitions without a
/// committed offset get their first offset committed, so they are read from the start.
fn before_joining(consumer: &RawConsumer, w: &Snapshot, new: &[(StreamKey, Vec<i32>)]) {
    if !w.rejoins {
        return;
    }
    if w.mode == ConsumerMode::RealTime {
        match consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) => {}
            Err(e) if e.rdkafka_error_code() == Some(RDKafkaErrorCode::NoOffset) => {}
            Err(e) => log::warn!("cannot keep the positions across the rejoin: {e}"),
        }
    }
    if !w.latest {
        return;
    }
    let mut query = TopicPartitionList::new();
    for (stream, parts) in new {
        for p in parts {
            query.add_partition(stream.name(), *p);
        }
    }
    let committed = match consumer.committed_offsets(query, w.timeout) {
        Ok(committed) => committed,
        Err(e) => {
            log::warn!("cannot read the committed offsets of new topics: {e}");
            return;
        }
    };
    let mut start = TopicPartitionList::new();
    for e in committed.elements() {
        if e.offset() != Offset::Invalid {
            continue;
        }
        match consumer.fetch_watermarks(e.topic(), e.partition(), w.timeout) {
            Ok((low, _)) => {
                let _ = start.add_partition_offset(e.topic(), e.partition(), Offset::Offset(low));
            }
            Err(err) => log::warn!("no start offset for {}/{}: {err}", e.topic(), e.partition()),
        }
    }
    if start.count() > 0 {
        if let Err(e) = consumer.commit(&start, CommitMode::Sync) {
            log::warn!("cannot start new topics at their beginning: {e}");
        }
    }
}

/// `config` with `auto.offset.reset=earliest`: for a consumer whose topics were all missing
/// at subscription, every message of theirs comes after it.
pub(crate) fn earliest_config(config: &ClientConfig) -> ClientConfig {
    let mut config = config.clone();
    config.set("auto.offset.reset", "earliest");
    config
}
