use std::collections::HashMap;
use std::ops::Range;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synkro_core::model::{
    ActivityKind, Attachment, AuthorKind, Call, CallId, CallStatus, Channel, Chat, ChatId,
    ChatKind, Contact, ContactId, CrmActivity, Deal, DealId, Direction, EntityRef, EventId,
    Manager, ManagerId, Message, MessageId, MessageKind, ResponsibleChange, SalesPipeline,
    SalesPipelineId, Stage, StageChange, StageId, StageKind,
};
use synkro_core::store::SyncBatch;

use super::DatasetSpec;
use super::vocab::{
    BOT_REPLIES, CLIENT_ACKS, CLIENT_FOLLOWUPS, CLIENT_OPENERS, COMPANIES, FIRST_NAMES,
    LOSS_REASONS, MANAGER_REPLIES, SURNAMES, full_name,
};

/// The CRM user id amoCRM uses for its robot; bot messages carry it as their author.
pub const ROBOT_AUTHOR_ID: &str = "0";

/// Share of linked chats whose conversations the CRM closes (`ChatClosed` after the last message,
/// and between exchanges separated by a long pause).
const CLOSED_CHAT_SHARE: f64 = 0.4;
/// Share of deals with a manual note.
const NOTE_SHARE: f64 = 0.2;
/// Largest gap, in seconds either way, between a staff message and its CRM event.
const EVENT_JITTER_S: i64 = 3;
/// The first CRM talk (conversation) id of generated activities.
const FIRST_TALK_ID: u64 = 80_000_001;
/// The first numeric id of generated manual notes (`note:<id>`).
const FIRST_NOTE_ID: u64 = 9_000_001;
/// Mixed into the seed for the activities' own random stream, so adding activities left every
/// other generated record as it was.
const ACTIVITY_SEED_SALT: u64 = 0xAC71_71E5_0000_0001;

/// A generated tenant: CRM data and messenger data that fit together.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The spec it was generated from.
    pub spec: DatasetSpec,
    /// CRM users.
    pub managers: Vec<Manager>,
    /// Sales pipelines.
    pub sales_pipelines: Vec<SalesPipeline>,
    /// Deals, by id.
    pub deals: Vec<Deal>,
    /// Contacts, by id.
    pub contacts: Vec<Contact>,
    /// Chats, by id.
    pub chats: Vec<Chat>,
    /// Messages ordered by chat, then time, then id.
    pub messages: Vec<Message>,
    /// Calls, by start time.
    pub calls: Vec<Call>,
    /// Stage changes, by time.
    pub stage_changes: Vec<StageChange>,
    /// Responsible changes, by time.
    pub responsible_changes: Vec<ResponsibleChange>,
    /// CRM activities, by time then id: an `OutgoingChatMessage` event for every staff message of
    /// a chat linked to a deal (within a few seconds of it, by its author, also when the message
    /// itself carries none), `ChatClosed` for a share of those chats (after the last message and
    /// after long pauses), and manual `Note`s (`note:<id>`) on some deals and contacts.
    pub activities: Vec<CrmActivity>,
    chat_messages: HashMap<ChatId, Range<usize>>,
}

impl Dataset {
    /// The first instant of generated activity.
    #[must_use]
    pub fn start(&self) -> DateTime<Utc> {
        self.spec.end - Duration::days(i64::from(self.spec.days))
    }

    /// A chat's messages, oldest first.
    #[must_use]
    pub fn messages_of(&self, chat: &ChatId) -> &[Message] {
        self.chat_messages
            .get(chat)
            .map_or(&[], |r| &self.messages[r.clone()])
    }

    /// Everything as one batch (to pre-load a store).
    #[must_use]
    pub fn to_batch(&self) -> SyncBatch {
        SyncBatch {
            managers: self.managers.clone(),
            sales_pipelines: self.sales_pipelines.clone(),
            deals: self.deals.clone(),
            contacts: self.contacts.clone(),
            chats: self.chats.clone(),
            messages: self.messages.clone(),
            calls: self.calls.clone(),
            stage_changes: self.stage_changes.clone(),
            responsible_changes: self.responsible_changes.clone(),
            activities: self.activities.clone(),
        }
    }

