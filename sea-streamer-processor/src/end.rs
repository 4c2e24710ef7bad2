//! [`InputEnd`]: how a processor knows that its input has ended (a finite input, such as
//! stdin or a `.ss` file with its end mark), set with
//! [`Processor::end_of_input`](crate::Processor::end_of_input) and
//! [`Processor::end_on_error`](crate::Processor::end_on_error).

use futures::future::BoxFuture;
use sea_streamer_types::StreamErr;

/// A consumer error predicate.
type IsEnd<'c, E> = Box<dyn Fn(&StreamErr<E>) -> bool + Send + Sync + 'c>;

/// The signals of a finite input; none by default (the input never ends).
pub(crate) struct InputEnd<'c, E: std::error::Error> {
    /// Resolves once the input is complete: what the consumer holds is all there is.
    pub(crate) signal: Option<BoxFuture<'c, ()>>,
    /// Which consumer errors mean the end of the input.
    pub(crate) is_end: Option<IsEnd<'c, E>>,
}

impl<E: std::error::Error> Default for InputEnd<'_, E> {
    fn default() -> Self {
        Self {
            signal: None,
            is_end: None,
        }
    }
}

impl<E: std::error::Error> InputEnd<'_, E> {
    /// Whether `error` is the end of the input.
    pub(crate) fn is_end(&self, error: &StreamErr<E>) -> bool {
        self.is_end.as_ref().is_some_and(|is_end| is_end(error))
    }
}
