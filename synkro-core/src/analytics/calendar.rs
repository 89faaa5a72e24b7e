//! Business-hours calendars (metrics.md §4): IANA zones, several ranges per day, overnight ranges,
//! holidays, extra working dates and versions; business time between instants, `add_business`,
//! `in_hours`, and the manager → team → tenant resolution.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::analytics::MetricsError;
use crate::schedule::local_to_utc;

/// Microseconds since the Unix epoch.
pub type Micros = i64;

const DAY_US: i64 = 86_400_000_000;
const MAX_WALK_DAYS: i64 = 366;

/// A working range as configuration writes it: `"09:00-18:00"` (an en dash is accepted too;
/// `24:00` is allowed as an end; an end before the start runs into the next day).
pub type RangeText = String;

/// An extra working date (metrics.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraWorkingDate {
    /// The local date.
    pub date: NaiveDate,
    /// Its ranges; default: Monday's ranges (or the first weekday that has ranges).
    #[serde(default)]
    pub ranges: Option<Vec<RangeText>>,
}

/// One weekly/holiday set, in force from `effective_from` (local date) on.
///
/// The base set of a [`CalendarSpec`] has no `effective_from` (it is in force since always); every
/// entry of [`CalendarSpec::versions`] must have one, each a different date (§4.1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CalendarVersionSpec {
    /// First local date this version applies to: `None` for the base set only (since always);
    /// required in every entry of `versions`.
    pub effective_from: Option<NaiveDate>,
    /// Ranges per weekday, keys `mon` … `sun`.
    pub weekly: BTreeMap<String, Vec<RangeText>>,
    /// Local dates without working time.
    pub holidays: Vec<NaiveDate>,
    /// Local dates with working time.
    pub extra_working_dates: Vec<ExtraWorkingDate>,
}

/// A business calendar as configured (serde), e.g. in the tenant's metrics config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSpec {
    /// Calendar id, e.g. `MSK-9-18`.
    pub id: String,
    /// IANA zone name.
    pub tz: String,
    /// The base version (effective since always).
    #[serde(flatten)]
    pub base: CalendarVersionSpec,
    /// Later versions, each from its `effective_from`.
    #[serde(default)]
    pub versions: Vec<CalendarVersionSpec>,
}

impl CalendarSpec {
    /// The preset `always`: every day 00:00–24:00 in `tz`.
    #[must_use]
    pub fn always(tz: &str) -> Self {
        let weekly = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| ((*d).to_owned(), vec!["00:00-24:00".to_owned()]))
            .collect();
        Self {
            id: "always".to_owned(),
            tz: tz.to_owned(),
            base: CalendarVersionSpec {
                weekly,
                ..CalendarVersionSpec::default()
            },
            versions: Vec::new(),
        }
    }

    /// A calendar with the same ranges on the given weekdays, e.g. Mon–Fri 09:00–18:00.
    #[must_use]
    pub fn weekly(id: &str, tz: &str, days: &[Weekday], ranges: &[&str]) -> Self {
        let weekly = days
            .iter()
            .map(|d| {
                (
                    weekday_key(*d).to_owned(),
                    ranges.iter().map(|r| (*r).to_owned()).collect(),
                )
            })
            .collect();
        Self {
            id: id.to_owned(),
            tz: tz.to_owned(),
            base: CalendarVersionSpec {
                weekly,
                ..CalendarVersionSpec::default()
            },
            versions: Vec::new(),
        }
    }
}

fn weekday_key(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// A range in minutes after local midnight; `end <= start` means overnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: u32,
    end: u32,
}

#[derive(Debug, Clone)]
struct Version {
    from: Option<NaiveDate>,
    weekly: [Vec<Range>; 7],
    holidays: Vec<NaiveDate>,
    extra: HashMap<NaiveDate, Vec<Range>>,
}

/// A compiled business calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    id: String,
    tz: Tz,
    versions: Vec<Version>,
}

