//! XLSX export of the metrics: one sheet per table of the CSV exports (managers, dialogs and,
//! when exported, waits), with the same columns. The totals are in the report's JSON, Markdown
//! and HTML; there is no summary sheet.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::analytics::MetricsReport;
use crate::report::table::{Cell, dialog_table, manager_table, wait_table};

fn sheet(
    wb: &mut Workbook,
    name: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
    bold: &Format,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                // `write_string` stores a string cell, which a spreadsheet never evaluates, so a
                // name like `=HYPERLINK(..)` stays text without the `'` prefix of the CSV export
                // ([`Cell::csv_text`]).
                Cell::Text(s) => {
                    ws.write_string(r, c as u16, s)?;
                }
                Cell::Num(Some(v)) => {
                    ws.write_number(r, c as u16, *v)?;
                }
                Cell::Num(None) => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The workbook: sheets `Managers` and `Dialogs` (and `Waits` when the report has wait rows) with
/// the same columns as the CSV exports.
///
/// Text cells are written as strings (`write_string`), which a spreadsheet never evaluates as
/// formulas, so unlike the CSV export ([`Cell::csv_text`]) they need no `'` prefix against
/// formula injection and keep their exact value.
///
/// # Errors
/// [`XlsxError`] if the workbook cannot be assembled.
pub fn metrics_xlsx(r: &MetricsReport) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let (h, rows) = manager_table(r);
    let h: Vec<&str> = h.iter().map(String::as_str).collect();
    sheet(&mut wb, "Managers", &h, &rows, &bold)?;
    let (h, rows) = dialog_table(r);
    sheet(&mut wb, "Dialogs", &h, &rows, &bold)?;
    if !r.waits.is_empty() {
        let (h, rows) = wait_table(r);
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        sheet(&mut wb, "Waits", &h, &rows, &bold)?;
    }
    wb.save_to_buffer()
}
