//! Row-level outputs (metrics.md §2.4): one row per wait and per dialog, in the report and in
//! CSV/XLSX.

mod analytics_support;

use std::io::Cursor;

use analytics_support::*;
use calamine::{Data, Reader, Xlsx};
use synkro_core::analytics::*;
use synkro_core::report::{WAIT_COLUMNS, dialogs_csv, managers_csv, metrics_xlsx, waits_csv};

fn day(export_waits: bool) -> MetricsReport {
    let cfg = MetricsConfig {
        export_waits,
        ..fixture_config()
    };
    let dialogs = [
        // Answered by Boris in 5 min (the lead is Anna's).
        answered("a", "2025-11-11 12:00:00", "boris", "2025-11-11 12:05:00"),
        // Still open at A (period end): 6 h 30 min calendar, 30 min business (09–18).
        dialog(
            "b",
            vec![client(
                "b",
                "b1",
                msk("2025-11-11 17:30:00"),
                "Когда отгрузка?",
            )],
        ),
    ];
    run(cfg, &dialogs, "2025-11-11", "2025-11-12")
}

#[test]
fn every_wait_of_the_period_is_a_row_when_asked_for() {
    assert!(day(false).waits.is_empty(), "off by default");
    let r = day(true);
    let rows: Vec<_> = r
        .waits
        .iter()
        .map(|w| {
            (
                (
                    w.chat.as_str(),
                    w.session_no,
                    w.first,
                    w.outcome.as_str(),
                    w.reply_author.as_deref(),
                    w.reply_channel.as_deref(),
                ),
                w.calendar_s,
                w.business_s,
                w.in_hours,
                w.manager.as_str(),
                w.owner_at_start.as_deref(),
                w.owner_at_end.as_deref(),
                w.sla.clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                ("a", 1, true, "answered", Some("boris"), Some("message")),
                300.0,
                300.0,
                true,
                "boris",
                Some("anna"),
                Some("anna"),
                vec![(900, SlaStatus::Hit)]
            ),
            (
                ("b", 1, true, "open", None, None),
                23_400.0,
                1_800.0,
                true,
                "anna",
                Some("anna"),
                Some("anna"),
                vec![(900, SlaStatus::Miss)]
            ),
        ]
    );
    let a = &r.waits[0];
    assert_eq!(
        (a.start, a.last_client_message, a.end),
        (
            msk("2025-11-11 12:00:00"),
            msk("2025-11-11 12:00:00"),
            Some(msk("2025-11-11 12:05:00"))
        )
    );
    assert_eq!(
        (
            a.lead.as_deref(),
            a.pipeline.as_deref(),
            a.channel.as_str(),
            a.connection.as_deref()
        ),
        (Some("lead-a"), Some("p1"), "whatsapp", Some("wa-1"))
    );
    // The rows add up to the aggregates.
    assert_eq!(r.totals.waits.total, r.waits.len() as u64);
    assert_eq!(r.waits[1].end, None);
}

#[test]
fn wait_rows_are_exported_alike_in_csv_and_xlsx() {
    let r = day(true);
    let csv = waits_csv(&r).unwrap();
    let mut lines = csv.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    // The fixed columns, then one SLA status per target, then one due_at per target.
    let mut expected: Vec<String> = WAIT_COLUMNS.iter().map(|c| c.0.to_owned()).collect();
    expected.push("sla_900".into());
    expected.push("due_900".into());
    assert_eq!(header, expected);
    let col = |name: &str| header.iter().position(|n| n == name).unwrap();
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        (
            first[col("chat")],
            first[col("outcome")],
            first[col("business_s")],
            first[col("sla_900")]
        ),
        ("a", "answered", "300", "hit")
    );
    assert_eq!(csv.lines().count(), 3);
    let bytes = metrics_xlsx(&r).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("Waits").unwrap();
    assert_eq!(sheet.height(), 3);
    let get = |row: usize, name: &str| sheet.get((row, col(name))).cloned();
    assert_eq!(get(1, "chat"), Some(Data::String("a".into())));
    assert_eq!(get(2, "outcome"), Some(Data::String("open".into())));
    assert_eq!(get(2, "calendar_s"), Some(Data::Float(23_400.0)));
    assert_eq!(get(2, "sla_900"), Some(Data::String("miss".into())));
    check_calendar_and_due(&records(&csv), |row, name| match get(row + 1, name) {
        Some(Data::String(s)) => s,
        other => panic!("XLSX {name}: {other:?}"),
    });
    // Without wait rows there is no sheet.
    let bytes = metrics_xlsx(&day(false)).unwrap();
    let wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert!(!wb.sheet_names().contains(&"Waits".to_owned()));
}

