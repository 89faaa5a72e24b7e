//! The totals and every breakdown's rows of a report ([`Accumulator`]).

use super::key::{Key, MAX_DIMS, N_DIMS, RowKey};
use super::rows::RowTable;
use super::{Agg, Targets};
use crate::analytics::config::Dimension;

/// A breakdown table whose rows are folded from a finer table's at publication.
#[derive(Debug, Clone, Copy)]
struct Derived {
    /// The finer table.
    from: usize,
    /// Where each of this table's dimensions sits in the finer table's keys.
    at: [usize; MAX_DIMS],
}

/// The report filter (metrics.md §6) on key values: per filtered dimension (by its
/// discriminant, as the key's values are indexed), the values it keeps. Dimensions combine with
/// AND, values of one dimension with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    dims: Vec<(usize, Vec<i64>)>,
}

impl Filter {
    /// A filter keeping, for each `(dimension, values)`, the keys with one of those values.
    #[must_use]
    pub fn new(dims: impl IntoIterator<Item = (Dimension, Vec<i64>)>) -> Self {
        Self {
            dims: dims.into_iter().map(|(d, v)| (d as usize, v)).collect(),
        }
    }

    /// Whether a key passes.
    #[inline]
    #[must_use]
    pub fn matches(&self, key: &Key) -> bool {
        let values = key.values();
        self.dims.iter().all(|(d, vs)| vs.contains(&values[*d]))
    }
}

/// Totals plus one table per configured breakdown.
///
/// Every item reaches the totals and one row of every table, so the totals and a table whose
/// dimensions are a subset of another's (`[hour]` beside `[weekday, hour]`) are not written item
/// by item: [`fold`](Self::fold) adds the finer rows into them once, before publication. Only the
/// distinct measures ([`apply_distinct`](Self::apply_distinct)) are written into every table and
/// the totals directly, since a distinct count cannot be summed.
///
/// Breakdowns over the same kind of dimension are also combined into one internal table that
/// none of them publishes, when that table has at most [`MAX_DIMS`] dimensions and replaces two
/// or more written tables: one over the time dimensions (`day`, `hour`, `weekday`) the
/// time-only breakdowns use, one over the other dimensions the remaining single-kind breakdowns
/// use. With the default breakdowns an item is written into two rows (`[manager, channel,
/// pipeline]` and `[day, hour, weekday]`) instead of five; the six breakdowns and the totals
/// are folded from them. Time and other dimensions are not mixed, so a combined table has at
/// most a row per hour of the period, or per combination of managers, channels, pipelines
/// and the like that items actually had.
#[derive(Debug, Clone)]
pub struct Accumulator {
    pub(crate) targets: Targets,
    pub(crate) totals: Agg,
    pub(crate) dims: Vec<Vec<Dimension>>,
    pub(crate) rows: Vec<RowTable>,
    /// The current [`apply_distinct`](Self::apply_distinct) call's mark on the rows it reached.
    stamp: u64,
    /// Per table: the finer table it is folded from, until [`fold`](Self::fold).
    derived: Vec<Option<Derived>>,
    /// The table the totals are folded from, until [`fold`](Self::fold).
    totals_from: Option<usize>,
    /// Per table: a bit per [`Dimension`] it has (as [`Key::differs`] reports them).
    masks: Vec<u16>,
    /// Reused buffer of [`apply_distinct`](Self::apply_distinct): where each key differs from
    /// the one before.
    changes: Vec<u16>,
    /// The configured breakdowns come first in `dims` and `rows`; the combined tables after
    /// them, until [`fold`](Self::fold) drops them.
    configured: usize,
    /// The report filter; `None`: every item is added.
    filter: Option<Filter>,
    /// Reused buffer of [`apply_distinct`](Self::apply_distinct) under a filter: the keys that
    /// pass.
    kept: Vec<Key>,
}

