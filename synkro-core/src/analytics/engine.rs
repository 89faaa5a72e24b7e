//! The streaming metrics engine: chats one at a time (sessions, waits, messages), then calls by
//! phone (missed-call episodes), then leads (speed to lead, win rate, funnel, time in stage,
//! follow-up), folded into an [`Accumulator`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::analytics::MetricsError;
use crate::analytics::ack::AckRules;
use crate::analytics::agg::{Accumulator, Agg, Key, Targets};
use crate::analytics::calendar::{CalendarSet, CalendarSpec, Micros, from_micros};
use crate::analytics::config::{Attribution, Basis, MetricsConfig, UnknownOutboundAs, WaitAnchor};
use crate::analytics::lead::{LeadView, ReferenceData, lead_at};
use crate::analytics::leads::LeadsState;
use crate::analytics::report::{DialogRow, DqCounter, METRICS_SCHEMA_VERSION, MetricsReport};
use crate::analytics::stats::{ItemState, classify};
use crate::model::{AuthorKind, Call, Chat, ChatKind, Direction, Message, Window};
use crate::pipeline::Dialog;

pub(crate) const SEC: i64 = 1_000_000;

/// Initiator codes used in keys.
pub(crate) const INITIATORS: [&str; 5] = ["-", "client", "manager", "bot", "unknown"];

/// What the engine needs besides the data.
#[derive(Debug, Clone)]
pub struct MetricsContext {
    /// The metric settings.
    pub config: MetricsConfig,
    /// The report period [from, to).
    pub period: Window,
    /// The knowledge cut-off A.
    pub as_of: DateTime<Utc>,
    /// Zone of the day and hour buckets.
    pub report_tz: Tz,
    /// ISO region whose calling code completes phones written without one (L1), e.g. `RU` → 7.
    pub phone_region: String,
    /// Pipelines, responsible history, lead creators.
    pub reference: ReferenceData,
}

/// One chat for [`MetricsEngine::add_chat`].
#[derive(Debug, Clone, Copy)]
pub struct ChatInput<'a, 'l> {
    /// The chat.
    pub chat: &'a Chat,
    /// Its messages from the history start on (any order; ordered by rule C5 inside).
    pub messages: &'a [Message],
    /// The leads linked to the chat's contacts (L3 candidates).
    pub leads: &'l [LeadView<'a>],
    /// Calls with the chat's phone (used only when `reply_channels` has `call`).
    pub calls: &'a [Call],
}

/// A human touch of a client: a manager's message or a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    /// When.
    pub at: Micros,
    /// Who: the engine's interned manager id (0: unknown author). Valid for the engine that
    /// returned it.
    pub manager: u32,
}

/// One lead for [`MetricsEngine::add_lead`].
#[derive(Debug, Clone, Copy)]
pub struct LeadInput<'a, 'l> {
    /// The lead.
    pub lead: &'l LeadView<'a>,
    /// Human chat messages in the lead's chats (from [`MetricsEngine::add_chat`]).
    pub chat_touches: &'l [Touch],
    /// The lead's calls.
    pub calls: &'a [Call],
}

#[derive(Debug, Default)]
pub(crate) struct Interner {
    map: FxHashMap<String, u32>,
    pub(crate) names: Vec<String>,
    last: u32,
}

impl Interner {
    fn new(none: &str) -> Self {
        Self {
            map: FxHashMap::default(),
            names: vec![none.to_owned()],
            last: 0,
        }
    }
    pub(crate) fn id(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if self.names[self.last as usize] == s {
            return self.last;
        }
        if let Some(&i) = self.map.get(s) {
            self.last = i;
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_owned());
        self.map.insert(s.to_owned(), i);
        i
    }
    pub(crate) fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

#[derive(Debug)]
struct Buckets {
    tz: Tz,
    day_end: u32,
    lo: i64,
    table: Vec<(i32, u8, u8)>,
}

const SLOT: i64 = 900 * SEC;

impl Buckets {
    fn new(tz: Tz, day_end: u32, from: Micros, to: Micros) -> Self {
        let mut b = Self {
            tz,
            day_end,
            lo: from.div_euclid(SLOT),
            table: Vec::new(),
        };
        if day_end.is_multiple_of(15) {
            let hi = to.div_euclid(SLOT) + 1;
            b.table = (b.lo..hi).map(|s| b.compute(s * SLOT)).collect();
        }
        b
    }
    fn compute(&self, t: Micros) -> (i32, u8, u8) {
        let local = from_micros(t).with_timezone(&self.tz).naive_local();
        let tod = local.hour() * 60 + local.minute();
        let date = local.date();
        let label = if self.day_end < 1440 && tod >= self.day_end {
            date.succ_opt().unwrap_or(date)
        } else {
            date
        };
        (
            label.num_days_from_ce(),
            local.hour() as u8,
            date.weekday().num_days_from_monday() as u8,
        )
    }
    fn get(&self, t: Micros) -> (i32, u8, u8) {
        let i = t.div_euclid(SLOT) - self.lo;
        if i >= 0 && (i as usize) < self.table.len() {
            self.table[i as usize]
        } else {
            self.compute(t)
        }
    }
}

#[derive(Debug, Default)]
struct DqEntry {
    count: u64,
    denominator: u64,
    samples: Vec<String>,
}

/// How a message counts (§1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    System,
    Client {
        substantive: bool,
    },
    /// Human staff message; `reply` = it can close a wait (delivered or counted anyway).
    Human {
        reply: bool,
        undelivered: bool,
    },
    Bot(usize),
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Answered,
    Open,
    Closed,
    Expired,
}

