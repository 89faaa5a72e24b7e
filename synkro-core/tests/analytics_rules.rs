//! Classification, group-chat, delivery and data-quality rules of metrics.md §1.6, §2.3, §3.15.

mod analytics_support;

use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::report::{SectionBuilder, SectionInput};

fn one_day(cfg: MetricsConfig, ds: &[synkro_core::pipeline::Dialog]) -> MetricsReport {
    run(cfg, ds, "2025-11-11", "2025-11-12")
}

/// Fixture F with group chats in waits and Boris as the staff participant +79990001122 (I2).
fn group_waits_config() -> MetricsConfig {
    let mut cfg = MetricsConfig {
        group_chats_in_waits: true,
        ..fixture_config()
    };
    cfg.staff_participants
        .insert("+79990001122".into(), "boris".into());
    cfg
}

/// `d` as a group chat.
fn as_group(mut d: synkro_core::pipeline::Dialog) -> synkro_core::pipeline::Dialog {
    d.chat.as_mut().unwrap().kind = ChatKind::Group;
    d
}

#[test]
fn group_chat_waits_are_left_out_unless_configured() {
    let mk = || {
        let mut d = dialog(
            "g",
            vec![
                client(
                    "g",
                    "m1",
                    msk("2025-11-11 10:00:00"),
                    "Коллеги, когда поставка?",
                ),
                staff("g", "m2", msk("2025-11-11 10:05:00"), "anna", "Завтра"),
            ],
        );
        d.chat.as_mut().unwrap().kind = ChatKind::Group;
        d
    };
    let r = one_day(fixture_config(), &[mk()]);
    assert_eq!(
        (r.totals.waits.total, r.totals.waits.group_excluded),
        (0, 1)
    );
    assert_eq!((r.totals.dialogs.new, r.totals.messages.inbound), (1, 1));
    let cfg = MetricsConfig {
        group_chats_in_waits: true,
        ..fixture_config()
    };
    assert_eq!(one_day(cfg, &[mk()]).totals.waits.answered, 1);
}

#[test]
fn staff_in_a_group_chat_is_a_manager() {
    let d = dialog(
        "g",
        vec![
            client("g", "m1", msk("2025-11-11 10:00:00"), "Когда поставка?"),
            message(
                "g",
                "m2",
                msk("2025-11-11 10:03:00"),
                Direction::Inbound,
                Some("+79990001122"),
                "Завтра",
            ),
        ],
    );
    let r = one_day(group_waits_config(), &[as_group(d)]);
    assert_eq!(
        (r.totals.messages.inbound, r.totals.messages.out_human),
        (1, 1)
    );
    assert_eq!(r.manager("boris").unwrap().values.waits.answered, 1);
}

#[test]
fn authorless_outbound_is_human_by_default_and_counted_in_dq() {
    let msgs = || {
        vec![
            client("c", "m1", msk("2025-11-11 10:00:00"), "Вопрос"),
            message(
                "c",
                "m2",
                msk("2025-11-11 10:02:00"),
                Direction::Outbound,
                None,
                "Ответ с телефона",
            ),
        ]
    };
    let r = one_day(fixture_config(), &[dialog("c", msgs())]);
    assert_eq!(r.totals.waits.answered, 1);
    assert_eq!(r.dq("dq.outbound_without_author").unwrap().count, 1);
    // Attributed to the responsible at reply (Anna).
    assert_eq!(r.manager("anna").unwrap().values.waits.answered, 1);
    let cfg = MetricsConfig {
        unknown_outbound_as: UnknownOutboundAs::Unknown,
        ..fixture_config()
    };
    let r = one_day(cfg, &[dialog("c", msgs())]);
    assert_eq!(
        (
            r.totals.waits.answered,
            r.totals.waits.open,
            r.totals.messages.out_unknown
        ),
        (0, 1, 1)
    );
}

