//! A knowledge cut-off A later than the period's end (metrics.md C3): the items that start in the
//! period end with what happened up to A (`Dialog::after`), nothing after `to` is counted as an
//! item of the period, and state metrics stay snapshotted at E = min(to, A).

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::pipeline::Dialog;

/// The period Tue 11 Nov 2025 (Moscow) with A = `as_of` (Moscow wall time).
fn tuesday(dialogs: &[Dialog], as_of: &str) -> MetricsReport {
    run_with(
        fixture_config(),
        ReferenceData::default(),
        dialogs,
        msk("2025-11-11 00:00:00"),
        msk("2025-11-12 00:00:00"),
        msk(as_of),
        MSK,
    )
}

/// a: the client asks Tue 23:50, Anna answers Wed 00:10 and the client writes again Wed 10:00;
/// b: the client asks Tue 23:40, Anna answers Wed 12:30. Everything on Wednesday is after the
/// period, in `Dialog::after`.
fn late_replies() -> Vec<Dialog> {
    let mut a = dialog(
        "a",
        vec![client("a", "a1", msk("2025-11-11 23:50:00"), "Нужен счёт")],
    );
    a.after.messages = vec![
        staff("a", "a2", msk("2025-11-12 00:10:00"), "anna", "Отправил"),
        client("a", "a3", msk("2025-11-12 10:00:00"), "Когда доставка?"),
    ];
    let mut b = dialog(
        "b",
        vec![client(
            "b",
            "b1",
            msk("2025-11-11 23:40:00"),
            "Сколько стоит?",
        )],
    );
    b.after.messages = vec![staff(
        "b",
        "b2",
        msk("2025-11-12 12:30:00"),
        "anna",
        "100 ₽",
    )];
    vec![a, b]
}

/// (total, answered, open) waits.
fn waits(r: &MetricsReport) -> (u64, u64, u64) {
    let w = &r.totals.waits;
    (w.total, w.answered, w.open)
}

/// (n, calendar max, business max) of the reply times.
fn replies(r: &MetricsReport) -> (u64, Option<i64>, Option<i64>) {
    let d = &r.totals.waits.reply;
    (d.calendar.n, secs(d.calendar.max), secs(d.business.max))
}

#[test]
fn a_reply_after_the_period_and_at_or_before_a_closes_the_wait_with_its_true_duration() {
    let r = tuesday(&late_replies(), "2025-11-12 12:00:00");
    assert_eq!(r.as_of, msk("2025-11-12 12:00:00"));
    assert_eq!(r.snapshot_at, msk("2025-11-12 00:00:00"), "E = to");
    // a is answered after 20 min (all of it outside working hours); b's reply comes after A.
    // a3 opens a wait on Wednesday: not a wait of the period.
    assert_eq!(waits(&r), (2, 1, 1));
    assert_eq!(replies(&r), (1, Some(1_200), Some(0)));
    let fr = &r.totals.waits.first_response;
    assert_eq!((fr.calendar.n, secs(fr.calendar.max)), (1, Some(1_200)));
    // SLA 900 s on business time: a is a hit; b, open at A with 3 working hours (Wed 09–12), a
    // miss.
    let sla = &r.totals.waits.sla[0];
    assert_eq!((sla.hits, sla.misses, sla.pending), (1, 1, 0));
    // The snapshot at E = Tue 24:00: both were unanswered then, aged 10 and 20 minutes.
    let w = &r.totals.waits;
    assert_eq!(w.open_at_end, 2);
    let age = &w.open_at_end_age.calendar;
    assert_eq!(
        (age.n, secs(Some(age.sum)), secs(age.max)),
        (2, Some(1_800), Some(1_200))
    );
    // Wednesday's messages are not messages of the period; b's dialog still awaits a reply at A.
    let m = &r.totals.messages;
    assert_eq!((m.inbound, m.out_human), (2, 0));
    let d = &r.totals.dialogs;
    assert_eq!((d.sessions, d.new, d.never_answered_awaiting), (2, 2, 1));
    // a's session runs on after the period with its Wednesday messages.
    let row = r
        .dialogs
        .iter()
        .find(|x| x.chat == "a")
        .expect("a's dialog");
    assert_eq!(
        (row.client_messages, row.human_messages, row.answered_waits),
        (2, 1, 1)
    );
}

#[test]
fn a_reply_after_a_does_not_close_the_wait() {
    // A = Wed 00:05: a's reply (00:10) is not known yet.
    let r = tuesday(&late_replies(), "2025-11-12 00:05:00");
    assert_eq!(waits(&r), (2, 0, 2));
    assert_eq!(replies(&r), (0, None, None));
    assert_eq!(r.snapshot_at, msk("2025-11-12 00:00:00"));
    assert_eq!(r.totals.waits.open_at_end, 2);
    assert_eq!(r.totals.dialogs.never_answered_awaiting, 2);
    // A = Wed 13:00: b's reply at 12:30 is known too, 12 h 50 min (3.5 working hours) after.
    let r = tuesday(&late_replies(), "2025-11-12 13:00:00");
    assert_eq!(waits(&r), (2, 2, 0));
    assert_eq!(replies(&r), (2, Some(46_200), Some(12_600)));
    // The snapshot at E does not move with A.
    assert_eq!(r.totals.waits.open_at_end, 2);
    assert_eq!(r.totals.dialogs.never_answered_awaiting, 0);
}

