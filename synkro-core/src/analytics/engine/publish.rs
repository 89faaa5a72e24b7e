//! Merging engines and publishing the report.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::analytics::config::{CHAT_KINDS, IN_HOURS, OUTCOMES, WEEKDAYS};

impl MetricsEngine {
    /// Merges the aggregates of another engine built with the same context (for example one
    /// that processed another share of the chats).
    pub fn merge(&mut self, other: MetricsEngine) {
        // Re-key the other engine's interned ids into ours.
        let remap = |mine: &mut Interner, theirs: &Interner| -> Vec<u32> {
            theirs
                .names
                .iter()
                .enumerate()
                .map(|(i, n)| if i == 0 { 0 } else { mine.id(Some(n)) })
                .collect()
        };
        let mm = remap(&mut self.managers, &other.managers);
        let tm = remap(&mut self.teams, &other.teams);
        let cm = remap(&mut self.channels, &other.channels);
        let om = remap(&mut self.connections, &other.connections);
        let pm = remap(&mut self.pipelines, &other.pipelines);
        let sm = remap(&mut self.stages, &other.stages);
        let dims = other.acc.dims.clone();
        let mut theirs = other.acc;
        for (i, rows) in theirs.rows.iter_mut().enumerate() {
            let old = std::mem::replace(rows, rows.emptied());
            for (k, v) in old.into_rows() {
                let mut nk = k;
                for (slot, (x, d)) in nk.iter_mut().zip(k.iter().zip(&dims[i])) {
                    *slot = {
                        let m = |map: &Vec<u32>| i64::from(map[*x as usize]);
                        match d {
                            crate::analytics::Dimension::Manager => m(&mm),
                            crate::analytics::Dimension::Team => m(&tm),
                            crate::analytics::Dimension::Channel => m(&cm),
                            crate::analytics::Dimension::Connection => m(&om),
                            crate::analytics::Dimension::Pipeline => m(&pm),
                            crate::analytics::Dimension::Stage => m(&sm),
                            _ => *x,
                        }
                    };
                }
                rows.row(nk, &theirs.targets).merge(&v);
            }
        }
        self.acc.merge(&theirs);
        for (id, e) in other.dq {
            let mine = self.dq.entry(id).or_default();
            mine.count += e.count;
            mine.denominator += e.denominator;
            for s in e.samples {
                if mine.samples.len() < self.cfg.dq_sample_size {
                    mine.samples.push(s);
                }
            }
        }
        self.dialog_rows.extend(other.dialog_rows);
        self.wait_rows.extend(other.wait_rows);
        for ((open, overdue), (o, od)) in self.open_by_day.iter_mut().zip(other.open_by_day) {
            *open += o;
            for (a, b) in overdue.iter_mut().zip(od) {
                *a += b;
            }
        }
        self.leads.merge(other.leads, &mm);
    }

    fn label(&self, d: crate::analytics::Dimension, v: i64) -> String {
        use crate::analytics::Dimension as D;
        let u = |v: i64| u32::try_from(v).unwrap_or(0);
        match d {
            D::Manager => {
                let id = self.managers.name(u(v));
                id.to_owned()
            }
            D::Team => self.teams.name(u(v)).to_owned(),
            D::Channel => self.channels.name(u(v)).to_owned(),
            D::Connection => self.connections.name(u(v)).to_owned(),
            D::Pipeline => self.pipelines.name(u(v)).to_owned(),
            D::Day => NaiveDate::from_num_days_from_ce_opt(v as i32)
                .map_or_else(String::new, |d| d.to_string()),
            D::Hour => format!("{v:02}"),
            D::Weekday => WEEKDAYS
                .get(u(v) as usize)
                .copied()
                .unwrap_or("?")
                .to_owned(),
            D::ChatKind => CHAT_KINDS[usize::from(v == 1)].to_owned(),
            D::Initiator => INITIATORS
                .get(u(v) as usize)
                .copied()
                .unwrap_or("-")
                .to_owned(),
            D::InHours => IN_HOURS[usize::from(v == 1)].to_owned(),
            D::Stage => self.stages.name(u(v)).to_owned(),
            D::Outcome => OUTCOMES
                .get(u(v) as usize)
                .copied()
                .unwrap_or("-")
                .to_owned(),
        }
    }