fn parse_hm(s: &str, what: &str) -> Result<u32, MetricsError> {
    let bad = || MetricsError::config(what, format!("`{s}` is not a HH:MM wall time"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn parse_range(s: &str, what: &str) -> Result<Range, MetricsError> {
    let (a, b) = s
        .split_once('-')
        .or_else(|| s.split_once('–'))
        .ok_or_else(|| MetricsError::config(what, format!("`{s}` is not a range HH:MM-HH:MM")))?;
    let (start, end) = (parse_hm(a, what)?, parse_hm(b, what)?);
    if start == 1440 {
        return Err(MetricsError::config(what, format!("`{s}` starts at 24:00")));
    }
    if start == end || (end == 0 && start == 0) {
        return Err(MetricsError::config(
            what,
            format!("`{s}` has an equal start and end; write 00:00-24:00 for a whole day"),
        ));
    }
    Ok(Range { start, end })
}

fn weekday_index(key: &str) -> Option<usize> {
    let k = key.to_ascii_lowercase();
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .position(|d| k.starts_with(d))
}

/// Compiles one weekly/holiday set; `at` is its key, `calendars.<id>` or
/// `calendars.<id>.versions[<i>]`.
fn compile_version(at: &str, v: &CalendarVersionSpec) -> Result<Version, MetricsError> {
    let mut weekly: [Vec<Range>; 7] = Default::default();
    for (day, ranges) in &v.weekly {
        let what = format!("{at}.weekly.{day}");
        let i = weekday_index(day)
            .ok_or_else(|| MetricsError::config(&what, "not a weekday (use mon … sun)"))?;
        weekly[i] = ranges
            .iter()
            .map(|r| parse_range(r, &what))
            .collect::<Result<_, _>>()?;
    }
    let default_extra = weekly
        .iter()
        .find(|r| !r.is_empty())
        .cloned()
        .unwrap_or_default();
    let mut extra = HashMap::new();
    for e in &v.extra_working_dates {
        let what = format!("{at}.extra_working_dates.{}", e.date);
        if v.holidays.contains(&e.date) {
            return Err(MetricsError::config(
                &what,
                "the date is also a holiday (B0); keep it in one list",
            ));
        }
        let ranges = match &e.ranges {
            Some(rs) => rs
                .iter()
                .map(|r| parse_range(r, &what))
                .collect::<Result<_, _>>()?,
            None => default_extra.clone(),
        };
        extra.insert(e.date, ranges);
    }
    Ok(Version {
        from: v.effective_from,
        weekly,
        holidays: v.holidays.clone(),
        extra,
    })
}

impl Calendar {
    /// Compiles a calendar spec.
    ///
    /// # Errors
    /// [`MetricsError::Config`] naming the calendar and the bad zone, range or date; a version
    /// without `effective_from` or with the date of another version; an `effective_from` on the
    /// base set (which is in force since always).
    pub fn new(spec: &CalendarSpec) -> Result<Self, MetricsError> {
        let tz: Tz = spec.tz.parse().map_err(|_| {
            MetricsError::config(
                &format!("calendars.{}.tz", spec.id),
                format!(
                    "`{}` is not an IANA zone name such as Europe/Moscow",
                    spec.tz
                ),
            )
        })?;
        let at = format!("calendars.{}", spec.id);
        if let Some(from) = spec.base.effective_from {
            return Err(MetricsError::config(
                &format!("{at}.effective_from"),
                format!(
                    "{from}: the calendar's own weekly/holidays are in force since always; \
                     put the set that starts on {from} in `versions`"
                ),
            ));
        }
        let mut versions = vec![compile_version(&at, &spec.base)?];
        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, v) in spec.versions.iter().enumerate() {
            let key = format!("{at}.versions[{i}]");
            let from = v.effective_from.ok_or_else(|| {
                MetricsError::config(
                    &format!("{key}.effective_from"),
                    "missing: every version needs the local date it takes effect from (§4.1), \
                     e.g. \"effective_from\": \"2026-01-01\"",
                )
            })?;
            if let Some(j) = seen.insert(from, i) {
                return Err(MetricsError::config(
                    &format!("{key}.effective_from"),
                    format!(
                        "{from} is also the effective_from of versions[{j}]; \
                         keep one version per date"
                    ),
                ));
            }
            versions.push(compile_version(&key, v)?);
        }
        versions.sort_by_key(|v| v.from);
        Ok(Self {
            id: spec.id.clone(),
            tz,
            versions,
        })
    }

    /// The calendar id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The calendar's zone.
    #[must_use]
    pub fn tz(&self) -> Tz {
        self.tz
    }

    fn version(&self, d: NaiveDate) -> &Version {
        self.versions
            .iter()
            .rev()
            .find(|v| v.from.is_none_or(|f| f <= d))
            .unwrap_or(&self.versions[0])
    }

    fn ranges(&self, d: NaiveDate) -> &[Range] {
        let v = self.version(d);
        if let Some(r) = v.extra.get(&d) {
            r
        } else if v.holidays.contains(&d) {
            &[]
        } else {
            &v.weekly[d.weekday().num_days_from_monday() as usize]
        }
    }

    /// Whether local date `d` has at least one working range after overrides (K17).
    #[must_use]
    pub fn is_working_date(&self, d: NaiveDate) -> bool {
        !self.ranges(d).is_empty()
    }

    fn instant(&self, d: NaiveDate, minutes: u32) -> Micros {
        let (d, minutes) = if minutes >= 1440 {
            (d.succ_opt().unwrap_or(d), minutes - 1440)
        } else {
            (d, minutes)
        };
        let t = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN);
        local_to_utc(self.tz, d.and_time(t)).timestamp_micros()
    }

    /// The working intervals of the ranges that start on local date `d` (§4.5 `intervals`).
    fn intervals(&self, d: NaiveDate, out: &mut Vec<(Micros, Micros)>) {
        for r in self.ranges(d) {
            let start = self.instant(d, r.start);
            let end_min = if r.end > r.start { r.end } else { r.end + 1440 };
            let end = self.instant(d, end_min);
            if end > start {
                out.push((start, end));
            }
        }
    }

    /// Local midnight of `d` as an instant.
    #[must_use]
    pub fn day_start(&self, d: NaiveDate) -> Micros {
        self.instant(d, 0)
    }

    /// The local date of an instant.
    #[must_use]
    pub fn local_date(&self, t: Micros) -> NaiveDate {
        from_micros(t).with_timezone(&self.tz).date_naive()
    }

    /// An index of the merged working intervals of local dates `from ..= to`, answering business
    /// time queries in O(log n).
    #[must_use]
    pub fn index(&self, from: NaiveDate, to: NaiveDate) -> CalendarIndex {
        let mut raw = Vec::new();
        let mut d = from.pred_opt().unwrap_or(from);
        while d <= to {
            self.intervals(d, &mut raw);
            d = d.succ_opt().unwrap_or(NaiveDate::MAX);
            if d == NaiveDate::MAX {
                break;
            }
        }
        raw.sort_unstable();
        let mut merged: Vec<(Micros, Micros)> = Vec::with_capacity(raw.len());
        for (s, e) in raw {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let mut cum = Vec::with_capacity(merged.len() + 1);
        let mut acc = 0;
        cum.push(0);
        for (s, e) in &merged {
            acc += e - s;
            cum.push(acc);
        }
        CalendarIndex {
            calendar: self.clone(),
            lo: self.day_start(from),
            hi: self.day_start(to.succ_opt().unwrap_or(to)),
            merged,
            cum,
        }
    }

    /// Business microseconds in `[a, b)` (0 if `b <= a`), §4.5.
    #[must_use]
    pub fn business_micros(&self, a: Micros, b: Micros) -> Micros {
        if b <= a {
            return 0;
        }
        self.index(self.local_date(a), self.local_date(b))
            .business_micros(a, b)
    }
}

/// The UTC instant of microseconds since the epoch.
#[must_use]
pub fn from_micros(t: Micros) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t).unwrap_or_default()
}

