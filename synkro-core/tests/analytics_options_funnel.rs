//! Funnel options of metrics.md §7 / K18 with exact numbers, on E16: the funnel horizon (§3.12)
//! and time in stage per lead (§3.13).

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::pipeline::Dialog;

fn steps(r: &MetricsReport) -> Vec<(String, String, u64, u64)> {
    let f = r.funnel("p1").unwrap();
    [
        ("s1", "s2"),
        ("s1", "s3"),
        ("s1", "s4"),
        ("s1", "won"),
        ("s2", "s3"),
        ("s3", "s4"),
        ("s4", "won"),
    ]
    .iter()
    .map(|(a, b)| {
        let s = f.steps.iter().find(|s| s.from == *a && s.to == *b).unwrap();
        ((*a).to_owned(), (*b).to_owned(), s.converted, s.cohort)
    })
    .collect()
}

fn conv(r: &MetricsReport) -> Vec<(u64, u64)> {
    steps(r).into_iter().map(|s| (s.2, s.3)).collect()
}

#[test]
fn funnel_horizon_counts_a_later_stage_only_within_the_horizon() {
    let with = |mode: FunnelMode, horizon: Option<i64>| {
        let mut cfg = fixture_config();
        cfg.funnel_mode = mode;
        cfg.funnel_horizon = horizon;
        run_e16(cfg)
    };
    // Without a horizon: E16.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, None)),
        vec![(3, 4), (2, 4), (1, 4), (1, 4), (2, 3), (1, 2), (1, 1)]
    );
    // 2 days: L1 S1→S3 takes 49 h, S3→S4 53 h, S1→won 4 d 6 h; L2 S1→S2/S3 takes 25 h.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, Some(2 * 86_400))),
        vec![(3, 4), (1, 4), (0, 4), (0, 4), (2, 3), (0, 2), (1, 1)]
    );
    // The horizon is inclusive: 49 h keeps L1's S1→S3.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, Some(49 * 3_600)))[1],
        (2, 4)
    );
    // 1 day: L2's 25 h are out too; L1 S2→S3 takes 44 h.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, Some(86_400))),
        vec![(2, 4), (0, 4), (0, 4), (0, 4), (1, 3), (0, 2), (1, 1)]
    );
    // Strict, 1 day: S1→S2 of L1 (5 h) and L3 (7 h 30 min); S2→S3 of L1 (44 h) is out.
    assert_eq!(
        conv(&with(FunnelMode::Strict, Some(86_400))),
        vec![(2, 4), (0, 4), (0, 4), (0, 4), (0, 2), (0, 2), (0, 0)]
    );
}

#[test]
fn stage_time_per_lead_sums_a_leads_stays_in_a_stage() {
    let mut cfg = fixture_config();
    cfg.stage_time_unit = StageTimeUnit::Lead;
    let r = run_e16(cfg);
    let st = |id: &str| r.stage_times.iter().find(|s| s.stage == id).unwrap();
    // S1: L1 18 000/18 000, L2 90 000/36 000, L3 (27 000 + 86 400)/(27 000 + 32 400),
    // L4 3 600/3 600.
    let s1 = st("s1");
    let (b, c) = (&s1.completed.business, &s1.completed.calendar);
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90), secs(b.max)),
        (4, Some(29_250.0), Some(18_000), Some(59_400), Some(59_400))
    );
    assert_eq!(
        (c.mean, secs(c.p50), secs(c.p90), secs(c.max)),
        (Some(56_250.0), Some(18_000), Some(113_400), Some(113_400))
    );
    assert_eq!(s1.open.business.n, 0);
    // S2: L1's completed stay; L3's two stays form one open item (61 200 + 1 519 200 calendar,
    // 7 200 + 385 200 business).
    let s2 = st("s2");
    assert_eq!(
        (
            s2.completed.business.n,
            secs(s2.completed.calendar.max),
            secs(s2.completed.business.max)
        ),
        (1, Some(158_400), Some(50_400))
    );
    assert_eq!(
        (
            s2.open.business.n,
            secs(s2.open.calendar.max),
            secs(s2.open.business.max)
        ),
        (1, Some(1_580_400), Some(392_400))
    );
    // Per stay (default): S1 has 5 items (E16).
    let r = run_e16(fixture_config());
    let s1 = r.stage_times.iter().find(|s| s.stage == "s1").unwrap();
    assert_eq!(s1.completed.business.n, 5);
}

/// (cohort, converted) of a funnel step of `steps`.
fn step_of(steps: &[FunnelStep], from: &str, to: &str) -> (u64, u64) {
    steps
        .iter()
        .find(|s| s.from == from && s.to == to)
        .map(|s| (s.cohort, s.converted))
        .unwrap_or_else(|| panic!("no step {from} → {to}"))
}

#[test]
fn funnels_and_stage_times_are_attributed_to_the_responsible_at_the_pass_and_at_entry() {
    // §5.5: a funnel cohort of stage X goes to the responsible at the lead's pass of X; a stay
    // to the responsible at its entry. L1 is Anna's throughout and reaches S2; L2 is Boris's and
    // stays in S1; L3 is created by Anna and handed to Boris before it reaches S2.
    let lead = |id: &str, owner: &str, moves: &[(&str, &str, &str)]| {
        let mut d = Dialog::new(deal(id, owner, msk("2025-11-03 10:00:00")));
        d.stage_changes = stage_moves(id, moves);
        d
    };
    let l1 = lead("L1", "anna", &[("2025-11-04 10:00:00", "s1", "s2")]);
    let l2 = lead("L2", "boris", &[]);
    let l3 = lead("L3", "anna", &[("2025-11-06 10:00:00", "s1", "s2")]);
    let reference = ReferenceData {
        pipelines: vec![pipeline()],
        responsible_changes: vec![owner_change(
            "rc",
            &l3.deal.id,
            msk("2025-11-05 10:00:00"),
            "anna",
            "boris",
        )],
        ..ReferenceData::default()
    };
    let r = run_ref(
        fixture_config(),
        reference,
        &[l1, l2, l3],
        "2025-11-01",
        "2025-12-01",
    );
    let f = r.funnel("p1").expect("the funnel");
    assert_eq!(step_of(&f.steps, "s1", "s2"), (3, 2));
    let of = |who: &str| &f.by_manager[who];
    // S1 cohorts: L1 and L3 passed S1 at creation, with Anna; L2 with Boris.
    assert_eq!(step_of(of("anna"), "s1", "s2"), (2, 2));
    assert_eq!(step_of(of("boris"), "s1", "s2"), (1, 0));
    // The S2 cohort: L1 with Anna, L3 with Boris (the owner when it passed S2).
    assert_eq!(step_of(of("anna"), "s2", "s3"), (1, 0));
    assert_eq!(step_of(of("boris"), "s2", "s3"), (1, 0));
    // Stays in S1: L1's and L3's entered with Anna (completed), L2's with Boris (open at A).
    let s1 = r
        .stage_times
        .iter()
        .find(|s| s.pipeline == "p1" && s.stage == "s1")
        .expect("stays in S1");
    let counts = |who: &str| {
        let v = &s1.by_manager[who];
        (v.completed.calendar.n, v.open.calendar.n)
    };
    assert_eq!((counts("anna"), counts("boris")), ((2, 0), (0, 1)));
    assert_eq!((s1.completed.calendar.n, s1.open.calendar.n), (2, 1));
}
