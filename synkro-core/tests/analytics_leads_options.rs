//! Lead and call options of metrics.md §7 / K18 with exact numbers: touch channels and
//! attribution of speed to lead (§3.6), the same touch set for follow-up (§3.11, K7), chat
//! callbacks and callback attribution (§3.7, K11, K12), the funnel horizon (§3.12), time in stage
//! per lead (§3.13), and the data-quality counters of leads and calls (§3.15).

mod analytics_support;

use analytics_support::*;
use chrono::{DateTime, Utc};
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

fn note(id: &str, deal: &str, at: DateTime<Utc>, by: &str) -> CrmActivity {
    CrmActivity {
        id: EventId::new(id),
        kind: ActivityKind::Note,
        at,
        by: Some(ManagerId::new(by)),
        deal: Some(DealId::new(deal)),
        contact: None,
        talk: None,
    }
}

fn owner_change(
    id: &str,
    deal: &DealId,
    at: DateTime<Utc>,
    from: &str,
    to: &str,
) -> ResponsibleChange {
    ResponsibleChange {
        id: EventId::new(id),
        entity: EntityRef::Deal(deal.clone()),
        at,
        from: Some(ManagerId::new(from)),
        to: Some(ManagerId::new(to)),
        by: None,
    }
}

fn contact(id: &str, phones: &[&str]) -> Contact {
    Contact {
        id: ContactId::new(id),
        name: format!("Contact {id}"),
        responsible: None,
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        updated_at: msk("2025-10-01 00:00:00"),
        custom_fields: serde_json::json!({}),
    }
}

fn channels(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_owned()).collect()
}

/// (calendar, business) of the single speed-to-lead value.
fn stl(r: &MetricsReport) -> (Option<i64>, Option<i64>) {
    let s = &r.totals.leads.speed_to_lead;
    (secs(s.calendar.max), secs(s.business.max))
}

// ---------------------------------------------------------------------------------------------
// Speed to lead (§3.6): E14 with touch channels and attribution.

/// E14: lead created Thu 13 Nov 08:40 (by the robot), responsible Anna; Anna's unanswered call
/// at 09:03 and her WhatsApp message at 09:06. Extra: Anna's note at 09:01, a robot note at
/// 08:45 and a note on another deal at 08:50 (never touches).
fn e14_with_note(cfg: MetricsConfig) -> MetricsReport {
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
    let id = d.deal.id.0.clone();
    d.activities = vec![
        note("n0", &id, msk("2025-11-13 08:45:00"), "0"),
        note("n1", "other-deal", msk("2025-11-13 08:50:00"), "anna"),
        note("n2", &id, msk("2025-11-13 09:01:00"), "anna"),
    ];
    let mut rd = ReferenceData::default();
    rd.created_by.insert(id, "0".into());
    let (from, to) = (msk("2025-11-13 00:00:00"), msk("2025-11-14 00:00:00"));
    run_with(cfg, rd, &[d], from, to, to, MSK)
}

#[test]
fn stl_touch_channels_pick_chat_call_and_note_touches() {
    let with = |list: &[&str]| {
        let mut cfg = fixture_config();
        cfg.stl_touch_channels = channels(list);
        e14_with_note(cfg)
    };
    // Default [chat, call]: the 09:03 call (E14).
    let r = e14_with_note(fixture_config());
    assert_eq!(stl(&r), (Some(1_380), Some(180)));
    assert_eq!(r.totals.leads.stl_sla[0].hits, 1);
    // Chat only: the 09:06 message (E14 with `connected`): 1 560 / 360, a miss.
    let r = with(&["chat"]);
    assert_eq!(stl(&r), (Some(1_560), Some(360)));
    assert_eq!(r.totals.leads.stl_sla[0].misses, 1);
    // Call only: the 09:03 call.
    assert_eq!(stl(&with(&["call"])), (Some(1_380), Some(180)));
    // Notes count only when listed: Anna's 09:01 note (the robot's and the other deal's are not
    // touches): 1 260 / 60, a hit.
    let r = with(&["chat", "call", "note"]);
    assert_eq!(stl(&r), (Some(1_260), Some(60)));
    assert_eq!(r.totals.leads.stl_sla[0].hits, 1);
    assert_eq!(stl(&with(&["note"])), (Some(1_260), Some(60)));
    // No channel with a touch: the lead is open at A (Fri 00:00); its business age (Thu
    // 09:00–18:00 = 32 400 s) is over 300: a miss, and no value.
    let r = with(&[]);
    let l = &r.totals.leads;
    assert_eq!(l.stl_outcomes.get("open"), Some(&1));
    assert_eq!((l.speed_to_lead.calendar.n, l.stl_sla[0].misses), (0, 1));
}

