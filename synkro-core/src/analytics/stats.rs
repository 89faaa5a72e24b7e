//! Exact nearest-rank percentiles (metrics.md §5.2), duration summaries (§5.1) and SLA counters
//! (§3.3), all mergeable.

use serde::{Deserialize, Serialize};

use crate::analytics::sketch::DdSketch;

/// Nearest-rank percentile of sorted values at level `k` per mille (1 ≤ k ≤ 1000), in integer
/// arithmetic; `None` for no values.
#[must_use]
pub fn percentile_sorted<T: Copy>(sorted: &[T], k: u32) -> Option<T> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // (k·n + 999) div 1000 in integers (§5.2).
    let r = (k as usize * n).div_ceil(1000).clamp(1, n);
    Some(sorted[r - 1])
}

/// SLA classification of one item against one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    /// Within the target.
    Hit,
    /// Beyond the target.
    Miss,
    /// Open and not yet beyond the target.
    Pending,
    /// Ended without a reply within the target: not in the denominator.
    Excluded,
}

/// SLA counters for one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaCounts {
    /// Target in seconds.
    pub target_s: i64,
    /// Hits.
    pub hits: u64,
    /// Misses.
    pub misses: u64,
    /// Pending.
    pub pending: u64,
    /// Excluded.
    pub excluded: u64,
}

impl SlaCounts {
    /// Counters for a target.
    #[must_use]
    pub fn new(target_s: i64) -> Self {
        Self {
            target_s,
            ..Self::default()
        }
    }

    /// Counts one status.
    pub fn add(&mut self, s: SlaStatus) {
        match s {
            SlaStatus::Hit => self.hits += 1,
            SlaStatus::Miss => self.misses += 1,
            SlaStatus::Pending => self.pending += 1,
            SlaStatus::Excluded => self.excluded += 1,
        }
    }

    /// Adds another counter of the same target.
    pub fn merge(&mut self, o: &Self) {
        self.hits += o.hits;
        self.misses += o.misses;
        self.pending += o.pending;
        self.excluded += o.excluded;
    }

    /// hits / (hits + misses); `None` for an empty denominator (C6).
    #[must_use]
    pub fn hit_rate(&self) -> Option<f64> {
        let d = self.hits + self.misses;
        (d > 0).then(|| self.hits as f64 / d as f64)
    }
}

/// The classification of §3.3 for an item with a measure (duration or age) in microseconds.
#[must_use]
pub fn classify(measure_us: i64, target_s: i64, state: ItemState) -> SlaStatus {
    let over = measure_us > target_s * 1_000_000;
    match state {
        ItemState::Answered => {
            if over {
                SlaStatus::Miss
            } else {
                SlaStatus::Hit
            }
        }
        ItemState::Open => {
            if over {
                SlaStatus::Miss
            } else {
                SlaStatus::Pending
            }
        }
        ItemState::EndedUnanswered => {
            if over {
                SlaStatus::Miss
            } else {
                SlaStatus::Excluded
            }
        }
    }
}

/// The state of a wait-like item for SLA purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Answered / touched / called back.
    Answered,
    /// Still open at A.
    Open,
    /// Closed, expired or otherwise ended without an answer.
    EndedUnanswered,
}

/// A mergeable set of durations: exact values (for exact percentiles) plus a DDSketch (for
/// stored rollups).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Durations {
    values: Vec<i64>,
    sum: i128,
}

impl Durations {
    /// Adds a value in microseconds.
    pub fn push(&mut self, us: i64) {
        // Rows collect thousands of values: grow fourfold from 32 rather than doubling from 4,
        // for a quarter of the reallocations.
        if self.values.len() == self.values.capacity() {
            self.values.reserve(self.values.len().max(32) * 3);
        }
        self.values.push(us);
        self.sum += i128::from(us);
    }

    /// Makes room for `additional` more values.
    pub fn reserve(&mut self, additional: usize) {
        self.values.reserve(additional);
    }

