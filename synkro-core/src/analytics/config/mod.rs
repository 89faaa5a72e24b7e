//! The metrics configuration (metrics.md §7) with its defaults, read from the tenant runtime
//! config's `metadata.metrics` object. Durations are in seconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analytics::MetricsError;
use crate::analytics::calendar::CalendarSpec;

mod filters;
mod validate;

pub(crate) use filters::{CHAT_KINDS, FilterValue, IN_HOURS, OUTCOMES, WEEKDAYS, outcome_code};
use validate::reject_tenant_keys;

/// Which client message anchors a wait's measured start (W2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitAnchor {
    /// The first unanswered substantive message (what the client experienced).
    #[default]
    First,
    /// The last substantive message before the reply.
    Last,
}

/// Wait attribution (§5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribution {
    /// The replier; unanswered → responsible at the wait's end.
    #[default]
    Replier,
    /// Responsible at wait start.
    OwnerAtStart,
    /// Responsible at reply (unanswered → at the wait's end).
    OwnerAtReply,
}

/// Time basis of an SLA or follow-up rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Working time of the item's calendar.
    #[default]
    Business,
    /// Elapsed real time.
    Calendar,
}

/// What a call must be to count as a speed-to-lead touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallRule {
    /// Any outbound attempt.
    #[default]
    Attempt,
    /// Only connected calls.
    Connected,
}

/// How unknown-author outbound messages are classified (O7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownOutboundAs {
    /// Human manager without an author id.
    #[default]
    Manager,
    /// Kept as unknown (never a reply).
    Unknown,
}

/// Funnel mode (§3.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelMode {
    /// A later stage passes every earlier one.
    #[default]
    PassThrough,
    /// Only actual entries count.
    Strict,
}

/// Win-rate attribution (§3.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WinAttribution {
    /// Responsible at close.
    #[default]
    AtClose,
    /// Responsible at creation.
    AtCreation,
}

/// Who a speed-to-lead item is attributed to (K18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StlAttribution {
    /// The manager of the first touch; untouched → responsible at E.
    #[default]
    FirstTouch,
    /// Responsible at the lead's creation.
    AtCreation,
    /// Responsible at the first touch (untouched → at E).
    AtTouch,
}

/// Who a callback episode is attributed to (K18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackAttribution {
    /// The manager who called back; unresolved → responsible of the phone's lead at its end.
    #[default]
    Caller,
    /// Responsible of the phone's lead at the episode start.
    AtEpisodeStart,
}

/// How stays in a stage are counted (§3.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageTimeUnit {
    /// Every stay is an item.
    #[default]
    Stay,
    /// A lead's stays in one stage are summed into one item.
    Lead,
}

/// A breakdown dimension (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Attributed manager.
    Manager,
    /// Team of that manager.
    Team,
    /// Messenger channel.
    Channel,
    /// Connection.
    Connection,
    /// Pipeline of the lead at the anchor.
    Pipeline,
    /// Local day of the anchor.
    Day,
    /// Local hour of the anchor.
    Hour,
    /// Weekday of the anchor.
    Weekday,
    /// Direct or group chat.
    ChatKind,
    /// Session initiator.
    Initiator,
    /// Anchor inside working time.
    InHours,
    /// Stage of the lead at the anchor (L5), by stage id; `(no stage)` without a lead or stage.
    /// A close (win rate, won amount, cycle, loss reasons) takes the pipeline and stage it
    /// closed from (§3.14 "stage at loss"; `(no stage)` when no open stage is known), not the
    /// won/lost stage it entered; a funnel cohort item of stage X takes X (§3.12: its anchor is
    /// the pass of X, also when the lead skipped over X).
    Stage,
    /// The item's outcome as of A (P4: the anchor stays, only the outcome moves), one label set
    /// for every kind of item:
    /// - waits (§2.2 W9): `answered`, `open`, `closed`, `expired`; also their `wait.open_at_end`
    ///   snapshots, at E and at each day's end: a snapshot carries its wait's outcome at A (an
    ///   item has one outcome), so a wait open at E and answered before A is in the `answered`
    ///   row (with A = E every wait open at E is `open`); group waits left out of the wait
    ///   metrics (`wait.group_excluded`) too;
    /// - sessions (§3.5): a dialog's never-answered status `lost_expired`, `lost_closed`,
    ///   `awaiting` (by its last wait), or `answered` when one of its waits was answered;
    ///   sessions that are no dialog (outreach, ack-only), dialogs without a wait and group
    ///   dialogs §3.5 leaves out (K9, unless `group_chats_in_waits`) `-`. Every counter of the
    ///   session (`dialog.sessions`, `dialog.new` and its initiators, `dialog.outreach`,
    ///   `dialog.ack_only`, the never-answered counts and their rate's denominator, and the
    ///   distinct `dialog.active` and `dialog.participation` in its messages' buckets) and the
    ///   dialog row export carry it, so a row's never-answered rate is over the dialogs of that
    ///   status;
    /// - missed-call episodes (§3.7): `called_back`, `client_recalled`, `not_called_back`, `open`;
    /// - speed to lead (§3.6): `touched`, `open`, `closed`, `expired`.
    ///
    /// Everything else has no outcome and takes `-`: messages, `msg.ratio`, call volumes and
    /// missed calls, manual leads left out of speed to lead, win/loss, sales cycle and
    /// follow-up (§6's lead column "touched / open / closed" is read as speed to lead's).
    Outcome,
}

