//! The read endpoints, one method each, and the connection check.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use synkro_core::error::SourceError;
use synkro_core::model::{Channel, Chat, Message, Window};

use crate::client::{RadistClient, channel_of};
use crate::convert;
use crate::dto;
use crate::error::BACKEND;
use crate::paging::UntilPager;

/// Scopes the key needs for a sync.
pub const REQUIRED_SCOPES: [&str; 2] = ["messaging", "connections"];

/// One page of the chat listing, converted, with the server's next cursor.
#[derive(Debug, Clone)]
pub struct ChatPage {
    /// Chats of the wanted channels on this page.
    pub chats: Vec<Chat>,
    /// Chats on the page that were left out (other channels).
    pub skipped_other_channels: usize,
    /// The server cursor of the next page; `None` at the end.
    pub next_cursor: Option<String>,
}

/// What the connection check found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionReport {
    /// The company.
    pub company: dto::Company,
    /// The key's scopes.
    pub scopes: Vec<String>,
    /// The messenger channels the client will read (after the channel filter).
    pub sources: Vec<dto::ChatSource>,
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl RadistClient {
    fn company_path(&self, rest: &str) -> String {
        format!("companies/{}/{rest}", self.inner.company_id)
    }

    /// `GET /users/me`: the key's user, scopes and companies.
    ///
    /// # Errors
    /// [`SourceError`]; `Unauthenticated` for a refused key.
    pub async fn me(&self) -> Result<dto::User, SourceError> {
        self.get("/users/me", "users/me", &[]).await
    }

    /// `GET /companies/`, every page.
    ///
    /// # Errors
    /// [`SourceError`].
    pub async fn companies(&self) -> Result<Vec<dto::Company>, SourceError> {
        let mut out = Vec::new();
        loop {
            let page: dto::CompaniesOut = self
                .get(
                    "/companies/",
                    "companies/",
                    &[("limit", "100".into()), ("offset", out.len().to_string())],
                )
                .await?;
            let n = page.companies.len();
            out.extend(page.companies);
            let total = page.count.and_then(|c| usize::try_from(c).ok());
            if n == 0 || total.is_some_and(|t| out.len() >= t) || (total.is_none() && n < 100) {
                return Ok(out);
            }
        }
    }

    /// `GET /companies/{company_id}`.
    ///
    /// # Errors
    /// [`SourceError`]; `NotFound` for a wrong company id.
    pub async fn company(&self) -> Result<dto::Company, SourceError> {
        let path = format!("companies/{}", self.inner.company_id);
        self.get("/companies/{company_id}", &path, &[]).await
    }

    /// `GET …/messaging/chats/sources/`: every messenger channel of the company.
    ///
    /// # Errors
    /// [`SourceError`].
    pub async fn chat_sources(&self) -> Result<Vec<dto::ChatSource>, SourceError> {
        self.get(
            "/companies/{company_id}/messaging/chats/sources/",
            &self.company_path("messaging/chats/sources/"),
            &[],
        )
        .await
    }

    /// `GET …/connections/`, every page, optionally of some types only (`whatsapp`, `waba`, …).
    ///
    /// # Errors
    /// [`SourceError`].
    pub async fn connections(&self, types: &[&str]) -> Result<Vec<dto::Connection>, SourceError> {
        let mut out = Vec::new();
        loop {
            let mut q = vec![
                ("limit", "100".to_owned()),
                ("offset", out.len().to_string()),
            ];
            q.extend(types.iter().map(|t| ("types", (*t).to_owned())));
            let page: dto::ConnectionsOut = self
                .get(
                    "/companies/{company_id}/connections/",
                    &self.company_path("connections/"),
                    &q,
                )
                .await?;
            let n = page.connections.len();
            out.extend(page.connections);
            let total = page.count.and_then(|c| usize::try_from(c).ok());
            if n == 0 || total.is_some_and(|t| out.len() >= t) || (total.is_none() && n < 100) {
                return Ok(out);
            }
        }
    }

    /// `GET …/connections/{id}/stats/total`: message totals of a connection in `window`, for
    /// cross-checking a sync.
    ///
    /// # Errors
    /// [`SourceError`].
    pub async fn connection_totals(
        &self,
        connection_id: i64,
        window: Window,
    ) -> Result<dto::Totals, SourceError> {
        let s: dto::MessagesStats = self
            .get(
                "/companies/{company_id}/connections/{connection_id}/stats/total",
                &self.company_path(&format!("connections/{connection_id}/stats/total")),
                &[
                    ("since", rfc3339(window.start)),
                    ("until", rfc3339(window.end)),
                ],
            )
            .await?;
        Ok(s.stats)
    }

    /// The wanted channels (cached after the first call): connection id → channel.
    ///
    /// # Errors
    /// [`SourceError`] from the chat sources request.
    pub async fn wanted_connections(&self) -> Result<HashMap<i64, Channel>, SourceError> {
        let sources = self
            .inner
            .sources
            .get_or_try_init(|| self.chat_sources())
            .await?;
        Ok(sources
            .iter()
            .map(|s| (s.connection_id, channel_of(&s.kind)))
            .filter(|(_, ch)| self.inner.channels.contains(ch))
            .collect())
    }

    pub(crate) async fn channel_of_connection(
        &self,
        connection_id: i64,
    ) -> Result<Channel, SourceError> {
        let sources = self
            .inner
            .sources
            .get_or_try_init(|| self.chat_sources())
            .await?;
        Ok(sources
            .iter()
            .find(|s| s.connection_id == connection_id)
            .map_or(Channel::Other, |s| channel_of(&s.kind)))
    }

    /// One page of `GET …/messaging/chats/with_contacts/` (`cursor` omitted on the first page),
    /// keeping the chats of the wanted channels.
    ///
    /// # Errors
    /// [`SourceError`].
    pub async fn chat_page(&self, cursor: Option<&str>) -> Result<ChatPage, SourceError> {
        let wanted = self.wanted_connections().await?;
        let mut q = vec![("limit", self.inner.page_size.to_string())];
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            q.push(("cursor", c.to_owned()));
        }
        let page: dto::ContactsWithChats = self
            .get(
                "/companies/{company_id}/messaging/chats/with_contacts/",
                &self.company_path("messaging/chats/with_contacts/"),
                &q,
            )
            .await?;
        let mut chats = Vec::new();
        let mut skipped = 0;
        for contact in &page.data {
            for c in &contact.chats {
                match wanted.get(&c.connection_id) {
                    Some(ch) => chats.push(convert::chat(contact, c, *ch)),
                    None => skipped += 1,
                }
            }
        }
        let next_cursor = page
            .response_metadata
            .and_then(|m| m.next_cursor)
            .filter(|c| !c.is_empty());
        if next_cursor.as_deref().is_some_and(|n| Some(n) == cursor) {
            return Err(SourceError::Other {
                backend: BACKEND,
                operation: "GET /companies/{company_id}/messaging/chats/with_contacts/".into(),
                source: "the server returned the same cursor again; stopping to avoid a loop"
                    .into(),
            });
        }
        Ok(ChatPage {
            chats,
            skipped_other_channels: skipped,
            next_cursor,
        })
    }

    /// One page of `GET …/messaging/messages/` for the numeric Radist `chat_id`, advancing
    /// `pager`; returns the new messages of the pager's window.
    ///
    /// # Errors
    /// [`SourceError`].
    pub async fn message_page(
        &self,
        connection_id: i64,
        chat_id: i64,
        pager: &mut UntilPager,
    ) -> Result<Vec<Message>, SourceError> {
        let channel = self.channel_of_connection(connection_id).await?;
        let raw: Vec<dto::Message> = self
            .get(
                "/companies/{company_id}/messaging/messages/",
                &self.company_path("messaging/messages/"),
                &[
                    ("chat_id", chat_id.to_string()),
                    ("limit", pager.limit().to_string()),
                    ("until", rfc3339(pager.until())),
                ],
            )
            .await?;
        let keep = pager.accept(raw.iter().map(|m| (m.message_id.as_str(), m.created_at.at)));
        let id = convert::chat_id(connection_id, chat_id);
        Ok(raw
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(m, _)| convert::message(m, &id, channel))
            .collect())
    }

    /// Checks that the key works for this company, with a message a user can act on: a refused
    /// key, missing scopes, a company the key cannot see, no messenger channel.
    ///
    /// # Errors
    /// [`SourceError::Unauthenticated`], [`SourceError::Forbidden`] (scopes), [`SourceError::NotFound`]
    /// (company id), or a transport error.
    pub async fn check(&self) -> Result<ConnectionReport, SourceError> {
        let me = self.me().await?;
        let missing: Vec<&str> = REQUIRED_SCOPES
            .iter()
            .copied()
            .filter(|s| !me.scopes.iter().any(|have| have == s))
            .collect();
        if !missing.is_empty() {
            return Err(SourceError::Forbidden {
                backend: BACKEND,
                operation: "GET /users/me".into(),
                reason: format!(
                    "the API key lacks the scope(s) {}; create a key with the `messaging` and \
                     `connections` scopes in Radist (Settings → API)",
                    missing.join(", ")
                ),
            });
        }
        if !me.companies.is_empty() && !me.companies.contains(&self.inner.company_id) {
            return Err(SourceError::Forbidden {
                backend: BACKEND,
                operation: "GET /users/me".into(),
                reason: format!(
                    "company {} is not accessible with this key (it can read {:?}); check the \
                     company id",
                    self.inner.company_id, me.companies
                ),
            });
        }
        let company = self.company().await?;
        let wanted = self.wanted_connections().await?;
        let sources = self
            .inner
            .sources
            .get()
            .map(|s| {
                s.iter()
                    .filter(|s| wanted.contains_key(&s.connection_id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(ConnectionReport {
            company,
            scopes: me.scopes,
            sources,
        })
    }
}