/// Merged working intervals of a date range with cumulative sums; queries outside the range fall
/// back to a fresh walk, so answers never depend on the range chosen.
#[derive(Debug, Clone)]
pub struct CalendarIndex {
    calendar: Calendar,
    lo: Micros,
    hi: Micros,
    merged: Vec<(Micros, Micros)>,
    cum: Vec<Micros>,
}

impl CalendarIndex {
    /// The calendar.
    #[must_use]
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Working microseconds from the index start to `x` (requires `lo <= x <= hi`).
    fn cum_at(&self, x: Micros) -> Micros {
        let i = self.merged.partition_point(|&(s, _)| s <= x);
        if i == 0 {
            return 0;
        }
        let (s, e) = self.merged[i - 1];
        self.cum[i - 1] + (x.min(e) - s)
    }

    fn covers(&self, a: Micros, b: Micros) -> bool {
        self.lo <= a && b <= self.hi
    }

    /// Business microseconds in `[a, b)`.
    #[must_use]
    pub fn business_micros(&self, a: Micros, b: Micros) -> Micros {
        if b <= a {
            return 0;
        }
        if self.covers(a, b) {
            self.cum_at(b) - self.cum_at(a)
        } else {
            self.calendar.business_micros(a, b)
        }
    }

    /// Whether `t` lies inside working time.
    #[must_use]
    pub fn in_hours(&self, t: Micros) -> bool {
        if !self.covers(t, t) {
            let d = self.calendar.local_date(t);
            return self.calendar.index(d, d).in_hours(t);
        }
        let i = self.merged.partition_point(|&(s, _)| s <= t);
        i > 0 && t < self.merged[i - 1].1
    }

