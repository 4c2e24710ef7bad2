//! What one reading step of the consumer task (a claim, a read, or waiting for streams that do
//! not exist yet) came to.

use super::shared::Ctrl;
use crate::connection::NodeId;
use crate::policy::{Classify, Failure};
use crate::{RedisErr, RedisResult};
use sea_streamer_types::StreamErr;

/// The outcome of a reading step.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Done; the messages read (maybe none) were appended to the batch.
    Read,
    /// A control message (seek, end) arrived first: the step was dropped; handle the message.
    Interrupted(Ctrl),
    /// An error the consumer cannot go on after.
    Failed(StreamErr<RedisErr>),
    /// The consumer handle is gone.
    Closed,
}

impl From<RedisResult<()>> for Outcome {
    fn from(result: RedisResult<()>) -> Self {
        match result {
            Ok(()) => Outcome::Read,
            Err(e) => Outcome::Failed(e),
        }
    }
}

impl Outcome {
    /// `node` could not be reached for a read: wait for it (its connection's back-off) if
    /// that is transient, else fail.
    pub fn unreachable(node: &NodeId, e: StreamErr<RedisErr>) -> Self {
        match e.failure() {
            Failure::Connection | Failure::Busy => {
                log::warn!("Waiting for {node}: {e}");
                Outcome::Read
            }
            _ => Outcome::Failed(e),
        }
    }
}
