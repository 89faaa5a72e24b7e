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

/// Tuesday 11 November 2025 (Moscow) with A on Wednesday at 12:00.
fn tuesday_seen_from_wednesday(
    cfg: MetricsConfig,
    reference: ReferenceData,
    d: &synkro_core::pipeline::Dialog,
) -> MetricsReport {
    run_with(
        cfg,
        reference,
        std::slice::from_ref(d),
        msk("2025-11-11 00:00:00"),
        msk("2025-11-12 00:00:00"),
        msk("2025-11-12 12:00:00"),
        MSK,
    )
}

/// Checks a manager's `wait.open_at_end`: (count, calendar age, business age, overdue at 900 s).
fn check_open_at_end(r: &MetricsReport, who: &str, expected: (u64, i64, i64, u64)) {
    let w = &r
        .manager(who)
        .unwrap_or_else(|| panic!("no row for {who}"))
        .values
        .waits;
    let age = &w.open_at_end_age;
    assert_eq!(
        (
            w.open_at_end,
            secs(age.calendar.max),
            secs(age.business.max),
            w.open_at_end_overdue.first().map(|o| o.1)
        ),
        (
            expected.0,
            Some(expected.1),
            Some(expected.2),
            Some(expected.3)
        ),
        "{who}"
    );
}

#[test]
fn a_wait_open_at_the_periods_end_is_the_responsibles_then_on_their_calendar() {
    // Anna owns the chat; the client asks on Tuesday at 17:30 and Carl (who works 10:15–19:00)
    // answers on Wednesday morning, after E and before A.
    let d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-11 17:30:00"), "Вопрос"),
            staff("c", "m2", msk("2025-11-12 10:20:00"), "carl", "Ответ"),
        ],
    );
    let mut cfg = fixture_config();
    cfg.calendars.push(CalendarSpec::weekly(
        "CARL",
        "Europe/Moscow",
        &[
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu,
            chrono::Weekday::Fri,
        ],
        &["10:15-19:00"],
    ));
    cfg.manager_calendars.insert("carl".into(), "CARL".into());
    let r = tuesday_seen_from_wednesday(cfg, ReferenceData::default(), &d);
    // §3.4, §5.5: at E the wait was Anna's, unanswered for 6.5 h of which 30 min in her hours.
    check_open_at_end(&r, "anna", (1, 23_400, 1_800, 1));
    assert_eq!(r.totals.waits.open_at_end, 1);
    assert!(
        r.manager("carl")
            .is_none_or(|m| m.values.waits.open_at_end == 0),
        "the reply after E does not move the snapshot"
    );
    // The answered wait itself is Carl's (the replier), on his calendar.
    let carl = &r.manager("carl").expect("Carl's row").values.waits;
    assert_eq!(secs(carl.reply.business.max), Some(5_400 + 300));
}

#[test]
fn a_change_of_owner_after_the_periods_end_does_not_move_the_snapshot() {
    let d = dialog(
        "c",
        vec![client("c", "m1", msk("2025-11-11 17:30:00"), "Вопрос")],
    );
    let reference = ReferenceData {
        responsible_changes: vec![owner_change(
            "rc1",
            &d.deal.id,
            msk("2025-11-12 08:00:00"),
            "anna",
            "boris",
        )],
        ..ReferenceData::default()
    };
    let r = tuesday_seen_from_wednesday(fixture_config(), reference, &d);
    check_open_at_end(&r, "anna", (1, 23_400, 1_800, 1));
    assert!(
        r.manager("boris")
            .is_none_or(|m| m.values.waits.open_at_end == 0)
    );
}

