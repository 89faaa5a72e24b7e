//! CRM items before the period (metrics.md C7, `Dialog::crm_history`): they rebuild the state the
//! period starts in — a conversation closed in the CRM ends its session and wait (S3 a, W5), a call
//! is a lead's last touch (§3.11), a missed-call episode belongs to its start (§3.7), the stages a
//! lead passed are passed (§3.12) — and none of them counts as an item of the period.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

const PHONE: &str = "+79991234567";

/// A conversation of chat `a` closed in the CRM at `at`.
fn chat_closed(id: &str, deal: &str, at: chrono::DateTime<chrono::Utc>) -> CrmActivity {
    CrmActivity {
        id: EventId::new(id),
        kind: ActivityKind::ChatClosed,
        at,
        by: Some(ManagerId::new("anna")),
        deal: Some(DealId::new(deal)),
        contact: None,
        talk: None,
    }
}

/// (dialogs new, waits, first responses, their calendar max) of a report.
fn check_first_response(r: &MetricsReport, expected: (u64, u64, u64, Option<i64>)) {
    let fr = &r.totals.waits.first_response;
    assert_eq!(
        (
            r.totals.dialogs.new,
            r.totals.waits.total,
            fr.calendar.n,
            secs(fr.calendar.max)
        ),
        expected,
        "(dialog.new, waits, first responses, first response max)"
    );
}