#[test]
fn a_cut_off_inside_the_period_snapshots_at_a_and_ignores_what_follows() {
    // A = Tue 23:45: a1 (23:50) and everything after it are unknown.
    let r = tuesday(&late_replies(), "2025-11-11 23:45:00");
    assert_eq!(r.snapshot_at, msk("2025-11-11 23:45:00"), "E = A");
    assert_eq!(waits(&r), (1, 0, 1));
    let w = &r.totals.waits;
    assert_eq!(
        (w.open_at_end, secs(w.open_at_end_age.calendar.max)),
        (1, Some(300))
    );
    assert_eq!(r.totals.messages.inbound, 1);
}

#[test]
fn speed_to_lead_and_callbacks_that_start_in_the_period_end_after_it() {
    // A lead created Tue 23:55 whose first touch is Anna's message on Wednesday at 09:05.
    let mut lead = dialog(
        "s",
        vec![client(
            "s",
            "s1",
            msk("2025-11-11 23:50:00"),
            "Хочу заказать",
        )],
    );
    lead.deal.created_at = msk("2025-11-11 23:55:00");
    lead.after.messages = vec![staff(
        "s",
        "s2",
        msk("2025-11-12 09:05:00"),
        "anna",
        "Здравствуйте!",
    )];
    let r = tuesday(&[lead.clone()], "2025-11-12 12:00:00");
    let l = &r.totals.leads;
    assert_eq!(l.stl_items, 1);
    assert_eq!(l.stl_outcomes.get("touched"), Some(&1));
    assert_eq!(stl(&r), (Some(33_000), Some(300)));
    // Known only up to Tue 24:00 it is still open.
    let r = tuesday(&[lead], "2025-11-12 00:00:00");
    assert_eq!(r.totals.leads.stl_outcomes.get("open"), Some(&1));

    // E13's missed calls (Wed 12 Nov 17:52 and 17:58:30) with Wednesday as the period and
    // Boris's callback on Thursday 09:10 after it.
    let mut calls = e13_lead(None);
    calls.after.calls = vec![e13_callback("boris")];
    let r = run_with(
        fixture_config(),
        ReferenceData::default(),
        &[calls],
        msk("2025-11-12 00:00:00"),
        msk("2025-11-13 00:00:00"),
        msk("2025-11-13 12:00:00"),
        MSK,
    );
    let c = &r.totals.calls;
    assert_eq!(c.episode_outcomes.get("called_back"), Some(&1));
    let cb = &c.callback;
    assert_eq!(
        (secs(cb.calendar.max), secs(cb.business.max)),
        (Some(55_080), Some(1_080))
    );
    // The callback is not a call of the period.
    assert_eq!((c.inbound, c.outbound, c.missed, c.episodes), (2, 0, 2, 1));
}

#[test]
fn a_stage_left_after_the_period_ends_its_stay_and_converts_its_cohort() {
    // Created Tue 09:00 in s1 of pipeline p1, moved to s2 Tue 10:00, to s3 Wed 10:00 (after the
    // period).
    let mut d = dialog("f", Vec::new());
    d.chat = None;
    d.deal.created_at = msk("2025-11-11 09:00:00");
    d.stage_changes = vec![stage_change(
        "sc1",
        "lead-f",
        msk("2025-11-11 10:00:00"),
        "s1",
        "s2",
    )];
    d.after.stage_changes = vec![stage_change(
        "sc2",
        "lead-f",
        msk("2025-11-12 10:00:00"),
        "s2",
        "s3",
    )];
    let reference = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    let run = |as_of: &str| {
        run_with(
            fixture_config(),
            reference.clone(),
            std::slice::from_ref(&d),
            msk("2025-11-11 00:00:00"),
            msk("2025-11-12 00:00:00"),
            msk(as_of),
            MSK,
        )
    };
    let s2 = |r: &MetricsReport| {
        let st = r.stage_times.iter().find(|s| s.stage == "s2").expect("s2");
        (
            st.completed.calendar.n,
            secs(st.completed.calendar.max),
            st.open.calendar.n,
        )
    };
    let s2_to_s3 = |r: &MetricsReport| {
        let f = r.funnel("p1").expect("p1");
        let s = f.steps.iter().find(|s| s.from == "s2" && s.to == "s3");
        s.map(|s| (s.converted, s.cohort))
    };
    // Known up to Wed 12:00: the stay in s2 lasted 24 h, and the lead passed s3 after it.
    let r = run("2025-11-12 12:00:00");
    assert_eq!(s2(&r), (1, Some(86_400), 0));
    assert_eq!(s2_to_s3(&r), Some((1, 1)));
    // Known up to Tue 24:00: still in s2 (14 h), not converted.
    let r = run("2025-11-12 00:00:00");
    assert_eq!(s2(&r), (0, None, 1));
    assert_eq!(s2_to_s3(&r), Some((0, 1)));
}
