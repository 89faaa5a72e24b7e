//! The data-quality counters of leads and calls (metrics.md §3.15) with exact numbers: leads
//! without a phone, phones held by several contacts, and items without a responsible; and the
//! engine fed lead by lead.

mod analytics_support;

use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

#[test]
fn leads_without_phone_count_open_leads_with_no_valid_phone() {
    let created = msk("2025-11-01 10:00:00");
    let mut l1 = Dialog::new(deal("L1", "anna", created));
    l1.deal.phones = vec!["+7 999 000-00-01".into()];
    let mut l2 = Dialog::new(deal("L2", "anna", created));
    l2.contacts = vec![contact("K2", &["8 999 000 00 02"])];
    let mut l3 = Dialog::new(deal("L3", "anna", created));
    l3.contacts = vec![contact("K3", &["12-34"])];
    let mut l4 = Dialog::new(deal("L4", "anna", created));
    l4.deal.closed_at = Some(msk("2025-11-05 10:00:00"));
    l4.deal.stage = Some(StageId::new("143"));
    let mut l5 = Dialog::new(deal("L5", "anna", created));
    l5.deal.synthetic = true;
    let mut l6 = Dialog::new(deal("L6", "anna", created));
    l6.deal.phones = vec!["12-34".into()];
    let r = run(
        fixture_config(),
        &[l1, l2, l3, l4, l5, l6],
        "2025-11-11",
        "2025-11-12",
    );
    let d = r.dq("dq.leads_without_phone").unwrap();
    assert_eq!(
        (d.count, d.denominator, d.samples.clone()),
        (2, 4, vec!["L3".to_owned(), "L6".to_owned()])
    );
    // "12-34" is one invalid phone, wherever it is written.
    let i = r.dq("dq.invalid_phone").unwrap();
    assert_eq!((i.count, i.denominator), (1, 3));
}

#[test]
fn duplicate_phones_count_phones_held_by_several_contacts() {
    let created = msk("2025-11-01 10:00:00");
    let k1 = contact("K1", &["+7 (999) 111-22-33"]);
    let mut a = Dialog::new(deal("A", "anna", created));
    a.contacts = vec![
        k1.clone(),
        contact("K2", &["89991112233", "+7 999 777 88 99"]),
    ];
    let mut b = Dialog::new(deal("B", "boris", created));
    // K1 again (the same contact twice is not a duplicate) and K3.
    b.contacts = vec![k1, contact("K3", &["+79995556677", "+7 999 555 66 77"])];
    let r = run(fixture_config(), &[a, b], "2025-11-11", "2025-11-12");
    let d = r.dq("dq.duplicate_phones").unwrap();
    assert_eq!(
        (d.count, d.denominator, d.samples.clone()),
        (1, 3, vec!["+79991112233".to_owned()])
    );
}

#[test]
fn unassigned_items_of_lead_and_call_metrics() {
    // U1 has no responsible: created Tue 11 Nov 10:00, one missed call at 11:00, no callback.
    let mut u = Dialog::new(deal("U1", "anna", msk("2025-11-11 10:00:00")));
    u.deal.responsible = None;
    u.calls = vec![call(
        "k1",
        msk("2025-11-11 11:00:00"),
        Direction::Inbound,
        CallStatus::NoAnswer,
        0,
        None,
        "+79990000001",
    )];
    // A1 is Anna's, created at 10:30, lost at 12:00 without a touch.
    let mut a = Dialog::new(deal("A1", "anna", msk("2025-11-11 10:30:00")));
    a.deal.closed_at = Some(msk("2025-11-11 12:00:00"));
    a.deal.stage = Some(StageId::new("143"));
    a.stage_changes = vec![stage_change(
        "e1",
        "A1",
        msk("2025-11-11 12:00:00"),
        "s1",
        "143",
    )];
    let r = run(fixture_config(), &[u, a], "2025-11-11", "2025-11-12");
    let dq = |id: &str| {
        let d = r.dq(id).unwrap_or_else(|| panic!("no {id}"));
        (d.count, d.denominator, d.samples.clone())
    };
    let one = |s: &str| vec![s.to_owned()];
    assert_eq!(
        dq("dq.unassigned_items.lead.speed_to_lead"),
        (1, 2, one("U1"))
    );
    assert_eq!(
        dq("dq.unassigned_items.lead.followup_stale"),
        (1, 1, one("U1"))
    );
    assert_eq!(dq("dq.unassigned_items.lead.win_rate"), (0, 1, vec![]));
    assert_eq!(dq("dq.unassigned_items.stage.time"), (1, 2, one("U1")));
    assert_eq!(dq("dq.unassigned_items.call.volume"), (1, 1, one("k1")));
    assert_eq!(dq("dq.unassigned_items.call.callback"), (1, 1, one("k1")));
    // The rows agree: U1's speed-to-lead item is in the `unassigned` row.
    assert_eq!(r.manager("unassigned").unwrap().values.leads.stl_items, 1);
}

