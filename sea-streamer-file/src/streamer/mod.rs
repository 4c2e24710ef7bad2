//! The streamer layer: the sea-streamer API over files. [`file_streamer::FileStreamer`] connects
//! and creates [`producer::FileProducer`]s (sharing one writer per file) and
//! [`consumer::FileConsumer`]s (fed by reader threads, see [`dispatch`]); [`options`] holds their
//! options and [`commit`] the durable positions of resumable consumer groups, which [`ack`]
//! advances over the contiguous prefix of processed messages.

pub(crate) mod ack;
pub(crate) mod commit;
pub(crate) mod consumer;
pub(crate) mod dispatch;
pub(crate) mod file_streamer;
pub(crate) mod lag;
pub(crate) mod observe;
pub(crate) mod options;
pub(crate) mod producer;
