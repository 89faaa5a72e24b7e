//! Data-quality counters of the chat metrics (metrics.md §3.15, §5.5) with exact counts,
//! denominators and samples: `dq.unassigned_items` (messages, waits and dialogs attributed to
//! `unassigned`) and the dropped duplicate messages of `dq.timestamp_anomalies`.

mod analytics_support;

use analytics_support::*;
use synkro_core::analytics::*;

/// Asserts a data-quality counter: (count, denominator, samples), exactly.
#[track_caller]
fn check_dq(r: &MetricsReport, id: &str, count: u64, denominator: u64, samples: &[&str]) {
    let d = r.dq(id).unwrap_or_else(|| panic!("no {id}"));
    assert_eq!(
        (d.count, d.denominator, d.samples.clone()),
        (
            count,
            denominator,
            samples.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()
        ),
        "{id}: (count, denominator, samples)"
    );
}

#[test]
fn messages_waits_and_dialogs_of_a_lead_without_responsible_are_unassigned_items() {
    // Chat u: its lead has no responsible. The client asks at 10:00 (wait 1), a template (a bot
    // message) follows at 10:01, Anna answers at 10:10 (wait 1 is hers as the replier), and the
    // client asks again at 12:00 (wait 2, open at the period end: the responsible's, no one).
    let mut template = staff("u", "u2", msk("2025-11-11 10:01:00"), "", "Заявка принята");
    template.author_id = None;
    template.is_template = true;
    let mut u = dialog(
        "u",
        vec![
            client("u", "u1", msk("2025-11-11 10:00:00"), "Когда отгрузка?"),
            template,
            staff("u", "u3", msk("2025-11-11 10:10:00"), "anna", "Завтра"),
            client(
                "u",
                "u4",
                msk("2025-11-11 12:00:00"),
                "А доставка возможна?",
            ),
        ],
    );
    u.deal.responsible = None;
    // Chat a: Anna's lead, asked at 12:00 and answered by her at 12:05.
    let a = answered("a", "2025-11-11 12:00:00", "anna", "2025-11-11 12:05:00");
    let r = run(fixture_config(), &[u, a], "2025-11-11", "2025-11-12");
    // The volumes agree: 3 client and 3 outbound messages, 3 waits, 2 dialogs.
    let m = &r.totals.messages;
    assert_eq!((m.inbound, m.out_human + m.out_bot), (3, 3));
    assert_eq!((r.totals.waits.total, r.totals.dialogs.new), (3, 2));
    // u1 and u4 (msg.in) and the template (msg.out.bot) go to the responsible: no one. Anna's
    // messages are hers.
    check_dq(&r, "dq.unassigned_items.msg.in", 2, 3, &["u1", "u4"]);
    check_dq(&r, "dq.unassigned_items.msg.out", 1, 3, &["u2"]);
    // Wait 2 (opened by u4) is unassigned; wait 1 is Anna's, who answered it.
    check_dq(&r, "dq.unassigned_items.wait", 1, 3, &["u4"]);
    // u's dialog starts without a responsible.
    check_dq(&r, "dq.unassigned_items.dialog.new", 1, 2, &["u#1"]);
    // The rows agree: the `unassigned` row holds those items.
    let un = &r.manager("unassigned").unwrap().values;
    assert_eq!(
        (
            un.messages.inbound,
            un.messages.out_bot,
            un.waits.total,
            un.dialogs.new
        ),
        (2, 1, 1, 1)
    );
}

#[test]
fn a_duplicate_message_of_the_period_is_a_timestamp_anomaly() {
    // The client's question arrives twice (one id, one instant); a copy of a message from the
    // day before the period is dropped too, but counts in neither number (anchored outside).
    let ask = client("c", "c1", msk("2025-11-11 10:00:00"), "Нужен счёт");
    let old = staff(
        "c",
        "c0",
        msk("2025-11-10 10:00:00"),
        "anna",
        "Здравствуйте",
    );
    let d = dialog(
        "c",
        vec![
            old.clone(),
            old,
            ask.clone(),
            ask,
            staff("c", "c2", msk("2025-11-11 10:05:00"), "anna", "Готово"),
        ],
    );
    let r = run(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    check_dq(
        &r,
        "dq.timestamp_anomalies",
        1,
        3,
        &["duplicate message in chat c"],
    );
    // The copy is no second message or wait.
    assert_eq!(r.totals.messages.inbound, 1);
    assert_eq!(r.totals.waits.total, 1);
}

#[test]
fn a_message_time_without_offset_is_a_timestamp_anomaly() {
    // C1: the source wrote `created_at` without an offset (read as UTC). One such message in the
    // period counts; one on the day before does not (its anchor is outside).
    let mut ask = client("c", "c1", msk("2025-11-11 10:00:00"), "Нужен счёт");
    ask.naive_time = true;
    let mut old = staff(
        "c",
        "c0",
        msk("2025-11-10 10:00:00"),
        "anna",
        "Здравствуйте",
    );
    old.naive_time = true;
    let d = dialog(
        "c",
        vec![
            old,
            ask,
            staff("c", "c2", msk("2025-11-11 10:05:00"), "anna", "Готово"),
        ],
    );
    let r = run(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    check_dq(
        &r,
        "dq.timestamp_anomalies",
        1,
        2,
        &["message c1 without a time zone offset"],
    );
    // The message itself counts as usual.
    assert_eq!(r.totals.waits.answered, 1);
}
