//! History before the period (metrics.md C7, K8): `dq.truncated_history`.

mod analytics_support;

use analytics_support::*;
use synkro_core::analytics::*;

const DAY: i64 = 86_400;

/// Day, snapshot instant, open waits, overdue per target.
type Snapshot = (String, String, u64, Vec<(i64, u64)>);

#[test]
fn a_chat_whose_loaded_history_starts_inside_a_running_session_is_flagged() {
    // history_start = 2025-11-11 − 8 d = 2025-11-03 00:00 MSK.
    let cfg = MetricsConfig {
        history_lookback: 8 * DAY,
        ..fixture_config()
    };
    let in_period = |chat: &str| {
        client(
            chat,
            &format!("{chat}-p"),
            msk("2025-11-11 10:00:00"),
            "Добрый день",
        )
    };
    // a: an unanswered wait from before history_start, still within wait_expiry at it.
    let a = dialog(
        "a",
        vec![
            client("a", "a1", msk("2025-11-02 20:00:00"), "Когда отгрузка?"),
            in_period("a"),
        ],
    );
    // b: answered, but its last activity plus session_gap reaches past history_start.
    let mut b = answered("b", "2025-11-02 23:00:00", "anna", "2025-11-02 23:05:00");
    b.messages.push(in_period("b"));
    // c: a session that ended days before history_start.
    let mut c = answered("c", "2025-10-30 10:00:00", "anna", "2025-10-30 10:05:00");
    c.messages.push(in_period("c"));
    // d: nothing before history_start.
    let d = dialog("d", vec![in_period("d")]);
    let r = run(cfg, &[a, b, c, d], "2025-11-11", "2025-11-12");
    let t = r.dq("dq.truncated_history").expect("counted");
    assert_eq!(
        (t.count, t.denominator, t.samples.clone()),
        (2, 4, vec!["a".to_owned(), "b".to_owned()])
    );
    // The messages before history_start are dropped: each chat has one session, in the period.
    assert_eq!((r.totals.dialogs.sessions, r.totals.dialogs.new), (4, 4));
    assert_eq!(r.totals.waits.total, 4);
}

#[test]
fn open_waits_are_snapshotted_at_each_day_end_of_the_period() {
    let cfg = MetricsConfig {
        sla_basis: Basis::Calendar,
        ..fixture_config()
    };
    let dialogs = [
        // Open at Monday's end (7 h), answered on Tuesday.
        answered("a", "2025-11-10 17:00:00", "anna", "2025-11-11 10:00:00"),
        // Never answered: open at Tuesday's end (12 h) and Wednesday's (36 h).
        dialog(
            "b",
            vec![client(
                "b",
                "b1",
                msk("2025-11-11 12:00:00"),
                "Когда отгрузка?",
            )],
        ),
        // Started before the period, answered before Monday's end: in no snapshot.
        answered("c", "2025-11-09 20:00:00", "anna", "2025-11-10 09:30:00"),
        // Started before the period, open at Monday's end (25 h).
        answered("d", "2025-11-09 23:00:00", "anna", "2025-11-11 11:00:00"),
    ];
    let r = run(cfg, &dialogs, "2025-11-10", "2025-11-13");
    let series: Vec<Snapshot> = r
        .open_at_end_by_day
        .iter()
        .map(|d| {
            (
                d.day.to_string(),
                d.at.to_rfc3339(),
                d.open,
                d.overdue.clone(),
            )
        })
        .collect();
    assert_eq!(
        series,
        vec![
            (
                "2025-11-10".into(),
                "2025-11-10T21:00:00+00:00".into(),
                2,
                vec![(900, 2)]
            ),
            (
                "2025-11-11".into(),
                "2025-11-11T21:00:00+00:00".into(),
                1,
                vec![(900, 1)]
            ),
            (
                "2025-11-12".into(),
                "2025-11-12T21:00:00+00:00".into(),
                1,
                vec![(900, 1)]
            ),
        ]
    );
    // The period-end snapshot (E = the last day's end) agrees with the series' last day.
    assert_eq!(r.totals.waits.open_at_end, 1);
}

#[test]
fn a_session_begun_before_the_period_continues_from_the_history() {
    // The client asked at 23:50 the day before; Anna answered at 00:10 in the period.
    let mut d = dialog(
        "h",
        vec![staff(
            "h",
            "h2",
            msk("2025-11-11 00:10:00"),
            "anna",
            "Отправил",
        )],
    );
    let without = run(fixture_config(), &[d.clone()], "2025-11-11", "2025-11-12");
    // Without the history the reply looks like outreach opening a session in the period.
    assert_eq!(
        (
            without.totals.dialogs.sessions,
            without.totals.dialogs.outreach
        ),
        (1, 1)
    );
    d.history = vec![client("h", "h1", msk("2025-11-10 23:50:00"), "Нужен счёт")];
    let with = run(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    // With it, the session and its wait began the day before: neither is in this period, and the
    // history's message is not counted as a message of the period.
    assert_eq!(
        (
            with.totals.dialogs.sessions,
            with.totals.dialogs.outreach,
            with.totals.waits.total,
            with.totals.messages.inbound,
            with.totals.messages.out_human
        ),
        (0, 0, 0, 0, 1)
    );
    let t = with.dq("dq.truncated_history").expect("counted");
    assert_eq!((t.count, t.denominator), (0, 1));
}
