//! [`Scheme`]: which backend a URI asks for, recognised whether or not that backend is
//! compiled in. Building the backend is [`SeaStreamer::connect`](crate::SeaStreamer#method.connect)'s job.

use crate::Error;
use sea_streamer_types::{StreamErr, StreamerUri};
use std::fmt;

/// A URI scheme sea-streamer knows. Never feature-gated: every scheme is recognised, and
/// [`Scheme::is_compiled_in`] tells whether its backend is available in this build.
///
/// ```
/// use sea_streamer_socket::Scheme;
///
/// assert_eq!(Scheme::from_protocol("rediss"), Some(Scheme::Redis));
/// assert_eq!(Scheme::from_protocol("KAFKA"), Some(Scheme::Kafka));
/// assert_eq!(Scheme::from_protocol("http"), None);
/// assert_eq!(Scheme::File.backend_feature(), "backend-file");
/// assert_eq!(Scheme::from_protocol("nats"), Some(Scheme::Nats));
/// ```
#[derive(Debug, Copy, Clone, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `kafka://`
    Kafka,
    /// `redis://` and `rediss://` (TLS)
    Redis,
    /// `stdio://`
    Stdio,
    /// `file://`
    File,
    /// `nats://` (NATS JetStream)
    Nats,
}

impl Scheme {
    /// Every scheme, in backend order.
    pub const ALL: [Scheme; 5] = [
        Scheme::Kafka,
        Scheme::Redis,
        Scheme::Stdio,
        Scheme::File,
        Scheme::Nats,
    ];

    /// Recognise a protocol (the text before `://`), ignoring ASCII case.
    pub fn from_protocol(protocol: &str) -> Option<Self> {
        match protocol.to_ascii_lowercase().as_str() {
            "kafka" => Some(Self::Kafka),
            "redis" | "rediss" => Some(Self::Redis),
            "stdio" => Some(Self::Stdio),
            "file" => Some(Self::File),
            "nats" => Some(Self::Nats),
            _ => None,
        }
    }

    /// The scheme of `uri`, or the [`StreamErr::Connect`] that
    /// [`SeaStreamer::connect`](crate::SeaStreamer#method.connect) reports: `protocol not set` when the URI has no
    /// scheme, ``unknown protocol `x` `` when it is not one of ours.
    pub fn of(uri: &StreamerUri) -> Result<Self, Error> {
        let protocol = uri
            .protocol()
            .ok_or_else(|| StreamErr::Connect("protocol not set".to_owned()))?;
        Self::from_protocol(protocol)
            .ok_or_else(|| StreamErr::Connect(format!("unknown protocol `{protocol}`")))
    }

    /// The backend's short name, which is also the feature of the `sea-streamer` facade
    /// that enables it: `kafka`, `redis`, `stdio`, `file` or `nats`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Kafka => "kafka",
            Self::Redis => "redis",
            Self::Stdio => "stdio",
            Self::File => "file",
            Self::Nats => "nats",
        }
    }

    /// The feature of this crate that compiles the backend in, e.g. `backend-redis`.
    pub fn backend_feature(&self) -> &'static str {
        match self {
            Self::Kafka => "backend-kafka",
            Self::Redis => "backend-redis",
            Self::Stdio => "backend-stdio",
            Self::File => "backend-file",
            Self::Nats => "backend-nats",
        }
    }

    /// Whether this build contains the scheme's backend.
    pub fn is_compiled_in(&self) -> bool {
        match self {
            Self::Kafka => cfg!(feature = "backend-kafka"),
            Self::Redis => cfg!(feature = "backend-redis"),
            Self::Stdio => cfg!(feature = "backend-stdio"),
            Self::File => cfg!(feature = "backend-file"),
            Self::Nats => cfg!(feature = "backend-nats"),
        }
    }

    /// The error for a scheme whose backend is not compiled in; it names the features to
    /// enable.
    pub fn not_compiled_in(&self) -> Error {
        StreamErr::Connect(format!(
            "backend `{name}` is not compiled in: enable the `{name}` feature of sea-streamer \
             (or `{feature}` of sea-streamer-socket)",
            name = self.name(),
            feature = self.backend_feature(),
        ))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
