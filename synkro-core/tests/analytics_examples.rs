//! The worked examples E1–E19 of metrics.md §8 (E6 and E12 are unit tests of the calendar and
//! the statistics), with their exact numbers, through the public API.

mod analytics_support;

use analytics_support::*;
use chrono::Weekday::*;
use synkro_core::analytics::*;
use synkro_core::model::*;

fn wait_bus(r: &MetricsReport) -> Option<i64> {
    secs(r.totals.waits.reply.business.max)
}

#[test]
fn e01_simple_reply() {
    let d = dialog(
        "c1",
        vec![
            client(
                "c1",
                "m1",
                msk("2025-11-11 10:00:00"),
                "Здравствуйте! Сколько стоит доставка в Казань?",
            ),
            staff(
                "c1",
                "m2",
                msk("2025-11-11 10:07:30"),
                "anna",
                "1 200 ₽, два дня.",
            ),
        ],
    );
    let r = run(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    let t = &r.totals;
    assert_eq!(t.dialogs.sessions, 1);
    assert_eq!(t.dialogs.new_by_initiator.get("client"), Some(&1));
    assert_eq!(t.waits.total, 1);
    assert_eq!(
        (
            secs(t.waits.reply.calendar.max),
            secs(t.waits.reply.business.max)
        ),
        (Some(450), Some(450))
    );
    assert_eq!(secs(t.waits.first_response.business.p50), Some(450));
    assert_eq!(t.waits.sla[0].hit_rate, Some(1.0));
    assert_eq!(
        (t.messages.inbound, t.messages.out_human, t.messages.ratio),
        (1, 1, Some(1.0))
    );
    let anna = r.manager("anna").unwrap();
    assert_eq!(anna.values.waits.answered, 1);
}

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
    assert_eq!(
        (secs(w.reply.calendar.max), secs(w.reply.business.max)),
        (Some(229_200), Some(2_400))
    );
    assert_eq!((w.sla[0].misses, w.sla[1].hits), (1, 1));
    assert_eq!(r.totals.dialogs.sessions, 1);
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
    let mut cfg = fixture_config();
    cfg.calendars = vec![CalendarSpec::weekly(
        "BER-8-20",
        "Europe/Berlin",
        &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
        &["08:00-20:00"],
    )];
    cfg.tenant_calendar = Some("BER-8-20".into());
    let (from, to) = (
        at(ber, "2025-03-29 00:00:00"),
        at(ber, "2025-03-31 00:00:00"),
    );
    let r = run_with(cfg, ReferenceData::default(), &[d], from, to, to, ber);
    let w = &r.totals.waits;
    assert_eq!(
        (secs(w.reply.calendar.max), secs(w.reply.business.max)),
        (Some(46_800), Some(7_200))
    );
    let by_day = r.breakdown(&[Dimension::Day]).unwrap();
    let row = by_day
        .rows
        .iter()
        .find(|x| x.values.waits.total == 1)
        .unwrap();
    assert_eq!(row.key, vec!["2025-03-29".to_owned()]);
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
    assert_eq!(
        (secs(ra.totals.waits.reply.calendar.max), wait_bus(&ra)),
        (Some(25_200), Some(25_200))
    );
    let rb = run_with(
        cfg,
        ReferenceData::default(),
        &[mk("b", "2025-10-26T05:30:00Z")],
        from,
        to,
        to,
        ber,
    );
    assert_eq!(
        (secs(rb.totals.waits.reply.calendar.max), wait_bus(&rb)),
        (Some(28_800), Some(27_000))
    );
}

#[test]
fn e05_holiday_and_extra_working_date() {
    let d = dialog(
        "c1",
        vec![
            client("c1", "m1", msk("2025-10-31 17:30:00"), "Вопрос"),
            staff("c1", "m2", msk("2025-11-05 09:10:00"), "anna", "Ответ"),
        ],
    );
    let mut cfg = fixture_config();
    let mut h = msk_9_18();
    h.id = "MSK-H".into();
    h.base.holidays = vec!["2025-11-03".parse().unwrap(), "2025-11-04".parse().unwrap()];
    h.base.extra_working_dates = vec![ExtraWorkingDate {
        date: "2025-11-01".parse().unwrap(),
        ranges: Some(vec!["09:00-17:00".into()]),
    }];
    cfg.calendars = vec![h];
    cfg.tenant_calendar = Some("MSK-H".into());
    let r = run(cfg, &[d], "2025-10-31", "2025-11-06");
    assert_eq!(
        (secs(r.totals.waits.reply.calendar.max), wait_bus(&r)),
        (Some(402_000), Some(31_200))
    );
    assert_eq!(r.totals.waits.sla[0].misses, 1);
}