/// E14 with Anna → Boris at 09:00 and the 09:03 call made by Carl (`caller`: whose call it is,
/// `None` for a call without a manager).
fn e14_owners(attr: StlAttribution, caller: Option<&str>, touched: bool) -> MetricsReport {
    let mut d = dialog("c14", vec![]);
    d.deal.created_at = msk("2025-11-13 08:40:00");
    if touched {
        d.calls = vec![call(
            "k1",
            msk("2025-11-13 09:03:00"),
            Direction::Outbound,
            CallStatus::NoAnswer,
            0,
            caller,
            "+79990000014",
        )];
    }
    let rd = ReferenceData {
        responsible_changes: vec![owner_change(
            "rc1",
            &d.deal.id,
            msk("2025-11-13 09:00:00"),
            "anna",
            "boris",
        )],
        ..ReferenceData::default()
    };
    let mut cfg = fixture_config();
    cfg.stl_attribution = attr;
    let (from, to) = (msk("2025-11-13 00:00:00"), msk("2025-11-14 00:00:00"));
    run_with(cfg, rd, &[d], from, to, to, MSK)
}

#[test]
fn stl_attribution_first_touch_at_creation_and_at_touch() {
    for (attr, caller, who) in [
        (StlAttribution::FirstTouch, Some("carl"), "carl"),
        (StlAttribution::AtCreation, Some("carl"), "anna"),
        (StlAttribution::AtTouch, Some("carl"), "boris"),
        // A touch without a known author: the responsible at the touch.
        (StlAttribution::FirstTouch, None, "boris"),
    ] {
        let r = e14_owners(attr, caller, true);
        let row = r
            .manager(who)
            .unwrap_or_else(|| panic!("{attr:?}: no row for {who}"));
        let s = &row.values.leads.speed_to_lead;
        assert_eq!(
            (
                row.values.leads.stl_items,
                secs(s.calendar.max),
                secs(s.business.max)
            ),
            (1, Some(1_380), Some(180)),
            "{attr:?}"
        );
        assert_eq!(
            r.managers
                .iter()
                .map(|m| m.values.leads.stl_items)
                .sum::<u64>(),
            1,
            "{attr:?}"
        );
    }
    // Untouched: the responsible at E (Boris), except at creation (Anna).
    for (attr, who) in [
        (StlAttribution::FirstTouch, "boris"),
        (StlAttribution::AtTouch, "boris"),
        (StlAttribution::AtCreation, "anna"),
    ] {
        let r = e14_owners(attr, None, false);
        let l = &r.manager(who).unwrap().values.leads;
        assert_eq!(
            (l.stl_items, l.stl_outcomes.get("open")),
            (1, Some(&1)),
            "{attr:?}"
        );
    }
}

