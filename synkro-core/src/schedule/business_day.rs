use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::model::Window;

/// The instant of a local wall time in `tz` (metrics.md §4.3, runs.md §7.5):
/// - a time that exists once is that instant;
/// - a time in a spring-forward gap is the transition instant (the first instant after the gap);
/// - a time that occurs twice (fall-back) is its earlier occurrence.
#[must_use]
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => gap_end(tz, local),
    }
}

/// The first instant whose wall time is later than `local` — for a `local` inside a gap, the
/// transition instant. Found by bisection over the ±26 h that any UTC offset can span.
fn gap_end(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let guess = local.and_utc().timestamp();
    let later = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .is_some_and(|u| u.with_timezone(&tz).naive_local() > local)
    };
    // Offsets lie within ±26 h, so `lo` is before the gap and `hi` after it.
    let (mut lo, mut hi) = (guess - 26 * 3600, guess + 26 * 3600);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if later(mid) { hi = mid } else { lo = mid }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or_else(|| local.and_utc())
}

/// Business day `day` of a tenant: `[day at start, day+1 at start)` local time, as UTC instants.
/// Boundaries follow [`local_to_utc`], so consecutive days are contiguous and never overlap, and
/// a day lasts 24 h ± the zone's DST shift.
#[must_use]
pub fn business_day(tz: Tz, start: NaiveTime, day: NaiveDate) -> Window {
    let next = day.succ_opt().unwrap_or(day);
    Window {
        start: local_to_utc(tz, day.and_time(start)),
        end: local_to_utc(tz, next.and_time(start)),
    }
}

/// The business day that contains instant `t`, and its window.
#[must_use]
pub fn business_day_containing(tz: Tz, start: NaiveTime, t: DateTime<Utc>) -> (NaiveDate, Window) {
    let mut day = t.with_timezone(&tz).date_naive();
    loop {
        let w = business_day(tz, start, day);
        if t < w.start {
            day = day.pred_opt().unwrap_or(day);
        } else if t >= w.end {
            day = day.succ_opt().unwrap_or(day);
        } else {
            return (day, w);
        }
    }
}

