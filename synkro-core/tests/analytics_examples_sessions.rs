//! The worked examples E10, E11 and E19 of metrics.md §8, with their exact numbers, through the
//! public API: sessions split by the gap, waits still open at the period end, and waits that
//! expire in a dialog never answered.

mod analytics_support;

use analytics_support::*;
use chrono::{DateTime, Utc, Weekday::*};
use synkro_core::analytics::*;
use synkro_core::pipeline::Dialog;

fn e10(m4: &str) -> MetricsReport {
    let d = dialog(
        "c1",
        vec![
            client(
                "c1",
                "m1",
                msk("2025-11-10 10:00:00"),
                "Какие сроки производства?",
            ),
            staff(
                "c1",
                "m2",
                msk("2025-11-10 10:10:00"),
                "anna",
                "5 рабочих дней.",
            ),
            client("c1", "m3", msk("2025-11-10 10:12:00"), "ок"),
            client(
                "c1",
                "m4",
                msk(m4),
                "Ещё вопрос: доставка в субботу возможна?",
            ),
            staff("c1", "m5", msk("2025-11-11 10:30:00"), "anna", "Да."),
        ],
    );
    run(
        fixture_config_with_waits(),
        &[d],
        "2025-11-10",
        "2025-11-12",
    )
}

#[test]
fn e10_session_split_by_the_gap() {
    // Variant A: m4 comes 86 400 s after m3 (the ack is activity): a second session.
    let a = e10("2025-11-11 10:12:00");
    assert_eq!(a.totals.dialogs.sessions, 2, "A: sessions");
    assert_eq!(a.dialogs.len(), 2, "A: dialog rows");
    assert_eq!(
        a.dialogs[1].start,
        msk("2025-11-11 10:12:00"),
        "A: S2 starts at m4"
    );
    assert_eq!(a.dialogs[1].initiator, "client", "A: S2 initiator");
    let f = &a.totals.waits.first_response;
    assert_eq!(f.business.n, 2, "A: first responses");
    for (what, s, expected) in [
        (
            "A: first response S1 cal",
            a.dialogs[0].first_response_calendar_s,
            600,
        ),
        (
            "A: first response S1 bus",
            a.dialogs[0].first_response_business_s,
            600,
        ),
        (
            "A: first response S2 cal",
            a.dialogs[1].first_response_calendar_s,
            1_080,
        ),
        (
            "A: first response S2 bus",
            a.dialogs[1].first_response_business_s,
            1_080,
        ),
    ] {
        check_secs(what, s, expected);
    }
    let w = waits_of(&a, "c1");
    assert_eq!(w.len(), 2, "A: reply times");
    check_wait("A: m1→m2", w[0], 600, 600);
    check_wait("A: m4→m5", w[1], 1_080, 1_080);

    // Variant B: 86 399 s, one session; m4→m5 is its second wait.
    let b = e10("2025-11-11 10:11:59");
    assert_eq!(b.totals.dialogs.sessions, 1, "B: sessions");
    let f = &b.totals.waits.first_response;
    assert_eq!(f.business.n, 1, "B: first responses");
    check_secs("B: first response cal", f.calendar.max, 600);
    check_secs("B: first response bus", f.business.max, 600);
    let w = waits_of(&b, "c1");
    assert_eq!(w.len(), 2, "B: reply times");
    check_wait("B: m1→m2", w[0], 600, 600);
    check_wait("B: m4→m5", w[1], 1_081, 1_081);
    assert_eq!(b.totals.waits.next_reply.business.n, 1, "B: next replies");
}

/// E11's chats a, b, c with Anna's replies (a at Tue 12:05, b and c at Wed 09:05); the replies of
/// b and c are left out when not `replies`.
fn e11_dialogs(replies: bool) -> Vec<Dialog> {
    let mut ds = vec![dialog(
        "a",
        vec![
            client("a", "a1", msk("2025-11-11 12:00:00"), "Вопрос А"),
            staff("a", "a2", msk("2025-11-11 12:05:00"), "anna", "Ответ"),
        ],
    )];
    for (c, t) in [("b", "2025-11-11 17:30:00"), ("c", "2025-11-11 17:55:00")] {
        let mut m = vec![client(c, &format!("{c}1"), msk(t), "Вопрос")];
        if replies {
            m.push(staff(
                c,
                &format!("{c}2"),
                msk("2025-11-12 09:05:00"),
                "anna",
                "Ответ",
            ));
        }
        ds.push(dialog(c, m));
    }
    ds
}