#[test]
fn a_lead_closed_before_any_touch_is_closed_even_if_reopened_and_touched_later() {
    // Created Thu 08:40, lost at 09:00, reopened at 09:30, touched at 10:00, won at 11:00.
    let mut d = dialog(
        "c",
        vec![staff(
            "c",
            "m1",
            msk("2025-11-13 10:00:00"),
            "anna",
            "Добрый день",
        )],
    );
    let id = d.deal.id.0.clone();
    d.deal.created_at = msk("2025-11-13 08:40:00");
    d.deal.stage = Some(StageId::new("142"));
    d.deal.closed_at = Some(msk("2025-11-13 11:00:00"));
    d.stage_changes = vec![
        stage_change("e1", &id, msk("2025-11-13 09:00:00"), "s1", "143"),
        stage_change("e2", &id, msk("2025-11-13 09:30:00"), "143", "s1"),
        stage_change("e3", &id, msk("2025-11-13 11:00:00"), "s1", "142"),
    ];
    let (from, to) = (msk("2025-11-13 00:00:00"), msk("2025-11-14 00:00:00"));
    let r = run_with(
        fixture_config(),
        ReferenceData::default(),
        &[d],
        from,
        to,
        to,
        MSK,
    );
    let l = &r.totals.leads;
    assert_eq!(l.stl_outcomes.get("closed"), Some(&1));
    assert_eq!(l.speed_to_lead.calendar.n, 0);
    // Closed at 09:00 after 1 200 s (business 0 s): excluded, not a miss.
    assert_eq!((l.stl_sla[0].misses, l.stl_sla[0].excluded), (0, 1));
}

// ---------------------------------------------------------------------------------------------
// Follow-up (§3.11, K7): the touch set of §3.6.

/// E18 with the touches of L20, L21 and L23 as notes (`notes`) or as chat messages.
fn e18(notes: bool, touch_channels: &[&str]) -> MetricsReport {
    let touched = |id: &str, touch: &str| {
        let mut d = dialog(id, vec![]);
        let deal = d.deal.id.0.clone();
        if notes {
            d.activities = vec![note(&format!("{id}-n"), &deal, msk(touch), "anna")];
        } else {
            d.messages = vec![staff(
                id,
                &format!("{id}-t"),
                msk(touch),
                "anna",
                "Как дела с заказом?",
            )];
        }
        d.deal.created_at = msk("2025-11-03 10:00:00");
        d
    };
    let mut l22 = Dialog::new(deal("L22", "anna", msk("2025-11-14 16:00:00")));
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
    cfg.followup_excluded_stages = vec!["wait_pay".into()];
    cfg.stl_touch_channels = channels(touch_channels);
    let (from, to) = (msk("2025-11-21 00:00:00"), msk("2025-11-22 00:00:00"));
    run_with(
        cfg,
        ReferenceData::default(),
        &ds,
        from,
        to,
        msk("2025-11-21 12:00:00"),
        MSK,
    )
}

fn followup(r: &MetricsReport) -> (u64, u64, u64) {
    let l = &r.totals.leads;
    (
        l.followup_considered,
        l.followup_stale,
        l.followup_never_touched,
    )
}

#[test]
fn followup_uses_the_touch_channels_of_speed_to_lead() {
    // E18 with notes as touches: the numbers of E18 (3 considered, 2 stale, 1 never touched).
    let r = e18(true, &["chat", "call", "note"]);
    assert_eq!(followup(&r), (3, 2, 1));
    assert_eq!(
        format!(
            "{:.1}",
            r.totals.leads.followup_stale_share.unwrap() * 100.0
        ),
        "66.7"
    );
    // Notes are not touches by default: L20 and L21 were never touched (created Mon 3 Nov, stale
    // from Fri 7 Nov): 3 stale, all never touched.
    assert_eq!(followup(&e18(true, &["chat", "call"])), (3, 3, 3));
    // The E18 chat messages are touches only when `chat` is listed.
    assert_eq!(followup(&e18(false, &["chat", "call"])), (3, 2, 1));
    assert_eq!(followup(&e18(false, &["call", "note"])), (3, 3, 3));
}

#[test]
fn a_lead_older_than_the_loaded_history_without_touches_is_stale_but_not_never_touched() {
    // history_lookback 30 d before Fri 21 Nov: Wed 22 Oct. L30 was created on 1 Sep.
    let old = Dialog::new(deal("L30", "anna", msk("2025-09-01 10:00:00")));
    let fresh = Dialog::new(deal("L31", "anna", msk("2025-11-20 10:00:00")));
    let (from, to) = (msk("2025-11-21 00:00:00"), msk("2025-11-22 00:00:00"));
    let r = run_with(
        fixture_config(),
        ReferenceData::default(),
        &[old, fresh],
        from,
        to,
        msk("2025-11-21 12:00:00"),
        MSK,
    );
    // L30: stale with an unknown last touch; L31 (never touched, created Thu) is not stale yet.
    assert_eq!(followup(&r), (2, 1, 0));
}