fn e07_messages() -> Vec<Message> {
    vec![
        client("c1", "m1", msk("2025-11-11 11:00:00"), "Добрый день"),
        client(
            "c1",
            "m2",
            msk("2025-11-11 11:00:40"),
            "Нужен счёт на 20 коробок",
        ),
        client("c1", "m3", msk("2025-11-11 11:03:10"), "Срочно, пожалуйста"),
        staff(
            "c1",
            "m4",
            msk("2025-11-11 11:12:00"),
            "anna",
            "Счёт во вложении",
        ),
        staff(
            "c1",
            "m5",
            msk("2025-11-11 11:12:30"),
            "anna",
            "Что-нибудь ещё?",
        ),
    ]
}

#[test]
fn e07_consecutive_client_messages() {
    let r = run(
        fixture_config(),
        &[dialog("c1", e07_messages())],
        "2025-11-11",
        "2025-11-12",
    );
    let t = &r.totals;
    assert_eq!(t.waits.total, 1);
    assert_eq!(
        (secs(t.waits.reply.calendar.max), wait_bus(&r)),
        (Some(720), Some(720))
    );
    assert_eq!(t.waits.sla[0].hits, 1);
    assert_eq!((t.messages.inbound, t.messages.out_human), (3, 2));
    let mut cfg = fixture_config();
    cfg.wait_anchor = WaitAnchor::Last;
    let r = run(
        cfg,
        &[dialog("c1", e07_messages())],
        "2025-11-11",
        "2025-11-12",
    );
    assert_eq!(
        (secs(r.totals.waits.reply.calendar.max), wait_bus(&r)),
        (Some(530), Some(530))
    );
}

#[test]
fn e08_a_bot_reply_does_not_stop_the_clock() {
    let msgs = || {
        vec![
            client(
                "c1",
                "m1",
                msk("2025-11-11 20:15:00"),
                "Есть в наличии арт. 4471?",
            ),
            staff(
                "c1",
                "m2",
                msk("2025-11-11 20:15:03"),
                "0",
                "Спасибо за обращение! Менеджер ответит в рабочее время.",
            ),
            staff("c1", "m3", msk("2025-11-12 09:12:00"), "anna", "Да, 12 шт."),
        ]
    };
    let r = run(
        fixture_config(),
        &[dialog("c1", msgs())],
        "2025-11-11",
        "2025-11-13",
    );
    let t = &r.totals;
    assert_eq!(
        (secs(t.waits.reply.calendar.max), wait_bus(&r)),
        (Some(46_620), Some(720))
    );
    assert_eq!(t.waits.sla[0].hits, 1);
    assert_eq!((t.messages.out_bot, t.messages.out_human), (1, 1));
    assert_eq!(t.messages.out_bot_by_reason.get("author_list"), Some(&1));
    let mut cfg = fixture_config();
    cfg.sla_basis = Basis::Calendar;
    let r = run(cfg, &[dialog("c1", msgs())], "2025-11-11", "2025-11-13");
    assert_eq!(r.totals.waits.sla[0].misses, 1);
}

fn e09_messages() -> Vec<Message> {
    vec![
        client(
            "c1",
            "m1",
            msk("2025-11-11 14:00:00"),
            "Пришлите, пожалуйста, счёт на ООО «Вектор»",
        ),
        staff(
            "c1",
            "m2",
            msk("2025-11-11 14:05:00"),
            "anna",
            "Счёт во вложении",
        ),
        client("c1", "m3", msk("2025-11-11 14:06:00"), "Спасибо! 👍"),
        staff(
            "c1",
            "m4",
            msk("2025-11-11 16:30:00"),
            "anna",
            "Напоминаю: счёт действителен 3 дня.",
        ),
        client(
            "c1",
            "m5",
            msk("2025-11-12 10:00:00"),
            "Оплатили. Когда отгрузка?",
        ),
        staff(
            "c1",
            "m6",
            msk("2025-11-12 10:04:00"),
            "anna",
            "Завтра до 12:00.",
        ),
    ]
}

