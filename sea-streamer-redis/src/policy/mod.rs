//! One policy for failures, shared by the producer, the consumers and the cluster map.
//!
//! Every error, whether a `redis::RedisError` or one already converted to
//! `StreamErr<RedisErr>`, is classified the same way ([`Classify`]):
//!
//! | [`Failure`] | errors | what callers do |
//! |---|---|---|
//! | `Connection` | I/O, connection dropped or refused, timeouts | mark the connection for reconnection (back-off [`Backoff::reconnect`]) and retry |
//! | `Moved` | `MOVED` | remember the key's node ([`crate::RedisCluster::redirect`]) and retry there at once |
//! | `Busy` | `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `ASK`, `LOADING`, a connection being re-established | retry after [`Backoff::busy`] |
//! | `Fatal` | anything else | handle a code they know (`NOGROUP`, `UNBLOCKED`, `CROSSSLOT`, `BUSYGROUP`), else give up |
//!
//! The waits come from [`Backoff`] (`backon` schedules), slept with `sea_streamer_runtime::sleep`.

mod backoff;

pub(crate) use backoff::{Backoff, MAX_BUSY_RETRIES};

use crate::RedisErr;
use redis::{ErrorKind, RedisError, ServerErrorKind as S};
use sea_streamer_types::StreamErr;

/// What to do about an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection is lost, refused or timed out: reconnect, then retry.
    Connection,
    /// `MOVED`: the key lives on another node (`host:port`); retry there at once.
    Moved(String),
    /// The server or cluster cannot serve the request for now: retry after a back-off.
    Busy,
    /// Not retryable as such.
    Fatal,
}

impl Failure {
    /// Worth trying again (after reconnecting, redirecting or waiting)?
    pub fn is_transient(&self) -> bool {
        !matches!(self, Failure::Fatal)
    }
}

/// Errors that can be classified by the [`Failure`] policy.
pub(crate) trait Classify {
    /// The failure this error is.
    fn failure(&self) -> Failure;
}

impl Classify for RedisError {
    fn failure(&self) -> Failure {
        if self.is_io_error()
            || self.is_connection_dropped()
            || self.is_timeout()
            || self.is_unrecoverable_error()
        {
            return Failure::Connection;
        }
        match self.kind() {
            ErrorKind::Server(S::Moved) => moved(&self.to_string()),
            ErrorKind::Server(
                S::Ask | S::TryAgain | S::ClusterDown | S::MasterDown | S::BusyLoading,
            ) => Failure::Busy,
            _ => Failure::Fatal,
        }
    }
}

impl Classify for RedisErr {
    fn failure(&self) -> Failure {
        match self {
            RedisErr::IoError(_) => Failure::Connection,
            RedisErr::Moved(text) => moved(text),
            // `TryAgain` is also what a connection being re-established answers
            RedisErr::Ask(_)
            | RedisErr::TryAgain(_)
            | RedisErr::ClusterDown(_)
            | RedisErr::MasterDown(_)
            | RedisErr::BusyLoadingError(_) => Failure::Busy,
            _ => Failure::Fatal,
        }
    }
}

impl Classify for StreamErr<RedisErr> {
    fn failure(&self) -> Failure {
        match self {
            StreamErr::Backend(e) => e.failure(),
            _ => Failure::Fatal,
        }
    }
}

/// `MOVED <slot> <host:port>`: the address is the last word.
fn moved(text: &str) -> Failure {
    match text.split_whitespace().last() {
        Some(addr) if addr.contains(':') => Failure::Moved(addr.to_owned()),
        _ => Failure::Fatal,
    }
}

/// Is this a server error with this code (e.g. `NOGROUP`, `BUSYGROUP`)?
pub(crate) fn has_code(err: &RedisError, code: &str) -> bool {
    err.code() == Some(code)
}

#[cfg(test)]
mod test {
    use super::*;

    fn server(code: &str, detail: &str) -> RedisError {
        let reply = format!("-{code} {detail}\r\n");
        match redis::parse_redis_value(reply.as_bytes()) {
            Ok(redis::Value::ServerError(e)) => e.into(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_classification_for_both_error_types() {
        let cases = [
            (
                server("MOVED", "3999 127.0.0.1:6381"),
                Failure::Moved("127.0.0.1:6381".into()),
            ),
            (server("TRYAGAIN", "later"), Failure::Busy),
            (server("CLUSTERDOWN", "down"), Failure::Busy),
            (server("MASTERDOWN", "down"), Failure::Busy),
            (server("ASK", "3999 127.0.0.1:6381"), Failure::Busy),
            (server("LOADING", "loading"), Failure::Busy),
            (server("NOGROUP", "no group"), Failure::Fatal),
            (server("WRONGTYPE", "wrong"), Failure::Fatal),
            (
                RedisError::from(std::io::Error::other("gone")),
                Failure::Connection,
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(err.failure(), expected, "{err}");
            let converted = crate::map_err(err);
            assert_eq!(converted.failure(), expected, "{converted}");
        }
        let reconnecting = StreamErr::Backend(RedisErr::TryAgain("Reconnecting".into()));
        assert_eq!(reconnecting.failure(), Failure::Busy);
        assert_eq!(
            StreamErr::<RedisErr>::Connect("dead".into()).failure(),
            Failure::Fatal
        );
    }
}
