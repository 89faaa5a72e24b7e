//! Report filters (metrics.md §6) on the lead tables and the per-day open waits: each item is
//! kept by the values of its own anchor and attribution — a funnel cohort of stage X by the
//! lead's pass of X (§3.12), a stay by its entry (§3.13), a loss by its close (§3.14), a wait
//! open at a day's end by its snapshot then (§3.4).

mod analytics_support;

use std::collections::BTreeMap;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::{ManagerId, StageId};
use synkro_core::pipeline::Dialog;

/// `cfg` with the filter `dimension = values`.
fn filtered(dimension: &str, values: &[&str]) -> MetricsConfig {
    let mut cfg = fixture_config();
    cfg.filters.insert(
        dimension.to_owned(),
        values.iter().map(|v| (*v).to_owned()).collect(),
    );
    cfg
}

/// E16's leads (metrics.md §8) with L3 and L4 Boris's; L1 and L2 stay Anna's.
fn e16_shared() -> Vec<Dialog> {
    let mut leads = e16_leads();
    for d in &mut leads {
        if matches!(d.deal.id.as_str(), "L3" | "L4") {
            d.deal.responsible = Some(ManagerId::new("boris"));
        }
    }
    leads
}

/// Every step of `f` as (from, to, converted, cohort).
fn steps(f: &[FunnelStep]) -> Vec<(&str, &str, u64, u64)> {
    f.iter()
        .map(|s| (s.from.as_str(), s.to.as_str(), s.converted, s.cohort))
        .collect()
}

/// Every stage time as (stage, completed stays, open stays).
fn stays(r: &MetricsReport) -> Vec<(&str, u64, u64)> {
    r.stage_times
        .iter()
        .map(|s| (s.stage.as_str(), s.completed.calendar.n, s.open.calendar.n))
        .collect()
}

/// The entries of a count map.
fn pairs(m: &BTreeMap<String, u64>) -> Vec<(&str, u64)> {
    m.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

/// A loss reason as (reason, count, by manager, by stage).
type Loss<'r> = (&'r str, u64, Vec<(&'r str, u64)>, Vec<(&'r str, u64)>);

/// Every loss reason.
fn losses(r: &MetricsReport) -> Vec<Loss<'_>> {
    r.loss_reasons
        .iter()
        .map(|l| {
            (
                l.reason.as_str(),
                l.count,
                pairs(&l.by_manager),
                pairs(&l.by_stage),
            )
        })
        .collect()
}

#[test]
fn a_manager_filter_keeps_that_managers_cohorts_stays_and_losses() {
    let all = run_e16_leads(fixture_config(), &e16_shared());
    let r = run_e16_leads(filtered("manager", &["boris"]), &e16_shared());
    // Cohort S1 = L3 and L4 (Boris's at their creation); only L3 goes on to S2.
    let f = r.funnel("p1").expect("the funnel of p1");
    assert_eq!(
        steps(&f.steps),
        [
            ("s1", "s2", 1, 2),
            ("s2", "s3", 0, 1),
            ("s3", "s4", 0, 0),
            ("s4", "won", 0, 0),
            ("s1", "s3", 0, 2),
            ("s1", "s4", 0, 2),
            ("s1", "won", 0, 2),
        ]
    );
    assert_eq!(f.by_manager.keys().collect::<Vec<_>>(), ["boris"]);
    assert_eq!(f.by_manager["boris"], f.steps);
    // The unfiltered funnel is E16's, with Anna's and Boris's cohorts side by side.
    let whole = all.funnel("p1").expect("the funnel of p1");
    assert_eq!(steps(&whole.steps)[0], ("s1", "s2", 3, 4));
    assert_eq!(
        whole.by_manager.keys().collect::<Vec<_>>(),
        ["anna", "boris"]
    );
    assert_eq!(whole.by_manager["boris"], f.steps);

    // Stays: L3's two in S1, L4's in S1, L3's first in S2 and its second (open at A).
    assert_eq!(stays(&r), [("s1", 3, 0), ("s2", 1, 1)]);
    let s1 = &r.stage_times[0];
    check_secs("S1 bus max (L3 #2)", s1.completed.business.max, 32_400);
    check_secs("S1 cal max (L3 #2)", s1.completed.calendar.max, 86_400);
    // L3 #1 27 000 / 27 000, L3 #2 86 400 / 32 400, L4 3 600 / 3 600 (cal / bus).
    assert_eq!(s1.completed.business.mean, Some(21_000.0), "S1 bus mean");
    assert_eq!(s1.completed.calendar.mean, Some(39_000.0), "S1 cal mean");
    assert_eq!(s1.by_manager.keys().collect::<Vec<_>>(), ["boris"]);
    assert_eq!(stays(&all), [("s1", 5, 0), ("s2", 2, 1), ("s3", 2, 0)]);

    // Losses: L4 (Boris's, from S1); L2 (Anna's, from S3) is left out.
    assert_eq!(
        losses(&r),
        [("(none)", 1, vec![("boris", 1)], vec![("s1", 1)])]
    );
    assert_eq!(r.loss_reasons[0].share, Some(1.0));
    assert_eq!(
        losses(&all),
        [(
            "(none)",
            2,
            vec![("anna", 1), ("boris", 1)],
            vec![("s1", 1), ("s3", 1)]
        )]
    );
}

