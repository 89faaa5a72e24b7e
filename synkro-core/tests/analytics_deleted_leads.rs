//! Deleted leads (metrics.md L3, K19): a deal deleted in the CRM is no lead candidate of its chat
//! or its calls and counts in no lead metric, with exact numbers through the public API.

mod analytics_support;

use analytics_support::leads::*;
use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

/// A lead of `owner` created on 1 Nov 10:00 and closed (won `142` or lost `143`) at `closed`.
fn closed_lead(id: &str, owner: &str, closed: &str, to: &str, price: i64) -> Dialog {
    let mut d = Dialog::new(deal(id, owner, msk("2025-11-01 10:00:00")));
    d.stage_changes = stage_moves(id, &[(closed, "s1", to)]);
    d.deal.stage = Some(StageId::new(to));
    d.deal.price = Some(price);
    d.deal.closed_at = Some(msk(closed));
    if to == "143" {
        d.deal.loss_reason = Some("Дорого".into());
    }
    d.deal.phones = vec![format!("+7 999 000-00-{:02}", id.len())];
    d
}

/// `d` deleted in the CRM on 11 Nov at 08:00, before the cut-off A of every report here (a
/// deletion after A is not known at A, C3).
fn deleted(mut d: Dialog) -> Dialog {
    d.deal.deleted_at = Some(msk("2025-11-11 08:00:00"));
    d
}

fn november(dialogs: &[Dialog]) -> MetricsReport {
    let reference = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    run_ref(
        fixture_config(),
        reference,
        dialogs,
        "2025-11-01",
        "2025-12-01",
    )
}

#[test]
fn a_deleted_won_lead_changes_no_lead_metric() {
    let live = vec![
        closed_lead("W", "anna", "2025-11-05 12:00:00", "142", 100_000),
        closed_lead("L", "anna", "2025-11-06 12:00:00", "143", 0),
    ];
    let without = november(&live);
    let l = &without.totals.leads;
    assert_eq!((l.won, l.lost, l.won_amount), (1, 1, 100_000));
    assert_eq!(l.win_rate, Some(0.5));
    assert_eq!(l.stl_items, 2);

    // A won lead of 500 000 and an open lead without a phone, both deleted in the CRM, and both
    // created in the period.
    let mut with = live.clone();
    with.push(deleted(closed_lead(
        "XWON",
        "anna",
        "2025-11-07 12:00:00",
        "142",
        500_000,
    )));
    let open = Dialog::new(deal("XOPEN", "boris", msk("2025-11-02 10:00:00")));
    with.push(deleted(open.clone()));
    let r = november(&with);
    let l = &r.totals.leads;
    assert_eq!((l.won, l.lost, l.won_amount), (1, 1, 100_000));
    assert_eq!(l.win_rate, Some(0.5), "not 2 of 3");
    assert_eq!(l.stl_items, 2, "deleted leads are not in speed to lead");
    assert_eq!(
        r.manager("anna")
            .map(|m| (m.values.leads.won, m.values.leads.won_amount)),
        Some((1, 100_000))
    );
    let f = r.funnel("p1").expect("the pipeline's funnel");
    let s1_won = f
        .steps
        .iter()
        .find(|s| s.from == "s1" && s.to == "won")
        .map(|s| (s.converted, s.cohort));
    assert_eq!(
        s1_won,
        Some((1, 2)),
        "the funnel's cohort has the two live leads"
    );
    assert_eq!(
        r.loss_reasons
            .iter()
            .map(|x| (x.reason.as_str(), x.count))
            .collect::<Vec<_>>(),
        [("Дорого", 1)]
    );
    assert_eq!(
        r.dq("dq.leads_without_phone"),
        None,
        "no open live lead: nothing to count"
    );
    // Nothing at all differs from the report without them.
    assert_eq!(r, without);

    // The same open lead, live, is a lead without a phone of Boris.
    let mut live_open = live;
    live_open.push(open);
    let r = november(&live_open);
    let no_phone = r.dq("dq.leads_without_phone").expect("counted");
    assert_eq!(
        (
            no_phone.count,
            no_phone.denominator,
            no_phone.samples.clone()
        ),
        (1, 1, vec!["XOPEN".to_owned()])
    );
    assert_eq!(r.totals.leads.stl_items, 3);
}

/// A chat of Anna's lead: the client asks at 10:00, Anna answers at 10:05 (Tue 11 Nov).
fn chat_dialog(lead_deleted: bool) -> Dialog {
    let mut d = answered("c", "2025-11-11 10:00:00", "anna", "2025-11-11 10:05:00");
    if lead_deleted {
        d = deleted(d);
    }
    d
}

/// (pipeline, inbound messages, human outbound messages) per row of the pipeline breakdown.
fn pipeline_rows(r: &MetricsReport) -> Vec<(String, u64, u64)> {
    r.breakdown(&[Dimension::Pipeline])
        .expect("a pipeline breakdown")
        .rows
        .iter()
        .map(|row| {
            let m = &row.values.messages;
            (row.key.join("/"), m.inbound, m.out_human)
        })
        .collect()
}

