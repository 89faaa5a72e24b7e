//! The worked examples E2–E5 of metrics.md §8, with their exact numbers, through the public API:
//! business time across nights and weekends, daylight-saving changes, overnight ranges, holidays
//! and extra working dates. (E6 is a unit test of the calendar.)

mod analytics_support;

use analytics_support::*;
use chrono::Weekday::*;
use synkro_core::analytics::*;

#[test]
fn e02_wait_across_night_and_weekend() {
    let d = dialog(
        "c1",
        vec![
            client("c1", "m1", msk("2025-11-14 17:40:00"), "Вопрос по заказу"),
            staff("c1", "m2", msk("2025-11-17 09:20:00"), "anna", "Ответ"),
        ],
    );
    let mut cfg = fixture_config();
    cfg.sla_targets = vec![900, 3600];
    let r = run(cfg, &[d], "2025-11-14", "2025-11-18");
    let w = &r.totals.waits;
    check_secs("wait cal (63 h 40 min)", w.reply.calendar.max, 229_200);
    check_secs("wait bus", w.reply.business.max, 2_400);
    assert_eq!(w.sla[0].misses, 1, "SLA 900 miss");
    assert_eq!(w.sla[1].hits, 1, "SLA 3 600 hit");
    assert_eq!(r.totals.dialogs.sessions, 1, "one session");
}

#[test]
fn e03_spring_forward_in_berlin() {
    let ber = chrono_tz::Europe::Berlin;
    let mut d = dialog(
        "c1",
        vec![
            client("c1", "m1", at(ber, "2025-03-29 19:00:00"), "Frage"),
            staff(
                "c1",
                "m2",
                at(ber, "2025-03-30 09:00:00"),
                "anna",
                "Antwort",
            ),
        ],
    );
    d.deal.created_at = at(ber, "2025-03-01 09:00:00");
    let ber_8_20 = CalendarSpec::weekly(
        "BER-8-20",
        "Europe/Berlin",
        &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
        &["08:00-20:00"],
    );
    let mut cfg = fixture_config();
    cfg.calendars = vec![ber_8_20.clone()];
    cfg.tenant_calendar = Some("BER-8-20".into());
    let (from, to) = (
        at(ber, "2025-03-29 00:00:00"),
        at(ber, "2025-03-31 00:00:00"),
    );
    let r = run_with(cfg, ReferenceData::default(), &[d], from, to, to, ber);
    let w = &r.totals.waits;
    check_secs("wait cal (13 h, not 14)", w.reply.calendar.max, 46_800);
    check_secs("wait bus", w.reply.business.max, 7_200);
    let by_day = r.breakdown(&[Dimension::Day]).unwrap();
    let row = by_day
        .rows
        .iter()
        .find(|x| x.values.waits.total == 1)
        .unwrap();
    assert_eq!(
        row.key,
        vec!["2025-03-29".to_owned()],
        "day bucket (anchor)"
    );

    // The local day 2025-03-30 is [2025-03-29T23:00Z, 2025-03-30T22:00Z): the report's day
    // buckets end there, and the calendar's day starts agree.
    let u = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let (start, end) = (u("2025-03-29T23:00:00Z"), u("2025-03-30T22:00:00Z"));
    let ends: Vec<_> = r
        .open_at_end_by_day
        .iter()
        .map(|d| (d.day.to_string(), d.at))
        .collect();
    assert_eq!(
        ends,
        vec![
            ("2025-03-29".to_owned(), start),
            ("2025-03-30".to_owned(), end)
        ],
        "day bucket ends"
    );
    let cal = Calendar::new(&ber_8_20).unwrap();
    let day = |s: &str| cal.day_start(s.parse().unwrap());
    assert_eq!(from_micros(day("2025-03-30")), start, "day start");
    assert_eq!(from_micros(day("2025-03-31")), end, "day end");
    assert_eq!((end - start).num_seconds(), 82_800, "day length");
    let working = cal.business_micros(day("2025-03-30"), day("2025-03-31"));
    assert_eq!(working, 43_200 * 1_000_000, "working time of the day");
}

#[test]
fn e04_fall_back_with_an_overnight_range() {
    let ber = chrono_tz::Europe::Berlin;
    let u = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let mk = |c: &str, reply: &str| {
        let mut d = dialog(
            c,
            vec![
                client(c, "m1", u("2025-10-25T21:30:00Z"), "Frage"),
                staff(c, "m2", u(reply), "anna", "Antwort"),
            ],
        );
        d.deal.created_at = u("2025-10-01T00:00:00Z");
        d
    };
    let mut cfg = fixture_config();
    cfg.calendars = vec![CalendarSpec::weekly(
        "BER-NIGHT",
        "Europe/Berlin",
        &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
        &["22:00-06:00"],
    )];
    cfg.tenant_calendar = Some("BER-NIGHT".into());
    let (from, to) = (
        at(ber, "2025-10-25 00:00:00"),
        at(ber, "2025-10-27 00:00:00"),
    );
    let ra = run_with(
        cfg.clone(),
        ReferenceData::default(),
        &[mk("a", "2025-10-26T04:30:00Z")],
        from,
        to,
        to,
        ber,
    );
    check_secs("a cal", ra.totals.waits.reply.calendar.max, 25_200);
    check_secs("a bus", ra.totals.waits.reply.business.max, 25_200);
    let rb = run_with(
        cfg,
        ReferenceData::default(),
        &[mk("b", "2025-10-26T05:30:00Z")],
        from,
        to,
        to,
        ber,
    );
    check_secs("b cal", rb.totals.waits.reply.calendar.max, 28_800);
    check_secs("b bus", rb.totals.waits.reply.business.max, 27_000);
}

#[test]
fn e05_holiday_and_extra_working_date() {
    let d = || {
        dialog(
            "c1",
            vec![
                client("c1", "m1", msk("2025-10-31 17:30:00"), "Вопрос"),
                staff("c1", "m2", msk("2025-11-05 09:10:00"), "anna", "Ответ"),
            ],
        )
    };
    let run5 = |extra_date: bool, holidays: bool| {
        let mut h = msk_9_18();
        h.id = "MSK-H".into();
        if holidays {
            h.base.holidays = vec!["2025-11-03".parse().unwrap(), "2025-11-04".parse().unwrap()];
        }
        if extra_date {
            h.base.extra_working_dates = vec![ExtraWorkingDate {
                date: "2025-11-01".parse().unwrap(),
                ranges: Some(vec!["09:00-17:00".into()]),
            }];
        }
        let mut cfg = fixture_config();
        cfg.calendars = vec![h];
        cfg.tenant_calendar = Some("MSK-H".into());
        run(cfg, &[d()], "2025-10-31", "2025-11-06")
    };
    let r = run5(true, true);
    let w = &r.totals.waits;
    check_secs("wait cal", w.reply.calendar.max, 402_000);
    check_secs("wait bus", w.reply.business.max, 31_200);
    assert_eq!(w.sla[0].misses, 1, "SLA 900 miss");
    let w = run5(false, true).totals.waits;
    check_secs(
        "control without the extra date: bus",
        w.reply.business.max,
        2_400,
    );
    let w = run5(false, false).totals.waits;
    check_secs("control plain MSK-9-18: bus", w.reply.business.max, 67_200);
}
