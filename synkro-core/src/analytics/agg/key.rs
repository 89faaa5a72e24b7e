//! The dimension values of an item's anchor ([`Key`]) and their projection on a breakdown
//! ([`RowKey`]).

/// The dimension values of an item's anchor, interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Key {
    pub(crate) manager: u32,
    pub(crate) team: u32,
    pub(crate) channel: u32,
    pub(crate) connection: u32,
    pub(crate) pipeline: u32,
    pub(crate) day: i32,
    pub(crate) hour: u8,
    pub(crate) weekday: u8,
    pub(crate) chat_kind: u8,
    pub(crate) initiator: u8,
    pub(crate) in_hours: u8,
    pub(crate) stage: u32,
    /// The item's outcome as of A, an index of the outcome labels (0: none, `-`).
    pub(crate) outcome: u8,
}

/// How many dimensions a key holds: one value per [`Dimension`](crate::analytics::Dimension).
pub(crate) const N_DIMS: usize = 13;

impl Key {
    /// A bit per [`Dimension`](crate::analytics::Dimension) (by its discriminant) where `self` and `o` differ.
    pub(super) fn differs(&self, o: &Self) -> u16 {
        let (a, b) = (self.values(), o.values());
        (0..a.len()).fold(0, |m, i| m | (u16::from(a[i] != b[i]) << i))
    }

    /// Every dimension's value, indexed by the [`Dimension`](crate::analytics::Dimension)'s discriminant.
    #[inline]
    pub(super) fn values(&self) -> [i64; N_DIMS] {
        [
            i64::from(self.manager),
            i64::from(self.team),
            i64::from(self.channel),
            i64::from(self.connection),
            i64::from(self.pipeline),
            i64::from(self.day),
            i64::from(self.hour),
            i64::from(self.weekday),
            i64::from(self.chat_kind),
            i64::from(self.initiator),
            i64::from(self.in_hours),
            i64::from(self.stage),
            i64::from(self.outcome),
        ]
    }
}

/// Most dimensions one breakdown may combine.
pub const MAX_DIMS: usize = 4;

/// A breakdown row key: the projected dimension values, unused slots `i64::MIN`.
pub type RowKey = [i64; MAX_DIMS];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values_follow_the_dimension_order() {
        use crate::analytics::Dimension as D;
        let k = Key {
            manager: 1,
            team: 2,
            channel: 3,
            connection: 4,
            pipeline: 5,
            day: 6,
            hour: 7,
            weekday: 8,
            chat_kind: 9,
            initiator: 10,
            in_hours: 11,
            stage: 12,
            outcome: 13,
        };
        let all = [
            D::Manager,
            D::Team,
            D::Channel,
            D::Connection,
            D::Pipeline,
            D::Day,
            D::Hour,
            D::Weekday,
            D::ChatKind,
            D::Initiator,
            D::InHours,
            D::Stage,
            D::Outcome,
        ];
        // Every dimension has its value.
        assert_eq!(D::names().len(), N_DIMS);
        let got: Vec<i64> = all.iter().map(|d| k.values()[*d as usize]).collect();
        assert_eq!(got, (1..=13).collect::<Vec<i64>>());
        let mut other = k;
        other.hour = 0;
        other.pipeline = 0;
        assert_eq!(
            k.differs(&other),
            (1 << D::Hour as u16) | (1 << D::Pipeline as u16)
        );
    }
}
