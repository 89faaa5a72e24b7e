//! Read-only source ports: [`CrmSource`] and [`MessengerSource`], their pages, queries and
//! capabilities, and the `…Ext` traits that turn pages into streams.

mod capability;
mod crm;
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