#[test]
fn e09_thanks_does_not_start_a_wait() {
    let r = run(
        fixture_config(),
        &[dialog("c1", e09_messages())],
        "2025-11-11",
        "2025-11-13",
    );
    let t = &r.totals;
    assert_eq!(t.dialogs.sessions, 1);
    assert_eq!(t.waits.total, 2);
    assert_eq!(secs(t.waits.first_response.business.p50), Some(300));
    let b = &t.waits.reply.business;
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90), secs(b.max)),
        (2, Some(270.0), Some(240), Some(300), Some(300))
    );
    assert_eq!(t.waits.sla[0].hit_rate, Some(1.0));
    assert_eq!((t.messages.inbound, t.messages.inbound_ack), (3, 1));
    let mut cfg = fixture_config();
    cfg.ack_filter = false;
    let r = run(
        cfg,
        &[dialog("c1", e09_messages())],
        "2025-11-11",
        "2025-11-13",
    );
    let w = &r.totals.waits;
    assert_eq!(w.total, 3);
    assert_eq!(
        (secs(w.reply.business.max), secs(w.reply.calendar.p50)),
        (Some(8_640), Some(300))
    );
    assert_eq!((w.sla[0].hits, w.sla[0].misses), (2, 1));
}

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

fn e13_dialog(third: Call) -> (synkro_core::pipeline::Dialog, ReferenceData) {
    let phone = "+79991234567";
    let mut d =
        synkro_core::pipeline::Dialog::new(deal("lead-13", "boris", msk("2025-10-01 09:00:00")));
    d.deal.phones = vec![phone.into()];
    d.calls = vec![
        call(
            "c1",
            msk("2025-11-12 17:52:00"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            phone,
        ),
        call(
            "c2",
            msk("2025-11-12 17:58:30"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            phone,
        ),
        third,
    ];
    (d, ReferenceData::default())
}

#[test]
fn e13_missed_call_with_callback() {
    let phone = "+79991234567";
    let run13 = |third: Call, targets: Vec<i64>| {
        let (d, rd) = e13_dialog(third);
        let mut cfg = fixture_config();
        cfg.callback_targets = targets;
        run_with(
            cfg,
            rd,
            &[d],
            msk("2025-11-12 00:00:00"),
            msk("2025-11-14 00:00:00"),
            msk("2025-11-14 00:00:00"),
            MSK,
        )
    };
    let back = call(
        "c3",
        msk("2025-11-13 09:10:00"),
        Direction::Outbound,
        CallStatus::Answered,
        240,
        Some("boris"),
        phone,
    );
    let r = run13(back.clone(), vec![900, 1800]);
    let c = &r.totals.calls;
    assert_eq!((c.missed, c.episodes), (2, 1));
    assert_eq!(c.episode_outcomes.get("called_back"), Some(&1));
    assert_eq!(
        (secs(c.callback.calendar.max), secs(c.callback.business.max)),
        (Some(55_080), Some(1_080))
    );
    assert_eq!((c.callback_sla[0].misses, c.callback_sla[1].hits), (1, 1));
    assert_eq!(
        r.manager("boris").unwrap().values.calls.callback.business.n,
        1
    );
    let recall = call(
        "c3",
        msk("2025-11-13 09:05:00"),
        Direction::Inbound,
        CallStatus::Answered,
        60,
        Some("anna"),
        phone,
    );
    let r = run13(recall, vec![900]);
    let c = &r.totals.calls;
    assert_eq!(c.episode_outcomes.get("client_recalled"), Some(&1));
    let s = &c.callback_sla[0];
    assert_eq!((s.hits, s.misses, s.excluded, s.hit_rate), (0, 0, 1, None));
}

fn e14(rule: CallRule, creator: &str) -> MetricsReport {
    let mut d = dialog(
        "c14",
        vec![staff(
            "c14",
            "m1",
            msk("2025-11-13 09:06:00"),
            "anna",
            "Здравствуйте! Получили вашу заявку.",
        )],
    );
    d.deal.created_at = msk("2025-11-13 08:40:00");
    d.calls = vec![call(
        "k1",
        msk("2025-11-13 09:03:00"),
        Direction::Outbound,
        CallStatus::NoAnswer,
        0,
        Some("anna"),
        "+79990000014",
    )];
    let mut rd = ReferenceData::default();
    rd.created_by.insert(d.deal.id.0.clone(), creator.into());
    let mut cfg = fixture_config();
    cfg.stl_call_rule = rule;
    let (from, to) = (msk("2025-11-13 00:00:00"), msk("2025-11-14 00:00:00"));
    run_with(cfg, rd, &[d], from, to, to, MSK)
}

#[test]
fn e14_speed_to_lead() {
    let r = e14(CallRule::Attempt, "0");
    let l = &r.totals.leads;
    assert_eq!(
        (
            secs(l.speed_to_lead.calendar.max),
            secs(l.speed_to_lead.business.max)
        ),
        (Some(1_380), Some(180))
    );
    assert_eq!(l.stl_sla[0].hits, 1);
    let r = e14(CallRule::Connected, "0");
    let l = &r.totals.leads;
    assert_eq!(
        (
            secs(l.speed_to_lead.calendar.max),
            secs(l.speed_to_lead.business.max)
        ),
        (Some(1_560), Some(360))
    );
    assert_eq!(l.stl_sla[0].misses, 1);
    let r = e14(CallRule::Attempt, "boris");
    assert_eq!(
        (r.totals.leads.stl_items, r.totals.leads.stl_excluded_manual),
        (0, 1)
    );
}

#[test]
fn e15_attribution_modes_and_the_managers_calendar() {
    let run15 = |mode: Attribution| {
        let d = dialog(
            "c15",
            vec![
                client("c15", "m1", msk("2025-11-11 10:00:00"), "Вопрос"),
                staff("c15", "m2", msk("2025-11-11 10:20:00"), "carl", "Ответ"),
            ],
        );
        let rd = ReferenceData {
            responsible_changes: vec![ResponsibleChange {
                id: EventId::new("rc1"),
                entity: EntityRef::Deal(d.deal.id.clone()),
                at: msk("2025-11-11 10:05:00"),
                from: Some(ManagerId::new("anna")),
                to: Some(ManagerId::new("boris")),
                by: None,
            }],
            ..ReferenceData::default()
        };
        let mut cfg = fixture_config();
        cfg.attribution = mode;
        cfg.calendars.push(CalendarSpec::weekly(
            "CARL",
            "Europe/Moscow",
            &[Mon, Tue, Wed, Thu, Fri],
            &["10:15-19:00"],
        ));
        cfg.manager_calendars.insert("carl".into(), "CARL".into());
        let (from, to) = (msk("2025-11-11 00:00:00"), msk("2025-11-12 00:00:00"));
        run_with(cfg, rd, &[d], from, to, to, MSK)
    };
    for (mode, who, bus, hit) in [
        (Attribution::Replier, "carl", 300, true),
        (Attribution::OwnerAtStart, "anna", 1_200, false),
        (Attribution::OwnerAtReply, "boris", 1_200, false),
    ] {
        let r = run15(mode);
        let m = r
            .manager(who)
            .unwrap_or_else(|| panic!("{mode:?}: no row for {who}"));
        let w = &m.values.waits;
        assert_eq!(
            (secs(w.reply.calendar.max), secs(w.reply.business.max)),
            (Some(1_200), Some(bus)),
            "{mode:?}"
        );
        assert_eq!(w.sla[0].hits == 1, hit, "{mode:?}");
    }
}

fn pipeline() -> SalesPipeline {
    let st = |id: &str, name: &str, sort, kind| Stage {
        id: StageId::new(id),
        name: name.into(),
        sort,
        kind,
    };
    SalesPipeline {
        id: SalesPipelineId::new("p1"),
        name: "Продажи".into(),
        sort: 1,
        is_main: true,
        stages: vec![
            st("s1", "Новый", 10, StageKind::Open),
            st("s2", "Квалификация", 20, StageKind::Open),
            st("s3", "КП отправлено", 30, StageKind::Open),
            st("s4", "Переговоры", 40, StageKind::Open),
            st("142", "Успешно", 10_000, StageKind::Won),
            st("143", "Закрыто", 11_000, StageKind::Lost),
        ],
    }
}

fn lead16(
    id: &str,
    created: &str,
    moves: &[(&str, &str, &str)],
    closed: Option<&str>,
) -> synkro_core::pipeline::Dialog {
    let mut d = synkro_core::pipeline::Dialog::new(deal(id, "anna", msk(created)));
    d.stage_changes = moves
        .iter()
        .enumerate()
        .map(|(i, (t, f, to))| stage_change(&format!("{id}-{i}"), id, msk(t), f, to))
        .collect();
    if let Some(last) = moves.last() {
        d.deal.stage = Some(StageId::new(last.2));
    }
    d.deal.closed_at = closed.map(msk);
    d
}

fn e16(mode: FunnelMode) -> MetricsReport {
    let ds = vec![
        lead16(
            "L1",
            "2025-11-10 10:00:00",
            &[
                ("2025-11-10 15:00:00", "s1", "s2"),
                ("2025-11-12 11:00:00", "s2", "s3"),
                ("2025-11-14 16:00:00", "s3", "142"),
            ],
            Some("2025-11-14 16:00:00"),
        ),
        lead16(
            "L2",
            "2025-11-10 11:00:00",
            &[
                ("2025-11-11 12:00:00", "s1", "s3"),
                ("2025-11-20 10:00:00", "s3", "143"),
            ],
            Some("2025-11-20 10:00:00"),
        ),
        lead16(
            "L3",
            "2025-11-11 09:30:00",
            &[
                ("2025-11-11 17:00:00", "s1", "s2"),
                ("2025-11-12 10:00:00", "s2", "s1"),
                ("2025-11-13 10:00:00", "s1", "s2"),
            ],
            None,
        ),
        lead16(
            "L4",
            "2025-11-12 12:00:00",
            &[("2025-11-12 13:00:00", "s1", "143")],
            Some("2025-11-12 13:00:00"),
        ),
    ];
    let mut cfg = fixture_config();
    cfg.funnel_mode = mode;
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    let (from, to) = (msk("2025-11-01 00:00:00"), msk("2025-12-01 00:00:00"));
    run_with(cfg, rd, &ds, from, to, to, MSK)
}

fn step(f: &Funnel, from: &str, to: &str) -> (u64, u64) {
    let s = f
        .steps
        .iter()
        .find(|s| s.from == from && s.to == to)
        .unwrap();
    (s.converted, s.cohort)
}

#[test]
fn e16_funnel_conversion_and_time_in_stage() {
    let r = e16(FunnelMode::PassThrough);
    let f = r.funnel("p1").unwrap();
    assert_eq!(step(f, "s1", "s2"), (3, 4));
    assert_eq!(step(f, "s1", "s3"), (2, 4));
    assert_eq!(step(f, "s1", "s4"), (1, 4));
    assert_eq!(step(f, "s1", "won"), (1, 4));
    assert_eq!(step(f, "s2", "s3"), (2, 3));
    assert_eq!(step(f, "s3", "s4"), (1, 2));
    assert_eq!(step(f, "s4", "won"), (1, 1));
    let s = r
        .funnel("p1")
        .unwrap()
        .steps
        .iter()
        .find(|s| s.from == "s2" && s.to == "s3")
        .unwrap();
    assert!((s.rate.unwrap() - 2.0 / 3.0).abs() < 1e-12);

    let strict = e16(FunnelMode::Strict);
    let f = strict.funnel("p1").unwrap();
    assert_eq!(step(f, "s1", "s2"), (2, 4));
    assert_eq!(step(f, "s1", "s3"), (2, 4));
    assert_eq!(step(f, "s1", "s4"), (0, 4));
    assert_eq!(step(f, "s1", "won"), (1, 4));
    assert_eq!(step(f, "s2", "s3"), (1, 2));
    assert_eq!(step(f, "s3", "s4"), (0, 2));
    assert_eq!(step(f, "s4", "won"), (0, 0));

    let st = |id: &str| r.stage_times.iter().find(|s| s.stage == id).unwrap();
    let s1 = st("s1");
    let (b, c) = (&s1.completed.business, &s1.completed.calendar);
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90), secs(b.max)),
        (5, Some(23_400.0), Some(27_000), Some(36_000), Some(36_000))
    );
    assert_eq!(
        (c.mean, secs(c.p50), secs(c.p90)),
        (Some(45_000.0), Some(27_000), Some(90_000))
    );
    let s2 = st("s2");
    let (b, c) = (&s2.completed.business, &s2.completed.calendar);
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90)),
        (2, Some(28_800.0), Some(7_200), Some(50_400))
    );
    assert_eq!((secs(c.p50), secs(c.p90)), (Some(61_200), Some(158_400)));
    assert_eq!(
        (
            s2.open.business.n,
            secs(s2.open.business.max),
            secs(s2.open.calendar.max)
        ),
        (1, Some(385_200), Some(1_519_200))
    );
    // lead.cycle: L1 (367 200 / 151 200) is the median of the three leads closed in November.
    let cy = &r.totals.leads.cycle;
    assert_eq!(
        (cy.calendar.n, secs(cy.calendar.p50), secs(cy.business.p50)),
        (3, Some(367_200), Some(151_200))
    );
}

