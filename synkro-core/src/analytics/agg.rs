//! Mergeable aggregates: one [`Agg`] per row (totals and every breakdown row), keyed by the
//! dimension values of each item's anchor.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::analytics::config::Dimension;
use crate::analytics::report::{
    CallMetrics, DialogMetrics, DurationMetric, LeadMetrics, MessageMetrics, MetricValues, Sla,
    WaitMetrics,
};
use crate::analytics::stats::{Durations, SlaCounts};

/// Calendar and business values of one duration metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pair {
    /// Calendar microseconds.
    pub cal: Durations,
    /// Business microseconds.
    pub bus: Durations,
}

impl Pair {
    /// Adds one item.
    pub fn push(&mut self, cal: i64, bus: i64) {
        self.cal.push(cal);
        self.bus.push(bus);
    }
    fn merge(&mut self, o: &Self) {
        self.cal.merge(&o.cal);
        self.bus.merge(&o.bus);
    }
    fn publish(&mut self, levels: &[u32]) -> DurationMetric {
        DurationMetric {
            calendar: self.cal.summary_in_place(levels),
            business: self.bus.summary_in_place(levels),
        }
    }
}

/// Bot reasons, in a fixed order.
pub const BOT_REASONS: [&str; 5] = [
    "author_list",
    "template",
    "broadcast",
    "text_pattern",
    "source_flag",
];

/// Additive message counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgCounts {
    pub(crate) inbound: u64,
    pub(crate) substantive: u64,
    pub(crate) ack: u64,
    pub(crate) human: u64,
    pub(crate) human_delivered: u64,
    pub(crate) undelivered: u64,
    pub(crate) bot: [u64; 5],
    pub(crate) unknown: u64,
    pub(crate) chars_human: u64,
    pub(crate) chars_client: u64,
}

impl MsgCounts {
    pub(crate) fn merge(&mut self, o: &Self) {
        self.inbound += o.inbound;
        self.substantive += o.substantive;
        self.ack += o.ack;
        self.human += o.human;
        self.human_delivered += o.human_delivered;
        self.undelivered += o.undelivered;
        for i in 0..5 {
            self.bot[i] += o.bot[i];
        }
        self.unknown += o.unknown;
        self.chars_human += o.chars_human;
        self.chars_client += o.chars_client;
    }
}

fn merge_sla(a: &mut [SlaCounts], b: &[SlaCounts]) {
    for (x, y) in a.iter_mut().zip(b) {
        x.merge(y);
    }
}

fn merge_map(a: &mut BTreeMap<&'static str, u64>, b: &BTreeMap<&'static str, u64>) {
    for (k, v) in b {
        *a.entry(k).or_insert(0) += v;
    }
}

/// Every metric's accumulator for one row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Agg {
    pub(crate) msg: MsgCounts,
    pub(crate) waits: u64,
    pub(crate) answered: u64,
    pub(crate) open: u64,
    pub(crate) closed: u64,
    pub(crate) expired: u64,
    pub(crate) group_excluded: u64,
    pub(crate) reply: Pair,
    pub(crate) first: Pair,
    pub(crate) next: Pair,
    pub(crate) sla: Vec<SlaCounts>,
    pub(crate) sla_first: Vec<SlaCounts>,
    pub(crate) open_end: u64,
    pub(crate) open_end_age: Pair,
    pub(crate) overdue: Vec<u64>,
    pub(crate) sessions: u64,
    pub(crate) new: u64,
    pub(crate) new_by: BTreeMap<&'static str, u64>,
    pub(crate) outreach: u64,
    pub(crate) ack_only: u64,
    pub(crate) active: u64,
    pub(crate) participation: u64,
    pub(crate) na_expired: u64,
    pub(crate) na_closed: u64,
    pub(crate) na_awaiting: u64,
    pub(crate) na_denominator: u64,
    pub(crate) calls_in: u64,
    pub(crate) calls_out: u64,
    pub(crate) connected: u64,
    pub(crate) talk: u64,
    pub(crate) missed: u64,
    pub(crate) episodes: u64,
    pub(crate) ep_outcomes: BTreeMap<&'static str, u64>,
    pub(crate) callback: Pair,
    pub(crate) cb_sla: Vec<SlaCounts>,
    pub(crate) stl_items: u64,
    pub(crate) stl: Pair,
    pub(crate) stl_sla: Vec<SlaCounts>,
    pub(crate) stl_outcomes: BTreeMap<&'static str, u64>,
    pub(crate) stl_excluded: u64,
    pub(crate) won: u64,
    pub(crate) lost: u64,
    pub(crate) won_amount: i64,
    pub(crate) cycle: Pair,
    pub(crate) fu_considered: u64,
    pub(crate) fu_stale: u64,
    pub(crate) fu_never: u64,
}

