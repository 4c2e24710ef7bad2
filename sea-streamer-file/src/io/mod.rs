//! The byte layer: byte containers and the byte I/O traits, file handles, byte readers that
//! follow or bound a file, and the background thread (with its queue and the file's write lock)
//! that moves written bytes to the OS. Nothing here knows the `.ss` format.

pub(crate) mod async_file;
pub(crate) mod backoff;
pub(crate) mod bytes;
pub(crate) mod dyn_file;
pub(crate) mod file_lock;
pub(crate) mod file_sink;
pub(crate) mod file_source;
pub(crate) mod write_queue;
pub(crate) mod write_thread;