#[derive(Debug)]
struct WaitState {
    start: Micros,
    last_sub: Micros,
    first: bool,
}

#[derive(Debug)]
struct SessionState {
    no: u32,
    start: Micros,
    initiator: u8,
    last_act: Micros,
    client: u32,
    client_sub: u32,
    human: u32,
    bot: u32,
    unknown: u32,
    waits: u32,
    answered: u32,
    last_outcome: Option<Outcome>,
    last_wait_end: Option<Micros>,
    pending_close: Option<Micros>,
    first_response: Option<(i64, i64)>,
    key: Key,
    lead: Option<String>,
    responsible: u32,
    active_keys: Vec<Key>,
    participants: Vec<u32>,
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
    patterns: Vec<Regex>,
    bot_ids: FxHashSet<String>,
    known: Option<FxHashSet<String>>,
    frt: [bool; 5],
    reply_by_call: bool,
    pub(crate) acc: Accumulator,
    pub(crate) managers: Interner,
    teams: Interner,
    connections: Interner,
    pub(crate) pipelines: Interner,
    channels: Interner,
    manager_team: FxHashMap<u32, u32>,
    buckets: Buckets,
    dq: BTreeMap<&'static str, DqEntry>,
    dialog_rows: Vec<DialogRow>,
    pub(crate) reference: ReferenceData,
    pub(crate) leads: LeadsState,
    levels: Vec<u32>,
    country_code: u16,
    cal_cache: Vec<Option<usize>>,
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
        let cfg = ctx.config;
        cfg.validate()?;
        let country_code =
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
        let mut manager_team = FxHashMap::default();
        for (m, t) in &cfg.manager_teams {
            let (mi, ti) = (managers.id(Some(m)), teams.id(Some(t)));
            manager_team.insert(mi, ti);
        }
        let mut levels = cfg.percentiles.clone();
        levels.retain(|k| *k != 500 && *k != 900);
        Ok(Self {
            ack: AckRules::new(&cfg),
            patterns,
            bot_ids: cfg.bot_author_ids.iter().cloned().collect(),
            known: (!cfg.managers.is_empty()).then(|| cfg.managers.iter().cloned().collect()),
            frt,
            reply_by_call: cfg.reply_channels.iter().any(|c| c == "call"),
            acc: Accumulator::new(targets, cfg.breakdowns.clone()),
            managers,
            teams,
            connections: Interner::new("unknown"),
            pipelines: Interner::new("(no lead)"),
            channels: Interner::new("unknown"),
            manager_team,
            buckets: Buckets::new(
                tz,
                day_end,
                history_start - 86_400 * SEC,
                a.max(to) + 86_400 * SEC,
            ),
            dq: BTreeMap::new(),
            dialog_rows: Vec::new(),
            leads: LeadsState::default(),
            reference: ctx.reference,
            levels,
            country_code,
            cal_cache: Vec::new(),
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

    /// L1 phone normalization (metrics.md §1.5): digits only; an 11-digit number starting with 8
    /// under country code 7 becomes 7…; 10 digits get the country code; valid results have 10–15
    /// digits and are written `+<digits>`. Anything else counts in `dq.invalid_phone`.
    pub fn l1_phone(&mut self, raw: &str) -> Option<String> {
        let mut d: String = raw.chars().filter(char::is_ascii_digit).collect();
        let cc = self.country_code.to_string();
        if d.len() == 11 && d.starts_with('8') && cc == "7" {
            d.replace_range(0..1, "7");
        } else if d.len() == 10 {
            d.insert_str(0, &cc);
        }
        let ok = (10..=15).contains(&d.len());
        self.dq_add("dq.invalid_phone", !ok, || raw.to_owned());
        ok.then(|| format!("+{d}"))
    }

    /// Keeps an example id of a counted data-quality item (the count is added separately).
    fn dq_sample(&mut self, id: &'static str, sample: impl FnOnce() -> String) {
        let n = self.cfg.dq_sample_size;
        let e = self.dq.entry(id).or_default();
        if e.samples.len() < n {
            e.samples.push(sample());
        }
    }

    pub(crate) fn manager_id(&mut self, m: Option<&str>) -> u32 {
        self.managers.id(m)
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
        pipeline: Option<&str>,
        kind: ChatKind,
        initiator: u8,
    ) -> Key {
        let (c, o) = (
            self.channels.id(Some(channel)),
            self.connections.id(connection),
        );
        self.key_ids(t, manager, c, o, pipeline, kind, initiator)
    }

    /// A key with the channel and connection already interned.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn key_ids(
        &mut self,
        t: Micros,
        manager: u32,
        channel: u32,
        connection: u32,
        pipeline: Option<&str>,
        kind: ChatKind,
        initiator: u8,
    ) -> Key {
        let (day, hour, weekday) = self.buckets.get(t);
        let in_hours = self
            .acc
            .dims
            .iter()
            .flatten()
            .any(|d| *d == crate::analytics::Dimension::InHours)
            && {
                let p = self.cal_pos(manager);
                self.cals.at(p)
            }
            .in_hours(t);
        Key {
            manager,
            team: self.manager_team.get(&manager).copied().unwrap_or(0),
            channel,
            connection,
            pipeline: self.pipelines.id(pipeline),
            day,
            hour,
            weekday,
            chat_kind: u8::from(kind == ChatKind::Group),
            initiator,
            in_hours: u8::from(in_hours),
        }
    }

    fn is_known_manager(&self, id: &str) -> bool {
        !self.bot_ids.contains(id) && self.known.as_ref().is_none_or(|k| k.contains(id))
    }

    /// §1.6 author classification; returns the class and the staff author id.
    fn classify<'m>(&self, m: &'m Message, group: bool) -> (Class, Option<Cow<'m, str>>, bool) {
        let author = m.author_id.as_deref();
        let borrowed = author.map(Cow::Borrowed);
        if m.author_kind == AuthorKind::System {
            return (Class::System, borrowed.clone(), false);
        }
        if m.direction == Direction::Inbound {
            if group && author.is_some_and(|a| self.cfg.staff_participants.contains_key(a)) {
                let staff = author
                    .and_then(|a| self.cfg.staff_participants.get(a))
                    .map(|x| Cow::Owned(x.clone()));
                return (
                    Class::Human {
                        reply: true,
                        undelivered: false,
                    },
                    staff,
                    false,
                );
            }
            if m.author_kind == AuthorKind::Manager {
                return (
                    Class::Human {
                        reply: true,
                        undelivered: false,
                    },
                    borrowed.clone(),
                    false,
                );
            }
            return (
                Class::Client {
                    substantive: self.ack.is_substantive(m),
                },
                None,
                false,
            );
        }
        if author.is_some_and(|a| self.bot_ids.contains(a)) {
            return (Class::Bot(0), borrowed.clone(), false);
        }
        let known = author.is_some_and(|a| self.is_known_manager(a));
        if m.is_template && !known {
            return (Class::Bot(1), borrowed.clone(), false);
        }
        if m.is_broadcast {
            return (Class::Bot(2), borrowed.clone(), false);
        }
        if let Some(t) = m.text.as_deref()
            && self.patterns.iter().any(|p| p.is_match(t))
        {
            return (Class::Bot(3), borrowed.clone(), false);
        }
        if m.author_kind == AuthorKind::Bot {
            return (Class::Bot(4), borrowed.clone(), false);
        }
        let undelivered = m.is_undelivered();
        let reply = !undelivered || self.cfg.undelivered_replies_count;
        if known {
            return (Class::Human { reply, undelivered }, borrowed.clone(), false);
        }
        match self.cfg.unknown_outbound_as {
            UnknownOutboundAs::Manager => (Class::Human { reply, undelivered }, None, true),
            UnknownOutboundAs::Unknown => (Class::Unknown, None, true),
        }
    }

