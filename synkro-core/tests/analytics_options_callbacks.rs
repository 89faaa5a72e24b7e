//! Call options of metrics.md §7 / K18 with exact numbers, on E13: chat callbacks and callback
//! attribution (§3.7, K11, K12), and whose missed call it is.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

/// E13: two missed calls from +79991234567 (Wed 12 Nov 17:52 and 17:58:30) on a lead of Boris,
/// then `third` (if any); `chat_reply` = a human WhatsApp message in a chat whose phone is the
/// same number written differently.
fn e13(
    cfg: MetricsConfig,
    third: Option<Call>,
    chat_reply: Option<(&str, &str)>,
    owner_change_at: Option<&str>,
    as_of: &str,
) -> MetricsReport {
    let mut d = e13_lead(third);
    if let Some((t, who)) = chat_reply {
        let mut c = chat("w13");
        c.phone = Some("8 (999) 123-45-67".into());
        d.chat = Some(c);
        d.messages = vec![staff(
            "w13",
            "m1",
            msk(t),
            who,
            "Добрый день! Вы нам звонили?",
        )];
    }
    let rd = ReferenceData {
        responsible_changes: owner_change_at
            .map(|t| owner_change("rc13", &d.deal.id, msk(t), "boris", "anna"))
            .into_iter()
            .collect(),
        ..ReferenceData::default()
    };
    run_e13(cfg, rd, d, as_of)
}

fn callback(r: &MetricsReport) -> (Option<i64>, Option<i64>) {
    let c = &r.totals.calls.callback;
    (secs(c.calendar.max), secs(c.business.max))
}

#[test]
fn a_chat_message_is_a_callback_only_when_chat_is_a_callback_channel() {
    let reply = Some(("2025-11-13 09:10:00", "boris"));
    let mut cfg = fixture_config();
    cfg.callback_channels = channels(&["call", "chat"]);
    // E13 with Boris's WhatsApp message instead of c3: the same callback time.
    let r = e13(cfg.clone(), None, reply, None, "2025-11-14 00:00:00");
    let c = &r.totals.calls;
    assert_eq!((c.missed, c.episodes), (2, 1));
    assert_eq!(c.episode_outcomes.get("called_back"), Some(&1));
    assert_eq!(callback(&r), (Some(55_080), Some(1_080)));
    assert_eq!(c.callback_sla[0].misses, 1);
    assert_eq!(
        r.manager("boris").unwrap().values.calls.callback.business.n,
        1
    );
    // It does not need an answer even when calls do.
    let mut strict = cfg.clone();
    strict.callback_requires_answer = true;
    let r = e13(strict, None, reply, None, "2025-11-14 00:00:00");
    assert_eq!(callback(&r), (Some(55_080), Some(1_080)));
    // A message before the episode resolves nothing: open at A (Fri 00:00), business age
    // 480 + 32 400 = 32 880 > 900: a miss.
    let r = e13(
        cfg.clone(),
        None,
        Some(("2025-11-12 17:00:00", "boris")),
        None,
        "2025-11-14 00:00:00",
    );
    let c = &r.totals.calls;
    assert_eq!(c.episode_outcomes.get("open"), Some(&1));
    assert_eq!((c.callback.calendar.n, c.callback_sla[0].misses), (0, 1));
    // K1: a message exactly at start + 7 d still calls back (cal 604 800, bus 5 working days).
    let r = e13(
        cfg.clone(),
        None,
        Some(("2025-11-19 17:52:00", "boris")),
        None,
        "2025-11-20 00:00:00",
    );
    assert_eq!(r.totals.calls.episode_outcomes.get("called_back"), Some(&1));
    assert_eq!(callback(&r), (Some(604_800), Some(162_000)));
    // Default `callback_channels = [call]`: the message is not a callback.
    let r = e13(fixture_config(), None, reply, None, "2025-11-14 00:00:00");
    let c = &r.totals.calls;
    assert_eq!(c.episode_outcomes.get("open"), Some(&1));
    assert_eq!((c.callback.calendar.n, c.callback_sla[0].misses), (0, 1));
}

#[test]
fn callback_attribution_caller_and_at_episode_start() {
    let with = |attr: CallbackAttribution| {
        let mut cfg = fixture_config();
        cfg.callback_attribution = attr;
        cfg
    };
    // Boris → Anna on Thu 08:00; Carl calls back at 09:10 (answered, 240 s).
    let back = e13_callback("carl");
    for (attr, who) in [
        (CallbackAttribution::Caller, "carl"),
        (CallbackAttribution::AtEpisodeStart, "boris"),
    ] {
        let r = e13(
            with(attr),
            Some(back.clone()),
            None,
            Some("2025-11-13 08:00:00"),
            "2025-11-14 00:00:00",
        );
        let cb = &r.manager(who).unwrap().values.calls;
        assert_eq!(
            (
                cb.episodes,
                secs(cb.callback.calendar.max),
                secs(cb.callback.business.max)
            ),
            (1, Some(55_080), Some(1_080)),
            "{attr:?}"
        );
    }
    // K12: the client calls again at 09:05 and Carl answers: `client_recalled`, attributed to
    // the lead's responsible at the recall (Anna), excluded from SLA (business age 780 ≤ 900).
    let recall = e13_recall("carl");
    for (attr, who) in [
        (CallbackAttribution::Caller, "anna"),
        (CallbackAttribution::AtEpisodeStart, "boris"),
    ] {
        let r = e13(
            with(attr),
            Some(recall.clone()),
            None,
            Some("2025-11-13 08:00:00"),
            "2025-11-14 00:00:00",
        );
        let c = &r.manager(who).unwrap().values.calls;
        assert_eq!(
            c.episode_outcomes.get("client_recalled"),
            Some(&1),
            "{attr:?}"
        );
        let s = &c.callback_sla[0];
        assert_eq!((s.hits, s.misses, s.excluded), (0, 0, 1), "{attr:?}");
    }
    // Never called back: `not_called_back` at start + 7 d, attributed to the responsible then
    // (Anna) or at the start (Boris).
    for (attr, who) in [
        (CallbackAttribution::Caller, "anna"),
        (CallbackAttribution::AtEpisodeStart, "boris"),
    ] {
        let r = e13(
            with(attr),
            None,
            None,
            Some("2025-11-13 08:00:00"),
            "2025-11-20 00:00:00",
        );
        let c = &r.manager(who).unwrap().values.calls;
        assert_eq!(
            c.episode_outcomes.get("not_called_back"),
            Some(&1),
            "{attr:?}"
        );
        assert_eq!(c.callback_sla[0].misses, 1, "{attr:?}");
    }
}

