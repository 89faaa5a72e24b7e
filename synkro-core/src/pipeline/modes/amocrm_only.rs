use async_trait::async_trait;

use crate::error::RunError;
use crate::pipeline::modes::{attach_crm_activity, sorted_deals};
use crate::pipeline::{Dialog, ModeRequirements, PipelineMode, RunContext, sync};

/// CRM only: each deal updated in the window is a dialog with its contacts, calls, stage changes
/// and CRM activities (of the deal and its contacts), and those after the window up to the run's
/// knowledge cut-off ([`Dialog::after`]); there are no messages, so `min_dialogs_for_report` does
/// not apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct AmocrmOnly;

#[async_trait]
impl PipelineMode for AmocrmOnly {
    fn id(&self) -> &str {
        "amocrm_only"
    }

    fn requirements(&self) -> ModeRequirements {
        ModeRequirements::new(true, false)
    }

    async fn sync(&self, cx: &RunContext) -> Result<(), RunError> {
        let crm = cx.crm()?;
        cx.sync_source(crm.backend(), sync::crm(cx, crm.as_ref()))
            .await?;
        Ok(())
    }

    async fn dialogs(&self, cx: &RunContext) -> Result<Vec<Dialog>, RunError> {
        let deals = sorted_deals(
            cx.store()
                .deals_updated(cx.tenant().id, cx.window())
                .await?,
        );
        let mut dialogs: Vec<Dialog> = deals.into_iter().map(Dialog::new).collect();
        attach_crm_activity(cx, &mut dialogs).await?;
        Ok(dialogs)
    }
}
