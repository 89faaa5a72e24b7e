//! [`SupabaseSink`]: pushes the client data layer into a client's Supabase project through its
//! REST API (PostgREST), upserting with `Prefer: resolution=merge-duplicates`.
//!
//! Tables: `deals` (conflict key `tenant_id,deal_id`) and `reports` (`tenant_id,source_report_id`),
//! as in the old service. Errors name the table and the HTTP status, never the key or a response
//! body.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use synkro_core::Secret;
use synkro_core::error::{ConfigError, StoreError};
use url::Url;

use crate::client_data::{ClientDataSink, ClientDeal, ClientReport};

/// Rows per request.
const ROWS_PER_REQUEST: usize = 500;

/// A client's Supabase project as a [`ClientDataSink`].
///
/// ```
/// use synkro_core::Secret;
/// use synkro_store::SupabaseSink;
/// let sink = SupabaseSink::new("https://abc.supabase.co", Secret::new("service-key".into())).unwrap();
/// assert!(!format!("{sink:?}").contains("service-key"));
/// ```
#[derive(Clone)]
pub struct SupabaseSink {
    base: Url,
    key: Secret<String>,
    http: reqwest::Client,
}

impl fmt::Debug for SupabaseSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupabaseSink")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl SupabaseSink {
    /// A sink for the project at `base_url` (`https://<ref>.supabase.co`; plain `http` only for
    /// loopback hosts) with its service key.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a URL that does not parse, is not https (outside loopback),
    /// or carries credentials; [`ConfigError::Missing`] for an empty key.
    pub fn new(base_url: &str, key: Secret<String>) -> Result<Self, ConfigError> {
        let base = Url::parse(base_url)
            .map_err(|e| ConfigError::invalid("supabase.url", format!("not a URL: {e}")))?;
        let loopback = matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if base.scheme() != "https" && !(base.scheme() == "http" && loopback) {
            return Err(ConfigError::invalid(
                "supabase.url",
                "must be https (http is accepted for loopback hosts only)",
            ));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(ConfigError::invalid(
                "supabase.url",
                "must not carry credentials; put the key in the integration's secret",
            ));
        }
        if key.expose().trim().is_empty() {
            return Err(ConfigError::missing("supabase.key"));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ConfigError::invalid("supabase.http", e.to_string()))?;
        Ok(Self { base, key, http })
    }

    async fn upsert<T: Serialize + Sync>(
        &self,
        table: &'static str,
        conflict: &str,
        rows: &[T],
    ) -> Result<(), StoreError> {
        let mut url =
            self.base
                .join(&format!("rest/v1/{table}"))
                .map_err(|e| StoreError::Other {
                    operation: "supabase upsert",
                    source: Box::new(e),
                })?;
        url.query_pairs_mut().append_pair("on_conflict", conflict);
        for chunk in rows.chunks(ROWS_PER_REQUEST) {
            let resp = self
                .http
                .post(url.clone())
                .header("apikey", self.key.expose())
                .bearer_auth(self.key.expose())
                .header("Prefer", "resolution=merge-duplicates,return=minimal")
                .json(chunk)
                .send()
                .await
                .map_err(|e| StoreError::Unavailable {
                    operation: "supabase upsert",
                    source: Box::new(e.without_url()),
                })?;
            let status = resp.status();
            if status.is_success() {
                continue;
            }
            let err = SupabaseStatus {
                table,
                status: status.as_u16(),
            };
            return Err(
                if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
                    StoreError::Unavailable {
                        operation: "supabase upsert",
                        source: Box::new(err),
                    }
                } else {
                    StoreError::Other {
                        operation: "supabase upsert",
                        source: Box::new(err),
                    }
                },
            );
        }
        Ok(())
    }
}

/// A non-success answer from Supabase.
#[derive(Debug)]
struct SupabaseStatus {
    table: &'static str,
    status: u16,
}

impl fmt::Display for SupabaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self.status {
            401 | 403 => "; check the Supabase service key",
            404 => "; check that the table exists in the project",
            _ => "",
        };
        write!(
            f,
            "supabase: POST /rest/v1/{} answered {}{hint}",
            self.table, self.status
        )
    }
}

impl std::error::Error for SupabaseStatus {}

#[async_trait]
impl ClientDataSink for SupabaseSink {
    async fn put_deals(&self, rows: &[ClientDeal]) -> Result<(), StoreError> {
        self.upsert("deals", "tenant_id,deal_id", rows).await
    }

    async fn put_reports(&self, rows: &[ClientReport]) -> Result<(), StoreError> {
        self.upsert("reports", "tenant_id,source_report_id", rows)
            .await
    }
}
