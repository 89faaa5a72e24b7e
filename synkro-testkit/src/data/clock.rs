//! Time within the generated period: instants, working hours, manager reply delays.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use rand::RngExt;

use super::generator::Generator;

impl Generator<'_> {
    pub(super) fn at_fraction(&self, f: f64) -> DateTime<Utc> {
        let span = (self.spec.end - self.start).num_seconds() as f64;
        self.start + Duration::seconds((span * f.clamp(0.0, 1.0)) as i64)
    }

    pub(super) fn random_time(&mut self) -> DateTime<Utc> {
        let f: f64 = self.rng.random();
        self.at_fraction(f)
    }

    fn is_working(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.spec.timezone);
        let weekday = !matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
        weekday && (9..19).contains(&local.hour())
    }

    /// The next working-hours start at or after `t`.
    fn next_working_start(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let tz = self.spec.timezone;
        let mut day = t.with_timezone(&tz).date_naive();
        loop {
            let open = tz
                .from_local_datetime(
                    &day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
                )
                .earliest()
                .map(|x| x.with_timezone(&Utc));
            if let Some(open) = open {
                if open >= t && self.is_working(open) {
                    return open;
                }
                if open < t && self.is_working(t) {
                    return t;
                }
            }
            day = day.succ_opt().unwrap_or(day);
        }
    }

    /// A manager's reply delay after a client message at `t`: minutes in working hours (log-normal,
    /// median 8 min), else the next morning plus a few minutes.
    pub(super) fn reply_at(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        if self.is_working(t) {
            let (u1, u2): (f64, f64) = (self.rng.random_range(1e-9..1.0), self.rng.random());
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let minutes = (8f64.ln() + z).exp().min(240.0);
            t + Duration::seconds((minutes * 60.0) as i64 + 5)
        } else {
            let open = self.next_working_start(t);
            open + Duration::minutes(self.rng.random_range(3..90))
        }
    }
}