/// A report on local day `day` (Moscow) with A = `a`.
fn report_on(ds: &[Dialog], day: (&str, &str), a: DateTime<Utc>) -> MetricsReport {
    let (from, to) = (
        msk(&format!("{} 00:00:00", day.0)),
        msk(&format!("{} 00:00:00", day.1)),
    );
    let cfg = fixture_config_with_waits();
    run_with(cfg, ReferenceData::default(), ds, from, to, a, MSK)
}

fn e11(a: &str, replies: bool) -> MetricsReport {
    report_on(&e11_dialogs(replies), ("2025-11-11", "2025-11-12"), msk(a))
}

/// The SLA 900 status of `chat`'s wait in `r`.
fn sla_900(r: &MetricsReport, chat: &str) -> SlaStatus {
    let w = waits_of(r, chat);
    assert_eq!(w.len(), 1, "{chat}: one wait");
    assert_eq!(w[0].sla[0].0, 900);
    w[0].sla[0].1
}

/// Asserts `chat`'s due_at (start + 900 business seconds): its wait, still unanswered, is pending
/// at A = `due` and a miss 1 µs later (the wait rows' `due_at` field names the same instant:
/// see `e11_wait_rows_carry_due_at_and_the_calendar_used`).
#[track_caller]
fn check_due_at(chat: &str, due: &str) {
    let mut ds = e11_dialogs(false);
    for d in &mut ds {
        d.messages.truncate(1);
    }
    let due = msk(due);
    let tue = ("2025-11-11", "2025-11-12");
    let at_due = report_on(&ds, tue, due);
    assert_eq!(
        sla_900(&at_due, chat),
        SlaStatus::Pending,
        "{chat} at due_at"
    );
    let after = report_on(&ds, tue, due + chrono::Duration::microseconds(1));
    assert_eq!(
        sla_900(&after, chat),
        SlaStatus::Miss,
        "{chat} 1 µs after due_at"
    );
}

#[test]
fn e11_open_waits_at_period_end() {
    // Run 1: A = E = Wed 00:00, the replies of b and c not yet known.
    let r1 = e11("2025-11-12 00:00:00", false);
    let (a, b, c) = (waits_of(&r1, "a"), waits_of(&r1, "b"), waits_of(&r1, "c"));
    assert_eq!(a[0].outcome, "answered", "run 1: a");
    check_wait("run 1: a", a[0], 300, 300);
    assert_eq!(a[0].sla[0].1, SlaStatus::Hit, "run 1: a SLA 900");
    assert_eq!(b[0].outcome, "open", "run 1: b");
    check_wait("run 1: b age", b[0], 23_400, 1_800);
    assert_eq!(b[0].sla[0].1, SlaStatus::Miss, "run 1: b SLA 900");
    assert_eq!(c[0].outcome, "open", "run 1: c");
    check_wait("run 1: c age", c[0], 21_900, 300);
    assert_eq!(c[0].sla[0].1, SlaStatus::Pending, "run 1: c SLA 900");
    let w = &r1.totals.waits;
    let s = &w.sla[0];
    assert_eq!(s.hits, 1, "run 1: hits");
    assert_eq!(s.misses, 1, "run 1: misses");
    assert_eq!(s.pending, 1, "run 1: pending");
    check_rate("run 1: hit rate (50.0 %)", s.hit_rate, 1, 2);
    assert_eq!(w.reply.business.n, 1, "run 1: wait.reply n");
    check_secs("run 1: wait.reply cal", w.reply.calendar.max, 300);
    check_secs("run 1: wait.reply bus", w.reply.business.max, 300);
    assert_eq!(w.open_at_end, 2, "run 1: wait.open_at_end");
    let ages = &w.open_at_end_age;
    check_secs("run 1: open age bus (c)", ages.business.p50, 300);
    check_secs("run 1: open age bus (b)", ages.business.max, 1_800);
    check_secs("run 1: open age cal (c)", ages.calendar.p50, 21_900);
    check_secs("run 1: open age cal (b)", ages.calendar.max, 23_400);
    assert_eq!(w.open_at_end_overdue, vec![(900, 1)], "run 1: overdue");
    let d = &r1.totals.dialogs;
    let lost = d.never_answered_expired + d.never_answered_closed;
    assert_eq!(lost, 0, "run 1: never answered, lost");
    assert_eq!(
        d.never_answered_awaiting, 2,
        "run 1: never answered, awaiting"
    );

    // due_at of each wait (SLA 900 on business time).
    check_due_at("a", "2025-11-11 12:15:00");
    check_due_at("b", "2025-11-11 17:45:00");
    check_due_at("c", "2025-11-12 09:10:00");

    // Run 2: A = Wed 12:00, same period.
    let r2 = e11("2025-11-12 12:00:00", true);
    let (b, c) = (waits_of(&r2, "b"), waits_of(&r2, "c"));
    check_wait("run 2: b", b[0], 56_100, 2_100);
    assert_eq!(b[0].sla[0].1, SlaStatus::Miss, "run 2: b stays a miss");
    check_wait("run 2: c", c[0], 54_600, 600);
    assert_eq!(c[0].sla[0].1, SlaStatus::Hit, "run 2: c SLA 900");
    let w = &r2.totals.waits;
    assert_eq!(w.sla[0].hits, 2, "run 2: hits");
    assert_eq!(w.sla[0].misses, 1, "run 2: misses");
    check_rate("run 2: hit rate (66.7 %)", w.sla[0].hit_rate, 2, 3);
    let b = &w.reply.business;
    assert_eq!(b.n, 3, "run 2: wait.reply n");
    assert_eq!(b.mean, Some(1_000.0), "run 2: wait.reply bus mean");
    check_secs("run 2: wait.reply bus p50", b.p50, 600);
    check_secs("run 2: wait.reply bus p90", b.p90, 2_100);
    check_secs("run 2: wait.reply bus max", b.max, 2_100);
    let c = &w.reply.calendar;
    assert_eq!(c.mean, Some(37_000.0), "run 2: wait.reply cal mean");
    check_secs("run 2: wait.reply cal p50", c.p50, 54_600);
    check_secs("run 2: wait.reply cal p90", c.p90, 56_100);
    assert_eq!(w.open_at_end, 2, "run 2: wait.open_at_end (snapshot at E)");
    // The per-day series: Tuesday's snapshot (at its end, E) holds b and c, b overdue.
    let tue: Vec<_> = r2
        .open_at_end_by_day
        .iter()
        .map(|d| (d.day.to_string(), d.open, d.overdue.clone()))
        .collect();
    assert_eq!(tue, vec![("2025-11-11".to_owned(), 2, vec![(900, 1)])]);

    // The Wednesday report (same data, same A) does not contain these waits.
    let wed = report_on(
        &e11_dialogs(true),
        ("2025-11-12", "2025-11-13"),
        msk("2025-11-12 12:00:00"),
    );
    assert_eq!(wed.totals.waits.total, 0, "Wednesday: waits");
    assert!(wed.waits.is_empty(), "Wednesday: exported waits");
}