fn lead17(
    id: &str,
    created_by: &str,
    closes: &[(&str, &str, &str)],
    close_owner: Option<(&str, &str)>,
    price: Option<i64>,
    reason: Option<&str>,
) -> (synkro_core::pipeline::Dialog, Option<ResponsibleChange>) {
    let mut d =
        synkro_core::pipeline::Dialog::new(deal(id, created_by, msk("2025-10-01 10:00:00")));
    d.stage_changes = closes
        .iter()
        .enumerate()
        .map(|(i, (t, f, to))| stage_change(&format!("{id}-{i}"), id, msk(t), f, to))
        .collect();
    d.deal.price = price;
    d.deal.loss_reason = reason.map(str::to_owned);
    d.deal.closed_at = closes
        .last()
        .filter(|c| c.2 == "142" || c.2 == "143")
        .map(|c| msk(c.0));
    let rc = close_owner.map(|(t, to)| ResponsibleChange {
        id: EventId::new(format!("rc-{id}")),
        entity: EntityRef::Deal(d.deal.id.clone()),
        at: msk(t),
        from: Some(ManagerId::new(created_by)),
        to: Some(ManagerId::new(to)),
        by: None,
    });
    if let Some((_, to)) = close_owner {
        d.deal.responsible = Some(ManagerId::new(to));
    }
    (d, rc)
}

