//! The streaming metrics engine: chats one at a time (sessions, waits, messages), then calls by
//! phone (missed-call episodes), then leads (speed to lead, win rate, funnel, time in stage,
//! follow-up), folded into an [`Accumulator`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::analytics::MetricsError;
use crate::analytics::ack::AckRules;
use crate::analytics::agg::{Accumulator, Filter, Key, Targets};
use crate::analytics::calendar::{CalendarSet, CalendarSpec, Micros, from_micros};
use crate::analytics::config::FilterValue;
use crate::analytics::config::{Attribution, Basis, MetricsConfig, UnknownOutboundAs, WaitAnchor};
use crate::analytics::lead::{LeadView, ReferenceData};
use crate::analytics::leads::LeadsState;
use crate::analytics::report::{DialogRow, DqCounter, METRICS_SCHEMA_VERSION, MetricsReport};
use crate::analytics::stats::{ItemState, classify};
use crate::model::{AuthorKind, Call, ChatKind, Direction, Message};
use crate::pipeline::Dialog;

mod chat;
mod compute;
mod input;
mod keys;
mod publish;
mod session;
mod timeline;
mod wait;

pub use compute::{compute, compute_with_phones};
pub use input::{ChatInput, LeadInput, MetricsContext, Touch};
pub(crate) use keys::{Buckets, Interner};

pub(crate) const SEC: i64 = 1_000_000;

/// Initiator codes used in keys.
pub(crate) const INITIATORS: [&str; 5] = ["-", "client", "manager", "bot", "unknown"];

#[derive(Debug, Default)]
struct DqEntry {
    count: u64,
    denominator: u64,
    samples: Vec<String>,
}

/// The metrics engine. Feed chats, then calls, then leads; [`finish`](Self::finish) publishes.
#[derive(Debug)]
pub struct MetricsEngine {
    pub(crate) cfg: MetricsConfig,
    pub(crate) from: Micros,
    pub(crate) to: Micros,
    pub(crate) a: Micros,
    pub(crate) e: Micros,
    history_start: Micros,
    tz: Tz,
    pub(crate) cals: CalendarSet,
    ack: AckRules,
    /// Verdicts on short client texts already checked.
    ack_memo: crate::analytics::AckMemo,
    patterns: Vec<Regex>,
    bot_ids: FxHashSet<String>,
    known: Option<FxHashSet<String>>,
    frt: [bool; 5],
    reply_by_call: bool,
    reply_by_note: bool,
    broadcasts: crate::analytics::Broadcasts,
    pub(crate) acc: Accumulator,
    pub(crate) managers: Interner,
    teams: Interner,
    connections: Interner,
    pub(crate) pipelines: Interner,
    pub(crate) stages: Interner,
    channels: Interner,
    /// Team per interned manager id (managers with a team are interned first; others: 0).
    manager_team: Vec<u32>,
    buckets: Buckets,
    /// Data-quality counters by id (hashed: some are added per item; published sorted by id).
    dq: FxHashMap<&'static str, DqEntry>,
    dialog_rows: Vec<DialogRow>,
    /// §2.4 wait rows, when `export_waits` is on.
    pub(crate) wait_rows: Vec<crate::analytics::WaitRow>,
    pub(crate) reference: ReferenceData,
    pub(crate) leads: LeadsState,
    levels: Vec<u32>,
    pub(crate) phone_region: String,
    cal_cache: Vec<Option<usize>>,
    /// Some breakdown has the `in_hours` dimension (keys need the calendar lookup).
    in_hours_dim: bool,
    /// The day buckets whose end falls in (from, E], with that end (§3.4 per-day series).
    pub(crate) day_ends: Vec<(NaiveDate, Micros)>,
    /// Per day bucket of `day_ends`: waits open at its end, and those overdue per SLA target.
    pub(crate) open_by_day: Vec<(u64, Vec<u64>)>,
    /// Reused buffer of one wait's SLA statuses.
    sla_scratch: Vec<crate::analytics::stats::SlaStatus>,
    /// Buffers reused from chat to chat and session to session.
    spare: Spare,
    /// The interned channel and connection of the chat being processed.
    chat_dims: (u32, u32),
}