/// The SLA targets an [`Agg`] is built for.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub(crate) sla: Vec<i64>,
    pub(crate) stl: Vec<i64>,
    pub(crate) callback: Vec<i64>,
}

impl Agg {
    /// An empty row for these targets.
    #[must_use]
    pub fn new(t: &Targets) -> Self {
        let counts = |v: &[i64]| v.iter().map(|x| SlaCounts::new(*x)).collect::<Vec<_>>();
        Self {
            sla: counts(&t.sla),
            sla_first: counts(&t.sla),
            overdue: vec![0; t.sla.len()],
            cb_sla: counts(&t.callback),
            stl_sla: counts(&t.stl),
            ..Self::default()
        }
    }

    /// Adds another row of the same targets.
    pub fn merge(&mut self, o: &Self) {
        self.msg.merge(&o.msg);
        for (a, b) in [
            (&mut self.waits, o.waits),
            (&mut self.answered, o.answered),
            (&mut self.open, o.open),
            (&mut self.closed, o.closed),
            (&mut self.expired, o.expired),
            (&mut self.group_excluded, o.group_excluded),
            (&mut self.open_end, o.open_end),
            (&mut self.sessions, o.sessions),
            (&mut self.new, o.new),
            (&mut self.outreach, o.outreach),
            (&mut self.ack_only, o.ack_only),
            (&mut self.active, o.active),
            (&mut self.participation, o.participation),
            (&mut self.na_expired, o.na_expired),
            (&mut self.na_closed, o.na_closed),
            (&mut self.na_awaiting, o.na_awaiting),
            (&mut self.na_denominator, o.na_denominator),
            (&mut self.calls_in, o.calls_in),
            (&mut self.calls_out, o.calls_out),
            (&mut self.connected, o.connected),
            (&mut self.talk, o.talk),
            (&mut self.missed, o.missed),
            (&mut self.episodes, o.episodes),
            (&mut self.stl_items, o.stl_items),
            (&mut self.stl_excluded, o.stl_excluded),
            (&mut self.won, o.won),
            (&mut self.lost, o.lost),
            (&mut self.fu_considered, o.fu_considered),
            (&mut self.fu_stale, o.fu_stale),
            (&mut self.fu_never, o.fu_never),
        ] {
            *a += b;
        }
        self.won_amount += o.won_amount;
        for (a, b) in self.overdue.iter_mut().zip(&o.overdue) {
            *a += b;
        }
        self.reply.merge(&o.reply);
        self.first.merge(&o.first);
        self.next.merge(&o.next);
        self.open_end_age.merge(&o.open_end_age);
        self.callback.merge(&o.callback);
        self.stl.merge(&o.stl);
        self.cycle.merge(&o.cycle);
        merge_sla(&mut self.sla, &o.sla);
        merge_sla(&mut self.sla_first, &o.sla_first);
        merge_sla(&mut self.cb_sla, &o.cb_sla);
        merge_sla(&mut self.stl_sla, &o.stl_sla);
        merge_map(&mut self.new_by, &o.new_by);
        merge_map(&mut self.ep_outcomes, &o.ep_outcomes);
        merge_map(&mut self.stl_outcomes, &o.stl_outcomes);
    }