#[test]
fn a_chat_whose_only_lead_is_deleted_counts_as_a_chat_without_a_lead() {
    let live = run(
        fixture_config(),
        &[chat_dialog(false)],
        "2025-11-11",
        "2025-11-12",
    );
    assert_eq!(pipeline_rows(&live), [("p1".to_owned(), 1, 1)]);
    let d = live.dq("dq.msg_without_lead").expect("counted");
    assert_eq!((d.count, d.denominator), (0, 2));
    assert_eq!(live.dq("dq.unmatched_chats").map(|u| u.count), Some(0));

    let r = run(
        fixture_config(),
        &[chat_dialog(true)],
        "2025-11-11",
        "2025-11-12",
    );
    // The conversation still counts: two messages, one answered wait of 300 s.
    let m = &r.totals.messages;
    assert_eq!((m.inbound, m.out_human), (1, 1));
    assert_eq!(r.totals.waits.answered, 1);
    assert_eq!(secs(r.totals.waits.reply.calendar.max), Some(300));
    // But no lead: the "(no lead)" pipeline, dq.msg_without_lead, an unmatched chat.
    assert_eq!(pipeline_rows(&r), [("(no lead)".to_owned(), 1, 1)]);
    let d = r.dq("dq.msg_without_lead").expect("counted");
    assert_eq!((d.count, d.denominator), (2, 2));
    let u = r.dq("dq.unmatched_chats").expect("counted");
    assert_eq!(
        (u.count, u.denominator, u.samples.clone()),
        (1, 1, vec!["c".to_owned()])
    );

    // With a live lead of the same chat beside the deleted one, the live one is the lead.
    let mut other = Dialog::new(deal("lead-live", "anna", msk("2025-10-01 09:00:00")));
    other.chat = Some(chat("c"));
    other.messages = chat_dialog(true).messages;
    let r = run(
        fixture_config(),
        &[chat_dialog(true), other],
        "2025-11-11",
        "2025-11-12",
    );
    assert_eq!(pipeline_rows(&r), [("p1".to_owned(), 1, 1)]);
    assert_eq!(r.dq("dq.msg_without_lead").map(|d| d.count), Some(0));
    assert_eq!(r.dq("dq.unmatched_chats").map(|u| u.count), Some(0));
}

#[test]
fn a_missed_call_of_a_deleted_lead_is_unmatched() {
    let missed = call(
        "k1",
        msk("2025-11-11 11:00:00"),
        Direction::Inbound,
        CallStatus::NoAnswer,
        0,
        None,
        "+7 999 123-45-67",
    );
    let mut d = Dialog::new(deal("lead-k", "boris", msk("2025-10-01 09:00:00")));
    d.calls = vec![missed];
    let live = run(fixture_config(), &[d.clone()], "2025-11-11", "2025-11-12");
    assert_eq!(live.dq("dq.calls_unmatched").map(|u| u.count), Some(0));
    let r = run(fixture_config(), &[deleted(d)], "2025-11-11", "2025-11-12");
    assert_eq!((r.totals.calls.missed, r.totals.calls.episodes), (1, 1));
    let u = r.dq("dq.calls_unmatched").expect("counted");
    assert_eq!((u.count, u.denominator), (1, 1));
}

#[test]
fn lead_at_never_picks_a_deleted_lead() {
    let open = deal("open", "anna", msk("2025-11-01 10:00:00"));
    let gone = Deal {
        id: DealId::new("gone"),
        created_at: msk("2025-11-05 10:00:00"),
        deleted_at: Some(msk("2025-11-06 10:00:00")),
        ..open.clone()
    };
    let t = msk("2025-11-10 10:00:00").timestamp_micros();
    let hour = 3_600_000_000;
    let views = [LeadView::new(&open, [], []), LeadView::new(&gone, [], [])];
    // Both are open at t; the most recently created one is deleted, so the other is the lead.
    assert_eq!(
        lead_at(&views, t, hour, 30 * 24 * hour).map(|l| l.deal.id.as_str()),
        Some("open")
    );
    assert!(lead_at(&views[1..], t, hour, 30 * 24 * hour).is_none());
}

/// A duplicate lead deleted in the CRM and the live lead of the same client both hold the
/// client's call (attached by phone to each dialog): the live lead is the call's lead.
#[test]
fn a_call_held_by_a_deleted_and_a_live_lead_has_the_live_one() {
    let missed = call(
        "k1",
        msk("2025-11-11 11:00:00"),
        Direction::Inbound,
        CallStatus::NoAnswer,
        0,
        None,
        "+7 999 123-45-67",
    );
    let mut gone = Dialog::new(deal("lead-a", "boris", msk("2025-10-01 09:00:00")));
    gone.calls = vec![missed.clone()];
    let mut live = Dialog::new(deal("lead-b", "boris", msk("2025-10-01 09:05:00")));
    live.calls = vec![missed];
    let r = run(
        fixture_config(),
        &[deleted(gone), live],
        "2025-11-11",
        "2025-11-12",
    );
    assert_eq!((r.totals.calls.missed, r.totals.calls.episodes), (1, 1));
    let u = r.dq("dq.calls_unmatched").expect("counted");
    assert_eq!((u.count, u.denominator), (0, 1), "{:?}", u.samples);
}

#[test]
fn a_lead_deleted_after_the_cut_off_was_live_then_and_counts() {
    // C3: A is 20 Nov 12:00; the won lead was deleted an hour after it. A re-run at the same A
    // must give the numbers known at A, so the lead counts.
    let won = || closed_lead("W", "anna", "2025-11-05 12:00:00", "142", 100_000);
    let mut later = won();
    later.deal.deleted_at = Some(msk("2025-11-20 13:00:00"));
    let mut before = won();
    before.deal.deleted_at = Some(msk("2025-11-20 11:00:00"));
    let reference = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    let at_a = |d: Dialog| {
        let r = run_with(
            fixture_config(),
            reference.clone(),
            &[d],
            msk("2025-11-01 00:00:00"),
            msk("2025-11-20 12:00:00"),
            msk("2025-11-20 12:00:00"),
            MSK,
        );
        (r.totals.leads.won, r.totals.leads.stl_items)
    };
    assert_eq!(at_a(won()), (1, 1));
    assert_eq!(at_a(later), (1, 1), "deleted after A: live at A");
    assert_eq!(at_a(before), (0, 0), "deleted before A: no lead");
}
