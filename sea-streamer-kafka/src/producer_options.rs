//! [`KafkaProducerOptions`]: settings of a producer.

use rdkafka::ClientConfig;
use sea_streamer_types::ProducerOptions;
use std::time::Duration;

/// Options of a [`KafkaProducer`](crate::KafkaProducer). Only options that were set are
/// written to the client config; custom options are written last.
///
/// # Delivery timeout
///
/// A record that cannot be delivered (e.g. every broker is down) is retried by librdkafka
/// until `message.timeout.ms` expires; only then does its [`SendFuture`](crate::SendFuture)
/// resolve, to `Err(StreamErr::Backend(KafkaError::MessageProduction(MessageTimedOut)))`.
/// librdkafka's default is 300 000 ms, and its timeout scan adds a few seconds: with the
/// defaults a producer whose broker died reports the failure only after about five minutes
/// (issue #15 saw it after 307 s). `flush` and `end` wait at most
/// [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT) (60 s) and then fail with `Flush(..)` while
/// records are still queued. The default is kept (it rides out broker restarts); to fail
/// sooner, set it:
///
/// ```
/// # use sea_streamer_kafka::KafkaProducerOptions;
/// let mut options = KafkaProducerOptions::default();
/// options.add_custom_option("message.timeout.ms", "10000"); // give up after 10 s
/// ```
///
/// # Bounded memory
///
/// Records waiting for delivery stay in librdkafka's queue, which is bounded by
/// `queue.buffering.max.messages` (default 100 000 records) and `queue.buffering.max.kbytes`
/// (default 1 048 576 KiB = 1 GiB), shared by all topics of the producer. When either bound
/// is reached, `send` does not block and drops nothing: it returns
/// `Err(StreamErr::Backend(KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull)))`
/// and the record is not sent; retry after awaiting some receipts or `flush`. Lower the
/// bounds to cap a producer's memory:
///
/// ```
/// # use sea_streamer_kafka::KafkaProducerOptions;
/// let mut options = KafkaProducerOptions::default();
/// options
///     .add_custom_option("queue.buffering.max.messages", "10000")
///     .add_custom_option("queue.buffering.max.kbytes", "65536"); // 64 MiB
/// ```
///
/// # Example
///
/// ```
/// use sea_streamer_kafka::{CompressionType, KafkaProducerOptions};
/// use std::time::Duration;
///
/// let mut options = KafkaProducerOptions::default();
/// options
///     .set_compression_type(CompressionType::Gzip)
///     .set_transaction_timeout(Duration::from_secs(10))
///     .add_custom_option("message.timeout.ms", "5000");
/// assert_eq!(options.compression_type(), Some(&CompressionType::Gzip));
/// ```
#[derive(Debug, Default, Clone)]
pub struct KafkaProducerOptions {
    compression_type: Option<CompressionType>,
    transaction_timeout: Option<Duration>,
    custom_options: Vec<(String, String)>,
    trace_propagation: bool,
}

/// The keys of the producer settings this crate knows by name.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum KafkaProducerOptionKey {
    /// `compression.type`
    CompressionType,
}

/// The compression of produced record batches (`compression.type`).
#[derive(Debug, Default, Copy, Clone, PartialEq, Eq)]
pub enum CompressionType {
    /// `none`
    #[default]
    None,
    /// `gzip`
    Gzip,
    /// `snappy`
    Snappy,
    /// `lz4`
    Lz4,
    /// `zstd` (needs librdkafka built with zstd)
    Zstd,
}

impl KafkaProducerOptions {
    /// Sets `compression.type`.
    pub fn set_compression_type(&mut self, v: CompressionType) -> &mut Self {
        self.compression_type = Some(v);
        self
    }

    /// The compression set by [`Self::set_compression_type`].
    pub fn compression_type(&self) -> Option<&CompressionType> {
        self.compression_type.as_ref()
    }