#[test]
fn with_the_last_message_anchor_a_snapshot_ages_from_the_last_message_before_it() {
    // K3: the client writes on Tuesday at 17:00 and again on Wednesday at 08:00; Anna answers at
    // 09:30. Tuesday's snapshot ages from 17:00, not from the later message.
    let d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-11 17:00:00"), "Вопрос"),
            client("c", "m2", msk("2025-11-12 08:00:00"), "Ещё вопрос"),
            staff("c", "m3", msk("2025-11-12 09:30:00"), "anna", "Ответ"),
        ],
    );
    let cfg = MetricsConfig {
        wait_anchor: WaitAnchor::Last,
        ..fixture_config()
    };
    let r = tuesday_seen_from_wednesday(cfg, ReferenceData::default(), &d);
    check_open_at_end(&r, "anna", (1, 25_200, 3_600, 1));
    let day = &r.open_at_end_by_day;
    assert_eq!(day.len(), 1, "{day:?}");
    assert_eq!((day[0].open, day[0].overdue.clone()), (1, vec![(900, 1)]));
    // The answered wait's reply time starts from the last message before the reply (08:00).
    assert_eq!(secs(r.totals.waits.reply.calendar.max), Some(5_400));
}

/// (dialog.new, dialog.outreach, dialog.ack_only) of a report.
fn sessions_of(r: &MetricsReport) -> (u64, u64, u64) {
    let d = &r.totals.dialogs;
    (d.new, d.outreach, d.ack_only)
}

#[test]
fn a_reminder_answered_by_an_ack_is_outreach_and_acks_alone_are_ack_only() {
    // S5: staff messages and no substantive client message → outreach, acks or not.
    let reminder = dialog(
        "r",
        vec![
            staff(
                "r",
                "m1",
                msk("2025-11-11 10:00:00"),
                "anna",
                "Напоминаю о встрече",
            ),
            client("r", "m2", msk("2025-11-11 10:05:00"), "ок"),
        ],
    );
    assert_eq!(
        sessions_of(&one_day(fixture_config(), &[reminder])),
        (0, 1, 0)
    );
    // Client acks with no staff message → ack-only.
    let thanks = dialog(
        "t",
        vec![client("t", "m1", msk("2025-11-11 10:00:00"), "Спасибо!")],
    );
    assert_eq!(
        sessions_of(&one_day(fixture_config(), &[thanks])),
        (0, 0, 1)
    );
}

#[test]
fn the_stand_in_deal_of_a_messenger_only_chat_is_no_lead() {
    // radist_only: a chat's synthetic deal (L3 links chats to CRM leads only).
    let mut d = dialog(
        "s",
        vec![
            client("s", "m1", msk("2025-11-11 10:00:00"), "Нужен счёт"),
            staff("s", "m2", msk("2025-11-11 10:05:00"), "anna", "Отправил"),
        ],
    );
    d.deal.synthetic = true;
    d.deal.created_at = msk("2025-11-11 10:00:00");
    let r = one_day(fixture_config(), &[d]);
    let without_lead = r.dq("dq.msg_without_lead").expect("the counter");
    assert_eq!((without_lead.count, without_lead.denominator), (2, 2));
    let l = &r.totals.leads;
    assert_eq!((l.stl_items, l.followup_considered), (0, 0));
    assert_eq!(r.dq("dq.unmatched_chats").map(|c| c.count), Some(1));
    // The chat's communication still counts.
    assert_eq!((r.totals.waits.answered, r.totals.dialogs.new), (1, 1));
}

#[test]
fn without_a_lead_the_contacts_responsible_answers_for_the_chat() {
    // L4: the client writes at 10:00; the lead (Anna's) is created at 12:00, more than the hour
    // of `lead_link_ahead` later, so the chat has no lead at 10:00; the contact is Boris's.
    let mut d = dialog(
        "c",
        vec![client("c", "m1", msk("2025-11-11 10:00:00"), "Нужен счёт")],
    );
    d.deal.created_at = msk("2025-11-11 12:00:00");
    let mut boris = contact("k1", &["+79990001122"]);
    boris.responsible = Some(synkro_core::model::ManagerId::new("boris"));
    d.contacts = vec![boris];
    let r = one_day(fixture_config(), &[d]);
    let row = |who: &str| {
        r.manager(who)
            .map(|m| (m.values.messages.inbound, m.values.dialogs.new))
    };
    assert_eq!(row("boris"), Some((1, 1)));
    assert_eq!(row("unassigned"), None);
    assert_eq!(r.dq("dq.msg_without_lead").map(|c| c.count), Some(1));
}

