use std::sync::Mutex;

use async_trait::async_trait;
use synkro_core::analyze::{Analyzer, AnalyzerText, FollowUpRequest, SummaryRequest};
use synkro_core::error::AnalyzeError;

/// A deterministic analyzer: its narrative names the context's size, or it fails on demand.
#[derive(Debug, Default)]
pub struct FakeAnalyzer {
    failing: bool,
    requests: Mutex<Vec<SummaryRequest>>,
}

impl FakeAnalyzer {
    /// An analyzer that answers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An analyzer whose every call fails as unavailable.
    #[must_use]
    pub fn failing() -> Self {
        Self {
            failing: true,
            ..Self::default()
        }
    }

    /// The summary requests received.
    #[must_use]
    pub fn requests(&self) -> Vec<SummaryRequest> {
        self.requests.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Analyzer for FakeAnalyzer {
    fn backend(&self) -> &'static str {
        "fake_llm"
    }

    fn model(&self) -> String {
        "fake-1".to_owned()
    }

    async fn summarize(&self, req: &SummaryRequest) -> Result<AnalyzerText, AnalyzeError> {
        if let Ok(mut g) = self.requests.lock() {
            g.push(req.clone());
        }
        if self.failing {
            return Err(AnalyzeError::Unavailable {
                backend: "fake_llm",
                source: Some("503 service unavailable".into()),
            });
        }
        Ok(AnalyzerText {
            text: format!("Analysis of {} context lines.", req.context.lines().count()),
        })
    }

    async fn answer(&self, req: &FollowUpRequest) -> Result<AnalyzerText, AnalyzeError> {
        if self.failing {
            return Err(AnalyzeError::Unavailable {
                backend: "fake_llm",
                source: None,
            });
        }
        Ok(AnalyzerText {
            text: format!("Answer to: {}", req.question),
        })
    }
}