    /// The published values.
    #[must_use]
    pub fn publish(&self, levels: &[u32]) -> MetricValues {
        self.clone().publish_in_place(levels)
    }

    /// [`publish`](Self::publish) without copying the duration values (the percentile selection
    /// reorders them in place; the row's values stay the same set).
    pub fn publish_in_place(&mut self, levels: &[u32]) -> MetricValues {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        let m = &self.msg;
        let slas = |v: &[SlaCounts]| v.iter().map(Sla::from).collect::<Vec<_>>();
        let strmap = |v: &BTreeMap<&'static str, u64>| {
            v.iter()
                .map(|(k, c)| ((*k).to_owned(), *c))
                .collect::<BTreeMap<_, _>>()
        };
        let calls = self.calls_in + self.calls_out;
        MetricValues {
            messages: MessageMetrics {
                inbound: m.inbound,
                inbound_substantive: m.substantive,
                inbound_ack: m.ack,
                out_human: m.human,
                out_undelivered: m.undelivered,
                out_bot: m.bot.iter().sum(),
                out_bot_by_reason: BOT_REASONS
                    .iter()
                    .zip(m.bot)
                    .filter(|(_, c)| *c > 0)
                    .map(|(r, c)| ((*r).to_owned(), c))
                    .collect(),
                out_unknown: m.unknown,
                ratio: ratio(m.human_delivered, m.inbound),
                char_ratio: ratio(m.chars_human, m.chars_client),
            },
            waits: WaitMetrics {
                total: self.waits,
                answered: self.answered,
                open: self.open,
                closed: self.closed,
                expired: self.expired,
                group_excluded: self.group_excluded,
                reply: self.reply.publish(levels),
                first_response: self.first.publish(levels),
                next_reply: self.next.publish(levels),
                sla: slas(&self.sla),
                sla_first: slas(&self.sla_first),
                open_at_end: self.open_end,
                open_at_end_age: self.open_end_age.publish(levels),
                open_at_end_overdue: self
                    .sla
                    .iter()
                    .map(|s| s.target_s)
                    .zip(self.overdue.iter().copied())
                    .collect(),
            },
            dialogs: DialogMetrics {
                sessions: self.sessions,
                new: self.new,
                new_by_initiator: strmap(&self.new_by),
                outreach: self.outreach,
                ack_only: self.ack_only,
                active: self.active,
                participation: self.participation,
                never_answered_expired: self.na_expired,
                never_answered_closed: self.na_closed,
                never_answered_awaiting: self.na_awaiting,
                never_answered_rate: ratio(self.na_expired + self.na_closed, self.na_denominator),
            },
            calls: CallMetrics {
                inbound: self.calls_in,
                outbound: self.calls_out,
                connected: self.connected,
                talk_s_sum: self.talk,
                talk_s_mean: ratio(self.talk, calls),
                missed: self.missed,
                episodes: self.episodes,
                episode_outcomes: strmap(&self.ep_outcomes),
                callback: self.callback.publish(levels),
                callback_sla: slas(&self.cb_sla),
            },
            leads: LeadMetrics {
                stl_items: self.stl_items,
                speed_to_lead: self.stl.publish(levels),
                stl_sla: slas(&self.stl_sla),
                stl_outcomes: strmap(&self.stl_outcomes),
                stl_excluded_manual: self.stl_excluded,
                won: self.won,
                lost: self.lost,
                win_rate: ratio(self.won, self.won + self.lost),
                won_amount: self.won_amount,
                cycle: self.cycle.publish(levels),
                followup_considered: self.fu_considered,
                followup_stale: self.fu_stale,
                followup_stale_share: ratio(self.fu_stale, self.fu_considered),
                followup_never_touched: self.fu_never,
            },
        }
    }
}

/// The dimension values of an item's anchor, interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Key {
    pub(crate) manager: u32,
    pub(crate) team: u32,
    pub(crate) channel: u32,
    pub(crate) connection: u32,
    pub(crate) pipeline: u32,
    pub(crate) day: i32,
    pub(crate) hour: u8,
    pub(crate) weekday: u8,
    pub(crate) chat_kind: u8,
    pub(crate) initiator: u8,
    pub(crate) in_hours: u8,
}

