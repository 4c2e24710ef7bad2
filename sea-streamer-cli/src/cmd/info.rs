//! `sea info URL`: what a backend holds.
//!
//! * Redis: the stream keys named (every key of type stream if none), with their length,
//!   first and last entry ids, and their consumer groups (consumers, pending, last delivered
//!   id, lag) from `XINFO`.
//! * Kafka: the topics named (every topic if none) with their partitions and watermarks, and
//!   the consumer groups with their committed offsets and lag on those topics. Offsets are
//!   asked for only for the groups with a live member subscribed to or assigned one of those
//!   topics and the groups named by `--group` (so `info` stays fast on a broker with many
//!   idle groups); a closing line counts the groups not inspected.
//! * file: the file's size, frames, beacons, end-of-stream mark, and per stream and shard the
//!   message count, sequence range and time range.
//! * stdio: nothing is stored; an error.

use crate::{
    connect::{scheme, show, BackendArgs},
    format::rfc3339,
    raw_kafka,
    raw_redis::{as_pairs, as_string, as_u64, field, Raw},
    stdout::Out,
};
use anyhow::{bail, Context, Result};
use redis::Value;
use sea_streamer_file::{
    is_end_of_stream, verify::verify_file, FileErr, FileId, MessageSource, StreamMode,
};
use sea_streamer_socket::{Scheme, SeaStreamerBackend};
use sea_streamer_types::{Message, SeqNo, StreamUrl, Timestamp};
use std::collections::BTreeMap;

/// Show streams, shards, groups and counts.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  sea info redis://localhost\n  sea info kafka://localhost:9092/orders\n  sea info kafka://localhost:9092/orders --group billing\n  sea info file:///tmp/data.ss"
)]
pub struct Args {
    /// A server (every stream) or stream(s), e.g. redis://localhost or kafka://host:9092/a,b
    #[arg(value_name = "URL", value_parser = crate::connect::parse_url)]
    url: StreamUrl,
    /// Kafka: also report the committed offsets and lag of consumer group GROUP, even one
    /// with no member now (repeatable). Without it, only the groups with a live member
    /// subscribed to or assigned the topics (or whose members' topics the broker does not
    /// report) are inspected, 4 at a time for at most 30 s; the others are counted
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    #[command(flatten)]
    backend: BackendArgs,
}

/// Runs `sea info`.
pub async fn run(args: Args) -> Result<()> {
    let text = match scheme(&args.url)? {
        Scheme::Redis => redis_info(&args.url).await?,
        Scheme::Kafka => kafka_info(&args).await?,
        Scheme::File => file_info(&args).await?,
        Scheme::Stdio => bail!("info is not supported by stdio: a pipe stores nothing"),
        Scheme::Nats => bail!("info is not supported by nats yet"),
    };
    let mut out = Out::new();
    out.write(text.as_bytes())?;
    out.flush()
}

async fn redis_info(url: &StreamUrl) -> Result<String> {
    let mut raw = Raw::connect(url).await?;
    let node = raw.node().to_owned();
    let keys: Vec<String> = if url.stream_keys().is_empty() {
        raw.stream_keys().await?
    } else {
        url.stream_keys()
            .iter()
            .map(|k| k.name().to_owned())
            .collect()
    };
    let mut text = format!("{node}: {} streams\n", keys.len());
    for key in keys {
        let kind = raw.key_type(&key).await?;
        match kind.as_str() {
            "stream" => {}
            "none" => {
                text.push_str(&format!("stream {key}: missing\n"));
                continue;
            }
            other => {
                text.push_str(&format!("{key}: not a stream (type {other})\n"));
                continue;
            }
        }
        let info = raw
            .query(redis::cmd("XINFO").arg("STREAM").arg(&key))
            .await
            .with_context(|| format!("XINFO STREAM {key}"))?;
        let info = as_pairs(&info);
        let len = field(&info, "length").and_then(as_u64).unwrap_or(0);
        let first = field(&info, "first-entry")
            .and_then(entry_id)
            .unwrap_or("-".into());
        let last = field(&info, "last-entry")
            .and_then(entry_id)
            .unwrap_or("-".into());
        text.push_str(&format!(
            "stream {key}: {len} entries, first {first}, last {last}\n"
        ));
        let groups = raw
            .query(redis::cmd("XINFO").arg("GROUPS").arg(&key))
            .await
            .with_context(|| format!("XINFO GROUPS {key}"))?;
        if let Value::Array(groups) = groups {
            for g in groups {
                let g = as_pairs(&g);
                let get = |name: &str| field(&g, name).and_then(as_string).unwrap_or("-".into());
                text.push_str(&format!(
                    "  group {}: {} consumers, {} pending, last delivered {}, lag {}\n",
                    get("name"),
                    get("consumers"),
                    get("pending"),
                    get("last-delivered-id"),
                    get("lag"),
                ));
            }
        }
    }
    Ok(text)
}

/// The id of an `[id, [field, value, …]]` entry.
fn entry_id(v: &Value) -> Option<String> {
    match v {
        Value::Array(parts) => parts.first().and_then(as_string),
        _ => None,
    }
}

