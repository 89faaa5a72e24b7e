//! Newtype identifiers.
//!
//! Synkro's own records (tenants, users, runs, reports) use integer ids assigned by the store.
//! Communication data keeps the natural id of the source it came from (an amoCRM lead id, a Radist
//! chat id), as a string, so that any source can be plugged in; together with the tenant and the
//! source name it is the natural key every store upserts on.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! int_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw integer value.
            #[must_use]
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }
    };
}

macro_rules! ext_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a source's natural id.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The id as the source spells it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

int_id!(
    /// A tenant: one client company of a Synkro deployment.
    TenantId
);
int_id!(
    /// A cabinet user.
    UserId
);
int_id!(
    /// A job run (one execution of the pipeline for a tenant and a window).
    RunId
);
int_id!(
    /// A stored report.
    ReportId
);

ext_id!(
    /// A CRM user acting as a sales manager (amoCRM user id).
    ManagerId
);
ext_id!(
    /// A CRM sales pipeline (amoCRM pipeline id).
    SalesPipelineId
);
ext_id!(
    /// A stage of a sales pipeline (amoCRM status id).
    StageId
);
ext_id!(
    /// A deal (amoCRM lead id), or a synthetic deal id derived from a chat.
    #[doc(alias = "LeadId")]
    DealId
);
ext_id!(
    /// A CRM contact.
    ContactId
);
ext_id!(
    /// A messenger chat (Radist chat id).
    ChatId
);
ext_id!(
    /// A messenger message (Radist message id).
    MessageId
);
ext_id!(
    /// A call (amoCRM call note id).
    CallId
);
ext_id!(
    /// A CRM event (stage or responsible change).
    EventId
);
