//! Read-only source ports: [`CrmSource`] and [`MessengerSource`], their pages, queries and
//! capabilities, the `…Ext` traits that turn pages into streams, and [`http_failure`], the
//! failures HTTP adapters share.

mod capability;
mod crm;
pub mod http_failure;
mod messenger;
mod page;
mod query;

pub use capability::{CrmCapabilities, MessengerCapabilities};
pub use crm::{CrmSource, CrmSourceExt};
pub use messenger::{MessengerSource, MessengerSourceExt};
pub use page::{Cursor, Page, paginate};
pub use query::{ActivityQuery, ChatQuery, ContactQuery, DealQuery, MessageQuery};

#[cfg(any(test, feature = "mock"))]
pub use crm::MockCrmSource;
#[cfg(any(test, feature = "mock"))]
pub use messenger::MockMessengerSource;
