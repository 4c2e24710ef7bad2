//! Reading a stream for `consume`, `relay` and `bench`: a consumer positioned by `--from`,
//! optionally in a group, that knows where its input ends (see [`crate::end`]).

use crate::{
    connect::{show, BackendArgs},
    end::Marks,
    from::From,
    raw_kafka, Usage,
};
use anyhow::{bail, Context, Result};
use clap::Args;
use futures::FutureExt;
use sea_streamer_file::{FileErr, SeekErr};
use sea_streamer_kafka::export::rdkafka::consumer::{CommitMode, Consumer as _};
use sea_streamer_redis::{AutoCommit, ForeignEntries, MSG};
use sea_streamer_socket::{
    BackendErr, Scheme, SeaConsumer, SeaConsumerOptions, SeaStreamReset, SeaStreamer,
    SeaStreamerBackend,
};
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerLag, ConsumerMode, ConsumerOptions, Message, SeqPos, ShardId,
    SharedMessage, StreamErr, StreamUrl,
};
use std::{future::Future, pin::Pin, time::Duration};
use tokio::time::{Interval, MissedTickBehavior};

/// Options of the commands that read a stream.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Where to start: `start`, `end`, an RFC 3339 time (2024-05-01T12:00:00Z) or a
    /// sequence number
    #[arg(long, default_value = "start", value_name = "start|end|TIME|SEQ")]
    pub from: From,
    /// Exit when caught up with what the stream held at start (see `sea help consume`)
    #[arg(short = 'e', long)]
    pub exit_at_end: bool,
    /// Read as a member of this consumer group, resuming where the group left off and
    /// committing what was read (Redis, Kafka, file, NATS)
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Redis: deliver entries without the `msg` field (written by other programs) as JSON
    /// objects of their fields, instead of skipping them with a warning
    #[arg(long)]
    pub foreign_as_json: bool,
}

/// An open stream reader.
pub struct Source {
    consumer: SeaConsumer,
    // Kept alive for as long as the consumer.
    _streamer: SeaStreamer,
    scheme: Scheme,
    name: String,
    /// End marks, when reading ends at them.
    marks: Option<Marks>,
    /// Resolves at the end of stdin (stdio only).
    eof: Pin<Box<dyn Future<Output = ()>>>,
    /// stdin has ended: take what is queued, then stop.
    draining: bool,
    ended: bool,
    grouped: bool,
    /// The last message delivered to a Redis group member, acknowledged when read on.
    to_ack: Option<SharedMessage>,
    /// With `--metrics-addr`: when to measure the lag again (which sets the lag gauge).
    lag_tick: Option<Interval>,
}

/// How often a reader measures its lag while metrics are served.
const LAG_EVERY: Duration = Duration::from_secs(1);

/// Measures `consumer`'s lag (setting the lag gauge); false if it cannot be measured.
async fn measure_lag(consumer: &SeaConsumer, name: &str) -> bool {
    match consumer.lag().await {
        Ok(lag) => {
            log::debug!("{name}: lag {}", lag.total());
            true
        }
        Err(StreamErr::Unsupported(why)) => {
            log::info!("{name}: no lag gauge: {why}");
            false
        }
        Err(e) => {
            // a transient failure: try again at the next tick
            log::warn!("{name}: measuring the lag: {e}");
            true
        }
    }
}