/// §2.4, §3.3, §4.2: the calendar that measured each wait of [`day`] and its SLA 900 `due_at`
/// (a: asked Tue 12:00 MSK, b: Tue 17:30 MSK; 900 business seconds in MSK-9-18), alike in the
/// CSV `recs` and in `xlsx(row, column)`.
#[track_caller]
fn check_calendar_and_due(recs: &[Vec<String>], xlsx: impl Fn(usize, &str) -> String) {
    let expected = [
        ("MSK-9-18", "2025-11-11T09:15:00+00:00"),
        ("MSK-9-18", "2025-11-11T14:45:00+00:00"),
    ];
    for (row, (calendar, due)) in expected.into_iter().enumerate() {
        let csv = (field(recs, row, "calendar"), field(recs, row, "due_900"));
        assert_eq!(csv, (calendar, due), "CSV row {row}");
        let x = (xlsx(row, "calendar"), xlsx(row, "due_900"));
        assert_eq!(x, (calendar.to_owned(), due.to_owned()), "XLSX row {row}");
    }
}

#[test]
fn a_wait_closed_in_the_crm_names_who_closed_it() {
    let mut d = dialog(
        "c",
        vec![client(
            "c",
            "c1",
            msk("2025-11-11 14:00:00"),
            "Когда отгрузка?",
        )],
    );
    d.activities = vec![synkro_core::model::CrmActivity {
        id: synkro_core::model::EventId::new("e1"),
        kind: synkro_core::model::ActivityKind::ChatClosed,
        at: msk("2025-11-11 14:30:00"),
        by: Some(synkro_core::model::ManagerId::new("carl")),
        deal: Some(synkro_core::model::DealId::new("lead-c")),
        contact: None,
        talk: None,
    }];
    let cfg = MetricsConfig {
        export_waits: true,
        ..fixture_config()
    };
    let r = run(cfg, &[d], "2025-11-11", "2025-11-12");
    let w = &r.waits[0];
    assert_eq!(
        (
            w.outcome.as_str(),
            w.closed_by.as_deref(),
            w.reply_author.as_deref(),
            w.reply_channel.as_deref(),
            w.calendar_s,
            w.end
        ),
        (
            "closed",
            Some("carl"),
            None,
            None,
            1_800.0,
            Some(msk("2025-11-11 14:30:00"))
        )
    );
    // §2.4: the wait row's `closed_by` is exported, in CSV and XLSX.
    let recs = records(&waits_csv(&r).unwrap());
    assert_eq!(field(&recs, 0, "closed_by"), "carl");
    let c = recs[0].iter().position(|h| h == "closed_by").unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(metrics_xlsx(&r).unwrap())).unwrap();
    let sheet = wb.worksheet_range("Waits").unwrap();
    assert_eq!(sheet.get((0, c)), Some(&Data::String("closed_by".into())));
    assert_eq!(sheet.get((1, c)), Some(&Data::String("carl".into())));
}

