//! [`ConnectProbe`]: the client context of the check `KafkaStreamer::connect` makes. It keeps
//! the first error librdkafka reports (e.g. `Connect to ipv4#127.0.0.1:29099 failed:
//! Connection refused`), so a failed connect can name the cause, and logs librdkafka's
//! messages at `debug` only: the cause is returned, not also logged as an error.

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::producer::{DeliveryResult, ProducerContext};
use std::sync::Mutex;

/// Most queued events [`ConnectProbe::serve`] hands over.
const MAX_EVENTS: usize = 1000;

/// Records the first error or error-level log line of the probing client.
#[derive(Debug, Default)]
pub(crate) struct ConnectProbe {
    cause: Mutex<Option<String>>,
}

impl ConnectProbe {
    /// The first problem reported, if any.
    pub(crate) fn cause(&self) -> Option<String> {
        self.cause.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Calls `poll_once` (which serves at most one queued event and returns at once when
    /// none is queued) until a problem is recorded, at most [`MAX_EVENTS`] times.
    pub(crate) fn serve(&self, poll_once: impl Fn()) {
        for _ in 0..MAX_EVENTS {
            if self.cause().is_some() {
                return;
            }
            poll_once();
        }
    }

    fn record(&self, text: String) {
        let mut cause = self.cause.lock().unwrap_or_else(|e| e.into_inner());
        if cause.is_none() {
            *cause = Some(text);
        }
    }
}

impl ClientContext for ConnectProbe {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log::debug!(target: "librdkafka", "connect probe: {fac} {log_message}");
        if matches!(
            level,
            RDKafkaLogLevel::Emerg
                | RDKafkaLogLevel::Alert
                | RDKafkaLogLevel::Critical
                | RDKafkaLogLevel::Error
        ) {
            // `[thrd:host:port/bootstrap]: host:port/bootstrap: Connect to ... failed: ...`
            let text = match log_message.strip_prefix("[thrd:") {
                Some(rest) => rest.split_once("]: ").map_or(log_message, |(_, text)| text),
                None => log_message,
            };
            self.record(text.to_owned());
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        log::debug!("connect probe: {error}: {reason}");
        self.record(reason.to_owned());
    }
}

/// The probe sends nothing: no delivery reports come.
impl ProducerContext for ConnectProbe {
    type DeliveryOpaque = ();

    fn delivery(&self, _: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_problem() {
        let probe = ConnectProbe::default();
        assert_eq!(probe.cause(), None);
        probe.log(RDKafkaLogLevel::Info, "X", "fine");
        assert_eq!(probe.cause(), None);
        probe.serve(|| ());
        assert_eq!(probe.cause(), None);
        probe.error(
            KafkaError::Global(rdkafka::types::RDKafkaErrorCode::BrokerTransportFailure),
            "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused",
        );
        probe.error(
            KafkaError::Global(rdkafka::types::RDKafkaErrorCode::AllBrokersDown),
            "1/1 brokers are down",
        );
        assert_eq!(
            probe.cause().as_deref(),
            Some("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused")
        );
    }
}

#[cfg(test)]
mod log_tests {
    use super::*;

    #[test]
    fn an_error_log_line_without_its_thread_prefix() {
        let probe = ConnectProbe::default();
        probe.log(
            RDKafkaLogLevel::Error,
            "FAIL",
            "[thrd:h:1/bootstrap]: h:1/bootstrap: Connect to ipv4#h:1 failed: Connection refused",
        );
        assert_eq!(
            probe.cause().as_deref(),
            Some("h:1/bootstrap: Connect to ipv4#h:1 failed: Connection refused")
        );
    }
}
