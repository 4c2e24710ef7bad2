//! Raw Kafka queries for what the Streamer API does not cover: topics, partitions, watermarks
//! and consumer groups with their committed offsets.
//!
//! A plain rdkafka consumer (through sea-streamer-kafka's `export::rdkafka`) that joins no
//! group; every call blocks, so they run on tokio's blocking pool.

use crate::kafka_protocol::{assigned_topics, subscribed_topics};
use anyhow::{Context, Result};
use sea_streamer_kafka::export::rdkafka::{
    consumer::{BaseConsumer, Consumer},
    groups::GroupInfo,
    ClientConfig, Offset, TopicPartitionList,
};
use sea_streamer_types::StreamUrl;
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

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

/// `(topic, partition, committed offset)` of the partitions a group committed.
pub type Committed = Vec<(String, i32, i64)>;

/// A consumer group, with its committed offsets for the topics asked about.
#[derive(Debug, Clone)]
pub struct Group {
    /// Group id.
    pub name: String,
    /// Its state as the broker reports it (`-` for an asked group the broker did not list).
    pub state: String,
    /// Members.
    pub members: usize,
    /// The partitions it committed on the topics asked about, or `None` when its offsets were not asked for (see [`groups`]).
    pub committed: Option<Committed>,
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
    crate::tls::apply_kafka(&mut config);
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

/// The consumer groups of the cluster. Committed offsets on `topics` are asked for (one
/// client per group, [`PARALLEL`] at a time, none started after [`GROUPS_DEADLINE`]) only
/// for the groups in `asked` (also groups the broker does not list) and the groups with a
/// member subscribed to or assigned one of `topics` (or a member the broker reports no
/// subscription and assignment of); the others come back with
/// `committed: None`. So `info` costs the same on a broker with thousands of idle groups.
pub async fn groups(
    url: &StreamUrl,
    options: &[(String, String)],
    topics: &[Topic],
    asked: &[String],
) -> Result<Vec<Group>> {
    let url = url.clone();
    let options = options.to_vec();
    let topics = topics.to_vec();
    let asked = asked.to_vec();
    tokio::task::spawn_blocking(move || groups_blocking(&url, &options, &topics, &asked))
        .await
        .context("the group task failed")?
}

/// How many groups' committed offsets are asked for at once.
pub const PARALLEL: usize = 4;

/// No group's committed offsets are asked for after this long (those left are reported as
/// not inspected).
pub const GROUPS_DEADLINE: Duration = Duration::from_secs(30);

/// Whether a member of `g` names one of `topics` in its subscription or assignment, or
/// reports neither (some brokers, e.g. tansu, leave both empty: a live member that cannot be
/// told apart is asked about rather than missed).
fn on_topics(g: &GroupInfo, topics: &[Topic]) -> bool {
    if g.protocol_type() != "consumer" && !g.protocol_type().is_empty() {
        return false;
    }
    g.members().iter().any(|m| {
        if m.metadata().is_none() && m.assignment().is_none() {
            return true;
        }
        let mut named = m.metadata().map(subscribed_topics).unwrap_or_default();
        named.extend(m.assignment().map(assigned_topics).unwrap_or_default());
        log::debug!("group {} member {}: topics {named:?}", g.name(), m.id());
        named.iter().any(|n| topics.iter().any(|t| &t.name == n))
    })
}

fn groups_blocking(
    url: &StreamUrl,
    options: &[(String, String)],
    topics: &[Topic],
    asked: &[String],
) -> Result<Vec<Group>> {
    let c = client(url, options, None)?;
    let list = c
        .fetch_group_list(None, TIMEOUT)
        .with_context(|| format!("listing the consumer groups of {}", servers(url)))?;
    let mut groups = Vec::new();
    let mut wanted = Vec::new();
    for g in list.groups() {
        if asked.iter().any(|a| a == g.name()) || on_topics(g, topics) {
            wanted.push(groups.len());
        }
        groups.push(Group {
            name: g.name().to_owned(),
            state: g.state().to_owned(),
            members: g.members().len(),
            committed: None,
        });
    }
    for a in asked {
        if !groups.iter().any(|g| &g.name == a) {
            wanted.push(groups.len());
            groups.push(Group {
                name: a.clone(),
                state: "-".into(),
                members: 0,
                committed: None,
            });
        }
    }
    let mut tpl = TopicPartitionList::new();
    for t in topics {
        for p in &t.partitions {
            tpl.add_partition(&t.name, p.id);
        }
    }
    let names: Vec<String> = wanted.iter().map(|&i| groups[i].name.clone()).collect();
    let answers = committed_in_parallel(url, options, &tpl, &names);
    for (i, answer) in wanted.into_iter().zip(answers) {
        groups[i].committed = answer;
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(groups)
}

/// The committed offsets of each of `names` on `tpl` (`None` where not asked in time),
/// [`PARALLEL`] groups at a time.
fn committed_in_parallel(
    url: &StreamUrl,
    options: &[(String, String)],
    tpl: &TopicPartitionList,
    names: &[String],
) -> Vec<Option<Committed>> {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let answers: Mutex<Vec<Option<Committed>>> = Mutex::new(vec![None; names.len()]);
    std::thread::scope(|s| {
        for _ in 0..PARALLEL.min(names.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= names.len() || started.elapsed() > GROUPS_DEADLINE {
                    break;
                }
                let answer = committed(url, options, tpl, &names[i]);
                answers.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(answer);
            });
        }
    });
    answers.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The committed offsets of `group` on `tpl` (none if the query fails, with a warning).
fn committed(
    url: &StreamUrl,
    options: &[(String, String)],
    tpl: &TopicPartitionList,
    group: &str,
) -> Committed {
    let mut out = Vec::new();
    if tpl.count() == 0 {
        return out;
    }
    let answer = client(url, options, Some(group))
        .and_then(|gc| Ok(gc.committed_offsets(tpl.clone(), TIMEOUT)?));
    match answer {
        Ok(list) => {
            for e in list.elements() {
                if let Offset::Offset(o) = e.offset() {
                    out.push((e.topic().to_owned(), e.partition(), o));
                }
            }
        }
        Err(e) => log::warn!("the committed offsets of group {group}: {e:#}"),
    }
    out
}
