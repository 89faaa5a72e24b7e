//! [`UntilPager`]: reading a chat's messages backwards with `until`, every message of a window
//! exactly once, whether the server's `until` is inclusive or exclusive.
//!
//! Radist answers `GET …/messaging/messages/?chat_id=…&limit=…&until=T` with the newest `limit`
//! messages created at or before `T` (newest first); whether `T` itself is included is not
//! documented. The pager asks the next page with `until` = the oldest time on the page **plus
//! 1 ms**: the pages overlap a little, messages sharing the boundary instant are never skipped
//! under either reading, and the overlap is removed by message id (the cursor carries the ids
//! seen at the boundary). When a whole page sits inside that millisecond it falls back to the
//! exact instant, and only when more than `limit` messages share one instant under an inclusive
//! server does it step 1 ms back, counting a stall (some of those messages may be missed: the
//! API offers no way past them).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use synkro_core::model::Window;
use synkro_core::source::Cursor;

/// The state of one chat's backwards paging; serializable into a [`Cursor`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UntilPager {
    #[serde(rename = "w")]
    window: Window,
    #[serde(rename = "l")]
    limit: usize,
    #[serde(rename = "t", default)]
    trust_short_page: bool,
    #[serde(rename = "u")]
    until: DateTime<Utc>,
    /// Messages already returned that the next page may repeat: `(id, created_at)`.
    #[serde(rename = "s", default)]
    seen: Vec<(String, DateTime<Utc>)>,
    #[serde(rename = "d", default)]
    done: bool,
    #[serde(rename = "x", default)]
    stalls: u32,
}

/// A cursor that this crate did not write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("radist: the message cursor is not one this client wrote; restart the chat's listing")]
pub struct BadCursor;

impl UntilPager {
    /// Starts at the window's end. `limit` is the page size asked of the server; with
    /// `trust_short_page` a page shorter than `limit` ends the chat.
    #[must_use]
    pub fn new(window: Window, limit: usize, trust_short_page: bool) -> Self {
        Self {
            window,
            limit: limit.max(1),
            trust_short_page,
            until: window.end,
            seen: Vec::new(),
            done: false,
            stalls: 0,
        }
    }

    /// The `until` to send for the next page.
    #[must_use]
    pub fn until(&self) -> DateTime<Utc> {
        self.until
    }

    /// The page size to ask for.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the chat is read to the window start.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// How many times more than a page of messages shared one instant (see the module doc).
    #[must_use]
    pub fn stalls(&self) -> u32 {
        self.stalls
    }

    /// Takes one page as the server sent it (`(message_id, created_at)`, any order) and returns,
    /// per item, whether it is new and inside the window. Advances `until`, or ends the paging.
    pub fn accept<'a>(
        &mut self,
        page: impl IntoIterator<Item = (&'a str, DateTime<Utc>)>,
    ) -> Vec<bool> {
        let page: Vec<(&str, DateTime<Utc>)> = page.into_iter().collect();
        if self.done {
            return vec![false; page.len()];
        }
        let mut keep = Vec::with_capacity(page.len());
        let mut fresh = 0usize;
        let mut taken: Vec<&str> = Vec::new();
        for (id, at) in &page {
            let new = !self.seen.iter().any(|(s, _)| s == id) && !taken.contains(id);
            if new {
                fresh += 1;
                taken.push(id);
            }
            keep.push(new && self.window.contains(*at));
        }
        let Some(oldest) = page.iter().map(|(_, at)| *at).min() else {
            self.done = true;
            return keep;
        };
        let short = page.len() < self.limit;
        if oldest < self.window.start || (short && (fresh == 0 || self.trust_short_page)) {
            self.done = true;
            self.seen.clear();
            return keep;
        }
        let next = if oldest + Duration::milliseconds(1) < self.until {
            oldest + Duration::milliseconds(1)
        } else if oldest < self.until {
            oldest
        } else if short {
            // Nothing older than the instant the page ends at: the chat is read.
            self.done = true;
            self.seen.clear();
            return keep;
        } else {
            self.stalls += 1;
            tracing::warn!(
                at = %oldest,
                limit = self.limit,
                "radist: more than a page of messages share one instant; stepping back 1 ms, \
                 some of them may be missed"
            );
            oldest - Duration::milliseconds(1)
        };
        let mut seen: Vec<(String, DateTime<Utc>)> = std::mem::take(&mut self.seen)
            .into_iter()
            .filter(|(_, at)| *at <= next)
            .collect();
        for (id, at) in &page {
            if *at <= next && !seen.iter().any(|(s, _)| s == id) {
                seen.push(((*id).to_owned(), *at));
            }
        }
        self.seen = seen;
        self.until = next;
        keep
    }

    /// The position as an opaque cursor, `None` when done.
    #[must_use]
    pub fn to_cursor(&self) -> Option<Cursor> {
        if self.done {
            return None;
        }
        serde_json::to_string(self)
            .ok()
            .map(|s| Cursor::new(format!("m1:{s}")))
    }

    /// Reads a cursor written by [`to_cursor`](Self::to_cursor).
    ///
    /// # Errors
    /// [`BadCursor`] for anything else.
    pub fn from_cursor(cursor: &Cursor) -> Result<Self, BadCursor> {
        let json = cursor.as_str().strip_prefix("m1:").ok_or(BadCursor)?;
        serde_json::from_str(json).map_err(|_| BadCursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_000_000 + s, 0).unwrap()
    }

    #[test]
    fn a_short_page_of_repeats_ends_and_the_cursor_round_trips() {
        let w = Window::new(at(0), at(100)).unwrap();
        let mut p = UntilPager::new(w, 2, false);
        assert_eq!(p.until(), at(100));
        assert_eq!(p.accept([("b", at(50)), ("a", at(40))]), [true, true]);
        assert_eq!(p.until(), at(40) + Duration::milliseconds(1));
        let c = p.to_cursor().unwrap();
        let mut p = UntilPager::from_cursor(&c).unwrap();
        assert_eq!(p.accept([("a", at(40))]), [false]);
        assert!(p.is_done() && p.to_cursor().is_none());
        assert_eq!(UntilPager::from_cursor(&Cursor::new("x")), Err(BadCursor));
    }

    #[test]
    fn a_page_older_than_the_window_ends_it_and_out_of_window_items_are_dropped() {
        let w = Window::new(at(10), at(100)).unwrap();
        let mut p = UntilPager::new(w, 3, false);
        assert_eq!(
            p.accept([("c", at(100)), ("b", at(20)), ("a", at(5))]),
            [false, true, false]
        );
        assert!(p.is_done());
    }
}
