//! Default values of the consumer options, and the read heartbeat.

use std::time::Duration;

/// Default `auto_commit_delay`.
pub const DEFAULT_AUTO_COMMIT_DELAY: Duration = Duration::from_secs(5);
/// Default `auto_commit_interval`.
pub const DEFAULT_AUTO_COMMIT_INTERVAL: Duration = Duration::from_secs(1);
/// Default `auto_claim_interval`.
pub const DEFAULT_AUTO_CLAIM_INTERVAL: Duration = Duration::from_secs(30);
/// Default `auto_claim_idle`.
pub const DEFAULT_AUTO_CLAIM_IDLE: Duration = Duration::from_secs(60);
/// Default `batch_size`.
pub const DEFAULT_BATCH_SIZE: usize = 100;
/// Default `batch_size` of LoadBalanced consumers.
pub const DEFAULT_LOAD_BALANCED_BATCH_SIZE: usize = 10;
/// How long one read blocks (`BLOCK`) before the consumer task looks around again.
#[cfg(not(feature = "test"))]
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long one read blocks (`BLOCK`) before the consumer task looks around again.
#[cfg(feature = "test")]
pub const HEARTBEAT: Duration = Duration::from_secs(1);
