//! What NATS JetStream supports of the conformance scenarios, and why it opts out of the
//! rest: one list for the direct run (`tests/conformance.rs`) and the run through
//! `SeaStreamer` (`sea-streamer-socket/tests/conformance_nats.rs`, included by path).

use sea_streamer_conformance::{Capabilities, RewindRule, SeekRule};

/// The capabilities both conformance runs declare for NATS.
pub fn nats_capabilities() -> Capabilities {
    Capabilities {
        rewind: RewindRule::Inclusive,
        seek: SeekRule::AtOrAfter,
        // The publish acknowledgement carries the stream sequence but no timestamp: the
        // receipt's time is when the acknowledgement arrived.
        receipt_matches_message: false,
        assign: Err("a NATS subject is a single shard: nothing to assign"),
        acknowledge: Ok(()),
        ..Capabilities::default()
    }
}