#[test]
fn a_funnel_cohort_is_kept_by_the_leads_pass_of_its_stage() {
    // Day filter: the passes on Tue 11 Nov. L3 is created (passes S1) that day; L2 skips from S1
    // to S3 at 12:00 (passing S2 and S3 then); L3 enters S2 at 17:00. L1 and L2 were created on
    // Mon 10 Nov: their S1 passes are not of that day.
    let r = run_e16_leads(filtered("day", &["2025-11-11"]), &e16_leads());
    let f = r.funnel("p1").expect("the funnel of p1");
    assert_eq!(
        steps(&f.steps),
        [
            ("s1", "s2", 1, 1),
            ("s2", "s3", 1, 2),
            ("s3", "s4", 0, 1),
            ("s4", "won", 0, 0),
            ("s1", "s3", 0, 1),
            ("s1", "s4", 0, 1),
            ("s1", "won", 0, 1),
        ]
    );
    // Stage filter: a cohort item of stage X has stage X (its anchor is the pass of X, even
    // when the lead skipped over X). Cohort S3 is L1 and L2 (which skipped S2); only L1 goes on
    // (won: it passes S4). No cohort of S1 or S2 is kept.
    let r = run_e16_leads(filtered("stage", &["s3"]), &e16_leads());
    let f = r.funnel("p1").expect("the funnel of p1");
    assert_eq!(
        steps(&f.steps),
        [
            ("s1", "s2", 0, 0),
            ("s2", "s3", 0, 0),
            ("s3", "s4", 1, 2),
            ("s4", "won", 0, 0),
            ("s1", "s3", 0, 0),
            ("s1", "s4", 0, 0),
            ("s1", "won", 0, 0),
        ]
    );
    // The stays of S3 (L1's and L2's) and the loss from S3 (L2) follow the same filter.
    assert_eq!(stays(&r), [("s3", 2, 0)]);
    assert_eq!(
        losses(&r),
        [("(none)", 1, vec![("anna", 1)], vec![("s3", 1)])]
    );
    // Won is no cohort stage: a filter on it keeps no cohort (L1 won standing in 142).
    let r = run_e16_leads(filtered("stage", &["142"]), &e16_leads());
    let f = r.funnel("p1").expect("the funnel of p1");
    assert!(f.steps.iter().all(|s| s.cohort == 0), "{:?}", f.steps);
}

#[test]
fn a_close_counts_in_the_stage_it_closed_from() {
    // §3.14 "by stage at loss", §6 `stage`: L1 is won and L2 lost from S3, L4 lost from S1 — the
    // win-rate rows are those stages, not the won/lost stages the leads entered.
    let cfg = MetricsConfig {
        breakdowns: vec![vec![Dimension::Stage]],
        ..fixture_config()
    };
    let r = run_e16_leads(cfg, &e16_leads());
    let rows: Vec<(&str, u64, u64)> = r
        .breakdown(&[Dimension::Stage])
        .expect("the stage breakdown")
        .rows
        .iter()
        .filter(|row| row.values.leads.won + row.values.leads.lost > 0)
        .map(|row| {
            let l = &row.values.leads;
            (row.key[0].as_str(), l.won, l.lost)
        })
        .collect();
    assert_eq!(rows, [("s1", 0, 1), ("s3", 1, 1)]);

    // A close the stage history does not record (a deal lost with no moves at all) closed
    // from no known stage: `(no stage)`, and `(none)` in the loss reasons — not the lost stage.
    let mut lost = Dialog::new(deal("L9", "anna", msk("2025-11-03 10:00:00")));
    lost.deal.stage = Some(StageId::new("143"));
    lost.deal.closed_at = Some(msk("2025-11-04 10:00:00"));
    let cfg = MetricsConfig {
        breakdowns: vec![vec![Dimension::Stage]],
        ..fixture_config()
    };
    let r = run_e16_leads(cfg, &[lost]);
    let rows: Vec<(&str, u64)> = r
        .breakdown(&[Dimension::Stage])
        .expect("the stage breakdown")
        .rows
        .iter()
        .filter(|row| row.values.leads.lost > 0)
        .map(|row| (row.key[0].as_str(), row.values.leads.lost))
        .collect();
    assert_eq!(rows, [("(no stage)", 1)]);
    assert_eq!(
        losses(&r),
        [("(none)", 1, vec![("anna", 1)], vec![("(none)", 1)])]
    );

    // Won, then moved to lost: it closed from no open stage either (not from `142`).
    let mut flipped = Dialog::new(deal("L8", "anna", msk("2025-11-03 10:00:00")));
    flipped.stage_changes = stage_moves(
        "L8",
        &[
            ("2025-11-04 10:00:00", "s1", "142"),
            ("2025-11-05 10:00:00", "142", "143"),
        ],
    );
    flipped.deal.stage = Some(StageId::new("143"));
    flipped.deal.closed_at = Some(msk("2025-11-05 10:00:00"));
    let r = run_e16_leads(fixture_config(), &[flipped]);
    assert_eq!(
        losses(&r),
        [("(none)", 1, vec![("anna", 1)], vec![("(none)", 1)])]
    );
}

