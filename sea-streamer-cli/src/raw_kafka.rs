//! Raw Kafka queries for what the Streamer API does not cover: topics, partitions, watermarks
//! and consumer groups with their committed offsets.
//!
//! A plain rdkafka consumer (through sea-streamer-kafka's `export::rdkafka`) that joins no
//! group; every call blocks, so they run on tokio's blocking pool.

use anyhow::{Context, Result};
use sea_streamer_kafka::export::rdkafka::{
    consumer::{BaseConsumer, Consumer},
    ClientConfig, Offset, TopicPartitionList,
};
use sea_streamer_types::StreamUrl;
use std::time::Duration;

/// How long one metadata query may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One partition: its low and high watermarks (the high one is the offset the next message
/// will get).
#[derive(Debug, Clone)]
pub struct Partition {
    /// Partition number.
    pub id: i32,
    /// The oldest offset still stored.
    pub low: i64,
    /// The offset of the next message.
    pub high: i64,
}

/// One topic and its partitions.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Topic name.
    pub name: String,
    /// Its partitions, by number.
    pub partitions: Vec<Partition>,
}

/// A consumer group, with its committed offsets for the topics asked about.
#[derive(Debug, Clone)]
pub struct Group {
    /// Group id.
    pub name: String,
    /// Its state as the broker reports it.
    pub state: String,
    /// Members.
    pub members: usize,
    /// `(topic, partition, committed offset)` for the partitions it committed.
    pub committed: Vec<(String, i32, i64)>,
}

/// The bootstrap servers of a `kafka://` URL.
fn servers(url: &StreamUrl) -> String {
    let hosts: Vec<String> = url
        .streamer_ref()
        .nodes()
        .iter()
        .map(|n| {
            format!(
                "{}:{}",
                n.host_str().unwrap_or("localhost"),
                n.port().unwrap_or(sea_streamer_kafka::KAFKA_PORT)
            )
        })
        .collect();
    hosts.join(",")
}

fn client(
    url: &StreamUrl,
    options: &[(String, String)],
    group: Option<&str>,
) -> Result<BaseConsumer> {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", servers(url));
    config.set("enable.auto.commit", "false");
    if let Some(g) = group {
        config.set("group.id", g);
    }
    for (k, v) in options {
        config.set(k, v);
    }
    config
        .create()
        .with_context(|| format!("creating a Kafka client for {}", servers(url)))
}

/// The topics named by `url` (every topic if it names none), with partitions and watermarks.
pub async fn topics(url: &StreamUrl, options: &[(String, String)]) -> Result<Vec<Topic>> {
    let url = url.clone();
    let options = options.to_vec();
    tokio::task::spawn_blocking(move || topics_blocking(&url, &options))
        .await
        .context("the metadata task failed")?
}

fn topics_blocking(url: &StreamUrl, options: &[(String, String)]) -> Result<Vec<Topic>> {
    let c = client(url, options, None)?;
    let where_ = servers(url);
    let metadata = c
        .fetch_metadata(None, TIMEOUT)
        .with_context(|| format!("fetching metadata from {where_}"))?;
    let wanted: Vec<&str> = url.stream_keys().iter().map(|k| k.name()).collect();
    let mut topics = Vec::new();
    for t in metadata.topics() {
        if t.error().is_some() || (!wanted.is_empty() && !wanted.contains(&t.name())) {
            continue;
        }
        if wanted.is_empty() && t.name().starts_with("__") {
            continue;
        }
        let mut partitions = Vec::new();
        for p in t.partitions() {
            let (low, high) = c
                .fetch_watermarks(t.name(), p.id(), TIMEOUT)
                .with_context(|| {
                    format!(
                        "fetching the watermarks of {}/{} from {where_}",
                        t.name(),
                        p.id()
                    )
                })?;
            partitions.push(Partition {
                id: p.id(),
                low,
                high,
            });
        }
        partitions.sort_by_key(|p| p.id);
        topics.push(Topic {
            name: t.name().to_owned(),
            partitions,
        });
    }
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(topics)
}

/// The consumer groups of the cluster, with their committed offsets on `topics`.
pub async fn groups(
    url: &StreamUrl,
    options: &[(String, String)],
    topics: &[Topic],
) -> Result<Vec<Group>> {
    let url = url.clone();
    let options = options.to_vec();
    let topics = topics.to_vec();
    tokio::task::spawn_blocking(move || groups_blocking(&url, &options, &topics))
        .await
        .context("the group task failed")?
}

fn groups_blocking(
    url: &StreamUrl,
    options: &[(String, String)],
    topics: &[Topic],
) -> Result<Vec<Group>> {
    let c = client(url, options, None)?;
    let list = c
        .fetch_group_list(None, TIMEOUT)
        .with_context(|| format!("listing the consumer groups of {}", servers(url)))?;
    let mut groups = Vec::new();
    for g in list.groups() {
        let mut tpl = TopicPartitionList::new();
        for t in topics {
            for p in &t.partitions {
                tpl.add_partition(&t.name, p.id);
            }
        }
        let mut committed = Vec::new();
        if tpl.count() > 0 {
            let gc = client(url, options, Some(g.name()))?;
            if let Ok(list) = gc.committed_offsets(tpl, TIMEOUT) {
                for e in list.elements() {
                    if let Offset::Offset(o) = e.offset() {
                        committed.push((e.topic().to_owned(), e.partition(), o));
                    }
                }
            }
        }
        groups.push(Group {
            name: g.name().to_owned(),
            state: g.state().to_owned(),
            members: g.members().len(),
            committed,
        });
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(groups)
}
