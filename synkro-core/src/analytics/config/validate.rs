//! Checking a metrics configuration: ranges, cross-key rules, calendars, filters, and the §7
//! keys whose settings live elsewhere.

use crate::analytics::MetricsError;
use crate::analytics::calendar::Calendar;
use crate::analytics::config::MetricsConfig;

/// §7 keys that tenant-level settings of the runtime config already hold: (key, where it lives).
const TENANT_KEYS: &[(&str, &str)] = &[
    (
        "report_tz",
        "the report zone is the tenant's `timezone` in its runtime config (TenantRuntimeConfig); \
         set it there and remove `report_tz` from metadata.metrics",
    ),
    (
        "default_country_code",
        "phones without a country code are completed from the tenant's `default_phone_region` \
         in its runtime config (an ISO 3166 region such as RU for +7); set it there and remove \
         `default_country_code` from metadata.metrics",
    ),
];

/// Rejects the §7 keys set elsewhere with an error that says where, rather than serde's
/// "unknown field".
pub(super) fn reject_tenant_keys(metrics: &serde_json::Value) -> Result<(), MetricsError> {
    for (key, home) in TENANT_KEYS {
        if let Some(v) = metrics.get(key) {
            return Err(MetricsError::config(key, format!("{v}: {home}")));
        }
    }
    Ok(())
}

impl MetricsConfig {
    /// Checks ranges and cross-key rules, and compiles every calendar.
    ///
    /// # Errors
    /// [`MetricsError::Config`] for the first key out of range or the first bad calendar.
    pub fn validate(&self) -> Result<(), MetricsError> {
        let pos = |key: &str, v: i64| {
            if v > 0 {
                Ok(())
            } else {
                Err(MetricsError::config(
                    key,
                    format!("{v} must be a positive number of seconds"),
                ))
            }
        };
        pos("session_gap", self.session_gap)?;
        pos("wait_expiry", self.wait_expiry)?;
        pos("stl_expiry", self.stl_expiry)?;
        pos("callback_expiry", self.callback_expiry)?;
        pos("missed_call_merge_window", self.missed_call_merge_window)?;
        if self.history_lookback < self.wait_expiry + self.session_gap {
            return Err(MetricsError::config(
                "history_lookback",
                "must be at least wait_expiry + session_gap (C7)",
            ));
        }
        for (key, ts) in [
            ("sla_targets", &self.sla_targets),
            ("stl_targets", &self.stl_targets),
            ("callback_targets", &self.callback_targets),
        ] {
            for (i, t) in ts.iter().enumerate() {
                pos(key, *t)?;
                if ts[..i].contains(t) {
                    return Err(MetricsError::config(
                        key,
                        format!("{t} is listed twice; list each target once"),
                    ));
                }
            }
        }
        let alpha = self.sketch_alpha;
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(MetricsError::config(
                "sketch_alpha",
                format!("{alpha} is outside 0 < α < 1 (§5.4); leave it out for 0.01"),
            ));
        }
        if (alpha - crate::analytics::sketch::ALPHA).abs() > 1e-12 {
            return Err(MetricsError::config(
                "sketch_alpha",
                format!(
                    "{alpha}: the sketches use α = 0.01 (γ = 101/99, §5.4) and no other value; \
                     leave it out or write 0.01"
                ),
            ));
        }
        if let Some(k) = self.percentiles.iter().find(|k| !(1..=1000).contains(*k)) {
            return Err(MetricsError::config(
                "percentiles",
                format!("{k} is outside 1..=1000 per mille"),
            ));
        }
        if let Some(b) = self
            .breakdowns
            .iter()
            .find(|b| b.is_empty() || b.len() > crate::analytics::agg::MAX_DIMS)
        {
            return Err(MetricsError::config(
                "breakdowns",
                format!("{b:?}: combine 1 to 4 dimensions"),
            ));
        }
        pos("broadcast_window", self.broadcast_window)?;
        if self.broadcast_min_chats < 2 {
            return Err(MetricsError::config(
                "broadcast_min_chats",
                format!(
                    "{}: a broadcast reaches at least 2 chats",
                    self.broadcast_min_chats
                ),
            ));
        }
        if self.author_match_tolerance < 0 {
            return Err(MetricsError::config(
                "author_match_tolerance",
                format!("{} must be 0 or more seconds", self.author_match_tolerance),
            ));
        }
        if let Some(h) = self.funnel_horizon {
            pos("funnel_horizon", h)?;
        }
        for (key, values, allowed) in [
            (
                "reply_channels",
                &self.reply_channels,
                &["chat", "call", "note"][..],
            ),
            (
                "stl_touch_channels",
                &self.stl_touch_channels,
                &["chat", "call", "note"][..],
            ),
            (
                "callback_channels",
                &self.callback_channels,
                &["call", "chat"][..],
            ),
            (
                "frt_initiators",
                &self.frt_initiators,
                &["client", "bot", "manager", "unknown"][..],
            ),
        ] {
            if let Some(c) = values.iter().find(|c| !allowed.contains(&c.as_str())) {
                return Err(MetricsError::config(
                    key,
                    format!("`{c}`: use {}", allowed.join(", ")),
                ));
            }
        }
        for p in &self.bot_text_patterns {
            regex::Regex::new(p)
                .map_err(|e| MetricsError::config("bot_text_patterns", e.to_string()))?;
        }
        if self.tenant_calendar.is_none() && !self.calendars.is_empty() {
            let ids: Vec<&str> = self.calendars.iter().map(|c| c.id.as_str()).collect();
            return Err(MetricsError::config(
                "tenant_calendar",
                format!(
                    "missing while `calendars` defines {}: name the calendar of unassigned items \
                     and managers without one (§1.1, §4.2), or `always` for every day 00:00-24:00",
                    ids.join(", ")
                ),
            ));
        }
        crate::analytics::calendar::check_unique_ids(&self.calendars)?;
        for c in &self.calendars {
            Calendar::new(c)?;
        }
        self.parsed_filters()?;
        Ok(())
    }
}