fn e17(attr: WinAttribution, month: (&str, &str)) -> MetricsReport {
    let parts = vec![
        lead17(
            "D1",
            "anna",
            &[("2025-11-05 12:00:00", "s2", "142")],
            None,
            Some(120_000),
            None,
        ),
        lead17(
            "D2",
            "anna",
            &[("2025-11-06 12:00:00", "s2", "143")],
            None,
            None,
            Some("Дорого"),
        ),
        lead17(
            "D3",
            "anna",
            &[("2025-11-07 12:00:00", "s2", "142")],
            None,
            Some(80_000),
            None,
        ),
        lead17(
            "D4",
            "boris",
            &[("2025-11-10 12:00:00", "s2", "143")],
            None,
            None,
            Some("Нет бюджета"),
        ),
        lead17(
            "D5",
            "anna",
            &[("2025-11-11 12:00:00", "s2", "143")],
            Some(("2025-11-03 12:00:00", "boris")),
            None,
            Some("Дорого"),
        ),
        lead17(
            "D6",
            "boris",
            &[("2025-11-12 12:00:00", "s2", "142")],
            None,
            Some(50_000),
            None,
        ),
        lead17(
            "D7",
            "boris",
            &[
                ("2025-10-28 12:00:00", "s2", "143"),
                ("2025-11-05 12:00:00", "143", "s2"),
                ("2025-11-25 12:00:00", "s2", "142"),
            ],
            None,
            Some(30_000),
            None,
        ),
    ];
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        responsible_changes: parts.iter().filter_map(|p| p.1.clone()).collect(),
        ..ReferenceData::default()
    };
    let ds: Vec<_> = parts.into_iter().map(|p| p.0).collect();
    let mut cfg = fixture_config();
    cfg.win_attribution = attr;
    let (from, to) = (
        msk(&format!("{} 00:00:00", month.0)),
        msk(&format!("{} 00:00:00", month.1)),
    );
    run_with(
        cfg,
        rd,
        &ds,
        from,
        to,
        msk("2025-12-01 00:00:00").max(to),
        MSK,
    )
}

