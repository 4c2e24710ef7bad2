//! The headers a message is written with: the entry fields after the message field, checked
//! against the message field's name, plus the `traceparent` of opt-in trace propagation.

use crate::{RedisErr, RedisResult};
use sea_streamer_types::{Headers, StreamErr, StreamKey, TraceContext, TRACEPARENT};

/// What the producer adds to and checks in every message's headers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderRules {
    /// The entry field holding the payload: no header may be named like it.
    pub field: &'static str,
    /// Write a `traceparent` header (see `RedisProducerOptions::set_trace_propagation`).
    pub trace: bool,
}

impl HeaderRules {
    /// The headers to write with a message to `stream`: `given` (if any) checked, plus a
    /// `traceparent` when propagation is on and `given` has none.
    pub fn prepare(&self, stream: &StreamKey, given: Option<&Headers>) -> RedisResult<Headers> {
        let mut headers = match given {
            Some(given) => {
                if given.iter().any(|(name, _)| name == self.field) {
                    return Err(StreamErr::Backend(RedisErr::ReservedHeader(
                        self.field.to_owned(),
                    )));
                }
                given.clone()
            }
            None => Headers::new(),
        };
        if self.trace && headers.get(TRACEPARENT).is_none() {
            let parent = TraceContext::current();
            let context = parent
                .map(|p| p.child())
                .unwrap_or_else(TraceContext::new_root);
            context.write_to(&mut headers);
            tracing::info!(
                name: "sea_streamer.produce",
                backend = "redis",
                stream = stream.name(),
                trace_id = %context.trace_id(),
                span_id = %context.span_id(),
                parent_id = %parent.map(|p| p.span_id()).unwrap_or_default(),
                "produce"
            );
        }
        Ok(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    #[test]
    fn checks_names_and_adds_traceparent() {
        let key = StreamKey::new("s").unwrap();
        let plain = HeaderRules {
            field: "msg",
            trace: false,
        };
        assert!(plain.prepare(&key, None).unwrap().is_empty());
        let mut given = Headers::new();
        given.insert("a", "1");
        assert_eq!(plain.prepare(&key, Some(&given)).unwrap(), given);
        given.insert("msg", "x");
        assert!(matches!(
            plain.prepare(&key, Some(&given)),
            Err(StreamErr::Backend(RedisErr::ReservedHeader(f))) if f == "msg"
        ));

        let traced = HeaderRules {
            field: "msg",
            trace: true,
        };
        let root = traced.prepare(&key, None).unwrap();
        assert!(TraceContext::from_headers(&root).is_some());
        let parent = TraceContext::new_root();
        let mut scoped = std::pin::pin!(parent.scope(async { traced.prepare(&key, None) }));
        let waker = std::task::Waker::noop();
        let std::task::Poll::Ready(Ok(child)) = scoped
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
        else {
            panic!("ready");
        };
        let child = TraceContext::from_headers(&child).unwrap();
        assert_eq!(child.trace_id(), parent.trace_id());
        assert_ne!(child.span_id(), parent.span_id());
        // a traceparent given by the caller is kept
        assert_eq!(
            traced.prepare(&key, Some(&child_headers(&parent))).unwrap(),
            child_headers(&parent)
        );
    }

    fn child_headers(ctx: &TraceContext) -> Headers {
        let mut h = Headers::new();
        ctx.write_to(&mut h);
        h
    }
}
