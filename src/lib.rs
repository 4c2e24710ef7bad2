//! sea-streamer facade (being built).
pub use sea_streamer_types::*;