#[test]
fn a_missed_call_counts_for_the_responsible_of_the_phones_lead() {
    // c1 was taken by nobody but carries Carl as the line's operator: still Boris's missed call.
    let mut d = Dialog::new(deal("lead-13", "boris", msk("2025-10-01 09:00:00")));
    d.calls = vec![call(
        "c1",
        msk("2025-11-12 17:52:00"),
        Direction::Inbound,
        CallStatus::NoAnswer,
        0,
        Some("carl"),
        E13_PHONE,
    )];
    let r = run(fixture_config(), &[d], "2025-11-12", "2025-11-13");
    assert_eq!(r.manager("boris").unwrap().values.calls.missed, 1);
    assert!(r.manager("carl").is_none_or(|m| m.values.calls.missed == 0));
}

#[test]
fn without_a_lead_at_the_call_the_phones_contact_answers_for_it() {
    // K12 / §5.5: the lead of this phone is created only later, so its contact's responsible (Boris
    // until 10:45, then Anna) answers for the missed call and the client's recall.
    let phone = "+7 999 123 45 67";
    let mut d = dialog("k", Vec::new());
    d.chat = None;
    d.deal.created_at = msk("2025-11-20 09:00:00");
    let mut c = contact("c1", &[phone]);
    c.responsible = Some(ManagerId::new("anna"));
    d.deal.contacts = vec![c.id.clone()];
    d.contacts = vec![c];
    d.calls = vec![
        call(
            "k1",
            msk("2025-11-11 10:00:00"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            phone,
        ),
        call(
            "k2",
            msk("2025-11-11 10:30:00"),
            Direction::Inbound,
            CallStatus::Answered,
            60,
            None,
            phone,
        ),
    ];
    let reference = ReferenceData {
        responsible_changes: vec![ResponsibleChange {
            id: EventId::new("r1"),
            entity: EntityRef::Contact(ContactId::new("c1")),
            at: msk("2025-11-11 10:45:00"),
            from: Some(ManagerId::new("boris")),
            to: Some(ManagerId::new("anna")),
            by: None,
        }],
        ..ReferenceData::default()
    };
    let r = run_ref(
        fixture_config(),
        reference,
        &[d.clone()],
        "2025-11-11",
        "2025-11-12",
    );
    let boris = &r
        .manager("boris")
        .expect("Boris answers for the phone")
        .values
        .calls;
    assert_eq!((boris.inbound, boris.missed, boris.episodes), (2, 1, 1));
    assert_eq!(boris.episode_outcomes.get("client_recalled"), Some(&1));
    assert!(
        r.manager("anna")
            .is_none_or(|a| a.values.calls.inbound == 0)
    );

    // Without the contact nobody answers for the phone.
    d.contacts.clear();
    let r = run_ref(
        fixture_config(),
        ReferenceData::default(),
        &[d],
        "2025-11-11",
        "2025-11-12",
    );
    let unassigned = &r
        .manager("unassigned")
        .expect("unassigned calls")
        .values
        .calls;
    assert_eq!((unassigned.inbound, unassigned.missed), (2, 1));
}

#[test]
fn the_phones_contact_answers_for_a_call_held_by_two_deals_whichever_holds_the_contact() {
    // K12 with a call attached by phone to two deals, neither open at the call: the contact that
    // holds the phone is linked only to the second deal, and still answers for the call.
    let phone = "+7 999 123 45 67";
    let missed = call(
        "k1",
        msk("2025-11-11 10:00:00"),
        Direction::Inbound,
        CallStatus::NoAnswer,
        0,
        None,
        phone,
    );
    let mut first = dialog("k-a", Vec::new());
    first.chat = None;
    first.deal.created_at = msk("2025-11-20 09:00:00");
    first.calls = vec![missed.clone()];
    let mut second = dialog("k-b", Vec::new());
    second.chat = None;
    second.deal.created_at = msk("2025-11-21 09:00:00");
    let mut c = contact("c1", &[phone]);
    c.responsible = Some(ManagerId::new("anna"));
    second.deal.contacts = vec![c.id.clone()];
    second.contacts = vec![c];
    second.calls = vec![missed];
    let r = run_ref(
        fixture_config(),
        ReferenceData::default(),
        &[first, second],
        "2025-11-11",
        "2025-11-12",
    );
    let anna = &r
        .manager("anna")
        .expect("Anna answers for the phone")
        .values
        .calls;
    assert_eq!((anna.inbound, anna.missed, anna.episodes), (1, 1, 1));
    assert!(
        r.manager("unassigned")
            .is_none_or(|u| u.values.calls.missed == 0)
    );
}
