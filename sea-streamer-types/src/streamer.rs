//! The [`Streamer`] trait and the addresses it connects to: [`StreamerUri`] and
//! [`StreamUrl`].
//!
//! # Address syntax
//!
//! A [`StreamerUri`] is `protocol://host1,host2,...`; a [`StreamUrl`] adds the stream keys
//! after the **last** `/`: `protocol://host1,host2/stream1,stream2`. The ending slash is
//! required in a `StreamUrl`, even when there are no streams. Parsing works as follows:
//!
//! 1. If the input contains `://`, the text before its first occurrence is the protocol.
//! 2. (`StreamUrl` only) the rest is split at the last `/` into hosts and streams.
//! 3. An empty host list becomes the single node `protocol://.` (e.g. `stdio://.`); without
//!    a protocol it is an error ([`StreamUrlErr::ProtocolRequired`]).
//! 4. Hosts are separated by `,`; empty pieces are ignored; each piece is parsed as the URL
//!    `protocol://piece` (or the bare piece without a protocol).
//! 5. Streams are separated by `,`; empty pieces are ignored; each must be a valid
//!    [`StreamKey`].
//!
//! ```
//! use sea_streamer_types::{StreamUrl, StreamerUri};
//!
//! let url: StreamUrl = "kafka://node-a:1234,node-b:1234/a,b".parse().unwrap();
//! assert_eq!(url.streamer().protocol(), Some("kafka"));
//! assert_eq!(url.streamer().to_string(), "(kafka://node-a:1234,kafka://node-b:1234)");
//! assert_eq!(url.stream_keys().len(), 2);
//!
//! let uri: StreamerUri = "stdio://".parse().unwrap();
//! assert_eq!(uri.nodes()[0].as_str(), "stdio://.");
//! ```

use crate::{
    ConnectOptions, Consumer, ConsumerOptions, Producer, ProducerOptions, StreamKey, StreamResult,
    StreamUrlErr,
};
use futures::FutureExt;
use std::{fmt::Display, future::Future, str::FromStr};
use url::Url;

/// A backend: connects to a server (or file, or pipe) and creates producers and consumers.
///
/// Code generic over the backend:
///
/// ```
/// use sea_streamer_types::{
///     Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, StreamResult,
///     StreamUrl, Streamer,
/// };
///
/// async fn echo<S: Streamer>(url: &StreamUrl) -> StreamResult<(), S::Error> {
///     let streamer = S::connect(url.streamer(), Default::default()).await?;
///     let key: StreamKey = url.stream_key()?;
///     let producer = streamer.create_producer(key.clone(), Default::default()).await?;
///     let options = S::ConsumerOptions::new(ConsumerMode::RealTime);
///     let consumer = streamer.create_consumer(&[key], options).await?;
///     producer.send("hello")?.await?;
///     let message = consumer.next().await?;
///     assert_eq!(message.message().as_str().ok(), Some("hello"));
///     producer.end().await?;
///     streamer.disconnect().await
/// }
/// ```
pub trait Streamer: Sized {
    /// The backend-specific error type.
    type Error: std::error::Error;
    /// The producer type of this backend.
    type Producer: Producer<Error = Self::Error>;
    /// The consumer type of this backend.
    type Consumer: Consumer<Error = Self::Error>;
    /// Options for [`Streamer::connect`].
    type ConnectOptions: ConnectOptions;
    /// Options for [`Streamer::create_consumer`].
    type ConsumerOptions: ConsumerOptions;
    /// Options for [`Streamer::create_generic_producer`] and [`Streamer::create_producer`].
    type ProducerOptions: ProducerOptions;

    /// Connects to the given streamer.
    fn connect(
        streamer: StreamerUri,
        options: Self::ConnectOptions,
    ) -> impl Future<Output = StreamResult<Self, Self::Error>> + Send;

    /// Disconnects, ending every producer and consumer created from this streamer.
    fn disconnect(self) -> impl Future<Output = StreamResult<(), Self::Error>> + Send;

    /// Creates a producer that is not anchored to any stream.
    fn create_generic_producer(
        &self,
        options: Self::ProducerOptions,
    ) -> impl Future<Output = StreamResult<Self::Producer, Self::Error>> + Send;

    /// Creates a producer anchored to `stream`.
    fn create_producer(
        &self,
        stream: StreamKey,
        options: Self::ProducerOptions,
    ) -> impl Future<Output = StreamResult<Self::Producer, Self::Error>> + Send {
        self.create_generic_producer(options).map(move |producer| {
            let mut producer = producer?;
            producer.anchor(stream)?;
            Ok(producer)
        })
    }

    /// Creates a consumer subscribed to `streams`.
    fn create_consumer(
        &self,
        streams: &[StreamKey],
        options: Self::ConsumerOptions,
    ) -> impl Future<Output = StreamResult<Self::Consumer, Self::Error>> + Send;
}

