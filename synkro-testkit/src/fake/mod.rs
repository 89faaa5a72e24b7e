//! In-memory fakes of the ports over a [`Dataset`](crate::data::Dataset): sources that page,
//! filter and fail like real ones and log every request, a scripted analyzer and a recording
//! notifier; and fake amoCRM and Radist HTTP servers for the adapters' tests.

pub mod amocrm_server;
mod analyzer;
mod crm;
mod log;
mod messenger;
mod notifier;
pub mod radist_server;

pub use analyzer::FakeAnalyzer;
pub use crm::FakeCrm;
pub use log::{Fault, Request};
pub use messenger::FakeMessenger;
pub use notifier::RecordingNotifier;

use synkro_core::source::{Cursor, Page};

/// Serves `items[offset..offset + size]` with an offset cursor, like a paged API.
pub(crate) fn page_of<T: Clone>(items: &[T], cursor: Option<&Cursor>, size: usize) -> Page<T> {
    let offset: usize = cursor.and_then(|c| c.as_str().parse().ok()).unwrap_or(0);
    let size = size.max(1);
    let end = (offset + size).min(items.len());
    let slice = items.get(offset..end).unwrap_or(&[]);
    let next = (end < items.len()).then(|| Cursor::new(end.to_string()));
    Page {
        items: slice.to_vec(),
        next,
    }
}
