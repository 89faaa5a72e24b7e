use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use synkro_core::error::SourceError;
use synkro_core::model::{
    Call, Contact, CrmActivity, Deal, DeletedDeal, Manager, ResponsibleChange, SalesPipeline,
    StageChange,
};
use synkro_core::source::{
    ActivityQuery, ContactQuery, CrmCapabilities, CrmSource, Cursor, DealQuery, Page,
};

use crate::data::Dataset;
use crate::fake::log::{FaultPlan, Recorder};
use crate::fake::{Fault, Request, page_of};

/// A CRM over a dataset: deals by update time (ascending; deleted deals only in
/// [`fetch_deleted_deals`](CrmSource::fetch_deleted_deals), like amoCRM's `with=only_deleted`),
/// contacts by id in batches, calls, changes and [`CrmActivity`] records by time; offset-cursor
/// pages of at most `page_size` (250 by default, like amoCRM). Every request is logged; faults
/// and a per-request hook can be planned.
#[derive(Debug, Clone)]
pub struct FakeCrm {
    data: Arc<Dataset>,
    page_size: usize,
    recorder: Recorder,
}

impl FakeCrm {
    /// A fake CRM serving `data`.
    #[must_use]
    pub fn new(data: Arc<Dataset>) -> Self {
        Self {
            data,
            page_size: 250,
            recorder: Recorder::default(),
        }
    }

    /// Sets the largest page served.
    #[must_use]
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Every request so far.
    #[must_use]
    pub fn requests(&self) -> Vec<Request> {
        self.recorder.requests()
    }

    /// Fails every request of `operation` (or every request) from the `after`-th one on.
    pub fn fail(&self, fault: Fault, operation: Option<&str>, after: usize) {
        self.recorder.set_fault(Some(FaultPlan {
            fault,
            operation: operation.map(str::to_owned),
            after,
        }));
    }

    /// Stops failing.
    pub fn heal(&self) {
        self.recorder.set_fault(None);
    }

    /// Calls `hook` on every request, before it is answered.
    pub fn on_request(&self, hook: impl Fn(&Request) + Send + Sync + 'static) {
        self.recorder.set_hook(Arc::new(hook));
    }

    fn record(&self, op: &str, cursor: Option<&Cursor>) -> Result<(), SourceError> {
        self.recorder
            .record("amocrm", op, cursor.map(Cursor::as_str))
    }

    fn size(&self, asked: Option<u32>) -> usize {
        asked.map_or(self.page_size, |s| (s as usize).min(self.page_size))
    }
}

#[async_trait]
impl CrmSource for FakeCrm {
    fn backend(&self) -> &'static str {
        "amocrm"
    }

    fn capabilities(&self) -> CrmCapabilities {
        CrmCapabilities::full(self.page_size as u32)
            .with_activities()
            .with_deleted_deals()
    }

    async fn fetch_sales_pipelines(&self) -> Result<Vec<SalesPipeline>, SourceError> {
        self.record("sales_pipelines", None)?;
        Ok(self.data.sales_pipelines.clone())
    }

    async fn fetch_managers(&self) -> Result<Vec<Manager>, SourceError> {
        self.record("managers", None)?;
        Ok(self.data.managers.clone())
    }

    async fn fetch_deals<'a>(
        &self,
        q: &DealQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Deal>, SourceError> {
        self.record("deals", page)?;
        let ids: HashSet<_> = q.ids.iter().collect();
        let mut deals: Vec<Deal> = self
            .data
            .deals
            .iter()
            .filter(|d| !d.is_deleted())
            .filter(|d| q.updated.is_none_or(|w| w.contains(d.updated_at)))
            .filter(|d| ids.is_empty() || ids.contains(&d.id))
            .cloned()
            .collect();
        deals.sort_by(|a, b| (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id)));
        Ok(page_of(&deals, page, self.size(q.page_size)))
    }

    async fn fetch_deleted_deals<'a>(
        &self,
        q: &DealQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<DeletedDeal>, SourceError> {
        self.record("deleted_deals", page)?;
        let ids: HashSet<_> = q.ids.iter().collect();
        let mut deleted: Vec<DeletedDeal> = self
            .data
            .deals
            .iter()
            .filter_map(|d| d.deleted_at.map(|at| DeletedDeal::new(d.id.clone(), at)))
            .filter(|d| q.updated.is_none_or(|w| w.contains(d.deleted_at)))
            .filter(|d| ids.is_empty() || ids.contains(&d.id))
            .collect();
        deleted.sort_by(|a, b| (a.deleted_at, &a.id).cmp(&(b.deleted_at, &b.id)));
        Ok(page_of(&deleted, page, self.size(q.page_size)))
    }

    async fn fetch_contacts<'a>(
        &self,
        q: &ContactQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Contact>, SourceError> {
        self.record("contacts", page)?;
        let ids: HashSet<_> = q.ids.iter().collect();
        let contacts: Vec<Contact> = self
            .data
            .contacts
            .iter()
            .filter(|c| ids.is_empty() || ids.contains(&c.id))
            .filter(|c| q.updated.is_none_or(|w| w.contains(c.updated_at)))
            .cloned()
            .collect();
        Ok(page_of(&contacts, page, self.size(q.page_size)))
    }

    async fn fetch_calls<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Call>, SourceError> {
        self.record("calls", page)?;
        let calls: Vec<Call> = self
            .data
            .calls
            .iter()
            .filter(|c| q.range.contains(c.started_at))
            .cloned()
            .collect();
        Ok(page_of(&calls, page, self.size(q.page_size)))
    }

    async fn fetch_stage_changes<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<StageChange>, SourceError> {
        self.record("stage_changes", page)?;
        let items: Vec<StageChange> = self
            .data
            .stage_changes
            .iter()
            .filter(|c| q.range.contains(c.at))
            .cloned()
            .collect();
        Ok(page_of(&items, page, self.size(q.page_size)))
    }

    async fn fetch_responsible_changes<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<ResponsibleChange>, SourceError> {
        self.record("responsible_changes", page)?;
        let items: Vec<ResponsibleChange> = self
            .data
            .responsible_changes
            .iter()
            .filter(|c| q.range.contains(c.at))
            .cloned()
            .collect();
        Ok(page_of(&items, page, self.size(q.page_size)))
    }

    async fn fetch_activities<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<CrmActivity>, SourceError> {
        self.record("activities", page)?;
        let items: Vec<CrmActivity> = self
            .data
            .activities
            .iter()
            .filter(|a| q.range.contains(a.at))
            .cloned()
            .collect();
        Ok(page_of(&items, page, self.size(q.page_size)))
    }
}