    /// Processes one chat: its sessions, waits and messages. Returns the human touches (for
    /// speed to lead and follow-up).
    pub fn add_chat(&mut self, input: &ChatInput<'_, '_>) -> Vec<Touch> {
        let chat = input.chat;
        let group = chat.kind == ChatKind::Group;
        let channel = chat.channel.as_str();
        let connection = chat.connection.as_deref();
        let (channel_id, connection_id) = (
            self.channels.id(Some(channel)),
            self.connections.id(connection),
        );
        let mut active_in_period = false;
        let mut dq_lead = (0u64, 0u64);
        let mut dq_author = (0u64, 0u64);
        let mut dq_undelivered = (0u64, 0u64);
        // Events: (instant, class, seq) — C5.
        let mut ev: Vec<(Micros, u8, u32)> = Vec::with_capacity(input.messages.len());
        for (i, m) in input.messages.iter().enumerate() {
            let t = us(m.created_at);
            if t > self.a || t < self.history_start {
                continue;
            }
            ev.push((t, u8::from(m.direction == Direction::Outbound), i as u32));
        }
        // De-duplicate by id (a duplicate carries the same instant, so it sorts next to it).
        ev.sort_unstable();
        let before = ev.len();
        ev.dedup_by(|b, a| {
            a.0 == b.0
                && a.1 == b.1
                && input.messages[a.2 as usize].id == input.messages[b.2 as usize].id
        });
        for _ in ev.len()..before {
            self.dq_add("dq.timestamp_anomalies", true, || {
                format!("duplicate message in chat {}", chat.id)
            });
        }
        if self.reply_by_call {
            for (i, c) in input.calls.iter().enumerate() {
                let t = us(c.started_at);
                if t <= self.a && c.answered() && c.talk_s >= self.cfg.reply_call_min_talk_s {
                    ev.push((t, 2, i as u32));
                }
            }
        }
        if self.cfg.close_on_lead_closed {
            for (i, l) in input.leads.iter().enumerate() {
                if let Some(c) = l.closed.filter(|c| *c <= self.a) {
                    ev.push((c, 3, i as u32));
                }
            }
        }
        ev.sort_unstable();

        let mut touches = Vec::new();
        let mut sess: Option<SessionState> = None;
        let mut wait: Option<WaitState> = None;
        let mut session_no = 0u32;
        let ahead = self.cfg.lead_link_ahead * SEC;
        let behind = self.cfg.lead_link_behind * SEC;
        let expiry = self.cfg.wait_expiry * SEC;
        let gap = self.cfg.session_gap * SEC;

        for &(t, class, idx) in &ev {
            // W6: expiry before anything at t (K1: an event exactly at expiry still closes).
            if wait.as_ref().is_some_and(|w| t > w.start + expiry) {
                let w = wait.take().unwrap_or_else(|| unreachable!());
                self.end_wait(
                    &w,
                    Outcome::Expired,
                    Some(w.start + expiry),
                    None,
                    sess.as_mut(),
                    input,
                    group,
                );
            }
            match class {
                3 => {
                    if let Some(w) = wait.take() {
                        self.end_wait(
                            &w,
                            Outcome::Closed,
                            Some(t),
                            None,
                            sess.as_mut(),
                            input,
                            group,
                        );
                    }
                    if let Some(s) = sess.as_mut() {
                        s.pending_close.get_or_insert(t);
                    }
                }
                2 => {
                    let c = &input.calls[idx as usize];
                    if wait.as_ref().is_some_and(|w| t > w.start) {
                        let w = wait.take().unwrap_or_else(|| unreachable!());
                        let who = c.manager.as_ref().map(|m| m.as_str());
                        self.end_wait(
                            &w,
                            Outcome::Answered,
                            Some(t),
                            Some((who, true)),
                            sess.as_mut(),
                            input,
                            group,
                        );
                    }
                }
                _ => {
                    let m = &input.messages[idx as usize];
                    let (cls, author_cow, no_author) = self.classify(m, group);
                    let author = author_cow.as_deref();
                    if cls == Class::System {
                        continue;
                    }
                    let lead = lead_at(input.leads, t, ahead, behind);
                    let responsible = lead.and_then(|l| l.responsible_at(t));
                    let in_period = self.in_period(t);
                    // S2/S3: session boundaries.
                    let split = match &sess {
                        None => true,
                        Some(s) => {
                            s.pending_close.is_some() || (wait.is_none() && t - s.last_act >= gap)
                        }
                    };
                    if split {
                        if let Some(s) = sess.take() {
                            self.end_session(s, None, &wait, input);
                        }
                        session_no += 1;
                        let initiator = match cls {
                            Class::Client { .. } => 1,
                            Class::Human { .. } => 2,
                            Class::Bot(_) => 3,
                            _ => 4,
                        };
                        let resp = self.manager_id(responsible);
                        let pipeline = lead.and_then(|l| l.stage_at(t).0);
                        let key =
                            self.key(t, resp, channel, connection, pipeline, chat.kind, initiator);
                        sess = Some(SessionState {
                            no: session_no,
                            start: t,
                            initiator,
                            last_act: t,
                            client: 0,
                            client_sub: 0,
                            human: 0,
                            bot: 0,
                            unknown: 0,
                            waits: 0,
                            answered: 0,
                            last_outcome: None,
                            last_wait_end: None,
                            pending_close: None,
                            first_response: None,
                            key,
                            lead: lead.map(|l| l.deal.id.0.clone()),
                            responsible: resp,
                            active_keys: Vec::new(),
                            participants: Vec::new(),
                        });
                    }
                    let Some(s) = sess.as_mut() else { continue };
                    s.last_act = t;
                    let msg_manager = match cls {
                        Class::Human { .. } => author.or(responsible),
                        _ => responsible,
                    };
                    match cls {
                        Class::Client { substantive } => {
                            s.client += 1;
                            if substantive {
                                s.client_sub += 1;
                                match wait.as_mut() {
                                    Some(w) => w.last_sub = t,
                                    None => {
                                        s.waits += 1;
                                        wait = Some(WaitState {
                                            start: t,
                                            last_sub: t,
                                            first: s.waits == 1,
                                        });
                                    }
                                }
                            }
                        }
                        Class::Human { reply, .. } => {
                            s.human += 1;
                            let who = self.manager_id(author);
                            touches.push(Touch {
                                at: t,
                                manager: who,
                            });
                            if reply && wait.is_some() {
                                let w = wait.take().unwrap_or_else(|| unreachable!());
                                self.end_wait(
                                    &w,
                                    Outcome::Answered,
                                    Some(t),
                                    Some((author, false)),
                                    sess.as_mut(),
                                    input,
                                    group,
                                );
                            }
                        }
                        Class::Bot(_) => s.bot += 1,
                        Class::Unknown => s.unknown += 1,
                        Class::System => {}
                    }
                    if !in_period {
                        continue;
                    }
                    active_in_period = true;
                    // Message volumes.
                    let mgr = self.manager_id(msg_manager);
                    let pipeline = lead.and_then(|l| l.stage_at(t).0);
                    let key =
                        self.key_ids(t, mgr, channel_id, connection_id, pipeline, chat.kind, 0);
                    if let Some(s) = sess.as_mut() {
                        let mut akey = key;
                        akey.manager = s.responsible;
                        akey.initiator = s.initiator;
                        akey.team = self.manager_team.get(&s.responsible).copied().unwrap_or(0);
                        if !s.active_keys.contains(&akey) {
                            s.active_keys.push(akey);
                        }
                        if matches!(cls, Class::Human { .. }) && !s.participants.contains(&mgr) {
                            s.participants.push(mgr);
                        }
                    }
                    let udc = self.cfg.undelivered_replies_count;
                    let chars = m.text.as_deref().map_or(0, |x| x.chars().count() as u64);
                    self.acc.add_messages(key, |c| match cls {
                        Class::Client { substantive } => {
                            c.inbound += 1;
                            c.chars_client += chars;
                            if substantive {
                                c.substantive += 1
                            } else {
                                c.ack += 1
                            }
                        }
                        Class::Human { undelivered, .. } => {
                            c.human += 1;
                            if undelivered {
                                c.undelivered += 1;
                            }
                            if !undelivered || udc {
                                c.human_delivered += 1;
                                c.chars_human += chars;
                            }
                        }
                        Class::Bot(r) => c.bot[r] += 1,
                        Class::Unknown => c.unknown += 1,
                        Class::System => {}
                    });
                    dq_lead.1 += 1;
                    if lead.is_none() {
                        dq_lead.0 += 1;
                        self.dq_sample("dq.msg_without_lead", || m.id.0.clone());
                    }
                    if m.direction == Direction::Outbound {
                        dq_author.1 += 1;
                        dq_undelivered.1 += 1;
                        if no_author {
                            dq_author.0 += 1;
                            self.dq_sample("dq.outbound_without_author", || m.id.0.clone());
                        }
                        if m.is_undelivered() {
                            dq_undelivered.0 += 1;
                            self.dq_sample("dq.undelivered_outbound", || m.id.0.clone());
                        }
                    }
                }
            }
        }
        for (id, (count, den)) in [
            ("dq.msg_without_lead", dq_lead),
            ("dq.outbound_without_author", dq_author),
            ("dq.undelivered_outbound", dq_undelivered),
        ] {
            let e = self.dq.entry(id).or_default();
            e.count += count;
            e.denominator += den;
        }
        if active_in_period {
            let unmatched = input.leads.iter().all(|l| l.deal.synthetic);
            self.dq_add("dq.unmatched_chats", unmatched, || chat.id.0.clone());
        }
        // End of the loaded data: expiry at or before A, else open.
        if let Some(w) = wait.take() {
            if self.a >= w.start + expiry {
                self.end_wait(
                    &w,
                    Outcome::Expired,
                    Some(w.start + expiry),
                    None,
                    sess.as_mut(),
                    input,
                    group,
                );
            } else {
                self.end_wait(&w, Outcome::Open, None, None, sess.as_mut(), input, group);
                if let Some(s) = sess.as_mut() {
                    s.last_wait_end = None;
                }
                if let Some(s) = sess.take() {
                    self.end_session(s, None, &Some(w), input);
                }
                return touches;
            }
        }
        if let Some(s) = sess.take() {
            self.end_session(s, None, &None, input);
        }
        touches
    }

