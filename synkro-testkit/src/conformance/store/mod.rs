//! The store conformance suite: named checks that every [`Store`](synkro_core::store::Store) must
//! pass, against a fresh, empty store each.
//!
//! Run all of them against a backend with [`store_conformance!`](crate::store_conformance):
//!
//! ```
//! use std::sync::Arc;
//! use synkro_core::store::MemoryStore;
//!
//! async fn setup(_test: &'static str) -> Option<Arc<MemoryStore>> {
//!     Some(Arc::new(MemoryStore::new()))
//! }
//!
//! synkro_testkit::store_conformance!(setup);
//! # fn main() {}
//! ```
//!
//! `setup(test_name)` returns `None` to skip (e.g. no PostgreSQL configured, see
//! [`env`](crate::env)), or anything that dereferences to a store.

mod activities;
mod apply;
mod cursors;
mod deleted;
mod fixtures;
mod isolation;
mod phones;
mod reports;
mod runs;
mod tenants;
mod windows;

pub use activities::crm_activities_are_stored_idempotently_and_read_by_deal_contact_and_window;
pub use apply::{
    an_older_update_arriving_late_changes_nothing,
    applying_the_same_batch_three_times_leaves_identical_tables,
    child_sets_are_replaced_with_their_parent,
};
pub use cursors::{
    last_sync_never_moves_backwards, sync_cursors_only_move_forward_and_commit_with_the_batch,
};
pub use deleted::deleted_deals_mark_stored_deals_and_restores_clear_them;
pub use isolation::{
    no_method_lets_one_tenant_read_or_change_anothers_rows,
    unknown_tenants_are_rejected_and_nothing_is_written,
};
pub use phones::phone_books_are_per_tenant_and_region_and_only_insert;
pub use reports::{audit_log_is_per_tenant_newest_first, reports_and_follow_ups_round_trip};
pub use runs::{cancel_stops_queued_runs_and_flags_running_ones, run_lifecycle_is_enforced};
pub use tenants::{
    integrations_keep_sealed_secrets_and_reseal_on_rotation,
    runtime_config_round_trips_and_is_validated, tenants_are_created_listed_and_slugs_unique,
    users_memberships_and_password_hashes,
};
pub use windows::window_queries_return_what_falls_inside;

/// Expands to one `#[tokio::test]` per check of [`conformance::store`](crate::conformance::store).
///
/// `$setup` is an `async fn(&'static str) -> Option<S>` where `S` dereferences to a type that
/// implements [`Store`](synkro_core::store::Store) (or to `dyn Store`); it gets the test's name so
/// backends can isolate each test (a file or a schema per test) and returns `None` to skip.
#[macro_export]
macro_rules! store_conformance {
    ($setup:path) => {
        $crate::store_conformance!(@tests $setup;
            tenants_are_created_listed_and_slugs_unique,
            runtime_config_round_trips_and_is_validated,
            integrations_keep_sealed_secrets_and_reseal_on_rotation,
            users_memberships_and_password_hashes,
            applying_the_same_batch_three_times_leaves_identical_tables,
            an_older_update_arriving_late_changes_nothing,
            window_queries_return_what_falls_inside,
            child_sets_are_replaced_with_their_parent,
            crm_activities_are_stored_idempotently_and_read_by_deal_contact_and_window,
            deleted_deals_mark_stored_deals_and_restores_clear_them,
            sync_cursors_only_move_forward_and_commit_with_the_batch,
            last_sync_never_moves_backwards,
            phone_books_are_per_tenant_and_region_and_only_insert,
            run_lifecycle_is_enforced,
            cancel_stops_queued_runs_and_flags_running_ones,
            reports_and_follow_ups_round_trip,
            audit_log_is_per_tenant_newest_first,
            no_method_lets_one_tenant_read_or_change_anothers_rows,
            unknown_tenants_are_rejected_and_nothing_is_written,
        );
    };
    (@tests $setup:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some(store) = $setup(stringify!($check)).await else {
                    return;
                };
                $crate::conformance::store::$check(&*store).await;
            }
        )+
    };
}