// ---------------------------------------------------------------------------------------------
// Missed calls and callbacks (§3.7).

const E13_PHONE: &str = "+79991234567";

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
    let mut d = Dialog::new(deal("lead-13", "boris", msk("2025-10-01 09:00:00")));
    d.deal.phones = vec![E13_PHONE.into()];
    d.calls = vec![
        call(
            "c1",
            msk("2025-11-12 17:52:00"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            E13_PHONE,
        ),
        call(
            "c2",
            msk("2025-11-12 17:58:30"),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            E13_PHONE,
        ),
    ];
    d.calls.extend(third);
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
    run_with(
        cfg,
        rd,
        &[d],
        msk("2025-11-12 00:00:00"),
        msk("2025-11-14 00:00:00"),
        msk(as_of),
        MSK,
    )
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
    let back = call(
        "c3",
        msk("2025-11-13 09:10:00"),
        Direction::Outbound,
        CallStatus::Answered,
        240,
        Some("carl"),
        E13_PHONE,
    );
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
    let recall = call(
        "c3",
        msk("2025-11-13 09:05:00"),
        Direction::Inbound,
        CallStatus::Answered,
        60,
        Some("carl"),
        E13_PHONE,
    );
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

// ---------------------------------------------------------------------------------------------
// Funnel horizon (§3.12) and time in stage per lead (§3.13): E16.

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

fn lead16(id: &str, created: &str, moves: &[(&str, &str, &str)], closed: Option<&str>) -> Dialog {
    let mut d = Dialog::new(deal(id, "anna", msk(created)));
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

fn e16(cfg: MetricsConfig) -> MetricsReport {
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
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    let (from, to) = (msk("2025-11-01 00:00:00"), msk("2025-12-01 00:00:00"));
    run_with(cfg, rd, &ds, from, to, to, MSK)
}

fn steps(r: &MetricsReport) -> Vec<(String, String, u64, u64)> {
    let f = r.funnel("p1").unwrap();
    [
        ("s1", "s2"),
        ("s1", "s3"),
        ("s1", "s4"),
        ("s1", "won"),
        ("s2", "s3"),
        ("s3", "s4"),
        ("s4", "won"),
    ]
    .iter()
    .map(|(a, b)| {
        let s = f.steps.iter().find(|s| s.from == *a && s.to == *b).unwrap();
        ((*a).to_owned(), (*b).to_owned(), s.converted, s.cohort)
    })
    .collect()
}

fn conv(r: &MetricsReport) -> Vec<(u64, u64)> {
    steps(r).into_iter().map(|s| (s.2, s.3)).collect()
}

#[test]
fn funnel_horizon_counts_a_later_stage_only_within_the_horizon() {
    let with = |mode: FunnelMode, horizon: Option<i64>| {
        let mut cfg = fixture_config();
        cfg.funnel_mode = mode;
        cfg.funnel_horizon = horizon;
        e16(cfg)
    };
    // Without a horizon: E16.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, None)),
        vec![(3, 4), (2, 4), (1, 4), (1, 4), (2, 3), (1, 2), (1, 1)]
    );
    // 2 days: L1 S1→S3 takes 49 h, S3→S4 53 h, S1→won 4 d 6 h; L2 S1→S2/S3 takes 25 h.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, Some(2 * 86_400))),
        vec![(3, 4), (1, 4), (0, 4), (0, 4), (2, 3), (0, 2), (1, 1)]
    );
    // The horizon is inclusive: 49 h keeps L1's S1→S3.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, Some(49 * 3_600)))[1],
        (2, 4)
    );
    // 1 day: L2's 25 h are out too; L1 S2→S3 takes 44 h.
    assert_eq!(
        conv(&with(FunnelMode::PassThrough, Some(86_400))),
        vec![(2, 4), (0, 4), (0, 4), (0, 4), (1, 3), (0, 2), (1, 1)]
    );
    // Strict, 1 day: S1→S2 of L1 (5 h) and L3 (7 h 30 min); S2→S3 of L1 (44 h) is out.
    assert_eq!(
        conv(&with(FunnelMode::Strict, Some(86_400))),
        vec![(2, 4), (0, 4), (0, 4), (0, 4), (0, 2), (0, 2), (0, 0)]
    );
}