    /// The earliest `x` with `business(t, x) = amount` (`amount = 0` gives `t`); `None` when the
    /// calendar has no working time within 366 days (`dq.calendar_empty`).
    #[must_use]
    pub fn add_business(&self, t: Micros, amount: Micros) -> Option<Micros> {
        if amount <= 0 {
            return Some(t);
        }
        if self.lo <= t && t <= self.hi {
            let target = self.cum_at(t) + amount;
            if target <= *self.cum.last().unwrap_or(&0) {
                let i = self.cum.partition_point(|&c| c < target);
                // cum[i] >= target > cum[i-1]: inside merged[i-1].
                let (s, _) = self.merged[i - 1];
                let x = s + (target - self.cum[i - 1]);
                if x <= self.hi {
                    return Some(x);
                }
            }
        }
        let start = self.calendar.local_date(t);
        let end = start + Duration::days(MAX_WALK_DAYS + amount / DAY_US + 1);
        let wide = self.calendar.index(start, end);
        let target = wide.cum_at(t.max(wide.lo)) + amount;
        if target > *wide.cum.last().unwrap_or(&0) {
            return None;
        }
        let i = wide.cum.partition_point(|&c| c < target);
        let (s, _) = wide.merged[i - 1];
        Some(s + (target - wide.cum[i - 1]))
    }
}

/// Rejects two calendars with one id: a reference by id would pick one of them silently.
pub(crate) fn check_unique_ids(specs: &[CalendarSpec]) -> Result<(), MetricsError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in specs.iter().enumerate() {
        if let Some(j) = seen.insert(s.id.as_str(), i) {
            return Err(MetricsError::config(
                &format!("calendars[{i}].id"),
                format!(
                    "`{}` is also the id of calendars[{j}]; give each calendar its own id",
                    s.id
                ),
            ));
        }
    }
    Ok(())
}

/// The calendars of a tenant and who uses which: manager → team → tenant (§4.2).
#[derive(Debug, Clone)]
pub struct CalendarSet {
    tenant: usize,
    indexes: Vec<CalendarIndex>,
    by_id: HashMap<String, usize>,
    manager_calendar: HashMap<String, usize>,
    team_calendar: HashMap<String, usize>,
    manager_team: HashMap<String, String>,
}

