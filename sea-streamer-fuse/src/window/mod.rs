//! Windows over event time: tumbling and sliding windows keyed by stream key or by a key
//! the caller extracts, closed by a watermark (the largest timestamp seen minus an allowed
//! lateness), with late inputs counted and handed to the caller.
//!
//! - `spec`: [`WindowSpec`], the size, slide and allowed lateness, and which windows hold
//!   a timestamp (epoch-aligned, half-open).
//! - `aggregate`: the user's [`Aggregator`] (or [`fold`] of two closures).
//! - `output`: a closed [`Window`].
//! - `state`: [`Windows`], the runtime-free core.
//! - `stream`: [`WindowStream`], the core as a `Stream` adapter.
//! - `error`: [`WindowErr`] and [`WindowStreamErr`].

mod aggregate;
mod error;
mod output;
mod spec;
mod state;
mod stream;

pub use aggregate::{fold, Aggregator, Fold};
pub use error::{WindowErr, WindowStreamErr};
pub use output::Window;
pub use spec::WindowSpec;
pub use state::{Push, Windows};
pub use stream::WindowStream;
