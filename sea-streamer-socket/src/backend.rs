//! [`Backend`] names the backend a socket value wraps; [`SeaStreamerBackend`] gives access
//! to the backend value inside.

/// The backend wrapped by a socket value. Each variant exists only when its backend
/// feature is enabled.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum Backend {
    /// sea-streamer-kafka
    #[cfg(feature = "backend-kafka")]
    Kafka,
    /// sea-streamer-redis
    #[cfg(feature = "backend-redis")]
    Redis,
    /// sea-streamer-stdio
    #[cfg(feature = "backend-stdio")]
    Stdio,
    /// sea-streamer-file
    #[cfg(feature = "backend-file")]
    File,
    /// sea-streamer-nats (NATS JetStream)
    #[cfg(feature = "backend-nats")]
    Nats,
}

/// Implemented by every socket type: which backend it wraps, and mutable access to the
/// backend value. `get_x` returns `Some` only when the value wraps backend `x`.
///
/// ```
/// # #[cfg(feature = "backend-stdio")]
/// # fn demo(mut streamer: sea_streamer_socket::SeaStreamer) {
/// use sea_streamer_socket::{Backend, SeaStreamerBackend};
///
/// if streamer.backend() == Backend::Stdio {
///     let _stdio = streamer.get_stdio().expect("wraps stdio");
/// }
/// # }
/// ```
pub trait SeaStreamerBackend {
    /// The Kafka value type.
    #[cfg(feature = "backend-kafka")]
    type Kafka;
    /// The Redis value type.
    #[cfg(feature = "backend-redis")]
    type Redis;
    /// The stdio value type.
    #[cfg(feature = "backend-stdio")]
    type Stdio;
    /// The file value type.
    #[cfg(feature = "backend-file")]
    type File;
    /// The NATS value type.
    #[cfg(feature = "backend-nats")]
    type Nats;

    /// The wrapped backend.
    fn backend(&self) -> Backend;

    /// The Kafka value, if this wraps Kafka.
    #[cfg(feature = "backend-kafka")]
    fn get_kafka(&mut self) -> Option<&mut Self::Kafka>;

    /// The Redis value, if this wraps Redis.
    #[cfg(feature = "backend-redis")]
    fn get_redis(&mut self) -> Option<&mut Self::Redis>;

    /// The stdio value, if this wraps stdio.
    #[cfg(feature = "backend-stdio")]
    fn get_stdio(&mut self) -> Option<&mut Self::Stdio>;

    /// The file value, if this wraps a file.
    #[cfg(feature = "backend-file")]
    fn get_file(&mut self) -> Option<&mut Self::File>;

    /// The NATS value, if this wraps NATS.
    #[cfg(feature = "backend-nats")]
    fn get_nats(&mut self) -> Option<&mut Self::Nats>;
}

/// Implements [`SeaStreamerBackend`] for a socket type whose value (`$target`, an
/// expression over `$this`) is an enum `$E` with one tuple variant per backend (holding the
/// backend value, or a `Box` of it: `get_x` borrows through either).
macro_rules! impl_sea_streamer_backend {
    (
        impl$(<$lt:lifetime>)? for $ty:ty { |$this:ident| $target:expr, $E:ident }
        Kafka = $k:ty, Redis = $r:ty, Stdio = $s:ty, File = $f:ty, Nats = $n:ty $(,)?
    ) => {
        impl$(<$lt>)? $crate::SeaStreamerBackend for $ty {
            #[cfg(feature = "backend-kafka")]
            type Kafka = $k;
            #[cfg(feature = "backend-redis")]
            type Redis = $r;
            #[cfg(feature = "backend-stdio")]
            type Stdio = $s;
            #[cfg(feature = "backend-file")]
            type File = $f;
            #[cfg(feature = "backend-nats")]
            type Nats = $n;

            fn backend(&self) -> $crate::Backend {
                let $this = self;
                match &$target {
                    #[cfg(feature = "backend-kafka")]
                    $E::Kafka(_) => $crate::Backend::Kafka,
                    #[cfg(feature = "backend-redis")]
                    $E::Redis(_) => $crate::Backend::Redis,
                    #[cfg(feature = "backend-stdio")]
                    $E::Stdio(_) => $crate::Backend::Stdio,
                    #[cfg(feature = "backend-file")]
                    $E::File(_) => $crate::Backend::File,
                    #[cfg(feature = "backend-nats")]
                    $E::Nats(_) => $crate::Backend::Nats,
                }
            }

            #[cfg(feature = "backend-kafka")]
            fn get_kafka(&mut self) -> Option<&mut $k> {
                let $this = self;
                match &mut $target {
                    $E::Kafka(x) => Some(::std::borrow::BorrowMut::borrow_mut(x)),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            #[cfg(feature = "backend-redis")]
            fn get_redis(&mut self) -> Option<&mut $r> {
                let $this = self;
                match &mut $target {
                    $E::Redis(x) => Some(::std::borrow::BorrowMut::borrow_mut(x)),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            #[cfg(feature = "backend-stdio")]
            fn get_stdio(&mut self) -> Option<&mut $s> {
                let $this = self;
                match &mut $target {
                    $E::Stdio(x) => Some(::std::borrow::BorrowMut::borrow_mut(x)),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            #[cfg(feature = "backend-file")]
            fn get_file(&mut self) -> Option<&mut $f> {
                let $this = self;
                match &mut $target {
                    $E::File(x) => Some(::std::borrow::BorrowMut::borrow_mut(x)),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            #[cfg(feature = "backend-nats")]
            fn get_nats(&mut self) -> Option<&mut $n> {
                let $this = self;
                match &mut $target {
                    $E::Nats(x) => Some(::std::borrow::BorrowMut::borrow_mut(x)),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use impl_sea_streamer_backend;

/// Runs `$body` with `$x` bound to the backend value inside `$target` (an enum `$E` with
/// one tuple variant per backend), whichever backend it is.
macro_rules! dispatch {
    ($target:expr, $E:ident, |$x:ident| $body:expr) => {
        match $target {
            #[cfg(feature = "backend-kafka")]
            $E::Kafka($x) => $body,
            #[cfg(feature = "backend-redis")]
            $E::Redis($x) => $body,
            #[cfg(feature = "backend-stdio")]
            $E::Stdio($x) => $body,
            #[cfg(feature = "backend-file")]
            $E::File($x) => $body,
            #[cfg(feature = "backend-nats")]
            $E::Nats($x) => $body,
        }
    };
}
pub(crate) use dispatch;

/// Evaluates to the expression given for the first enabled backend, in the order Kafka,
/// Redis, Stdio, File, Nats. The other expressions are compiled out.
macro_rules! first_enabled {
    (kafka: $k:expr, redis: $r:expr, stdio: $s:expr, file: $f:expr, nats: $n:expr $(,)?) => {{
        #[cfg(feature = "backend-kafka")]
        let first = $k;
        #[cfg(all(feature = "backend-redis", not(feature = "backend-kafka")))]
        let first = $r;
        #[cfg(all(
            feature = "backend-stdio",
            not(any(feature = "backend-kafka", feature = "backend-redis"))
        ))]
        let first = $s;
        #[cfg(all(
            feature = "backend-file",
            not(any(
                feature = "backend-kafka",
                feature = "backend-redis",
                feature = "backend-stdio"
            ))
        ))]
        let first = $f;
        #[cfg(all(
            feature = "backend-nats",
            not(any(
                feature = "backend-kafka",
                feature = "backend-redis",
                feature = "backend-stdio",
                feature = "backend-file"
            ))
        ))]
        let first = $n;
        first
    }};
}
pub(crate) use first_enabled;
