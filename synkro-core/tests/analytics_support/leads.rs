//! The leads of the worked examples E13, E14, E16 and E18 of metrics.md §8 and the pipeline they
//! move through, shared by the examples and by the option tests that vary them.

use synkro_core::analytics::{MetricsConfig, MetricsReport, ReferenceData};
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

use super::{MSK, call, deal, dialog, msk, note, run_ref, run_with, staff, stage_change};

/// Pipeline `p1` "Продажи": S1–S4 open, 142 won, 143 lost.
pub fn pipeline() -> SalesPipeline {
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

/// The phone of E13's lead and of its missed calls.
pub const E13_PHONE: &str = "+79991234567";

/// E13: a lead of Boris with two missed calls from [`E13_PHONE`] (Wed 12 Nov 17:52 and
/// 17:58:30), then `third` (if any).
pub fn e13_lead(third: Option<Call>) -> Dialog {
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
    d
}

/// E13's callback: `by` calls the client back on Thu 13 Nov 09:10, answered, 240 s.
pub fn e13_callback(by: &str) -> Call {
    call(
        "c3",
        msk("2025-11-13 09:10:00"),
        Direction::Outbound,
        CallStatus::Answered,
        240,
        Some(by),
        E13_PHONE,
    )
}

/// E13's recall: the client calls again on Thu 13 Nov 09:05 and `by` answers (60 s).
pub fn e13_recall(by: &str) -> Call {
    call(
        "c3",
        msk("2025-11-13 09:05:00"),
        Direction::Inbound,
        CallStatus::Answered,
        60,
        Some(by),
        E13_PHONE,
    )
}

/// E13's period, Wed 12 Nov to Fri 14 Nov 00:00 (Moscow), with A = `as_of`.
pub fn run_e13(
    cfg: MetricsConfig,
    reference: ReferenceData,
    lead: Dialog,
    as_of: &str,
) -> MetricsReport {
    run_with(
        cfg,
        reference,
        &[lead],
        msk("2025-11-12 00:00:00"),
        msk("2025-11-14 00:00:00"),
        msk(as_of),
        MSK,
    )
}

/// E14: a lead of Anna created Thu 13 Nov 08:40, her unanswered call at 09:03 and her WhatsApp
/// message at 09:06.
pub fn e14_lead() -> Dialog {
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
    d
}

/// E14's period, Thu 13 Nov (Moscow), A = its end.
pub fn run_e14(cfg: MetricsConfig, reference: ReferenceData, leads: &[Dialog]) -> MetricsReport {
    run_ref(cfg, reference, leads, "2025-11-13", "2025-11-14")
}

/// The stage changes `(at, from, to)` of lead `id`, with ids `{id}-0`, `{id}-1`, …
pub fn stage_moves(id: &str, moves: &[(&str, &str, &str)]) -> Vec<StageChange> {
    moves
        .iter()
        .enumerate()
        .map(|(i, (t, f, to))| stage_change(&format!("{id}-{i}"), id, msk(t), f, to))
        .collect()
}

/// A lead of Anna created at `created` that moves `(at, from, to)` through [`pipeline`].
fn lead16(id: &str, created: &str, moves: &[(&str, &str, &str)], closed: Option<&str>) -> Dialog {
    let mut d = Dialog::new(deal(id, "anna", msk(created)));
    d.stage_changes = stage_moves(id, moves);
    if let Some(last) = moves.last() {
        d.deal.stage = Some(StageId::new(last.2));
    }
    d.deal.closed_at = closed.map(msk);
    d
}

/// E16: leads L1–L4 through [`pipeline`] in November 2025 (Moscow), A = 1 Dec.
pub fn run_e16(cfg: MetricsConfig) -> MetricsReport {
    run_e16_leads(cfg, &e16_leads())
}

/// E16's period and reference data for `leads` (some of [`e16_leads`]).
pub fn run_e16_leads(cfg: MetricsConfig, leads: &[Dialog]) -> MetricsReport {
    run_in_pipeline(cfg, leads, "2025-11-01", "2025-12-01")
}

/// [`run_ref`] with [`pipeline`] as the only reference data.
pub fn run_in_pipeline(
    cfg: MetricsConfig,
    leads: &[Dialog],
    first: &str,
    last_excl: &str,
) -> MetricsReport {
    let rd = ReferenceData {
        pipelines: vec![pipeline()],
        ..ReferenceData::default()
    };
    run_ref(cfg, rd, leads, first, last_excl)
}

/// E16's leads L1–L4.
pub fn e16_leads() -> Vec<Dialog> {
    vec![
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
    ]
}

/// E18's leads: L20 and L21 (created Mon 3 Nov, last touched Mon 17 Nov 15:00 and Tue 18 Nov
/// 10:00), L22 (created Fri 14 Nov 16:00 in S2, never touched), L23 (in `wait_pay`) and L24
/// (won on Fri 14 Nov). A touch is Anna's WhatsApp message, or her CRM note when `notes`.
pub fn e18_leads(notes: bool) -> Vec<Dialog> {
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
    vec![
        touched("L20", "2025-11-17 15:00:00"),
        touched("L21", "2025-11-18 10:00:00"),
        l22,
        l23,
        l24,
    ]
}

/// E18's period, Fri 21 Nov (Moscow) with A = 12:00, and `wait_pay` excluded from follow-up.
pub fn run_e18(
    mut cfg: MetricsConfig,
    reference: ReferenceData,
    leads: &[Dialog],
) -> MetricsReport {
    cfg.followup_excluded_stages = vec!["wait_pay".into()];
    run_with(
        cfg,
        reference,
        leads,
        msk("2025-11-21 00:00:00"),
        msk("2025-11-22 00:00:00"),
        msk("2025-11-21 12:00:00"),
        MSK,
    )
}
