//! Report filters (metrics.md §6): the dimensions by name and the values each accepts, read
//! from `MetricsConfig::filters`.

use crate::analytics::MetricsError;
use crate::analytics::config::{Dimension, MetricsConfig};

/// A filter value of a dimension whose values the engine interns (manager, team, channel,
/// connection, pipeline, stage), or the code of one it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FilterValue {
    /// A label as the breakdown rows show it.
    Name(String),
    /// The value a key holds (day number, hour, weekday, 0/1 flags, initiator or outcome code).
    Code(i64),
}

impl Dimension {
    /// Every dimension, in declaration (discriminant) order.
    pub const ALL: [Dimension; 13] = [
        Dimension::Manager,
        Dimension::Team,
        Dimension::Channel,
        Dimension::Connection,
        Dimension::Pipeline,
        Dimension::Day,
        Dimension::Hour,
        Dimension::Weekday,
        Dimension::ChatKind,
        Dimension::Initiator,
        Dimension::InHours,
        Dimension::Stage,
        Dimension::Outcome,
    ];

    /// The configuration name (as `breakdowns` and `filters` write it; a test holds it equal
    /// to the serde name, and the match makes every new variant name itself).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Manager => "manager",
            Dimension::Team => "team",
            Dimension::Channel => "channel",
            Dimension::Connection => "connection",
            Dimension::Pipeline => "pipeline",
            Dimension::Day => "day",
            Dimension::Hour => "hour",
            Dimension::Weekday => "weekday",
            Dimension::ChatKind => "chat_kind",
            Dimension::Initiator => "initiator",
            Dimension::InHours => "in_hours",
            Dimension::Stage => "stage",
            Dimension::Outcome => "outcome",
        }
    }

    /// Every dimension's configuration name, in [`ALL`](Self::ALL)'s order.
    #[must_use]
    pub fn names() -> [&'static str; 13] {
        Self::ALL.map(Self::name)
    }

    /// The dimension of a configuration name (`None` for no dimension).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// The channel labels a key can hold: the messengers, `phone` for calls, `unknown`, `-` for lead
/// items.
const CHANNEL_LABELS: &[&str] = &[
    "whatsapp",
    "waba",
    "telegram",
    "telegram_bot",
    "max",
    "other",
    "phone",
    "unknown",
    "-",
];

/// Row labels of the dimensions whose key holds a code (the code is the index), shared by the
/// breakdown rows and the filters that select them.
pub(crate) const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// `chat_kind` labels by code.
pub(crate) const CHAT_KINDS: [&str; 2] = ["direct", "group"];
/// `in_hours` labels by code.
pub(crate) const IN_HOURS: [&str; 2] = ["out_of_hours", "in_hours"];
/// `outcome` labels by code (§6, [`Dimension::Outcome`]): `-` (0) for items without an outcome,
/// then the wait outcomes (W9, in the order of the engine's wait outcome), the never-answered
/// statuses (§3.5), the episode outcomes of §3.7 not named already and speed to lead's `touched`
/// (§3.6). Labels several kinds of item share (`answered`, `open`, `closed`, `expired`) have one
/// code.
pub(crate) const OUTCOMES: [&str; 12] = [
    "-",
    "answered",
    "open",
    "closed",
    "expired",
    "lost_expired",
    "lost_closed",
    "awaiting",
    "called_back",
    "client_recalled",
    "not_called_back",
    "touched",
];

/// The `outcome` code of a label of [`OUTCOMES`] (0, `-`, for any other).
pub(crate) fn outcome_code(label: &str) -> u8 {
    let code = OUTCOMES.iter().position(|o| *o == label);
    debug_assert!(code.is_some(), "`{label}` is no outcome label");
    code.map_or(0, |c| c as u8)
}