/// Buffers a chat or a session needs while it is processed, kept for the next one.
#[derive(Debug, Default)]
struct Spare {
    events: Vec<(Micros, u8, u32)>,
    cells: Vec<(Key, crate::analytics::agg::MsgCounts)>,
    keys: Vec<Key>,
    participation: Vec<Key>,
}

/// The day buckets (labelled as [`Buckets`] labels them) whose end falls in (`from`, `e`], with
/// that end.
fn day_ends(tz: Tz, day_end: u32, from: Micros, e: Micros) -> Vec<(NaiveDate, Micros)> {
    use chrono::TimeZone;
    let (first, last) = (
        from_micros(from).with_timezone(&tz).date_naive() - Duration::days(1),
        from_micros(e).with_timezone(&tz).date_naive() + Duration::days(1),
    );
    let mut out = Vec::new();
    let mut label = first;
    while label <= last {
        let local = if day_end == 1440 {
            (label + Duration::days(1)).and_hms_opt(0, 0, 0)
        } else {
            label.and_hms_opt(day_end / 60, day_end % 60, 0)
        };
        // A local end time skipped by a clock change ends the bucket at the change.
        let end = local.and_then(|l| {
            tz.from_local_datetime(&l)
                .earliest()
                .or_else(|| tz.from_local_datetime(&(l + Duration::hours(1))).earliest())
        });
        if let Some(end) = end.map(|x| us(x.with_timezone(&Utc)))
            && from < end
            && end <= e
        {
            out.push((label, end));
        }
        label += Duration::days(1);
    }
    out
}

fn us(t: DateTime<Utc>) -> Micros {
    t.timestamp_micros()
}