/// The combined tables worth writing instead of the configured ones (see [`Accumulator`]): per
/// kind of dimension, the union of the single-kind breakdowns' dimensions, when it has at most
/// [`MAX_DIMS`] dimensions, is no configured breakdown's set, and covers two or more
/// breakdowns that no other breakdown covers.
fn combined(dims: &[Vec<Dimension>]) -> Vec<Vec<Dimension>> {
    use Dimension as D;
    let is_time = |d: &Dimension| matches!(d, D::Day | D::Hour | D::Weekday);
    let covers = |a: &[Dimension], b: &[Dimension]| b.iter().all(|d| a.contains(d));
    let same = |a: &[Dimension], b: &[Dimension]| covers(a, b) && covers(b, a);
    let mut out = Vec::new();
    for time in [true, false] {
        let members: Vec<&Vec<Dimension>> = dims
            .iter()
            .filter(|d| d.iter().all(|x| is_time(x) == time))
            .collect();
        // Members no other breakdown covers: each would be written item by item.
        let written = members
            .iter()
            .enumerate()
            .filter(|(i, m)| {
                !dims.iter().any(|o| {
                    !same(o, m) && covers(o, m) || same(o, m) && members[..*i].contains(&o)
                })
            })
            .count();
        let mut union: Vec<Dimension> = Vec::new();
        for d in members.iter().flat_map(|m| m.iter()) {
            if !union.contains(d) {
                union.push(*d);
            }
        }
        if written >= 2 && union.len() <= MAX_DIMS && !dims.iter().any(|d| same(d, &union)) {
            out.push(union);
        }
    }
    out
}

/// Adds the duration counts of `agg` ([`Agg::lens`]) to `need`.
fn add_lens(need: &mut [[usize; 2]; 8], agg: &Agg) {
    for (n, [cal, bus]) in need.iter_mut().zip(agg.lens()) {
        n[0] += cal;
        n[1] += bus;
    }
}

impl Accumulator {
    /// An empty accumulator.
    #[must_use]
    pub fn new(targets: Targets, configured: Vec<Vec<Dimension>>) -> Self {
        let n_configured = configured.len();
        let mut dims = configured;
        let extra = combined(&dims);
        dims.extend(extra);
        // `finer(j, i)`: table j has every dimension of table i and more, or the same set and
        // comes first. Tables with nothing finer are written directly; the others are folded
        // from one of those (never from another folded table).
        let covers = |j: usize, i: usize| dims[i].iter().all(|d| dims[j].contains(d));
        let finer = |j: usize, i: usize| j != i && covers(j, i) && (!covers(i, j) || j < i);
        let direct: Vec<bool> = (0..dims.len())
            .map(|i| !(0..dims.len()).any(|j| finer(j, i)))
            .collect();
        let mut derived: Vec<Option<Derived>> = vec![None; dims.len()];
        for i in 0..dims.len() {
            let source = (0..dims.len()).find(|&j| direct[j] && !direct[i] && covers(j, i));
            derived[i] = source.map(|j| {
                let mut at = [0; MAX_DIMS];
                for (slot, d) in at.iter_mut().zip(&dims[i]) {
                    *slot = dims[j].iter().position(|x| x == d).unwrap_or(0);
                }
                Derived { from: j, at }
            });
        }
        // The totals come from the directly written table with the fewest dimensions.
        let totals_from = (0..dims.len())
            .filter(|&j| derived[j].is_none())
            .min_by_key(|&j| dims[j].len());
        Self {
            totals: Agg::new(&targets),
            targets,
            rows: dims.iter().map(|d| RowTable::new(d.len())).collect(),
            masks: dims
                .iter()
                .map(|d| d.iter().fold(0, |m, x| m | (1 << *x as u16)))
                .collect(),
            changes: Vec::new(),
            configured: n_configured,
            filter: None,
            kept: Vec::new(),
            dims,
            stamp: 0,
            derived,
            totals_from,
        }
    }

