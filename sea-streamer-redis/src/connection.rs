//! One connection to one Redis node, with reconnection and back-off
//! ([`crate::policy::Backoff::reconnect`]).
//!
//! Connections used for blocking reads are created without a response timeout (the redis
//! crate's default of 500 ms would cut a `BLOCK` read short); command connections time out
//! after the connect timeout.

use crate::error::connect_err;
use crate::policy::Backoff;
use crate::{map_err, RedisConnectOptions, RedisErr, RedisResult};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, IntoConnectionInfo, RedisConnectionInfo};
use sea_streamer_runtime::{sleep, timeout};
use sea_streamer_types::StreamErr;
use std::sync::Arc;
use std::time::Duration;

/// Identifies a Redis node: `{scheme}://{host}:{port}`.
pub type NodeId = url::Url;

/// The longest back-off before a node is declared dead.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(60);

/// What a connection is used for; decides its response timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Blocking reads: no response timeout.
    Blocking,
    /// Ordinary commands: response timeout = connect timeout.
    Command,
}

#[derive(Debug)]
enum State {
    Alive(MultiplexedConnection),
    Reconnecting {
        /// Wait this long before the next attempt.
        delay: Duration,
        /// The delays after it.
        backoff: Backoff,
    },
    Dead,
}

impl State {
    /// Start reconnecting: 1 s, 2 s, 4 s … while within the connect timeout (at most 60 s).
    fn reconnecting(options: &RedisConnectOptions) -> Self {
        let mut backoff = Backoff::reconnect(MAX_RECONNECT_DELAY.min(options.timeout_or_default()));
        let delay = backoff.next_delay().unwrap_or(Duration::from_secs(1));
        State::Reconnecting { delay, backoff }
    }
}

/// A connection to one node. While reconnecting, [`Connection::get`] waits (1 s, 2 s, 4 s, …)
/// before each attempt; once the delay would exceed 60 s (or the connect timeout, if shorter)
/// the connection is dead.
#[derive(Debug)]
pub struct Connection {
    node: NodeId,
    options: Arc<RedisConnectOptions>,
    purpose: Purpose,
    state: State,
}

impl Connection {
    /// Connect to `node` (a connection usable for blocking reads).
    pub async fn create(node: NodeId, options: Arc<RedisConnectOptions>) -> RedisResult<Self> {
        Self::create_for(node, options, Purpose::Blocking).await
    }

    pub(crate) async fn create_for(
        node: NodeId,
        options: Arc<RedisConnectOptions>,
        purpose: Purpose,
    ) -> RedisResult<Self> {
        let conn = open(&node, &options, purpose).await?;
        Ok(Self {
            node,
            options,
            purpose,
            state: State::Alive(conn),
        })
    }

    /// Like [`Connection::create`], but a failed attempt yields a connection in the
    /// reconnecting state instead of an error.
    pub async fn create_or_reconnect(
        node: NodeId,
        options: Arc<RedisConnectOptions>,
    ) -> RedisResult<Self> {
        Self::create_or_reconnect_for(node, options, Purpose::Blocking).await
    }

    pub(crate) async fn create_or_reconnect_for(
        node: NodeId,
        options: Arc<RedisConnectOptions>,
        purpose: Purpose,
    ) -> RedisResult<Self> {
        let state = match open(&node, &options, purpose).await {
            Ok(conn) => State::Alive(conn),
            Err(StreamErr::Backend(RedisErr::IoError(e))) => {
                log::warn!("Connecting to {node} failed: {e}");
                State::reconnecting(&options)
            }
            Err(e) => return Err(e),
        };
        Ok(Self {
            node,
            options,
            purpose,
            state,
        })
    }

    /// Mark the connection broken; the next [`Connection::get`] reconnects (after a back-off
    /// if it was already reconnecting).
    pub fn reconnect(&mut self) {
        if let State::Alive(_) = self.state {
            self.state = State::reconnecting(&self.options);
        }
    }

