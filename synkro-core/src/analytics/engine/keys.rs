//! Interned dimension values and the day/hour buckets of an anchor instant (P1).

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use crate::analytics::calendar::{Micros, from_micros};
use crate::analytics::engine::SEC;

#[derive(Debug, Default)]
pub(crate) struct Interner {
    map: FxHashMap<String, u32>,
    pub(crate) names: Vec<String>,
    last: u32,
}

impl Interner {
    pub(crate) fn new(none: &str) -> Self {
        Self {
            map: FxHashMap::default(),
            names: vec![none.to_owned()],
            last: 0,
        }
    }
    pub(crate) fn id(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if self.names[self.last as usize] == s {
            return self.last;
        }
        if let Some(&i) = self.map.get(s) {
            self.last = i;
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_owned());
        self.map.insert(s.to_owned(), i);
        i
    }
    pub(crate) fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

#[derive(Debug)]
pub(crate) struct Buckets {
    tz: Tz,
    day_end: u32,
    lo: i64,
    table: Vec<(i32, u8, u8)>,
}

const SLOT: i64 = 900 * SEC;

impl Buckets {
    pub(crate) fn new(tz: Tz, day_end: u32, from: Micros, to: Micros) -> Self {
        let mut b = Self {
            tz,
            day_end,
            lo: from.div_euclid(SLOT),
            table: Vec::new(),
        };
        if day_end.is_multiple_of(15) {
            let hi = to.div_euclid(SLOT) + 1;
            b.table = (b.lo..hi).map(|s| b.compute(s * SLOT)).collect();
        }
        b
    }
    fn compute(&self, t: Micros) -> (i32, u8, u8) {
        let local = from_micros(t).with_timezone(&self.tz).naive_local();
        let tod = local.hour() * 60 + local.minute();
        let date = local.date();
        let label = if self.day_end < 1440 && tod >= self.day_end {
            date.succ_opt().unwrap_or(date)
        } else {
            date
        };
        (
            label.num_days_from_ce(),
            local.hour() as u8,
            date.weekday().num_days_from_monday() as u8,
        )
    }
    pub(crate) fn get(&self, t: Micros) -> (i32, u8, u8) {
        let i = t.div_euclid(SLOT) - self.lo;
        if i >= 0 && (i as usize) < self.table.len() {
            self.table[i as usize]
        } else {
            self.compute(t)
        }
    }
}
