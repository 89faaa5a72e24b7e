//! The [`Analyzer`] port: an LLM that writes a report's narrative and answers follow-up questions.
//!
//! Core builds the prompt and the context; a backend only transports them, so every backend behaves
//! the same.

pub mod prompt;

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::AnalyzeError;

/// A request for a report narrative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRequest {
    /// The tenant's instructions (the report prompt).
    pub prompt: String,
    /// The context: summary numbers and dialogs, as text.
    pub context: String,
}

/// A follow-up question about a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpRequest {
    /// The report as Markdown.
    pub report: String,
    /// Earlier questions and answers, oldest first.
    pub history: Vec<(String, String)>,
    /// The question.
    pub question: String,
}

/// Text an analyzer wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzerText {
    /// The text (Markdown).
    pub text: String,
}

/// An LLM backend.
///
/// # Contract
/// - One call is one provider request (plus the backend's retries).
/// - The backend sends the prompt and context as given; it adds no instructions of its own.
/// - Errors are classified into [`AnalyzeError`]; the engine falls back to a plain summary on any
///   error, so a backend must not hide a failure behind an empty text.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Analyzer: Send + Sync + fmt::Debug {
    /// Backend name, e.g. `openai_compat`.
    fn backend(&self) -> &'static str;

    /// The model in use.
    fn model(&self) -> String;

    /// Writes a report narrative.
    ///
    /// # Errors
    /// [`AnalyzeError`] as classified by the backend.
    async fn summarize(&self, req: &SummaryRequest) -> Result<AnalyzerText, AnalyzeError>;

    /// Answers a follow-up question about a report.
    ///
    /// # Errors
    /// [`AnalyzeError`] as classified by the backend.
    async fn answer(&self, req: &FollowUpRequest) -> Result<AnalyzerText, AnalyzeError>;
}