impl Source {
    /// Connects and positions a consumer of every stream of `url`.
    /// `limit`: the most messages the caller will take (a Redis group member then reads no
    /// more than that, so nothing is left pending in its name).
    pub async fn open(
        url: &StreamUrl,
        read: &ReadArgs,
        backend: &BackendArgs,
        limit: Option<u64>,
    ) -> Result<Self> {
        let scheme = crate::connect::scheme(url)?;
        let name = show(url);
        let streamer = backend.connect(url, false).await?;
        let mode = if read.group.is_some() {
            ConsumerMode::Resumable
        } else {
            ConsumerMode::RealTime
        };
        let mut options = SeaConsumerOptions::new(mode);
        options.set_auto_stream_reset(match read.from {
            From::End => SeaStreamReset::Latest,
            _ => SeaStreamReset::Earliest,
        });
        if let Some(group) = &read.group {
            match scheme {
                Scheme::Stdio => bail!(Usage("--group is not supported by stdio".into())),
                Scheme::Kafka => options.set_kafka_consumer_options(|o| {
                    o.add_custom_option("group.id", group);
                }),
                _ => {
                    let g = ConsumerGroup::new(group);
                    options
                        .set_consumer_group(g)
                        .context("setting the consumer group")?;
                    options.set_redis_consumer_options(|o| {
                        o.set_auto_commit(AutoCommit::Disabled);
                        if let Some(n) = limit.filter(|n| *n > 0) {
                            let batch = (*o.batch_size()).min(n as usize);
                            o.set_batch_size(batch);
                        }
                    });
                }
            }
        }
        if read.foreign_as_json {
            options.set_redis_consumer_options(|o| {
                o.set_foreign_entries(ForeignEntries::AsJson);
            });
        }
        let live = !(read.exit_at_end && read.from != From::End);
        options.set_file_consumer_options(|o| {
            o.set_live_streaming(live);
        });
        if scheme == Scheme::Stdio && matches!(read.from, From::Time(_) | From::Seq(_)) {
            bail!(Usage(
                "--from with a time or a sequence is not supported by stdio (a pipe cannot be replayed)".into()
            ));
        }
        if scheme == Scheme::Nats && read.exit_at_end {
            // no end marks for JetStream yet: the consumer would wait forever
            bail!(Usage(
                "-e/--exit-at-end is not supported by nats yet: use --count N".into()
            ));
        }
        let kafka_topics = if scheme == Scheme::Kafka {
            raw_kafka::topics(url, &backend.kafka_options).await?
        } else {
            Vec::new()
        };
        let marks = match (read.exit_at_end, scheme) {
            (true, Scheme::Redis) => {
                // a skipped entry is never delivered: the end is the last entry delivered
                let field = (!read.foreign_as_json).then_some(MSG);
                Some(Marks::redis(url, read.from, field).await?)
            }
            (true, Scheme::Kafka) => Some(Marks::kafka(url, read.from, &kafka_topics).await?),
            (true, Scheme::File) if read.from == From::End => Some(Marks::default()),
            _ => None,
        };
        let mut consumer = backend.consumer(&streamer, url, options).await?;
        if matches!(read.from, From::Time(_) | From::Seq(_)) && scheme == Scheme::Kafka {
            for t in &kafka_topics {
                for p in &t.partitions {
                    if let Ok(key) = sea_streamer_types::StreamKey::new(&t.name) {
                        consumer
                            .assign((key, ShardId::new(p.id as u64)))
                            .with_context(|| format!("assigning {}/{}", t.name, p.id))?;
                    }
                }
            }
        }
        let positioned = match read.from {
            From::Time(t) => consumer
                // Redis continues *after* a time: start 1 ms earlier to include it.
                .seek(match scheme {
                    Scheme::Redis => t - std::time::Duration::from_millis(1),
                    _ => t,
                })
                .await
                .map_err(|e| {
                    (
                        e,
                        format!("seeking {name} to {}", crate::format::rfc3339(t)),
                    )
                }),
            From::Seq(n) => {
                let pos = match (scheme, n) {
                    (Scheme::Redis, 0) => SeqPos::Beginning,
                    // Redis rewinds to *after* a sequence.
                    (Scheme::Redis, n) => SeqPos::At(n - 1),
                    (_, n) => SeqPos::At(n),
                };
                consumer
                    .rewind(pos)
                    .await
                    .map_err(|e| (e, format!("rewinding {name} to sequence {n}")))
            }
            _ => Ok(()),
        };
        let mut ended = false;
        match positioned {
            Ok(()) => {}
            // A file position past its last message: nothing to read up to the end.
            Err((
                StreamErr::Backend(BackendErr::File(FileErr::SeekErr(SeekErr::OutOfBound))),
                _,
            )) => {
                if read.exit_at_end {
                    ended = true;
                } else {
                    consumer
                        .rewind(SeqPos::End)
                        .await
                        .with_context(|| format!("moving to the end of {name}"))?;
                }
            }
            Err((e, what)) => return Err(anyhow::Error::new(e).context(what)),
        }
        let eof: Pin<Box<dyn Future<Output = ()>>> = match scheme {
            Scheme::Stdio => Box::pin(sea_streamer_stdio::stdin_closed()),
            _ => Box::pin(std::future::pending()),
        };
        Ok(Self {
            consumer,
            _streamer: streamer,
            scheme,
            name,
            marks,
            eof,
            draining: false,
            ended,
            grouped: read.group.is_some(),
            to_ack: None,
            lag_tick: crate::observe::serving_metrics().then(|| {
                let mut tick = tokio::time::interval(LAG_EVERY);
                tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
                tick
            }),
        })
    }

