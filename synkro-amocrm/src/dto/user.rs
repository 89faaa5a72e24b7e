use serde::Deserialize;

use super::{Extra, UsersGroup, lenient};

/// A user of the account, `GET /api/v4/users`.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// User id (`responsible_user_id`, `created_by` elsewhere).
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    /// Interface language.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub lang: Option<String>,
    /// Rights, including `is_active` and `group_id`.
    #[serde(default, deserialize_with = "lenient::obj_or_empty")]
    pub rights: UserRights,
    /// Embedded groups and roles (with `with=group,role`).
    #[serde(
        rename = "_embedded",
        default,
        deserialize_with = "lenient::obj_or_empty"
    )]
    pub embedded: UserEmbedded,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user's rights (only the flags Synkro reads are typed).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct UserRights {
    /// Active user.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_active: Option<bool>,
    /// Account administrator.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_admin: Option<bool>,
    /// Free (unpaid) seat.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_free: Option<bool>,
    /// Team id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub group_id: Option<i64>,
    /// Role id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub role_id: Option<i64>,
    /// Every other right.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `_embedded` of a user.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct UserEmbedded {
    /// Teams.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub groups: Vec<UsersGroup>,
    /// Roles.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub roles: Vec<UsersGroup>,
}
