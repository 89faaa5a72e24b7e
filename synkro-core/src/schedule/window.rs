use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::error::WindowError;
use crate::model::{TenantRuntimeConfig, Window};

/// Checks a window a user forced against the tenant's limits at `now`.
///
/// # Errors
/// - [`WindowError::EndBeforeStart`] when the end is not after the start;
/// - [`WindowError::InFuture`] when the end is after `now`;
/// - [`WindowError::TooLong`] when it is longer than `max_force_window_hours`;
/// - [`WindowError::TooOld`] when it starts more than `max_force_lookback_days` before `now`.
pub fn validate_forced_window(
    window: &Window,
    cfg: &TenantRuntimeConfig,
    now: DateTime<Utc>,
) -> Result<(), WindowError> {
    let Window { start, end } = *window;
    if end <= start {
        return Err(WindowError::EndBeforeStart { start, end });
    }
    if end > now {
        return Err(WindowError::InFuture { end, now });
    }
    let max = Duration::hours(i64::from(cfg.max_force_window_hours));
    if end - start > max {
        let secs = (end - start).num_seconds();
        return Err(WindowError::TooLong {
            hours: (secs + 3599) / 3600,
            max_hours: cfg.max_force_window_hours,
        });
    }
    let earliest = now - Duration::days(i64::from(cfg.max_force_lookback_days));
    if start < earliest {
        return Err(WindowError::TooOld {
            start,
            max_days: cfg.max_force_lookback_days,
            earliest,
        });
    }
    Ok(())
}

/// Checks a requested knowledge cut-off A (metrics.md C3) for a window at `now`: A may lie after
/// the window's end (items that start in the window then end with what happened up to A) or inside
/// the window, but not before its start, and not in the future (a re-run with the same A must give
/// the same numbers).
///
/// # Errors
/// - [`WindowError::AsOfBeforeStart`] when A is before the window's start;
/// - [`WindowError::AsOfInFuture`] when A is after `now`.
pub fn validate_as_of(
    window: &Window,
    as_of: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), WindowError> {
    if as_of < window.start {
        return Err(WindowError::AsOfBeforeStart {
            as_of,
            start: window.start,
        });
    }
    if as_of > now {
        return Err(WindowError::AsOfInFuture { as_of, now });
    }
    Ok(())
}

/// The local dates a window covers in `tz`: the date of its start and the date of its last
/// instant.
#[must_use]
pub fn period_dates(window: &Window, tz: Tz) -> (NaiveDate, NaiveDate) {
    let first = window.start.with_timezone(&tz).date_naive();
    let last = (window.end - Duration::microseconds(1))
        .with_timezone(&tz)
        .date_naive();
    (first, last.max(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn w(a: &str, b: &str) -> Window {
        Window {
            start: utc(a),
            end: utc(b),
        }
    }

    #[test]
    fn forced_windows_within_limits_pass() {
        let cfg = TenantRuntimeConfig::default(); // 24 h, 3 days
        let now = utc("2026-03-10T12:00:00Z");
        assert_eq!(
            validate_forced_window(
                &w("2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z"),
                &cfg,
                now
            ),
            Ok(())
        );
        assert_eq!(
            validate_forced_window(
                &w("2026-03-07T12:00:00Z", "2026-03-07T13:00:00Z"),
                &cfg,
                now
            ),
            Ok(())
        );
    }

    #[test]
    fn forced_windows_are_rejected_with_the_rule_they_break() {
        let cfg = TenantRuntimeConfig::default();
        let now = utc("2026-03-10T12:00:00Z");
        let e = validate_forced_window(
            &w("2026-03-09T10:00:00Z", "2026-03-09T09:00:00Z"),
            &cfg,
            now,
        );
        assert!(matches!(e, Err(WindowError::EndBeforeStart { .. })));
        let e = validate_forced_window(
            &w("2026-03-08T00:00:00Z", "2026-03-09T00:00:01Z"),
            &cfg,
            now,
        )
        .unwrap_err();
        assert_eq!(
            e,
            WindowError::TooLong {
                hours: 25,
                max_hours: 24
            }
        );
        assert!(
            e.to_string().contains("longer than the allowed 24 h"),
            "{e}"
        );
        let e = validate_forced_window(
            &w("2026-03-07T11:59:59Z", "2026-03-07T12:30:00Z"),
            &cfg,
            now,
        )
        .unwrap_err();
        assert_eq!(
            e,
            WindowError::TooOld {
                start: utc("2026-03-07T11:59:59Z"),
                max_days: 3,
                earliest: utc("2026-03-07T12:00:00Z")
            }
        );
        let e = validate_forced_window(
            &w("2026-03-10T11:00:00Z", "2026-03-10T12:00:01Z"),
            &cfg,
            now,
        );
        assert!(matches!(e, Err(WindowError::InFuture { .. })));
    }

    #[test]
    fn a_cut_off_may_follow_the_window_but_not_precede_it_or_lie_ahead() {
        let window = w("2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z");
        let now = utc("2026-03-10T12:00:00Z");
        for ok in [
            "2026-03-09T00:00:00Z",
            "2026-03-09T18:00:00Z",
            "2026-03-10T06:00:00Z",
            "2026-03-10T12:00:00Z",
        ] {
            assert_eq!(validate_as_of(&window, utc(ok), now), Ok(()), "{ok}");
        }
        assert_eq!(
            validate_as_of(&window, utc("2026-03-08T23:59:59Z"), now),
            Err(WindowError::AsOfBeforeStart {
                as_of: utc("2026-03-08T23:59:59Z"),
                start: utc("2026-03-09T00:00:00Z"),
            })
        );
        let e = validate_as_of(&window, utc("2026-03-10T12:00:01Z"), now).unwrap_err();
        assert_eq!(
            e,
            WindowError::AsOfInFuture {
                as_of: utc("2026-03-10T12:00:01Z"),
                now,
            }
        );
        assert!(
            e.to_string().contains("choose an instant in the past"),
            "{e}"
        );
    }

    #[test]
    fn period_dates_use_the_tenant_zone() {
        let m = chrono_tz::Europe::Moscow;
        assert_eq!(
            period_dates(&w("2026-03-09T19:01:00Z", "2026-03-10T19:01:00Z"), m),
            (
                NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
            )
        );
        assert_eq!(
            period_dates(&w("2026-03-09T21:00:00Z", "2026-03-10T21:00:00Z"), m),
            (
                NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
            )
        );
    }
}
