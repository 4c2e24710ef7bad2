//! The task's control side ([`Control`]): control messages from the consumer handle, and acks
//! sent on the command connections. A read or a hand-off is raced against it
//! ([`Control::race`]), so that commits, seeks and `end()` are served while a blocking read is
//! in flight.

use super::acks::Acker;
use super::commands::Commands;
use super::shared::Ctrl;
use crate::RedisResult;
use futures::future::{select, Either};
use std::future::Future;
use std::pin::pin;
use std::time::{Duration, Instant};

/// Outcome of racing a future against control messages.
pub(crate) enum Race<T> {
    Done(T),
    /// A seek or end arrived: the future was dropped; handle the message.
    Interrupted(Ctrl),
    /// The consumer handle is gone.
    Closed,
}

/// Control messages, acks and the command connections of a consumer task.
#[derive(Debug)]
pub(crate) struct Control {
    ctrl: flume::Receiver<Ctrl>,
    acker: Acker,
    cmd: Commands,
}

impl Control {
    /// Serve `ctrl`, sending acks with `acker` on `cmd`.
    pub fn new(ctrl: flume::Receiver<Ctrl>, acker: Acker, cmd: Commands) -> Self {
        Self { ctrl, acker, cmd }
    }

    /// The command connections (group creation, look-ups, claims).
    pub fn commands(&mut self) -> &mut Commands {
        &mut self.cmd
    }

    /// The acks' bookkeeping.
    pub fn acker(&mut self) -> &mut Acker {
        &mut self.acker
    }

    /// A control message already waiting. `Err(true)`: the handle is gone.
    pub fn try_recv(&self) -> Result<Option<Ctrl>, ()> {
        match self.ctrl.try_recv() {
            Ok(c) => Ok(Some(c)),
            Err(flume::TryRecvError::Empty) => Ok(None),
            Err(flume::TryRecvError::Disconnected) => Err(()),
        }
    }

    /// Wait for the next control message; `None`: the handle is gone.
    pub async fn recv(&self) -> Option<Ctrl> {
        self.ctrl.recv_async().await.ok()
    }

    /// Send every recorded ack.
    pub async fn commit(&mut self) -> RedisResult<()> {
        self.acker.commit(&mut self.cmd).await
    }

    /// Send the acks due under the auto-commit policy (see [`Acker::auto`]).
    pub async fn auto_commit(&mut self, delivered: Option<Instant>) -> RedisResult<()> {
        self.acker.auto(&mut self.cmd, delivered).await
    }

    /// Race `fut` against control messages. Commits are served on the side; a seek or end
    /// drops `fut`. With `AutoCommit::Delayed`/`Rolling`, due acks are also sent on the side.
    pub async fn race<F: Future>(&mut self, fut: F) -> Race<F::Output> {
        let mut fut = pin!(fut);
        loop {
            let tick = self.acker.tick();
            let tick = async move {
                match tick {
                    Some(interval) => {
                        sea_streamer_runtime::sleep(interval.max(Duration::from_millis(10))).await
                    }
                    None => futures::future::pending::<()>().await,
                }
            };
            let next_ctrl = pin!(self.ctrl.recv_async());
            let tick = pin!(tick);
            match select(fut.as_mut(), select(next_ctrl, tick)).await {
                Either::Left((out, _)) => return Race::Done(out),
                Either::Right((Either::Left((Ok(c), _)), _)) => match c {
                    Ctrl::Demand => {}
                    Ctrl::Commit(reply) => {
                        // (fields, not `self.commit()`: `next_ctrl` borrows `self.ctrl`)
                        let result = self.acker.commit(&mut self.cmd).await;
                        if let Some(reply) = reply {
                            let _ = reply.send(result);
                        }
                    }
                    other => return Race::Interrupted(other),
                },
                Either::Right((Either::Left((Err(_), _)), _)) => return Race::Closed,
                Either::Right((Either::Right(_), _)) => {
                    if let Err(e) = self.acker.auto(&mut self.cmd, None).await {
                        log::error!("Giving up sending acks: {e}");
                    }
                }
            }
        }
    }
}
