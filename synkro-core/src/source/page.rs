use std::future::Future;

use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::error::SourceError;

/// An opaque position in a listing: a page URL, a server cursor or an `until` instant. Only the
/// adapter that made it can read it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

impl Cursor {
    /// Wraps an adapter's position.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The position as the adapter wrote it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a listing. `next == None` ends the listing; a short or empty page does not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next page starts, or `None` at the end.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// The last page.
    #[must_use]
    pub fn last(items: Vec<T>) -> Self {
        Self { items, next: None }
    }
}

/// Turns a page-fetching function into a stream of pages that ends when a page has no `next`.
/// An error is yielded once and ends the stream.
pub fn paginate<'a, T, F, Fut>(
    mut fetch: F,
) -> impl Stream<Item = Result<Page<T>, SourceError>> + Send + 'a
where
    T: Send + 'a,
    F: FnMut(Option<Cursor>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T>, SourceError>> + Send + 'a,
{
    enum State {
        Start,
        Next(Cursor),
        Done,
    }
    futures::stream::unfold(State::Start, move |state| {
        let fut = match state {
            State::Done => None,
            State::Start => Some(fetch(None)),
            State::Next(c) => Some(fetch(Some(c))),
        };
        async move {
            let page = fut?.await;
            Some(match page {
                Ok(page) => {
                    let next = page.next.clone().map_or(State::Done, State::Next);
                    (Ok(page), next)
                }
                Err(e) => (Err(e), State::Done),
            })
        }
    })
}