    /// Generates the data of `spec`. The same spec always gives the same data.
    #[must_use]
    pub fn generate(spec: &DatasetSpec) -> Self {
        Generator::new(spec).run()
    }
}

struct Generator<'a> {
    spec: &'a DatasetSpec,
    rng: ChaCha8Rng,
    start: DateTime<Utc>,
    out: Dataset,
    /// Every client, in generation order (what the CRM knows about their chats).
    clients: Vec<ClientLinks>,
}

/// A client's CRM records and chats, for the activities pass.
struct ClientLinks {
    deal: DealId,
    contact: ContactId,
    manager: ManagerId,
    /// The chats' phone matches the contact's, so the CRM's chat integration sees them.
    linked: bool,
    chats: Vec<ChatId>,
}

/// A client's phone as a person might write it. Numbers are in the fictional +7 900 0… range.
fn phone_in_format(n: u64, style: u8) -> String {
    let d = format!("{:07}", n % 10_000_000);
    let (a, b, c) = (&d[0..3], &d[3..5], &d[5..7]);
    match style % 6 {
        0 => format!("+7 (900) {a}-{b}-{c}"),
        1 => format!("8 900 {a} {b} {c}"),
        2 => format!("7900{d}"),
        3 => format!("900{d}"),
        4 => format!("+7 900 {a}-{b}{c}"),
        _ => format!("8(900){d}"),
    }
}

fn stage(id: &str, name: &str, sort: i32, kind: StageKind) -> Stage {
    Stage {
        id: StageId::new(id),
        name: name.to_owned(),
        sort,
        kind,
    }
}

impl<'a> Generator<'a> {
    fn new(spec: &'a DatasetSpec) -> Self {
        let out = Dataset {
            spec: spec.clone(),
            managers: Vec::new(),
            sales_pipelines: Vec::new(),
            deals: Vec::new(),
            contacts: Vec::new(),
            chats: Vec::new(),
            messages: Vec::with_capacity(spec.messages + spec.messages / 10),
            calls: Vec::new(),
            stage_changes: Vec::new(),
            responsible_changes: Vec::new(),
            activities: Vec::new(),
            chat_messages: HashMap::new(),
        };
        Self {
            spec,
            rng: ChaCha8Rng::seed_from_u64(spec.seed),
            start: spec.end - Duration::days(i64::from(spec.days.max(1))),
            out,
            clients: Vec::new(),
        }
    }

    fn run(mut self) -> Dataset {
        self.reference();
        let chats_total = self.spec.clients.max(1);
        let base = self.spec.messages / chats_total;
        let mut remainder = self.spec.messages % chats_total;
        let mut jitter = 0i64;
        for i in 0..self.spec.clients {
            // Pairs of chats get +d and -d, so the total stays exact.
            let mut n = base as i64;
            if i % 2 == 0 {
                jitter = if base > 1 {
                    self.rng.random_range(0..=(base as i64 / 2))
                } else {
                    0
                };
                if i + 1 < self.spec.clients {
                    n += jitter;
                }
            } else {
                n -= jitter;
            }
            if remainder > 0 {
                n += 1;
                remainder -= 1;
            }
            self.client(i, n.max(0) as usize);
        }
        // Conversations cut short by the end of the period leave a shortfall: more clients make it
        // up, so the message count is exactly the one asked for.
        let mut i = self.spec.clients;
        let limit = self.spec.clients.saturating_mul(4) + 10;
        while self.out.messages.len() < self.spec.messages && i < limit {
            let want = (self.spec.messages - self.out.messages.len()).min(base.max(1));
            self.client(i, want);
            i += 1;
        }
        self.activities();
        self.finish()
    }

