use serde::Deserialize;

use super::{CustomFieldValue, Extra, LinkedEntity, Tag, lenient};

/// A contact, `GET /api/v4/contacts`.
#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    /// Contact id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Full name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub responsible_user_id: Option<i64>,
    /// Team.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub group_id: Option<i64>,
    /// Creator.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_by: Option<i64>,
    /// Last editor.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub updated_by: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub updated_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub closest_task_at: Option<i64>,
    /// Deleted.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_deleted: Option<bool>,
    /// In the unsorted inbox.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_unsorted: Option<bool>,
    /// Custom fields (phones and e-mails live here).
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub custom_fields_values: Vec<CustomFieldValue>,
    /// Account id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub account_id: Option<i64>,
    /// Embedded tags, companies, leads.
    #[serde(
        rename = "_embedded",
        default,
        deserialize_with = "lenient::obj_or_empty"
    )]
    pub embedded: ContactEmbedded,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `_embedded` of a contact.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ContactEmbedded {
    /// Tags.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub tags: Vec<Tag>,
    /// Companies.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub companies: Vec<LinkedEntity>,
    /// Leads (with `with=leads`).
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub leads: Vec<LinkedEntity>,
}
