//! The kafka backend of sea-streamer (being built; see the project's issues).