    fn reference(&mut self) {
        for k in 0..self.spec.managers.max(1) {
            let name = full_name(k, k / FIRST_NAMES.len() + k * 7);
            self.out.managers.push(Manager {
                id: ManagerId::new((1001 + k).to_string()),
                email: Some(format!("manager{}@example.invalid", k + 1)),
                name,
                team: Some(
                    if k % 2 == 0 {
                        "Отдел продаж 1"
                    } else {
                        "Отдел продаж 2"
                    }
                    .to_owned(),
                ),
                active: true,
                updated_at: Some(self.start - Duration::days(90)),
            });
        }
        self.out.sales_pipelines = vec![
            SalesPipeline {
                id: SalesPipelineId::new("1"),
                name: "Продажи".into(),
                sort: 1,
                is_main: true,
                stages: vec![
                    stage("10", "Новая заявка", 10, StageKind::Open),
                    stage("11", "Квалификация", 20, StageKind::Open),
                    stage("12", "Переговоры", 30, StageKind::Open),
                    stage("13", "Счёт выставлен", 40, StageKind::Open),
                    stage("142", "Успешно реализовано", 10_000, StageKind::Won),
                    stage("143", "Закрыто и не реализовано", 11_000, StageKind::Lost),
                ],
            },
            SalesPipeline {
                id: SalesPipelineId::new("2"),
                name: "Повторные продажи".into(),
                sort: 2,
                is_main: false,
                stages: vec![
                    stage("20", "Новый запрос", 10, StageKind::Open),
                    stage("21", "Согласование", 20, StageKind::Open),
                    stage("142", "Успешно реализовано", 10_000, StageKind::Won),
                    stage("143", "Закрыто и не реализовано", 11_000, StageKind::Lost),
                ],
            },
        ];
    }

    fn at_fraction(&self, f: f64) -> DateTime<Utc> {
        let span = (self.spec.end - self.start).num_seconds() as f64;
        self.start + Duration::seconds((span * f.clamp(0.0, 1.0)) as i64)
    }

    fn random_time(&mut self) -> DateTime<Utc> {
        let f: f64 = self.rng.random();
        self.at_fraction(f)
    }

