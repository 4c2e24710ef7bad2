//! The reading layer: frames out of `.ss` files. A blocking [`reader::Reader`] (read-ahead
//! buffer over the format's window decoder, telling corruption from a torn tail), seeking by
//! beacons ([`surveyor`], [`seek`]), the async [`message_source::MessageSource`], and file-change
//! notification for readers that follow a growing file ([`watch`]).

pub(crate) mod message_source;
pub(crate) mod mode;
pub(crate) mod reader;
pub(crate) mod seek;
pub(crate) mod surveyor;
pub(crate) mod watch;
