//! The `outcome` dimension (metrics.md §6): waits by their outcome (W9), dialogs by their
//! never-answered status (§3.5), missed-call episodes by theirs (§3.7) and speed-to-lead items by
//! theirs (§3.6), all as of A; other items are `-`. Breakdown rows and filters.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

/// `cfg` with the `[outcome]` breakdown and, when any, the `outcome` filter `keep`.
fn by_outcome(mut cfg: MetricsConfig, keep: &[&str]) -> MetricsConfig {
    cfg.breakdowns.push(vec![Dimension::Outcome]);
    if !keep.is_empty() {
        cfg.filters.insert(
            "outcome".into(),
            keep.iter().map(|v| (*v).to_owned()).collect(),
        );
    }
    cfg
}

/// The rows of the `[outcome]` breakdown: (label, values), in row order.
fn rows(r: &MetricsReport) -> Vec<(&str, &MetricValues)> {
    r.breakdown(&[Dimension::Outcome])
        .expect("the outcome breakdown")
        .rows
        .iter()
        .map(|row| (row.key[0].as_str(), &row.values))
        .collect()
}

/// The `outcome` row `label`'s values.
#[track_caller]
fn row<'r>(r: &'r MetricsReport, label: &str) -> &'r MetricValues {
    rows(r)
        .into_iter()
        .find(|(k, _)| *k == label)
        .unwrap_or_else(|| panic!("no `{label}` row"))
        .1
}

/// The labels of the `outcome` rows, in row order.
fn labels(r: &MetricsReport) -> Vec<&str> {
    rows(r).into_iter().map(|(k, _)| k).collect()
}

/// A wait's counts: (total, answered, open, closed, expired, open_at_end).
fn wait_counts(v: &MetricValues) -> (u64, u64, u64, u64, u64, u64) {
    let w = &v.waits;
    (
        w.total,
        w.answered,
        w.open,
        w.closed,
        w.expired,
        w.open_at_end,
    )
}

/// A dialog's counts: (sessions, new, lost_expired, lost_closed, awaiting).
fn dialog_counts(v: &MetricValues) -> (u64, u64, u64, u64, u64) {
    let d = &v.dialogs;
    (
        d.sessions,
        d.new,
        d.never_answered_expired,
        d.never_answered_closed,
        d.never_answered_awaiting,
    )
}

/// Four chats of Tue 11 Nov (Moscow), each one session with one wait, `wait_expiry` 1 h, A = E =
/// Wed 00:00: `a` answered by Anna after 10 min, `x` never answered (expired at 10:00), `c`
/// closed in the CRM at 12:30 without a reply, `o` asked at 23:30 and still open at A.
fn four_waits() -> Vec<Dialog> {
    let mut closed = dialog(
        "c",
        vec![client("c", "c1", msk("2025-11-11 12:00:00"), "Вопрос")],
    );
    closed.activities = vec![CrmActivity {
        id: EventId::new("e1"),
        kind: ActivityKind::ChatClosed,
        at: msk("2025-11-11 12:30:00"),
        by: Some(ManagerId::new("anna")),
        deal: Some(DealId::new("lead-c")),
        contact: None,
        talk: None,
    }];
    vec![
        answered("a", "2025-11-11 10:00:00", "anna", "2025-11-11 10:10:00"),
        dialog(
            "x",
            vec![client("x", "x1", msk("2025-11-11 09:00:00"), "Вопрос")],
        ),
        closed,
        dialog(
            "o",
            vec![client("o", "o1", msk("2025-11-11 23:30:00"), "Вопрос")],
        ),
    ]
}

fn wait_config() -> MetricsConfig {
    MetricsConfig {
        wait_expiry: 3_600,
        ..fixture_config_with_waits()
    }
}

fn tuesday(cfg: MetricsConfig, ds: &[Dialog]) -> MetricsReport {
    run(cfg, ds, "2025-11-11", "2025-11-12")
}

/// The chats of the exported wait rows, sorted.
fn wait_chats(r: &MetricsReport) -> Vec<&str> {
    let mut c: Vec<&str> = r.waits.iter().map(|w| w.chat.as_str()).collect();
    c.sort_unstable();
    c
}

/// The chats of the exported dialog rows, sorted.
fn dialog_chats(r: &MetricsReport) -> Vec<&str> {
    let mut c: Vec<&str> = r.dialogs.iter().map(|d| d.chat.as_str()).collect();
    c.sort_unstable();
    c
}