#[test]
fn e17_win_rate_and_loss_reasons() {
    let r = e17(WinAttribution::AtClose, ("2025-11-01", "2025-12-01"));
    let (a, b) = (
        &r.manager("anna").unwrap().values.leads,
        &r.manager("boris").unwrap().values.leads,
    );
    assert_eq!((a.won, a.lost, a.won_amount), (2, 1, 200_000));
    assert_eq!((b.won, b.lost, b.won_amount), (2, 2, 80_000));
    assert_eq!((r.totals.leads.won, r.totals.leads.lost), (4, 3));
    assert_eq!(
        format!("{:.1}", r.totals.leads.win_rate.unwrap() * 100.0),
        "57.1"
    );
    let dorogo = r
        .loss_reasons
        .iter()
        .find(|l| l.reason == "Дорого")
        .unwrap();
    assert_eq!(
        (
            dorogo.count,
            dorogo.by_manager.get("anna"),
            dorogo.by_manager.get("boris")
        ),
        (2, Some(&1), Some(&1))
    );
    assert_eq!(format!("{:.1}", dorogo.share.unwrap() * 100.0), "66.7");
    assert_eq!(
        r.loss_reasons
            .iter()
            .find(|l| l.reason == "Нет бюджета")
            .unwrap()
            .count,
        1
    );
    let r = e17(WinAttribution::AtCreation, ("2025-11-01", "2025-12-01"));
    let (a, b) = (
        &r.manager("anna").unwrap().values.leads,
        &r.manager("boris").unwrap().values.leads,
    );
    assert_eq!(((a.won, a.lost), (b.won, b.lost)), ((2, 2), (2, 1)));
    let oct = e17(WinAttribution::AtClose, ("2025-10-01", "2025-11-01"));
    assert_eq!((oct.totals.leads.won, oct.totals.leads.lost), (0, 1));
}