/// Asserts the exported wait of `chat` (§2.4): the calendar that measured it and its SLA 900
/// `due_at` (§3.3), exactly.
#[track_caller]
fn check_due_row(what: &str, r: &MetricsReport, chat: &str, calendar: &str, due: &str) {
    let w = waits_of(r, chat);
    assert_eq!(w.len(), 1, "{what}: {chat} has one wait");
    assert_eq!(
        (w[0].calendar.as_str(), w[0].due_at.clone()),
        (calendar, vec![(900, Some(msk(due)))]),
        "{what}: {chat} calendar and due_at"
    );
}

#[test]
fn e11_wait_rows_carry_due_at_and_the_calendar_used() {
    // E11's due_at column: a Tue 12:15, b Tue 17:45, c Wed 09:10 (900 business seconds from the
    // client message in MSK-9-18), whether the wait is answered or still open.
    for (run, a, replies) in [
        ("run 1", "2025-11-12 00:00:00", false),
        ("run 2", "2025-11-12 12:00:00", true),
    ] {
        let r = e11(a, replies);
        check_due_row(run, &r, "a", "MSK-9-18", "2025-11-11 12:15:00");
        check_due_row(run, &r, "b", "MSK-9-18", "2025-11-11 17:45:00");
        check_due_row(run, &r, "c", "MSK-9-18", "2025-11-12 09:10:00");
    }

    // §4.2: Anna, to whom every wait is attributed, works 10–19 in her own calendar: it measures
    // the waits and is named; c's 900 s now fit before 19:00.
    let mut cfg = fixture_config_with_waits();
    cfg.calendars.push(CalendarSpec::weekly(
        "MSK-10-19",
        "Europe/Moscow",
        &[Mon, Tue, Wed, Thu, Fri],
        &["10:00-19:00"],
    ));
    cfg.manager_calendars
        .insert("anna".into(), "MSK-10-19".into());
    let (from, to) = (msk("2025-11-11 00:00:00"), msk("2025-11-12 00:00:00"));
    let r = run_with(
        cfg,
        ReferenceData::default(),
        &e11_dialogs(false),
        from,
        to,
        to,
        MSK,
    );
    check_due_row(
        "anna's calendar",
        &r,
        "a",
        "MSK-10-19",
        "2025-11-11 12:15:00",
    );
    check_due_row(
        "anna's calendar",
        &r,
        "c",
        "MSK-10-19",
        "2025-11-11 18:10:00",
    );

    // sla_basis = calendar: due_at is the start plus 900 elapsed seconds, overnight included.
    let cfg = MetricsConfig {
        sla_basis: Basis::Calendar,
        ..fixture_config_with_waits()
    };
    let r = run_with(
        cfg,
        ReferenceData::default(),
        &e11_dialogs(false),
        from,
        to,
        to,
        MSK,
    );
    check_due_row("calendar basis", &r, "b", "MSK-9-18", "2025-11-11 17:45:00");
    check_due_row("calendar basis", &r, "c", "MSK-9-18", "2025-11-11 18:10:00");
}