async fn kafka_info(args: &Args) -> Result<String> {
    let options = &args.backend.kafka_options;
    let topics = raw_kafka::topics(&args.url, options).await?;
    let mut text = format!("{}: {} topics\n", show(&args.url), topics.len());
    for t in &topics {
        let messages: i64 = t.partitions.iter().map(|p| p.high - p.low).sum();
        text.push_str(&format!(
            "topic {}: {} partitions, {messages} messages\n",
            t.name,
            t.partitions.len()
        ));
        for p in &t.partitions {
            text.push_str(&format!(
                "  partition {}: offsets {}..{}\n",
                p.id, p.low, p.high
            ));
        }
    }
    match raw_kafka::groups(&args.url, options, &topics, &args.groups).await {
        Ok(groups) => text.push_str(&kafka_groups(args, &topics, groups)),
        Err(e) => {
            log::warn!("{e:#}");
            text.push_str("groups: unavailable (see the warning)\n");
        }
    }
    Ok(text)
}

/// The group lines of `info kafka://…`: every group when the URL names no topic (offsets of
/// the inspected ones), else the inspected groups that committed on the topics and the asked
/// ones; then how many groups were not inspected.
fn kafka_groups(args: &Args, topics: &[raw_kafka::Topic], groups: Vec<raw_kafka::Group>) -> String {
    let named = !args.url.stream_keys().is_empty();
    let mut text = String::new();
    let mut skipped = 0;
    for g in groups {
        let asked = args.groups.contains(&g.name);
        let committed = match g.committed {
            Some(c) if !named || asked || !c.is_empty() => c,
            Some(_) => continue,
            None if named => {
                skipped += 1;
                continue;
            }
            None => {
                skipped += 1;
                Vec::new()
            }
        };
        text.push_str(&format!(
            "group {} ({}, {} members)\n",
            g.name, g.state, g.members
        ));
        if asked && committed.is_empty() {
            text.push_str("  no committed offsets on these topics\n");
        }
        for (topic, partition, offset) in committed {
            let high = topics
                .iter()
                .find(|t| t.name == topic)
                .and_then(|t| t.partitions.iter().find(|p| p.id == partition))
                .map(|p| p.high);
            let lag = high
                .map(|h| (h - offset).max(0).to_string())
                .unwrap_or("-".into());
            text.push_str(&format!(
                "  {topic}/{partition}: committed {offset}, lag {lag}\n"
            ));
        }
    }
    if skipped > 0 {
        let which = if named {
            "other groups"
        } else {
            "groups above"
        };
        text.push_str(&format!(
            "{skipped} {which} not inspected (no live member on these topics): --group GROUP asks about one\n"
        ));
    }
    text
}

/// Count, sequence range and time range of one (stream, shard).
struct Span {
    count: u64,
    seqs: (SeqNo, SeqNo),
    times: (Timestamp, Timestamp),
}

async fn file_info(args: &Args) -> Result<String> {
    let url = &whole_file(&args.url)?;
    let mut streamer = args.backend.connect(url, false).await?;
    let id: FileId = match streamer.get_file() {
        Some(file) => file.file_id().clone(),
        None => bail!("{} is not a file", show(url)),
    };
    let path = id.path().to_owned();
    let report = verify_file(&id).with_context(|| format!("reading {path}"))?;
    let mut text = format!(
        "file {path}: {} bytes, {} frames, {} beacons, end-of-stream mark: {}, {}\n",
        report.file_size,
        report.frames,
        report.beacons,
        if report.eos { "yes" } else { "no" },
        if report.is_clean() {
            "clean".to_owned()
        } else {
            format!("{} problems (see sea verify)", report.problems.len())
        },
    );
    let wanted: Vec<&str> = url.stream_keys().iter().map(|k| k.name()).collect();
    let mut spans: BTreeMap<(String, u64), Span> = BTreeMap::new();
    let mut source = MessageSource::new(id, StreamMode::Replay)
        .await
        .with_context(|| format!("opening {path}"))?;
    loop {
        let frame = match source.next().await {
            Ok(f) => f,
            Err(FileErr::NotEnoughBytes | FileErr::StreamEnded) => break,
            Err(e) => return Err(anyhow::anyhow!("{path}: at byte {}: {e}", source.offset())),
        };
        let m = &frame.message;
        if is_end_of_stream(m) {
            break;
        }
        let key = m.stream_key().name().to_owned();
        if !wanted.is_empty() && !wanted.contains(&key.as_str()) {
            continue;
        }
        let (seq, ts) = (m.sequence(), m.timestamp());
        spans
            .entry((key, m.shard_id().id()))
            .and_modify(|s| {
                s.count += 1;
                s.seqs = (s.seqs.0.min(seq), s.seqs.1.max(seq));
                s.times = (s.times.0.min(ts), s.times.1.max(ts));
            })
            .or_insert(Span {
                count: 1,
                seqs: (seq, seq),
                times: (ts, ts),
            });
    }
    for ((key, shard), s) in spans {
        text.push_str(&format!(
            "stream {key} shard {shard}: {} messages, seq {}..{}, {} .. {}\n",
            s.count,
            s.seqs.0,
            s.seqs.1,
            rfc3339(s.times.0),
            rfc3339(s.times.1)
        ));
    }
    Ok(text)
}

/// `file:///dir/data.ss` parses as the file `/dir` with the key `data.ss`; when that path
/// is a file on disk, the URL names the whole file (no key).
fn whole_file(url: &StreamUrl) -> Result<StreamUrl> {
    if let ([key], Some(node)) = (url.stream_keys(), url.streamer_ref().nodes().first()) {
        let base = node.as_str().trim_end_matches('/');
        let candidate = format!("{base}/{}", key.name());
        let path = candidate.trim_start_matches("file://");
        if std::path::Path::new(path).is_file() {
            return Ok(format!("{candidate}/").parse()?);
        }
    }
    Ok(url.clone())
}