impl CalendarSet {
    /// Compiles calendars and indexes them over local dates `from ..= to`.
    ///
    /// # Errors
    /// [`MetricsError::Config`] for a bad calendar, two calendars with one id or a reference to an
    /// unknown calendar id.
    pub fn new(
        specs: &[CalendarSpec],
        tenant_calendar: &str,
        manager_calendars: &BTreeMap<String, String>,
        team_calendars: &BTreeMap<String, String>,
        manager_teams: &BTreeMap<String, String>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Self, MetricsError> {
        check_unique_ids(specs)?;
        let mut indexes = Vec::new();
        let mut by_id = HashMap::new();
        for s in specs {
            let c = Calendar::new(s)?;
            by_id.insert(s.id.clone(), indexes.len());
            indexes.push(c.index(from, to));
        }
        let find = |key: &str, id: &str| {
            by_id.get(id).copied().ok_or_else(|| {
                MetricsError::config(
                    key,
                    format!("unknown calendar id `{id}`; define it in `calendars`"),
                )
            })
        };
        let tenant = find("tenant_calendar", tenant_calendar)?;
        let mut manager_calendar = HashMap::new();
        for (m, id) in manager_calendars {
            manager_calendar.insert(m.clone(), find(&format!("manager_calendars.{m}"), id)?);
        }
        let mut team_calendar = HashMap::new();
        for (t, id) in team_calendars {
            team_calendar.insert(t.clone(), find(&format!("team_calendars.{t}"), id)?);
        }
        Ok(Self {
            tenant,
            indexes,
            by_id,
            manager_calendar,
            team_calendar,
            manager_team: manager_teams
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }

    /// The calendar of a manager (`None`: unassigned → tenant calendar).
    #[must_use]
    pub fn resolve(&self, manager: Option<&str>) -> &CalendarIndex {
        &self.indexes[self.resolve_pos(manager)]
    }

    pub(crate) fn tenant_pos(&self) -> usize {
        self.tenant
    }

    pub(crate) fn at(&self, i: usize) -> &CalendarIndex {
        &self.indexes[i]
    }

    pub(crate) fn resolve_pos(&self, manager: Option<&str>) -> usize {
        manager
            .and_then(|m| {
                self.manager_calendar.get(m).copied().or_else(|| {
                    self.manager_team
                        .get(m)
                        .and_then(|t| self.team_calendar.get(t).copied())
                })
            })
            .unwrap_or(self.tenant)
    }

    /// The tenant calendar.
    #[must_use]
    pub fn tenant(&self) -> &CalendarIndex {
        &self.indexes[self.tenant]
    }

    /// A calendar by id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&CalendarIndex> {
        self.by_id.get(id).map(|&i| &self.indexes[i])
    }

    /// Ids of calendars without any working time within 366 days of `from` (`dq.calendar_empty`).
    #[must_use]
    pub fn empty_calendars(&self, at: Micros) -> Vec<String> {
        self.indexes
            .iter()
            .filter(|ix| ix.add_business(at, 1).is_none())
            .map(|ix| ix.calendar.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn us(s: &str) -> Micros {
        s.parse::<DateTime<Utc>>().unwrap().timestamp_micros()
    }
    fn secs(x: Micros) -> i64 {
        x / 1_000_000
    }
    fn cal(spec: CalendarSpec) -> Calendar {
        Calendar::new(&spec).unwrap()
    }
    fn msk_9_18() -> CalendarSpec {
        CalendarSpec::weekly(
            "MSK-9-18",
            "Europe/Moscow",
            &[Mon, Tue, Wed, Thu, Fri],
            &["09:00-18:00"],
        )
    }
    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn wall_time_table_of_section_4_3() {
        let all = |r: &str| {
            cal(CalendarSpec::weekly(
                "x",
                "Europe/Berlin",
                &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
                &[r],
            ))
        };
        let iv = |c: &Calendar, day| {
            let mut v = Vec::new();
            c.intervals(day, &mut v);
            v[0]
        };
        let cases = [
            (
                "00:00-24:00",
                d(2025, 3, 30),
                "2025-03-29T23:00:00Z",
                "2025-03-30T22:00:00Z",
                82_800,
            ),
            (
                "00:00-24:00",
                d(2025, 10, 26),
                "2025-10-25T22:00:00Z",
                "2025-10-26T23:00:00Z",
                90_000,
            ),
            (
                "02:30-04:00",
                d(2025, 3, 30),
                "2025-03-30T01:00:00Z",
                "2025-03-30T02:00:00Z",
                3_600,
            ),
            (
                "00:00-02:30",
                d(2025, 3, 30),
                "2025-03-29T23:00:00Z",
                "2025-03-30T01:00:00Z",
                7_200,
            ),
            (
                "01:00-02:30",
                d(2025, 10, 26),
                "2025-10-25T23:00:00Z",
                "2025-10-26T00:30:00Z",
                5_400,
            ),
            (
                "01:00-03:00",
                d(2025, 10, 26),
                "2025-10-25T23:00:00Z",
                "2025-10-26T02:00:00Z",
                10_800,
            ),
        ];
        for (r, day, a, b, len) in cases {
            let (s, e) = iv(&all(r), day);
            assert_eq!((s, e), (us(a), us(b)), "{r} on {day}");
            assert_eq!(secs(e - s), len, "{r} on {day}");
        }
    }

    #[test]
    fn e2_night_and_weekend() {
        let c = cal(msk_9_18());
        assert_eq!(
            secs(c.business_micros(us("2025-11-14T14:40:00Z"), us("2025-11-17T06:20:00Z"))),
            2_400
        );
    }

    #[test]
    fn e3_spring_forward() {
        let c = cal(CalendarSpec::weekly(
            "BER-8-20",
            "Europe/Berlin",
            &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
            &["08:00-20:00"],
        ));
        assert_eq!(
            secs(c.business_micros(us("2025-03-29T18:00:00Z"), us("2025-03-30T07:00:00Z"))),
            7_200
        );
        let day = (c.day_start(d(2025, 3, 30)), c.day_start(d(2025, 3, 31)));
        assert_eq!(secs(day.1 - day.0), 82_800);
        assert_eq!(secs(c.business_micros(day.0, day.1)), 43_200);
    }

    #[test]
    fn e4_fall_back_overnight() {
        let c = cal(CalendarSpec::weekly(
            "BER-NIGHT",
            "Europe/Berlin",
            &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
            &["22:00-06:00"],
        ));
        let mut v = Vec::new();
        c.intervals(d(2025, 10, 25), &mut v);
        assert_eq!(
            v,
            vec![(us("2025-10-25T20:00:00Z"), us("2025-10-26T05:00:00Z"))]
        );
        assert_eq!(
            secs(c.business_micros(us("2025-10-25T21:30:00Z"), us("2025-10-26T04:30:00Z"))),
            25_200
        );
        assert_eq!(
            secs(c.business_micros(us("2025-10-25T21:30:00Z"), us("2025-10-26T05:30:00Z"))),
            27_000
        );
    }

    #[test]
    fn e5_holidays_and_extra_date() {
        let mut spec = msk_9_18();
        spec.id = "MSK-H".into();
        spec.base.holidays = vec![d(2025, 11, 3), d(2025, 11, 4)];
        spec.base.extra_working_dates = vec![ExtraWorkingDate {
            date: d(2025, 11, 1),
            ranges: Some(vec!["09:00-17:00".into()]),
        }];
        let (a, b) = (us("2025-10-31T14:30:00Z"), us("2025-11-05T06:10:00Z"));
        assert_eq!(secs(b - a), 402_000);
        assert_eq!(secs(cal(spec.clone()).business_micros(a, b)), 31_200);
        spec.base.extra_working_dates.clear();
        assert_eq!(secs(cal(spec).business_micros(a, b)), 2_400);
        assert_eq!(secs(cal(msk_9_18()).business_micros(a, b)), 67_200);
    }

    #[test]
    fn e6_split_ranges_and_overnight_shift() {
        let c = cal(CalendarSpec::weekly(
            "MSK-SPLIT",
            "Europe/Moscow",
            &[Mon, Tue, Wed, Thu, Fri],
            &["09:00-13:00", "14:00-18:00", "22:00-03:00"],
        ));
        for (a, b, cal_s, bus) in [
            ("2025-11-14T09:30:00Z", "2025-11-14T11:30:00Z", 7_200, 3_600),
            (
                "2025-11-14T16:00:00Z",
                "2025-11-15T01:00:00Z",
                32_400,
                18_000,
            ),
            (
                "2025-11-16T20:00:00Z",
                "2025-11-17T06:30:00Z",
                37_800,
                1_800,
            ),
        ] {
            assert_eq!(secs(us(b) - us(a)), cal_s);
            assert_eq!(secs(c.business_micros(us(a), us(b))), bus, "{a}");
        }
    }

    #[test]
    fn add_business_and_in_hours() {
        let c = cal(msk_9_18());
        let ix = c.index(d(2025, 11, 1), d(2025, 11, 30));
        // E11 due_at: b Tue 17:30 + 900 s = 17:45; c Tue 17:55 + 900 → Wed 09:10.
        assert_eq!(
            ix.add_business(us("2025-11-11T14:30:00Z"), 900_000_000),
            Some(us("2025-11-11T14:45:00Z"))
        );
        assert_eq!(
            ix.add_business(us("2025-11-11T14:55:00Z"), 900_000_000),
            Some(us("2025-11-12T06:10:00Z"))
        );
        assert_eq!(
            ix.add_business(us("2025-11-11T14:55:00Z"), 0),
            Some(us("2025-11-11T14:55:00Z"))
        );
        // Outside the index range: the same answer by a fresh walk.
        assert_eq!(
            ix.add_business(us("2026-02-06T14:55:00Z"), 900_000_000),
            Some(us("2026-02-09T06:10:00Z"))
        );
        assert!(ix.in_hours(us("2025-11-11T07:00:00Z")));
        assert!(!ix.in_hours(us("2025-11-11T15:00:00Z")));
        let empty = cal(CalendarSpec::weekly("none", "Europe/Moscow", &[], &[]));
        assert_eq!(
            empty
                .index(d(2025, 11, 1), d(2025, 11, 2))
                .add_business(0, 1),
            None
        );
    }

    #[test]
    fn bad_calendars_are_rejected_with_the_field() {
        let mut s = msk_9_18();
        s.base
            .weekly
            .insert("mon".into(), vec!["09:00-09:00".into()]);
        let e = Calendar::new(&s).unwrap_err().to_string();
        assert!(e.contains("calendars.MSK-9-18.weekly.mon"), "{e}");
        let mut s = msk_9_18();
        s.tz = "+03:00".into();
        assert!(Calendar::new(&s).unwrap_err().to_string().contains("IANA"));
        let mut s = msk_9_18();
        s.base.holidays = vec![d(2025, 11, 1)];
        s.base.extra_working_dates = vec![ExtraWorkingDate {
            date: d(2025, 11, 1),
            ranges: None,
        }];
        assert!(Calendar::new(&s).unwrap_err().to_string().contains("B0"));
    }

    proptest::proptest! {
        #[test]
        fn business_time_never_exceeds_calendar_time_and_index_matches_walk(
            a in 0i64..(60 * 86_400), len in 0i64..(20 * 86_400), z in 0usize..3,
        ) {
            let spec = [
                CalendarSpec::weekly("a", "Europe/Berlin", &[Mon, Tue, Wed, Thu, Fri, Sat], &["08:00-12:00", "11:00-20:00", "22:00-02:30"]),
                CalendarSpec::weekly("b", "America/New_York", &[Mon, Wed, Fri, Sun], &["00:00-24:00"]),
                msk_9_18(),
            ][z].clone();
            let c = cal(spec);
            let start = us("2025-02-20T00:00:00Z") + a * 1_000_000;
            let end = start + len * 1_000_000;
            let bus = c.business_micros(start, end);
            proptest::prop_assert!(bus >= 0 && bus <= end - start);
            let ix = c.index(d(2025, 2, 1), d(2025, 5, 1));
            proptest::prop_assert_eq!(ix.business_micros(start, end), bus);
            if bus > 0 {
                let x = ix.add_business(start, bus).unwrap();
                proptest::prop_assert_eq!(c.business_micros(start, x), bus);
                proptest::prop_assert!(x <= end);
            }
        }
    }
}