    /// Adds the rows of the finer tables into the totals and the tables derived from them (see
    /// the type's docs); from then on every table and the totals are written directly. Call once
    /// all items are in and before reading any row; calling it again does nothing.
    pub fn fold(&mut self) {
        for i in 0..self.rows.len() {
            let Some(Derived { from, at }) = self.derived[i].take() else {
                continue;
            };
            let n = self.dims[i].len();
            let (source, table) = if from < i {
                let (a, b) = self.rows.split_at_mut(i);
                (&a[from], &mut b[0])
            } else {
                let (a, b) = self.rows.split_at_mut(from);
                (&b[0], &mut a[i])
            };
            let kept: Vec<(u64, u64)> = table
                .aggs
                .iter()
                .map(|a| (a.active, a.participation))
                .collect();
            // Each source row's row here, and the values each of those receives: room is made
            // once, so every value is copied once.
            let mut to = Vec::with_capacity(source.keys.len());
            let mut need: Vec<[[usize; 2]; 8]> = Vec::new();
            for (k, agg) in source.keys.iter().zip(&source.aggs) {
                let mut key = [i64::MIN; MAX_DIMS];
                for (slot, pos) in key.iter_mut().zip(&at).take(n) {
                    *slot = k[*pos];
                }
                let r = table.index(key, &self.targets) as usize;
                if need.len() <= r {
                    need.resize(r + 1, [[0; 2]; 8]);
                }
                add_lens(&mut need[r], agg);
                to.push(r);
            }
            for (agg, lens) in table.aggs.iter_mut().zip(&need) {
                agg.reserve(lens);
            }
            for (r, agg) in to.into_iter().zip(&source.aggs) {
                table.aggs[r].merge(agg);
            }
            for (r, agg) in table.aggs.iter_mut().enumerate() {
                (agg.active, agg.participation) = kept.get(r).copied().unwrap_or((0, 0));
            }
        }
        if let Some(from) = self.totals_from.take() {
            let kept = (self.totals.active, self.totals.participation);
            let mut need = [[0; 2]; 8];
            for agg in &self.rows[from].aggs {
                add_lens(&mut need, agg);
            }
            self.totals.reserve(&need);
            for agg in &self.rows[from].aggs {
                self.totals.merge(agg);
            }
            (self.totals.active, self.totals.participation) = kept;
        }
        // The combined tables have served: from now on only the breakdowns are written.
        self.rows.truncate(self.configured);
        self.dims.truncate(self.configured);
        self.derived.truncate(self.configured);
        self.masks.truncate(self.configured);
    }

    /// The row key of `dims` from a key's [`values`](Key::values).
    fn project(dims: &[Dimension], values: &[i64; N_DIMS]) -> RowKey {
        let mut out = [i64::MIN; MAX_DIMS];
        for (o, d) in out.iter_mut().zip(dims) {
            *o = values[*d as usize];
        }
        out
    }

    /// Sets the report filter: from then on [`apply`](Self::apply) and
    /// [`apply_distinct`](Self::apply_distinct) add only the keys it passes.
    pub fn set_filter(&mut self, filter: Filter) {
        self.filter = Some(filter);
    }

    /// Whether a report filter is set (without one, [`selects`](Self::selects) passes every
    /// key, so a caller can skip building a key only the filter would read).
    pub fn is_filtered(&self) -> bool {
        self.filter.is_some()
    }

