use serde::Deserialize;

use super::{CustomFieldValue, Extra, lenient};

/// A lead (deal), `GET /api/v4/leads`.
#[derive(Debug, Clone, Deserialize)]
pub struct Lead {
    /// Lead id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Price in the account currency.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub price: Option<i64>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub responsible_user_id: Option<i64>,
    /// Team of the responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub group_id: Option<i64>,
    /// Stage (142 won, 143 lost).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub status_id: Option<i64>,
    /// Pipeline.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub pipeline_id: Option<i64>,
    /// Loss reason id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub loss_reason_id: Option<i64>,
    /// Creator (0 = robot).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_by: Option<i64>,
    /// Last editor (0 = robot).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub updated_by: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub updated_at: Option<i64>,
    /// Unix seconds; `null` while open.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub closed_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub closest_task_at: Option<i64>,
    /// Deleted (with `with=only_deleted`).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_deleted: Option<bool>,
    /// Custom fields; `null` when empty.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub custom_fields_values: Vec<CustomFieldValue>,
    /// Lead score.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub score: Option<i64>,
    /// Account id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub account_id: Option<i64>,
    /// Embedded tags, contacts (with `with=contacts`), companies and loss reason.
    #[serde(
        rename = "_embedded",
        default,
        deserialize_with = "lenient::obj_or_empty"
    )]
    pub embedded: LeadEmbedded,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `_embedded` of a lead.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct LeadEmbedded {
    /// Tags.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub tags: Vec<Tag>,
    /// Linked contacts (ids only; the main one has `is_main`).
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub contacts: Vec<LinkedContact>,
    /// Linked companies.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub companies: Vec<LinkedEntity>,
    /// Loss reason (with `with=loss_reason`).
    #[serde(default, deserialize_with = "lenient::one_or_many")]
    pub loss_reason: Vec<LossReason>,
}

/// A tag.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct Tag {
    /// Tag id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Tag text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}

/// A contact linked to a lead.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LinkedContact {
    /// Contact id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Whether it is the lead's main contact.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_main: Option<bool>,
}

/// Another linked entity (by id).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LinkedEntity {
    /// Entity id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
}

/// A loss reason.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct LossReason {
    /// Reason id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Reason text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}
