//! How a [`ConsumerMode`] turns into a consumer group and forced options.

use crate::{host_id, KafkaConsumerOptions, KafkaResult};
use sea_streamer_types::{ConsumerGroup, ConsumerMode, ConsumerOptions, StreamErr, StreamKey};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The session timeout forced (`RealTime`) or defaulted (`Resumable`) by the mode.
const MODE_SESSION_TIMEOUT: Duration = Duration::from_secs(6);

/// The options a consumer is really created with, given the user's `options` and the
/// subscribed `streams`:
///
/// | Mode | Group id | Forced options |
/// |---|---|---|
/// | `RealTime` | `{host_id}s{pid}-{n}`, unique per consumer | session timeout 6 s, no auto commit |
/// | `Resumable` | `{host_id}r` | session timeout 6 s and auto commit, only where unset |
/// | `LoadBalanced` | the user's (required) | none |
///
/// Errors: no stream → `StreamKeyEmpty`; a group set in `RealTime` or `Resumable` →
/// `ConsumerGroupIsSet`; no group in `LoadBalanced` → `ConsumerGroupNotSet`.
pub(crate) fn effective_options(
    streams: &[StreamKey],
    mut options: KafkaConsumerOptions,
) -> KafkaResult<KafkaConsumerOptions> {
    if streams.is_empty() {
        return Err(StreamErr::StreamKeyEmpty);
    }
    match *options.mode()? {
        ConsumerMode::RealTime => {
            if options.group_id().is_some() {
                return Err(StreamErr::ConsumerGroupIsSet);
            }
            options
                .set_group_id(real_time_group())
                .set_session_timeout(MODE_SESSION_TIMEOUT)
                .set_enable_auto_commit(false);
        }
        ConsumerMode::Resumable => {
            if options.group_id().is_some() {
                return Err(StreamErr::ConsumerGroupIsSet);
            }
            options.set_group_id(ConsumerGroup::new(format!("{}r", host_id())));
            if options.session_timeout().is_none() {
                options.set_session_timeout(MODE_SESSION_TIMEOUT);
            }
            if options.enable_auto_commit().is_none() {
                options.set_enable_auto_commit(true);
            }
        }
        ConsumerMode::LoadBalanced => {
            options.consumer_group()?;
        }
    }
    Ok(options)
}

/// A group of its own for every real-time consumer: `{host_id}s{pid}-{n}`.
fn real_time_group() -> ConsumerGroup {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    ConsumerGroup::new(format!("{}s{}-{n}", host_id(), std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams() -> Vec<StreamKey> {
        vec![StreamKey::new("topic").unwrap()]
    }

    #[test]
    fn no_stream_is_an_error() {
        let result = effective_options(&[], KafkaConsumerOptions::default());
        assert!(matches!(result, Err(StreamErr::StreamKeyEmpty)));
    }

    #[test]
    fn real_time_forces_its_options() {
        let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
        options
            .set_enable_auto_commit(true)
            .set_session_timeout(Duration::from_secs(30));
        let a = effective_options(&streams(), options.clone()).unwrap();
        let b = effective_options(&streams(), options).unwrap();
        let prefix = format!("{}s{}-", host_id(), std::process::id());
        assert!(a.group_id().unwrap().name().starts_with(&prefix));
        assert_ne!(
            a.group_id(),
            b.group_id(),
            "each real-time consumer has its own group"
        );
        assert_eq!(a.session_timeout(), Some(&Duration::from_secs(6)));
        assert_eq!(a.enable_auto_commit(), Some(&false));
    }

    #[test]
    fn real_time_and_resumable_reject_a_group() {
        for mode in [ConsumerMode::RealTime, ConsumerMode::Resumable] {
            let mut options = KafkaConsumerOptions::new(mode);
            options.set_group_id(ConsumerGroup::new("mine"));
            let result = effective_options(&streams(), options);
            assert!(matches!(result, Err(StreamErr::ConsumerGroupIsSet)));
        }
    }

    #[test]
    fn resumable_defaults_only_what_is_unset() {
        let options = KafkaConsumerOptions::new(ConsumerMode::Resumable);
        let a = effective_options(&streams(), options).unwrap();
        assert_eq!(a.group_id().unwrap().name(), format!("{}r", host_id()));
        assert_eq!(a.session_timeout(), Some(&Duration::from_secs(6)));
        assert_eq!(a.enable_auto_commit(), Some(&true));

        let mut options = KafkaConsumerOptions::new(ConsumerMode::Resumable);
        options
            .set_enable_auto_commit(false)
            .set_session_timeout(Duration::from_secs(2));
        let b = effective_options(&streams(), options).unwrap();
        assert_eq!(b.session_timeout(), Some(&Duration::from_secs(2)));
        assert_eq!(b.enable_auto_commit(), Some(&false));
    }

    #[test]
    fn load_balanced_needs_a_group_and_forces_nothing() {
        let options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
        let result = effective_options(&streams(), options);
        assert!(matches!(result, Err(StreamErr::ConsumerGroupNotSet)));

        let mut options = KafkaConsumerOptions::new(ConsumerMode::LoadBalanced);
        options.set_group_id(ConsumerGroup::new("workers"));
        let a = effective_options(&streams(), options).unwrap();
        assert_eq!(a.group_id().unwrap().name(), "workers");
        assert_eq!(a.session_timeout(), None);
        assert_eq!(a.enable_auto_commit(), None);
    }
}
