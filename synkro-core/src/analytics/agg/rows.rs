//! One breakdown's rows ([`RowTable`]), found through a direct mixed-radix index.

use rustc_hash::FxHashMap;

use super::key::{MAX_DIMS, RowKey};
use super::{Agg, Targets};

/// No row at a [`Dense`] position.
const NO_ROW: u32 = u32::MAX;

/// Most positions a [`Dense`] index may cover before its table falls back to hashing.
const DENSE_LIMIT: i64 = 1 << 22;

/// A direct index from projected keys to rows: every dimension value is a small integer (an
/// interned id, an hour, a day number), so the rows of a breakdown sit in a mixed-radix array
/// that grows to cover the values seen. A lookup is a few multiplications, not a hash.
#[derive(Debug, Clone, Default)]
struct Dense {
    /// Dimensions in use.
    n: usize,
    /// The lowest value covered, per dimension.
    lo: [i64; MAX_DIMS],
    /// How many values are covered, per dimension (0: nothing yet).
    cap: [i64; MAX_DIMS],
    /// Row per position, [`NO_ROW`] where none.
    rows: Vec<u32>,
}

impl Dense {
    #[inline]
    fn position(&self, k: &RowKey) -> Option<usize> {
        let mut p = 0i64;
        for ((v, lo), cap) in k.iter().zip(&self.lo).zip(&self.cap).take(self.n) {
            let c = v.wrapping_sub(*lo);
            if !(0..*cap).contains(&c) {
                return None;
            }
            p = p * cap + c;
        }
        Some(p as usize)
    }

    /// Covers `k` too; `false` when that would pass [`DENSE_LIMIT`].
    fn grow(&mut self, k: &RowKey, keys: &[RowKey]) -> bool {
        let (mut lo, mut cap) = (self.lo, self.cap);
        for i in 0..self.n {
            if cap[i] == 0 {
                (lo[i], cap[i]) = (k[i], 1);
                continue;
            }
            let hi = lo[i] + cap[i];
            if k[i] >= lo[i] && k[i] < hi {
                continue;
            }
            let need = hi.max(k[i] + 1) - lo[i].min(k[i]);
            let new = need.max(cap[i] * 2);
            lo[i] = if k[i] < lo[i] { hi - new } else { lo[i] };
            cap[i] = new;
        }
        let size = cap[..self.n]
            .iter()
            .try_fold(1i64, |a, c| a.checked_mul(*c).filter(|x| *x <= DENSE_LIMIT));
        let Some(size) = size else { return false };
        (self.lo, self.cap) = (lo, cap);
        self.rows = vec![NO_ROW; size as usize];
        for (r, key) in keys.iter().enumerate() {
            if let Some(p) = self.position(key) {
                self.rows[p] = r as u32;
            }
        }
        true
    }
}

/// One breakdown's rows: an aggregate per projected key, found through a direct index (or a
/// hash index when the key space is too wide for one); rows are put in key order only when
/// published.
#[derive(Debug, Clone)]
pub(crate) struct RowTable {
    dense: Dense,
    /// Used instead of `dense` once the key space outgrew it.
    hashed: Option<FxHashMap<RowKey, u32>>,
    pub(super) keys: Vec<RowKey>,
    pub(super) aggs: Vec<Agg>,
    /// Per row: the last [`Accumulator::apply_distinct`] call that reached it.
    pub(super) stamps: Vec<u64>,
}

impl RowTable {
    /// An empty table for keys of `n` dimensions.
    pub(super) fn new(n: usize) -> Self {
        Self {
            dense: Dense {
                n,
                ..Dense::default()
            },
            hashed: None,
            keys: Vec::new(),
            aggs: Vec::new(),
            stamps: Vec::new(),
        }
    }

    /// The index of the row of `k`, created empty for targets `t` when new.
    #[inline]
    pub(crate) fn index(&mut self, k: RowKey, t: &Targets) -> u32 {
        if self.hashed.is_none()
            && let Some(p) = self.dense.position(&k)
        {
            let r = self.dense.rows[p];
            if r != NO_ROW {
                return r;
            }
        }
        self.index_slow(k, t)
    }

