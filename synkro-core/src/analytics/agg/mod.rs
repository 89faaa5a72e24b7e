//! Mergeable aggregates: one [`Agg`] per row (totals and every breakdown row), keyed by the
//! dimension values of each item's anchor.

use std::collections::BTreeMap;

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
    /// `wait.open_at_end`: the snapshot at E (§3.4).
    pub(crate) at_end: Snapshots,
    /// The snapshot at the end of the row's day bucket (P2): what a row of a breakdown over days
    /// publishes as `wait.open_at_end`.
    pub(crate) day_open: Snapshots,
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

/// Waits open at a snapshot instant (§3.4): how many, their ages (calendar, business), and how
/// many are overdue per SLA target.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Snapshots {
    pub(crate) open: u64,
    pub(crate) age: Pair,
    pub(crate) overdue: Vec<u64>,
}

impl Snapshots {
    fn new(targets: usize) -> Self {
        Self {
            overdue: vec![0; targets],
            ..Self::default()
        }
    }

    /// Adds a wait open at the snapshot: its age (calendar, business, the measure of
    /// `sla_basis`), overdue against each of `sla`'s targets it exceeds.
    pub(crate) fn add(&mut self, (cal, bus, measure): (i64, i64, i64), sla: &[SlaCounts]) {
        self.open += 1;
        self.age.push(cal, bus);
        for (o, s) in self.overdue.iter_mut().zip(sla) {
            if measure > s.target_s * 1_000_000 {
                *o += 1;
            }
        }
    }

    fn merge(&mut self, o: &Self) {
        self.open += o.open;
        self.age.merge(&o.age);
        for (a, b) in self.overdue.iter_mut().zip(&o.overdue) {
            *a += b;
        }
    }

    /// Writes the snapshot into `w`'s open-at-end fields.
    fn publish_into(&mut self, w: &mut WaitMetrics, sla: &[SlaCounts], levels: &[u32]) {
        w.open_at_end = self.open;
        w.open_at_end_age = self.age.publish(levels);
        w.open_at_end_overdue = sla
            .iter()
            .map(|s| s.target_s)
            .zip(self.overdue.iter().copied())
            .collect();
    }
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
            at_end: Snapshots::new(t.sla.len()),
            day_open: Snapshots::new(t.sla.len()),
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
        self.at_end.merge(&o.at_end);
        self.day_open.merge(&o.day_open);
        self.reply.merge(&o.reply);
        self.first.merge(&o.first);
        self.next.merge(&o.next);
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

    /// Every duration pair of the row, in a fixed order.
    fn pairs(&self) -> [&Pair; 8] {
        [
            &self.reply,
            &self.first,
            &self.next,
            &self.at_end.age,
            &self.day_open.age,
            &self.callback,
            &self.stl,
            &self.cycle,
        ]
    }

    /// The number of (calendar, business) values of each of [`pairs`](Self::pairs).
    pub(crate) fn lens(&self) -> [[usize; 2]; 8] {
        self.pairs().map(|p| [p.cal.len(), p.bus.len()])
    }

    /// Makes room for `lens` more values in each duration pair (as [`lens`](Self::lens) counts
    /// them), so that merging rows into this one copies each value once.
    pub(crate) fn reserve(&mut self, lens: &[[usize; 2]; 8]) {
        let pairs = [
            &mut self.reply,
            &mut self.first,
            &mut self.next,
            &mut self.at_end.age,
            &mut self.day_open.age,
            &mut self.callback,
            &mut self.stl,
            &mut self.cycle,
        ];
        for (p, [cal, bus]) in pairs.into_iter().zip(lens) {
            p.cal.reserve(*cal);
            p.bus.reserve(*bus);
        }
    }

    /// The published values.
    #[must_use]
    pub fn publish(&self, levels: &[u32]) -> MetricValues {
        self.clone().publish_in_place(levels)
    }

    /// [`publish_in_place`](Self::publish_in_place) for a row of a breakdown over days: its
    /// `wait.open_at_end` is the snapshot at the row's day end (§3.4, P2), not at E.
    pub fn publish_day_row_in_place(&mut self, levels: &[u32]) -> MetricValues {
        let mut v = self.publish_in_place(levels);
        self.day_open.publish_into(&mut v.waits, &self.sla, levels);
        v
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
                open_at_end: self.at_end.open,
                open_at_end_age: self.at_end.age.publish(levels),
                open_at_end_overdue: self
                    .sla
                    .iter()
                    .map(|s| s.target_s)
                    .zip(self.at_end.overdue.iter().copied())
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

mod accumulator;
mod key;
mod rows;

pub use accumulator::{Accumulator, Filter};
pub use key::{Key, MAX_DIMS, RowKey};
