use serde::Deserialize;

use super::{Extra, lenient};

/// A sales pipeline, `GET /api/v4/leads/pipelines`.
#[derive(Debug, Clone, Deserialize)]
pub struct Pipeline {
    /// Pipeline id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Position.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sort: Option<i64>,
    /// The main pipeline.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_main: Option<bool>,
    /// Archived.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_archive: Option<bool>,
    /// Statuses.
    #[serde(
        rename = "_embedded",
        default,
        deserialize_with = "lenient::obj_or_empty"
    )]
    pub embedded: PipelineEmbedded,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `_embedded` of a pipeline.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct PipelineEmbedded {
    /// The pipeline's statuses (stages).
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    pub statuses: Vec<Status>,
}

/// A status (stage) of a pipeline.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    /// Status id (142 won, 143 lost in every pipeline).
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Position.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sort: Option<i64>,
    /// Pipeline id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub pipeline_id: Option<i64>,
    /// `false` for system stages.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_editable: Option<bool>,
    /// Colour.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub color: Option<String>,
    /// 0 regular, 1 unsorted.
    #[serde(rename = "type", default, deserialize_with = "lenient::opt_i64")]
    pub kind: Option<i64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