/// All metric settings of §7 (durations in seconds). Unknown keys are rejected so a typo never
/// silently keeps a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// S3 session gap.
    pub session_gap: i64,
    /// S3: a lead close also closes the chat's session.
    pub close_on_lead_closed: bool,
    /// W2.
    pub wait_anchor: WaitAnchor,
    /// W6 (calendar seconds).
    pub wait_expiry: i64,
    /// W7: `chat`, `call`.
    pub reply_channels: Vec<String>,
    /// §1.3 connected-call minimum talk.
    pub reply_call_min_talk_s: u32,
    /// §1.2.
    pub undelivered_replies_count: bool,
    /// §3.1: `client`, `bot`, `manager`, `unknown`.
    pub frt_initiators: Vec<String>,
    /// G4.
    pub group_chats_in_waits: bool,
    /// I2: participant id → manager id.
    pub staff_participants: BTreeMap<String, String>,
    /// O2.
    pub bot_author_ids: Vec<String>,
    /// O5 regexes.
    pub bot_text_patterns: Vec<String>,
    /// O7.
    pub unknown_outbound_as: UnknownOutboundAs,
    /// §1.7.
    pub ack_filter: bool,
    /// N4.
    pub ack_phrases: Vec<String>,
    /// N3.
    pub ack_emoji_only: bool,
    /// N3.
    pub ack_max_chars: usize,
    /// §1.2.
    pub sticker_webp_heuristic: bool,
    /// §3.3 targets in seconds, each once. A set: kept in ascending order whatever order
    /// configuration writes them in, so per-target results list the smallest (the headline of
    /// the tables and HTML) first.
    pub sla_targets: Vec<i64>,
    /// §3.3.
    pub sla_basis: Basis,
    /// O4: detect broadcasts by repeated text.
    pub broadcast_detection: bool,
    /// O4: distinct chats one text must reach.
    pub broadcast_min_chats: usize,
    /// O4: window in seconds.
    pub broadcast_window: i64,
    /// O0: seconds between a messenger message and a CRM outgoing-chat-message event.
    pub author_match_tolerance: i64,
    /// §5.5.
    pub attribution: Attribution,
    /// §3.6 targets in seconds, each once; kept in ascending order like `sla_targets`.
    pub stl_targets: Vec<i64>,
    /// K18.
    pub stl_basis: Basis,
    /// §3.6.
    pub stl_call_rule: CallRule,
    /// §3.6: touch channels among `chat`, `call`, `note`.
    pub stl_touch_channels: Vec<String>,
    /// K18.
    pub stl_attribution: StlAttribution,
    /// §3.6.
    pub stl_include_manual_leads: bool,
    /// §3.6.
    pub stl_expiry: i64,
    /// §3.7.
    pub missed_call_merge_window: i64,
    /// §3.7: callback channels among `call`, `chat`.
    pub callback_channels: Vec<String>,
    /// K18.
    pub callback_attribution: CallbackAttribution,
    /// §3.7.
    pub callback_requires_answer: bool,
    /// §3.7 targets in seconds, each once; kept in ascending order like `sla_targets`.
    pub callback_targets: Vec<i64>,
    /// K18.
    pub callback_basis: Basis,
    /// §3.7.
    pub callback_expiry: i64,
    /// §3.11.
    pub followup_days: u32,
    /// §3.11.
    pub followup_basis: Basis,
    /// §3.11 stage ids.
    pub followup_excluded_stages: Vec<String>,
    /// §3.12.
    pub funnel_mode: FunnelMode,
    /// §3.12: count a later stage only if passed within this many seconds of the cohort stage.
    pub funnel_horizon: Option<i64>,
    /// §3.13.
    pub stage_time_unit: StageTimeUnit,
    /// §3.14.
    pub win_attribution: WinAttribution,
    /// L3.
    pub lead_link_ahead: i64,
    /// L3.
    pub lead_link_behind: i64,
    /// §5.2 extra levels, per mille.
    pub percentiles: Vec<u32>,
    /// §5.4 relative accuracy α of the duration sketches ([`DdSketch`](crate::analytics::DdSketch),
    /// `Durations::sketch`, for pre-aggregated daily rollups). Published numbers come from
    /// exact percentiles and never use it. Only 0.01 is accepted: the sketch's bucket mapping
    /// (γ = 101/99) and the worked example E12 are fixed to it.
    pub sketch_alpha: f64,
    /// P1 local end of the reporting day, `HH:MM` (default `24:00`).
    pub report_day_end: String,
    /// C7.
    pub history_lookback: i64,
    /// §3.15.
    pub dq_sample_size: usize,
    /// §2.4: publish one row per wait of the period (`MetricsReport::waits`). Off by default: a
    /// busy month has hundreds of thousands.
    pub export_waits: bool,

    /// Business calendars (§4.1). Empty: the tenant calendar is `always` in the tenant zone.
    pub calendars: Vec<CalendarSpec>,
    /// The tenant calendar id (§1.1: required): one of `calendars` or the preset `always` (every
    /// day 00:00–24:00 in the tenant zone). May be left out only when `calendars` is empty, and
    /// then is `always`.
    pub tenant_calendar: Option<String>,
    /// Manager id → calendar id.
    pub manager_calendars: BTreeMap<String, String>,
    /// Team id → calendar id.
    pub team_calendars: BTreeMap<String, String>,
    /// Manager id → team id.
    pub manager_teams: BTreeMap<String, String>,
    /// Known manager ids (O6); empty: every author that is not a bot is a known manager.
    pub managers: Vec<String>,
    /// Manager id → display name.
    pub manager_names: BTreeMap<String, String>,
    /// Breakdowns to publish, each a list of dimensions combined.
    pub breakdowns: Vec<Vec<Dimension>>,
    /// Report filters (§6): dimension (as in `breakdowns`) → the values it keeps, written as
    /// the breakdown rows label them. Dimensions combine with AND, the values of one dimension
    /// with OR: `{"manager": ["anna", "boris"], "channel": ["whatsapp"], "pipeline": ["p1"]}`.
    /// Empty (the default): no filter.
    ///
    /// Values: `manager` a manager id or `unassigned`; `team` a team id or `(no team)`;
    /// `channel` one of `whatsapp`, `waba`, `telegram`, `telegram_bot`, `max`, `other`,
    /// `phone` (calls), `unknown`, `-` (lead items); `connection` a connection or `unknown`; `pipeline` a
    /// pipeline id or `(no lead)`; `stage` a stage id or `(no stage)`; `day` `YYYY-MM-DD` (the
    /// day bucket, P1); `hour` `0`–`23` (`09` as rows show it is accepted too); `weekday`
    /// `mon`–`sun`; `chat_kind` `direct` or `group`; `initiator` `client`, `manager`, `bot`,
    /// `unknown` or `-` (none); `in_hours` `in_hours`/`out_of_hours` (or `true`/`false`);
    /// `outcome` `answered`, `open`, `closed`, `expired` (waits; `open`, `closed`, `expired`
    /// also speed to lead), `lost_expired`, `lost_closed`, `awaiting` (dialogs, which also take
    /// `answered`), `called_back`, `client_recalled`, `not_called_back` (missed-call episodes;
    /// `open` too), `touched` (speed to lead) or `-` (items without an outcome), as of A (see
    /// [`Dimension::Outcome`]): `outcome = ["open"]` keeps the open waits, episodes and
    /// speed-to-lead items and nothing else.
    ///
    /// An item is kept when the values its breakdown rows would get (under `attribution` and
    /// the other attribution settings) pass the filter, and is then added to the totals, every
    /// breakdown and the manager rows; other items are added nowhere. A distinct or
    /// multi-credit measure (`dialog.active`, `dialog.participation`) counts an item once in
    /// the totals when any of its keys (any credited manager, any active hour) passes, and
    /// only in the rows of the keys that pass. The row exports follow the filter: a dialog row
    /// (§2.4) is kept when its session passes (the key of `dialog.new`), a wait row when its
    /// wait passes (the key of the wait metrics). The lead tables follow it too, each item by
    /// its anchor and attribution (§3.12–§3.14): a funnel cohort of stage X by the lead's pass
    /// of X (the responsible then, the pipeline, stage X; conversions count the kept cohorts'
    /// leads), a stay by its entry, a loss by its close; `open_at_end_by_day` counts the waits
    /// whose snapshot at that day's end passes (owner, pipeline and stage then).
    ///
    /// A dimension §6 marks "—" for a kind of item still has a value there, and a filter on it
    /// keeps the item only when that value is listed: lead items (speed to lead, win rate,
    /// funnels, stays, losses, follow-up) have channel `-`, connection `unknown`, chat kind
    /// `direct` and initiator `-`; calls have chat kind `direct` and initiator `-`; messages
    /// initiator `-`. So `channel = ["whatsapp"]` keeps no lead item, and
    /// `channel = ["whatsapp", "-"]` keeps WhatsApp's items and every lead item. Not
    /// filtered: `data_quality` (it describes the input data, not the selected items).
    pub filters: BTreeMap<String, Vec<String>>,
}