#[test]
fn stage_time_per_lead_sums_a_leads_stays_in_a_stage() {
    let mut cfg = fixture_config();
    cfg.stage_time_unit = StageTimeUnit::Lead;
    let r = e16(cfg);
    let st = |id: &str| r.stage_times.iter().find(|s| s.stage == id).unwrap();
    // S1: L1 18 000/18 000, L2 90 000/36 000, L3 (27 000 + 86 400)/(27 000 + 32 400),
    // L4 3 600/3 600.
    let s1 = st("s1");
    let (b, c) = (&s1.completed.business, &s1.completed.calendar);
    assert_eq!(
        (b.n, b.mean, secs(b.p50), secs(b.p90), secs(b.max)),
        (4, Some(29_250.0), Some(18_000), Some(59_400), Some(59_400))
    );
    assert_eq!(
        (c.mean, secs(c.p50), secs(c.p90), secs(c.max)),
        (Some(56_250.0), Some(18_000), Some(113_400), Some(113_400))
    );
    assert_eq!(s1.open.business.n, 0);
    // S2: L1's completed stay; L3's two stays form one open item (61 200 + 1 519 200 calendar,
    // 7 200 + 385 200 business).
    let s2 = st("s2");
    assert_eq!(
        (
            s2.completed.business.n,
            secs(s2.completed.calendar.max),
            secs(s2.completed.business.max)
        ),
        (1, Some(158_400), Some(50_400))
    );
    assert_eq!(
        (
            s2.open.business.n,
            secs(s2.open.calendar.max),
            secs(s2.open.business.max)
        ),
        (1, Some(1_580_400), Some(392_400))
    );
    // Per stay (default): S1 has 5 items (E16).
    let r = e16(fixture_config());
    let s1 = r.stage_times.iter().find(|s| s.stage == "s1").unwrap();
    assert_eq!(s1.completed.business.n, 5);
}

// ---------------------------------------------------------------------------------------------
// Data quality (§3.15).

#[test]
fn leads_without_phone_count_open_leads_with_no_valid_phone() {
    let created = msk("2025-11-01 10:00:00");
    let mut l1 = Dialog::new(deal("L1", "anna", created));
    l1.deal.phones = vec!["+7 999 000-00-01".into()];
    let mut l2 = Dialog::new(deal("L2", "anna", created));
    l2.contacts = vec![contact("K2", &["8 999 000 00 02"])];
    let mut l3 = Dialog::new(deal("L3", "anna", created));
    l3.contacts = vec![contact("K3", &["12-34"])];
    let mut l4 = Dialog::new(deal("L4", "anna", created));
    l4.deal.closed_at = Some(msk("2025-11-05 10:00:00"));
    l4.deal.stage = Some(StageId::new("143"));
    let mut l5 = Dialog::new(deal("L5", "anna", created));
    l5.deal.synthetic = true;
    let mut l6 = Dialog::new(deal("L6", "anna", created));
    l6.deal.phones = vec!["12-34".into()];
    let r = run(
        fixture_config(),
        &[l1, l2, l3, l4, l5, l6],
        "2025-11-11",
        "2025-11-12",
    );
    let d = r.dq("dq.leads_without_phone").unwrap();
    assert_eq!(
        (d.count, d.denominator, d.samples.clone()),
        (2, 4, vec!["L3".to_owned(), "L6".to_owned()])
    );
    // "12-34" is one invalid phone, wherever it is written.
    let i = r.dq("dq.invalid_phone").unwrap();
    assert_eq!((i.count, i.denominator), (1, 3));
}