#[test]
fn with_close_on_lead_closed_a_lead_closed_before_the_reply_closes_the_wait_by_no_one() {
    let mut d = dialog(
        "l",
        vec![
            client("l", "l1", msk("2025-11-11 10:00:00"), "Когда отгрузка?"),
            staff("l", "l2", msk("2025-11-11 12:00:00"), "anna", "Завтра"),
        ],
    );
    d.deal.closed_at = Some(msk("2025-11-11 11:00:00"));
    let cfg = |close: bool| MetricsConfig {
        export_waits: true,
        close_on_lead_closed: close,
        ..fixture_config()
    };
    let r = run(cfg(true), &[d.clone()], "2025-11-11", "2025-11-12");
    let w = &r.waits[0];
    assert_eq!(
        (w.outcome.as_str(), w.closed_by.as_deref(), w.calendar_s),
        ("closed", None, 3_600.0)
    );
    assert_eq!((r.totals.waits.closed, r.totals.waits.answered), (1, 0));
    let r = run(cfg(false), &[d], "2025-11-11", "2025-11-12");
    assert_eq!(
        (r.waits[0].outcome.as_str(), r.waits[0].calendar_s),
        ("answered", 7_200.0)
    );
}

/// The CSV records (header first) of an export.
fn records(csv: &str) -> Vec<Vec<String>> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    rd.records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The field of `column` in data row `row` (0 = first after the header).
fn field<'a>(recs: &'a [Vec<String>], row: usize, column: &str) -> &'a str {
    let c = recs[0].iter().position(|h| h == column).unwrap();
    &recs[row + 1][c]
}

#[test]
fn text_cells_that_a_spreadsheet_would_evaluate_are_neutralized_in_csv() {
    let mut r = day(true);
    let hyperlink = "=HYPERLINK(\"http://x\",\"y\")";
    r.managers[0].name = hyperlink.into();
    r.dialogs[0].chat = "+1".into();
    r.dialogs[0].lead = Some("-2".into());
    r.dialogs[0].channel = "@cmd".into();
    r.dialogs[0].responsible = "\tx".into();
    r.dialogs[0].initiator = "\rx".into();
    r.waits[0].manager = "=1+1".into();
    let m = records(&managers_csv(&r).unwrap());
    assert_eq!(field(&m, 0, "name"), format!("'{hyperlink}"));
    let d = records(&dialogs_csv(&r).unwrap());
    assert_eq!(
        [
            field(&d, 0, "chat"),
            field(&d, 0, "lead"),
            field(&d, 0, "channel"),
            field(&d, 0, "responsible"),
            field(&d, 0, "initiator"),
        ],
        ["'+1", "'-2", "'@cmd", "'\tx", "'\rx"]
    );
    // Harmless text and numbers are untouched, negative numbers included.
    assert_eq!(field(&d, 1, "chat"), "b");
    r.dialogs[0].first_response_calendar_s = Some(-5.5);
    let d = records(&dialogs_csv(&r).unwrap());
    assert_eq!(field(&d, 0, "first_response_calendar_s"), "-5.5");
    let w = records(&waits_csv(&r).unwrap());
    assert_eq!(field(&w, 0, "manager"), "'=1+1");
    // XLSX writes string cells, which are never evaluated: the value stays exact.
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(metrics_xlsx(&r).unwrap())).unwrap();
    let sheet = wb.worksheet_range("Managers").unwrap();
    assert_eq!(sheet.get((1, 1)), Some(&Data::String(hyperlink.into())));
}

fn with_targets(targets: Vec<i64>) -> MetricsReport {
    let cfg = MetricsConfig {
        export_waits: true,
        sla_targets: targets,
        ..fixture_config()
    };
    let dialogs = [
        answered("a", "2025-11-11 12:00:00", "boris", "2025-11-11 12:05:00"),
        answered("b", "2025-11-11 13:00:00", "boris", "2025-11-11 13:40:00"),
    ];
    run(cfg, &dialogs, "2025-11-11", "2025-11-12")
}

