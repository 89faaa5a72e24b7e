//! Radist's timestamps, read leniently (radist-api.md: "parse RFC 3339 leniently, treat a
//! missing offset as UTC"): an instant with its offset as chrono reads one (RFC 3339 and its
//! relaxed forms), or a date-time without one (`2026-01-01T09:00:00`, fractional seconds and a
//! space instead of `T` accepted), read as UTC.
//! Anything else is an error naming the text, so a bad payload fails at its field's path.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, de::Error};

/// A timestamp as read: the instant, and whether the text had no offset (read as UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) at: DateTime<Utc>,
    pub(crate) naive: bool,
}

/// The instant `s` stands for, or why it is none.
fn parse(s: &str) -> Result<Stamp, String> {
    // chrono's own reading (what serde's default did): RFC 3339 and its relaxed forms (`+0300`,
    // a space separator, ` UTC`).
    if let Ok(t) = s.parse::<DateTime<FixedOffset>>() {
        return Ok(Stamp {
            at: t.with_timezone(&Utc),
            naive: false,
        });
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| Stamp {
            at: t.and_utc(),
            naive: true,
        })
        .ok_or_else(|| format!("`{s}` is no RFC 3339 date-time (with or without an offset)"))
}

/// A required timestamp, with whether it was naive.
pub(crate) fn stamp<'de, D: Deserializer<'de>>(d: D) -> Result<Stamp, D::Error> {
    let s = String::deserialize(d)?;
    parse(&s).map_err(D::Error::custom)
}

/// An optional timestamp (`null` or absent: `None`).
pub(crate) fn optional_instant<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse(&s).map(|t| t.at).map_err(D::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn an_instant_without_offset_is_read_as_utc() {
        let parse = |s: &str| parse(s).map(|t| t.at);
        let z = parse("2026-01-01T09:00:00Z").unwrap();
        assert_eq!(parse("2026-01-01T09:00:00").unwrap(), z);
        assert_eq!(parse("2026-01-01 09:00:00").unwrap(), z);
        assert_eq!(parse("2026-01-01T12:00:00+03:00").unwrap(), z);
        // Forms the serde default accepted keep working.
        assert_eq!(parse("2026-01-01T12:00:00+0300").unwrap(), z);
        assert_eq!(parse("2026-01-01 09:00:00 UTC").unwrap(), z);
        assert_eq!(
            parse("2026-01-01T09:00:00.123456").unwrap(),
            parse("2026-01-01T09:00:00.123456Z").unwrap()
        );
        let err = parse("yesterday").unwrap_err();
        assert!(err.contains("`yesterday`"), "{err}");
        assert!(parse("2026-01-01").is_err());
    }

    #[test]
    fn a_stamp_says_whether_it_had_no_offset() {
        assert!(parse("2026-01-01T09:00:00").unwrap().naive);
        assert!(parse("2026-01-01 09:00:00.5").unwrap().naive);
        assert!(!parse("2026-01-01T09:00:00Z").unwrap().naive);
        assert!(!parse("2026-01-01T12:00:00+0300").unwrap().naive);
    }
}
