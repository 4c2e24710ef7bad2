#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempt;
mod builder;
mod dead_letter;
mod end;
mod error;
mod event;
mod flush;
mod handler;
mod lanes;
mod observe;
mod options;
mod outbox;
mod processor;
mod slot;
mod summary;

pub use dead_letter::{DeadLetter, DeadLetterErr};
pub use error::{HandlerErr, ProcessorErr};
pub use handler::Handler;
pub use options::ProcessorOptions;
pub use outbox::Outbox;
pub use processor::Processor;
pub use summary::{Progress, Summary};
