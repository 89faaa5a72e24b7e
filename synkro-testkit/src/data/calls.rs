//! A deal's calls, with a call back after some missed ones.

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use synkro_core::model::{Call, CallId, CallStatus, ContactId, DealId, Direction, ManagerId};

use super::generator::Generator;
use super::phones::phone_in_format;

impl Generator<'_> {
    /// Writes a deal's calls, by its responsible manager; returns the latest call time.
    pub(super) fn calls(
        &mut self,
        deal: &DealId,
        contact: &ContactId,
        responsible: &ManagerId,
        number: u64,
        has_phone: bool,
    ) -> Option<DateTime<Utc>> {
        let mut latest = None;
        let calls = self.spec.calls_per_deal.floor() as usize
            + usize::from(self.rng.random_bool(self.spec.calls_per_deal.fract()));
        let phone = phone_in_format(number, 0);
        for c in 0..calls {
            let at = self.random_time();
            let inbound = self.rng.random_bool(0.5);
            let missed = inbound && self.rng.random_bool(0.3);
            let talk = if missed {
                0
            } else {
                self.rng.random_range(20..600)
            };
            self.out.calls.push(Call {
                id: CallId::new(format!("call-{deal}-{c}")),
                direction: if inbound {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                started_at: at,
                talk_s: talk,
                status: if missed {
                    CallStatus::NoAnswer
                } else {
                    CallStatus::Answered
                },
                manager: Some(responsible.clone()),
                phone: has_phone.then(|| phone.clone()),
                deal: Some(deal.clone()),
                contact: Some(contact.clone()),
                updated_at: at + Duration::seconds(i64::from(talk)),
            });
            latest = latest.max(Some(at));
            if missed {
                let back = at + Duration::minutes(self.rng.random_range(5..180));
                if back < self.spec.end {
                    self.out.calls.push(Call {
                        id: CallId::new(format!("call-{deal}-{c}-back")),
                        direction: Direction::Outbound,
                        started_at: back,
                        talk_s: self.rng.random_range(20..300),
                        status: CallStatus::Answered,
                        manager: Some(responsible.clone()),
                        phone: has_phone.then(|| phone.clone()),
                        deal: Some(deal.clone()),
                        contact: Some(contact.clone()),
                        updated_at: back + Duration::minutes(5),
                    });
                    latest = latest.max(Some(back));
                }
            }
        }
        latest
    }
}