impl MetricsEngine {
    /// An engine for a context.
    ///
    /// # Errors
    /// [`MetricsError::Config`] for an invalid configuration or calendar.
    pub fn new(ctx: MetricsContext) -> Result<Self, MetricsError> {
        let mut cfg = ctx.config;
        cfg.validate()?;
        cfg.sort_targets();
        // The region must be known: it completes phones written without a country code.
        crate::pipeline::normalize::calling_code(&ctx.phone_region).ok_or_else(|| {
            MetricsError::config(
                "default_phone_region",
                format!("`{}` is not a known ISO 3166 region", ctx.phone_region),
            )
        })?;
        let (from, to, a) = (us(ctx.period.start), us(ctx.period.end), us(ctx.as_of));
        if to <= from {
            return Err(MetricsError::config(
                "period",
                "the period end must be after its start",
            ));
        }
        let e = to.min(a);
        let history_start = from - cfg.history_lookback * SEC;
        let tz = ctx.report_tz;
        let mut specs = cfg.calendars.clone();
        let tenant_cal = match &cfg.tenant_calendar {
            Some(id) => id.clone(),
            None => {
                if !specs.iter().any(|c| c.id == "always") {
                    specs.push(CalendarSpec::always(tz.name()));
                }
                "always".to_owned()
            }
        };
        if tenant_cal == "always" && !specs.iter().any(|c| c.id == "always") {
            specs.push(CalendarSpec::always(tz.name()));
        }
        let horizon = cfg.wait_expiry.max(cfg.stl_expiry).max(cfg.callback_expiry);
        let d0 = from_micros(history_start).with_timezone(&tz).date_naive() - Duration::days(2);
        let d1 = from_micros(a.max(to) + horizon * SEC)
            .with_timezone(&tz)
            .date_naive()
            + Duration::days(2);
        let cals = CalendarSet::new(
            &specs,
            &tenant_cal,
            &cfg.manager_calendars,
            &cfg.team_calendars,
            &cfg.manager_teams,
            d0,
            d1,
        )?;
        let day_end = parse_day_end(&cfg.report_day_end)?;
        let patterns = cfg
            .bot_text_patterns
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|e| MetricsError::config("bot_text_patterns", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut frt = [false; 5];
        for i in &cfg.frt_initiators {
            if let Some(p) = INITIATORS.iter().position(|x| x == i) {
                frt[p] = true;
            }
        }
        let targets = Targets {
            sla: cfg.sla_targets.clone(),
            stl: cfg.stl_targets.clone(),
            callback: cfg.callback_targets.clone(),
        };
        let mut managers = Interner::new("unassigned");
        let mut teams = Interner::new("(no team)");
        let mut manager_team = Vec::new();
        for (m, t) in &cfg.manager_teams {
            let (mi, ti) = (managers.id(Some(m)) as usize, teams.id(Some(t)));
            if manager_team.len() <= mi {
                manager_team.resize(mi + 1, 0);
            }
            manager_team[mi] = ti;
        }
        let mut connections = Interner::new("unknown");
        let mut pipelines = Interner::new("(no lead)");
        let mut stages = Interner::new("(no stage)");
        let mut channels = Interner::new("unknown");
        let filters = cfg.parsed_filters()?;
        // Keys need the calendar lookup when a breakdown or the filter has `in_hours`.
        let in_hours_dim = cfg
            .breakdowns
            .iter()
            .flatten()
            .chain(filters.iter().map(|(d, _)| d))
            .any(|d| *d == crate::analytics::Dimension::InHours);
        let filter = (!filters.is_empty()).then(|| {
            Filter::new(filters.into_iter().map(|(d, values)| {
                use crate::analytics::Dimension as D;
                let interner = match d {
                    D::Manager => Some(&mut managers),
                    D::Team => Some(&mut teams),
                    D::Channel => Some(&mut channels),
                    D::Connection => Some(&mut connections),
                    D::Pipeline => Some(&mut pipelines),
                    D::Stage => Some(&mut stages),
                    _ => None,
                };
                (d, filter_codes(interner, values))
            }))
        });
        let mut acc = Accumulator::new(targets, cfg.breakdowns.clone());
        if let Some(filter) = filter {
            acc.set_filter(filter);
        }
        let day_ends = day_ends(tz, day_end, from, e);
        let open_by_day = vec![(0, vec![0; cfg.sla_targets.len()]); day_ends.len()];
        let mut levels = cfg.percentiles.clone();
        levels.retain(|k| *k != 500 && *k != 900);
        Ok(Self {
            ack: AckRules::new(&cfg),
            ack_memo: crate::analytics::AckMemo::default(),
            patterns,
            bot_ids: cfg.bot_author_ids.iter().cloned().collect(),
            known: (!cfg.managers.is_empty()).then(|| cfg.managers.iter().cloned().collect()),
            frt,
            reply_by_call: cfg.reply_channels.iter().any(|c| c == "call"),
            reply_by_note: cfg.reply_channels.iter().any(|c| c == "note"),
            broadcasts: crate::analytics::Broadcasts::default(),
            acc,
            managers,
            teams,
            connections,
            pipelines,
            stages,
            channels,
            manager_team,
            buckets: Buckets::new(
                tz,
                day_end,
                history_start - 86_400 * SEC,
                a.max(to) + 86_400 * SEC,
            ),
            dq: FxHashMap::default(),
            dialog_rows: Vec::new(),
            wait_rows: Vec::new(),
            leads: LeadsState::default(),
            reference: ctx.reference,
            levels,
            phone_region: ctx.phone_region.clone(),
            cal_cache: Vec::new(),
            day_ends,
            open_by_day,
            sla_scratch: Vec::new(),
            spare: Spare::default(),
            chat_dims: (0, 0),
            in_hours_dim,
            cals,
            cfg,
            from,
            to,
            a,
            e,
            history_start,
            tz,
        })
    }

    /// Messages detected as broadcasts by text (rule O4, [`Broadcasts::detect`]); call before
    /// feeding chats.
    ///
    /// [`Broadcasts::detect`]: crate::analytics::Broadcasts::detect
    pub fn set_broadcasts(&mut self, broadcasts: crate::analytics::Broadcasts) {
        self.broadcasts = broadcasts;
    }

    pub(crate) fn in_period(&self, t: Micros) -> bool {
        self.from <= t && t < self.to
    }

    pub(crate) fn dq_add(&mut self, id: &'static str, hit: bool, sample: impl FnOnce() -> String) {
        let n = self.cfg.dq_sample_size;
        let e = self.dq.entry(id).or_default();
        e.denominator += 1;
        if hit {
            e.count += 1;
            if e.samples.len() < n {
                e.samples.push(sample());
            }
        }
    }

    /// L1 phone normalization (metrics.md §1.5) with the same rules the pipeline links chats to
    /// deals by ([`normalize::phone`](crate::pipeline::normalize::phone): libphonenumber, E.164,
    /// national formats of the tenant's region such as a Russian leading 8). A number it cannot
    /// validate counts in `dq.invalid_phone` and matches nothing.
    pub fn l1_phone(&mut self, raw: &str) -> Option<String> {
        let p = crate::pipeline::normalize::phone(raw, &self.phone_region);
        self.dq_add("dq.invalid_phone", p.is_none(), || raw.to_owned());
        p
    }

    /// Keeps an example id of a counted data-quality item (the count is added separately);
    /// returns whether the sample list has room for more.
    fn dq_sample(&mut self, id: &'static str, sample: impl FnOnce() -> String) -> bool {
        let n = self.cfg.dq_sample_size;
        let e = self.dq.entry(id).or_default();
        if e.samples.len() < n {
            e.samples.push(sample());
        }
        e.samples.len() < n
    }

    pub(crate) fn manager_id(&mut self, m: Option<&str>) -> u32 {
        self.managers.id(m)
    }

    /// The team of an interned manager id (0: none).
    pub(crate) fn team_of(&self, manager: u32) -> u32 {
        self.manager_team
            .get(manager as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Whether a deal was deleted in the CRM at or before A (C3): such a deal is no lead.
    pub(crate) fn known_deleted(&self, deal: &crate::model::Deal) -> bool {
        deal.is_deleted_at(from_micros(self.a))
    }

    /// The manager of an interned id (`None` for 0, no manager).
    pub(crate) fn manager_name(&self, id: u32) -> Option<String> {
        (id != 0).then(|| self.managers.name(id).to_owned())
    }

    pub(crate) fn cal_pos(&mut self, manager: u32) -> usize {
        let i = manager as usize;
        if self.cal_cache.len() <= i {
            self.cal_cache.resize(i + 1, None);
        }
        match self.cal_cache[i] {
            Some(ix) => ix,
            None => {
                let ix = if manager == 0 {
                    self.cals.tenant_pos()
                } else {
                    self.cals.resolve_pos(Some(self.managers.name(manager)))
                };
                self.cal_cache[i] = Some(ix);
                ix
            }
        }
    }

    /// A key for an anchor instant.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn key(
        &mut self,
        t: Micros,
        manager: u32,
        channel: &str,
        connection: Option<&str>,
        (pipeline, stage): (Option<&str>, Option<&str>),
        kind: ChatKind,
        initiator: u8,
    ) -> Key {
        let (c, o, p, s) = (
            self.channels.id(Some(channel)),
            self.connections.id(connection),
            self.pipelines.id(pipeline),
            self.stages.id(stage),
        );
        self.key_ids(t, manager, c, o, (p, s), kind, initiator)
    }

    /// A key with the channel, connection and pipeline already interned.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn key_ids(
        &mut self,
        t: Micros,
        manager: u32,
        channel: u32,
        connection: u32,
        (pipeline, stage): (u32, u32),
        kind: ChatKind,
        initiator: u8,
    ) -> Key {
        let (day, hour, weekday) = self.buckets.get(t);
        let in_hours = self.in_hours_dim && {
            let p = self.cal_pos(manager);
            self.cals.at(p)
        }
        .in_hours(t);
        Key {
            manager,
            team: self.team_of(manager),
            channel,
            connection,
            pipeline,
            day,
            hour,
            weekday,
            chat_kind: u8::from(kind == ChatKind::Group),
            initiator,
            in_hours: u8::from(in_hours),
            stage,
            outcome: 0,
        }
    }
}

/// The key values of filter values: labels interned by `interner` (its "none" label, such as
/// `unassigned`, is 0), codes as they are.
fn filter_codes(mut interner: Option<&mut Interner>, values: Vec<FilterValue>) -> Vec<i64> {
    values
        .into_iter()
        .map(|v| match (v, interner.as_deref_mut()) {
            (FilterValue::Code(c), _) => c,
            (FilterValue::Name(n), Some(i)) if i.name(0) == n => 0,
            (FilterValue::Name(n), Some(i)) => i64::from(i.id(Some(&n))),
            (FilterValue::Name(_), None) => i64::MIN,
        })
        .collect()
}

fn parse_day_end(s: &str) -> Result<u32, MetricsError> {
    let bad = || {
        MetricsError::config(
            "report_day_end",
            format!("`{s}` is not HH:MM (00:01–24:00)"),
        )
    };
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let v = h * 60 + m;
    if m >= 60 || v == 0 || v > 1440 {
        return Err(bad());
    }
    Ok(v)
}
