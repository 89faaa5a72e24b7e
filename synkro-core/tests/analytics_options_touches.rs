//! Touch options of metrics.md §7 / K18 with exact numbers: the touch channels and the
//! attribution of speed to lead (§3.6) on E14, and the same touch set for follow-up (§3.11, K7)
//! on E18.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

/// E14 (by the robot, responsible Anna) with notes: Anna's at 09:01, the robot's at 08:45 and
/// one on another deal at 08:50 (never touches).
fn e14_with_note(cfg: MetricsConfig) -> MetricsReport {
    let mut d = e14_lead();
    let id = d.deal.id.0.clone();
    d.activities = vec![
        note("n0", &id, msk("2025-11-13 08:45:00"), "0"),
        note("n1", "other-deal", msk("2025-11-13 08:50:00"), "anna"),
        note("n2", &id, msk("2025-11-13 09:01:00"), "anna"),
    ];
    let mut rd = ReferenceData::default();
    rd.created_by.insert(id, "0".into());
    run_e14(cfg, rd, &[d])
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

/// E14 without the message, with Anna → Boris at 09:00 and the 09:03 call made by Carl
/// (`caller`: whose call it is, `None` for a call without a manager), or no call unless `touched`.
fn e14_owners(attr: StlAttribution, caller: Option<&str>, touched: bool) -> MetricsReport {
    let mut d = e14_lead();
    d.messages.clear();
    if touched {
        d.calls[0].manager = caller.map(ManagerId::new);
    } else {
        d.calls.clear();
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
    run_e14(cfg, rd, &[d])
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

/// E18 with the touches of L20, L21 and L23 as notes (`notes`) or as chat messages.
fn e18(notes: bool, touch_channels: &[&str]) -> MetricsReport {
    let mut cfg = fixture_config();
    cfg.stl_touch_channels = channels(touch_channels);
    run_e18(cfg, ReferenceData::default(), &e18_leads(notes))
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
