//! `MetricsEngine::merge` of engines that processed different leads: each engine interns the
//! managers and stages it meets in its own order, and the merged report must be the report of
//! one engine that saw everything.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::{ManagerId, Window};
use synkro_core::pipeline::Dialog;

/// E16's month (metrics.md §8) with breakdowns by stage and by manager × stage.
fn context() -> MetricsContext {
    let from = msk("2025-11-01 00:00:00");
    let to = msk("2025-12-01 00:00:00");
    MetricsContext {
        config: MetricsConfig {
            breakdowns: vec![
                vec![Dimension::Stage],
                vec![Dimension::Manager, Dimension::Stage],
            ],
            ..fixture_config()
        },
        period: Window::new(from, to).expect("a valid period"),
        as_of: to,
        report_tz: MSK,
        phone_region: "RU".into(),
        reference: ReferenceData {
            pipelines: vec![pipeline()],
            ..ReferenceData::default()
        },
    }
}

/// An engine fed `leads` (no chats, calls or notes).
fn engine_of(leads: &[Dialog]) -> MetricsEngine {
    let mut e = MetricsEngine::new(context()).expect("a valid context");
    for d in leads {
        let view = LeadView::new(&d.deal, d.stage_changes.iter(), []);
        e.add_lead(&LeadInput {
            lead: &view,
            chat_touches: &[],
            calls: &[],
            activities: &[],
            phones: &[],
        });
    }
    e
}

#[test]
fn engines_that_saw_different_leads_merge_into_the_report_of_one() {
    // E16's leads: L1 and L2 Anna's, L3 and L4 Boris's. The first engine meets Anna and stages
    // S1, S3; the second Boris and S1, S2 (in other orders of their interned ids).
    let mut leads = e16_leads();
    for d in &mut leads {
        if matches!(d.deal.id.as_str(), "L3" | "L4") {
            d.deal.responsible = Some(ManagerId::new("boris"));
        }
    }
    let whole = engine_of(&leads).finish();
    let (anna, boris) = leads.split_at(2);
    let mut reversed = boris.to_vec();
    reversed.reverse();
    let mut merged = engine_of(anna);
    merged.merge(engine_of(&reversed));
    let merged = merged.finish();

    let f = whole.funnel("p1").expect("the funnel of p1");
    assert_eq!(f.by_manager.keys().collect::<Vec<_>>(), ["anna", "boris"]);
    assert_eq!(merged.funnels, whole.funnels);
    assert_eq!(merged.stage_times, whole.stage_times);
    assert_eq!(merged.loss_reasons, whole.loss_reasons);
    for dims in [
        &[Dimension::Stage][..],
        &[Dimension::Manager, Dimension::Stage][..],
    ] {
        let rows = |r: &MetricsReport| {
            let b = r.breakdown(dims).expect("a configured breakdown");
            b.rows
                .iter()
                .map(|row| (row.key.clone(), row.values.leads.clone()))
                .collect::<Vec<_>>()
        };
        let expected = rows(&whole);
        assert!(
            expected
                .iter()
                .any(|(k, _)| k.last().is_some_and(|s| s == "s3")),
            "{dims:?}: a row of S3 (L1 and L2 close from it)"
        );
        assert_eq!(rows(&merged), expected, "{dims:?}");
    }
}