    #[allow(clippy::too_many_arguments)]
    fn end_wait(
        &mut self,
        w: &WaitState,
        outcome: Outcome,
        end: Option<Micros>,
        reply: Option<(Option<&str>, bool)>,
        sess: Option<&mut SessionState>,
        input: &ChatInput<'_, '_>,
        group: bool,
    ) {
        let Some(s) = sess else { return };
        s.last_outcome = Some(outcome);
        s.last_wait_end = end;
        if outcome == Outcome::Answered {
            s.answered += 1;
        }
        let in_period = self.in_period(w.start);
        let open_at_e = w.start < self.e && end.is_none_or(|x| x > self.e);
        if !in_period && !open_at_e {
            return;
        }
        if group && !self.cfg.group_chats_in_waits {
            if in_period {
                let key = s.key;
                self.acc.apply(&key, |a| a.group_excluded += 1);
            }
            return;
        }
        let ahead = self.cfg.lead_link_ahead * SEC;
        let behind = self.cfg.lead_link_behind * SEC;
        let resp =
            |t: Micros| lead_at(input.leads, t, ahead, behind).and_then(|l| l.responsible_at(t));
        let end_at = end.unwrap_or(self.a);
        let attributed = match (self.cfg.attribution, outcome) {
            (Attribution::OwnerAtStart, _) => resp(w.start),
            (Attribution::Replier, Outcome::Answered) => {
                reply.and_then(|r| r.0).or_else(|| resp(end_at))
            }
            _ => resp(end_at),
        };
        let mgr = self.manager_id(attributed);
        let mstart = match self.cfg.wait_anchor {
            WaitAnchor::First => w.start,
            WaitAnchor::Last => w.last_sub,
        };
        let cal_ix = {
            let p = self.cal_pos(mgr);
            self.cals.at(p)
        };
        let cal = (end_at - mstart).max(0);
        let bus = cal_ix.business_micros(mstart, end_at);
        let measure = if self.cfg.sla_basis == Basis::Business {
            bus
        } else {
            cal
        };
        let state = match outcome {
            Outcome::Answered => ItemState::Answered,
            Outcome::Open => ItemState::Open,
            _ => ItemState::EndedUnanswered,
        };
        // Snapshot at E (§3.4).
        let (age_cal, age_bus) = if open_at_e {
            (
                (self.e - mstart).max(0),
                cal_ix.business_micros(mstart, self.e),
            )
        } else {
            (0, 0)
        };
        let age_measure = if self.cfg.sla_basis == Basis::Business {
            age_bus
        } else {
            age_cal
        };
        let lead = lead_at(input.leads, w.start, ahead, behind);
        let pipeline = lead.and_then(|l| l.stage_at(w.start).0);
        let chat = input.chat;
        let key = self.key(
            w.start,
            mgr,
            chat.channel.as_str(),
            chat.connection.as_deref(),
            pipeline,
            chat.kind,
            s.initiator,
        );
        let first_frt = w.first && self.frt[s.initiator as usize];
        if w.first && outcome == Outcome::Answered && self.frt[s.initiator as usize] {
            s.first_response = Some((cal, bus));
        }
        if open_at_e {
            let mut ekey = key;
            let (day, hour, weekday) = self.buckets.get(self.e - 1);
            (ekey.day, ekey.hour, ekey.weekday) = (day, hour, weekday);
            self.acc.apply(&ekey, |a| {
                a.open_end += 1;
                a.open_end_age.push(age_cal, age_bus);
                for i in 0..a.sla.len() {
                    if age_measure > a.sla[i].target_s * SEC {
                        a.overdue[i] += 1;
                    }
                }
            });
        }
        if !in_period {
            return;
        }
        self.acc.apply(&key, |a| {
            a.waits += 1;
            match outcome {
                Outcome::Answered => {
                    a.answered += 1;
                    a.reply.push(cal, bus);
                    if first_frt {
                        a.first.push(cal, bus);
                    } else if !w.first {
                        a.next.push(cal, bus);
                    }
                }
                Outcome::Open => a.open += 1,
                Outcome::Closed => a.closed += 1,
                Outcome::Expired => a.expired += 1,
            }
            for i in 0..a.sla.len() {
                let st = classify(measure, a.sla[i].target_s, state);
                a.sla[i].add(st);
                if first_frt {
                    a.sla_first[i].add(st);
                }
            }
        });
    }