#[test]
fn waits_and_dialogs_by_outcome_add_up_to_the_totals() {
    let r = tuesday(by_outcome(wait_config(), &[]), &four_waits());
    assert_eq!(wait_counts(&r.totals), (4, 1, 1, 1, 1, 1), "totals");
    assert_eq!(dialog_counts(&r.totals), (4, 4, 1, 1, 1), "totals");
    assert_eq!(
        labels(&r),
        [
            "-",
            "answered",
            "open",
            "closed",
            "expired",
            "lost_expired",
            "lost_closed",
            "awaiting"
        ]
    );
    // Each wait in the row of its outcome; the open one is also the snapshot at E.
    assert_eq!(wait_counts(row(&r, "answered")), (1, 1, 0, 0, 0, 0));
    assert_eq!(wait_counts(row(&r, "open")), (1, 0, 1, 0, 0, 1));
    assert_eq!(wait_counts(row(&r, "closed")), (1, 0, 0, 1, 0, 0));
    assert_eq!(wait_counts(row(&r, "expired")), (1, 0, 0, 0, 1, 0));
    // The answered wait's reply time is in its row only.
    check_secs(
        "answered row reply",
        row(&r, "answered").waits.reply.calendar.max,
        600,
    );
    assert_eq!(row(&r, "open").waits.reply.calendar.n, 0);
    // Each dialog in the row of its status, with every session counter.
    assert_eq!(dialog_counts(row(&r, "answered")), (1, 1, 0, 0, 0));
    assert_eq!(dialog_counts(row(&r, "lost_expired")), (1, 1, 1, 0, 0));
    assert_eq!(dialog_counts(row(&r, "lost_closed")), (1, 1, 0, 1, 0));
    assert_eq!(dialog_counts(row(&r, "awaiting")), (1, 1, 0, 0, 1));
    check_rate(
        "lost_expired row rate",
        row(&r, "lost_expired").dialogs.never_answered_rate,
        1,
        1,
    );
    check_rate(
        "answered row rate",
        row(&r, "answered").dialogs.never_answered_rate,
        0,
        1,
    );
    check_rate("total rate", r.totals.dialogs.never_answered_rate, 2, 4);
    // Messages have no outcome: all in `-`, which holds nothing else.
    let none = row(&r, "-");
    assert_eq!((none.messages.inbound, none.messages.out_human), (4, 1));
    assert_eq!(
        (r.totals.messages.inbound, r.totals.messages.out_human),
        (4, 1)
    );
    assert_eq!(wait_counts(none), (0, 0, 0, 0, 0, 0));
    assert_eq!(dialog_counts(none), (0, 0, 0, 0, 0));
    // The additive counts of the rows add up to the totals.
    let sum = rows(&r).iter().fold((0, 0, 0, 0, 0, 0, 0), |s, (_, v)| {
        let (t, a, o, c, e, oe) = wait_counts(v);
        (
            s.0 + t,
            s.1 + a,
            s.2 + o,
            s.3 + c,
            s.4 + e,
            s.5 + oe,
            s.6 + v.dialogs.new,
        )
    });
    assert_eq!(sum, (4, 1, 1, 1, 1, 1, 4));
}

#[test]
fn an_outcome_filter_keeps_its_waits_and_their_rows() {
    let ds = four_waits();
    let r = tuesday(by_outcome(wait_config(), &["open"]), &ds);
    assert_eq!(wait_counts(&r.totals), (1, 0, 1, 0, 0, 1));
    assert_eq!(wait_chats(&r), ["o"], "exported wait rows");
    assert_eq!(r.waits[0].outcome, "open");
    // A dialog's status is `awaiting`, not `open`; messages are `-`.
    assert_eq!(dialog_counts(&r.totals), (0, 0, 0, 0, 0));
    assert!(r.dialogs.is_empty(), "exported dialog rows");
    assert_eq!(r.totals.messages.inbound, 0);
    assert_eq!(labels(&r), ["open"]);

    // OR within the dimension: the open wait and its awaiting dialog.
    let r = tuesday(by_outcome(wait_config(), &["open", "awaiting"]), &ds);
    assert_eq!(wait_counts(&r.totals), (1, 0, 1, 0, 0, 1));
    assert_eq!(dialog_counts(&r.totals), (1, 1, 0, 0, 1));
    assert_eq!(dialog_chats(&r), ["o"]);
    assert_eq!(wait_chats(&r), ["o"]);

    // The waits that ended unanswered, and the dialogs lost.
    let r = tuesday(
        by_outcome(
            wait_config(),
            &["closed", "expired", "lost_closed", "lost_expired"],
        ),
        &ds,
    );
    assert_eq!(wait_counts(&r.totals), (2, 0, 0, 1, 1, 0));
    assert_eq!(wait_chats(&r), ["c", "x"]);
    assert_eq!(dialog_counts(&r.totals), (2, 2, 1, 1, 0));
    assert_eq!(dialog_chats(&r), ["c", "x"]);
    check_rate("lost rate", r.totals.dialogs.never_answered_rate, 2, 2);

    // `-`: the items without an outcome (here the messages).
    let r = tuesday(by_outcome(wait_config(), &["-"]), &ds);
    assert_eq!(wait_counts(&r.totals), (0, 0, 0, 0, 0, 0));
    assert_eq!(dialog_counts(&r.totals), (0, 0, 0, 0, 0));
    assert_eq!(r.totals.messages.inbound, 4);
    assert!(r.waits.is_empty());
}

