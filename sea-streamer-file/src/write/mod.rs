//! The writing layer: frames into `.ss` files. The [`encoder`] turns messages into frame and
//! beacon bytes; [`message_sink::MessageSink`] owns a file's encoder and writer thread;
//! [`recover`] finds where an existing file continues and the state of its streams.

pub(crate) mod encoder;
pub(crate) mod message_sink;
pub(crate) mod recover;