    fn end_session(
        &mut self,
        s: SessionState,
        _at: Option<Micros>,
        open_wait: &Option<WaitState>,
        input: &ChatInput<'_, '_>,
    ) {
        let gap = self.cfg.session_gap * SEC;
        let natural = (s.last_act + gap).max(s.last_wait_end.unwrap_or(i64::MIN));
        let (end, reason) = if open_wait.is_some() {
            (None, "ongoing")
        } else if let Some(c) = s.pending_close.filter(|c| *c <= natural) {
            (Some(c), "crm_close")
        } else if natural <= self.a {
            (Some(natural), "gap")
        } else {
            (None, "ongoing")
        };
        let is_dialog = s.client_sub > 0;
        if !s.active_keys.is_empty() && is_dialog {
            let keys = s.active_keys.clone();
            self.acc.apply_distinct(&keys, |a| a.active += 1);
        }
        if is_dialog && !s.participants.is_empty() {
            let mut keys = Vec::new();
            for p in &s.participants {
                let mut k = s.key;
                k.manager = *p;
                k.team = self.manager_team.get(p).copied().unwrap_or(0);
                keys.push(k);
            }
            self.acc.apply_distinct(&keys, |a| a.participation += 1);
        }
        if !self.in_period(s.start) {
            return;
        }
        let never = (is_dialog && s.waits > 0 && s.answered == 0).then_some(match s.last_outcome {
            Some(Outcome::Expired) => "lost_expired",
            Some(Outcome::Closed) => "lost_closed",
            _ => "awaiting",
        });
        let group = input.chat.kind == ChatKind::Group;
        let count_rate = is_dialog && (!group || self.cfg.group_chats_in_waits);
        let initiator = INITIATORS[s.initiator as usize];
        let outreach = !is_dialog && s.client == 0 && (s.human + s.bot + s.unknown) > 0;
        let ack_only = !is_dialog && s.client > 0;
        let na_counts = count_rate && never.is_some();
        self.acc.apply(&s.key, |a| {
            a.sessions += 1;
            if is_dialog {
                a.new += 1;
                *a.new_by.entry(initiator).or_insert(0) += 1;
            }
            if outreach {
                a.outreach += 1;
            }
            if ack_only {
                a.ack_only += 1;
            }
            if count_rate {
                a.na_denominator += 1;
            }
            if na_counts {
                match never {
                    Some("lost_expired") => a.na_expired += 1,
                    Some("lost_closed") => a.na_closed += 1,
                    _ => a.na_awaiting += 1,
                }
            }
        });
        if is_dialog {
            self.dialog_rows.push(DialogRow {
                chat: input.chat.id.0.clone(),
                session_no: s.no,
                lead: s.lead.clone(),
                channel: input.chat.channel.as_str().to_owned(),
                chat_kind: if group { "group" } else { "direct" }.to_owned(),
                start: from_micros(s.start),
                end: end.map(from_micros),
                end_reason: reason.to_owned(),
                initiator: initiator.to_owned(),
                responsible: self.managers.name(s.responsible).to_owned(),
                client_messages: s.client,
                client_substantive: s.client_sub,
                human_messages: s.human,
                bot_messages: s.bot,
                waits: s.waits,
                answered_waits: s.answered,
                first_response_calendar_s: s.first_response.map(|x| x.0 as f64 / 1e6),
                first_response_business_s: s.first_response.map(|x| x.1 as f64 / 1e6),
                never_answered: never.map(str::to_owned),
            });
        }
    }

