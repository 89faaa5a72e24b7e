use crate::model::{
    Call, Chat, Contact, CrmActivity, Deal, Manager, Message, ResponsibleChange, SalesPipeline,
    StageChange, Timestamp,
};

/// A record with a natural id and the source's own update time, for idempotent newer-wins upserts.
pub trait Versioned {
    /// The source's natural id.
    fn natural_id(&self) -> &str;

    /// The source's update time; `None` when the source has none (the record is replaced whenever
    /// it differs).
    fn source_updated_at(&self) -> Option<Timestamp>;

    /// Whether the record marks its entity deleted at its update time (a deal the CRM deleted).
    /// At an equal update time such a record is not replaced by one without the mark: the
    /// deletion's update time is its instant, so a live copy of that time is from before it.
    fn marks_deletion(&self) -> bool {
        false
    }

    /// Whether this record replaces `old`, a stored copy of the same record, under newer-wins:
    /// it is not older, and it is not a live copy of the update time of a deletion mark
    /// ([`marks_deletion`](Self::marks_deletion)). Equal content is the caller's to skip.
    fn supersedes(&self, old: &Self) -> bool
    where
        Self: Sized,
    {
        let (new_at, old_at) = (self.source_updated_at(), old.source_updated_at());
        let older = matches!((new_at, old_at), (Some(n), Some(o)) if n < o);
        let undeletes_at_once = old.marks_deletion() && !self.marks_deletion() && new_at == old_at;
        !older && !undeletes_at_once
    }
}

macro_rules! versioned {
    ($t:ty, |$s:ident| $id:expr, $at:expr) => {
        impl Versioned for $t {
            fn natural_id(&self) -> &str {
                let $s = self;
                $id
            }
            #[allow(unused_variables)]
            fn source_updated_at(&self) -> Option<Timestamp> {
                let $s = self;
                $at
            }
        }
    };
}

versioned!(Manager, |s| s.id.as_str(), s.updated_at);
versioned!(SalesPipeline, |s| s.id.as_str(), None);
impl Versioned for Deal {
    fn natural_id(&self) -> &str {
        self.id.as_str()
    }
    fn source_updated_at(&self) -> Option<Timestamp> {
        Some(self.updated_at)
    }
    fn marks_deletion(&self) -> bool {
        self.is_deleted()
    }
}
versioned!(Contact, |s| s.id.as_str(), Some(s.updated_at));
versioned!(Chat, |s| s.id.as_str(), Some(s.updated_at));
versioned!(Message, |s| s.id.as_str(), Some(s.updated_at()));
versioned!(Call, |s| s.id.as_str(), Some(s.updated_at));
versioned!(StageChange, |s| s.id.as_str(), Some(s.at));
versioned!(ResponsibleChange, |s| s.id.as_str(), Some(s.at));
// An activity carries no update time of its own: its time stands in for one, so a copy with the
// same time and other content (a re-linked or edited record) replaces the stored one.
versioned!(CrmActivity, |s| s.id.as_str(), Some(s.at));
