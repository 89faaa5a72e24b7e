//! The worked examples E13, E14 and E16–E18 of metrics.md §8, with their exact numbers, through
//! the public API: missed calls and callbacks, speed to lead, the funnel and time in stage, win
//! rate and loss reasons, and follow-up discipline.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use chrono::{DateTime, Utc};
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

fn run13(third: Call, basis: Basis, targets: Vec<i64>) -> MetricsReport {
    let mut cfg = fixture_config();
    cfg.callback_basis = basis;
    cfg.callback_targets = targets;
    run_e13(
        cfg,
        ReferenceData::default(),
        e13_lead(Some(third)),
        "2025-11-14 00:00:00",
    )
}

#[test]
fn e13_missed_call_with_callback() {
    let r = run13(e13_callback("boris"), Basis::Business, vec![900, 1800]);
    let c = &r.totals.calls;
    assert_eq!(c.missed, 2, "call.missed");
    assert_eq!(c.episodes, 1, "episodes");
    assert_eq!(c.episode_outcomes.get("called_back"), Some(&1), "outcome");
    check_secs("callback cal", c.callback.calendar.max, 55_080);
    check_secs("callback bus", c.callback.business.max, 1_080);
    assert_eq!(c.callback_sla[0].misses, 1, "target 900: miss");
    assert_eq!(c.callback_sla[1].hits, 1, "target 1 800: hit");
    let boris = &r.manager("boris").unwrap().values.calls;
    assert_eq!(boris.callback.business.n, 1, "attributed to Boris");

    // Variant: the client calls again at Thu 09:05 and Anna answers.
    let r = run13(e13_recall("anna"), Basis::Business, vec![900]);
    let c = &r.totals.calls;
    assert_eq!(
        c.episode_outcomes.get("client_recalled"),
        Some(&1),
        "recall"
    );
    let s = &c.callback_sla[0];
    assert_eq!(s.hits, 0, "recall: hits");
    assert_eq!(s.misses, 0, "recall: misses");
    assert_eq!(s.excluded, 1, "recall: excluded (age ≤ 900)");
    assert_eq!(s.hit_rate, None, "recall: hit rate");
    // No public output carries the recall's age; the SLA targets around it pin it to the second:
    // a miss on 779 s and excluded on 780 s means 779 s < age ≤ 780 s.
    check_recall_age(Basis::Business, 780);
    check_recall_age(Basis::Calendar, 54_780);
}

/// Asserts that E13's recall episode has an age of `age` whole seconds on `basis`, as far as the
/// callback SLA shows it: a miss on target `age − 1` and excluded on target `age`.
#[track_caller]
fn check_recall_age(basis: Basis, age: i64) {
    let r = run13(e13_recall("anna"), basis, vec![age - 1, age]);
    let s = &r.totals.calls.callback_sla;
    assert_eq!(s[0].misses, 1, "{basis:?} recall age > {} s", age - 1);
    assert_eq!(s[1].excluded, 1, "{basis:?} recall age ≤ {age} s");
}

fn e14(rule: CallRule, creator: &str) -> MetricsReport {
    let d = e14_lead();
    let mut rd = ReferenceData::default();
    rd.created_by.insert(d.deal.id.0.clone(), creator.into());
    let mut cfg = fixture_config();
    cfg.stl_call_rule = rule;
    run_e14(cfg, rd, &[d])
}

#[test]
fn e14_speed_to_lead() {
    let l = e14(CallRule::Attempt, "0").totals.leads;
    check_secs("attempt: cal", l.speed_to_lead.calendar.max, 1_380);
    check_secs("attempt: bus", l.speed_to_lead.business.max, 180);
    assert_eq!(l.stl_sla[0].hits, 1, "attempt: target 300 hit");
    let l = e14(CallRule::Connected, "0").totals.leads;
    check_secs("connected: cal", l.speed_to_lead.calendar.max, 1_560);
    check_secs("connected: bus", l.speed_to_lead.business.max, 360);
    assert_eq!(l.stl_sla[0].misses, 1, "connected: target 300 miss");
    let l = e14(CallRule::Attempt, "boris").totals.leads;
    assert_eq!(l.stl_items, 0, "created by Boris: not an item");
    assert_eq!(l.stl_excluded_manual, 1, "lead.stl.excluded_manual");
}