#[test]
fn templates_broadcasts_patterns_and_undelivered_replies_do_not_close_a_wait() {
    let mut tpl = staff(
        "c",
        "m2",
        msk("2025-11-11 10:01:00"),
        "integration-7",
        "Шаблон",
    );
    tpl.is_template = true;
    let mut bc = staff("c", "m3", msk("2025-11-11 10:02:00"), "anna", "Акция!");
    bc.is_broadcast = true;
    let away = staff(
        "c",
        "m4",
        msk("2025-11-11 10:03:00"),
        "anna",
        "Я в отпуске до понедельника",
    );
    let mut failed = staff("c", "m5", msk("2025-11-11 10:04:00"), "anna", "Ответ");
    failed.error_type = Some("131047".into());
    failed.error_at = Some(msk("2025-11-11 10:04:01"));
    let ok = staff(
        "c",
        "m6",
        msk("2025-11-11 10:10:00"),
        "anna",
        "Ответ ещё раз",
    );
    let mut cfg = fixture_config();
    cfg.bot_text_patterns = vec!["(?i)в отпуске".into()];
    let d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-11 10:00:00"), "Вопрос"),
            tpl,
            bc,
            away,
            failed,
            ok,
        ],
    );
    let r = one_day(cfg, &[d]);
    let m = &r.totals.messages;
    assert_eq!(m.out_bot, 3);
    assert_eq!(
        (
            m.out_bot_by_reason.get("template"),
            m.out_bot_by_reason.get("broadcast"),
            m.out_bot_by_reason.get("text_pattern")
        ),
        (Some(&1), Some(&1), Some(&1))
    );
    assert_eq!((m.out_human, m.out_undelivered), (2, 1));
    assert_eq!(secs(r.totals.waits.reply.calendar.max), Some(600));
    assert_eq!(r.dq("dq.undelivered_outbound").unwrap().count, 1);
    // K6: the undelivered reply is not in the ratio's numerator.
    assert_eq!(m.ratio, Some(1.0));
}

#[test]
fn a_template_from_a_known_manager_is_a_human_reply() {
    let mut tpl = staff("c", "m2", msk("2025-11-11 10:01:00"), "anna", "Шаблон");
    tpl.is_template = true;
    let d = dialog(
        "c",
        vec![client("c", "m1", msk("2025-11-11 10:00:00"), "Вопрос"), tpl],
    );
    assert_eq!(one_day(fixture_config(), &[d]).totals.waits.answered, 1);
}

