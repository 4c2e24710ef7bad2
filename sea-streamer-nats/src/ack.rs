//! Acknowledgements of a group consumer: the reply subject of each delivered message, and a
//! task that sends acks in the order they are given.

use std::collections::HashMap;
use std::sync::Mutex;

use async_nats::Subject;
use futures::channel::oneshot;
use sea_streamer_runtime::{spawn_task, TaskHandle};
use sea_streamer_types::{SeqNo, StreamKey};

use crate::error::backend;
use crate::jetstream::Shared;
use crate::{NatsErr, NatsResult};

enum AckCommand {
    Ack(Subject),
    Nak(Subject),
    Flush(oneshot::Sender<NatsResult<()>>),
}

/// Where a group consumer's acks go.
pub(crate) struct Acker {
    /// Reply subjects of delivered, not yet acknowledged messages.
    pending: Mutex<HashMap<(StreamKey, SeqNo), Subject>>,
    sender: flume::Sender<AckCommand>,
    server: String,
}

impl Acker {
    pub fn new(shared: &Shared) -> Self {
        let (sender, receiver) = flume::unbounded();
        let client = shared.client.clone();
        let server = shared.server.clone();
        let task_server = server.clone();
        spawn_task(async move {
            // Acks are requests (JetStream's "double ack"): the server answers once it has
            // processed the ack, so a flush that waits for the answers knows the group's
            // position has moved.
            let mut answers: Vec<TaskHandle<Result<(), String>>> = Vec::new();
            while let Ok(command) = receiver.recv_async().await {
                match command {
                    AckCommand::Ack(subject) => {
                        if answers.len() >= 1024 {
                            answers.retain(|task| !task.is_finished());
                        }
                        let client = client.clone();
                        answers.push(spawn_task(async move {
                            client
                                .request(subject, "+ACK".into())
                                .await
                                .map(|_| ())
                                .map_err(|e| e.to_string())
                        }));
                    }
                    AckCommand::Nak(subject) => {
                        if let Err(e) = client.publish(subject, "-NAK".into()).await {
                            log::warn!("NATS nak on {task_server} failed: {e}");
                        }
                    }
                    AckCommand::Flush(reply) => {
                        let mut failed = None;
                        for task in answers.drain(..) {
                            match task.await {
                                Ok(Ok(())) => {}
                                Ok(Err(e)) => failed = Some(e),
                                Err(e) => failed = Some(e.to_string()),
                            }
                        }
                        let flushed = match failed {
                            Some(cause) => Err(cause),
                            None => client.flush().await.map_err(|e| e.to_string()),
                        };
                        let _ = reply.send(flushed.map_err(|cause| {
                            backend(NatsErr::Ack {
                                server: task_server.clone(),
                                cause,
                            })
                        }));
                    }
                }
            }
        });
        Self {
            pending: Mutex::new(HashMap::new()),
            sender,
            server,
        }
    }

    fn ended(&self) -> sea_streamer_types::StreamErr<NatsErr> {
        backend(NatsErr::Ack {
            server: self.server.clone(),
            cause: "the consumer's ack task has stopped".into(),
        })
    }

    /// Remembers the reply subject of a delivered message.
    pub fn delivered(&self, key: StreamKey, seq: SeqNo, reply: Subject) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((key, seq), reply);
    }

    /// Acknowledges one delivered message; acknowledging twice (or a message this consumer
    /// did not deliver) does nothing.
    pub fn ack(&self, key: &StreamKey, seq: SeqNo) -> NatsResult<()> {
        let reply = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(key.clone(), seq));
        match reply {
            Some(subject) => self
                .sender
                .send(AckCommand::Ack(subject))
                .map_err(|_| self.ended()),
            None => Ok(()),
        }
    }

    /// Acknowledges every delivered message of `key` up to sequence `seq` (inclusive).
    pub fn ack_up_to(&self, key: &StreamKey, seq: SeqNo) -> NatsResult<()> {
        let mut subjects: Vec<(SeqNo, Subject)> = Vec::new();
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.retain(|(k, s), subject| {
                if k == key && *s <= seq {
                    subjects.push((*s, subject.clone()));
                    false
                } else {
                    true
                }
            });
        }
        subjects.sort_by_key(|(s, _)| *s);
        for (_, subject) in subjects {
            self.sender
                .send(AckCommand::Ack(subject))
                .map_err(|_| self.ended())?;
        }
        Ok(())
    }

    /// Gives back every delivered, unacknowledged message (`-NAK`, in stream order), so the
    /// server delivers it again at once, to another member or the next consumer of the group.
    /// The receiver answers once the server has read the naks.
    pub fn nak_all(&self) -> oneshot::Receiver<NatsResult<()>> {
        let mut subjects: Vec<((StreamKey, SeqNo), Subject)> = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        subjects.sort_by(|(a, _), (b, _)| a.1.cmp(&b.1).then_with(|| a.0.name().cmp(b.0.name())));
        for (_, subject) in subjects {
            let _ = self.sender.send(AckCommand::Nak(subject));
        }
        let (reply, receiver) = oneshot::channel();
        let _ = self.sender.send(AckCommand::Flush(reply));
        receiver
    }

    /// Waits until the server has answered every ack given before (it has processed them).
    pub async fn flush(&self) -> NatsResult<()> {
        let (reply, receiver) = oneshot::channel();
        self.sender
            .send(AckCommand::Flush(reply))
            .map_err(|_| self.ended())?;
        receiver.await.map_err(|_| self.ended())?
    }
}