fn e16(mode: FunnelMode) -> MetricsReport {
    let mut cfg = fixture_config();
    cfg.funnel_mode = mode;
    // Per-mille levels that are the ranks 1–5 of five values: every stay, in order.
    cfg.percentiles = vec![200, 400, 600, 800, 1000];
    run_e16(cfg)
}

/// Asserts one funnel step: converted / cohort, and its rate (`null` for an empty cohort).
#[track_caller]
fn check_step(f: &Funnel, from: &str, to: &str, converted: u64, cohort: u64) {
    let s = f
        .steps
        .iter()
        .find(|s| s.from == from && s.to == to)
        .unwrap_or_else(|| panic!("no step {from} → {to}"));
    let what = format!("{from} → {to}");
    assert_eq!(s.converted, converted, "{what} converted");
    assert_eq!(s.cohort, cohort, "{what} cohort");
    check_rate(&format!("{what} rate"), s.rate, converted, cohort);
}

/// Asserts the values of `s` in ascending order, each labelled by its stay, through the
/// per-mille levels of [`e16`]: with five values they are the ranks 1–5; with two, the levels
/// 200 and 1000 are the ranks 1 and 2.
#[track_caller]
fn check_stays(what: &str, s: &Stats, stays: &[(&str, i64)]) {
    assert_eq!(s.n, stays.len() as u64, "{what}: n");
    let levels: &[u32] = match stays.len() {
        5 => &[200, 400, 600, 800, 1000],
        2 => &[200, 1000],
        _ => unreachable!("E16 has stages with 5 or 2 stays"),
    };
    for (level, (stay, v)) in levels.iter().zip(stays) {
        let at = s.percentiles.iter().find(|p| p.0 == *level).map(|p| p.1);
        check_secs(&format!("{what}: {stay}"), at, *v);
    }
}

#[test]
fn e16_funnel_conversion() {
    let r = e16(FunnelMode::PassThrough);
    let f = r.funnel("p1").unwrap();
    check_step(f, "s1", "s2", 3, 4);
    check_step(f, "s1", "s3", 2, 4);
    check_step(f, "s1", "s4", 1, 4);
    check_step(f, "s1", "won", 1, 4);
    check_step(f, "s2", "s3", 2, 3);
    check_step(f, "s3", "s4", 1, 2);
    check_step(f, "s4", "won", 1, 1);

    let strict = e16(FunnelMode::Strict);
    let f = strict.funnel("p1").unwrap();
    check_step(f, "s1", "s2", 2, 4);
    check_step(f, "s1", "s3", 2, 4);
    check_step(f, "s1", "s4", 0, 4);
    check_step(f, "s1", "won", 1, 4);
    check_step(f, "s2", "s3", 1, 2);
    check_step(f, "s3", "s4", 0, 2);
    // "—": no lead entered S4, so the rate is null (not 0 %).
    check_step(f, "s4", "won", 0, 0);
}