    /// Get the connection, reconnecting if needed. While reconnecting this waits for the
    /// back-off delay; a failed attempt returns `TryAgain`, a dead connection `Connect`.
    pub async fn get(&mut self) -> RedisResult<&mut MultiplexedConnection> {
        if let State::Reconnecting { delay, .. } = self.state {
            sleep(delay).await;
            match open(&self.node, &self.options, self.purpose).await {
                Ok(conn) => {
                    log::info!("Reconnected to {}", self.node);
                    self.state = State::Alive(conn);
                }
                Err(StreamErr::Backend(RedisErr::IoError(e))) | Err(StreamErr::Connect(e)) => {
                    log::warn!("Reconnecting to {} failed: {e}", self.node);
                    // give up once the back-off exceeds the connect timeout (60 s by default)
                    let state = std::mem::replace(&mut self.state, State::Dead);
                    if let State::Reconnecting { mut backoff, .. } = state {
                        if let Some(delay) = backoff.next_delay() {
                            self.state = State::Reconnecting { delay, backoff };
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        self.try_get()
    }

    /// Get the connection if it is alive, without waiting.
    pub fn try_get(&mut self) -> RedisResult<&mut MultiplexedConnection> {
        match &mut self.state {
            State::Alive(conn) => Ok(conn),
            State::Reconnecting { .. } => Err(StreamErr::Backend(RedisErr::TryAgain(format!(
                "Reconnecting to {}",
                self.node
            )))),
            State::Dead => Err(StreamErr::Connect(format!(
                "Connection to {} is dead.",
                self.node
            ))),
        }
    }

    /// Is the connection given up on?
    pub(crate) fn is_dead(&self) -> bool {
        matches!(self.state, State::Dead)
    }

    /// The URL scheme (`redis` or `rediss`).
    pub fn protocol(&self) -> &str {
        self.node.scheme()
    }

    /// The node this connection is to.
    pub fn node_id(&self) -> &NodeId {
        &self.node
    }
}

/// Open a multiplexed connection to `node` with the options' credentials, db and timeout.
pub(crate) async fn open(
    node: &NodeId,
    options: &RedisConnectOptions,
    purpose: Purpose,
) -> RedisResult<MultiplexedConnection> {
    let host = node.host_str().unwrap_or("localhost");
    let port = node.port().unwrap_or(crate::REDIS_PORT);
    let url = match node.scheme() {
        "redis" => format!("redis://{host}:{port}"),
        "rediss" if !crate::tls::TLS_ENABLED => {
            return crate::tls::tls_not_enabled(&format!("rediss://{host}:{port}"))
        }
        "rediss" => {
            if options.disable_hostname_verification() {
                format!("rediss://{host}:{port}/#insecure")
            } else {
                format!("rediss://{host}:{port}")
            }
        }
        "" => return Err(StreamErr::Connect("protocol not set".to_owned())),
        other => return Err(StreamErr::Connect(format!("unknown protocol `{other}`"))),
    };
    let mut settings = RedisConnectionInfo::default().set_db(options.db() as i64);
    if let Some(user) = options.username() {
        settings = settings.set_username(user);
    }
    if let Some(pass) = options.password() {
        settings = settings.set_password(pass);
    }
    let info = url
        .as_str()
        .into_connection_info()
        .map_err(map_err)?
        .set_redis_settings(settings);
    let limit = options.timeout_or_default();
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(limit))
        .set_response_timeout(match purpose {
            Purpose::Blocking => None,
            Purpose::Command => Some(limit),
        });
    let client = crate::tls::client(info, node.scheme() == "rediss", options)?;
    match timeout(
        limit,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
    {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(connect_err(e, &format!("{host}:{port}"))),
        Err(_) => Err(StreamErr::Connect(format!(
            "connecting to {host}:{port}: timed out after {limit:?}"
        ))),
    }
}
