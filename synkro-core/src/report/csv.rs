//! CSV exports of the metrics: one row per dialog, one per manager and (when exported) one per
//! wait.
//!
//! Text cells that a spreadsheet would read as a formula are neutralized ([`Cell::csv_text`]).

use crate::analytics::MetricsReport;
use crate::report::table::{Cell, dialog_table, manager_table, wait_table};

fn write<H: AsRef<[u8]>>(header: &[H], rows: &[Vec<Cell>]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(Cell::csv_text))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One row per dialog (S5), columns [`DIALOG_COLUMNS`](crate::report::DIALOG_COLUMNS).
///
/// # Errors
/// Only if writing to memory fails.
pub fn dialogs_csv(r: &MetricsReport) -> Result<String, csv::Error> {
    let (h, rows) = dialog_table(r);
    write(&h, &rows)
}

/// One row per manager, columns [`MANAGER_COLUMNS`](crate::report::MANAGER_COLUMNS), then for
/// every reply-SLA target (seconds) `sla_<target>_hits`, `sla_<target>_misses`,
/// `sla_<target>_pending` and `sla_<target>_hit_rate` (empty when the rate has no denominator,
/// rule C6). Without targets there are no SLA columns.
///
/// # Errors
/// Only if writing to memory fails.
pub fn managers_csv(r: &MetricsReport) -> Result<String, csv::Error> {
    let (h, rows) = manager_table(r);
    write(&h, &rows)
}

/// One row per wait (§2.4; the report has them when `export_waits` is on), columns
/// [`WAIT_COLUMNS`](crate::report::WAIT_COLUMNS) then `sla_<target>` (`hit`, `miss`, `pending`
/// or `excluded`) per reply-SLA target (seconds).
///
/// # Errors
/// Only if writing to memory fails.
pub fn waits_csv(r: &MetricsReport) -> Result<String, csv::Error> {
    let (h, rows) = wait_table(r);
    write(&h, &rows)
}
