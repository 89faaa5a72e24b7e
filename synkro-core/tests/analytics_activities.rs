//! CRM activities in the chat pass: closed conversations (S3 a, W5), notes as replies (W7) and
//! authors named by CRM chat-message events (O0).

mod analytics_support;

use analytics_support::leads::stage_moves;
use analytics_support::*;
use chrono::{DateTime, Utc};
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

fn activity(id: &str, kind: ActivityKind, at: DateTime<Utc>, by: Option<&str>) -> CrmActivity {
    CrmActivity {
        id: EventId::new(id),
        kind,
        at,
        by: by.map(ManagerId::new),
        deal: Some(DealId::new("lead-c")),
        contact: None,
        talk: Some("talk-1".into()),
    }
}

fn one_day(cfg: MetricsConfig, ds: &[Dialog]) -> MetricsReport {
    run(cfg, ds, "2025-11-11", "2025-11-12")
}

#[test]
fn a_conversation_closed_in_the_crm_ends_the_wait_and_the_session() {
    let mut d = dialog(
        "c",
        vec![
            client(
                "c",
                "m1",
                msk("2025-11-11 10:00:00"),
                "Сколько стоит доставка?",
            ),
            client(
                "c",
                "m2",
                msk("2025-11-11 11:00:00"),
                "Ещё вопрос по оплате",
            ),
            staff("c", "m3", msk("2025-11-11 11:04:00"), "anna", "Картой"),
        ],
    );
    d.activities = vec![activity(
        "e1",
        ActivityKind::ChatClosed,
        msk("2025-11-11 10:30:00"),
        Some("anna"),
    )];
    let r = one_day(fixture_config(), &[d.clone()]);
    let w = &r.totals.waits;
    // m1's wait ends closed after 1 800 s (> 900: a miss); m2 opens a new session whose wait
    // is answered in 240 s.
    assert_eq!((w.total, w.closed, w.answered), (2, 1, 1));
    assert_eq!((w.sla[0].hits, w.sla[0].misses), (1, 1));
    assert_eq!(r.totals.dialogs.sessions, 2);
    assert_eq!(r.dialogs[0].end_reason, "crm_close");
    assert_eq!(r.dialogs[0].never_answered.as_deref(), Some("lost_closed"));
    assert_eq!(secs(r.totals.waits.reply.calendar.max), Some(240));

    // Without the activity: one session, one wait answered after 1 h 04 min.
    d.activities.clear();
    let r = one_day(fixture_config(), &[d]);
    assert_eq!((r.totals.waits.total, r.totals.dialogs.sessions), (1, 1));
    assert_eq!(secs(r.totals.waits.reply.calendar.max), Some(3_840));
}

#[test]
fn a_manager_note_answers_a_wait_only_when_notes_are_a_reply_channel() {
    let mut d = dialog(
        "c",
        vec![client(
            "c",
            "m1",
            msk("2025-11-11 10:00:00"),
            "Перезвоните, пожалуйста, по счёту",
        )],
    );
    d.activities = vec![activity(
        "n1",
        ActivityKind::Note,
        msk("2025-11-11 10:05:00"),
        Some("boris"),
    )];
    let r = one_day(fixture_config(), &[d.clone()]);
    assert_eq!((r.totals.waits.answered, r.totals.waits.open), (0, 1));

    let cfg = MetricsConfig {
        reply_channels: vec!["chat".into(), "note".into()],
        ..fixture_config()
    };
    let r = one_day(cfg.clone(), &[d.clone()]);
    assert_eq!(r.totals.waits.answered, 1);
    assert_eq!(secs(r.totals.waits.reply.business.max), Some(300));
    // Attributed to the note's author under the default `replier` attribution.
    assert_eq!(r.manager("boris").unwrap().values.waits.answered, 1);

    // A robot's note (created_by 0) is not a reply.
    d.activities[0].by = Some(ManagerId::new("0"));
    let r = one_day(cfg, &[d]);
    assert_eq!(r.totals.waits.answered, 0);
}

#[test]
fn an_authorless_outbound_message_takes_the_author_of_one_matching_crm_event() {
    let authorless = message(
        "c",
        "m2",
        msk("2025-11-11 10:07:30"),
        Direction::Outbound,
        None,
        "1 200 ₽, два дня.",
    );
    let mut d = dialog(
        "c",
        vec![
            client(
                "c",
                "m1",
                msk("2025-11-11 10:00:00"),
                "Сколько стоит доставка?",
            ),
            authorless,
        ],
    );
    d.activities = vec![activity(
        "e1",
        ActivityKind::OutgoingChatMessage,
        msk("2025-11-11 10:07:36"),
        Some("carl"),
    )];
    let r = one_day(fixture_config(), &[d.clone()]);
    assert_eq!(r.dq("dq.outbound_without_author").unwrap().count, 0);
    assert_eq!(r.manager("carl").unwrap().values.waits.answered, 1);
    assert_eq!(r.manager("carl").unwrap().values.messages.out_human, 1);

    // Two candidate events within ±10 s: ambiguous, so O7 applies (responsible Anna).
    d.activities.push(activity(
        "e2",
        ActivityKind::OutgoingChatMessage,
        msk("2025-11-11 10:07:25"),
        Some("boris"),
    ));
    let r = one_day(fixture_config(), &[d.clone()]);
    assert_eq!(r.dq("dq.outbound_without_author").unwrap().count, 1);
    assert_eq!(r.manager("anna").unwrap().values.waits.answered, 1);

    // One event, but outside the tolerance: no enrichment either.
    d.activities = vec![activity(
        "e3",
        ActivityKind::OutgoingChatMessage,
        msk("2025-11-11 10:07:45"),
        Some("carl"),
    )];
    let r = one_day(fixture_config(), &[d]);
    assert_eq!(r.dq("dq.outbound_without_author").unwrap().count, 1);
    assert!(r.manager("carl").is_none());
}

