//! The worked examples E10, E11 and E19 of metrics.md §8, with their exact numbers, through the
//! public API: sessions split by the gap, waits still open at the period end, and waits that
//! expire in a dialog never answered.

mod analytics_support;

use analytics_support::*;
use synkro_core::analytics::*;

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
    run(fixture_config(), &[d], "2025-11-10", "2025-11-12")
}

#[test]
fn e10_session_split_by_the_gap() {
    let a = e10("2025-11-11 10:12:00");
    assert_eq!(a.totals.dialogs.sessions, 2);
    let f = &a.totals.waits.first_response.business;
    assert_eq!((f.n, secs(f.p50), secs(f.max)), (2, Some(600), Some(1_080)));
    assert_eq!(a.dialogs.len(), 2);
    assert_eq!(a.dialogs[1].initiator, "client");
    let b = e10("2025-11-11 10:11:59");
    assert_eq!(b.totals.dialogs.sessions, 1);
    let f = &b.totals.waits.first_response.business;
    assert_eq!((f.n, secs(f.max)), (1, Some(600)));
    let rp = &b.totals.waits.reply.business;
    assert_eq!(
        (rp.n, secs(rp.p50), secs(rp.max)),
        (2, Some(600), Some(1_081))
    );
    assert_eq!(b.totals.waits.next_reply.business.n, 1);
}

fn e11(a: &str, replies: bool) -> MetricsReport {
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
    let (from, to) = (msk("2025-11-11 00:00:00"), msk("2025-11-12 00:00:00"));
    run_with(
        fixture_config(),
        ReferenceData::default(),
        &ds,
        from,
        to,
        msk(a),
        MSK,
    )
}

#[test]
fn e11_open_waits_at_period_end() {
    let r1 = e11("2025-11-12 00:00:00", false);
    let w = &r1.totals.waits;
    let s = &w.sla[0];
    assert_eq!(
        (s.hits, s.misses, s.pending, s.hit_rate),
        (1, 1, 1, Some(0.5))
    );
    assert_eq!(w.reply.business.n, 1);
    assert_eq!(w.open_at_end, 2);
    let ages = &w.open_at_end_age;
    assert_eq!(
        (
            secs(ages.business.max),
            ages.business.sum as i64,
            secs(ages.calendar.max),
            ages.calendar.sum as i64
        ),
        (Some(1_800), 2_100, Some(23_400), 45_300)
    );
    assert_eq!(w.open_at_end_overdue, vec![(900, 1)]);
    let d = &r1.totals.dialogs;
    assert_eq!(
        (
            d.never_answered_expired + d.never_answered_closed,
            d.never_answered_awaiting
        ),
        (0, 2)
    );

    let r2 = e11("2025-11-12 12:00:00", true);
    let w = &r2.totals.waits;
    assert_eq!((w.sla[0].hits, w.sla[0].misses), (2, 1));
    assert!((w.sla[0].hit_rate.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    let b = &w.reply.business;
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90), secs(b.max)),
        (3, Some(1_000.0), Some(600), Some(2_100), Some(2_100))
    );
    let c = &w.reply.calendar;
    assert_eq!(
        (c.mean, secs(c.p50), secs(c.p90)),
        (Some(37_000.0), Some(54_600), Some(56_100))
    );
    assert_eq!(w.open_at_end, 2);
    // The per-day series: Tuesday's snapshot (at its end, E) holds b and c, b overdue.
    let tue: Vec<_> = r2
        .open_at_end_by_day
        .iter()
        .map(|d| (d.day.to_string(), d.open, d.overdue.clone()))
        .collect();
    assert_eq!(tue, vec![("2025-11-11".to_owned(), 2, vec![(900, 1)])]);
    // The Wednesday report does not contain these waits.
    let ds: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|c| {
            dialog(
                c,
                vec![
                    client(c, &format!("{c}1"), msk("2025-11-11 17:30:00"), "Вопрос"),
                    staff(
                        c,
                        &format!("{c}2"),
                        msk("2025-11-12 09:05:00"),
                        "anna",
                        "Ответ",
                    ),
                ],
            )
        })
        .collect();
    let (from, to) = (msk("2025-11-12 00:00:00"), msk("2025-11-13 00:00:00"));
    let wed = run_with(
        fixture_config(),
        ReferenceData::default(),
        &ds,
        from,
        to,
        to,
        MSK,
    );
    assert_eq!(wed.totals.waits.total, 0);
}

#[test]
fn e19_wait_expiry_and_a_never_answered_dialog() {
    let d = dialog(
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
    );
    let r = run(fixture_config(), &[d], "2025-11-01", "2025-12-01");
    let w = &r.totals.waits;
    assert_eq!((w.total, w.expired, w.answered), (2, 1, 1));
    assert_eq!(w.sla[0].misses, 1);
    assert_eq!(
        (
            w.reply.business.n,
            secs(w.reply.calendar.max),
            secs(w.reply.business.max)
        ),
        (1, Some(60), Some(60))
    );
    assert_eq!(
        (w.first_response.business.n, w.next_reply.business.n),
        (0, 0)
    );
    let d = &r.totals.dialogs;
    assert_eq!(
        (
            d.new,
            d.new_by_initiator.get("client"),
            d.new_by_initiator.get("manager"),
            d.outreach
        ),
        (2, Some(&1), Some(&1), 0)
    );
    assert_eq!(d.never_answered_expired, 1);
    let first = &r.dialogs[0];
    assert_eq!(
        (first.end, first.end_reason.as_str()),
        (Some(msk("2025-11-17 10:00:00")), "gap")
    );
    assert_eq!(first.never_answered.as_deref(), Some("lost_expired"));
    // The expired wait's age: cal 604 800, bus 162 000 — a miss on the 900 s target.
    let mut cfg = fixture_config();
    cfg.sla_targets = vec![161_999, 162_000];
    let d = dialog(
        "c19",
        vec![client(
            "c19",
            "m1",
            msk("2025-11-10 10:00:00"),
            "Нужна цена на 500 шт.",
        )],
    );
    let r = run(cfg, &[d], "2025-11-01", "2025-12-01");
    let s = &r.totals.waits.sla;
    assert_eq!((s[0].misses, s[1].excluded), (1, 1));
}
