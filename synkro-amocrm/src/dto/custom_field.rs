use serde::Deserialize;

use super::lenient;

/// One custom field of an entity with its values (`custom_fields_values[]`).
#[derive(Debug, Clone, Deserialize, serde::Serialize, Default, PartialEq)]
pub struct CustomFieldValue {
    /// Field id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub field_id: Option<i64>,
    /// Field name as shown in the account.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub field_name: Option<String>,
    /// `PHONE`, `EMAIL`, …; `null` for user-created fields.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub field_code: Option<String>,
    /// `multitext`, `text`, `numeric`, `date`, …
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub field_type: Option<String>,
    /// The values.
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub values: Vec<CustomFieldItem>,
}

/// One value of a custom field.
#[derive(Debug, Clone, Deserialize, serde::Serialize, Default, PartialEq)]
pub struct CustomFieldItem {
    /// The value (text, number, boolean or object, as the field type says).
    #[serde(default)]
    pub value: serde_json::Value,
    /// Enum id (multitext kinds such as `WORK`).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub enum_id: Option<i64>,
    /// Enum code (`WORK`, `MOB`, …).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub enum_code: Option<String>,
}

impl CustomFieldItem {
    /// The value as text, when it is a string or a number.
    #[must_use]
    pub fn text(&self) -> Option<String> {
        match &self.value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}
