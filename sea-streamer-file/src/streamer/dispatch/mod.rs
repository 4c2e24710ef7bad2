//! Reader threads and the consumers they feed.
//!
//! A consumer [`subscribe`]s: it joins a running reader of the file that serves its kind of
//! consumer (a group's reader, or the shared `Live` reader), or starts a reader of its own, in
//! one call under the registry's lock, so two consumers never start two readers meant to be one.
//!
//! * [`queue`]: a subscriber's batched, bounded queue of deliveries;
//! * [`control`]: the control channel of a reader and the handle consumers hold;
//! * [`registry`]: the process-wide readers, per file (and `query_streamer`);
//! * [`info`]: the public view of a reader;
//! * [`batch`]: one read of a reader thread (frames sharing one buffer);
//! * [`thread`]: the reader thread itself.

pub(crate) mod batch;
pub(crate) mod control;
#[cfg(test)]
pub(crate) mod gate;
pub(crate) mod info;
pub(crate) mod queue;
pub(crate) mod registry;
#[cfg(all(test, any(feature = "runtime-tokio", feature = "runtime-async-std")))]
mod tests;
pub(crate) mod thread;

use control::{Joined, ReaderEntry, ReaderKind};
use queue::Subscriber;
use std::sync::Arc;
use thread::NewReader;

use crate::error::FileErr;

/// Join a running reader that `new` could share (same group, or the shared `Live` reader; with
/// `fresh_only`, one that has not dispatched any frame yet), or start `new` with `sub` as its
/// first subscriber. A group that exists in another mode → `ConfigErr::SameGroupSameMode`.
///
/// A subscriber that joined a running reader comes with a [`Joined`] receiver: the caller
/// waits for it (without holding the registry lock) before handing the consumer out, so that
/// every frame written after the consumer exists is dispatched with it among the members.
pub(crate) fn subscribe(
    new: NewReader,
    sub: Subscriber,
    fresh_only: bool,
) -> Result<(Arc<ReaderEntry>, Option<Joined>), FileErr> {
    let mut readers = registry::lock()?;
    let sub = match new.kind {
        ReaderKind::Solo => sub,
        _ => match readers.join(&new.file_id, &new.kind, sub, fresh_only)? {
            Ok((entry, joined)) => return Ok((entry, Some(joined))),
            Err(sub) => sub,
        },
    };
    Ok((thread::spawn(&mut readers, new, sub)?, None))
}
