//! [`RetryPolicy`]: how adapters and the run queue retry, with exponential backoff, equal jitter,
//! `Retry-After` honoured, and a total budget. No HTTP types: adapters pass the header's text.
//!
//! The backoff formula is runs.md §3's: `nominal(n) = min(cap, base · 2^(n−1))`;
//! `delay(n) = nominal/2 + uniform(0, nominal/2)`; a `Retry-After` raises it, up to
//! `max_retry_after`. A hand-written formula rather than a backoff crate, because the queue needs
//! the same numbers the spec pins, and they fit in ten lines.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The first nominal delay.
    pub base: Duration,
    /// The largest nominal delay.
    pub cap: Duration,
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// The longest `Retry-After` waited for inline; a longer one ends the retries.
    pub max_retry_after: Duration,
    /// Total time budget across attempts and waits.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    /// Request-level defaults: 5 attempts, 500 ms base, 30 s cap, `Retry-After` up to 60 s, 2 minutes
    /// in all.
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            max_attempts: 5,
            max_retry_after: Duration::from_secs(60),
            budget: Duration::from_secs(120),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Stop: attempts or budget are spent, or the server asked for a longer wait than allowed.
    GiveUp,
}

impl RetryPolicy {
    /// A policy with millisecond delays, for tests against real sockets.
    #[must_use]
    pub fn fast() -> Self {
        Self {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(20),
            max_attempts: 5,
            max_retry_after: Duration::from_secs(5),
            budget: Duration::from_secs(10),
        }
    }

    /// Sets the number of attempts.
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The nominal delay after failed attempt `n` (1-based).
    #[must_use]
    pub fn nominal(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        self.base.saturating_mul(1u32 << exp).min(self.cap)
    }

    /// The jittered delay after failed attempt `n`, from a uniform sample `u` in `[0, 1)`:
    /// `nominal/2 + u · nominal/2`.
    #[must_use]
    pub fn delay(&self, attempt: u32, u: f64) -> Duration {
        let nominal = self.nominal(attempt);
        let half = nominal / 2;
        half + half.mul_f64(u.clamp(0.0, 1.0))
    }

    /// Decides after failed attempt `attempt` (1-based), `elapsed` since the first attempt, with
    /// the server's `retry_after` if it sent one and a uniform sample `u` for the jitter.
    #[must_use]
    pub fn decide(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        u: f64,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        if retry_after.is_some_and(|r| r > self.max_retry_after) {
            return RetryDecision::GiveUp;
        }
        let wait =
            retry_after.map_or_else(|| self.delay(attempt, u), |r| r.max(self.delay(attempt, u)));
        if elapsed + wait > self.budget {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(wait)
    }
}

/// Parses a `Retry-After` value: delta seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), relative to `now`. A date in the past is zero; anything else
/// is `None`.
#[must_use]
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_run_level_schedule_matches_the_spec() {
        let p = RetryPolicy {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(3600),
            ..RetryPolicy::default()
        };
        let mins = |a| (p.delay(a, 0.0).as_secs(), p.delay(a, 0.999_999).as_secs());
        assert_eq!(mins(1), (15, 29));
        assert_eq!(mins(2), (30, 59));
        assert_eq!(mins(3), (60, 119));
        assert_eq!(mins(4), (120, 239));
        assert_eq!(p.nominal(30), Duration::from_secs(3600));
    }

    #[test]
    fn retry_after_raises_the_delay_and_too_long_a_wait_gives_up() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(1, Duration::ZERO, Some(Duration::from_secs(7)), 0.0),
            RetryDecision::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(
            p.decide(1, Duration::ZERO, Some(Duration::from_secs(61)), 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(5, Duration::ZERO, None, 0.0),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(
                1,
                Duration::from_secs(119),
                Some(Duration::from_secs(5)),
                0.0
            ),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now: DateTime<Utc> = "2015-10-21T07:27:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    proptest! {
        #[test]
        fn delays_stay_within_half_and_full_nominal(attempt in 1u32..40, u in 0.0f64..1.0) {
            let p = RetryPolicy::default();
            let d = p.delay(attempt, u);
            prop_assert!(d >= p.nominal(attempt) / 2 && d <= p.nominal(attempt));
        }
    }
}