impl Key {
    /// A bit per [`Dimension`] (by its discriminant) where `self` and `o` differ.
    fn differs(&self, o: &Self) -> u16 {
        let (a, b) = (self.values(), o.values());
        (0..a.len()).fold(0, |m, i| m | (u16::from(a[i] != b[i]) << i))
    }

    /// Every dimension's value, indexed by the [`Dimension`]'s discriminant.
    #[inline]
    fn values(&self) -> [i64; 11] {
        [
            i64::from(self.manager),
            i64::from(self.team),
            i64::from(self.channel),
            i64::from(self.connection),
            i64::from(self.pipeline),
            i64::from(self.day),
            i64::from(self.hour),
            i64::from(self.weekday),
            i64::from(self.chat_kind),
            i64::from(self.initiator),
            i64::from(self.in_hours),
        ]
    }

    fn get(&self, d: Dimension) -> i64 {
        self.values()[d as usize]
    }
}

/// Most dimensions one breakdown may combine.
pub const MAX_DIMS: usize = 4;

/// A breakdown row key: the projected dimension values, unused slots `i64::MIN`.
pub type RowKey = [i64; MAX_DIMS];

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
    keys: Vec<RowKey>,
    aggs: Vec<Agg>,
    /// Per row: the last [`Accumulator::apply_distinct`] call that reached it.
    stamps: Vec<u64>,
}

impl RowTable {
    /// An empty table for keys of `n` dimensions.
    fn new(n: usize) -> Self {
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

/// A breakdown table whose rows are folded from a finer table's at publication.
#[derive(Debug, Clone, Copy)]
struct Derived {
    /// The finer table.
    from: usize,
    /// Where each of this table's dimensions sits in the finer table's keys.
    at: [usize; MAX_DIMS],
}

/// Totals plus one table per configured breakdown.
///
/// Every item reaches the totals and one row of every table, so the totals and a table whose
/// dimensions are a subset of another's (`[hour]` beside `[weekday, hour]`) are not written item
/// by item: [`fold`](Self::fold) adds the finer rows into them once, before publication. Only the
/// distinct measures ([`apply_distinct`](Self::apply_distinct)) are written into every table and
/// the totals directly, since a distinct count cannot be summed.
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
}

impl Accumulator {
    /// An empty accumulator.
    #[must_use]
    pub fn new(targets: Targets, dims: Vec<Vec<Dimension>>) -> Self {
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
            for (k, agg) in source.keys.iter().zip(&source.aggs) {
                let mut key = [i64::MIN; MAX_DIMS];
                for (slot, pos) in key.iter_mut().zip(&at).take(n) {
                    *slot = k[*pos];
                }
                let r = table.index(key, &self.targets) as usize;
                table.aggs[r].merge(agg);
            }
            for (r, agg) in table.aggs.iter_mut().enumerate() {
                (agg.active, agg.participation) = kept.get(r).copied().unwrap_or((0, 0));
            }
        }
        if let Some(from) = self.totals_from.take() {
            let kept = (self.totals.active, self.totals.participation);
            for agg in &self.rows[from].aggs {
                self.totals.merge(agg);
            }
            (self.totals.active, self.totals.participation) = kept;
        }
    }

    fn project(dims: &[Dimension], k: &Key) -> RowKey {
        let mut out = [i64::MIN; MAX_DIMS];
        for (o, d) in out.iter_mut().zip(dims) {
            *o = k.get(*d);
        }
        out
    }

    /// Applies `f` to the totals and to the row of `key` in every breakdown (the totals and
    /// derived tables receive it at [`fold`](Self::fold)).
    pub fn apply(&mut self, key: &Key, f: impl Fn(&mut Agg)) {
        if self.totals_from.is_none() {
            f(&mut self.totals);
        }
        let values = key.values();
        for ((dims, table), derived) in self.dims.iter().zip(&mut self.rows).zip(&self.derived) {
            if derived.is_some() {
                continue;
            }
            let mut k = [i64::MIN; MAX_DIMS];
            for (o, d) in k.iter_mut().zip(dims) {
                *o = values[*d as usize];
            }
            let r = table.index(k, &self.targets);
            f(&mut table.aggs[r as usize]);
        }
    }

