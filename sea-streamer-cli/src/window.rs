//! The in-flight window: at most `max` receipts awaited at a time, in send order. A
//! command reads input only while the window has room, and the first failed receipt ends
//! it with that error.

use crate::send::Receipt;
use anyhow::Result;
use futures::{stream::FuturesOrdered, StreamExt};
use sea_streamer_types::MessageHeader;

/// Receipts not yet resolved.
pub struct Window {
    in_flight: FuturesOrdered<Receipt>,
    max: usize,
    /// Receipts that succeeded.
    pub confirmed: u64,
}

impl Window {
    /// A window of at most `max` receipts (at least 1).
    pub fn new(max: usize) -> Self {
        Self {
            in_flight: FuturesOrdered::new(),
            max: max.max(1),
            confirmed: 0,
        }
    }

    /// Whether another receipt may be added.
    pub fn has_room(&self) -> bool {
        self.in_flight.len() < self.max
    }

    /// Whether no receipt is awaited.
    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Adds a receipt.
    pub fn push(&mut self, r: Receipt) {
        self.in_flight.push_back(r);
    }

    /// The next receipt, in send order (pending forever when empty: guard with
    /// [`Window::is_empty`] in a `select!`).
    pub async fn next(&mut self) -> Result<MessageHeader> {
        match self.in_flight.next().await {
            Some(r) => {
                let header = r?;
                self.confirmed += 1;
                Ok(header)
            }
            None => std::future::pending().await,
        }
    }
}