#[test]
fn close_events_that_reach_no_chat_are_counted_unmapped() {
    let mut with_chat = dialog(
        "c",
        vec![client(
            "c",
            "m1",
            msk("2025-11-11 10:00:00"),
            "Сколько стоит?",
        )],
    );
    with_chat.activities = vec![activity(
        "e1",
        ActivityKind::ChatClosed,
        msk("2025-11-11 10:30:00"),
        None,
    )];
    let mut without_chat = dialog("x", Vec::new());
    without_chat.chat = None;
    without_chat.activities = vec![
        activity(
            "e2",
            ActivityKind::ChatClosed,
            msk("2025-11-11 12:00:00"),
            None,
        ),
        // Before the period: not counted.
        activity(
            "e3",
            ActivityKind::ChatClosed,
            msk("2025-11-10 12:00:00"),
            None,
        ),
        // The same event as e1, attached to a dialog without a chat too: still mapped.
        activity(
            "e1",
            ActivityKind::ChatClosed,
            msk("2025-11-11 10:30:00"),
            None,
        ),
    ];
    let r = one_day(fixture_config(), &[with_chat, without_chat]);
    let u = r.dq("dq.unmapped_close_events").expect("counted");
    assert_eq!(
        (u.count, u.denominator, u.samples.clone()),
        (1, 2, vec!["e2".to_owned()])
    );
}

#[test]
fn a_note_closes_a_wait_only_when_it_is_on_the_chats_lead() {
    // W7: "a CRM note on the chat's lead". A note on another deal of the client is no reply.
    let cfg = MetricsConfig {
        reply_channels: vec!["chat".into(), "note".into()],
        ..fixture_config()
    };
    let with_note_on = |deal: &str| {
        let mut d = dialog(
            "c",
            vec![client(
                "c",
                "m1",
                msk("2025-11-11 10:00:00"),
                "Пришлите счёт",
            )],
        );
        let mut note = activity(
            "n1",
            ActivityKind::Note,
            msk("2025-11-11 10:05:00"),
            Some("boris"),
        );
        note.deal = Some(DealId::new(deal));
        d.activities = vec![note];
        let r = one_day(cfg.clone(), &[d]);
        (r.totals.waits.answered, r.totals.waits.open)
    };
    assert_eq!(with_note_on("lead-c"), (1, 0));
    assert_eq!(with_note_on("lead-other"), (0, 1));
}

/// (closed, answered) waits of `dialogs` with `close_on_lead_closed` on.
fn closed_and_answered(dialogs: &[Dialog]) -> (u64, u64) {
    let cfg = MetricsConfig {
        close_on_lead_closed: true,
        ..fixture_config()
    };
    let r = one_day(cfg, dialogs);
    (r.totals.waits.closed, r.totals.waits.answered)
}

#[test]
fn every_close_of_the_chats_lead_ends_the_session_and_no_other_leads_close_does() {
    let talk = || {
        dialog(
            "c",
            vec![
                client("c", "m1", msk("2025-11-11 10:00:00"), "Когда отгрузка?"),
                staff("c", "m2", msk("2025-11-11 12:00:00"), "anna", "Завтра"),
            ],
        )
    };
    // S3 a: the lead was lost at 10:30, reopened at 10:45 and won at 14:00; its first close ends
    // the wait (the deal's own close time is only the last one).
    let mut d = talk();
    d.stage_changes = stage_moves(
        "lead-c",
        &[
            ("2025-11-11 10:30:00", "s1", "143"),
            ("2025-11-11 10:45:00", "143", "s1"),
            ("2025-11-11 14:00:00", "s1", "142"),
        ],
    );
    d.deal.closed_at = Some(msk("2025-11-11 14:00:00"));
    assert_eq!(closed_and_answered(&[d]), (1, 0));
    // An older lead of the same client, closed at 10:30, is not the chat's lead then (lead-c is
    // open and newer): its close does not end the wait.
    let mut old = talk();
    old.deal = Deal {
        id: DealId::new("lead-old"),
        created_at: msk("2025-08-01 09:00:00"),
        closed_at: Some(msk("2025-11-11 10:30:00")),
        ..old.deal
    };
    assert_eq!(closed_and_answered(&[talk(), old]), (0, 1));
}
