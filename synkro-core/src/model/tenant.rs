//! Tenants and their runtime configuration.

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::model::TenantId;

/// Whether a tenant's runs may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TenantStatus {
    /// Runs are scheduled and may be forced.
    Active,
    /// Scheduled runs are skipped; forced runs are still allowed.
    Paused,
    /// No runs at all.
    Disabled,
}

/// One client company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// Store-assigned id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// Unique short name, used as the tenant id in client data exports.
    pub slug: String,
    /// Active, paused or disabled.
    pub status: TenantStatus,
    /// The tenant's IANA time zone.
    pub timezone: Tz,
}

/// A tenant's runtime configuration, with the old service's defaults.
///
/// Validate a config from users with [`TenantRuntimeConfig::validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantRuntimeConfig {
    /// Pipeline mode id (`amocrm_radist`, `radist_only`, `amocrm_only` or a custom mode's id).
    pub mode: String,
    /// IANA time zone used for business days and local times.
    pub timezone: Tz,
    /// Local time at which a business day starts (default 22:01).
    pub business_day_start: NaiveTime,
    /// Local time at which the daily run is queued (default 22:10).
    pub scheduled_run_time: NaiveTime,
    /// Whether the daily run is scheduled (default on).
    pub schedule_enabled: bool,
    /// Page size asked of the messenger (default 200). A page size, never a cap on data.
    pub radist_fetch_limit: u32,
    /// Chat modes drop deals with fewer messages than this (default 1).
    pub min_dialogs_for_report: u32,
    /// How far back a forced window may start, in days (default 3).
    pub max_force_lookback_days: u32,
    /// How long a forced window may be, in hours (default 24).
    pub max_force_window_hours: u32,
    /// How long follow-up questions are accepted after a report, in minutes (default 60).
    pub telegram_followup_minutes: u32,
    /// ISO 3166 region used to read phone numbers written without a country code (default `RU`).
    pub default_phone_region: String,
    /// Free-form settings for custom modes and integrations.
    pub metadata: serde_json::Value,
}

impl Default for TenantRuntimeConfig {
    fn default() -> Self {
        Self {
            mode: "amocrm_radist".to_owned(),
            timezone: chrono_tz::Europe::Moscow,
            business_day_start: NaiveTime::from_hms_opt(22, 1, 0).unwrap_or(NaiveTime::MIN),
            scheduled_run_time: NaiveTime::from_hms_opt(22, 10, 0).unwrap_or(NaiveTime::MIN),
            schedule_enabled: true,
            radist_fetch_limit: 200,
            min_dialogs_for_report: 1,
            max_force_lookback_days: 3,
            max_force_window_hours: 24,
            telegram_followup_minutes: 60,
            default_phone_region: "RU".to_owned(),
            metadata: serde_json::Value::Object(serde_json::Map::new()),
        }
    }
}

impl TenantRuntimeConfig {
    /// Checks every value against its accepted range.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first field that is out of range and what is accepted;
    /// [`ConfigError::Missing`] for an empty mode.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.mode.trim().is_empty() {
            return Err(ConfigError::missing("mode"));
        }
        if !(1..=1000).contains(&self.radist_fetch_limit) {
            return Err(ConfigError::invalid(
                "radist_fetch_limit",
                format!("{} is outside 1..=1000", self.radist_fetch_limit),
            ));
        }
        if self.max_force_window_hours == 0 || self.max_force_window_hours > 24 * 31 {
            return Err(ConfigError::invalid(
                "max_force_window_hours",
                format!("{} is outside 1..=744", self.max_force_window_hours),
            ));
        }
        if self.max_force_lookback_days == 0 || self.max_force_lookback_days > 366 {
            return Err(ConfigError::invalid(
                "max_force_lookback_days",
                format!("{} is outside 1..=366", self.max_force_lookback_days),
            ));
        }
        if self.telegram_followup_minutes > 7 * 24 * 60 {
            return Err(ConfigError::invalid(
                "telegram_followup_minutes",
                format!("{} is more than a week", self.telegram_followup_minutes),
            ));
        }
        let region = &self.default_phone_region;
        if region.len() != 2 || !region.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ConfigError::invalid(
                "default_phone_region",
                format!("`{region}` is not a two-letter upper-case ISO 3166 region such as RU"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_old_service() {
        let cfg = TenantRuntimeConfig::default();
        assert_eq!(cfg.mode, "amocrm_radist");
        assert_eq!(
            cfg.business_day_start,
            NaiveTime::from_hms_opt(22, 1, 0).unwrap()
        );
        assert_eq!(
            cfg.scheduled_run_time,
            NaiveTime::from_hms_opt(22, 10, 0).unwrap()
        );
        assert!(cfg.schedule_enabled);
        assert_eq!(cfg.radist_fetch_limit, 200);
        assert_eq!(cfg.min_dialogs_for_report, 1);
        assert_eq!(cfg.max_force_lookback_days, 3);
        assert_eq!(cfg.max_force_window_hours, 24);
        assert_eq!(cfg.telegram_followup_minutes, 60);
        assert_eq!(cfg.validate(), Ok(()));
    }

    #[test]
    fn bad_values_name_the_field() {
        let cfg = TenantRuntimeConfig {
            max_force_window_hours: 0,
            ..TenantRuntimeConfig::default()
        };
        let err = cfg.validate().unwrap_err();
        assert!(err.to_string().contains("max_force_window_hours"), "{err}");

        let cfg = TenantRuntimeConfig {
            default_phone_region: "russia".into(),
            ..TenantRuntimeConfig::default()
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("default_phone_region")
        );
    }

    #[test]
    fn partial_json_takes_defaults_and_rejects_bad_zones() {
        let cfg: TenantRuntimeConfig =
            serde_json::from_str(r#"{"mode":"radist_only","timezone":"Europe/Berlin"}"#).unwrap();
        assert_eq!(cfg.mode, "radist_only");
        assert_eq!(cfg.timezone, chrono_tz::Europe::Berlin);
        assert_eq!(cfg.radist_fetch_limit, 200);
        let bad = serde_json::from_str::<TenantRuntimeConfig>(r#"{"timezone":"Mars/Olympus"}"#);
        assert!(bad.is_err());
    }
}