#[test]
fn the_open_waits_of_each_day_end_follow_the_filter() {
    // Two chats ask on Monday evening and are answered on Tuesday morning: Anna's lead and
    // Boris's. Each is open at Monday's end; a manager filter keeps Anna's.
    let ask = |chat: &str, owner: &str| {
        let mut d = dialog(
            chat,
            vec![
                client(
                    chat,
                    &format!("{chat}1"),
                    msk("2025-11-10 17:30:00"),
                    "Вопрос",
                ),
                staff(
                    chat,
                    &format!("{chat}2"),
                    msk("2025-11-11 09:05:00"),
                    owner,
                    "Ответ",
                ),
            ],
        );
        d.deal.responsible = Some(ManagerId::new(owner));
        d
    };
    let ds = [ask("a", "anna"), ask("b", "boris")];
    let open = |r: &MetricsReport| -> Vec<(String, u64)> {
        r.open_at_end_by_day
            .iter()
            .map(|d| (d.day.to_string(), d.open))
            .collect()
    };
    let all = run(fixture_config(), &ds, "2025-11-10", "2025-11-12");
    assert_eq!(
        open(&all),
        [("2025-11-10".to_owned(), 2), ("2025-11-11".to_owned(), 0)]
    );
    let cfg = {
        let mut c = filtered("manager", &["anna"]);
        c.sla_targets = vec![900];
        c
    };
    let r = run(cfg, &ds, "2025-11-10", "2025-11-12");
    assert_eq!(
        open(&r),
        [("2025-11-10".to_owned(), 1), ("2025-11-11".to_owned(), 0)]
    );
    // Anna's wait is 30 working minutes old at Monday's end: overdue on 900 s.
    assert_eq!(r.open_at_end_by_day[0].overdue, [(900, 1)]);
    // A day filter keeps Tuesday's snapshots only: none are open then.
    let r = run(
        filtered("day", &["2025-11-11"]),
        &ds,
        "2025-11-10",
        "2025-11-12",
    );
    assert_eq!(
        open(&r),
        [("2025-11-10".to_owned(), 0), ("2025-11-11".to_owned(), 0)]
    );
}

#[test]
fn lead_items_have_channel_dash_for_a_channel_filter() {
    // §6 marks channel "—" for leads: their items hold `-`, which a filter lists explicitly.
    let only_whatsapp = run_e16_leads(filtered("channel", &["whatsapp"]), &e16_leads());
    let f = only_whatsapp.funnel("p1").expect("the funnel of p1");
    assert!(f.steps.iter().all(|s| s.cohort == 0), "{:?}", f.steps);
    assert!(only_whatsapp.stage_times.is_empty());
    assert!(only_whatsapp.loss_reasons.is_empty());
    assert_eq!(only_whatsapp.totals.leads.lost, 0);
    let with_leads = run_e16_leads(filtered("channel", &["whatsapp", "-"]), &e16_leads());
    let f = with_leads.funnel("p1").expect("the funnel of p1");
    assert_eq!(steps(&f.steps)[0], ("s1", "s2", 3, 4));
    assert_eq!(
        stays(&with_leads),
        [("s1", 5, 0), ("s2", 2, 1), ("s3", 2, 0)]
    );
    assert_eq!(with_leads.totals.leads.lost, 2);
}

#[test]
fn a_wait_open_at_a_day_end_has_the_leads_stage_then() {
    // §4.7: the snapshot's anchor is the day's end; §6: pipeline and stage "at the anchor". The
    // client asks on Monday at 17:30 in S1; the lead moves to S2 at 19:00; Anna answers on
    // Tuesday. Monday's open wait is in S2.
    let mut d = dialog(
        "c",
        vec![
            client("c", "c1", msk("2025-11-10 17:30:00"), "Вопрос"),
            staff("c", "c2", msk("2025-11-11 09:05:00"), "anna", "Ответ"),
        ],
    );
    d.stage_changes = vec![stage_change(
        "sc",
        "lead-c",
        msk("2025-11-10 19:00:00"),
        "s1",
        "s2",
    )];
    let open = |stage: &str| {
        let r = run(
            filtered("stage", &[stage]),
            std::slice::from_ref(&d),
            "2025-11-10",
            "2025-11-12",
        );
        (r.open_at_end_by_day[0].open, r.totals.waits.total)
    };
    // The wait itself (anchored at its start) is S1's; its Monday snapshot S2's.
    assert_eq!(open("s2"), (1, 0));
    assert_eq!(open("s1"), (0, 1));
}