    /// Merges the aggregates of another engine built with the same context (for example one
    /// that processed another share of the chats).
    pub fn merge(&mut self, other: MetricsEngine) {
        // Re-key the other engine's interned ids into ours.
        let remap = |mine: &mut Interner, theirs: &Interner| -> Vec<u32> {
            theirs
                .names
                .iter()
                .enumerate()
                .map(|(i, n)| if i == 0 { 0 } else { mine.id(Some(n)) })
                .collect()
        };
        let mm = remap(&mut self.managers, &other.managers);
        let tm = remap(&mut self.teams, &other.teams);
        let cm = remap(&mut self.channels, &other.channels);
        let om = remap(&mut self.connections, &other.connections);
        let pm = remap(&mut self.pipelines, &other.pipelines);
        let rekey = |k: &Key| Key {
            manager: mm[k.manager as usize],
            team: tm[k.team as usize],
            channel: cm[k.channel as usize],
            connection: om[k.connection as usize],
            pipeline: pm[k.pipeline as usize],
            ..*k
        };
        let dims = other.acc.dims.clone();
        let mut theirs = other.acc;
        theirs.msg_cells = theirs
            .msg_cells
            .iter()
            .map(|(k, v)| (rekey(k), *v))
            .collect();
        for (i, rows) in theirs.rows.iter_mut().enumerate() {
            let old = std::mem::take(rows);
            for (k, v) in old {
                let mut nk = k;
                for (slot, (x, d)) in nk.iter_mut().zip(k.iter().zip(&dims[i])) {
                    *slot = {
                        let m = |map: &Vec<u32>| i64::from(map[*x as usize]);
                        match d {
                            crate::analytics::Dimension::Manager => m(&mm),
                            crate::analytics::Dimension::Team => m(&tm),
                            crate::analytics::Dimension::Channel => m(&cm),
                            crate::analytics::Dimension::Connection => m(&om),
                            crate::analytics::Dimension::Pipeline => m(&pm),
                            _ => *x,
                        }
                    };
                }
                rows.entry(nk)
                    .or_insert_with(|| Agg::new(&theirs.targets))
                    .merge(&v);
            }
        }
        self.acc.merge(&theirs);
        for (id, e) in other.dq {
            let mine = self.dq.entry(id).or_default();
            mine.count += e.count;
            mine.denominator += e.denominator;
            for s in e.samples {
                if mine.samples.len() < self.cfg.dq_sample_size {
                    mine.samples.push(s);
                }
            }
        }
        self.dialog_rows.extend(other.dialog_rows);
        self.leads.merge(other.leads);
    }