#[test]
fn e16_time_in_stage_and_sales_cycle() {
    let r = e16(FunnelMode::PassThrough);
    let st = |id: &str| r.stage_times.iter().find(|s| s.stage == id).unwrap();
    let s1 = st("s1");
    let (b, c) = (&s1.completed.business, &s1.completed.calendar);
    check_stays(
        "S1 bus",
        b,
        &[
            ("L4", 3_600),
            ("L1", 18_000),
            ("L3 #1", 27_000),
            ("L3 #2", 32_400),
            ("L2", 36_000),
        ],
    );
    check_stays(
        "S1 cal",
        c,
        &[
            ("L4", 3_600),
            ("L1", 18_000),
            ("L3 #1", 27_000),
            ("L3 #2", 86_400),
            ("L2", 90_000),
        ],
    );
    assert_eq!(b.mean, Some(23_400.0), "S1 bus mean");
    check_secs("S1 bus p50", b.p50, 27_000);
    check_secs("S1 bus p90", b.p90, 36_000);
    check_secs("S1 bus max", b.max, 36_000);
    assert_eq!(c.mean, Some(45_000.0), "S1 cal mean");
    check_secs("S1 cal p50", c.p50, 27_000);
    check_secs("S1 cal p90", c.p90, 90_000);

    let s2 = st("s2");
    let (b, c) = (&s2.completed.business, &s2.completed.calendar);
    check_stays("S2 bus", b, &[("L3 #1", 7_200), ("L1", 50_400)]);
    check_stays("S2 cal", c, &[("L3 #1", 61_200), ("L1", 158_400)]);
    assert_eq!(b.mean, Some(28_800.0), "S2 bus mean");
    check_secs("S2 bus p50", b.p50, 7_200);
    check_secs("S2 bus p90", b.p90, 50_400);
    check_secs("S2 cal p50", c.p50, 61_200);
    check_secs("S2 cal p90", c.p90, 158_400);
    assert_eq!(s2.open.business.n, 1, "S2 open stays");
    check_secs("S2 open age bus (L3 #2)", s2.open.business.max, 385_200);
    check_secs("S2 open age cal (L3 #2)", s2.open.calendar.max, 1_519_200);

    // lead.cycle of L1 (closed in November), on its own.
    let mut l1 = e16_leads();
    l1.retain(|d| d.deal.id.as_str() == "L1");
    let cy = run_e16_leads(fixture_config(), &l1).totals.leads.cycle;
    assert_eq!(cy.business.n, 1, "L1: one cycle");
    check_secs("L1 cycle cal", cy.calendar.max, 367_200);
    check_secs("L1 cycle bus", cy.business.max, 151_200);
}

fn lead17(
    id: &str,
    created_by: &str,
    closes: &[(&str, &str, &str)],
    close_owner: Option<(&str, &str)>,
    price: Option<i64>,
    reason: Option<&str>,
) -> (Dialog, Option<ResponsibleChange>) {
    let mut d = Dialog::new(deal(id, created_by, msk("2025-10-01 10:00:00")));
    d.stage_changes = stage_moves(id, closes);
    d.deal.price = price;
    d.deal.loss_reason = reason.map(str::to_owned);
    d.deal.closed_at = closes
        .last()
        .filter(|c| c.2 == "142" || c.2 == "143")
        .map(|c| msk(c.0));
    let rc = close_owner
        .map(|(t, to)| owner_change(&format!("rc-{id}"), &d.deal.id, msk(t), created_by, to));
    if let Some((_, to)) = close_owner {
        d.deal.responsible = Some(ManagerId::new(to));
    }
    (d, rc)
}

fn e17(attr: WinAttribution, month: (&str, &str)) -> MetricsReport {
    let parts = vec![
        lead17(
            "D1",
            "anna",
            &[("2025-11-05 12:00:00", "s2", "142")],
            None,
            Some(120_000),
            None,
        ),
        lead17(
            "D2",
            "anna",
            &[("2025-11-06 12:00:00", "s2", "143")],
            None,
            None,
            Some("Дорого"),
        ),
        lead17(
            "D3",
            "anna",
            &[("2025-11-07 12:00:00", "s2", "142")],
            None,
            Some(80_000),
            None,
        ),
        lead17(
            "D4",
            "boris",
            &[("2025-11-10 12:00:00", "s2", "143")],
            None,
            None,
            Some("Нет бюджета"),
        ),
        lead17(
            "D5",
            "anna",
            &[("2025-11-11 12:00:00", "s2", "143")],
            Some(("2025-11-03 12:00:00", "boris")),
            None,
            Some("Дорого"),
        ),
        lead17(
            "D6",
            "boris",
            &[("2025-11-12 12:00:00", "s2", "142")],
            None,
            Some(50_000),
            None,
        ),
        lead17(
            "D7",
            "boris",
            &[
                ("2025-10-28 12:00:00", "s2", "143"),
                ("2025-11-05 12:00:00", "143", "s2"),
                ("2025-11-25 12:00:00", "s2", "142"),
            ],
            None,
            Some(30_000),
            None,
        ),
    ];
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        responsible_changes: parts.iter().filter_map(|p| p.1.clone()).collect(),
        ..ReferenceData::default()
    };
    let ds: Vec<_> = parts.into_iter().map(|p| p.0).collect();
    let mut cfg = fixture_config();
    cfg.win_attribution = attr;
    let (from, to) = (
        msk(&format!("{} 00:00:00", month.0)),
        msk(&format!("{} 00:00:00", month.1)),
    );
    run_with(
        cfg,
        rd,
        &ds,
        from,
        to,
        msk("2025-12-01 00:00:00").max(to),
        MSK,
    )
}

