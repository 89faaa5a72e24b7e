//! The worked examples E1, E7–E9 and E15 of metrics.md §8, with their exact numbers, through the
//! public API: what starts a wait, what answers it, and whom it is attributed to.

mod analytics_support;

use analytics_support::*;
use chrono::Weekday::*;
use synkro_core::analytics::*;
use synkro_core::model::*;

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
    assert_eq!(t.dialogs.sessions, 1, "sessions");
    assert_eq!(
        t.dialogs.new_by_initiator.get("client"),
        Some(&1),
        "dialogs"
    );
    assert_eq!(t.waits.total, 1, "waits");
    assert_eq!(t.waits.answered, 1, "answered waits");
    check_secs("wait cal", t.waits.reply.calendar.max, 450);
    check_secs("wait bus", t.waits.reply.business.max, 450);
    check_secs(
        "first response cal",
        t.waits.first_response.calendar.max,
        450,
    );
    check_secs(
        "first response bus",
        t.waits.first_response.business.max,
        450,
    );
    assert_eq!(t.waits.sla[0].hits, 1, "SLA 900 hit");
    check_rate("SLA 900 hit rate", t.waits.sla[0].hit_rate, 1, 1);
    let anna = r.manager("anna").unwrap();
    assert_eq!(anna.values.waits.answered, 1, "attributed to Anna");
    assert_eq!(t.messages.inbound, 1, "msg.in");
    assert_eq!(t.messages.out_human, 1, "msg.out.human");
    assert_eq!(t.messages.ratio, Some(1.0), "msg.ratio");
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
    assert_eq!(t.waits.total, 1, "one wait (m5 creates nothing)");
    check_secs("wait cal", t.waits.reply.calendar.max, 720);
    check_secs("wait bus", t.waits.reply.business.max, 720);
    assert_eq!(t.waits.sla[0].hits, 1, "SLA 900 hit");
    assert_eq!(t.messages.inbound, 3, "msg.in");
    assert_eq!(t.messages.out_human, 2, "msg.out.human");
    let mut cfg = fixture_config_with_waits();
    cfg.wait_anchor = WaitAnchor::Last;
    let r = run(
        cfg,
        &[dialog("c1", e07_messages())],
        "2025-11-11",
        "2025-11-12",
    );
    let w = waits_of(&r, "c1");
    assert_eq!(
        w[0].start,
        msk("2025-11-11 11:00:00"),
        "the wait opens at m1"
    );
    let m3 = msk("2025-11-11 11:03:10");
    assert_eq!(w[0].last_client_message, m3, "last anchor: start m3");
    check_secs("last anchor: cal", r.totals.waits.reply.calendar.max, 530);
    check_secs("last anchor: bus", r.totals.waits.reply.business.max, 530);
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
    assert_eq!(t.waits.total, 1, "one wait (m2 leaves it open)");
    check_secs("wait cal (12 h 57 min)", t.waits.reply.calendar.max, 46_620);
    check_secs("wait bus", t.waits.reply.business.max, 720);
    assert_eq!(t.waits.sla[0].hits, 1, "SLA 900 hit on business time");
    assert_eq!(t.messages.out_bot, 1, "msg.out.bot");
    assert_eq!(t.messages.out_human, 1, "msg.out.human");
    let reasons = &t.messages.out_bot_by_reason;
    assert_eq!(reasons.get("author_list"), Some(&1), "bot_reason");
    let mut cfg = fixture_config();
    cfg.sla_basis = Basis::Calendar;
    let r = run(cfg, &[dialog("c1", msgs())], "2025-11-11", "2025-11-13");
    assert_eq!(r.totals.waits.sla[0].misses, 1, "sla_basis calendar: miss");
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
        fixture_config_with_waits(),
        &[dialog("c1", e09_messages())],
        "2025-11-11",
        "2025-11-13",
    );
    let t = &r.totals;
    assert_eq!(t.dialogs.sessions, 1, "one session (m4→m5 < 24 h)");
    assert_eq!(t.waits.total, 2, "waits: m3 starts none");
    let w = waits_of(&r, "c1");
    assert_eq!(w.len(), 2, "exported waits");
    check_wait("m1→m2", w[0], 300, 300);
    check_wait("m5→m6", w[1], 240, 240);
    let f = &t.waits.first_response;
    assert_eq!(f.business.n, 1, "first responses");
    check_secs("first response cal", f.calendar.max, 300);
    check_secs("first response bus", f.business.max, 300);
    let b = &t.waits.reply.business;
    assert_eq!(b.n, 2, "wait.reply n");
    assert_eq!(b.mean, Some(270.0), "wait.reply mean");
    check_secs("wait.reply p50", b.p50, 240);
    check_secs("wait.reply p90", b.p90, 300);
    check_secs("wait.reply max", b.max, 300);
    let s = &t.waits.sla[0];
    assert_eq!((s.hits, s.misses), (2, 0), "SLA 900 hits, misses");
    check_rate("SLA 900 hit rate", s.hit_rate, 2, 2);
    assert_eq!(t.messages.inbound, 3, "msg.in");
    assert_eq!(t.messages.inbound_ack, 1, "msg.in.ack");

    // Control with the ack filter off: m3 starts a wait, answered by m4.
    let mut cfg = fixture_config_with_waits();
    cfg.ack_filter = false;
    let r = run(
        cfg,
        &[dialog("c1", e09_messages())],
        "2025-11-11",
        "2025-11-13",
    );
    assert_eq!(r.totals.waits.total, 3, "control: waits");
    let w = waits_of(&r, "c1");
    assert_eq!(w.len(), 3, "control: exported waits");
    check_wait("control m1→m2", w[0], 300, 300);
    check_wait("control m3→m4", w[1], 8_640, 8_640);
    check_wait("control m5→m6", w[2], 240, 240);
    let s = &r.totals.waits.sla[0];
    assert_eq!(s.hits, 2, "control: SLA 900 hits");
    assert_eq!(s.misses, 1, "control: SLA 900 misses");
    check_rate("control: SLA 900 hit rate (66.7 %)", s.hit_rate, 2, 3);
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
            responsible_changes: vec![owner_change(
                "rc1",
                &d.deal.id,
                msk("2025-11-11 10:05:00"),
                "anna",
                "boris",
            )],
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
        run_ref(cfg, rd, &[d], "2025-11-11", "2025-11-12")
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
        assert_eq!(w.answered, 1, "{mode:?}: waits attributed to {who}");
        check_secs(&format!("{mode:?} cal"), w.reply.calendar.max, 1_200);
        check_secs(&format!("{mode:?} bus"), w.reply.business.max, bus);
        let (hits, misses) = if hit { (1, 0) } else { (0, 1) };
        assert_eq!(w.sla[0].hits, hits, "{mode:?}: SLA 900 hits");
        assert_eq!(w.sla[0].misses, misses, "{mode:?}: SLA 900 misses");
    }
}
