//! Listings as streams. The end of a listing is a page without `_links.next`, or HTTP 204 —
//! never a short page. While pages come back full and their `next` links follow the plain
//! `page=n+1` pattern, the next pages are requested ahead (up to the client's concurrency), so a
//! long listing runs at the rate limit rather than at round-trip latency; any deviation (a short
//! page with a `next`, a link of another shape) falls back to following the links one by one.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;

use futures::stream::{FuturesOrdered, Stream, StreamExt};
use synkro_core::error::ConfigError;
use url::Url;

use crate::client::AmoCrmClient;
use crate::dto::{Envelope, PageItems};
use crate::error::Failure;
use crate::host;

/// One page: its items and the checked link to the next one.
pub(crate) struct PageOut<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next: Option<Url>,
}

/// What a listing reads.
#[derive(Debug, Clone)]
pub(crate) struct Listing {
    /// Path under the host, e.g. `/api/v4/leads`.
    pub(crate) path: String,
    /// Filters, without `page`.
    pub(crate) query: Vec<(String, String)>,
    /// The page size asked for.
    pub(crate) limit: u32,
}

impl Listing {
    pub(crate) fn new(path: impl Into<String>, query: Vec<(String, String)>, limit: u32) -> Self {
        Self {
            path: path.into(),
            query,
            limit,
        }
    }

    pub(crate) fn operation(&self) -> String {
        format!("GET {}", self.path)
    }
}

