//! [`Inbox`]: the messages dispatched to one consumer that it has not received yet, and,
//! when a consumer group member closes, taking back what it had not received so that the
//! group's other members get it.

use sea_streamer_types::SharedMessage;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One message dispatched to a consumer, and whether it was dealt to it as a member of its
/// group (a message dealt to one member only), as opposed to one every subscriber receives
/// (a broadcast, or any message to an ungrouped consumer).
pub(crate) type Dealt = (SharedMessage, bool);

/// The messages delivered to one consumer that are not in its channel yet.
///
/// The channel (whose receiving end makes `next()` and `stream()`) is fed one message at a
/// time by the consumer itself, when it asks for the next message; the dispatcher appends
/// whole batches here under one lock. This spares a lock handover between the two threads
/// and a wake-up per message: the dispatcher sends into the channel directly only when the
/// consumer waits on an empty inbox (or while a `stream()` is in use).
///
/// Order is kept because everything in the channel was delivered before everything here.
/// Every `next()` future is owed one message: either it moved one into the channel, or it
/// found the inbox empty and counts as waiting, and the dispatcher then sends one message
/// straight to the channel for it (so concurrent `next()` futures all get served). A
/// dropped future may leave one extra message in the channel, which is harmless: a closing
/// group member gives back what its channel still holds ([`Inbox::take_back`]).
#[derive(Debug)]
pub(crate) struct Inbox {
    state: Mutex<InboxState>,
}

#[derive(Debug)]
struct InboxState {
    queue: VecDeque<Dealt>,
    /// The only sender of the consumer's channel; dropped when the consumer is
    /// unregistered, so that its receiver ends once drained.
    sender: Option<flume::Sender<SharedMessage>>,
    /// The "dealt" flags of the last messages sent into the channel, oldest first: at
    /// least as many as the channel holds (trimmed to its length at each send), so the
    /// flags of what is still in the channel are the last ones.
    sent: VecDeque<bool>,
    /// `next()` futures that found this queue empty and are owed a message.
    waiting: usize,
    /// Deliver straight to the channel: a `stream()` reads it.
    direct: bool,
}

impl InboxState {
    /// Sends one message into the channel, remembering its flag.
    fn send(&mut self, (message, dealt): Dealt) {
        let Some(sender) = &self.sender else {
            return;
        };
        // A closed channel means its consumer is being dropped; nothing to do.
        let _ = sender.send(message);
        self.sent.push_back(dealt);
        let len = sender.len();
        while self.sent.len() > len {
            self.sent.pop_front();
        }
    }
}

impl Inbox {
    /// An inbox feeding the channel of `sender`.
    pub fn new(sender: flume::Sender<SharedMessage>) -> Self {
        Self {
            state: Mutex::new(InboxState {
                queue: VecDeque::new(),
                sender: Some(sender),
                sent: VecDeque::new(),
                waiting: 0,
                direct: false,
            }),
        }
    }

    /// Dispatcher side: delivers `messages` (in order), emptying the vector.
    pub fn deliver(&self, messages: &mut Vec<Dealt>) {
        let mut state = lock(&self.state);
        if state.sender.is_none() {
            messages.clear();
            return;
        }
        let mut messages = messages.drain(..);
        if state.direct {
            for message in messages {
                state.send(message);
            }
            return;
        }
        while state.waiting > 0 {
            let Some(message) = messages.next() else {
                break;
            };
            state.waiting -= 1;
            // Wakes the consumer.
            state.send(message);
        }
        state.queue.extend(messages);
    }

    /// Consumer side, before awaiting the channel: moves the next message into it, or
    /// records that the consumer waits. Leaves the mode of [`Inbox::stream`].
    pub fn prepare_next(&self) {
        let mut state = lock(&self.state);
        state.direct = false;
        match state.queue.pop_front() {
            Some(message) => state.send(message),
            None => state.waiting = state.waiting.saturating_add(1),
        }
    }

    /// Consumer side, for a `stream()`: everything queued and delivered from now on goes
    /// straight to the channel.
    pub fn stream(&self) {
        let mut state = lock(&self.state);
        state.direct = true;
        while let Some(message) = state.queue.pop_front() {
            state.send(message);
        }
    }

    /// Unregisters: what is queued goes to the channel, then the channel's sender is
    /// dropped, so the receiver fails once drained.
    pub fn close(&self) {
        let mut state = lock(&self.state);
        while let Some(message) = state.queue.pop_front() {
            state.send(message);
        }
        state.sender = None;
    }

    /// Unregisters a closing consumer whose channel is `receiver`: returns, in order, the
    /// messages dealt to it as a group member that it has not received (those still in
    /// its channel, then those queued here), for the group's other members. What everyone
    /// received anyway (broadcasts) is dropped. The consumer must not read meanwhile (it is
    /// being dropped).
    pub fn take_back(&self, receiver: &flume::Receiver<SharedMessage>) -> Vec<SharedMessage> {
        let mut state = lock(&self.state);
        state.sender = None;
        let in_channel: Vec<SharedMessage> = receiver.drain().collect();
        // The channel holds the last messages sent; `sent` has at least as many flags.
        let skip = state.sent.len().saturating_sub(in_channel.len());
        let flags = state
            .sent
            .iter()
            .skip(skip)
            .copied()
            .chain(std::iter::repeat(true));
        let mut back: Vec<SharedMessage> = in_channel
            .into_iter()
            .zip(flags)
            .filter_map(|(message, dealt)| dealt.then_some(message))
            .collect();
        back.extend(
            state
                .queue
                .drain(..)
                .filter_map(|(message, dealt)| dealt.then_some(message)),
        );
        state.sent.clear();
        back
    }

    /// Receives everything available without waiting, as `next()` would (tests).
    #[cfg(test)]
    pub fn drain(&self, receiver: &flume::Receiver<SharedMessage>) -> Vec<SharedMessage> {
        let mut out = Vec::new();
        loop {
            self.prepare_next();
            match receiver.try_recv() {
                Ok(message) => out.push(message),
                Err(_) => return out,
            }
        }
    }
}
