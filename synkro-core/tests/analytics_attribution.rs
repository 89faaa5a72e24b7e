//! Attribution of messages, participation and snapshots to managers and buckets (metrics.md
//! §3.9, §3.10, §4.7, §5.5): who a number belongs to and in which row it lands.

mod analytics_support;

use analytics_support::*;
use synkro_core::analytics::*;

fn one_day(cfg: MetricsConfig, ds: &[synkro_core::pipeline::Dialog]) -> MetricsReport {
    run(cfg, ds, "2025-11-11", "2025-11-12")
}

/// Checks a manager's (human messages sent, message ratio, character ratio).
fn check_ratio(r: &MetricsReport, who: &str, expected: (u64, Option<f64>, Option<f64>)) {
    let m = &r
        .manager(who)
        .unwrap_or_else(|| panic!("no row for {who}"))
        .values
        .messages;
    assert_eq!((m.out_human, m.ratio, m.char_ratio), expected, "{who}");
}

#[test]
fn the_message_ratio_of_a_manager_counts_the_replies_in_the_chats_they_own() {
    // Anna's chat: the client writes twice, Boris answers once and Anna once.
    let d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-11 10:00:00"), "Нужен счёт"),
            staff("c", "m2", msk("2025-11-11 10:05:00"), "boris", "Отправил"),
            client(
                "c",
                "m3",
                msk("2025-11-11 11:00:00"),
                "Спасибо, а доставка?",
            ),
            staff("c", "m4", msk("2025-11-11 11:10:00"), "anna", "Завтра"),
        ],
    );
    let r = one_day(fixture_config(), &[d]);
    // §5.5: human messages count for their author; §3.10: the ratio of a manager is over the
    // chats they own, numerator and denominator alike.
    let chars = |s: &str| s.chars().count() as f64;
    let client_chars = chars("Нужен счёт") + chars("Спасибо, а доставка?");
    check_ratio(
        &r,
        "anna",
        (
            1,
            Some(1.0),
            Some((chars("Отправил") + chars("Завтра")) / client_chars),
        ),
    );
    check_ratio(&r, "boris", (1, None, None));
    let t = &r.totals.messages;
    assert_eq!((t.out_human, t.inbound, t.ratio), (2, 2, Some(1.0)));
}

/// `dialog.participation` of each day row of the `day` breakdown.
fn participation_by_day(r: &MetricsReport) -> Vec<(String, u64)> {
    r.breakdown(&[Dimension::Day])
        .expect("the day breakdown")
        .rows
        .iter()
        .map(|row| (row.key[0].clone(), row.values.dialogs.participation))
        .collect()
}

#[test]
fn participation_counts_in_the_bucket_of_the_managers_message() {
    // One session from Monday 10:00: Anna answers on Monday, Boris on Tuesday morning.
    let d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-10 10:00:00"), "Нужен счёт"),
            staff("c", "m2", msk("2025-11-10 10:05:00"), "anna", "Готовлю"),
            client("c", "m3", msk("2025-11-11 09:00:00"), "Где счёт?"),
            staff("c", "m4", msk("2025-11-11 09:10:00"), "boris", "Отправил"),
        ],
    );
    let both = run(
        fixture_config(),
        std::slice::from_ref(&d),
        "2025-11-10",
        "2025-11-12",
    );
    assert_eq!(both.totals.dialogs.new, 1, "one session");
    assert_eq!(
        participation_by_day(&both),
        [("2025-11-10".to_owned(), 1), ("2025-11-11".to_owned(), 1)]
    );
    // A report of Tuesday alone credits Boris on Tuesday, not the session's Monday start.
    let tuesday = one_day(fixture_config(), &[d]);
    assert_eq!(
        participation_by_day(&tuesday),
        [("2025-11-11".to_owned(), 1)]
    );
    let credited = |who: &str| tuesday.manager(who).map(|m| m.values.dialogs.participation);
    assert_eq!((credited("boris"), credited("anna")), (Some(1), Some(0)));
}