/// Key of an entity for de-duplication across pages.
pub(crate) trait Keyed {
    fn key(&self) -> String;
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Option<PageOut<T>>, Failure>> + Send>>;

fn same_page(a: &Url, b: &Url) -> bool {
    let pairs = |u: &Url| {
        let mut v: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        v.sort();
        v
    };
    a.path() == b.path() && pairs(a) == pairs(b)
}

impl AmoCrmClient {
    /// The URL of `path` with `query` on the account host.
    pub(crate) fn url(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut url = self.inner.t.base.clone();
        url.set_path(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn page_url(&self, l: &Listing, page: u32) -> Url {
        let mut q = l.query.clone();
        q.push(("limit".into(), l.limit.to_string()));
        q.push(("page".into(), page.to_string()));
        self.url(&l.path, &q)
    }

    /// The URL of a listing's first page.
    pub(crate) fn first_page_url(&self, l: &Listing) -> Url {
        self.page_url(l, 1)
    }

    /// Checks a link the server (or a cursor) gave.
    pub(crate) fn checked_link(&self, href: &str) -> Result<Url, Failure> {
        host::checked_link(&self.inner.t.base, href).map_err(Failure::Invalid)
    }

    /// Fetches one page; `Ok(None)` for 204.
    pub(crate) async fn fetch_page<P: PageItems>(
        &self,
        url: &Url,
        operation: &str,
    ) -> Result<Option<PageOut<P::Item>>, Failure> {
        let Some(env) = self.inner.t.get_json::<Envelope<P>>(url, operation).await? else {
            return Ok(None);
        };
        let next = match env.links.next {
            Some(h) if !h.href.is_empty() => Some(self.checked_link(&h.href)?),
            _ => None,
        };
        Ok(Some(PageOut {
            items: env.embedded.into_items(),
            next,
        }))
    }

    fn page_future<P: PageItems>(&self, url: Url, operation: String) -> PageFuture<P::Item> {
        let client = self.clone();
        Box::pin(async move { client.fetch_page::<P>(&url, &operation).await })
    }

    /// Every page of a listing, items de-duplicated by id, in order.
    pub(crate) fn list<P>(
        &self,
        listing: Listing,
    ) -> impl Stream<Item = Result<Vec<P::Item>, Failure>> + Send + use<P>
    where
        P: PageItems,
        P::Item: Keyed,
    {
        struct State<T> {
            client: AmoCrmClient,
            listing: Listing,
            operation: String,
            inflight: FuturesOrdered<PageFuture<T>>,
            urls: VecDeque<Url>,
            next_page: u32,
            speculate: bool,
            pages: usize,
            seen: HashSet<String>,
            done: bool,
        }
        let first = self.first_page_url(&listing);
        let operation = listing.operation();
        let mut inflight = FuturesOrdered::new();
        inflight.push_back(self.page_future::<P>(first.clone(), operation.clone()));
        let state = State::<P::Item> {
            client: self.clone(),
            listing,
            operation,
            inflight,
            urls: VecDeque::from([first]),
            next_page: 2,
            speculate: true,
            pages: 0,
            seen: HashSet::new(),
            done: false,
        };
        futures::stream::unfold(state, |mut s| async move {
            if s.done {
                return None;
            }
            let result = s.inflight.next().await?;
            s.urls.pop_front();
            let page = match result {
                Err(f) => {
                    s.done = true;
                    return Some((Err(f), s));
                }
                Ok(None) => return None,
                Ok(Some(p)) => p,
            };
            s.pages += 1;
            if s.pages > s.client.inner.max_pages {
                s.done = true;
                let err = Failure::Invalid(ConfigError::invalid(
                    "max_pages",
                    format!(
                        "{} took more than {} pages; narrow the filter or raise max_pages \
                         (nothing was silently dropped)",
                        s.operation, s.client.inner.max_pages
                    ),
                ));
                return Some((Err(err), s));
            }
            match page.next {
                None => s.done = true,
                Some(next) => {
                    let full = page.items.len() >= s.listing.limit as usize;
                    let predicted = s
                        .urls
                        .front()
                        .cloned()
                        .unwrap_or_else(|| s.client.page_url(&s.listing, s.next_page));
                    if s.speculate && full && same_page(&predicted, &next) {
                        while s.inflight.len() < s.client.inner.concurrency {
                            let url = s.client.page_url(&s.listing, s.next_page);
                            s.next_page += 1;
                            s.inflight.push_back(
                                s.client.page_future::<P>(url.clone(), s.operation.clone()),
                            );
                            s.urls.push_back(url);
                        }
                    } else {
                        // Follow the server's link, one page at a time, from here on.
                        s.speculate = false;
                        s.inflight = FuturesOrdered::new();
                        s.urls.clear();
                        s.inflight.push_back(
                            s.client.page_future::<P>(next.clone(), s.operation.clone()),
                        );
                        s.urls.push_back(next);
                    }
                }
            }
            let items: Vec<P::Item> = page
                .items
                .into_iter()
                .filter(|i| s.seen.insert(i.key()))
                .collect();
            Some((Ok(items), s))
        })
    }
}

impl Keyed for crate::dto::Lead {
    fn key(&self) -> String {
        self.id.to_string()
    }
}
impl Keyed for crate::dto::Contact {
    fn key(&self) -> String {
        self.id.to_string()
    }
}
impl Keyed for crate::dto::User {
    fn key(&self) -> String {
        self.id.to_string()
    }
}
impl Keyed for crate::dto::Pipeline {
    fn key(&self) -> String {
        self.id.to_string()
    }
}
impl Keyed for crate::dto::Note {
    fn key(&self) -> String {
        self.id.to_string()
    }
}
impl Keyed for crate::dto::Event {
    fn key(&self) -> String {
        self.id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_compare_by_path_and_decoded_query() {
        let a =
            Url::parse("https://a.amocrm.ru/api/v4/leads?filter%5Bid%5D%5B%5D=1&limit=250&page=2")
                .unwrap();
        let b =
            Url::parse("https://a.amocrm.ru/api/v4/leads?page=2&limit=250&filter[id][]=1").unwrap();
        let c =
            Url::parse("https://a.amocrm.ru/api/v4/leads?page=3&limit=250&filter[id][]=1").unwrap();
        assert!(same_page(&a, &b));
        assert!(!same_page(&a, &c));
    }
}
