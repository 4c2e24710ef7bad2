//! The subcommands of `sea`, one module each.

pub mod bench;
pub mod completions;
pub mod consume;
pub mod decode;
pub mod info;
pub mod produce;
pub mod relay;
pub mod trim;
pub mod verify;