#[test]
fn a_chat_closed_in_the_crm_before_the_period_ends_the_wait_and_the_session() {
    // a: the client asks Mon 10 Nov 10:00, the conversation is closed in the CRM Mon 11:00; the
    // client asks again Tue 12:00 and Anna answers at 12:05. The period is Tuesday.
    let mut d = dialog(
        "a",
        vec![
            client("a", "a2", msk("2025-11-11 12:00:00"), "Есть скидка?"),
            staff("a", "a3", msk("2025-11-11 12:05:00"), "anna", "Да, 5 %"),
        ],
    );
    d.history = vec![client("a", "a1", msk("2025-11-10 10:00:00"), "Нужна цена?")];
    let lead = d.deal.id.0.clone();
    d.crm_history.activities = vec![chat_closed("close-1", &lead, msk("2025-11-10 11:00:00"))];
    let r = run(fixture_config(), &[d.clone()], "2025-11-11", "2025-11-12");
    check_first_response(&r, (1, 1, 1, Some(300)));
    // The close is not the period's: no unmapped close event is counted for it.
    let unmapped = r.dq("dq.unmapped_close_events").map_or(0, |x| x.count);
    assert_eq!(unmapped, 0);

    // Without the close, Monday's wait is still open on Tuesday: Tuesday's messages belong to
    // Monday's session, and no wait starts in the period.
    d.crm_history.activities.clear();
    let r = run(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    check_first_response(&r, (0, 0, 0, None));
}

/// (considered, stale, never touched) leads of the follow-up at E.
fn check_followup(r: &MetricsReport, expected: (u64, u64, u64)) {
    let l = &r.totals.leads;
    assert_eq!(
        (
            l.followup_considered,
            l.followup_stale,
            l.followup_never_touched
        ),
        expected,
        "(considered, stale, never touched)"
    );
}

#[test]
fn a_call_before_the_period_is_the_leads_last_touch_and_no_call_of_the_period() {
    // b: a lead created Mon 3 Nov whose only touch is Anna's call Thu 20 Nov 15:00; the period is
    // Fri 21 Nov, E = 12:00. Three working days after Thursday: stale from Wed 26 Nov.
    let mut d = Dialog::new(deal("lead-b", "anna", msk("2025-11-03 10:00:00")));
    d.deal.phones = vec![PHONE.into()];
    d.crm_history.calls = vec![call(
        "call-b",
        msk("2025-11-20 15:00:00"),
        Direction::Outbound,
        CallStatus::Answered,
        120,
        Some("anna"),
        PHONE,
    )];
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    let r = run_e18(fixture_config(), rd.clone(), &[d.clone()]);
    check_followup(&r, (1, 0, 0));
    let c = &r.totals.calls;
    assert_eq!(
        (c.inbound, c.outbound, c.connected, c.talk_s_sum),
        (0, 0, 0, 0),
        "Thursday's call is not a call of Friday"
    );

    // Without the call the lead was never touched since its creation: stale.
    d.crm_history.calls.clear();
    let r = run_e18(fixture_config(), rd, &[d]);
    check_followup(&r, (1, 1, 1));
}

/// (missed calls, episodes) of a report.
fn check_missed(r: &MetricsReport, expected: (u64, u64)) {
    let c = &r.totals.calls;
    assert_eq!((c.missed, c.episodes), expected, "(call.missed, episodes)");
}

#[test]
fn a_missed_call_episode_that_began_before_the_period_belongs_to_its_start() {
    // c: missed calls Mon 10 Nov 23:55 and Tue 00:05 (one episode, merged within 15 min), Anna
    // calls back Tue 09:10; the report is Tuesday's.
    let missed = |id: &str, t: &str| {
        call(
            id,
            msk(t),
            Direction::Inbound,
            CallStatus::NoAnswer,
            0,
            None,
            PHONE,
        )
    };
    let mut d = Dialog::new(deal("lead-c", "anna", msk("2025-10-01 09:00:00")));
    d.deal.phones = vec![PHONE.into()];
    d.crm_history.calls = vec![missed("c1", "2025-11-10 23:55:00")];
    d.calls = vec![
        missed("c2", "2025-11-11 00:05:00"),
        call(
            "c3",
            msk("2025-11-11 09:10:00"),
            Direction::Outbound,
            CallStatus::Answered,
            60,
            Some("anna"),
            PHONE,
        ),
    ];
    let r = run(fixture_config(), &[d.clone()], "2025-11-11", "2025-11-12");
    check_missed(&r, (1, 0));
    assert_eq!(r.totals.calls.outbound, 1, "the callback is Tuesday's");

    // Without Monday's call, Tuesday's missed call starts an episode of its own.
    d.crm_history.calls.clear();
    let r = run(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    check_missed(&r, (1, 1));
}

/// (converted, cohort) of the step `from` → `to` of pipeline p1 (0, 0 when it has no funnel).
fn step(r: &MetricsReport, from: &str, to: &str) -> (u64, u64) {
    r.funnel("p1")
        .and_then(|f| f.steps.iter().find(|s| s.from == from && s.to == to))
        .map_or((0, 0), |s| (s.converted, s.cohort))
}

#[test]
fn stages_passed_before_the_period_are_not_passed_again_after_a_backward_move() {
    // A lead created Mon 3 Nov in S1 moved to S3 on Wed 5 Nov and back to S1 on Fri 7 Nov, then
    // again to S3 on Tue 11 Nov, in the period. S2 and S3 were passed on 5 Nov (§3.12: backward
    // moves never create a second pass), so the period has no cohort of S2 or S3.
    let mut d = Dialog::new(deal("lead-f", "anna", msk("2025-11-03 10:00:00")));
    let moves = stage_moves(
        "lead-f",
        &[
            ("2025-11-05 10:00:00", "s1", "s3"),
            ("2025-11-07 10:00:00", "s3", "s1"),
            ("2025-11-11 12:00:00", "s1", "s3"),
        ],
    );
    d.crm_history.stage_changes = moves[..2].to_vec();
    d.stage_changes = moves[2..].to_vec();
    d.deal.stage = Some(StageId::new("s3"));
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    let r = run_ref(
        fixture_config(),
        rd.clone(),
        &[d.clone()],
        "2025-11-11",
        "2025-11-12",
    );
    assert_eq!(
        (step(&r, "s2", "s3"), step(&r, "s3", "s4")),
        ((0, 0), (0, 0))
    );
    // The stay in S3 entered in the period is the period's all the same (§3.13: re-entries are
    // separate stays).
    let s3 = r.stage_times.iter().find(|s| s.stage == "s3");
    assert!(s3.is_some(), "{:?}", r.stage_times);

    // Without the history, the lead seems to pass S2 and S3 for the first time on Tuesday.
    d.crm_history.stage_changes.clear();
    let r = run_ref(fixture_config(), rd, &[d], "2025-11-11", "2025-11-12");
    assert_eq!(
        (step(&r, "s2", "s3"), step(&r, "s3", "s4")),
        ((1, 1), (0, 1))
    );
}

#[test]
fn a_close_missing_from_the_stage_history_is_read_from_the_deal_despite_earlier_moves() {
    // The lead moved S1 → S2 before the period; it was won on Tuesday, but the CRM's event for
    // that close is missing: the deal's own stage and close instant say it.
    let mut d = dialog("w", Vec::new());
    d.deal.stage = Some(StageId::new("142"));
    d.deal.closed_at = Some(msk("2025-11-11 15:00:00"));
    let lead = d.deal.id.0.clone();
    d.crm_history.stage_changes = vec![stage_change(
        "sc-1",
        &lead,
        msk("2025-11-03 10:00:00"),
        "s1",
        "s2",
    )];
    let r = run_in_pipeline(fixture_config(), &[d], "2025-11-11", "2025-11-12");
    let l = &r.totals.leads;
    assert_eq!((l.won, l.lost), (1, 0));
}