    /// [`index`](Self::index) for a new row, a key outside the direct index, or a hashed table.
    #[cold]
    #[inline(never)]
    fn index_slow(&mut self, k: RowKey, t: &Targets) -> u32 {
        if self.hashed.is_none() {
            let r = self.push(k, t);
            match self.dense.position(&k) {
                Some(p) => self.dense.rows[p] = r,
                None => {
                    if !self.dense.grow(&k, &self.keys) {
                        let map = self.keys.iter().enumerate().map(|(i, k)| (*k, i as u32));
                        self.hashed = Some(map.collect());
                        self.dense.rows = Vec::new();
                    }
                }
            }
            return r;
        }
        if let Some(r) = self.hashed.as_ref().and_then(|h| h.get(&k)) {
            return *r;
        }
        let r = self.push(k, t);
        if let Some(h) = self.hashed.as_mut() {
            h.insert(k, r);
        }
        r
    }

    fn push(&mut self, k: RowKey, t: &Targets) -> u32 {
        self.keys.push(k);
        self.aggs.push(Agg::new(t));
        self.stamps.push(0);
        (self.aggs.len() - 1) as u32
    }

    /// The row of `k`, created empty for targets `t` when new.
    pub(crate) fn row(&mut self, k: RowKey, t: &Targets) -> &mut Agg {
        let i = self.index(k, t);
        &mut self.aggs[i as usize]
    }

    /// The rows in key order.
    #[must_use]
    pub(crate) fn sorted(&self) -> Vec<(&RowKey, &Agg)> {
        let mut rows: Vec<_> = self.keys.iter().zip(&self.aggs).collect();
        rows.sort_unstable_by_key(|(k, _)| **k);
        rows
    }

    /// The rows in key order, mutable.
    pub(crate) fn sorted_mut(&mut self) -> Vec<(&RowKey, &mut Agg)> {
        let mut rows: Vec<_> = self.keys.iter().zip(&mut self.aggs).collect();
        rows.sort_unstable_by_key(|(k, _)| **k);
        rows
    }

    /// The rows, in no particular order.
    pub(crate) fn into_rows(self) -> impl Iterator<Item = (RowKey, Agg)> {
        self.keys.into_iter().zip(self.aggs)
    }

    /// An empty table with the same dimensions.
    pub(crate) fn emptied(&self) -> Self {
        Self::new(self.dense.n)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    /// Keys of `n` dimensions drawn from narrow ranges (a day number near 739 000, small ids and
    /// hours) and, now and then, from far apart values that outgrow the direct index.
    fn keys(n: usize) -> impl Strategy<Value = Vec<RowKey>> {
        let value = prop_oneof![
            8 => 0i64..30,
            4 => 739_000i64..739_040,
            1 => any::<i32>().prop_map(i64::from),
        ];
        proptest::collection::vec(proptest::collection::vec(value, n), 1..300).prop_map(move |ks| {
            ks.into_iter()
                .map(|v| {
                    let mut k = [i64::MIN; MAX_DIMS];
                    k[..v.len()].copy_from_slice(&v);
                    k
                })
                .collect()
        })
    }

    proptest! {
        /// Every key keeps one row, distinct keys get distinct rows, whether the table indexes
        /// them directly or (once the values spread too far) by hashing.
        #[test]
        fn row_table_gives_each_key_one_row((n, ks) in (1usize..=MAX_DIMS).prop_flat_map(|n| (Just(n), keys(n)))) {
            let t = Targets::default();
            let mut table = RowTable::new(n);
            let mut expected: HashMap<RowKey, u32> = HashMap::new();
            for k in &ks {
                let r = table.index(*k, &t);
                let want = *expected.entry(*k).or_insert(r);
                prop_assert_eq!(r, want, "key {:?}", k);
            }
            prop_assert_eq!(table.keys.len(), expected.len());
            // Asking again after every growth still finds the same rows.
            for (k, r) in &expected {
                prop_assert_eq!(table.index(*k, &t), *r);
            }
        }
    }

    #[test]
    fn wide_keys_fall_back_to_hashing() {
        let t = Targets::default();
        let mut table = RowTable::new(2);
        let a = [0, 0, i64::MIN, i64::MIN];
        let b = [5_000_000, 5_000_000, i64::MIN, i64::MIN];
        let (ra, rb) = (table.index(a, &t), table.index(b, &t));
        assert!(table.hashed.is_some(), "a 5 M × 5 M space is hashed");
        assert_eq!((ra, rb), (0, 1));
        assert_eq!((table.index(a, &t), table.index(b, &t)), (0, 1));
        assert_eq!(table.emptied().dense.n, 2);
    }
}
