//! Racing a read or a hand-off against control messages, so that commits, seeks and `end()`
//! are served while a blocking read is in flight.

use super::acks::Acker;
use super::shared::Ctrl;
use super::AutoCommit;
use futures::future::{select, Either};
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

/// Outcome of racing a future against control messages.
pub(crate) enum Race<T> {
    Done(T),
    /// A seek or end arrived: the future was dropped; handle the message.
    Interrupted(Ctrl),
    /// The consumer handle is gone.
    Closed,
}

/// Race `fut` against control messages. Commits are served on the side; a seek or end
/// drops `fut`. With `AutoCommit::Delayed`/`Rolling`, due acks are also sent on the side.
pub(crate) async fn race<F: Future>(
    ctrl: &flume::Receiver<Ctrl>,
    acker: &mut Acker,
    fut: F,
) -> Race<F::Output> {
    let mut fut = pin!(fut);
    loop {
        let (delayed, interval) = (acker.policy == AutoCommit::Delayed, acker.interval);
        let tick = async move {
            if delayed {
                sea_streamer_runtime::sleep(interval.max(Duration::from_millis(10))).await
            } else {
                futures::future::pending::<()>().await
            }
        };
        let next_ctrl = pin!(ctrl.recv_async());
        let tick = pin!(tick);
        match select(fut.as_mut(), select(next_ctrl, tick)).await {
            Either::Left((out, _)) => return Race::Done(out),
            Either::Right((Either::Left((Ok(c), _)), _)) => match c {
                Ctrl::Demand => {}
                Ctrl::Commit(reply) => {
                    let result = acker.commit().await;
                    if let Some(reply) = reply {
                        let _ = reply.send(result);
                    }
                }
                other => return Race::Interrupted(other),
            },
            Either::Right((Either::Left((Err(_), _)), _)) => return Race::Closed,
            Either::Right((Either::Right(_), _)) => {
                if let Err(e) = acker.auto(None).await {
                    log::error!("Giving up sending acks: {e}");
                }
            }
        }
    }
}