    /// Whether the report filter passes `key` (always, without a filter).
    #[must_use]
    pub fn selects(&self, key: &Key) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(key))
    }

    /// Applies `f` to the totals and to the row of `key` in every breakdown (the totals and
    /// derived tables receive it at [`fold`](Self::fold)); nowhere when the filter rejects
    /// `key`.
    pub fn apply(&mut self, key: &Key, f: impl Fn(&mut Agg)) {
        if let Some(filter) = &self.filter
            && !filter.matches(key)
        {
            return;
        }
        if self.totals_from.is_none() {
            f(&mut self.totals);
        }
        let values = key.values();
        for ((dims, table), derived) in self.dims.iter().zip(&mut self.rows).zip(&self.derived) {
            if derived.is_some() {
                continue;
            }
            let r = table.index(Self::project(dims, &values), &self.targets);
            f(&mut table.aggs[r as usize]);
        }
    }

    /// Applies `f` once to the totals and once per distinct projected key of `keys` in every
    /// breakdown (distinct measures such as `dialog.active`).
    ///
    /// Where each key differs from the one before it is found once for all tables: a table over
    /// none of those dimensions projects the key like the one before, so its row is already
    /// counted (keys come in time order and mostly differ only in their hour).
    ///
    /// Under a filter only the keys it passes count: the item reaches the totals when one does,
    /// and the rows of those that do.
    pub fn apply_distinct(&mut self, keys: &[Key], f: impl Fn(&mut Agg)) {
        if let Some(filter) = self.filter.take() {
            let mut kept = std::mem::take(&mut self.kept);
            kept.clear();
            kept.extend(keys.iter().filter(|k| filter.matches(k)));
            self.apply_distinct(&kept, f);
            self.filter = Some(filter);
            self.kept = kept;
            return;
        }
        let Some(first) = keys.first() else { return };
        f(&mut self.totals);
        self.stamp += 1;
        let mut changes = std::mem::take(&mut self.changes);
        changes.clear();
        let mut varies = 0u16;
        for pair in keys.windows(2) {
            let d = pair[1].differs(&pair[0]);
            varies |= d;
            changes.push(d);
        }
        // Not the combined tables: their distinct counts would be published by no one.
        let tables = self.dims.iter().zip(&mut self.rows).zip(&self.masks);
        for ((dims, table), mask) in tables.take(self.configured) {
            let r = table.index(Self::project(dims, &first.values()), &self.targets) as usize;
            table.stamps[r] = self.stamp;
            f(&mut table.aggs[r]);
            if varies & mask == 0 {
                continue;
            }
            for (k, d) in keys[1..].iter().zip(&changes) {
                if d & mask == 0 {
                    continue;
                }
                let r = table.index(Self::project(dims, &k.values()), &self.targets) as usize;
                if table.stamps[r] != self.stamp {
                    table.stamps[r] = self.stamp;
                    f(&mut table.aggs[r]);
                }
            }
        }
        self.changes = changes;
    }

    /// Adds another accumulator with the same breakdowns and targets; neither may have been
    /// [folded](Self::fold) yet, or both must have been.
    pub fn merge(&mut self, o: &Self) {
        self.totals.merge(&o.totals);
        for (mine, theirs) in self.rows.iter_mut().zip(&o.rows) {
            for (k, v) in theirs.keys.iter().zip(&theirs.aggs) {
                mine.row(*k, &self.targets).merge(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::analytics::stats::Durations;

    fn key_strategy() -> impl Strategy<Value = Key> {
        (0u32..3, 0u32..2, 0i32..3, 0u8..4, 0u8..2).prop_map(|(manager, pipeline, day, hour, k)| {
            Key {
                manager,
                team: manager % 2,
                pipeline,
                day: 739_000 + day,
                hour,
                weekday: (day % 7) as u8,
                chat_kind: k,
                ..Key::default()
            }
        })
    }

    #[test]
    fn default_breakdowns_are_written_through_two_combined_tables() {
        use Dimension as D;
        let cfg = crate::analytics::MetricsConfig::default();
        let acc = Accumulator::new(Targets::default(), cfg.breakdowns.clone());
        let n = cfg.breakdowns.len();
        assert_eq!(
            &acc.dims[n..],
            &[
                vec![D::Day, D::Hour, D::Weekday],
                vec![D::Manager, D::Channel, D::Pipeline]
            ]
        );
        // Every breakdown is folded from a combined table.
        assert!(
            acc.derived[..n]
                .iter()
                .all(|d| d.is_some_and(|d| d.from >= n))
        );
        assert!(acc.totals_from.is_some_and(|t| t >= n));
        // One breakdown of a kind, or a union wider than a key, is left as it is.
        for dims in [
            vec![vec![D::Manager], vec![D::Day, D::Hour]],
            vec![
                vec![D::Manager, D::Team],
                vec![D::Channel, D::Connection],
                vec![D::Pipeline],
            ],
            vec![vec![D::Hour], vec![D::Weekday, D::Hour]],
        ] {
            assert_eq!(combined(&dims), Vec::<Vec<Dimension>>::new(), "{dims:?}");
        }
    }

    proptest! {
        /// `apply_distinct` counts one per distinct projected key in every breakdown, as a
        /// set of projections would, over several calls.
        #[test]
        fn apply_distinct_counts_each_projected_key_once(
            sessions in proptest::collection::vec(proptest::collection::vec(key_strategy(), 1..12), 1..8)
        ) {
            use Dimension as D;
            let dims = vec![
                vec![D::Manager],
                vec![D::Hour],
                vec![D::Day, D::Hour],
                vec![D::Team, D::Pipeline, D::ChatKind],
                vec![D::Weekday],
            ];
            let mut acc = Accumulator::new(Targets::default(), dims.clone());
            let mut expected: Vec<HashMap<RowKey, u64>> = vec![HashMap::new(); dims.len()];
            for keys in &sessions {
                acc.apply_distinct(keys, |a| a.active += 1);
                for (i, d) in dims.iter().enumerate() {
                    let distinct: std::collections::BTreeSet<RowKey> =
                        keys.iter().map(|k| Accumulator::project(d, &k.values())).collect();
                    for p in distinct {
                        *expected[i].entry(p).or_insert(0) += 1;
                    }
                }
            }
            prop_assert_eq!(acc.totals.active, sessions.len() as u64);
            // The combined tables after the breakdowns hold no distinct counts.
            prop_assert_eq!(acc.rows.len(), dims.len() + 2);
            for table in &acc.rows[dims.len()..] {
                prop_assert!(table.aggs.iter().all(|a| a.active == 0));
            }
            for (i, table) in acc.rows.iter().take(dims.len()).enumerate() {
                let got: HashMap<RowKey, u64> =
                    table.sorted().into_iter().map(|(k, a)| (*k, a.active)).collect();
                prop_assert_eq!(&got, &expected[i], "breakdown {:?}", dims[i]);
            }
        }
    }

    proptest! {
        /// Under a filter the accumulator holds what one without a filter holds when fed only
        /// the keys the filter passes (a distinct item: its passing keys, if any).
        #[test]
        fn a_filter_adds_only_the_keys_it_passes(
            items in proptest::collection::vec(item_strategy(), 0..40)
        ) {
            use Dimension as D;
            let dims = vec![vec![D::Manager], vec![D::Hour], vec![D::Pipeline, D::ChatKind]];
            let filter = Filter::new([(D::Manager, vec![0, 2]), (D::Hour, vec![1, 3])]);
            let mut got = Accumulator::new(Targets::default(), dims.clone());
            got.set_filter(filter.clone());
            let mut want = Accumulator::new(Targets::default(), dims);
            for item in &items {
                match item {
                    Item::Add(k, n, _) => {
                        got.apply(k, |a| a.waits += n);
                        if filter.matches(k) {
                            want.apply(k, |a| a.waits += n);
                        }
                        prop_assert_eq!(got.selects(k), filter.matches(k));
                    }
                    Item::Distinct(keys) => {
                        got.apply_distinct(keys, |a| a.active += 1);
                        let kept: Vec<Key> =
                            keys.iter().copied().filter(|k| filter.matches(k)).collect();
                        want.apply_distinct(&kept, |a| a.active += 1);
                    }
                }
            }
            got.fold();
            want.fold();
            prop_assert_eq!(&got.totals, &want.totals);
            for (g, w) in got.rows.iter().zip(&want.rows) {
                let rows = |t: &RowTable| -> Vec<(RowKey, u64, u64)> {
                    t.sorted().into_iter().map(|(k, a)| (*k, a.waits, a.active)).collect()
                };
                prop_assert_eq!(rows(g), rows(w));
            }
        }
    }

    /// One item for the folding test: an additive one at a key, or a distinct one over keys.
    #[derive(Debug, Clone)]
    enum Item {
        Add(Key, u64, i64),
        Distinct(Vec<Key>),
    }

    fn item_strategy() -> impl Strategy<Value = Item> {
        prop_oneof![
            3 => (key_strategy(), 1u64..5, 0i64..1_000).prop_map(|(k, n, v)| Item::Add(k, n, v)),
            1 => proptest::collection::vec(key_strategy(), 1..6).prop_map(Item::Distinct),
        ]
    }

    proptest! {
        /// The totals and the tables folded from finer ones hold exactly what writing every item
        /// into every row would: the same counts, the same duration values, and distinct counts
        /// that are not sums.
        #[test]
        fn folded_tables_equal_tables_written_item_by_item(
            items in proptest::collection::vec(item_strategy(), 0..60)
        ) {
            use Dimension as D;
            let dims = vec![
                vec![D::Hour],
                vec![D::Weekday, D::Hour],
                vec![D::Manager],
                vec![D::Weekday, D::Manager],
                vec![D::Day],
                vec![D::Hour],
                vec![D::Team, D::Pipeline],
                vec![D::ChatKind],
            ];
            let mut acc = Accumulator::new(Targets::default(), dims.clone());
            // Both kinds of breakdown are combined: [hour, weekday, day], [manager, team,
            // pipeline, chat_kind] and the mixed [weekday, manager] are the only tables written
            // item by item.
            prop_assert_eq!(&acc.dims[dims.len()..], &[
                vec![D::Hour, D::Weekday, D::Day],
                vec![D::Manager, D::Team, D::Pipeline, D::ChatKind],
            ]);
            for (i, d) in acc.derived[..dims.len()].iter().enumerate() {
                prop_assert_eq!(d.is_none(), i == 3);
            }
            prop_assert!(acc.totals_from.is_some());
            prop_assert!(acc.derived[0].is_some() && acc.derived[5].is_some());
            // Per table and projected key: (waits, reply values, active).
            type Want = HashMap<RowKey, (u64, Vec<i64>, u64)>;
            let mut want: Vec<Want> = vec![HashMap::new(); dims.len()];
            let mut total = (0u64, Vec::new(), 0u64);
            for item in &items {
                match item {
                    Item::Add(k, n, v) => {
                        acc.apply(k, |a| {
                            a.waits += n;
                            a.reply.push(*v, *v / 2);
                        });
                        total.0 += n;
                        total.1.push(*v);
                        for (i, d) in dims.iter().enumerate() {
                            let e = want[i].entry(Accumulator::project(d, &k.values())).or_default();
                            e.0 += n;
                            e.1.push(*v);
                        }
                    }
                    Item::Distinct(keys) => {
                        acc.apply_distinct(keys, |a| a.active += 1);
                        total.2 += 1;
                        for (i, d) in dims.iter().enumerate() {
                            let distinct: std::collections::BTreeSet<RowKey> =
                                keys.iter().map(|k| Accumulator::project(d, &k.values())).collect();
                            for p in distinct {
                                want[i].entry(p).or_default().2 += 1;
                            }
                        }
                    }
                }
            }
            acc.fold();
            let values = |d: &Durations| {
                let mut v = d.values().to_vec();
                v.sort_unstable();
                v
            };
            let t = &acc.totals;
            total.1.sort_unstable();
            prop_assert_eq!((t.waits, values(&t.reply.cal), t.active), total);
            for (i, table) in acc.rows.iter().enumerate() {
                let got: Want = table
                    .sorted()
                    .into_iter()
                    .map(|(k, a)| (*k, (a.waits, values(&a.reply.cal), a.active)))
                    .collect();
                let mut expected = want[i].clone();
                for e in expected.values_mut() {
                    e.1.sort_unstable();
                }
                prop_assert_eq!(&got, &expected, "breakdown {:?}", dims[i]);
            }
            // A second fold changes nothing.
            let before = acc.totals.clone();
            acc.fold();
            prop_assert_eq!(&acc.totals, &before);
        }
    }
}
