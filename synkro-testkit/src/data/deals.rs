//! A deal and its history: stage changes, a responsible change for some, calls; and the deals
//! deleted in the CRM.

use chrono::{DateTime, Duration, Utc};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synkro_core::model::{
    ContactId, Deal, DealId, EntityRef, EventId, ManagerId, ResponsibleChange, StageChange,
    StageId, StageKind,
};

use super::Dataset;
use super::generator::Generator;
use super::vocab::{COMPANIES, LOSS_REASONS};

impl Generator<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn deal(
        &mut self,
        id: DealId,
        contact: ContactId,
        manager: &ManagerId,
        created: DateTime<Utc>,
        last_message: Option<DateTime<Utc>>,
        number: u64,
        has_phone: bool,
    ) {
        let main = self.rng.random_bool(0.8);
        let pipeline = &self.out.sales_pipelines[usize::from(!main)];
        let open: Vec<StageId> = pipeline
            .stages
            .iter()
            .filter(|s| s.kind == StageKind::Open)
            .map(|s| s.id.clone())
            .collect();
        let pipeline_id = pipeline.id.clone();
        let mut current = open[0].clone();
        let mut updated = created;
        let mut closed_at = None;
        let mut loss_reason = None;
        let moves = self.rng.random_range(0..=3usize);
        let mut times: Vec<DateTime<Utc>> = (0..moves).map(|_| self.random_time()).collect();
        times.sort();
        for (step, at) in times.into_iter().enumerate() {
            let last_move = step + 1 == moves;
            let to = if last_move && self.rng.random_bool(0.3) {
                let won = self.rng.random_bool(0.5);
                closed_at = Some(at);
                if !won {
                    loss_reason = LOSS_REASONS.choose(&mut self.rng).map(|s| (*s).to_owned());
                }
                StageId::new(if won { "142" } else { "143" })
            } else {
                let idx = open.iter().position(|s| s == &current).unwrap_or(0);
                open[(idx + 1).min(open.len() - 1)].clone()
            };
            self.out.stage_changes.push(StageChange {
                id: EventId::new(format!("sc-{id}-{step}")),
                deal: id.clone(),
                at,
                from_pipeline: Some(pipeline_id.clone()),
                from_stage: Some(current.clone()),
                to_pipeline: Some(pipeline_id.clone()),
                to_stage: Some(to.clone()),
                by: Some(manager.clone()),
            });
            current = to;
            updated = updated.max(at);
            if closed_at.is_some() {
                break;
            }
        }

        let mut responsible = manager.clone();
        if self.rng.random_bool(0.05) && self.out.managers.len() > 1 {
            let other = self
                .out
                .managers
                .iter()
                .find(|m| m.id != *manager)
                .map(|m| m.id.clone())
                .unwrap_or_else(|| manager.clone());
            let at = self.random_time();
            self.out.responsible_changes.push(ResponsibleChange {
                id: EventId::new(format!("rc-{id}")),
                entity: EntityRef::Deal(id.clone()),
                at,
                from: Some(manager.clone()),
                to: Some(other.clone()),
                by: Some(other.clone()),
            });
            responsible = other;
            updated = updated.max(at);
        }

        if let Some(last_call) = self.calls(&id, &contact, &responsible, number, has_phone) {
            updated = updated.max(last_call);
        }
        if let Some(last) = last_message {
            updated = updated.max(last);
        }
        let company = COMPANIES[number as usize % COMPANIES.len()];
        self.out.deals.push(Deal {
            id,
            name: format!("Заказ {company} #{}", number + 1),
            pipeline: Some(pipeline_id),
            stage: Some(current),
            responsible: Some(responsible),
            price: Some(self.rng.random_range(10..500) * 1000),
            contacts: vec![contact],
            phones: Vec::new(),
            loss_reason,
            created_at: created,
            updated_at: updated,
            closed_at,
            custom_fields: serde_json::json!({ "source": "whatsapp" }),
            synthetic: false,
            deleted_at: None,
        });
    }
}

/// The seed offset of the deletions' own generator.
const DELETIONS_SEED: u64 = 0xDE1E_7ED0_0000_0001;

/// Marks `spec.deleted_deals` deals deleted, each one to 120 minutes after its last update (before
/// the end of the data), with a generator of its own: every other value stays as generated.
pub(super) fn delete_some(out: &mut Dataset) {
    let n = out.spec.deleted_deals.min(out.deals.len());
    if n == 0 {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(out.spec.seed ^ DELETIONS_SEED);
    let mut order: Vec<usize> = (0..out.deals.len()).collect();
    order.shuffle(&mut rng);
    let last = out.spec.end - Duration::seconds(1);
    for &i in &order[..n] {
        let deal = &mut out.deals[i];
        let after = Duration::seconds(rng.random_range(60..=7200));
        let at = (deal.updated_at + after).min(last).max(deal.updated_at);
        deal.deleted_at = Some(at);
        deal.updated_at = at;
    }
}