    /// The next message, or `None` at the end of the input.
    pub async fn next(&mut self) -> Result<Option<SharedMessage>> {
        self.ack_last()?;
        if self.ended || self.marks.as_ref().is_some_and(Marks::reached) {
            self.ended = true;
            return Ok(None);
        }
        let item = if self.draining {
            match self.consumer.next().now_or_never() {
                Some(item) => item,
                None => {
                    self.ended = true;
                    return Ok(None);
                }
            }
        } else {
            // `Some(item)` when a message (or error) came, `None` at the end of stdin.
            let got = {
                let consumer = &self.consumer;
                let mut next = std::pin::pin!(consumer.next());
                loop {
                    let tick = async {
                        match &mut self.lag_tick {
                            Some(tick) => tick.tick().await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        biased;
                        _ = tick => {
                            // measured while the pending read waits (it is not dropped)
                            if !measure_lag(consumer, &self.name).await {
                                self.lag_tick = None;
                            }
                        }
                        item = &mut next => break Some(item),
                        _ = &mut self.eof => break None,
                    }
                }
            };
            match got {
                Some(item) => item,
                None => {
                    self.draining = true;
                    match self.consumer.next().now_or_never() {
                        Some(item) => item,
                        None => {
                            self.ended = true;
                            return Ok(None);
                        }
                    }
                }
            }
        };
        let message = match item {
            Ok(m) => m.to_owned(),
            Err(e) if is_end(&e) => {
                log::debug!("{} has ended: {e}", self.name);
                self.ended = true;
                return Ok(None);
            }
            Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", self.name))),
        };
        if let Some(marks) = &mut self.marks {
            marks.see(
                &message.stream_key(),
                message.shard_id(),
                message.sequence(),
            );
        }
        if self.grouped && matches!(self.scheme, Scheme::Redis | Scheme::Nats) {
            self.to_ack = Some(message.clone());
        }
        Ok(Some(message))
    }

    fn ack_last(&mut self) -> Result<()> {
        if let Some(m) = self.to_ack.take() {
            if let Some(redis) = self.consumer.get_redis() {
                redis
                    .ack(&m)
                    .with_context(|| format!("acknowledging a message of {}", self.name))?;
            } else if self.scheme == Scheme::Nats {
                // acks the message to the group's durable JetStream consumer
                sea_streamer_types::Acknowledge::ack(&self.consumer, m.header())
                    .with_context(|| format!("acknowledging a message of {}", self.name))?;
            }
        }
        Ok(())
    }

    /// Commits what the group has read (a no-op without `--group`).
    pub async fn finish(mut self) -> Result<()> {
        if !self.grouped {
            return Ok(());
        }
        self.ack_last()?;
        let name = self.name.clone();
        match self.scheme {
            Scheme::File => {
                if let Some(file) = self.consumer.get_file() {
                    file.commit()
                        .await
                        .with_context(|| format!("committing the group's position in {name}"))?;
                }
            }
            Scheme::Redis => {
                if let Some(redis) = self.consumer.get_redis() {
                    let done = redis
                        .commit()
                        .with_context(|| format!("committing the group's acks on {name}"))?;
                    done.await
                        .with_context(|| format!("committing the group's acks on {name}"))?;
                }
            }
            Scheme::Kafka => {
                if let Some(kafka) = self.consumer.get_kafka() {
                    let inner = kafka.inner();
                    if let Err(e) = inner.commit_consumer_state(CommitMode::Sync) {
                        // Nothing consumed yet: nothing to commit.
                        log::debug!("commit on {name}: {e}");
                    }
                }
            }
            Scheme::Nats => {
                // waits until the server has every ack given
                sea_streamer_types::Acknowledge::commit_acked(&self.consumer)
                    .await
                    .with_context(|| format!("committing the group's acks on {name}"))?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Whether a read error is the normal end of a finite input.
fn is_end(e: &StreamErr<BackendErr>) -> bool {
    matches!(
        e,
        StreamErr::Backend(BackendErr::File(
            FileErr::StreamEnded | FileErr::NotEnoughBytes
        ))
    )
}