#[test]
fn a_group_wait_left_out_of_the_wait_metrics_has_its_outcome() {
    // G4: a group chat's waits are only counted as excluded, in the row of their outcome; the
    // group dialog has no never-answered status (§3.5, K9), so its session is `-` (with its
    // distinct counts).
    let mut g = answered("g", "2025-11-11 10:00:00", "anna", "2025-11-11 10:05:00");
    if let Some(c) = g.chat.as_mut() {
        c.kind = ChatKind::Group;
    }
    let ds = [g];
    let r = tuesday(by_outcome(wait_config(), &[]), &ds);
    assert_eq!(
        (r.totals.waits.total, r.totals.waits.group_excluded),
        (0, 1)
    );
    assert_eq!(labels(&r), ["-", "answered"]);
    let answered = row(&r, "answered");
    assert_eq!(answered.waits.group_excluded, 1);
    assert_eq!(dialog_counts(answered), (0, 0, 0, 0, 0));
    let none = row(&r, "-");
    assert_eq!(dialog_counts(none), (1, 1, 0, 0, 0));
    assert_eq!((none.dialogs.active, none.dialogs.participation), (1, 1));
    let r = tuesday(by_outcome(wait_config(), &["open"]), &ds);
    assert_eq!(r.totals.waits.group_excluded, 0);
    assert_eq!(r.totals.dialogs.new, 0);
}

#[test]
fn a_wait_open_at_e_and_answered_before_a_is_answered_in_its_snapshot_too() {
    // Asked Tue 23:30, answered Wed 09:00; the period is Tuesday, A = Wed 12:00 (P4: the
    // outcome is the one at A, the snapshot at E keeps it).
    let ds = [answered(
        "o",
        "2025-11-11 23:30:00",
        "anna",
        "2025-11-12 09:00:00",
    )];
    let run_at_noon = |keep: &[&str]| {
        run_with(
            by_outcome(fixture_config_with_waits(), keep),
            ReferenceData::default(),
            &ds,
            msk("2025-11-11 00:00:00"),
            msk("2025-11-12 00:00:00"),
            msk("2025-11-12 12:00:00"),
            MSK,
        )
    };
    let r = run_at_noon(&[]);
    assert_eq!(wait_counts(&r.totals), (1, 1, 0, 0, 0, 1));
    assert_eq!(labels(&r), ["-", "answered"]);
    assert_eq!(wait_counts(row(&r, "answered")), (1, 1, 0, 0, 0, 1));
    let r = run_at_noon(&["open"]);
    assert_eq!(wait_counts(&r.totals), (0, 0, 0, 0, 0, 0));
    let r = run_at_noon(&["answered"]);
    assert_eq!(wait_counts(&r.totals), (1, 1, 0, 0, 0, 1));
    assert_eq!(wait_chats(&r), ["o"]);
}