    /// Sets the timeout of the transaction calls of [`KafkaProducer`](crate::KafkaProducer)
    /// (default [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT)).
    pub fn set_transaction_timeout(&mut self, v: Duration) -> &mut Self {
        self.transaction_timeout = Some(v);
        self
    }

    /// The timeout set by [`Self::set_transaction_timeout`].
    pub fn transaction_timeout(&self) -> Option<&Duration> {
        self.transaction_timeout.as_ref()
    }

    /// Turns `traceparent` propagation on or off (off by default; an addition to the 0.5
    /// API): with it on, every record gets a `traceparent` header (unless it has one), a
    /// child of [`TraceContext::current`](sea_streamer_types::TraceContext::current) or
    /// else a new trace, and records a `sea_streamer.produce` tracing event with its
    /// `trace_id`, `span_id` and `parent_id` (empty for a new trace).
    ///
    /// ```
    /// use sea_streamer_kafka::KafkaProducerOptions;
    /// let mut options = KafkaProducerOptions::default();
    /// options.set_trace_propagation(true);
    /// assert!(options.trace_propagation());
    /// ```
    pub fn set_trace_propagation(&mut self, v: bool) -> &mut Self {
        self.trace_propagation = v;
        self
    }

    /// Whether `traceparent` propagation is on (see [`Self::set_trace_propagation`]).
    pub fn trace_propagation(&self) -> bool {
        self.trace_propagation
    }

    /// Adds any librdkafka producer setting (e.g. `message.timeout.ms`, `transactional.id`),
    /// written verbatim after all the others.
    pub fn add_custom_option<K, V>(&mut self, key: K, value: V) -> &mut Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.custom_options.push((key.into(), value.into()));
        self
    }

    /// The settings added by [`Self::add_custom_option`], in order.
    pub fn custom_options(&self) -> impl Iterator<Item = (&str, &str)> {
        self.custom_options
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Writes these options into a librdkafka client config.
    pub(crate) fn make_client_config(&self, config: &mut ClientConfig) {
        if let Some(v) = self.compression_type {
            config.set(KafkaProducerOptionKey::CompressionType.as_str(), v.as_str());
        }
        for (key, value) in self.custom_options() {
            config.set(key, value);
        }
    }
}

impl ProducerOptions for KafkaProducerOptions {}

impl KafkaProducerOptionKey {
    /// The librdkafka key.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::CompressionType => "compression.type",
        }
    }
}

impl CompressionType {
    /// The librdkafka value, e.g. `gzip`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Snappy => "snappy",
            Self::Lz4 => "lz4",
            Self::Zstd => "zstd",
        }
    }
}

impl From<KafkaProducerOptionKey> for String {
    fn from(v: KafkaProducerOptionKey) -> String {
        v.as_str().to_owned()
    }
}

impl From<CompressionType> for String {
    fn from(v: CompressionType) -> String {
        v.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_what_was_set() {
        let mut config = ClientConfig::new();
        KafkaProducerOptions::default().make_client_config(&mut config);
        assert!(config.config_map().is_empty());

        let mut options = KafkaProducerOptions::default();
        options
            .set_compression_type(CompressionType::Lz4)
            .add_custom_option("linger.ms", "5");
        options.make_client_config(&mut config);
        assert_eq!(config.get("compression.type"), Some("lz4"));
        assert_eq!(config.get("linger.ms"), Some("5"));
    }

    #[test]
    fn names_match_librdkafka() {
        assert_eq!(
            String::from(KafkaProducerOptionKey::CompressionType),
            "compression.type"
        );
        let names: Vec<String> = [
            CompressionType::None,
            CompressionType::Gzip,
            CompressionType::Snappy,
            CompressionType::Lz4,
            CompressionType::Zstd,
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(names, ["none", "gzip", "snappy", "lz4", "zstd"]);
        assert_eq!(CompressionType::default(), CompressionType::None);
    }
}