/// The default ack phrases of N4.
pub const DEFAULT_ACK_PHRASES: &[&str] = &[
    "ok",
    "ок",
    "окей",
    "okay",
    "хорошо",
    "ладно",
    "понял",
    "поняла",
    "понятно",
    "ясно",
    "принято",
    "спасибо",
    "спасибо большое",
    "большое спасибо",
    "благодарю",
    "спс",
    "thanks",
    "thank you",
    "thx",
    "+",
    "до свидания",
    "всего доброго",
    "хорошего дня",
];

impl Default for MetricsConfig {
    fn default() -> Self {
        let day = 86_400;
        Self {
            session_gap: day,
            close_on_lead_closed: false,
            wait_anchor: WaitAnchor::First,
            wait_expiry: 7 * day,
            reply_channels: vec!["chat".into()],
            reply_call_min_talk_s: 1,
            undelivered_replies_count: false,
            frt_initiators: vec!["client".into(), "bot".into()],
            group_chats_in_waits: false,
            staff_participants: BTreeMap::new(),
            bot_author_ids: vec!["0".into()],
            bot_text_patterns: Vec::new(),
            unknown_outbound_as: UnknownOutboundAs::Manager,
            ack_filter: true,
            ack_phrases: DEFAULT_ACK_PHRASES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            ack_emoji_only: true,
            ack_max_chars: 40,
            sticker_webp_heuristic: true,
            sla_targets: vec![900],
            sla_basis: Basis::Business,
            broadcast_detection: false,
            broadcast_min_chats: 10,
            broadcast_window: 600,
            author_match_tolerance: 10,
            attribution: Attribution::Replier,
            stl_targets: vec![300],
            stl_basis: Basis::Business,
            stl_call_rule: CallRule::Attempt,
            stl_touch_channels: vec!["chat".into(), "call".into()],
            stl_attribution: StlAttribution::FirstTouch,
            stl_include_manual_leads: false,
            stl_expiry: 7 * day,
            missed_call_merge_window: 15 * 60,
            callback_channels: vec!["call".into()],
            callback_attribution: CallbackAttribution::Caller,
            callback_requires_answer: false,
            callback_targets: vec![900],
            callback_basis: Basis::Business,
            callback_expiry: 7 * day,
            followup_days: 3,
            followup_basis: Basis::Business,
            followup_excluded_stages: Vec::new(),
            funnel_mode: FunnelMode::PassThrough,
            funnel_horizon: None,
            stage_time_unit: StageTimeUnit::Stay,
            win_attribution: WinAttribution::AtClose,
            lead_link_ahead: 3600,
            lead_link_behind: 30 * day,
            percentiles: vec![500, 900],
            sketch_alpha: crate::analytics::sketch::ALPHA,
            report_day_end: "24:00".into(),
            history_lookback: 30 * day,
            dq_sample_size: 20,
            export_waits: false,

            calendars: Vec::new(),
            tenant_calendar: None,
            manager_calendars: BTreeMap::new(),
            team_calendars: BTreeMap::new(),
            manager_teams: BTreeMap::new(),
            managers: Vec::new(),
            manager_names: BTreeMap::new(),
            breakdowns: vec![
                vec![Dimension::Manager],
                vec![Dimension::Channel],
                vec![Dimension::Pipeline],
                vec![Dimension::Day],
                vec![Dimension::Hour],
                vec![Dimension::Weekday, Dimension::Hour],
            ],
            filters: BTreeMap::new(),
        }
    }
}