#[test]
fn missed_call_episodes_by_outcome_and_calls_without_one() {
    let e13 = |third: Option<Call>, as_of: &str, keep: &[&str]| {
        run_e13(
            by_outcome(fixture_config(), keep),
            ReferenceData::default(),
            e13_lead(third),
            as_of,
        )
    };
    let calls = |v: &MetricValues| {
        let c = &v.calls;
        (c.inbound, c.outbound, c.missed, c.episodes)
    };
    // E13: two missed calls, one episode called back by Boris.
    let r = e13(Some(e13_callback("boris")), "2025-11-14 00:00:00", &[]);
    assert_eq!(calls(&r.totals), (2, 1, 2, 1));
    assert_eq!(labels(&r), ["-", "called_back"]);
    assert_eq!(calls(row(&r, "-")), (2, 1, 2, 0));
    let cb = row(&r, "called_back");
    assert_eq!(calls(cb), (0, 0, 0, 1));
    assert_eq!(cb.calls.episode_outcomes.get("called_back"), Some(&1));
    check_secs("callback bus", cb.calls.callback.business.max, 1_080);
    // The recall variant, and no third call with A before the expiry: still open.
    let r = e13(Some(e13_recall("anna")), "2025-11-14 00:00:00", &[]);
    assert_eq!(labels(&r), ["-", "client_recalled"]);
    assert_eq!(calls(row(&r, "client_recalled")), (0, 0, 0, 1));
    assert_eq!(calls(row(&r, "-")), (3, 0, 2, 0));
    let r = e13(None, "2025-11-14 00:00:00", &[]);
    assert_eq!(labels(&r), ["-", "open"]);
    assert_eq!(calls(row(&r, "open")), (0, 0, 0, 1));
    // A filter on the episode's outcome keeps the episode, not the calls.
    let r = e13(
        Some(e13_callback("boris")),
        "2025-11-14 00:00:00",
        &["called_back"],
    );
    assert_eq!(calls(&r.totals), (0, 0, 0, 1));
    let r = e13(
        Some(e13_callback("boris")),
        "2025-11-14 00:00:00",
        &["client_recalled", "open"],
    );
    assert_eq!(calls(&r.totals), (0, 0, 0, 0));
}

#[test]
fn speed_to_lead_items_by_outcome() {
    // E14's lead, touched 23 min after its creation, and Boris's lead created at 10:00 that
    // nobody touches by A (Fri 00:00): open.
    let untouched = Dialog::new(deal("lead-u", "boris", msk("2025-11-13 10:00:00")));
    let leads = [e14_lead(), untouched];
    let stl = |v: &MetricValues| {
        let l = &v.leads;
        (
            l.stl_items,
            l.stl_outcomes.get("touched").copied().unwrap_or(0),
            l.stl_outcomes.get("open").copied().unwrap_or(0),
        )
    };
    let r = run_e14(
        by_outcome(fixture_config(), &[]),
        ReferenceData::default(),
        &leads,
    );
    assert_eq!(stl(&r.totals), (2, 1, 1));
    assert_eq!(stl(row(&r, "touched")), (1, 1, 0));
    assert_eq!(stl(row(&r, "open")), (1, 0, 1));
    assert_eq!(stl(row(&r, "-")), (0, 0, 0));
    check_secs(
        "touched row bus",
        row(&r, "touched").leads.speed_to_lead.business.max,
        180,
    );
    // Anna's message has no outcome.
    assert_eq!(row(&r, "-").messages.out_human, 1);
    let r = run_e14(
        by_outcome(fixture_config(), &["open"]),
        ReferenceData::default(),
        &leads,
    );
    assert_eq!(stl(&r.totals), (1, 0, 1));
    assert_eq!(r.totals.messages.out_human, 0);
}

#[test]
fn an_unknown_outcome_is_rejected_with_the_accepted_values() {
    let cfg = by_outcome(fixture_config(), &["open", "lost"]);
    let e = cfg
        .validate()
        .expect_err("`lost` is no outcome")
        .to_string();
    for part in [
        "filters.outcome",
        "`lost`",
        "answered, open, closed, expired, lost_expired, lost_closed, awaiting, called_back, \
         client_recalled, not_called_back, touched or - (none)",
    ] {
        assert!(e.contains(part), "`{part}` missing from: {e}");
    }
    // Every label a row shows is accepted.
    let ok = by_outcome(
        fixture_config(),
        &[
            "-",
            "answered",
            "open",
            "closed",
            "expired",
            "lost_expired",
            "lost_closed",
            "awaiting",
            "called_back",
            "client_recalled",
            "not_called_back",
            "touched",
        ],
    );
    ok.validate()
        .expect("outcome labels are valid filter values");
    // The dimension's name is listed with the others.
    let mut bad = fixture_config();
    bad.filters.insert("colour".into(), vec!["red".into()]);
    let e = bad.validate().expect_err("no dimension").to_string();
    assert!(e.contains("stage, outcome"), "{e}");
}