fn e18(basis: Basis) -> MetricsReport {
    let touched = |id: &str, touch: &str| {
        let mut d = dialog(
            id,
            vec![staff(
                id,
                &format!("{id}-t"),
                msk(touch),
                "anna",
                "Как дела с заказом?",
            )],
        );
        d.deal.created_at = msk("2025-11-03 10:00:00");
        d
    };
    let mut l22 =
        synkro_core::pipeline::Dialog::new(deal("L22", "anna", msk("2025-11-14 16:00:00")));
    l22.deal.stage = Some(StageId::new("s2"));
    let mut l23 = touched("L23", "2025-11-13 12:00:00");
    l23.deal.stage = Some(StageId::new("wait_pay"));
    let mut l24 = touched("L24", "2025-11-13 12:00:00");
    l24.deal.stage = Some(StageId::new("142"));
    l24.deal.closed_at = Some(msk("2025-11-14 12:00:00"));
    let ds = vec![
        touched("L20", "2025-11-17 15:00:00"),
        touched("L21", "2025-11-18 10:00:00"),
        l22,
        l23,
        l24,
    ];
    let mut cfg = fixture_config();
    cfg.followup_basis = basis;
    cfg.followup_excluded_stages = vec!["wait_pay".into()];
    let (from, to) = (msk("2025-11-21 00:00:00"), msk("2025-11-22 00:00:00"));
    run_with(
        cfg,
        ReferenceData {
            pipelines: vec![pipeline()],
            ..ReferenceData::default()
        },
        &ds,
        from,
        to,
        msk("2025-11-21 12:00:00"),
        MSK,
    )
}

#[test]
fn e18_follow_up_discipline() {
    let l = e18(Basis::Business).totals.leads;
    assert_eq!(
        (
            l.followup_considered,
            l.followup_stale,
            l.followup_never_touched
        ),
        (3, 2, 1)
    );
    assert_eq!(
        format!("{:.1}", l.followup_stale_share.unwrap() * 100.0),
        "66.7"
    );
    let l = e18(Basis::Calendar).totals.leads;
    assert_eq!((l.followup_considered, l.followup_stale), (3, 3));
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