#[test]
fn the_stage_dimension_puts_an_item_in_its_leads_stage_at_the_anchor() {
    // §6 `stage`: the lead moves S1 → S2 at 11:00; the client's first question (10:00) is in S1,
    // the second (12:00) in S2. A chat without a lead is "(no stage)".
    let mut d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-11 10:00:00"), "Нужен счёт"),
            staff("c", "m2", msk("2025-11-11 10:05:00"), "anna", "Готовлю"),
            client("c", "m3", msk("2025-11-11 12:00:00"), "А доставка?"),
        ],
    );
    d.stage_changes = vec![stage_change(
        "sc",
        "lead-c",
        msk("2025-11-11 11:00:00"),
        "s1",
        "s2",
    )];
    let mut orphan = dialog(
        "o",
        vec![client(
            "o",
            "o1",
            msk("2025-11-11 10:30:00"),
            "Здравствуйте",
        )],
    );
    orphan.deal.deleted_at = Some(msk("2025-11-01 00:00:00"));
    let cfg = MetricsConfig {
        breakdowns: vec![vec![Dimension::Stage]],
        ..fixture_config()
    };
    let r = one_day(cfg.clone(), &[d.clone(), orphan.clone()]);
    let rows: Vec<(String, u64, u64)> = r
        .breakdown(&[Dimension::Stage])
        .expect("the stage breakdown")
        .rows
        .iter()
        .map(|row| {
            (
                row.key[0].clone(),
                row.values.messages.inbound,
                row.values.waits.total,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("(no stage)".to_owned(), 1, 1),
            ("s1".to_owned(), 1, 1),
            ("s2".to_owned(), 1, 1)
        ]
    );
    // A filter on the stage keeps the items of that stage only.
    let mut only_s2 = cfg;
    only_s2.filters.insert("stage".into(), vec!["s2".into()]);
    let r = one_day(only_s2, &[d, orphan]);
    assert_eq!((r.totals.messages.inbound, r.totals.waits.total), (1, 1));
}

#[test]
fn a_day_row_counts_the_waits_open_at_that_days_end() {
    // §3.4 "per day bucket's end", P2: a two-day report; the client asks on Monday at 17:30 and
    // Anna answers on Tuesday at 09:05. Monday's row has the wait open at its end; Tuesday's and
    // the totals (the snapshot at E, Wednesday 00:00) have none.
    let d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-10 17:30:00"), "Вопрос"),
            staff("c", "m2", msk("2025-11-11 09:05:00"), "anna", "Ответ"),
        ],
    );
    let r = run(fixture_config(), &[d], "2025-11-10", "2025-11-12");
    let days: Vec<(String, u64, Option<i64>, Option<i64>)> = r
        .breakdown(&[Dimension::Day])
        .expect("the day breakdown")
        .rows
        .iter()
        .map(|row| {
            let w = &row.values.waits;
            (
                row.key[0].clone(),
                w.open_at_end,
                secs(w.open_at_end_age.calendar.max),
                secs(w.open_at_end_age.business.max),
            )
        })
        .collect();
    // 17:30 → 24:00 is 6 h 30 min, of which 30 min in MSK-9-18's hours.
    assert_eq!(
        days,
        [
            ("2025-11-10".to_owned(), 1, Some(23_400), Some(1_800)),
            ("2025-11-11".to_owned(), 0, None, None),
        ]
    );
    assert_eq!(r.totals.waits.open_at_end, 0);
    assert_eq!(
        r.open_at_end_by_day
            .iter()
            .map(|d| d.open)
            .collect::<Vec<_>>(),
        [1, 0]
    );
}