    fn is_working(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.spec.timezone);
        let weekday = !matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
        weekday && (9..19).contains(&local.hour())
    }

    /// The next working-hours start at or after `t`.
    fn next_working_start(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let tz = self.spec.timezone;
        let mut day = t.with_timezone(&tz).date_naive();
        loop {
            let open = tz
                .from_local_datetime(
                    &day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
                )
                .earliest()
                .map(|x| x.with_timezone(&Utc));
            if let Some(open) = open {
                if open >= t && self.is_working(open) {
                    return open;
                }
                if open < t && self.is_working(t) {
                    return t;
                }
            }
            day = day.succ_opt().unwrap_or(day);
        }
    }

    /// A manager's reply delay after a client message at `t`: minutes in working hours (log-normal,
    /// median 8 min), else the next morning plus a few minutes.
    fn reply_at(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        if self.is_working(t) {
            let (u1, u2): (f64, f64) = (self.rng.random_range(1e-9..1.0), self.rng.random());
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let minutes = (8f64.ln() + z).exp().min(240.0);
            t + Duration::seconds((minutes * 60.0) as i64 + 5)
        } else {
            let open = self.next_working_start(t);
            open + Duration::minutes(self.rng.random_range(3..90))
        }
    }

    fn client(&mut self, i: usize, n_messages: usize) {
        let manager = self.out.managers[self.rng.random_range(0..self.out.managers.len())]
            .id
            .clone();
        let number = i as u64;
        let contact_id = ContactId::new((500_000 + i).to_string());
        let deal_id = DealId::new((300_000 + i).to_string());
        let has_phone = !self.rng.random_bool(self.spec.deals_without_phone_share);
        let unmatched = self.rng.random_bool(self.spec.unmatched_chat_share);
        let created = self.start - Duration::hours(self.rng.random_range(1..24 * 20));
        let company = COMPANIES[i % COMPANIES.len()];
        let person = full_name(
            self.rng.random_range(0..FIRST_NAMES.len()),
            self.rng.random_range(0..SURNAMES.len()),
        );
        let contact_style = self.rng.random_range(0..6u8);
        self.out.contacts.push(Contact {
            id: contact_id.clone(),
            name: format!("{person} ({company})"),
            responsible: Some(manager.clone()),
            phones: if has_phone {
                vec![phone_in_format(number, contact_style)]
            } else {
                Vec::new()
            },
            updated_at: created,
            custom_fields: serde_json::json!({ "company": company }),
        });

        let chat_phone = if unmatched {
            5_000_000 + number
        } else {
            number
        };
        let channel = match self.rng.random_range(0..20) {
            0..12 => Channel::Whatsapp,
            12..17 => Channel::Waba,
            _ => Channel::Telegram,
        };
        let chat_id = ChatId::new(format!("chat-{i:06}"));
        let chat_style = self.rng.random_range(0..6u8);
        // An older chat on the same phone takes two of the client's messages.
        let duplicate = n_messages > 2 && self.rng.random_bool(self.spec.duplicate_chat_share);
        let own = if duplicate {
            n_messages - 2
        } else {
            n_messages
        };
        let last = self.conversation(&chat_id, channel, &manager, own, false);
        let mut links = ClientLinks {
            deal: deal_id.clone(),
            contact: contact_id.clone(),
            manager: manager.clone(),
            linked: has_phone && !unmatched,
            chats: vec![chat_id.clone()],
        };
        self.out.chats.push(Chat {
            id: chat_id,
            channel,
            kind: ChatKind::Direct,
            connection: Some(format!("conn-{}", channel.as_str())),
            phone: Some(phone_in_format(chat_phone, chat_style)),
            contact_name: Some(person.clone()),
            last_message_at: last,
            updated_at: last.unwrap_or(created),
        });
        if duplicate {
            // An older chat on the same phone: less recently active, so the join must not pick it.
            let old_id = ChatId::new(format!("chat-{i:06}-old"));
            let last_old = self.conversation(&old_id, Channel::Whatsapp, &manager, 2, true);
            links.chats.push(old_id.clone());
            self.out.chats.push(Chat {
                id: old_id,
                channel: Channel::Whatsapp,
                kind: ChatKind::Direct,
                connection: Some("conn-whatsapp-old".into()),
                phone: Some(phone_in_format(chat_phone, chat_style + 1)),
                contact_name: Some(person),
                last_message_at: last_old,
                updated_at: last_old.unwrap_or(created),
            });
        }
        self.clients.push(links);
        self.deal(
            deal_id, contact_id, &manager, created, last, number, has_phone,
        );
    }

    /// CRM activities of every client, from a random stream of their own (see
    /// [`Dataset::activities`]).
    fn activities(&mut self) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed ^ ACTIVITY_SEED_SALT);
        let last_instant = self.spec.end - Duration::seconds(1);
        let mut talk = FIRST_TALK_ID;
        let mut note = FIRST_NOTE_ID;
        let mut event = 0u64;
        let mut out = Vec::new();
        let mut next_event_id = || {
            event += 1;
            EventId::new(format!("01ACT{event:021}"))
        };
        for client in &self.clients {
            if client.linked {
                for chat in &client.chats {
                    let msgs = self
                        .out
                        .chat_messages
                        .get(chat)
                        .map_or(&[][..], |r| &self.out.messages[r.clone()]);
                    let closes = rng.random_bool(CLOSED_CHAT_SHARE);
                    let activity = |id: EventId, kind, at, by: &str, talk: u64| CrmActivity {
                        id,
                        kind,
                        at,
                        by: Some(ManagerId::new(by)),
                        deal: Some(client.deal.clone()),
                        contact: None,
                        talk: Some(talk.to_string()),
                    };
                    for (j, m) in msgs.iter().enumerate() {
                        if m.direction != Direction::Outbound
                            || m.author_kind != AuthorKind::Manager
                        {
                            continue;
                        }
                        // The CRM saw the staff message too, by its real author: also when the
                        // messenger lost the author (typed on the manager's phone), which is what
                        // rule O0 recovers.
                        let jitter = rng.random_range(-EVENT_JITTER_S..=EVENT_JITTER_S);
                        let at = (m.created_at + Duration::seconds(jitter))
                            .clamp(self.start, last_instant);
                        let by = m.author_id.as_deref().unwrap_or(client.manager.as_str());
                        out.push(activity(
                            next_event_id(),
                            ActivityKind::OutgoingChatMessage,
                            at,
                            by,
                            talk,
                        ));
                        // A long pause after a manager's message: the manager may close the talk.
                        let pause = msgs
                            .get(j + 1)
                            .map(|n| n.created_at - m.created_at)
                            .filter(|p| *p > Duration::hours(3));
                        if closes && pause.is_some() && rng.random_bool(0.5) {
                            let at = m.created_at + Duration::minutes(rng.random_range(5..60));
                            out.push(activity(
                                next_event_id(),
                                ActivityKind::ChatClosed,
                                at,
                                client.manager.as_str(),
                                talk,
                            ));
                            talk += 1;
                        }
                    }
                    if let Some(last) = msgs.last().filter(|_| closes) {
                        let at = last.created_at + Duration::minutes(rng.random_range(10..180));
                        // Most are closed by the manager, some by the CRM's robot.
                        let by = if rng.random_bool(0.8) {
                            client.manager.as_str()
                        } else {
                            ROBOT_AUTHOR_ID
                        };
                        if at < self.spec.end {
                            out.push(activity(
                                next_event_id(),
                                ActivityKind::ChatClosed,
                                at,
                                by,
                                talk,
                            ));
                        }
                    }
                    talk += 1;
                }
            }
            if rng.random_bool(NOTE_SHARE) {
                let f: f64 = rng.random();
                let at = self.at_fraction(f).min(last_instant);
                let on_contact = rng.random_bool(0.3);
                out.push(CrmActivity {
                    id: EventId::new(format!("note:{note}")),
                    kind: ActivityKind::Note,
                    at,
                    by: Some(client.manager.clone()),
                    deal: (!on_contact).then(|| client.deal.clone()),
                    contact: on_contact.then(|| client.contact.clone()),
                    talk: None,
                });
                note += 1;
            }
        }
        self.out.activities = out;
    }

    /// Writes a chat's messages; returns the last message time.
    fn conversation(
        &mut self,
        chat: &ChatId,
        channel: Channel,
        manager: &ManagerId,
        n: usize,
        early: bool,
    ) -> Option<DateTime<Utc>> {
        if n == 0 {
            return None;
        }
        let first = self.out.messages.len();
        // An exchange averages about 2.6 messages; gaps leave room for overnight reply delays.
        let exchanges = (n as f64 / 2.6).max(1.0);
        let span = if early { 0.2 } else { 0.7 };
        let mean_gap = span / exchanges;
        let first_at = self.rng.random_range(0.0..mean_gap.min(1.0));
        let mut t = self.at_fraction(first_at);
        let mut k = 0usize;
        let mut opened = false;
        while k < n && t < self.spec.end {
            // The client writes one or two messages.
            let opener = if opened {
                CLIENT_FOLLOWUPS
            } else {
                CLIENT_OPENERS
            };
            self.push(
                chat,
                channel,
                &mut k,
                t,
                Direction::Inbound,
                AuthorKind::Client,
                None,
                opener,
            );
            if k < n && self.rng.random_bool(0.25) {
                t += Duration::seconds(self.rng.random_range(10..90));
                self.push(
                    chat,
                    channel,
                    &mut k,
                    t,
                    Direction::Inbound,
                    AuthorKind::Client,
                    None,
                    CLIENT_FOLLOWUPS,
                );
            }
            if !opened && k < n && self.rng.random_bool(self.spec.bot_share) {
                let bt = t + Duration::seconds(self.rng.random_range(1..5));
                self.push(
                    chat,
                    channel,
                    &mut k,
                    bt,
                    Direction::Outbound,
                    AuthorKind::Bot,
                    Some(ROBOT_AUTHOR_ID),
                    BOT_REPLIES,
                );
            }
            opened = true;
            if k < n && self.rng.random_bool(0.85) {
                t = self.reply_at(t);
                // 10% are typed on the manager's phone: outbound with no author.
                let author = (!self.rng.random_bool(0.1)).then(|| manager.as_str().to_owned());
                self.push(
                    chat,
                    channel,
                    &mut k,
                    t,
                    Direction::Outbound,
                    AuthorKind::Manager,
                    author.as_deref(),
                    MANAGER_REPLIES,
                );
                if k < n && self.rng.random_bool(0.3) {
                    t += Duration::seconds(self.rng.random_range(20..300));
                    self.push(
                        chat,
                        channel,
                        &mut k,
                        t,
                        Direction::Outbound,
                        AuthorKind::Manager,
                        author.as_deref(),
                        MANAGER_REPLIES,
                    );
                }
                if k < n && self.rng.random_bool(0.3) {
                    t += Duration::seconds(self.rng.random_range(60..1200));
                    self.push(
                        chat,
                        channel,
                        &mut k,
                        t,
                        Direction::Inbound,
                        AuthorKind::Client,
                        None,
                        CLIENT_ACKS,
                    );
                }
            }
            // Spread the remaining exchanges over the remaining time, so the count stays close to
            // the target despite overnight reply delays.
            let left_exchanges = ((n.saturating_sub(k)) as f64 / 2.6).max(1.0);
            let left_secs = (self.spec.end - t).num_seconds().max(0) as f64;
            let horizon = if early {
                left_secs.min(span * (self.spec.end - self.start).num_seconds() as f64)
            } else {
                left_secs
            };
            let gap = self.rng.random_range(0.3..1.7) * 0.8 * horizon / left_exchanges;
            t += Duration::seconds(gap as i64 + 60);
        }
        let msgs = &mut self.out.messages[first..];
        msgs.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let last = msgs.last().map(|m| m.created_at);
        let end = self.out.messages.len();
        self.out.chat_messages.insert(chat.clone(), first..end);
        last
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        chat: &ChatId,
        channel: Channel,
        k: &mut usize,
        at: DateTime<Utc>,
        direction: Direction,
        author_kind: AuthorKind,
        author_id: Option<&str>,
        texts: &[&str],
    ) {
        if at >= self.spec.end {
            *k = usize::MAX;
            return;
        }
        let text = texts
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("…")
            .to_owned();
        let mut attachments = Vec::new();
        let mut kind = MessageKind::Text;
        if self.rng.random_bool(0.05) {
            let (ak, name, mime) = if direction == Direction::Inbound {
                (
                    MessageKind::Image,
                    format!("photo_{}.jpg", *k),
                    "image/jpeg",
                )
            } else {
                (
                    MessageKind::File,
                    format!("Счёт_{}.pdf", *k),
                    "application/pdf",
                )
            };
            kind = ak;
            attachments.push(Attachment {
                kind: ak,
                mime_type: Some(mime.into()),
                size: Some(120_000),
                name: Some(name),
            });
        }
        let outbound = direction == Direction::Outbound;
        let failed = outbound && self.rng.random_bool(0.01);
        let delivered_at =
            (outbound && !failed).then(|| at + Duration::seconds(self.rng.random_range(1..5)));
        let read_at = delivered_at
            .filter(|_| self.rng.random_bool(0.8))
            .map(|d| d + Duration::minutes(self.rng.random_range(0..120)));
        self.out.messages.push(Message {
            id: MessageId::new(format!("{chat}-{:05}", *k)),
            chat: chat.clone(),
            channel,
            direction,
            author_kind,
            author_id: author_id.map(str::to_owned),
            kind,
            text: Some(text),
            attachments,
            is_template: outbound && channel == Channel::Waba && author_kind == AuthorKind::Bot,
            is_broadcast: false,
            created_at: at,
            delivered_at,
            read_at: read_at.filter(|r| *r < self.spec.end),
            error_at: failed.then_some(at + Duration::seconds(2)),
            error_type: failed.then(|| "131047".to_owned()),
            raw: None,
        });
        *k += 1;
    }

    #[allow(clippy::too_many_arguments)]
    fn deal(
        &mut self,
        id: DealId,
        contact: ContactId,
        manager: &ManagerId,
        created: DateTime<Utc>,
        last_message: Option<DateTime<Utc>>,
        number: u64,
        has_phone: bool,
    ) {
        let main = self.rng.random_bool(0.8);
        let pipeline = &self.out.sales_pipelines[usize::from(!main)];
        let open: Vec<StageId> = pipeline
            .stages
            .iter()
            .filter(|s| s.kind == StageKind::Open)
            .map(|s| s.id.clone())
            .collect();
        let pipeline_id = pipeline.id.clone();
        let mut current = open[0].clone();
        let mut updated = created;
        let mut closed_at = None;
        let mut loss_reason = None;
        let moves = self.rng.random_range(0..=3usize);
        let mut times: Vec<DateTime<Utc>> = (0..moves).map(|_| self.random_time()).collect();
        times.sort();
        for (step, at) in times.into_iter().enumerate() {
            let last_move = step + 1 == moves;
            let to = if last_move && self.rng.random_bool(0.3) {
                let won = self.rng.random_bool(0.5);
                closed_at = Some(at);
                if !won {
                    loss_reason = LOSS_REASONS.choose(&mut self.rng).map(|s| (*s).to_owned());
                }
                StageId::new(if won { "142" } else { "143" })
            } else {
                let idx = open.iter().position(|s| s == &current).unwrap_or(0);
                open[(idx + 1).min(open.len() - 1)].clone()
            };
            self.out.stage_changes.push(StageChange {
                id: EventId::new(format!("sc-{id}-{step}")),
                deal: id.clone(),
                at,
                from_pipeline: Some(pipeline_id.clone()),
                from_stage: Some(current.clone()),
                to_pipeline: Some(pipeline_id.clone()),
                to_stage: Some(to.clone()),
                by: Some(manager.clone()),
            });
            current = to;
            updated = updated.max(at);
            if closed_at.is_some() {
                break;
            }
        }

        let mut responsible = manager.clone();
        if self.rng.random_bool(0.05) && self.out.managers.len() > 1 {
            let other = self
                .out
                .managers
                .iter()
                .find(|m| m.id != *manager)
                .map(|m| m.id.clone())
                .unwrap_or_else(|| manager.clone());
            let at = self.random_time();
            self.out.responsible_changes.push(ResponsibleChange {
                id: EventId::new(format!("rc-{id}")),
                entity: EntityRef::Deal(id.clone()),
                at,
                from: Some(manager.clone()),
                to: Some(other.clone()),
                by: Some(other.clone()),
            });
            responsible = other;
            updated = updated.max(at);
        }

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
                id: CallId::new(format!("call-{id}-{c}")),
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
                deal: Some(id.clone()),
                contact: Some(contact.clone()),
                updated_at: at + Duration::seconds(i64::from(talk)),
            });
            updated = updated.max(at);
            if missed {
                let back = at + Duration::minutes(self.rng.random_range(5..180));
                if back < self.spec.end {
                    self.out.calls.push(Call {
                        id: CallId::new(format!("call-{id}-{c}-back")),
                        direction: Direction::Outbound,
                        started_at: back,
                        talk_s: self.rng.random_range(20..300),
                        status: CallStatus::Answered,
                        manager: Some(responsible.clone()),
                        phone: has_phone.then(|| phone.clone()),
                        deal: Some(id.clone()),
                        contact: Some(contact.clone()),
                        updated_at: back + Duration::minutes(5),
                    });
                    updated = updated.max(back);
                }
            }
        }
        if let Some(last) = last_message {
            updated = updated.max(last);
        }
        let company = COMPANIES[number as usize % COMPANIES.len()];
        self.out.deals.push(Deal {
            id,
            name: format!("Заказ {company} #{}", number + 1),
            pipeline: Some(pipeline_id),
            stage: Some(current),
            responsible: Some(responsible),
            price: Some(self.rng.random_range(10..500) * 1000),
            contacts: vec![contact],
            phones: Vec::new(),
            loss_reason,
            created_at: created,
            updated_at: updated,
            closed_at,
            custom_fields: serde_json::json!({ "source": "whatsapp" }),
            synthetic: false,
        });
    }

    fn finish(mut self) -> Dataset {
        let out = &mut self.out;
        out.calls
            .sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        out.stage_changes
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        out.responsible_changes
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        out.activities
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        out.deals.sort_by(|a, b| a.id.cmp(&b.id));
        out.contacts.sort_by(|a, b| a.id.cmp(&b.id));
        // Chats and their message ranges: reorder messages to follow chat-id order.
        out.chats.sort_by(|a, b| a.id.cmp(&b.id));
        let mut messages = Vec::with_capacity(out.messages.len());
        let mut index = HashMap::with_capacity(out.chats.len());
        for chat in &out.chats {
            let range = out.chat_messages.get(&chat.id).cloned().unwrap_or(0..0);
            let begin = messages.len();
            messages.extend_from_slice(&out.messages[range]);
            index.insert(chat.id.clone(), begin..messages.len());
        }
        out.messages = messages;
        out.chat_messages = index;
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end() -> DateTime<Utc> {
        "2026-03-11T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = Dataset::generate(&DatasetSpec::small(7, end()));
        let b = Dataset::generate(&DatasetSpec::small(7, end()));
        let c = Dataset::generate(&DatasetSpec::small(8, end()));
        assert_eq!(a.messages, b.messages);
        assert_eq!(a.deals, b.deals);
        assert_eq!(a.activities, b.activities);
        assert_ne!(a.messages, c.messages);
        assert_ne!(a.activities, c.activities);
    }

    #[test]
    fn data_is_consistent_and_inside_the_period() {
        let d = Dataset::generate(&DatasetSpec::small(1, end()));
        let start = d.start();
        assert!(d.contacts.len() >= 30);
        assert_eq!(d.deals.len(), d.contacts.len());
        assert!(d.chats.len() >= d.contacts.len());
        assert_eq!(d.messages.len(), 600, "the asked-for size, exactly");
        assert!(
            d.messages
                .iter()
                .all(|m| m.created_at >= start && m.created_at < d.spec.end)
        );
        let ids: std::collections::HashSet<_> = d.messages.iter().map(|m| &m.id).collect();
        assert_eq!(ids.len(), d.messages.len(), "message ids are unique");
        for chat in &d.chats {
            let msgs = d.messages_of(&chat.id);
            assert!(msgs.iter().all(|m| m.chat == chat.id));
            assert!(msgs.windows(2).all(|w| w[0].created_at <= w[1].created_at));
            assert_eq!(chat.last_message_at, msgs.last().map(|m| m.created_at));
        }
        assert!(d.messages.iter().any(|m| m.author_kind == AuthorKind::Bot));
        assert!(
            d.messages
                .iter()
                .any(|m| m.direction == Direction::Outbound && m.author_id.is_none())
        );
        assert!(d.calls.iter().any(Call::is_missed));
        assert!(!d.stage_changes.is_empty());
    }

    #[test]
    fn manager_replies_at_night_wait_for_the_morning() {
        let d = Dataset::generate(&DatasetSpec::small(3, end()));
        let tz = d.spec.timezone;
        let mut night_waits = 0;
        for chat in &d.chats {
            for w in d.messages_of(&chat.id).windows(2) {
                let (client, reply) = (&w[0], &w[1]);
                let local = client.created_at.with_timezone(&tz);
                if client.direction == Direction::Inbound
                    && reply.author_kind == AuthorKind::Manager
                    && (local.hour() < 6 || local.hour() >= 21)
                {
                    let reply_local = reply.created_at.with_timezone(&tz);
                    assert!(
                        (9..11).contains(&reply_local.hour()),
                        "night message answered at {reply_local}"
                    );
                    night_waits += 1;
                }
            }
        }
        assert!(night_waits > 0, "the dataset has night messages");
    }

    #[test]
    fn sizes_scale_to_large_tenants() {
        let d = Dataset::generate(&DatasetSpec::with_messages(5, end(), 50_000));
        assert!(d.deals.len() >= 1000);
        assert_eq!(d.messages.len(), 50_000);
    }
}
