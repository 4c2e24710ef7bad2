//! What creating a consumer computes before its task starts: the group and consumer names
//! ([`Plan`], from the options alone), then the connections, the shards and the groups on
//! the server ([`Plan::prepare`], giving a [`Ready`] and the [`Commands`]).

use super::commands::Commands;
use super::options::{AutoCommit, AutoStreamReset, RedisConsumerOptions, ShardOwnership};
use super::shard::ShardState;
use crate::cluster::RedisCluster;
use crate::connection::Purpose;
use crate::constants::HEARTBEAT;
use crate::{consumer_id, group_id, RedisConnectOptions, RedisErr, RedisResult};
use sea_streamer_types::{
    ConsumerGroup, ConsumerId, ConsumerMode, ConsumerOptions, StreamErr, StreamKey, StreamerUri,
};
use std::sync::Arc;
use std::time::Duration;

/// Consumer-group parameters of a Resumable / LoadBalanced consumer.
#[derive(Debug, Clone)]
pub(crate) struct GroupInfo {
    pub group: String,
    pub consumer: String,
    /// Read with `NOACK` (`AutoCommit::Immediate`).
    pub noack: bool,
    pub mkstream: bool,
    /// `0` or `$` for `XGROUP CREATE`.
    pub start: &'static str,
    /// LoadBalanced auto-claim: (interval, idle).
    pub claim: Option<(Duration, Duration)>,
}

/// The consumer's identity and group parameters, from its options.
#[derive(Debug)]
pub(crate) struct Plan {
    pub mode: ConsumerMode,
    pub group: Option<ConsumerGroup>,
    pub consumer: Option<ConsumerId>,
    pub info: Option<GroupInfo>,
    /// `AutoStreamReset::Earliest`.
    pub earliest: bool,
}

/// The connected state a consumer task starts from.
#[derive(Debug)]
pub(crate) struct Ready {
    /// Connections for blocking reads (no response timeout).
    pub reader: RedisCluster,
    pub shards: Vec<ShardState>,
    /// Group modes: keys that do not exist yet (see [`super::absent`]).
    pub absent: Vec<String>,
    /// An error found while creating the groups, delivered by the first `next()`.
    pub initial_error: Option<StreamErr<RedisErr>>,
}

impl Plan {
    /// Check `options` and name the group and the consumer (`None` for RealTime).
    pub fn new(options: &RedisConsumerOptions) -> RedisResult<Self> {
        if *options.shard_ownership() == ShardOwnership::Owned {
            return Err(StreamErr::Unsupported("ShardOwnership::Owned".to_owned()));
        }
        let mode = *options.mode()?;
        let (group, consumer) = match mode {
            ConsumerMode::RealTime => (None, None),
            mode => {
                let group = options
                    .consumer_group()
                    .cloned()
                    .unwrap_or_else(|_| group_id(&mode));
                let consumer = options
                    .consumer_id()
                    .cloned()
                    .unwrap_or_else(|| match mode {
                        ConsumerMode::Resumable => ConsumerId::new(group.name()),
                        _ => consumer_id(),
                    });
                (Some(group), Some(consumer))
            }
        };
        let earliest = *options.auto_stream_reset() == AutoStreamReset::Earliest;
        let info = group
            .as_ref()
            .zip(consumer.as_ref())
            .map(|(g, c)| GroupInfo {
                group: g.name().to_owned(),
                consumer: c.id().to_owned(),
                noack: *options.auto_commit() == AutoCommit::Immediate,
                mkstream: *options.mkstream(),
                start: if earliest { "0" } else { "$" },
                claim: (mode == ConsumerMode::LoadBalanced)
                    .then(|| {
                        options
                            .auto_claim_interval()
                            .map(|i| (*i, *options.auto_claim_idle()))
                    })
                    .flatten(),
            });
        Ok(Self {
            mode,
            group,
            consumer,
            info,
            earliest,
        })
    }

    /// The `BLOCK` time of reads: the heartbeat, shorter when claims are due more often.
    pub fn block(&self) -> Duration {
        match self.info.as_ref().and_then(|g| g.claim) {
            Some((interval, _)) => HEARTBEAT.min(interval.max(Duration::from_millis(100))),
            None => HEARTBEAT,
        }
    }

    /// Connect, discover the shards of `streams` and create the groups (or, for RealTime
    /// `Latest`, pin each shard's start at its last entry), within the connect timeout.
    pub async fn prepare(
        &self,
        uri: StreamerUri,
        conn_options: Arc<RedisConnectOptions>,
        streams: &[StreamKey],
    ) -> RedisResult<(Ready, Commands)> {
        let mut reader =
            RedisCluster::new_for(uri.clone(), conn_options.clone(), Purpose::Blocking)?;
        if !conn_options.enable_cluster() && reader.nodes.len() > 1 {
            return Err(StreamErr::Connect(
                "There are multiple nodes in streamer URI, please enable the cluster option"
                    .to_owned(),
            ));
        }
        let mut cmd = Commands::new(uri, conn_options.clone())?;
        let limit = conn_options.timeout_or_default();
        let setup = async {
            reader.reconnect_all().await?;
            cmd.connect().await?;
            let mut shards = cmd.discover_shards(streams).await?;
            let (absent, initial_error) = self.set_up_groups(&mut cmd, &mut shards).await?;
            Ok::<_, StreamErr<RedisErr>>((shards, absent, initial_error))
        };
        let (shards, absent, initial_error) =
            match sea_streamer_runtime::timeout(limit, setup).await {
                Ok(result) => result?,
                Err(_) => return Err(StreamErr::Connect("Failed to initialize node".to_owned())),
            };
        let ready = Ready {
            reader,
            shards,
            absent,
            initial_error,
        };
        Ok((ready, cmd))
    }

    /// Create the group on every shard (group modes) or pin the start (RealTime `Latest`).
    /// Returns the keys that do not exist yet and the first error creating a group.
    async fn set_up_groups(
        &self,
        cmd: &mut Commands,
        shards: &mut [ShardState],
    ) -> RedisResult<(Vec<String>, Option<StreamErr<RedisErr>>)> {
        let mut absent = Vec::new();
        match &self.info {
            None if !self.earliest => {
                for shard in shards.iter_mut() {
                    shard.last = cmd.last_id(&shard.key).await?;
                }
            }
            None => {}
            Some(g) => {
                for shard in shards.iter() {
                    let created = if g.mkstream {
                        cmd.create_group(&shard.key, &g.group, g.start, true)
                            .await
                            .map(|()| true)
                    } else {
                        cmd.create_group_if_exists(&shard.key, &g.group, g.start)
                            .await
                    };
                    match created {
                        Ok(true) => {}
                        // nobody has written to it yet: wait for it
                        Ok(false) => absent.push(shard.key.clone()),
                        Err(e) => return Ok((absent, Some(e))),
                    }
                }
            }
        }
        Ok((absent, None))
    }
}
