//! Business days and report windows in a tenant's time zone.

mod business_day;
mod window;

pub use business_day::{
    business_day, business_day_containing, last_closed_business_day, local_to_utc,
};
pub use window::{period_dates, validate_as_of, validate_forced_window};