#[test]
fn the_engine_takes_lead_phones_and_notes_directly() {
    let d = deal("L1", "anna", msk("2025-11-13 08:40:00"));
    let view = LeadView::new(&d, [], []);
    let notes = vec![note("n1", "L1", msk("2025-11-13 09:01:00"), "anna")];
    let mut cfg = fixture_config();
    cfg.stl_touch_channels = channels(&["note"]);
    let ctx = MetricsContext {
        config: cfg,
        period: Window::new(msk("2025-11-13 00:00:00"), msk("2025-11-14 00:00:00")).unwrap(),
        as_of: msk("2025-11-14 00:00:00"),
        report_tz: MSK,
        phone_region: "RU".into(),
        reference: ReferenceData::default(),
    };
    let mut engine = MetricsEngine::new(ctx).unwrap();
    engine.add_lead(&LeadInput {
        lead: &view,
        chat_touches: &[],
        calls: &[],
        activities: &notes,
        phones: &[],
    });
    let r = engine.finish();
    assert_eq!(stl(&r), (Some(1_260), Some(60)));
    let d = r.dq("dq.leads_without_phone").unwrap();
    assert_eq!((d.count, d.denominator), (1, 1));
}

#[test]
fn stage_changes_and_closes_before_a_leads_creation_are_timestamp_anomalies() {
    // L1 is created at 12:00 but lost at 11:00 (a close and its stage change: one event); L2
    // moves S1 → S2 at 09:00, before its creation at 10:00, then normally at 15:00; L3 is
    // fine; L4's early change is before the period (not counted, §3.15 anchors at the event).
    let lead = |id: &str, created: &str, moves: &[(&str, &str, &str)]| {
        let mut d = Dialog::new(deal(id, "anna", msk(created)));
        d.stage_changes = moves
            .iter()
            .enumerate()
            .map(|(i, (t, f, to))| stage_change(&format!("{id}-{i}"), id, msk(t), f, to))
            .collect();
        d
    };
    let mut l1 = lead(
        "L1",
        "2025-11-11 12:00:00",
        &[("2025-11-11 11:00:00", "s1", "143")],
    );
    l1.deal.stage = Some(StageId::new("143"));
    l1.deal.closed_at = Some(msk("2025-11-11 11:00:00"));
    let l2 = lead(
        "L2",
        "2025-11-11 10:00:00",
        &[
            ("2025-11-11 09:00:00", "s1", "s2"),
            ("2025-11-11 15:00:00", "s2", "s3"),
        ],
    );
    let l3 = lead(
        "L3",
        "2025-11-11 10:00:00",
        &[("2025-11-11 11:00:00", "s1", "s2")],
    );
    let l4 = lead(
        "L4",
        "2025-11-11 10:00:00",
        &[("2025-11-10 23:00:00", "s1", "s2")],
    );
    // L5's early change (22:00, before its creation at 23:00) is after A (21:00): not read.
    let l5 = lead(
        "L5",
        "2025-11-11 23:00:00",
        &[("2025-11-11 22:00:00", "s1", "s2")],
    );
    let r = run_with(
        fixture_config(),
        ReferenceData::default(),
        &[l1, l2, l3, l4, l5],
        msk("2025-11-11 00:00:00"),
        msk("2025-11-12 00:00:00"),
        msk("2025-11-11 21:00:00"),
        MSK,
    );
    let d = r
        .dq("dq.timestamp_anomalies")
        .expect("the anomalies are counted");
    // Read: L1's close, L2's two changes, L3's change.
    assert_eq!((d.count, d.denominator), (2, 4), "{d:?}");
    assert_eq!(
        d.samples,
        [
            "lead L1 changed at 2025-11-11T08:00:00+00:00 before its creation at \
             2025-11-11T09:00:00+00:00",
            "lead L2 changed at 2025-11-11T06:00:00+00:00 before its creation at \
             2025-11-11T07:00:00+00:00",
        ]
    );
    // L1's cycle is clamped to 0 s, not negative.
    let cycle = &r.totals.leads.cycle;
    assert_eq!((cycle.calendar.n, cycle.calendar.max), (1, Some(0.0)));
}

#[test]
fn a_deals_close_time_beside_its_recorded_close_is_one_event() {
    // The CRM's `closed_at` is a second off the status change that records the close: one
    // close read, and one anomaly when both are before the lead's creation at 12:00.
    let mut d = Dialog::new(deal("L1", "anna", msk("2025-11-11 12:00:00")));
    d.stage_changes = vec![stage_change(
        "L1-0",
        "L1",
        msk("2025-11-11 11:00:00"),
        "s1",
        "143",
    )];
    d.deal.stage = Some(StageId::new("143"));
    d.deal.closed_at = Some(msk("2025-11-11 11:00:01"));
    let r = run(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    let a = r
        .dq("dq.timestamp_anomalies")
        .expect("the anomalies are counted");
    assert_eq!((a.count, a.denominator), (1, 1), "{a:?}");
}