impl MetricsConfig {
    /// Reads `metadata.metrics` (absent → defaults) and validates it.
    ///
    /// # Errors
    /// [`MetricsError::Config`] naming the key that is wrong and what is accepted.
    pub fn from_metadata(metadata: &serde_json::Value) -> Result<Self, MetricsError> {
        let mut cfg = match metadata.get("metrics") {
            None | Some(serde_json::Value::Null) => Self::default(),
            Some(v) => {
                reject_tenant_keys(v)?;
                serde_json::from_value::<Self>(v.clone()).map_err(|e| {
                    MetricsError::config(
                        "metadata.metrics",
                        format!("{e}; see metrics.md §7 for the keys"),
                    )
                })?
            }
        };
        cfg.validate()?;
        cfg.sort_targets();
        Ok(cfg)
    }

    /// Puts the SLA, speed-to-lead and callback targets in ascending order: §3.3 treats them as
    /// a set ("for each target T"), and the per-target results follow this order.
    pub(crate) fn sort_targets(&mut self) {
        self.sla_targets.sort_unstable();
        self.stl_targets.sort_unstable();
        self.callback_targets.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `metadata.metrics = metrics` is rejected with a message containing every
    /// part (the key, the bad value, what to do).
    fn check_rejected(metrics: serde_json::Value, parts: &[&str]) {
        let e = MetricsConfig::from_metadata(&serde_json::json!({ "metrics": metrics }))
            .expect_err("the configuration must be rejected")
            .to_string();
        for p in parts {
            assert!(e.contains(p), "`{p}` missing from: {e}");
        }
    }

    fn msk(id: &str) -> serde_json::Value {
        serde_json::json!({"id": id, "tz": "Europe/Moscow", "weekly": {"mon": ["09:00-18:00"]}})
    }

    #[test]
    fn section_7_keys_are_accepted_or_pointed_to_where_they_live() {
        let c =
            MetricsConfig::from_metadata(&serde_json::json!({"metrics": {"sketch_alpha": 0.01}}))
                .unwrap();
        assert!((c.sketch_alpha - 0.01).abs() < 1e-15);
        assert_eq!(c, MetricsConfig::default());
        for bad in [0.0, 1.0, -0.5] {
            check_rejected(
                serde_json::json!({ "sketch_alpha": bad }),
                &["sketch_alpha", "outside 0 < α < 1", "leave it out"],
            );
        }
        check_rejected(
            serde_json::json!({"sketch_alpha": 0.02}),
            &["sketch_alpha", "0.02", "α = 0.01", "write 0.01"],
        );
        check_rejected(
            serde_json::json!({"report_tz": "Europe/Berlin"}),
            &["report_tz", "Europe/Berlin", "`timezone`", "runtime config"],
        );
        check_rejected(
            serde_json::json!({"default_country_code": 7}),
            &[
                "default_country_code",
                "7",
                "`default_phone_region`",
                "runtime config",
            ],
        );
    }

    #[test]
    fn an_unknown_frt_initiator_is_rejected() {
        check_rejected(
            serde_json::json!({"frt_initiators": ["client", "Bot"]}),
            &["frt_initiators", "`Bot`", "client, bot, manager, unknown"],
        );
        let c = MetricsConfig::from_metadata(
            &serde_json::json!({"metrics": {"frt_initiators": ["client", "manager"]}}),
        )
        .unwrap();
        assert_eq!(c.frt_initiators, vec!["client", "manager"]);
    }

    #[test]
    fn targets_are_a_set_in_ascending_order() {
        let c = MetricsConfig::from_metadata(&serde_json::json!({"metrics": {
            "sla_targets": [3600, 900, 1800], "stl_targets": [600, 60], "callback_targets": [7200, 900]
        }}))
        .unwrap();
        assert_eq!(c.sla_targets, vec![900, 1800, 3600]);
        assert_eq!(c.stl_targets, vec![60, 600]);
        assert_eq!(c.callback_targets, vec![900, 7200]);
        for key in ["sla_targets", "stl_targets", "callback_targets"] {
            check_rejected(
                serde_json::json!({ key: [900, 3600, 900] }),
                &[key, "900 is listed twice", "once"],
            );
        }
    }

    #[test]
    fn calendars_without_a_tenant_calendar_are_rejected() {
        check_rejected(
            serde_json::json!({"calendars": [msk("MSK"), msk("SPB")]}),
            &["tenant_calendar", "missing", "MSK, SPB", "`always`"],
        );
        for id in ["MSK", "always"] {
            let c = MetricsConfig::from_metadata(
                &serde_json::json!({"metrics": {"calendars": [msk("MSK")], "tenant_calendar": id}}),
            )
            .unwrap();
            assert_eq!(c.tenant_calendar.as_deref(), Some(id));
        }
        assert!(MetricsConfig::from_metadata(&serde_json::json!({"metrics": {}})).is_ok());
    }

    #[test]
    fn two_calendars_with_one_id_are_rejected() {
        let mut other = msk("MSK");
        other["weekly"] = serde_json::json!({"sat": ["10:00-14:00"]});
        check_rejected(
            serde_json::json!({"calendars": [msk("MSK"), msk("SPB"), other], "tenant_calendar": "MSK"}),
            &["calendars[2].id", "`MSK`", "calendars[0]", "its own id"],
        );
    }

    #[test]
    fn a_calendar_version_needs_its_own_effective_from() {
        let mut c = msk("MSK");
        c["versions"] = serde_json::json!([
            {"effective_from": "2026-01-01", "weekly": {"tue": ["10:00-19:00"]}},
            {"weekly": {"mon": ["08:00-17:00"]}}
        ]);
        check_rejected(
            serde_json::json!({"calendars": [c], "tenant_calendar": "MSK"}),
            &[
                "calendars.MSK.versions[1].effective_from",
                "missing",
                "§4.1",
            ],
        );
        let mut c = msk("MSK");
        c["versions"] = serde_json::json!([
            {"effective_from": "2026-01-01", "weekly": {"tue": ["10:00-19:00"]}},
            {"effective_from": "2026-01-01", "weekly": {"mon": ["08:00-17:00"]}}
        ]);
        check_rejected(
            serde_json::json!({"calendars": [c], "tenant_calendar": "MSK"}),
            &[
                "calendars.MSK.versions[1].effective_from",
                "2026-01-01",
                "versions[0]",
            ],
        );
        let mut c = msk("MSK");
        c["effective_from"] = serde_json::json!("2026-01-01");
        check_rejected(
            serde_json::json!({"calendars": [c], "tenant_calendar": "MSK"}),
            &["calendars.MSK.effective_from", "2026-01-01", "`versions`"],
        );
        let mut c = msk("MSK");
        c["versions"] = serde_json::json!([
            {"effective_from": "2026-01-01", "weekly": {"tue": ["10:00-10:00"]}}
        ]);
        check_rejected(
            serde_json::json!({"calendars": [c], "tenant_calendar": "MSK"}),
            &["calendars.MSK.versions[0].weekly.tue", "10:00-10:00"],
        );
        let mut c = msk("MSK");
        c["versions"] = serde_json::json!([
            {"effective_from": "2026-01-01", "weekly": {"tue": ["10:00-19:00"]}}
        ]);
        let cfg = MetricsConfig::from_metadata(
            &serde_json::json!({"metrics": {"calendars": [c], "tenant_calendar": "MSK"}}),
        )
        .unwrap();
        assert_eq!(cfg.calendars[0].versions.len(), 1);
    }

    #[test]
    fn defaults_and_overrides_from_metadata() {
        let c = MetricsConfig::from_metadata(&serde_json::json!({})).unwrap();
        assert_eq!(c, MetricsConfig::default());
        assert_eq!(c.session_gap, 86_400);
        assert_eq!(c.ack_phrases.len(), 23);
        let c = MetricsConfig::from_metadata(&serde_json::json!({"metrics": {
            "sla_targets": [900, 3600], "attribution": "owner_at_start", "wait_anchor": "last"
        }}))
        .unwrap();
        assert_eq!(c.sla_targets, vec![900, 3600]);
        assert_eq!(c.attribution, Attribution::OwnerAtStart);
        let e = MetricsConfig::from_metadata(&serde_json::json!({"metrics": {"sla_target": 5}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("sla_target"), "{e}");
        let e = MetricsConfig::from_metadata(&serde_json::json!({"metrics": {"wait_expiry": 0}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("wait_expiry"), "{e}");
        let e = MetricsConfig::from_metadata(
            &serde_json::json!({"metrics": {"bot_text_patterns": ["("]}}),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("bot_text_patterns"), "{e}");
    }
}
