use std::fmt;

use async_trait::async_trait;
use futures::{Stream, StreamExt, TryStreamExt};

use crate::error::SourceError;
use crate::model::{
    Call, Contact, CrmActivity, Deal, DeletedDeal, Manager, ResponsibleChange, SalesPipeline,
    StageChange,
};
use crate::source::{
    ActivityQuery, ContactQuery, CrmCapabilities, Cursor, DealQuery, Page, paginate,
};

/// Read-only access to one CRM account.
///
/// # Contract
/// - **Read-only by construction**: no method changes CRM data, and implementations must not send
///   any request that writes (an OAuth token exchange is the one allowed POST).
/// - Each `fetch_*` call is one upstream request (plus the adapter's retries).
/// - A listing ends only when a page's `next` is `None`; an empty or short page with a `next` is
///   not the end. Pages of one listing contain no duplicates.
/// - `page` is `None` for the first page, else a cursor this source returned.
/// - Filters are honoured; an implementation that cannot filter returns a superset and says so in
///   its docs.
/// - Errors are classified into [`SourceError`] variants; `RateLimited` and `Unavailable` are
///   returned only after the adapter's own retry budget is spent.
///
/// # Errors
/// Every method returns [`SourceError`]: `Unauthenticated` and `Forbidden` for credential or
/// account problems, `NotFound` for a wrong account, `RateLimited`/`Unavailable` when retries are
/// spent, `Decode` for malformed payloads, `Unsupported` when [`capabilities`](Self::capabilities)
/// says the data does not exist.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait CrmSource: Send + Sync + fmt::Debug {
    /// Backend name, e.g. `amocrm`; also the source name under which data is stored.
    fn backend(&self) -> &'static str;

    /// What the engine may rely on.
    fn capabilities(&self) -> CrmCapabilities;

    /// Every sales pipeline with its stages in order.
    async fn fetch_sales_pipelines(&self) -> Result<Vec<SalesPipeline>, SourceError>;

    /// Every CRM user.
    async fn fetch_managers(&self) -> Result<Vec<Manager>, SourceError>;

    /// One page of deals matching `q`, with their contact ids. Deals deleted in the CRM are not
    /// listed here (see [`fetch_deleted_deals`](Self::fetch_deleted_deals)).
    async fn fetch_deals<'a>(
        &self,
        q: &DealQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Deal>, SourceError>;

    /// One page of contacts matching `q`. With `q.ids`, the source batches ids into as few requests
    /// as its page size allows.
    async fn fetch_contacts<'a>(
        &self,
        q: &ContactQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Contact>, SourceError>;

    /// One page of calls started in `q.range`. Needs `capabilities().calls`.
    async fn fetch_calls<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Call>, SourceError>;

    /// One page of stage changes in `q.range`. Needs `capabilities().stage_changes`.
    async fn fetch_stage_changes<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<StageChange>, SourceError>;

    /// One page of responsible changes in `q.range`. Needs `capabilities().responsible_changes`.
    async fn fetch_responsible_changes<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<ResponsibleChange>, SourceError>;

    /// One page of [`CrmActivity`] records (chat-message events, closed conversations, manual
    /// notes) in `q.range`. Needs `capabilities().activities`; the default answers
    /// [`SourceError::Unsupported`], so sources written before activities existed keep compiling.
    async fn fetch_activities<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<CrmActivity>, SourceError> {
        let _ = (q, page);
        Err(SourceError::Unsupported {
            backend: self.backend(),
            operation: "fetch_activities".to_owned(),
        })
    }

    /// One page of the deals deleted in the CRM (and still restorable there) matching `q`: by
    /// id, and with `q.updated` by the update time of the deletion, in the same paging as
    /// [`fetch_deals`](Self::fetch_deals). Needs `capabilities().deleted_deals`; the default
    /// answers [`SourceError::Unsupported`], so sources written before deletions were tracked
    /// keep compiling. A restored deal is listed again by `fetch_deals`, never here.
    async fn fetch_deleted_deals<'a>(
        &self,
        q: &DealQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<DeletedDeal>, SourceError> {
        let _ = (q, page);
        Err(SourceError::Unsupported {
            backend: self.backend(),
            operation: "fetch_deleted_deals".to_owned(),
        })
    }
}

/// Streams over [`CrmSource`] listings. Blanket-implemented; do not implement it.
pub trait CrmSourceExt: CrmSource {
    /// Every page of deals matching `q`.
    fn deal_pages(
        &self,
        q: DealQuery,
    ) -> impl Stream<Item = Result<Page<Deal>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_deals(&q, c.as_ref()).await }
        })
    }

    /// Every deal matching `q`.
    fn deals(&self, q: DealQuery) -> impl Stream<Item = Result<Deal, SourceError>> + Send + '_ {
        self.deal_pages(q)
            .map_ok(|p| futures::stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// Every page of deleted deals matching `q`.
    fn deleted_deal_pages(
        &self,
        q: DealQuery,
    ) -> impl Stream<Item = Result<Page<DeletedDeal>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_deleted_deals(&q, c.as_ref()).await }
        })
    }

    /// Every page of contacts matching `q`.
    fn contact_pages(
        &self,
        q: ContactQuery,
    ) -> impl Stream<Item = Result<Page<Contact>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_contacts(&q, c.as_ref()).await }
        })
    }

    /// Every page of calls in `q.range`.
    fn call_pages(
        &self,
        q: ActivityQuery,
    ) -> impl Stream<Item = Result<Page<Call>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_calls(&q, c.as_ref()).await }
        })
    }

    /// Every page of stage changes in `q.range`.
    fn stage_change_pages(
        &self,
        q: ActivityQuery,
    ) -> impl Stream<Item = Result<Page<StageChange>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_stage_changes(&q, c.as_ref()).await }
        })
    }

    /// Every page of responsible changes in `q.range`.
    fn responsible_change_pages(
        &self,
        q: ActivityQuery,
    ) -> impl Stream<Item = Result<Page<ResponsibleChange>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_responsible_changes(&q, c.as_ref()).await }
        })
    }

    /// Every page of CRM activities in `q.range`.
    fn activity_pages(
        &self,
        q: ActivityQuery,
    ) -> impl Stream<Item = Result<Page<CrmActivity>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_activities(&q, c.as_ref()).await }
        })
    }
}

impl<T: CrmSource + ?Sized> CrmSourceExt for T {}

/// Ensures the trait stays usable as `dyn`.
#[allow(dead_code)]
fn _assert_crm_ext_on_dyn(
    s: &dyn CrmSource,
) -> impl Stream<Item = Result<Deal, SourceError>> + Send + '_ {
    s.deals(DealQuery::default()).boxed()
}
