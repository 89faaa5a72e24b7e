//! Cabinet users and their roles.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{TenantId, UserId};

/// A cabinet user. Password hashes live in the store, never in this type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Store-assigned id.
    pub id: UserId,
    /// Login name.
    pub login: String,
    /// Contact phone, as entered.
    pub phone: Option<String>,
    /// The user's own time zone for display.
    pub timezone: Option<Tz>,
}

/// What a membership lets a user do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// Manages tenants, users, roles, integrations and runtime config.
    SuperAdmin,
    /// Manages integrations and runtime config.
    AdminLite,
    /// The client role: views reports, forces and stops runs.
    User,
}

/// A user's role for one tenant, or for every tenant when `tenant` is `None` (a global role).
///
/// One membership per (user, tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// The user.
    pub user: UserId,
    /// The tenant, or `None` for a global membership.
    pub tenant: Option<TenantId>,
    /// The role.
    pub role: Role,
    /// Inactive memberships grant nothing.
    pub active: bool,
}

impl Membership {
    /// Whether this membership applies to `tenant`.
    #[must_use]
    pub fn covers(&self, tenant: TenantId) -> bool {
        self.active && self.tenant.is_none_or(|t| t == tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_membership_covers_every_tenant() {
        let global = Membership {
            user: UserId(1),
            tenant: None,
            role: Role::SuperAdmin,
            active: true,
        };
        assert!(global.covers(TenantId(1)) && global.covers(TenantId(99)));
        let local = Membership {
            tenant: Some(TenantId(1)),
            ..global.clone()
        };
        assert!(local.covers(TenantId(1)) && !local.covers(TenantId(2)));
        let inactive = Membership {
            active: false,
            ..global
        };
        assert!(!inactive.covers(TenantId(1)));
    }
}
