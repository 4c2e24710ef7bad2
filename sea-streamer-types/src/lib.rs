//! Traits and value types of sea-streamer (being built).