fn e19_dialog() -> Dialog {
    dialog(
        "c19",
        vec![
            client(
                "c19",
                "m1",
                msk("2025-11-10 10:00:00"),
                "Нужна цена на 500 шт.",
            ),
            client("c19", "m2", msk("2025-11-15 12:00:00"), "Алло?"),
            staff(
                "c19",
                "m3",
                msk("2025-11-17 11:00:00"),
                "anna",
                "Добрый день! Извините за задержку, цена 90 ₽/шт.",
            ),
            client(
                "c19",
                "m4",
                msk("2025-11-17 11:05:00"),
                "Уже купили у других.",
            ),
            staff(
                "c19",
                "m5",
                msk("2025-11-17 11:06:00"),
                "anna",
                "Понял, будем рады в следующий раз.",
            ),
        ],
    )
}

#[test]
fn e19_wait_expiry_and_a_never_answered_dialog() {
    // §8a: the smallest whole number of local days with every message, Mon 10 – Mon 17 Nov.
    let r = run(
        fixture_config_with_waits(),
        &[e19_dialog()],
        "2025-11-10",
        "2025-11-18",
    );
    let w = &r.totals.waits;
    assert_eq!(w.total, 2, "waits");
    assert_eq!(w.expired, 1, "expired waits");
    assert_eq!(w.answered, 1, "answered waits");
    let rows = waits_of(&r, "c19");
    assert_eq!(rows.len(), 2, "exported waits");
    assert_eq!(rows[0].outcome, "expired", "session 1's wait");
    assert_eq!(rows[0].session_no, 1, "session 1's wait");
    check_wait("expired wait's age", rows[0], 604_800, 162_000);
    assert_eq!(rows[0].sla[0].1, SlaStatus::Miss, "expired wait: SLA 900");
    assert_eq!(w.sla[0].misses, 1, "SLA 900 misses");
    assert_eq!((rows[1].session_no, rows[1].first), (2, true), "m4→m5");
    check_wait("m4→m5", rows[1], 60, 60);
    assert_eq!(
        w.reply.business.n, 1,
        "wait.reply n (no value for the expired wait)"
    );
    check_secs("wait.reply cal", w.reply.calendar.max, 60);
    check_secs("wait.reply bus", w.reply.business.max, 60);
    assert_eq!(w.first_response.business.n, 0, "wait.first_response n");
    assert_eq!(w.next_reply.business.n, 0, "wait.next_reply n (K4)");
    let first = &r.dialogs[0];
    assert_eq!(first.end, Some(msk("2025-11-17 10:00:00")), "session 1 end");
    assert_eq!(first.end_reason, "gap", "session 1 end reason");
    assert_eq!(first.never_answered.as_deref(), Some("lost_expired"));
    let second = &r.dialogs[1];
    assert_eq!(
        second.start,
        msk("2025-11-17 11:00:00"),
        "session 2 starts at m3"
    );
    assert_eq!(second.initiator, "manager", "session 2 initiator");
    assert_eq!(
        second.first_response_business_s, None,
        "session 2 first response"
    );
    check_e19_dialogs("the minimal period", &r.totals.dialogs);

    // The example states the dialog counts "for November" too.
    let nov = run(
        fixture_config(),
        &[e19_dialog()],
        "2025-11-01",
        "2025-12-01",
    );
    check_e19_dialogs("November", &nov.totals.dialogs);
}

/// Checks E19's dialog counts: two dialogs (one started by the client, one by the manager), no
/// outreach, one lost by expiry.
fn check_e19_dialogs(period: &str, d: &DialogMetrics) {
    assert_eq!(d.new, 2, "{period}: dialog.new");
    assert_eq!(
        d.new_by_initiator.get("client"),
        Some(&1),
        "{period}: client"
    );
    assert_eq!(
        d.new_by_initiator.get("manager"),
        Some(&1),
        "{period}: manager"
    );
    assert_eq!(d.outreach, 0, "{period}: dialog.outreach");
    assert_eq!(d.never_answered_expired, 1, "{period}: lost_expired");
}
