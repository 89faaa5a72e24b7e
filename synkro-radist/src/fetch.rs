//! Reading a whole window: the chat listing to its end, the messages of every active chat in
//! parallel (within the rate limits), and a sync cursor that makes the next run incremental.

use chrono::{DateTime, Utc};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use synkro_core::error::SourceError;
use synkro_core::model::{Chat, Message, Window};

use crate::client::RadistClient;
use crate::convert::parse_chat_id;
use crate::paging::UntilPager;

/// Where the previous run stopped: the newest message time it saw. Store it between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCursor {
    /// Newest `last_message.created_at` seen.
    pub watermark: DateTime<Utc>,
}

/// What a [`RadistClient::fetch`] read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fetched {
    /// Chats of the wanted channels active in the window (all of them, changed or not).
    pub chats: Vec<Chat>,
    /// Messages in the window (only of changed chats on an incremental run), sorted by chat,
    /// time and id.
    pub messages: Vec<Message>,
    /// Pass it to the next run.
    pub cursor: Option<SyncCursor>,
    /// Chats skipped because nothing happened since the cursor.
    pub unchanged_chats: usize,
    /// Chats of other channels left out.
    pub skipped_other_channels: usize,
    /// Times more than a page of messages shared one instant (see [`UntilPager`]).
    pub stalls: u32,
}

impl RadistClient {
    /// Reads `window`: scans the whole chat listing (Radist cannot filter or order it by
    /// activity), keeps chats of the wanted channels whose last message is in or after the window
    /// start and, with `since`, after the previous run's watermark, and reads their messages with
    /// up to `concurrency` chats at once.
    ///
    /// # Errors
    /// The first [`SourceError`] of any request; nothing is returned partially.
    pub async fn fetch(
        &self,
        window: Window,
        since: Option<SyncCursor>,
    ) -> Result<Fetched, SourceError> {
        let (tx, rx) = mpsc::channel::<Chat>(1024);
        let lister = async move {
            let mut tx = tx;
            let mut cursor: Option<String> = None;
            let mut all = Vec::new();
            let (mut unchanged, mut other) = (0usize, 0usize);
            loop {
                let page = self.chat_page(cursor.as_deref()).await?;
                other += page.skipped_other_channels;
                for chat in page.chats {
                    let active = chat.last_message_at.is_some_and(|t| t >= window.start);
                    let changed = match (since, chat.last_message_at) {
                        (Some(s), Some(t)) => t >= s.watermark,
                        (Some(_), None) => false,
                        (None, _) => true,
                    };
                    if active && changed {
                        if tx.send(chat.clone()).await.is_err() {
                            // The reader stopped on an error, which the fetch returns; listing
                            // further would only spend requests.
                            return Ok((all, unchanged, other));
                        }
                    } else if active {
                        unchanged += 1;
                    }
                    if active {
                        all.push(chat);
                    }
                }
                match page.next_cursor {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
            drop(tx);
            Ok::<_, SourceError>((all, unchanged, other))
        };
        let reader = rx
            .map(|chat| async move {
                let since_start = since.map_or(window.start, |s| s.watermark.max(window.start));
                let range = Window {
                    start: since_start,
                    end: window.end,
                };
                self.chat_messages(&chat, range).await
            })
            .buffer_unordered(self.inner.concurrency)
            .try_fold(
                (Vec::new(), 0u32),
                |(mut acc, stalls), (msgs, s)| async move {
                    acc.extend(msgs);
                    Ok((acc, stalls + s))
                },
            );
        let (listed, read) = futures::join!(lister, reader);
        let (chats, unchanged_chats, skipped_other_channels) = listed?;
        let (mut messages, stalls) = read?;
        messages
            .sort_by(|a, b| (&a.chat, a.created_at, &a.id).cmp(&(&b.chat, b.created_at, &b.id)));
        let watermark = chats
            .iter()
            .filter_map(|c| c.last_message_at)
            .max()
            .map(|w| since.map_or(w, |s| w.max(s.watermark)))
            .or(since.map(|s| s.watermark));
        Ok(Fetched {
            chats,
            messages,
            cursor: watermark.map(|watermark| SyncCursor { watermark }),
            unchanged_chats,
            skipped_other_channels,
            stalls,
        })
    }

    /// Every message of `chat` created in `range`, de-duplicated, oldest first.
    ///
    /// # Errors
    /// [`SourceError`]; `Other` for a chat id this client did not make.
    pub async fn chat_messages(
        &self,
        chat: &Chat,
        range: Window,
    ) -> Result<(Vec<Message>, u32), SourceError> {
        let (conn, id) = parse_chat_id(&chat.id).ok_or_else(|| foreign_chat(chat))?;
        let mut pager = UntilPager::new(
            range,
            self.inner.page_size as usize,
            self.inner.trust_short_page,
        );
        let mut out = Vec::new();
        while !pager.is_done() {
            out.extend(self.message_page(conn, id, &mut pager).await?);
        }
        out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok((out, pager.stalls()))
    }
}

fn foreign_chat(chat: &Chat) -> SourceError {
    SourceError::Other {
        backend: crate::error::BACKEND,
        operation: "GET /companies/{company_id}/messaging/messages/".into(),
        source: format!(
            "chat id `{}` is not a Radist chat id (`<connection_id>:<chat_id>`)",
            chat.id
        )
        .into(),
    }
}
