//! Report filters (metrics.md §6): AND across dimensions, OR within one, by the values the
//! breakdowns would assign under the report's attribution.

mod analytics_support;

use std::collections::BTreeMap;

use analytics_support::*;
use synkro_core::analytics::*;
use synkro_core::model::{Channel, SalesPipelineId};
use synkro_core::pipeline::Dialog;

/// `cfg` with `filters`, each a dimension and its values.
fn filtered(cfg: MetricsConfig, filters: &[(&str, &[&str])]) -> MetricsConfig {
    MetricsConfig {
        filters: filters
            .iter()
            .map(|(d, vs)| {
                (
                    (*d).to_owned(),
                    vs.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect::<BTreeMap<_, _>>(),
        ..cfg
    }
}

fn one_day(cfg: MetricsConfig, ds: &[Dialog]) -> MetricsReport {
    run(cfg, ds, "2025-11-11", "2025-11-12")
}

/// [`answered`] on `channel` with its lead in `pipeline`.
fn answered_on(chat: &str, channel: Channel, pipeline: &str, asked: &str, by: &str) -> Dialog {
    let mut d = answered(chat, asked, by, &asked.replace(":00:00", ":10:00"));
    if let Some(c) = d.chat.as_mut() {
        c.channel = channel;
    }
    for m in &mut d.messages {
        m.channel = channel;
    }
    d.deal.pipeline = Some(SalesPipelineId::new(pipeline));
    d
}

/// Checks the total of waits and the chats of the exported wait rows.
#[track_caller]
fn check_waits(r: &MetricsReport, total: u64, chats: &[&str]) {
    assert_eq!(r.totals.waits.total, total, "wait.total");
    let mut got: Vec<&str> = r.waits.iter().map(|w| w.chat.as_str()).collect();
    got.sort_unstable();
    assert_eq!(got, chats, "exported wait rows");
}

/// Four chats of one day: (chat, channel, pipeline, replier).
fn four_chats() -> Vec<Dialog> {
    vec![
        answered_on(
            "a",
            Channel::Whatsapp,
            "sales",
            "2025-11-11 10:00:00",
            "anna",
        ),
        answered_on(
            "b",
            Channel::Telegram,
            "sales",
            "2025-11-11 11:00:00",
            "boris",
        ),
        answered_on(
            "c",
            Channel::Whatsapp,
            "sales",
            "2025-11-11 12:00:00",
            "boris",
        ),
        answered_on(
            "d",
            Channel::Whatsapp,
            "service",
            "2025-11-11 13:00:00",
            "carl",
        ),
    ]
}

#[test]
fn filters_combine_with_and_across_dimensions_and_or_within_one() {
    let ds = four_chats();
    let all = one_day(fixture_config_with_waits(), &ds);
    check_waits(&all, 4, &["a", "b", "c", "d"]);
    // OR within one dimension.
    let r = one_day(
        filtered(
            fixture_config_with_waits(),
            &[("manager", &["anna", "boris"])],
        ),
        &ds,
    );
    check_waits(&r, 3, &["a", "b", "c"]);
    // AND across dimensions: Anna or Boris, on WhatsApp, in the sales pipeline.
    let r = one_day(
        filtered(
            fixture_config_with_waits(),
            &[
                ("manager", &["anna", "boris"]),
                ("channel", &["whatsapp"]),
                ("pipeline", &["sales"]),
            ],
        ),
        &ds,
    );
    check_waits(&r, 2, &["a", "c"]);
    assert_eq!(r.totals.dialogs.new, 2, "dialog.new");
    let mut rows: Vec<&str> = r.dialogs.iter().map(|d| d.chat.as_str()).collect();
    rows.sort_unstable();
    assert_eq!(rows, ["a", "c"], "exported dialog rows");
    let managers: Vec<&str> = r
        .managers
        .iter()
        .filter(|m| m.values.waits.total > 0)
        .map(|m| m.manager.as_str())
        .collect();
    assert_eq!(managers, ["anna", "boris"]);
    // Hour 11 is Boris's Telegram chat: nothing is both on WhatsApp and at 11.
    let r = one_day(
        filtered(
            fixture_config_with_waits(),
            &[("channel", &["whatsapp"]), ("hour", &["11"])],
        ),
        &ds,
    );
    check_waits(&r, 0, &[]);
}

#[test]
fn a_manager_filter_follows_the_reports_attribution() {
    // Anna owns the lead; Boris replies.
    let ds = [answered(
        "c",
        "2025-11-11 10:00:00",
        "boris",
        "2025-11-11 10:10:00",
    )];
    let cfg = |attribution, who: &str| {
        filtered(
            MetricsConfig {
                attribution,
                ..fixture_config_with_waits()
            },
            &[("manager", &[who])],
        )
    };
    for (attribution, who, kept) in [
        (Attribution::Replier, "boris", true),
        (Attribution::Replier, "anna", false),
        (Attribution::OwnerAtStart, "anna", true),
        (Attribution::OwnerAtStart, "boris", false),
    ] {
        let r = one_day(cfg(attribution, who), &ds);
        let (total, chats): (u64, &[&str]) = if kept { (1, &["c"]) } else { (0, &[]) };
        assert_eq!(
            r.totals.waits.total, total,
            "{attribution:?}, manager = {who}"
        );
        check_waits(&r, total, chats);
    }
}

#[test]
fn a_multi_credit_item_matches_when_any_credited_manager_does() {
    // One session in which Anna and Boris both answer.
    let d = dialog(
        "c",
        vec![
            client("c", "m1", msk("2025-11-11 10:00:00"), "Нужен счёт"),
            staff("c", "m2", msk("2025-11-11 10:05:00"), "anna", "Готовлю"),
            client("c", "m3", msk("2025-11-11 11:00:00"), "Где счёт?"),
            staff("c", "m4", msk("2025-11-11 11:10:00"), "boris", "Отправил"),
        ],
    );
    let ds = std::slice::from_ref(&d);
    let credited =
        |r: &MetricsReport, who: &str| r.manager(who).map_or(0, |m| m.values.dialogs.participation);
    let r = one_day(filtered(fixture_config(), &[("manager", &["boris"])]), ds);
    assert_eq!(r.totals.dialogs.participation, 1, "Boris took part");
    assert_eq!((credited(&r, "boris"), credited(&r, "anna")), (1, 0));
    let r = one_day(
        filtered(fixture_config(), &[("manager", &["anna", "boris"])]),
        ds,
    );
    assert_eq!(
        r.totals.dialogs.participation, 1,
        "one dialog, counted once"
    );
    assert_eq!((credited(&r, "boris"), credited(&r, "anna")), (1, 1));
    let r = one_day(filtered(fixture_config(), &[("manager", &["carl"])]), ds);
    assert_eq!(r.totals.dialogs.participation, 0, "Carl took no part");
}

/// Checks that `compute` rejects `filters` with an error containing every part.
#[track_caller]
fn check_rejected(filters: &[(&str, &[&str])], parts: &[&str]) {
    let cfg = filtered(fixture_config(), filters);
    let ctx = MetricsContext {
        config: cfg.clone(),
        period: synkro_core::model::Window::new(
            msk("2025-11-11 00:00:00"),
            msk("2025-11-12 00:00:00"),
        )
        .unwrap(),
        as_of: msk("2025-11-12 00:00:00"),
        report_tz: MSK,
        phone_region: "RU".into(),
        reference: ReferenceData::default(),
    };
    let e = compute(ctx, &[])
        .expect_err("the filter must be rejected")
        .to_string();
    for p in parts {
        assert!(e.contains(p), "`{p}` missing from: {e}");
    }
    // The same from the tenant's metadata.
    let metrics = serde_json::json!({ "filters": serde_json::to_value(&cfg.filters).unwrap() });
    let e = MetricsConfig::from_metadata(&serde_json::json!({ "metrics": metrics }))
        .expect_err("the metadata must be rejected")
        .to_string();
    for p in parts {
        assert!(e.contains(p), "`{p}` missing from: {e}");
    }
}

#[test]
fn an_invalid_filter_is_rejected_naming_the_key_and_value() {
    check_rejected(
        &[("colour", &["red"])],
        &[
            "filters.colour",
            "`colour` is no dimension",
            "manager, team",
        ],
    );
    check_rejected(
        &[("channel", &["whatsap"])],
        &["filters.channel", "`whatsap`", "whatsapp, waba"],
    );
    check_rejected(&[("hour", &["24"])], &["filters.hour", "`24`", "0 to 23"]);
    check_rejected(
        &[("day", &["11.11.2025"])],
        &["filters.day", "`11.11.2025`", "YYYY-MM-DD"],
    );
    check_rejected(
        &[("weekday", &["monday"])],
        &["filters.weekday", "`monday`", "mon, tue"],
    );
    check_rejected(
        &[("chat_kind", &["private"])],
        &["filters.chat_kind", "`private`", "direct, group"],
    );
    check_rejected(
        &[("in_hours", &["yes"])],
        &["filters.in_hours", "`yes`", "in_hours, out_of_hours"],
    );
    check_rejected(&[("manager", &[])], &["filters.manager", "no values"]);
    check_rejected(&[("manager", &[""])], &["filters.manager", "empty value"]);
    // The labels the rows show are accepted.
    let ok = filtered(
        fixture_config(),
        &[
            ("manager", &["anna", "unassigned"]),
            ("hour", &["09", "9", "0"]),
            ("day", &["2025-11-11"]),
            ("in_hours", &["in_hours", "false"]),
            ("initiator", &["client", "-"]),
            ("pipeline", &["(no lead)"]),
        ],
    );
    ok.validate().expect("row labels are valid filter values");
}

/// Sums wait and message counts over the rows of the `[hour, channel]` breakdown that `keep`
/// accepts.
fn sum_rows(r: &MetricsReport, keep: impl Fn(&[String]) -> bool) -> (u64, u64, u64, u64) {
    r.breakdown(&[Dimension::Hour, Dimension::Channel])
        .expect("the hour × channel breakdown")
        .rows
        .iter()
        .filter(|row| keep(&row.key))
        .fold((0, 0, 0, 0), |s, row| {
            let v = &row.values;
            (
                s.0 + v.waits.total,
                s.1 + v.waits.answered,
                s.2 + v.messages.inbound,
                s.3 + v.dialogs.new,
            )
        })
}

#[test]
fn totals_under_a_filter_are_the_matching_rows_of_the_unfiltered_report() {
    let ds = four_chats();
    let mut cfg = fixture_config();
    cfg.breakdowns
        .push(vec![Dimension::Hour, Dimension::Channel]);
    let all = one_day(cfg.clone(), &ds);
    let hours = ["10", "11", "13"];
    let want = sum_rows(&all, |k| {
        hours.contains(&k[0].as_str()) && k[1] == "whatsapp"
    });
    // Something is filtered out, and something kept.
    assert_eq!(want, (2, 2, 2, 2));
    assert_eq!(all.totals.waits.total, 4);
    let r = one_day(
        filtered(cfg, &[("hour", &hours), ("channel", &["whatsapp"])]),
        &ds,
    );
    let t = &r.totals;
    assert_eq!(
        (
            t.waits.total,
            t.waits.answered,
            t.messages.inbound,
            t.dialogs.new
        ),
        want
    );
    // The filtered report's own rows add up to its totals too.
    assert_eq!(sum_rows(&r, |_| true), want);
}
