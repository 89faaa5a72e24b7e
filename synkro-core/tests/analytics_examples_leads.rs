//! The worked examples E13, E14 and E16–E18 of metrics.md §8, with their exact numbers, through
//! the public API: missed calls and callbacks, speed to lead, the funnel and time in stage, win
//! rate and loss reasons, and follow-up discipline.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

#[test]
fn e13_missed_call_with_callback() {
    let run13 = |third: Call, targets: Vec<i64>| {
        let mut cfg = fixture_config();
        cfg.callback_targets = targets;
        run_e13(
            cfg,
            ReferenceData::default(),
            e13_lead(Some(third)),
            "2025-11-14 00:00:00",
        )
    };
    let back = e13_callback("boris");
    let r = run13(back.clone(), vec![900, 1800]);
    let c = &r.totals.calls;
    assert_eq!((c.missed, c.episodes), (2, 1));
    assert_eq!(c.episode_outcomes.get("called_back"), Some(&1));
    assert_eq!(
        (secs(c.callback.calendar.max), secs(c.callback.business.max)),
        (Some(55_080), Some(1_080))
    );
    assert_eq!((c.callback_sla[0].misses, c.callback_sla[1].hits), (1, 1));
    assert_eq!(
        r.manager("boris").unwrap().values.calls.callback.business.n,
        1
    );
    let recall = e13_recall("anna");
    let r = run13(recall, vec![900]);
    let c = &r.totals.calls;
    assert_eq!(c.episode_outcomes.get("client_recalled"), Some(&1));
    let s = &c.callback_sla[0];
    assert_eq!((s.hits, s.misses, s.excluded, s.hit_rate), (0, 0, 1, None));
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
    let r = e14(CallRule::Attempt, "0");
    let l = &r.totals.leads;
    assert_eq!(
        (
            secs(l.speed_to_lead.calendar.max),
            secs(l.speed_to_lead.business.max)
        ),
        (Some(1_380), Some(180))
    );
    assert_eq!(l.stl_sla[0].hits, 1);
    let r = e14(CallRule::Connected, "0");
    let l = &r.totals.leads;
    assert_eq!(
        (
            secs(l.speed_to_lead.calendar.max),
            secs(l.speed_to_lead.business.max)
        ),
        (Some(1_560), Some(360))
    );
    assert_eq!(l.stl_sla[0].misses, 1);
    let r = e14(CallRule::Attempt, "boris");
    assert_eq!(
        (r.totals.leads.stl_items, r.totals.leads.stl_excluded_manual),
        (0, 1)
    );
}

fn e16(mode: FunnelMode) -> MetricsReport {
    let mut cfg = fixture_config();
    cfg.funnel_mode = mode;
    run_e16(cfg)
}

fn step(f: &Funnel, from: &str, to: &str) -> (u64, u64) {
    let s = f
        .steps
        .iter()
        .find(|s| s.from == from && s.to == to)
        .unwrap();
    (s.converted, s.cohort)
}