/// Asserts a manager's win rate (won / (won + lost)) and its parts.
#[track_caller]
fn check_win_rate(r: &MetricsReport, who: &str, won: u64, lost: u64) {
    let l = &r.manager(who).unwrap().values.leads;
    assert_eq!(l.won, won, "{who}: won");
    assert_eq!(l.lost, lost, "{who}: lost");
    check_rate(&format!("{who}: win rate"), l.win_rate, won, won + lost);
}

/// The loss reason `reason` of `r`.
fn reason<'a>(r: &'a MetricsReport, reason: &str) -> &'a LossReason {
    r.loss_reasons
        .iter()
        .find(|l| l.reason == reason)
        .unwrap_or_else(|| panic!("no loss reason {reason}"))
}

#[test]
fn e17_win_rate_and_loss_reasons() {
    let r = e17(WinAttribution::AtClose, ("2025-11-01", "2025-12-01"));
    check_win_rate(&r, "anna", 2, 1);
    check_win_rate(&r, "boris", 2, 2);
    let won_amount = |who: &str| r.manager(who).unwrap().values.leads.won_amount;
    assert_eq!(won_amount("anna"), 200_000, "anna: won amount");
    assert_eq!(won_amount("boris"), 80_000, "boris: won amount");
    let t = &r.totals.leads;
    assert_eq!((t.won, t.lost), (4, 3), "total won, lost");
    check_rate("total win rate (57.1 %)", t.win_rate, 4, 7);
    let dorogo = reason(&r, "Дорого");
    assert_eq!(dorogo.count, 2, "Дорого");
    check_rate("Дорого share (66.7 %)", dorogo.share, 2, 3);
    assert_eq!(dorogo.by_manager.get("anna"), Some(&1), "Дорого: Anna");
    assert_eq!(dorogo.by_manager.get("boris"), Some(&1), "Дорого: Boris");
    let no_budget = reason(&r, "Нет бюджета");
    assert_eq!(no_budget.count, 1, "Нет бюджета");
    check_rate("Нет бюджета share (33.3 %)", no_budget.share, 1, 3);

    let r = e17(WinAttribution::AtCreation, ("2025-11-01", "2025-12-01"));
    check_win_rate(&r, "anna", 2, 2);
    check_win_rate(&r, "boris", 2, 1);

    // The October report keeps D7 as lost in October.
    let oct = e17(WinAttribution::AtClose, ("2025-10-01", "2025-11-01"));
    assert_eq!(oct.totals.leads.won, 0, "October: won");
    assert_eq!(oct.totals.leads.lost, 1, "October: lost (D7)");
}

fn e18_config(basis: Basis) -> MetricsConfig {
    let mut cfg = fixture_config();
    cfg.followup_basis = basis;
    cfg
}

fn e18_reference() -> ReferenceData {
    ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    }
}

fn e18(basis: Basis) -> MetricsReport {
    run_e18(e18_config(basis), e18_reference(), &e18_leads(false))
}

/// E18's lead `id` alone.
fn e18_lead(id: &str) -> Vec<Dialog> {
    let mut ds = e18_leads(false);
    ds.retain(|d| d.deal.id.as_str() == id || d.deal.id.as_str() == format!("lead-{id}"));
    assert_eq!(ds.len(), 1, "{id}");
    ds
}

/// (considered, stale) for E18's lead `id` alone at A = `a`, in the week Mon 17 – Sun 23 Nov.
fn stale_at(basis: Basis, id: &str, a: DateTime<Utc>) -> (u64, u64) {
    let mut cfg = e18_config(basis);
    cfg.followup_excluded_stages = vec!["wait_pay".into()];
    let (from, to) = (msk("2025-11-17 00:00:00"), msk("2025-11-24 00:00:00"));
    let r = run_with(cfg, e18_reference(), &e18_lead(id), from, to, a, MSK);
    (
        r.totals.leads.followup_considered,
        r.totals.leads.followup_stale,
    )
}