#[test]
fn every_sla_target_is_exported_in_columns_that_name_it() {
    let r = with_targets(vec![900, 3600]);
    let m = records(&managers_csv(&r).unwrap());
    let boris = m.iter().position(|row| row[0] == "boris").unwrap() - 1;
    let anna = m.iter().position(|row| row[0] == "anna").unwrap() - 1;
    // Boris answered in 5 and 40 min: one hit within 15 min, two within an hour.
    let cells = |row: usize, t: i64| {
        ["hits", "misses", "pending", "hit_rate"].map(|k| field(&m, row, &format!("sla_{t}_{k}")))
    };
    assert_eq!(cells(boris, 900), ["1", "1", "0", "0.5"]);
    assert_eq!(cells(boris, 3600), ["2", "0", "0", "1"]);
    // Anna had no waits: her counts are 0 and her hit rate has no denominator (C6: empty).
    assert_eq!(cells(anna, 900), ["0", "0", "0", ""]);
    let w = records(&waits_csv(&r).unwrap());
    assert_eq!(
        [field(&w, 1, "sla_900"), field(&w, 1, "sla_3600")],
        ["miss", "hit"]
    );
    // XLSX has the same columns.
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(metrics_xlsx(&r).unwrap())).unwrap();
    for (sheet, csv) in [("Managers", &m), ("Waits", &w)] {
        let range = wb.worksheet_range(sheet).unwrap();
        let header: Vec<String> = (0..csv[0].len())
            .map(|c| range.get((0, c)).unwrap().to_string())
            .collect();
        assert_eq!(header, csv[0], "{sheet}");
    }
}

#[test]
fn without_sla_targets_there_are_no_sla_cells_rather_than_zeros() {
    let r = with_targets(Vec::new());
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(metrics_xlsx(&r).unwrap())).unwrap();
    for (sheet, csv) in [
        ("Managers", managers_csv(&r).unwrap()),
        ("Waits", waits_csv(&r).unwrap()),
    ] {
        let recs = records(&csv);
        assert!(recs.len() > 1, "{sheet}: {csv}");
        assert!(
            !recs[0].iter().any(|h| h.starts_with("sla")),
            "{sheet}: {csv}"
        );
        let range = wb.worksheet_range(sheet).unwrap();
        assert_eq!(range.width(), recs[0].len(), "{sheet}");
    }
}

#[test]
fn wait_rows_written_before_due_at_and_calendar_are_still_read() {
    let r = day(true);
    let mut old = serde_json::to_value(&r.waits[0]).unwrap();
    let fields = old.as_object_mut().unwrap();
    assert!(fields.remove("calendar").is_some() && fields.remove("due_at").is_some());
    let row: WaitRow = serde_json::from_value(old).unwrap();
    assert_eq!((row.calendar.as_str(), row.due_at.len()), ("", 0));
    assert_eq!(row.business_s, r.waits[0].business_s);
}

#[test]
fn a_dialog_row_has_the_session_fields_of_section_2_4() {
    // §2.4's session row: the lead's pipeline at start, unknown-author counts, the first wait.
    // Chat `a`: the client's question (the first wait, a1), Boris's answer, an outbound message
    // of no known author (kept unknown, O7); chat `o` has no lead.
    let mut a = dialog(
        "a",
        vec![
            client("a", "a1", msk("2025-11-11 12:00:00"), "Нужен счёт"),
            staff("a", "a2", msk("2025-11-11 12:05:00"), "boris", "Готово"),
            message(
                "a",
                "a3",
                msk("2025-11-11 12:06:00"),
                synkro_core::model::Direction::Outbound,
                None,
                "Счёт во вложении",
            ),
        ],
    );
    a.messages[2].author_kind = synkro_core::model::AuthorKind::Unknown;
    let mut o = dialog(
        "o",
        vec![client(
            "o",
            "o1",
            msk("2025-11-11 13:00:00"),
            "Здравствуйте",
        )],
    );
    o.deal.deleted_at = Some(msk("2025-11-01 00:00:00"));
    let cfg = MetricsConfig {
        unknown_outbound_as: UnknownOutboundAs::Unknown,
        ..fixture_config()
    };
    let r = run(cfg, &[a, o], "2025-11-11", "2025-11-12");
    let rows: Vec<_> = r
        .dialogs
        .iter()
        .map(|d| {
            (
                d.chat.as_str(),
                d.pipeline.as_deref(),
                d.unknown_messages,
                d.first_wait.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("a", Some("p1"), 1, Some("a1")), ("o", None, 0, Some("o1"))]
    );
    let csv = dialogs_csv(&r).expect("a CSV in memory");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.ends_with(",outcome,pipeline,unknown_messages,first_wait")),
        "{csv}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.ends_with(",answered,p1,1,a1")),
        "{csv}"
    );
}
