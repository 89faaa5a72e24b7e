//! The connection check: reads the account and the users, and says in plain words what is wrong.

use std::fmt;

use synkro_core::error::SourceError;

use crate::api::AccountInfo;
use crate::auth::AmoAuth;
use crate::client::AmoCrmClient;

/// What a connection check found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionProblem {
    /// The long-lived token is wrong, revoked or expired.
    BadToken,
    /// The OAuth authorization is revoked or the refresh token expired.
    AuthorizationExpired,
    /// No account answers at this address.
    WrongSubdomain,
    /// The account's API access is blocked.
    AccountBlocked,
    /// The account is not paid.
    NotPaid,
    /// The token's user may not read users (not an administrator).
    MissingRights,
    /// amoCRM did not answer or answered with errors.
    Unreachable,
    /// Something else; see the message.
    Other,
}

/// The result of a connection check.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionReport {
    /// The account, when it could be read.
    pub account: Option<AccountInfo>,
    /// Users the token can see (`None` when they could not be read).
    pub users: Option<usize>,
    /// What is wrong, if anything: the kind and a sentence for the user.
    pub problem: Option<(ConnectionProblem, String)>,
}

impl ConnectionReport {
    /// Whether everything Synkro needs is readable.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

impl fmt::Display for ConnectionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.problem, &self.account) {
            (Some((_, msg)), _) => f.write_str(msg),
            (None, Some(a)) => write!(
                f,
                "connected to amoCRM account \"{}\" (id {}){}; {} users readable",
                a.name,
                a.id,
                a.timezone
                    .map(|t| format!(", time zone {t}"))
                    .unwrap_or_default(),
                self.users.unwrap_or(0)
            ),
            (None, None) => f.write_str("connected"),
        }
    }
}

impl AmoCrmClient {
    fn explain(&self, err: &SourceError, reading_users: bool) -> (ConnectionProblem, String) {
        let host = self.base_url().host_str().unwrap_or("?").to_owned();
        match err {
            SourceError::Unauthenticated { .. } => match &self.inner.t.auth {
                AmoAuth::LongLived(_) => (
                    ConnectionProblem::BadToken,
                    format!(
                        "amoCRM at {host} refused the long-lived token: it is wrong, revoked or \
                         expired (such tokens last 1 day to 5 years). Create a new one in amoCRM: \
                         Settings → Integrations → your private integration → Keys and scopes"
                    ),
                ),
                _ => (
                    ConnectionProblem::AuthorizationExpired,
                    format!(
                        "amoCRM at {host} refused the OAuth tokens: the integration was \
                         uninstalled, the refresh token was already used or went unused for 3 \
                         months. Authorize the integration again"
                    ),
                ),
            },
            SourceError::NotFound { .. } => (
                ConnectionProblem::WrongSubdomain,
                format!(
                    "there is no amoCRM account at {host}: check the subdomain (the first part of \
                     the address you open amoCRM at) and the domain (amocrm.ru, kommo.com or \
                     amocrm.com); it may have been renamed"
                ),
            ),
            SourceError::Forbidden { reason, .. } if self.is_blocked() => {
                (ConnectionProblem::AccountBlocked, reason.clone())
            }
            SourceError::Forbidden { reason, .. } if reason.contains("not paid") => {
                (ConnectionProblem::NotPaid, reason.clone())
            }
            SourceError::Forbidden { .. } if reading_users => (
                ConnectionProblem::MissingRights,
                "the token works, but its user may not read the list of users (managers): \
                 create the token as an account administrator"
                    .to_owned(),
            ),
            SourceError::Forbidden { reason, .. } => (ConnectionProblem::Other, reason.clone()),
            SourceError::Unavailable { .. } | SourceError::RateLimited { .. } => (
                ConnectionProblem::Unreachable,
                format!(
                    "amoCRM at {host} did not answer properly ({}); check the address and try \
                     again later",
                    synkro_core::error::chain(err)
                ),
            ),
            other => (ConnectionProblem::Other, synkro_core::error::chain(other)),
        }
    }

    /// Reads the account and the users and reports, in words a user can act on, what is wrong:
    /// a bad or expired token, a wrong subdomain, a blocked or unpaid account, or missing rights.
    /// Never fails: problems are in the report.
    pub async fn check_connection(&self) -> ConnectionReport {
        let account = match self.account().await {
            Ok(a) => a,
            Err(e) => {
                return ConnectionReport {
                    account: None,
                    users: None,
                    problem: Some(self.explain(&e, false)),
                };
            }
        };
        match self.users().await {
            Ok(users) => ConnectionReport {
                account: Some(account),
                users: Some(users.len()),
                problem: None,
            },
            Err(e) => ConnectionReport {
                account: Some(account),
                users: None,
                problem: Some(self.explain(&e, true)),
            },
        }
    }
}