    /// The values in microseconds, in no particular order.
    #[must_use]
    pub fn values(&self) -> &[i64] {
        &self.values
    }

    /// Number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Adds all values of `o`.
    pub fn merge(&mut self, o: &Self) {
        self.values.extend_from_slice(&o.values);
        self.sum += o.sum;
    }

    /// Counts per bucket: values ≤ `bounds[i]` seconds (and above the previous bound), then the
    /// values above the last bound.
    #[must_use]
    pub fn histogram(&self, bounds: &[i64]) -> Vec<u64> {
        let mut out = vec![0; bounds.len() + 1];
        for v in &self.values {
            let i = bounds.partition_point(|b| b * 1_000_000 < *v);
            out[i] += 1;
        }
        out
    }

    /// The DDSketch of the values in seconds (for stored rollups, §5.4).
    #[must_use]
    pub fn sketch(&self) -> DdSketch {
        let mut s = DdSketch::default();
        for v in &self.values {
            s.add(*v as f64 / 1e6);
        }
        s
    }

    /// The §5.1 statistics (seconds) at the given per-mille levels.
    ///
    /// Exact nearest-rank values found by selection (linear time per level) on a copy, rather
    /// than by sorting every value.
    #[must_use]
    pub fn summary(&self, levels: &[u32]) -> Stats {
        let mut copy = self.values.clone();
        stats_of(&mut copy, self.sum, levels)
    }

    /// [`summary`](Self::summary) without the copy: the selection reorders the stored values
    /// (the set, its sum and every statistic stay the same).
    pub fn summary_in_place(&mut self, levels: &[u32]) -> Stats {
        stats_of(&mut self.values, self.sum, levels)
    }
}

fn stats_of(values: &mut [i64], sum: i128, levels: &[u32]) -> Stats {
    let s = |us: i64| us as f64 / 1e6;
    let n = values.len();
    let max = values.iter().max().copied();
    let at = select_ranks(values, [500, 900].iter().chain(levels).copied());
    let value = |k: u32| at.iter().find(|(l, _)| *l == k).map(|(_, v)| s(*v));
    Stats {
        n: n as u64,
        mean: (n > 0).then(|| sum as f64 / n as f64 / 1e6),
        p50: value(500),
        p90: value(900),
        max: max.map(s),
        percentiles: levels
            .iter()
            .filter_map(|&k| value(k).map(|x| (k, x)))
            .collect(),
        sum: s(i64::try_from(sum).unwrap_or(i64::MAX)),
    }
}

/// The nearest-rank value (§5.2) at each per-mille level, found by successive selections in
/// `v`: each level's rank splits it, and the next (higher) rank is searched only above it. Empty
/// for no values.
fn select_ranks(v: &mut [i64], levels: impl Iterator<Item = u32>) -> Vec<(u32, i64)> {
    let n = v.len();
    if n == 0 {
        return Vec::new();
    }
    let mut wanted: Vec<(usize, u32)> = levels
        .map(|k| ((k as usize * n).div_ceil(1000).clamp(1, n) - 1, k))
        .collect();
    wanted.sort_unstable();
    let mut out = Vec::with_capacity(wanted.len());
    let mut lo = 0;
    for (idx, k) in wanted {
        if idx >= lo {
            v[lo..].select_nth_unstable(idx - lo);
            lo = idx + 1;
        }
        out.push((k, v[idx]));
    }
    out
}