#[test]
fn a_sessions_distinct_counts_are_in_its_outcome_row() {
    // §4.7: `dialog.active` and `dialog.participation` count the session (in the buckets of its
    // messages), so they are in the session's outcome row, and a filter on it keeps them.
    let ds = [answered(
        "a",
        "2025-11-11 10:00:00",
        "anna",
        "2025-11-11 10:05:00",
    )];
    let counts = |v: &MetricValues| (v.dialogs.new, v.dialogs.active, v.dialogs.participation);
    let r = tuesday(by_outcome(wait_config(), &[]), &ds);
    assert_eq!(counts(row(&r, "answered")), (1, 1, 1));
    assert_eq!(counts(row(&r, "-")), (0, 0, 0));
    assert_eq!(row(&r, "-").messages.inbound, 1);
    let r = tuesday(by_outcome(wait_config(), &["answered"]), &ds);
    assert_eq!(counts(&r.totals), (1, 1, 1));
}

#[test]
fn a_dialogs_status_is_that_of_its_last_wait() {
    // One session: the 10:00 question expires at 11:00 unanswered, the 23:30 one is open at A
    // (Wed 00:00): the dialog is still `awaiting`, not `lost_expired`.
    let d = dialog(
        "w",
        vec![
            client("w", "w1", msk("2025-11-11 10:00:00"), "Нужен счёт"),
            client("w", "w2", msk("2025-11-11 23:30:00"), "Вы тут?"),
        ],
    );
    let r = tuesday(by_outcome(wait_config(), &[]), &[d]);
    assert_eq!(labels(&r), ["-", "open", "expired", "awaiting"]);
    assert_eq!(dialog_counts(row(&r, "awaiting")), (1, 1, 0, 0, 1));
    assert_eq!(wait_counts(row(&r, "expired")).4, 1);
    assert_eq!(wait_counts(row(&r, "open")).2, 1);
}

#[test]
fn a_group_wait_left_out_counts_on_the_day_of_its_start() {
    // §4.7: a wait's anchor is its start, also when G4 only counts it as left out. The group
    // session begins on Monday; its second question is on Tuesday (23 h later, the same
    // session): the Tuesday report's day row is Tuesday's, not the session's Monday.
    let mut g = dialog(
        "g",
        vec![
            client("g", "g1", msk("2025-11-10 10:00:00"), "Нужен счёт"),
            staff("g", "g2", msk("2025-11-10 10:05:00"), "anna", "Готово"),
            client("g", "g3", msk("2025-11-11 09:00:00"), "А доставка?"),
            staff("g", "g4", msk("2025-11-11 09:10:00"), "anna", "Завтра"),
        ],
    );
    if let Some(c) = g.chat.as_mut() {
        c.kind = ChatKind::Group;
    }
    let mut cfg = wait_config();
    cfg.breakdowns = vec![vec![Dimension::Day, Dimension::Outcome]];
    let r = tuesday(cfg, &[g]);
    let rows: Vec<(Vec<String>, u64)> = r
        .breakdown(&[Dimension::Day, Dimension::Outcome])
        .expect("the day × outcome breakdown")
        .rows
        .iter()
        .filter(|row| row.values.waits.group_excluded > 0)
        .map(|row| (row.key.clone(), row.values.waits.group_excluded))
        .collect();
    assert_eq!(
        rows,
        [(vec!["2025-11-11".to_owned(), "answered".to_owned()], 1)]
    );
    assert_eq!(r.totals.waits.group_excluded, 1);
}

#[test]
fn each_outcome_row_drills_down_to_the_dialog_rows_of_that_outcome() {
    // §6: every aggregate row offers its items — the dialog export names each session's outcome,
    // and a row's dialogs are the exported dialogs with its label (P2).
    let r = tuesday(by_outcome(wait_config(), &[]), &four_waits());
    let mut exported: Vec<(&str, &str)> = r
        .dialogs
        .iter()
        .map(|d| (d.chat.as_str(), d.outcome.as_str()))
        .collect();
    exported.sort_unstable();
    assert_eq!(
        exported,
        [
            ("a", "answered"),
            ("c", "lost_closed"),
            ("o", "awaiting"),
            ("x", "lost_expired")
        ]
    );
    for (label, values) in rows(&r) {
        let n = r.dialogs.iter().filter(|d| d.outcome == label).count() as u64;
        assert_eq!(values.dialogs.new, n, "`{label}`");
    }
    let csv = synkro_core::report::dialogs_csv(&r).expect("a CSV in memory");
    let header = csv.lines().next().expect("a header");
    assert!(header.contains(",never_answered,outcome,"), "{header}");
}
