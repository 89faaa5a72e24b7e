//! Rule O4 by text: the same text from one connection to many chats within a window is a
//! broadcast (metrics.md §1.6, §7 `broadcast_detection`).

mod analytics_support;

use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::pipeline::Dialog;

/// `n` chats, each with a client question at 10:00 and the same promo text from Anna at
/// 10:01 + `spacing_s`·i, then her real answer at 10:30.
fn mailing(n: usize, spacing_s: i64) -> Vec<Dialog> {
    (0..n)
        .map(|i| {
            let chat = format!("c{i}");
            let promo_at =
                msk("2025-11-11 10:01:00") + chrono::Duration::seconds(spacing_s * i as i64);
            dialog(
                &chat,
                vec![
                    client(
                        &chat,
                        &format!("{chat}-q"),
                        msk("2025-11-11 10:00:00"),
                        "Есть ли скидки?",
                    ),
                    staff(
                        &chat,
                        &format!("{chat}-promo"),
                        promo_at,
                        "anna",
                        "Скидка 20 % до пятницы! Ёлки в подарок",
                    ),
                    staff(
                        &chat,
                        &format!("{chat}-a"),
                        msk("2025-11-11 10:30:00"),
                        "anna",
                        &format!("Да, есть, для заказа {i}"),
                    ),
                ],
            )
        })
        .collect()
}

fn one_day(cfg: MetricsConfig, ds: &[Dialog]) -> MetricsReport {
    run(cfg, ds, "2025-11-11", "2025-11-12")
}

fn detecting() -> MetricsConfig {
    MetricsConfig {
        broadcast_detection: true,
        ..fixture_config()
    }
}

#[test]
fn the_same_text_to_ten_chats_within_ten_minutes_is_a_broadcast_and_no_reply() {
    let ds = mailing(10, 30);
    let r = one_day(detecting(), &ds);
    let m = &r.totals.messages;
    assert_eq!((m.out_bot, m.out_human), (10, 10));
    assert_eq!(m.out_bot_by_reason.get("broadcast"), Some(&10));
    // Every wait is answered by the real reply at 10:30, not by the promo at 10:01.
    assert_eq!(r.totals.waits.answered, 10);
    assert_eq!(secs(r.totals.waits.reply.calendar.p50), Some(1_800));

    // Off by default: each promo is a human reply, after 60, 90, … 330 s (p50 = 180 s).
    let r = one_day(fixture_config(), &ds);
    assert_eq!(
        (r.totals.messages.out_bot, r.totals.messages.out_human),
        (0, 20)
    );
    assert_eq!(secs(r.totals.waits.reply.calendar.p50), Some(180));
}

#[test]
fn fewer_chats_or_a_slower_mailing_is_not_a_broadcast() {
    // Nine chats: below broadcast_min_chats.
    let r = one_day(detecting(), &mailing(9, 30));
    assert_eq!(r.totals.messages.out_bot, 0);
    // Ten chats but 70 s apart: 630 s from first to last, no 600 s window holds ten chats.
    let r = one_day(detecting(), &mailing(10, 70));
    assert_eq!(r.totals.messages.out_bot, 0);
    // A lower threshold catches it again.
    let cfg = MetricsConfig {
        broadcast_min_chats: 9,
        ..detecting()
    };
    let r = one_day(cfg, &mailing(10, 70));
    assert_eq!(r.totals.messages.out_bot, 10);
}

#[test]
fn the_text_is_compared_after_normalization() {
    let mut ds = mailing(10, 30);
    // Case and ё/е differences do not hide a broadcast (N3 normalization).
    ds[3].messages[1].text = Some("СКИДКА 20 % ДО ПЯТНИЦЫ! Елки в подарок".into());
    let r = one_day(detecting(), &ds);
    assert_eq!(r.totals.messages.out_bot, 10);
    // A different text is a human message, and nine chats are below the threshold of ten.
    ds[4].messages[1].text = Some("Скидка 10 % до пятницы".into());
    let r = one_day(detecting(), &ds);
    assert_eq!(
        (r.totals.messages.out_bot, r.totals.messages.out_human),
        (0, 20)
    );
    let cfg = MetricsConfig {
        broadcast_min_chats: 9,
        ..detecting()
    };
    let r = one_day(cfg, &ds);
    assert_eq!(
        (r.totals.messages.out_bot, r.totals.messages.out_human),
        (9, 11)
    );
}

/// C3: what the CRM and the messenger hold after A is not known at A. With A at 10:03 only five
/// of the ten promos are sent by then: no broadcast yet, so the five count as Anna's replies, and
/// a re-run with the same A later gives the same numbers.
#[test]
fn sends_after_the_cut_off_do_not_make_a_broadcast() {
    let ds = mailing(10, 30);
    let r = run_with(
        detecting(),
        ReferenceData::default(),
        &ds,
        msk("2025-11-11 00:00:00"),
        msk("2025-11-12 00:00:00"),
        msk("2025-11-11 10:03:00"),
        MSK,
    );
    let m = &r.totals.messages;
    assert_eq!((m.out_bot, m.out_human), (0, 5));
    assert_eq!(r.totals.waits.answered, 5);
}

#[test]
fn a_mailing_that_began_in_the_loaded_history_is_a_broadcast_in_the_period() {
    // Ten chats: the promo went to six of them before the period (their history) and to four
    // after its start, 30 s apart; a client asks in each chat at 00:10 and Anna answers each
    // in her own words at 00:30.
    let start = msk("2025-11-11 00:00:00");
    let ds: Vec<Dialog> = (0..10i64)
        .map(|i| {
            let chat = format!("c{i}");
            let promo_at = msk("2025-11-10 23:57:00") + chrono::Duration::seconds(30 * i);
            let mut d = dialog(
                &chat,
                vec![
                    staff(
                        &chat,
                        &format!("{chat}-promo"),
                        promo_at,
                        "anna",
                        "Скидка 20 % до пятницы! Ёлки в подарок",
                    ),
                    client(
                        &chat,
                        &format!("{chat}-q"),
                        msk("2025-11-11 00:10:00"),
                        "Когда?",
                    ),
                    staff(
                        &chat,
                        &format!("{chat}-a"),
                        msk("2025-11-11 00:30:00"),
                        "anna",
                        &format!("Заказ {i} будет завтра"),
                    ),
                ],
            );
            let (history, window) = d.messages.drain(..).partition(|m| m.created_at < start);
            (d.history, d.messages) = (history, window);
            d
        })
        .collect();
    assert_eq!(ds.iter().map(|d| d.history.len()).sum::<usize>(), 6);
    let r = one_day(detecting(), &ds);
    let m = &r.totals.messages;
    // The four promos in the period are part of the ten-chat mailing.
    assert_eq!(m.out_bot_by_reason.get("broadcast"), Some(&4));
    assert_eq!((m.out_bot, m.out_human), (4, 10));
    let r = one_day(fixture_config(), &ds);
    assert_eq!(
        (r.totals.messages.out_bot, r.totals.messages.out_human),
        (0, 14)
    );
}