/// Statistics of a duration set in seconds (§5.1). `null` fields mean no values (C6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Number of values.
    pub n: u64,
    /// Sum of the values.
    pub sum: f64,
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Nearest-rank median.
    pub p50: Option<f64>,
    /// Nearest-rank 90th percentile.
    pub p90: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Extra levels (per mille → value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub percentiles: Vec<(u32, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e12_exact_percentiles() {
        let mut d = Durations::default();
        for v in [600, 30, 7200, 120, 45, 1500, 90, 240, 60, 180] {
            d.push(v * 1_000_000);
        }
        let s = d.summary(&[100, 250, 700, 750, 950, 990, 1000]);
        assert_eq!(s.n, 10);
        assert_eq!(s.mean, Some(1006.5));
        assert_eq!(
            (s.p50, s.p90, s.max),
            (Some(120.0), Some(1500.0), Some(7200.0))
        );
        assert_eq!(
            s.percentiles,
            vec![
                (100, 30.0),
                (250, 60.0),
                (700, 240.0),
                (750, 600.0),
                (950, 7200.0),
                (990, 7200.0),
                (1000, 7200.0)
            ]
        );
        let mut sla = SlaCounts::new(900);
        for v in [600, 30, 7200, 120, 45, 1500, 90, 240, 60, 180] {
            sla.add(classify(v * 1_000_000, 900, ItemState::Answered));
        }
        assert_eq!((sla.hits, sla.misses, sla.hit_rate()), (8, 2, Some(0.8)));
    }

    #[test]
    fn integer_rank_avoids_the_floating_point_trap() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile_sorted(&v, 550), Some(55));
        assert_eq!(percentile_sorted::<u32>(&[], 500), None);
        assert_eq!(percentile_sorted(&[7], 1), Some(7));
        assert_eq!(SlaCounts::new(900).hit_rate(), None);
        assert_eq!(Durations::default().summary(&[]).mean, None);
    }

    proptest::proptest! {
        #[test]
        fn selected_ranks_are_the_sorted_nearest_ranks(
            vals in proptest::collection::vec(-5i64..50, 1..200),
            levels in proptest::collection::vec(1u32..=1000, 0..6),
        ) {
            let mut d = Durations::default();
            vals.iter().for_each(|v| d.push(*v));
            let s = d.summary(&levels);
            let mut in_place = d.clone();
            proptest::prop_assert_eq!(&in_place.summary_in_place(&levels), &s);
            let mut sorted = vals.clone();
            sorted.sort_unstable();
            let sec = |v: i64| v as f64 / 1e6;
            proptest::prop_assert_eq!(s.p50, percentile_sorted(&sorted, 500).map(sec));
            proptest::prop_assert_eq!(s.p90, percentile_sorted(&sorted, 900).map(sec));
            proptest::prop_assert_eq!(s.max, sorted.last().copied().map(sec));
            let want: Vec<(u32, f64)> = levels
                .iter()
                .map(|&k| (k, sec(percentile_sorted(&sorted, k).unwrap_or_default())))
                .collect();
            proptest::prop_assert_eq!(s.percentiles, want);
        }

        #[test]
        fn splitting_and_merging_gives_the_same_counts_and_percentiles(
            vals in proptest::collection::vec(0i64..2_000_000, 1..300), cut in 0usize..300,
        ) {
            let cut = cut.min(vals.len());
            let (mut whole, mut a, mut b) = (Durations::default(), Durations::default(), Durations::default());
            for (i, v) in vals.iter().enumerate() {
                whole.push(v * 1_000_000);
                if i < cut { a.push(v * 1_000_000) } else { b.push(v * 1_000_000) }
            }
            let a0 = a.clone();
            a.merge(&b);
            let (sw, sm) = (whole.summary(&[]), a.summary(&[]));
            proptest::prop_assert_eq!(&sw, &sm);
            let (mut sa, sb) = (a0.sketch(), b.sketch());
            sa.merge(&sb);
            proptest::prop_assert_eq!(&sa.buckets, &whole.sketch().buckets);
            proptest::prop_assert_eq!((sa.n, sa.min, sa.max), (whole.sketch().n, whole.sketch().min, whole.sketch().max));
            for k in [500, 900, 990] {
                let mut v = vals.clone();
                v.sort_unstable();
                let exact = percentile_sorted(&v, k).unwrap() as f64;
                let approx = a.sketch().quantile(k).unwrap();
                proptest::prop_assert!((approx - exact).abs() <= exact * 0.01 + 1e-9, "{} vs {}", approx, exact);
            }
        }
    }
}