    /// Applies `f` once to the totals and once per distinct projected key of `keys` in every
    /// breakdown (distinct measures such as `dialog.active`).
    pub fn apply_distinct(&mut self, keys: &[Key], f: impl Fn(&mut Agg)) {
        match keys {
            [] => {}
            _ => {
                f(&mut self.totals);
                self.stamp += 1;
                // The dimensions in which the keys differ (a session's keys mostly differ only
                // in their hour): a breakdown over none of them has one row for all.
                let first = keys[0];
                let mut varies = 0u16;
                for k in &keys[1..] {
                    varies |= first.differs(k);
                }
                for (dims, table) in self.dims.iter().zip(&mut self.rows) {
                    if dims.iter().all(|d| varies & (1 << *d as u16) == 0) {
                        let r = table.index(Self::project(dims, &first), &self.targets);
                        f(&mut table.aggs[r as usize]);
                        continue;
                    }
                    let mut last = None;
                    for k in keys {
                        let p = Self::project(dims, k);
                        // Keys come in time order: most project like the one before.
                        if last == Some(p) {
                            continue;
                        }
                        last = Some(p);
                        let r = table.index(p, &self.targets) as usize;
                        if table.stamps[r] != self.stamp {
                            table.stamps[r] = self.stamp;
                            f(&mut table.aggs[r]);
                        }
                    }
                }
            }
        }
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
                        keys.iter().map(|k| Accumulator::project(d, k)).collect();
                    for p in distinct {
                        *expected[i].entry(p).or_insert(0) += 1;
                    }
                }
            }
            prop_assert_eq!(acc.totals.active, sessions.len() as u64);
            for (i, table) in acc.rows.iter().enumerate() {
                let got: HashMap<RowKey, u64> =
                    table.sorted().into_iter().map(|(k, a)| (*k, a.active)).collect();
                prop_assert_eq!(&got, &expected[i], "breakdown {:?}", dims[i]);
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
                vec![D::Day, D::Manager],
                vec![D::Day],
                vec![D::Hour],
                vec![D::Team, D::Pipeline, D::ChatKind],
            ];
            let mut acc = Accumulator::new(Targets::default(), dims.clone());
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
                            let e = want[i].entry(Accumulator::project(d, k)).or_default();
                            e.0 += n;
                            e.1.push(*v);
                        }
                    }
                    Item::Distinct(keys) => {
                        acc.apply_distinct(keys, |a| a.active += 1);
                        total.2 += 1;
                        for (i, d) in dims.iter().enumerate() {
                            let distinct: std::collections::BTreeSet<RowKey> =
                                keys.iter().map(|k| Accumulator::project(d, k)).collect();
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

    #[test]
    fn key_values_follow_the_dimension_order() {
        use Dimension as D;
        let k = Key {
            manager: 1,
            team: 2,
            channel: 3,
            connection: 4,
            pipeline: 5,
            day: 6,
            hour: 7,
            weekday: 8,
            chat_kind: 9,
            initiator: 10,
            in_hours: 11,
        };
        let all = [
            D::Manager,
            D::Team,
            D::Channel,
            D::Connection,
            D::Pipeline,
            D::Day,
            D::Hour,
            D::Weekday,
            D::ChatKind,
            D::Initiator,
            D::InHours,
        ];
        let got: Vec<i64> = all.iter().map(|d| k.get(*d)).collect();
        assert_eq!(got, (1..=11).collect::<Vec<i64>>());
        let mut other = k;
        other.hour = 0;
        other.pipeline = 0;
        assert_eq!(
            k.differs(&other),
            (1 << D::Hour as u16) | (1 << D::Pipeline as u16)
        );
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