/// The last closed business day at `now`: the latest business day whose end is not after `now`
/// (the 24 hours ending at the most recent `business_day_start`).
#[must_use]
pub fn last_closed_business_day(
    tz: Tz,
    start: NaiveTime,
    now: DateTime<Utc>,
) -> (NaiveDate, Window) {
    let (current, _) = business_day_containing(tz, start, now);
    let day = current.pred_opt().unwrap_or(current);
    (day, business_day(tz, start, day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use chrono_tz::{America, Europe};

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn wall_time_to_instant_follows_the_metric_spec_table() {
        let b = Europe::Berlin;
        let at = |date: NaiveDate, h, m| local_to_utc(b, date.and_time(t(h, m)));
        // Spring forward 2025-03-30: the day is 23 h; 02:30 is in the gap -> 03:00 CEST = 01:00Z.
        assert_eq!(at(d(2025, 3, 30), 0, 0), utc("2025-03-29T23:00:00Z"));
        assert_eq!(at(d(2025, 3, 31), 0, 0), utc("2025-03-30T22:00:00Z"));
        assert_eq!(at(d(2025, 3, 30), 2, 30), utc("2025-03-30T01:00:00Z"));
        // Fall back 2025-10-26: 02:30 occurs twice -> the earlier (CEST) one.
        assert_eq!(at(d(2025, 10, 26), 2, 30), utc("2025-10-26T00:30:00Z"));
        assert_eq!(
            at(d(2025, 10, 27), 0, 0) - at(d(2025, 10, 26), 0, 0),
            Duration::seconds(90_000)
        );
        assert_eq!(at(d(2025, 10, 26), 3, 0), utc("2025-10-26T02:00:00Z"));
    }

    #[test]
    fn business_days_across_dst_changes_match_the_runs_spec() {
        let b = Europe::Berlin;
        let spring = business_day(b, t(0, 0), d(2026, 3, 29));
        assert_eq!(
            (spring.start, spring.end),
            (utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z"))
        );
        assert_eq!(spring.duration(), Duration::hours(23));
        let autumn = business_day(b, t(0, 0), d(2026, 10, 25));
        assert_eq!(
            (autumn.start, autumn.end),
            (utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z"))
        );
        assert_eq!(autumn.duration(), Duration::hours(25));
        // business_day_start 02:30 falls into the gap: the lost hour is split between two days.
        let before = business_day(b, t(2, 30), d(2026, 3, 28));
        let after = business_day(b, t(2, 30), d(2026, 3, 29));
        assert_eq!(
            (before.start, before.end),
            (utc("2026-03-28T01:30:00Z"), utc("2026-03-29T01:00:00Z"))
        );
        assert_eq!(
            (after.start, after.end),
            (utc("2026-03-29T01:00:00Z"), utc("2026-03-30T00:30:00Z"))
        );
        assert_eq!(before.duration(), Duration::minutes(23 * 60 + 30));
        assert_eq!(after.duration(), Duration::minutes(23 * 60 + 30));
        // New York, 2026-03-08, default start 22:01: a 23 h day.
        let ny = business_day(America::New_York, t(22, 1), d(2026, 3, 7));
        assert_eq!(ny.duration(), Duration::hours(23));
    }

    #[test]
    fn last_closed_day_turns_over_exactly_at_business_day_start() {
        let m = Europe::Moscow; // UTC+3, no DST
        let start = t(22, 1);
        // 10 March 22:00:59 local: the day ending at 22:01 today has not closed yet.
        let (day, w) = last_closed_business_day(m, start, utc("2026-03-10T19:00:59Z"));
        assert_eq!(day, d(2026, 3, 8));
        assert_eq!(
            (w.start, w.end),
            (utc("2026-03-08T19:01:00Z"), utc("2026-03-09T19:01:00Z"))
        );
        // 22:01:00 exactly: it has.
        let (day, w) = last_closed_business_day(m, start, utc("2026-03-10T19:01:00Z"));
        assert_eq!(day, d(2026, 3, 9));
        assert_eq!(
            (w.start, w.end),
            (utc("2026-03-09T19:01:00Z"), utc("2026-03-10T19:01:00Z"))
        );
        // The scheduled run at 22:10 gets the same window.
        assert_eq!(
            last_closed_business_day(m, start, utc("2026-03-10T19:10:00Z")).1,
            w
        );
        // Just after midnight local, still the same closed day.
        assert_eq!(
            last_closed_business_day(m, start, utc("2026-03-10T21:30:00Z")).1,
            w
        );
    }

    #[test]
    fn last_closed_day_right_after_a_dst_change() {
        let b = Europe::Berlin;
        // Run at 22:10 CEST on 29 Mar 2026 (20:10Z), start 22:01: the closed day began on 28 Mar
        // 22:01 CET (21:01Z) and ended 29 Mar 22:01 CEST (20:01Z): 23 h.
        let (day, w) = last_closed_business_day(b, t(22, 1), utc("2026-03-29T20:10:00Z"));
        assert_eq!(day, d(2026, 3, 28));
        assert_eq!(
            (w.start, w.end),
            (utc("2026-03-28T21:01:00Z"), utc("2026-03-29T20:01:00Z"))
        );
        assert_eq!(w.duration(), Duration::hours(23));
        // Autumn: 25 h.
        let (_, w) = last_closed_business_day(b, t(22, 1), utc("2026-10-25T21:10:00Z"));
        assert_eq!(
            (w.start, w.end),
            (utc("2026-10-24T20:01:00Z"), utc("2026-10-25T21:01:00Z"))
        );
        assert_eq!(w.duration(), Duration::hours(25));
    }

    proptest::proptest! {
        #[test]
        fn business_days_are_contiguous_and_about_a_day_long(
            days in 0i64..2000, h in 0u32..24, m in 0u32..60, zone in 0usize..4,
        ) {
            let tz = [Europe::Berlin, America::New_York, chrono_tz::Australia::Lord_Howe, Europe::Moscow][zone];
            let day = d(2022, 1, 1) + Duration::days(days);
            let a = business_day(tz, t(h, m), day);
            let b = business_day(tz, t(h, m), day.succ_opt().unwrap());
            proptest::prop_assert_eq!(a.end, b.start);
            let len = a.duration();
            proptest::prop_assert!(len >= Duration::hours(23) && len <= Duration::hours(25), "{len}");
            let inside = a.start + len / 2;
            proptest::prop_assert_eq!(business_day_containing(tz, t(h, m), inside), (day, a));
        }
    }
}
