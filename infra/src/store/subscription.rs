//! Catch-up-then-live subscriptions, the same for every store.
//!
//! A subscriber pages through the log from its position and, when it has read everything,
//! waits for the store's head to move. It marks the head as seen *before* each read, so a
//! commit that lands during the read wakes it again: no event is missed at the switch from
//! catch-up to live, and since it reads by position it never sees one twice.

use futures::stream::BoxStream;
use hotline_domain::EventEnvelope;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{Scope, SharedEventStore, StoreResult};

const PAGE_SIZE: usize = 512;

/// Every event of `scope` after `after_position`, in position order, until the stream is
/// dropped. A read error ends the stream after it is yielded.
pub fn subscribe(
    store: SharedEventStore,
    scope: Scope,
    after_position: u64,
) -> BoxStream<'static, StoreResult<EventEnvelope>> {
    let (sender, receiver) = mpsc::channel(PAGE_SIZE);
    tokio::spawn(async move {
        let mut head = store.head();
        let mut cursor = after_position;
        loop {
            head.borrow_and_update();
            let page = match store.read_all(scope, cursor, PAGE_SIZE).await {
                Ok(page) => page,
                Err(error) => {
                    let _ = sender.send(Err(error)).await;
                    return;
                }
            };
            let caught_up = page.len() < PAGE_SIZE;
            for envelope in page {
                cursor = envelope.global_position;
                if sender.send(Ok(envelope)).await.is_err() {
                    return;
                }
            }
            if caught_up {
                tokio::select! {
                    changed = head.changed() => if changed.is_err() { return },
                    () = sender.closed() => return,
                }
            }
        }
    });
    Box::pin(ReceiverStream::new(receiver))
}