/// The address of a server or cluster: a list of node URLs.
///
/// ```
/// use sea_streamer_types::{export::url::Url, StreamerUri};
///
/// let uri: StreamerUri = "redis://localhost:6379".parse().unwrap();
/// assert_eq!(uri.protocol(), Some("redis"));
/// assert_eq!(uri.to_string(), "(redis://localhost:6379)");
///
/// let uri = StreamerUri::one(Url::parse("kafka://a:1").unwrap());
/// assert_eq!(uri.nodes().len(), 1);
/// assert_eq!(StreamerUri::zero().protocol(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamerUri {
    nodes: Vec<Url>,
}

impl StreamerUri {
    /// A streamer without any node (used by stdio).
    pub fn zero() -> Self {
        Self { nodes: Vec::new() }
    }

    /// A streamer with one node.
    pub fn one(url: Url) -> Self {
        Self { nodes: vec![url] }
    }

    /// A streamer with many nodes.
    pub fn many(urls: impl Iterator<Item = Url>) -> Self {
        Self {
            nodes: urls.collect(),
        }
    }

    /// The text before the first `://` of the first node; `None` if there is no node or
    /// no `://`.
    pub fn protocol(&self) -> Option<&str> {
        let node = self.nodes.first()?;
        node.as_str()
            .split_once("://")
            .map(|(protocol, _)| protocol)
    }

    /// The node URLs.
    pub fn nodes(&self) -> &[Url] {
        &self.nodes
    }

    /// Consumes the address and yields its node URLs.
    pub fn into_nodes(self) -> impl Iterator<Item = Url> {
        self.nodes.into_iter()
    }
}

impl From<Url> for StreamerUri {
    fn from(url: Url) -> Self {
        Self::one(url)
    }
}

impl FromIterator<Url> for StreamerUri {
    fn from_iter<T: IntoIterator<Item = Url>>(iter: T) -> Self {
        Self::many(iter.into_iter())
    }
}

impl Display for StreamerUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(")?;
        for (i, node) in self.nodes.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(node.as_str())?;
        }
        f.write_str(")")
    }
}

impl FromStr for StreamerUri {
    type Err = StreamUrlErr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (protocol, hosts) = split_protocol(s);
        parse_nodes(protocol, hosts)
    }
}

/// The address of a streamer plus the stream keys to use on it.
///
/// ```
/// use sea_streamer_types::{StreamKey, StreamUrl, StreamUrlErr};
///
/// let url: StreamUrl = "redis://localhost/a,b".parse().unwrap();
/// assert_eq!(url.streamer_ref().nodes()[0].as_str(), "redis://localhost");
/// assert_eq!(
///     url.stream_keys(),
///     &[StreamKey::new("a").unwrap(), StreamKey::new("b").unwrap()]
/// );
/// assert!(matches!(url.stream_key(), Err(StreamUrlErr::NotOneStreamKey)));
///
/// let url: StreamUrl = "stdio:///hello".parse().unwrap();
/// assert_eq!(url.stream_key().unwrap().name(), "hello");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamUrl {
    streamer: StreamerUri,
    streams: Vec<StreamKey>,
}

impl StreamUrl {
    /// The streamer address (cloned).
    pub fn streamer(&self) -> StreamerUri {
        self.streamer.clone()
    }

    /// The streamer address.
    pub fn streamer_ref(&self) -> &StreamerUri {
        &self.streamer
    }

    /// The stream keys (possibly none).
    pub fn stream_keys(&self) -> &[StreamKey] {
        &self.streams
    }

    /// The only stream key; `Err(NotOneStreamKey)` if there are zero or several.
    pub fn stream_key(&self) -> Result<StreamKey, StreamUrlErr> {
        match self.streams.as_slice() {
            [key] => Ok(key.clone()),
            _ => Err(StreamUrlErr::NotOneStreamKey),
        }
    }
}

impl FromStr for StreamUrl {
    type Err = StreamUrlErr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (protocol, rest) = split_protocol(s);
        let (hosts, streams) = rest.rsplit_once('/').ok_or(StreamUrlErr::NoEndingSlash)?;
        let streamer = parse_nodes(protocol, hosts)?;
        let streams = streams
            .split(',')
            .filter(|piece| !piece.is_empty())
            .map(StreamKey::new)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { streamer, streams })
    }
}

/// Splits `protocol://rest` at the first `://`.
fn split_protocol(s: &str) -> (Option<&str>, &str) {
    match s.split_once("://") {
        Some((protocol, rest)) => (Some(protocol), rest),
        None => (None, s),
    }
}

/// Parses a comma-separated host list into nodes.
fn parse_nodes(protocol: Option<&str>, hosts: &str) -> Result<StreamerUri, StreamUrlErr> {
    if hosts.is_empty() {
        return match protocol {
            Some(protocol) => Ok(StreamerUri::one(Url::parse(&format!("{protocol}://."))?)),
            None => Err(StreamUrlErr::ProtocolRequired),
        };
    }
    let nodes = hosts
        .split(',')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match protocol {
            Some(protocol) => Url::parse(&format!("{protocol}://{piece}")),
            None => Url::parse(piece),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if nodes.is_empty() {
        return Err(StreamUrlErr::ZeroNode);
    }
    Ok(StreamerUri { nodes })
}
