//! [`RateLimiter`]: the request budget shared by every client of one account.
//!
//! Built on `governor` (GCRA), with a clock that reads tokio's time, so tests under
//! `tokio::time::pause()` run instantly and deterministically. The default burst is one request,
//! which spaces requests evenly: a server that counts requests per calendar second never sees more
//! than the rate.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter as Gcra};

use crate::error::ConfigError;

/// governor clock over tokio's (pausable) time.
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

impl GovernorClock for TokioClock {
    type Instant = Instant;

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

type Inner = Gcra<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Instant>>;

/// A shared request budget. Cloning shares the budget: give every client of one account the same
/// limiter.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use synkro_core::ratelimit::RateLimiter;
/// let limiter = RateLimiter::per_second(7.0)?;
/// let start = tokio::time::Instant::now();
/// for _ in 0..8 {
///     limiter.acquire().await;
/// }
/// // 8 requests: 7 gaps of 1/7 s (tokio timers round up to the millisecond).
/// let took = start.elapsed();
/// assert!(took >= std::time::Duration::from_secs(1) && took < std::time::Duration::from_millis(1010));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
    per_second: f64,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("per_second", &self.per_second)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// `rate` requests per second, evenly spaced (burst of one).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when `rate` is not a positive finite number.
    pub fn per_second(rate: f64) -> Result<Self, ConfigError> {
        Self::with_burst(rate, 1)
    }

    /// `rate` requests per second with up to `burst` at once.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when `rate` is not positive and finite, or `burst` is zero.
    pub fn with_burst(rate: f64, burst: u32) -> Result<Self, ConfigError> {
        if !(rate.is_finite() && rate > 0.0 && rate <= 1_000_000.0) {
            return Err(ConfigError::invalid(
                "rate_limit",
                format!("{rate} requests/s is not a positive rate"),
            ));
        }
        let burst = NonZeroU32::new(burst).ok_or_else(|| {
            ConfigError::invalid("rate_limit.burst", "the burst must be at least 1")
        })?;
        let period = Duration::from_secs_f64(1.0 / rate);
        let quota = Quota::with_period(period)
            .ok_or_else(|| ConfigError::invalid("rate_limit", "the rate is too high"))?
            .allow_burst(burst);
        Ok(Self {
            inner: Arc::new(Gcra::direct_with_clock(quota, TokioClock)),
            per_second: rate,
        })
    }

    /// The configured rate.
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.per_second
    }

    /// Waits until one request may be sent, then takes it from the budget.
    pub async fn acquire(&self) {
        loop {
            match self.inner.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(TokioClock.now());
                    tokio::time::sleep(wait.max(Duration::from_micros(50))).await;
                }
            }
        }
    }

    /// Takes one request from the budget if it is available now.
    #[must_use]
    pub fn try_acquire(&self) -> bool {
        self.inner.check().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_evenly_and_the_budget_is_shared() {
        let a = RateLimiter::per_second(4.0).unwrap();
        let b = a.clone();
        let start = tokio::time::Instant::now();
        let mut at = Vec::new();
        for i in 0..8 {
            if i % 2 == 0 {
                a.acquire().await
            } else {
                b.acquire().await
            }
            at.push(start.elapsed().as_millis());
        }
        assert_eq!(at, [0, 250, 500, 750, 1000, 1250, 1500, 1750]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_out_at_once_then_the_rate_holds() {
        let l = RateLimiter::with_burst(2.0, 3).unwrap();
        assert!(l.try_acquire() && l.try_acquire() && l.try_acquire());
        assert!(!l.try_acquire());
        let start = tokio::time::Instant::now();
        l.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[test]
    fn bad_rates_are_rejected_with_the_key() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = RateLimiter::per_second(rate).unwrap_err();
            assert!(err.to_string().contains("rate_limit"), "{err}");
        }
        assert!(RateLimiter::with_burst(1.0, 0).is_err());
    }
}