#[test]
fn duplicate_phones_count_phones_held_by_several_contacts() {
    let created = msk("2025-11-01 10:00:00");
    let k1 = contact("K1", &["+7 (999) 111-22-33"]);
    let mut a = Dialog::new(deal("A", "anna", created));
    a.contacts = vec![
        k1.clone(),
        contact("K2", &["89991112233", "+7 999 777 88 99"]),
    ];
    let mut b = Dialog::new(deal("B", "boris", created));
    // K1 again (the same contact twice is not a duplicate) and K3.
    b.contacts = vec![k1, contact("K3", &["+79995556677", "+7 999 555 66 77"])];
    let r = run(fixture_config(), &[a, b], "2025-11-11", "2025-11-12");
    let d = r.dq("dq.duplicate_phones").unwrap();
    assert_eq!(
        (d.count, d.denominator, d.samples.clone()),
        (1, 3, vec!["+79991112233".to_owned()])
    );
}

#[test]
fn unassigned_items_of_lead_and_call_metrics() {
    // U1 has no responsible: created Tue 11 Nov 10:00, one missed call at 11:00, no callback.
    let mut u = Dialog::new(deal("U1", "anna", msk("2025-11-11 10:00:00")));
    u.deal.responsible = None;
    u.calls = vec![call(
        "k1",
        msk("2025-11-11 11:00:00"),
        Direction::Inbound,
        CallStatus::NoAnswer,
        0,
        None,
        "+79990000001",
    )];
    // A1 is Anna's, created at 10:30, lost at 12:00 without a touch.
    let mut a = Dialog::new(deal("A1", "anna", msk("2025-11-11 10:30:00")));
    a.deal.closed_at = Some(msk("2025-11-11 12:00:00"));
    a.deal.stage = Some(StageId::new("143"));
    a.stage_changes = vec![stage_change(
        "e1",
        "A1",
        msk("2025-11-11 12:00:00"),
        "s1",
        "143",
    )];
    let r = run(fixture_config(), &[u, a], "2025-11-11", "2025-11-12");
    let dq = |id: &str| {
        let d = r.dq(id).unwrap_or_else(|| panic!("no {id}"));
        (d.count, d.denominator, d.samples.clone())
    };
    let one = |s: &str| vec![s.to_owned()];
    assert_eq!(
        dq("dq.unassigned_items.lead.speed_to_lead"),
        (1, 2, one("U1"))
    );
    assert_eq!(
        dq("dq.unassigned_items.lead.followup_stale"),
        (1, 1, one("U1"))
    );
    assert_eq!(dq("dq.unassigned_items.lead.win_rate"), (0, 1, vec![]));
    assert_eq!(dq("dq.unassigned_items.stage.time"), (1, 2, one("U1")));
    assert_eq!(dq("dq.unassigned_items.call.volume"), (1, 1, one("k1")));
    assert_eq!(dq("dq.unassigned_items.call.callback"), (1, 1, one("k1")));
    // The rows agree: U1's speed-to-lead item is in the `unassigned` row.
    assert_eq!(r.manager("unassigned").unwrap().values.leads.stl_items, 1);
}

#[test]
fn the_engine_takes_lead_phones_and_notes_directly() {
    let d = deal("L1", "anna", msk("2025-11-13 08:40:00"));
    let view = LeadView::new(&d, [], []);
    let notes = vec![note("n1", "L1", msk("2025-11-13 09:01:00"), "anna")];
    let mut cfg = fixture_config();
    cfg.stl_touch_channels = channels(&["note"]);
    let ctx = MetricsContext {
        config: cfg,
        period: Window::new(msk("2025-11-13 00:00:00"), msk("2025-11-14 00:00:00")).unwrap(),
        as_of: msk("2025-11-14 00:00:00"),
        report_tz: MSK,
        phone_region: "RU".into(),
        reference: ReferenceData::default(),
    };
    let mut engine = MetricsEngine::new(ctx).unwrap();
    engine.add_lead(&LeadInput {
        lead: &view,
        chat_touches: &[],
        calls: &[],
        activities: &notes,
        phones: &[],
    });
    let r = engine.finish();
    assert_eq!(stl(&r), (Some(1_260), Some(60)));
    let d = r.dq("dq.leads_without_phone").unwrap();
    assert_eq!((d.count, d.denominator), (1, 1));
}
