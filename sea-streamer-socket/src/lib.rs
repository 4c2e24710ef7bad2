//! Runtime dispatch of sea-streamer backends by URI scheme (being built; see the project's issues).