/// Asserts whether E18's lead `id` alone is considered and stale at E = Fri 21 Nov 12:00.
#[track_caller]
fn check_stale_at_e(basis: Basis, id: &str, considered: bool, stale: bool) {
    let l = run_e18(e18_config(basis), e18_reference(), &e18_lead(id))
        .totals
        .leads;
    assert_eq!(
        l.followup_considered,
        u64::from(considered),
        "{basis:?} {id}: considered"
    );
    assert_eq!(
        l.followup_stale,
        u64::from(stale),
        "{basis:?} {id}: stale at E"
    );
}

/// Asserts the instant `at` (local) from which E18's lead `id` is stale: not stale 1 µs before,
/// stale at it. (The report has no stale_from field; this is where the public output shows it.)
#[track_caller]
fn check_stale_from(basis: Basis, id: &str, at: &str) {
    let t = msk(at);
    let before = stale_at(basis, id, t - chrono::Duration::microseconds(1));
    assert_eq!(before, (1, 0), "{basis:?} {id}: not stale 1 µs before {at}");
    assert_eq!(
        stale_at(basis, id, t),
        (1, 1),
        "{basis:?} {id}: stale from {at}"
    );
}

#[test]
fn e18_follow_up_discipline() {
    let l = e18(Basis::Business).totals.leads;
    assert_eq!(l.followup_considered, 3, "considered");
    assert_eq!(l.followup_stale, 2, "stale");
    check_rate("stale share (66.7 %)", l.followup_stale_share, 2, 3);
    assert_eq!(l.followup_never_touched, 1, "never touched (L22)");
    let l = e18(Basis::Calendar).totals.leads;
    assert_eq!(l.followup_considered, 3, "calendar basis: considered");
    assert_eq!(l.followup_stale, 3, "calendar basis: stale");
}

#[test]
fn e18_which_leads_are_stale_and_from_when() {
    let b = Basis::Business;
    check_stale_at_e(b, "L20", true, true);
    check_stale_at_e(b, "L21", true, false);
    check_stale_at_e(b, "L22", true, true);
    check_stale_at_e(b, "L23", false, false);
    check_stale_at_e(b, "L24", false, false);
    check_stale_from(b, "L20", "2025-11-21 00:00:00");
    check_stale_from(b, "L21", "2025-11-22 00:00:00");
    check_stale_from(b, "L22", "2025-11-20 00:00:00");

    let c = Basis::Calendar;
    check_stale_at_e(c, "L20", true, true);
    check_stale_at_e(c, "L21", true, true);
    check_stale_at_e(c, "L22", true, true);
    check_stale_from(c, "L20", "2025-11-20 15:00:00");
    check_stale_from(c, "L21", "2025-11-21 10:00:00");
    check_stale_from(c, "L22", "2025-11-17 16:00:00");
}

#[test]
fn loss_reasons_are_counted_by_the_stage_the_lead_was_lost_from() {
    // §3.14 "also by stage at loss": two leads lost from S2 and S4 for the same reason, and one
    // whose close the stage history misses (it stood in S3; the deal says lost).
    let (a, _) = lead17(
        "A",
        "anna",
        &[("2025-11-05 12:00:00", "s2", "143")],
        None,
        None,
        Some("Дорого"),
    );
    let (b, _) = lead17(
        "B",
        "anna",
        &[("2025-11-06 12:00:00", "s4", "143")],
        None,
        None,
        Some("Дорого"),
    );
    let (mut c, _) = lead17(
        "C",
        "anna",
        &[("2025-11-03 12:00:00", "s1", "s3")],
        None,
        None,
        Some("Дорого"),
    );
    c.deal.stage = Some(StageId::new("143"));
    c.deal.closed_at = Some(msk("2025-11-07 12:00:00"));
    let r = run_e16_leads(fixture_config(), &[a, b, c]);
    let dorogo = reason(&r, "Дорого");
    assert_eq!(dorogo.count, 3);
    let by_stage: Vec<(&str, u64)> = dorogo
        .by_stage
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert_eq!(by_stage, [("s2", 1), ("s3", 1), ("s4", 1)]);
}