#[test]
fn e16_funnel_conversion_and_time_in_stage() {
    let r = e16(FunnelMode::PassThrough);
    let f = r.funnel("p1").unwrap();
    assert_eq!(step(f, "s1", "s2"), (3, 4));
    assert_eq!(step(f, "s1", "s3"), (2, 4));
    assert_eq!(step(f, "s1", "s4"), (1, 4));
    assert_eq!(step(f, "s1", "won"), (1, 4));
    assert_eq!(step(f, "s2", "s3"), (2, 3));
    assert_eq!(step(f, "s3", "s4"), (1, 2));
    assert_eq!(step(f, "s4", "won"), (1, 1));
    let s = r
        .funnel("p1")
        .unwrap()
        .steps
        .iter()
        .find(|s| s.from == "s2" && s.to == "s3")
        .unwrap();
    assert!((s.rate.unwrap() - 2.0 / 3.0).abs() < 1e-12);

    let strict = e16(FunnelMode::Strict);
    let f = strict.funnel("p1").unwrap();
    assert_eq!(step(f, "s1", "s2"), (2, 4));
    assert_eq!(step(f, "s1", "s3"), (2, 4));
    assert_eq!(step(f, "s1", "s4"), (0, 4));
    assert_eq!(step(f, "s1", "won"), (1, 4));
    assert_eq!(step(f, "s2", "s3"), (1, 2));
    assert_eq!(step(f, "s3", "s4"), (0, 2));
    assert_eq!(step(f, "s4", "won"), (0, 0));

    let st = |id: &str| r.stage_times.iter().find(|s| s.stage == id).unwrap();
    let s1 = st("s1");
    let (b, c) = (&s1.completed.business, &s1.completed.calendar);
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90), secs(b.max)),
        (5, Some(23_400.0), Some(27_000), Some(36_000), Some(36_000))
    );
    assert_eq!(
        (c.mean, secs(c.p50), secs(c.p90)),
        (Some(45_000.0), Some(27_000), Some(90_000))
    );
    let s2 = st("s2");
    let (b, c) = (&s2.completed.business, &s2.completed.calendar);
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90)),
        (2, Some(28_800.0), Some(7_200), Some(50_400))
    );
    assert_eq!((secs(c.p50), secs(c.p90)), (Some(61_200), Some(158_400)));
    assert_eq!(
        (
            s2.open.business.n,
            secs(s2.open.business.max),
            secs(s2.open.calendar.max)
        ),
        (1, Some(385_200), Some(1_519_200))
    );
    // lead.cycle: L1 (367 200 / 151 200) is the median of the three leads closed in November.
    let cy = &r.totals.leads.cycle;
    assert_eq!(
        (cy.calendar.n, secs(cy.calendar.p50), secs(cy.business.p50)),
        (3, Some(367_200), Some(151_200))
    );
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

#[test]
fn e17_win_rate_and_loss_reasons() {
    let r = e17(WinAttribution::AtClose, ("2025-11-01", "2025-12-01"));
    let (a, b) = (
        &r.manager("anna").unwrap().values.leads,
        &r.manager("boris").unwrap().values.leads,
    );
    assert_eq!((a.won, a.lost, a.won_amount), (2, 1, 200_000));
    assert_eq!((b.won, b.lost, b.won_amount), (2, 2, 80_000));
    assert_eq!((r.totals.leads.won, r.totals.leads.lost), (4, 3));
    assert_eq!(
        format!("{:.1}", r.totals.leads.win_rate.unwrap() * 100.0),
        "57.1"
    );
    let dorogo = r
        .loss_reasons
        .iter()
        .find(|l| l.reason == "Дорого")
        .unwrap();
    assert_eq!(
        (
            dorogo.count,
            dorogo.by_manager.get("anna"),
            dorogo.by_manager.get("boris")
        ),
        (2, Some(&1), Some(&1))
    );
    assert_eq!(format!("{:.1}", dorogo.share.unwrap() * 100.0), "66.7");
    assert_eq!(
        r.loss_reasons
            .iter()
            .find(|l| l.reason == "Нет бюджета")
            .unwrap()
            .count,
        1
    );
    let r = e17(WinAttribution::AtCreation, ("2025-11-01", "2025-12-01"));
    let (a, b) = (
        &r.manager("anna").unwrap().values.leads,
        &r.manager("boris").unwrap().values.leads,
    );
    assert_eq!(((a.won, a.lost), (b.won, b.lost)), ((2, 2), (2, 1)));
    let oct = e17(WinAttribution::AtClose, ("2025-10-01", "2025-11-01"));
    assert_eq!((oct.totals.leads.won, oct.totals.leads.lost), (0, 1));
}

fn e18(basis: Basis) -> MetricsReport {
    let mut cfg = fixture_config();
    cfg.followup_basis = basis;
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    run_e18(cfg, rd, &e18_leads(false))
}

#[test]
fn e18_follow_up_discipline() {
    let l = e18(Basis::Business).totals.leads;
    assert_eq!(
        (
            l.followup_considered,
            l.followup_stale,
            l.followup_never_touched
        ),
        (3, 2, 1)
    );
    assert_eq!(
        format!("{:.1}", l.followup_stale_share.unwrap() * 100.0),
        "66.7"
    );
    let l = e18(Basis::Calendar).totals.leads;
    assert_eq!((l.followup_considered, l.followup_stale), (3, 3));
}