    fn label(&self, d: crate::analytics::Dimension, v: i64) -> String {
        use crate::analytics::Dimension as D;
        let u = |v: i64| u32::try_from(v).unwrap_or(0);
        match d {
            D::Manager => {
                let id = self.managers.name(u(v));
                id.to_owned()
            }
            D::Team => self.teams.name(u(v)).to_owned(),
            D::Channel => self.channels.name(u(v)).to_owned(),
            D::Connection => self.connections.name(u(v)).to_owned(),
            D::Pipeline => self.pipelines.name(u(v)).to_owned(),
            D::Day => NaiveDate::from_num_days_from_ce_opt(v as i32)
                .map_or_else(String::new, |d| d.to_string()),
            D::Hour => format!("{v:02}"),
            D::Weekday => ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .get(u(v) as usize)
                .copied()
                .unwrap_or("?")
                .to_owned(),
            D::ChatKind => if v == 1 { "group" } else { "direct" }.to_owned(),
            D::Initiator => INITIATORS
                .get(u(v) as usize)
                .copied()
                .unwrap_or("-")
                .to_owned(),
            D::InHours => if v == 1 { "in_hours" } else { "out_of_hours" }.to_owned(),
        }
    }

    /// Publishes the report.
    #[must_use]
    pub fn finish(mut self) -> MetricsReport {
        self.acc.flush_messages();
        let empties = self.cals.empty_calendars(self.e);
        let n_cals = self.cfg.calendars.len().max(1) as u64;
        let mut levels = vec![];
        levels.extend(self.levels.iter().copied());
        let mut breakdowns = Vec::new();
        for (i, dims) in self.acc.dims.iter().enumerate() {
            let rows = self.acc.rows[i]
                .iter()
                .map(|(k, v)| crate::analytics::BreakdownRow {
                    key: k
                        .iter()
                        .zip(dims)
                        .map(|(x, d)| self.label(*d, *x))
                        .collect(),
                    values: v.publish(&levels),
                })
                .collect();
            breakdowns.push(crate::analytics::Breakdown {
                dimensions: dims.clone(),
                rows,
            });
        }
        let manager_dims = [crate::analytics::Dimension::Manager];
        let managers = match self.acc.dims.iter().position(|d| d[..] == manager_dims) {
            Some(i) => self.acc.rows[i]
                .iter()
                .map(|(k, v)| {
                    let id = self
                        .managers
                        .name(u32::try_from(k[0]).unwrap_or(0))
                        .to_owned();
                    crate::analytics::ManagerRow {
                        name: self
                            .cfg
                            .manager_names
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| id.clone()),
                        manager: id,
                        values: v.publish(&levels),
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        let (funnels, stage_times, loss_reasons) = self.leads.publish(&self, &levels);
        let mut dq: Vec<DqCounter> = self
            .dq
            .iter()
            .map(|(id, e)| DqCounter {
                id: (*id).to_owned(),
                count: e.count,
                denominator: e.denominator,
                share: (e.denominator > 0).then(|| e.count as f64 / e.denominator as f64),
                samples: e.samples.clone(),
            })
            .collect();
        dq.push(DqCounter {
            id: "dq.calendar_empty".into(),
            count: empties.len() as u64,
            denominator: n_cals,
            share: Some(empties.len() as f64 / n_cals as f64),
            samples: empties,
        });
        let bounds = [60, 300, 900, 1800, 3600, 4 * 3600, 86_400];
        let (hc, hb) = (
            self.acc.totals.reply.cal.histogram(&bounds),
            self.acc.totals.reply.bus.histogram(&bounds),
        );
        let reply_histogram = (0..=bounds.len())
            .map(|i| crate::analytics::report::HistogramBucket {
                le_s: bounds.get(i).copied(),
                calendar: hc[i],
                business: hb[i],
            })
            .collect();
        let mut dialogs = std::mem::take(&mut self.dialog_rows);
        dialogs.sort_by(|a, b| {
            (a.start, &a.chat, a.session_no).cmp(&(b.start, &b.chat, b.session_no))
        });
        MetricsReport {
            schema_version: METRICS_SCHEMA_VERSION,
            period_from: from_micros(self.from),
            period_to: from_micros(self.to),
            as_of: from_micros(self.a),
            snapshot_at: from_micros(self.e),
            report_tz: self.tz.name().to_owned(),
            totals: self.acc.totals.publish(&levels),
            breakdowns,
            funnels,
            stage_times,
            loss_reasons,
            reply_histogram,
            data_quality: dq,
            dialogs,
            managers,
        }
    }
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

/// Computes the metrics of a window's dialogs: chats one at a time (a chat linked to several
/// deals is processed once, with all of them as lead candidates), then calls by phone, then
/// every deal once.
///
/// # Errors
/// [`MetricsError::Config`] for an invalid configuration.
pub fn compute(ctx: MetricsContext, dialogs: &[Dialog]) -> Result<MetricsReport, MetricsError> {
    let reference = ctx.reference.clone();
    let resp = reference.deal_responsible_changes();
    let mut engine = MetricsEngine::new(ctx)?;
    fn make<'a>(
        d: &'a Dialog,
        resp: &HashMap<&str, Vec<&'a crate::model::ResponsibleChange>>,
    ) -> LeadView<'a> {
        let changes = resp.get(d.deal.id.as_str()).cloned().unwrap_or_default();
        LeadView::new(&d.deal, d.stage_changes.iter(), changes)
    }
    let view = |d| make(d, &resp);
    // Chats.
    let mut by_chat: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut order = Vec::new();
    for (i, d) in dialogs.iter().enumerate() {
        if let Some(c) = &d.chat {
            let e = by_chat.entry(c.id.as_str()).or_default();
            if e.is_empty() {
                order.push(c.id.as_str());
            }
            e.push(i);
        }
    }
    let mut touches_by_chat: HashMap<&str, Vec<Touch>> = HashMap::new();
    for chat_id in order {
        let idx = &by_chat[chat_id];
        let first = &dialogs[idx[0]];
        let Some(chat) = &first.chat else { continue };
        let leads: Vec<LeadView<'_>> = idx.iter().map(|&i| view(&dialogs[i])).collect();
        let calls: Vec<Call> = if engine.reply_by_call {
            idx.iter()
                .flat_map(|&i| dialogs[i].calls.iter().cloned())
                .collect()
        } else {
            Vec::new()
        };
        let t = engine.add_chat(&ChatInput {
            chat,
            messages: &first.messages,
            leads: &leads,
            calls: &calls,
        });
        touches_by_chat.insert(chat_id, t);
    }
    // Calls by phone.
    let mut by_phone: BTreeMap<String, Vec<(&Call, usize)>> = BTreeMap::new();
    let mut seen_calls = FxHashSet::default();
    for (i, d) in dialogs.iter().enumerate() {
        for c in &d.calls {
            if !seen_calls.insert(c.id.clone()) {
                continue;
            }
            let phone = c.phone.as_deref().and_then(|p| engine.l1_phone(p));
            let key = phone.unwrap_or_else(|| format!("deal:{}", d.deal.id));
            by_phone.entry(key).or_default().push((c, i));
        }
    }
    for (phone, calls) in &by_phone {
        let views: Vec<LeadView<'_>> = {
            let mut seen = Vec::new();
            calls
                .iter()
                .filter(|(_, i)| {
                    let s = !seen.contains(i);
                    seen.push(*i);
                    s
                })
                .map(|(_, i)| view(&dialogs[*i]))
                .collect()
        };
        let list: Vec<&Call> = calls.iter().map(|(c, _)| *c).collect();
        let has_phone = !phone.starts_with("deal:");
        engine.add_phone_calls(&list, &views, has_phone);
    }
    // Leads.
    let mut seen = FxHashSet::default();
    let empty = Vec::new();
    for d in dialogs {
        if !seen.insert(d.deal.id.as_str()) {
            continue;
        }
        let v = view(d);
        let t = d
            .chat
            .as_ref()
            .and_then(|c| touches_by_chat.get(c.id.as_str()))
            .unwrap_or(&empty);
        engine.add_lead(&LeadInput {
            lead: &v,
            chat_touches: t,
            calls: &d.calls,
        });
    }
    Ok(engine.finish())
}
