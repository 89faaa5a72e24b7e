//! DDSketch with exactly the mapping, rank rule and clamping of metrics.md §5.4 (α = 0.01).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The relative accuracy α of §5.4; the only value `sketch_alpha` (§7) accepts.
pub const ALPHA: f64 = 0.01;

/// γ = (1 + α)/(1 − α) for α = 0.01.
pub const GAMMA: f64 = 101.0 / 99.0;

/// A mergeable quantile sketch of non-negative values in seconds, relative accuracy 1 %.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DdSketch {
    /// Number of values.
    pub n: u64,
    /// Sum of the values.
    pub sum: f64,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Values equal to 0.
    pub zero: u64,
    /// Bucket index → count.
    pub buckets: BTreeMap<i32, u64>,
}

/// The bucket index of a positive value: ⌈ln x / ln γ⌉.
#[must_use]
pub fn bucket_index(x: f64) -> i32 {
    (x.ln() / GAMMA.ln()).ceil() as i32
}

/// The representative value of bucket `i`: 2γⁱ/(γ + 1).
#[must_use]
pub fn bucket_value(i: i32) -> f64 {
    2.0 * GAMMA.powi(i) / (GAMMA + 1.0)
}

impl DdSketch {
    /// Adds a value (negative values count as 0).
    pub fn add(&mut self, x: f64) {
        let x = x.max(0.0);
        self.n += 1;
        self.sum += x;
        self.min = Some(self.min.map_or(x, |m| m.min(x)));
        self.max = Some(self.max.map_or(x, |m| m.max(x)));
        if x == 0.0 {
            self.zero += 1;
        } else {
            *self.buckets.entry(bucket_index(x)).or_insert(0) += 1;
        }
    }

    /// Adds another sketch.
    pub fn merge(&mut self, o: &Self) {
        self.n += o.n;
        self.sum += o.sum;
        self.zero += o.zero;
        self.min = match (self.min, o.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, o.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (i, c) in &o.buckets {
            *self.buckets.entry(*i).or_insert(0) += c;
        }
    }

    /// The quantile at level `k` per mille, clamped to [min, max]; `None` when empty.
    #[must_use]
    pub fn quantile(&self, k: u32) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let r = (u64::from(k) * self.n).div_ceil(1000).max(1);
        let (lo, hi) = (self.min.unwrap_or(0.0), self.max.unwrap_or(0.0));
        if self.zero >= r {
            return Some(0.0_f64.clamp(lo, hi));
        }
        let mut acc = self.zero;
        for (i, c) in &self.buckets {
            acc += c;
            if acc >= r {
                return Some(bucket_value(*i).clamp(lo, hi));
            }
        }
        Some(hi)
    }

    /// The mean (exact: sum / n).
    #[must_use]
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= b.abs() * 1e-9
    }

    #[test]
    fn e12_sketch() {
        let input = [
            600.0, 30.0, 7200.0, 120.0, 45.0, 1500.0, 90.0, 240.0, 60.0, 180.0,
        ];
        let mut sorted = input;
        sorted.sort_by(f64::total_cmp);
        let idx: Vec<i32> = sorted.iter().map(|x| bucket_index(*x)).collect();
        assert_eq!(idx, vec![171, 191, 205, 225, 240, 260, 275, 320, 366, 445]);
        let mut all = DdSketch::default();
        input.iter().for_each(|x| all.add(*x));
        assert!(close(all.quantile(500).unwrap(), 120.3145632886));
        assert!(close(all.quantile(700).unwrap(), 242.2894312640));
        assert!(close(all.quantile(900).unwrap(), 1495.4668013415));
        assert!(close(bucket_value(445), 7260.8076530969));
        assert_eq!(all.quantile(950), Some(7200.0));
        let (mut a, mut b) = (DdSketch::default(), DdSketch::default());
        input[..5].iter().for_each(|x| a.add(*x));
        input[5..].iter().for_each(|x| b.add(*x));
        a.merge(&b);
        assert_eq!(a.buckets, all.buckets);
        assert_eq!(
            (a.n, a.sum, a.min, a.max),
            (10, 10_065.0, Some(30.0), Some(7200.0))
        );
        let mut z = DdSketch::default();
        [0.0, 0.0, 0.0, 120.0, 300.0].iter().for_each(|x| z.add(*x));
        assert_eq!(z.quantile(500), Some(0.0));
        assert!(close(bucket_value(286), 301.9134365219));
        assert_eq!(bucket_index(300.0), 286);
        assert_eq!(z.quantile(900), Some(300.0));
        assert_eq!(DdSketch::default().quantile(500), None);
    }
}