/// One filter value of `dim` read from its configuration text.
fn filter_value(dim: Dimension, v: &str) -> Result<FilterValue, String> {
    use Dimension as D;
    let pos = |list: &[&str]| list.iter().position(|x| *x == v).map(|i| i as i64);
    let code = match dim {
        D::Manager | D::Team | D::Connection | D::Pipeline | D::Stage => {
            return if v.trim().is_empty() {
                Err("an empty value matches nothing; write the id as rows show it".into())
            } else {
                Ok(FilterValue::Name(v.to_owned()))
            };
        }
        D::Channel => {
            return if CHANNEL_LABELS.contains(&v) {
                Ok(FilterValue::Name(v.to_owned()))
            } else {
                Err(format!("use {}", CHANNEL_LABELS.join(", ")))
            };
        }
        D::Day => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .filter(|_| v.len() == 10)
            .map(|d| i64::from(chrono::Datelike::num_days_from_ce(&d)))
            .ok_or("use a date YYYY-MM-DD")?,
        D::Hour => v
            .parse::<i64>()
            .ok()
            .filter(|h| (0..24).contains(h) && v.len() <= 2)
            .ok_or("use an hour 0 to 23")?,
        D::Weekday => pos(&WEEKDAYS).ok_or_else(|| format!("use {}", WEEKDAYS.join(", ")))?,
        D::ChatKind => pos(&CHAT_KINDS).ok_or("use direct, group")?,
        D::Initiator => pos(&crate::analytics::engine::INITIATORS)
            .ok_or("use client, manager, bot, unknown, - (none)")?,
        D::InHours => match v {
            "true" => 1,
            "false" => 0,
            _ => pos(&IN_HOURS).ok_or("use in_hours, out_of_hours (or true, false)")?,
        },
        D::Outcome => {
            pos(&OUTCOMES).ok_or_else(|| format!("use {} or - (none)", OUTCOMES[1..].join(", ")))?
        }
    };
    Ok(FilterValue::Code(code))
}

impl MetricsConfig {
    /// The `filters`, each dimension with its values read (§6).
    ///
    /// # Errors
    /// [`MetricsError::Config`] naming `filters.<dimension>` for an unknown dimension, a
    /// dimension without values, or a value the dimension cannot take (with the accepted
    /// forms).
    pub(crate) fn parsed_filters(
        &self,
    ) -> Result<Vec<(Dimension, Vec<FilterValue>)>, MetricsError> {
        let mut out = Vec::with_capacity(self.filters.len());
        for (name, values) in &self.filters {
            let key = format!("filters.{name}");
            let dim = Dimension::from_name(name).ok_or_else(|| {
                MetricsError::config(
                    &key,
                    format!(
                        "`{name}` is no dimension; use {}",
                        Dimension::names().join(", ")
                    ),
                )
            })?;
            if values.is_empty() {
                return Err(MetricsError::config(
                    &key,
                    "no values: a filter keeps the items with one of its values; list at least \
                     one or leave the dimension out",
                ));
            }
            let parsed = values
                .iter()
                .map(|v| {
                    filter_value(dim, v)
                        .map_err(|why| MetricsError::config(&key, format!("`{v}`: {why}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.push((dim, parsed));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimension_names_are_serdes_in_discriminant_order() {
        for (i, d) in Dimension::ALL.into_iter().enumerate() {
            assert_eq!(d as usize, i, "{d:?}: ALL is in discriminant order");
            let n = d.name();
            assert_eq!(serde_json::to_value(d).unwrap(), serde_json::json!(n));
            let read: Dimension = serde_json::from_value(serde_json::json!(n)).unwrap();
            assert_eq!(read, d);
            assert_eq!(Dimension::from_name(n), Some(d));
        }
        // `ALL` holds every variant: the match has one arm per variant, and the last one is
        // the last of `ALL`.
        let last = |d: Dimension| match d {
            Dimension::Manager
            | Dimension::Team
            | Dimension::Channel
            | Dimension::Connection
            | Dimension::Pipeline
            | Dimension::Day
            | Dimension::Hour
            | Dimension::Weekday
            | Dimension::ChatKind
            | Dimension::Initiator
            | Dimension::InHours
            | Dimension::Stage => false,
            Dimension::Outcome => true,
        };
        assert!(last(Dimension::ALL[Dimension::ALL.len() - 1]));
        assert_eq!(Dimension::Outcome as usize + 1, Dimension::ALL.len());
        assert_eq!(Dimension::names()[0], "manager");
        assert_eq!(Dimension::from_name("colour"), None);
        assert_eq!(Dimension::from_name("Manager"), None);
    }
}