#[test]
fn data_quality_counts_chats_without_crm_leads_and_invalid_phones() {
    let mut synthetic = dialog(
        "s",
        vec![client("s", "m1", msk("2025-11-11 10:00:00"), "Вопрос")],
    );
    synthetic.deal.synthetic = true;
    let mut calls = dialog("k", vec![]);
    calls.calls = vec![
        call(
            "k1",
            msk("2025-11-11 11:00:00"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            "8 (999) 123-45-67",
        ),
        call(
            "k2",
            msk("2025-11-11 11:05:00"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            "+7 999 123 45 67",
        ),
        call(
            "k3",
            msk("2025-11-11 11:06:00"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            "12-34",
        ),
    ];
    let r = one_day(
        fixture_config(),
        &[
            synthetic,
            dialog(
                "c",
                vec![client("c", "m1", msk("2025-11-11 10:00:00"), "Вопрос")],
            ),
            calls,
        ],
    );
    let u = r.dq("dq.unmatched_chats").unwrap();
    assert_eq!(
        (u.count, u.denominator, u.samples.clone()),
        (1, 2, vec!["s".to_owned()])
    );
    assert_eq!(r.dq("dq.invalid_phone").unwrap().count, 1);
    // Both spellings of +79991234567 are one phone: the two missed calls form one episode.
    assert_eq!((r.totals.calls.missed, r.totals.calls.episodes), (3, 2));
}

#[test]
fn a_bad_metrics_config_fails_the_section_with_the_key() {
    let tenant = Tenant {
        id: TenantId(1),
        name: "Acme".into(),
        slug: "acme".into(),
        status: TenantStatus::Active,
        timezone: MSK,
    };
    let config = TenantRuntimeConfig {
        metadata: serde_json::json!({"metrics": {"sla_targets": [-5]}}),
        ..TenantRuntimeConfig::default()
    };
    let window = Window::new(msk("2025-11-11 00:00:00"), msk("2025-11-12 00:00:00")).unwrap();
    let input = SectionInput {
        tenant: &tenant,
        config: &config,
        window: &window,
        as_of: window.end,
        dialogs: &[],
        pipelines: &[],
        managers: &[],
        phones: None,
    };
    let e = MetricsSection::new().build(&input).unwrap_err().to_string();
    assert!(e.contains("sla_targets"), "{e}");
    let ok = TenantRuntimeConfig::default();
    let input = SectionInput {
        tenant: &tenant,
        config: &ok,
        window: &window,
        as_of: window.end,
        dialogs: &[],
        pipelines: &[],
        managers: &[],
        phones: None,
    };
    let s = MetricsSection::new().build(&input).unwrap();
    let r = MetricsReport::from_section_data(&s.data).unwrap();
    assert_eq!(
        (r.totals.waits.total, r.totals.waits.reply.business.mean),
        (0, None)
    );
    assert!(s.markdown.contains("Reply time"));
}

#[test]
fn the_section_names_managers_and_teams_from_the_crm_users() {
    let tenant = Tenant {
        id: TenantId(1),
        name: "Acme".into(),
        slug: "acme".into(),
        status: TenantStatus::Active,
        timezone: MSK,
    };
    let config = TenantRuntimeConfig {
        metadata: serde_json::json!({"metrics": {"breakdowns": [["manager"], ["team"]]}}),
        ..TenantRuntimeConfig::default()
    };
    let window = Window::new(msk("2025-11-11 00:00:00"), msk("2025-11-12 00:00:00")).unwrap();
    let dialogs = [dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-11 10:00:00"), "Сколько стоит?"),
            staff("c", "m2", msk("2025-11-11 10:05:00"), "anna", "100 ₽"),
        ],
    )];
    let managers = [Manager {
        id: ManagerId::new("anna"),
        name: "Анна Иванова".into(),
        email: None,
        team: Some("Отдел продаж".into()),
        active: true,
        updated_at: None,
    }];
    let input = SectionInput {
        tenant: &tenant,
        config: &config,
        window: &window,
        as_of: window.end,
        dialogs: &dialogs,
        pipelines: &[],
        managers: &managers,
        phones: None,
    };
    let s = MetricsSection::new().build(&input).unwrap();
    let r = MetricsReport::from_section_data(&s.data).unwrap();
    let anna = r.manager("anna").unwrap();
    assert_eq!(anna.name, "Анна Иванова");
    assert_eq!(anna.values.waits.answered, 1);
    let team = &r.breakdowns[1];
    assert_eq!(team.rows.len(), 1);
    assert_eq!(team.rows[0].key, vec!["Отдел продаж".to_owned()]);
    assert!(s.markdown.contains("Анна Иванова"), "{}", s.markdown);
}

#[test]
fn sla_targets_written_out_of_order_publish_the_smallest_first() {
    let cfg = MetricsConfig {
        sla_targets: vec![3600, 900],
        ..fixture_config()
    };
    let r = one_day(
        cfg,
        &[answered(
            "c",
            "2025-11-11 10:00:00",
            "anna",
            "2025-11-11 10:20:00",
        )],
    );
    let targets: Vec<i64> = r.totals.waits.sla.iter().map(|s| s.target_s).collect();
    assert_eq!(targets, vec![900, 3600]);
    assert_eq!(
        (r.totals.waits.sla[0].hits, r.totals.waits.sla[0].misses),
        (0, 1)
    );
}

#[test]
fn messages_of_one_instant_are_ordered_by_id_whatever_order_they_come_in() {
    // C5: in a group chat the client's message and Boris's (a staff participant, inbound too) are
    // stamped with the same second; their ids decide whether his message answers it.
    let group = |first: (&str, &str), second: (&str, &str)| {
        let t = msk("2025-11-11 10:00:00");
        let author = |who: &str| (who == "staff").then_some("+79990001122");
        let d = dialog(
            "g",
            [first, second]
                .iter()
                .map(|(id, who)| {
                    message(
                        "g",
                        id,
                        t,
                        Direction::Inbound,
                        author(who),
                        "Когда поставка?",
                    )
                })
                .collect(),
        );
        let r = one_day(group_waits_config(), &[as_group(d)]);
        (r.totals.waits.answered, r.totals.waits.open)
    };
    // The client's m1 comes before Boris's m2 in either input order: answered at 0 s.
    assert_eq!(group(("m1", "client"), ("m2", "staff")), (1, 0));
    assert_eq!(group(("m2", "staff"), ("m1", "client")), (1, 0));
    // Boris's m1 comes first: the client's m2 opens a wait nobody answers.
    assert_eq!(group(("m2", "client"), ("m1", "staff")), (0, 1));
    assert_eq!(group(("m1", "staff"), ("m2", "client")), (0, 1));
    // Numeric ids (a source with integer ids, such as Telegram's) by value: the client's 9 comes
    // before Boris's 10, although "10" is before "9" as text.
    assert_eq!(group(("10", "staff"), ("9", "client")), (1, 0));
    assert_eq!(group(("9", "staff"), ("10", "client")), (0, 1));
}