    /// Publishes the report.
    #[must_use]
    pub fn finish(mut self) -> MetricsReport {
        self.acc.fold();
        let empties = self.cals.empty_calendars(self.e);
        let n_cals = self.cfg.calendars.len().max(1) as u64;
        let mut levels = vec![];
        levels.extend(self.levels.iter().copied());
        let mut breakdowns = Vec::new();
        let mut tables = std::mem::take(&mut self.acc.rows);
        for (table, dims) in tables.iter_mut().zip(&self.acc.dims) {
            // A row of a day is its own bucket: its open waits are those at the day's end (P2).
            let by_day = dims.contains(&crate::analytics::Dimension::Day);
            let rows = table
                .sorted_mut()
                .into_iter()
                .map(|(k, v)| crate::analytics::BreakdownRow {
                    key: k
                        .iter()
                        .zip(dims)
                        .map(|(x, d)| self.label(*d, *x))
                        .collect(),
                    values: if by_day {
                        v.publish_day_row_in_place(&levels)
                    } else {
                        v.publish_in_place(&levels)
                    },
                })
                .collect();
            breakdowns.push(crate::analytics::Breakdown {
                dimensions: dims.clone(),
                rows,
            });
        }
        let manager_dims = [crate::analytics::Dimension::Manager];
        let managers = match self.acc.dims.iter().position(|d| d[..] == manager_dims) {
            Some(i) => tables[i]
                .sorted()
                .into_iter()
                .zip(&breakdowns[i].rows)
                .map(|((k, _), published)| {
                    let id = self
                        .managers
                        .name(u32::try_from(k[0]).unwrap_or(0))
                        .to_owned();
                    crate::analytics::ManagerRow {
                        name: self
                            .cfg
                            .manager_names
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| id.clone()),
                        manager: id,
                        // The manager breakdown's row, published above.
                        values: published.values.clone(),
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        let (funnels, stage_times, loss_reasons) = self.leads.publish(&self, &levels);
        let mut dq: Vec<DqCounter> = self
            .dq
            .iter()
            .map(|(id, e)| DqCounter {
                id: (*id).to_owned(),
                count: e.count,
                denominator: e.denominator,
                share: (e.denominator > 0).then(|| e.count as f64 / e.denominator as f64),
                samples: e.samples.clone(),
            })
            .collect();
        dq.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        dq.push(DqCounter {
            id: "dq.calendar_empty".into(),
            count: empties.len() as u64,
            denominator: n_cals,
            share: Some(empties.len() as f64 / n_cals as f64),
            samples: empties,
        });
        let bounds = [60, 300, 900, 1800, 3600, 4 * 3600, 86_400];
        let (hc, hb) = (
            self.acc.totals.reply.cal.histogram(&bounds),
            self.acc.totals.reply.bus.histogram(&bounds),
        );
        let reply_histogram = (0..=bounds.len())
            .map(|i| crate::analytics::report::HistogramBucket {
                le_s: bounds.get(i).copied(),
                calendar: hc[i],
                business: hb[i],
            })
            .collect();
        let dialogs = sorted_rows(std::mem::take(&mut self.dialog_rows), |a, b| {
            (a.start, &a.chat, a.session_no).cmp(&(b.start, &b.chat, b.session_no))
        });
        let waits = sorted_rows(std::mem::take(&mut self.wait_rows), |a, b| {
            (a.start, &a.chat, a.session_no).cmp(&(b.start, &b.chat, b.session_no))
        });
        MetricsReport {
            schema_version: METRICS_SCHEMA_VERSION,
            period_from: from_micros(self.from),
            period_to: from_micros(self.to),
            as_of: from_micros(self.a),
            snapshot_at: from_micros(self.e),
            report_tz: self.tz.name().to_owned(),
            totals: self.acc.totals.publish_in_place(&levels),
            breakdowns,
            funnels,
            stage_times,
            loss_reasons,
            reply_histogram,
            data_quality: dq,
            dialogs,
            managers,
            waits,
            open_at_end_by_day: self
                .day_ends
                .iter()
                .zip(&self.open_by_day)
                .map(
                    |((day, at), (open, overdue))| crate::analytics::OpenAtDayEnd {
                        day: *day,
                        at: from_micros(*at),
                        open: *open,
                        overdue: self
                            .cfg
                            .sla_targets
                            .iter()
                            .copied()
                            .zip(overdue.iter().copied())
                            .collect(),
                    },
                )
                .collect(),
        }
    }
}

/// Rows in the order of `cmp` (ties keep their order), sorting indices and moving each (large)
/// row once.
fn sorted_rows<R>(rows: Vec<R>, cmp: impl Fn(&R, &R) -> std::cmp::Ordering) -> Vec<R> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|a, b| cmp(&rows[*a], &rows[*b]).then(a.cmp(b)));
    let mut slots: Vec<Option<R>> = rows.into_iter().map(Some).collect();
    order.iter().filter_map(|i| slots[*i].take()).collect()
}
