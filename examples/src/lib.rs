//! Shared helpers of the sea-streamer examples (being built).
