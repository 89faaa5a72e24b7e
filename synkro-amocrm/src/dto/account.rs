use serde::Deserialize;

use super::{Extra, lenient};

/// The account, `GET /api/v4/account?with=datetime_settings,users_groups`.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    /// Account id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Subdomain.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub subdomain: Option<String>,
    /// Country code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub country: Option<String>,
    /// Currency code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    /// The user behind the token.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub current_user_id: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_at: Option<i64>,
    /// Embedded settings.
    #[serde(
        rename = "_embedded",
        default,
        deserialize_with = "lenient::obj_or_empty"
    )]
    pub embedded: AccountEmbedded,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `_embedded` of the account.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct AccountEmbedded {
    /// Time zone and formats (with `with=datetime_settings`).
    #[serde(default, deserialize_with = "lenient::obj_or_empty")]
    pub datetime_settings: DatetimeSettings,
    /// Teams (with `with=users_groups`).
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub users_groups: Vec<UsersGroup>,
}

/// The account's time settings.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct DatetimeSettings {
    /// IANA zone, e.g. `Europe/Moscow`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub timezone: Option<String>,
    /// Offset text, e.g. `+03:00`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub timezone_offset: Option<String>,
    /// Date format.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub date_format: Option<String>,
}

/// A team (users group) or a role.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct UsersGroup {
    /// Id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}
