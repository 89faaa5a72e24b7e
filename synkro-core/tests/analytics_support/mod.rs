//! Fixture F of metrics.md §8 and builders for the worked examples.
#![allow(dead_code, unreachable_pub)]

pub mod leads;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc, Weekday::*};
use chrono_tz::Tz;
use synkro_core::analytics::{
    CalendarSpec, MetricsConfig, MetricsContext, MetricsReport, ReferenceData, WaitRow, compute,
};
use synkro_core::model::*;
use synkro_core::pipeline::Dialog;

pub const MSK: Tz = chrono_tz::Europe::Moscow;

/// A local wall time in `tz` ("2025-11-11 10:00:00") as UTC.
pub fn at(tz: Tz, s: &str) -> DateTime<Utc> {
    let n = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    tz.from_local_datetime(&n)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

pub fn msk(s: &str) -> DateTime<Utc> {
    at(MSK, s)
}

pub fn msk_9_18() -> CalendarSpec {
    CalendarSpec::weekly(
        "MSK-9-18",
        "Europe/Moscow",
        &[Mon, Tue, Wed, Thu, Fri],
        &["09:00-18:00"],
    )
}

/// Fixture F: MSK-9-18 tenant calendar, managers anna, boris, carl, robot 0.
pub fn fixture_config() -> MetricsConfig {
    MetricsConfig {
        calendars: vec![msk_9_18()],
        tenant_calendar: Some("MSK-9-18".into()),
        managers: vec!["anna".into(), "boris".into(), "carl".into()],
        ..MetricsConfig::default()
    }
}

pub fn message(
    chat: &str,
    id: &str,
    t: DateTime<Utc>,
    dir: Direction,
    author: Option<&str>,
    text: &str,
) -> Message {
    Message {
        id: MessageId::new(id),
        chat: ChatId::new(chat),
        channel: Channel::Whatsapp,
        direction: dir,
        author_kind: if dir == Direction::Inbound {
            AuthorKind::Client
        } else {
            AuthorKind::Unknown
        },
        author_id: author.map(str::to_owned),
        kind: MessageKind::Text,
        text: Some(text.to_owned()),
        attachments: Vec::new(),
        is_template: false,
        is_broadcast: false,
        created_at: t,
        naive_time: false,
        delivered_at: None,
        read_at: None,
        error_at: None,
        error_type: None,
        raw: None,
    }
}

pub fn client(chat: &str, id: &str, t: DateTime<Utc>, text: &str) -> Message {
    message(chat, id, t, Direction::Inbound, None, text)
}

pub fn staff(chat: &str, id: &str, t: DateTime<Utc>, author: &str, text: &str) -> Message {
    message(chat, id, t, Direction::Outbound, Some(author), text)
}

pub fn deal(id: &str, responsible: &str, created: DateTime<Utc>) -> Deal {
    Deal {
        id: DealId::new(id),
        name: format!("Deal {id}"),
        pipeline: Some(SalesPipelineId::new("p1")),
        stage: Some(StageId::new("s1")),
        responsible: Some(ManagerId::new(responsible)),
        price: None,
        contacts: Vec::new(),
        phones: Vec::new(),
        loss_reason: None,
        created_at: created,
        updated_at: created,
        closed_at: None,
        custom_fields: serde_json::json!({}),
        synthetic: false,
        deleted_at: None,
    }
}

pub fn chat(id: &str) -> Chat {
    Chat {
        id: ChatId::new(id),
        channel: Channel::Whatsapp,
        kind: ChatKind::Direct,
        connection: Some("wa-1".into()),
        phone: None,
        contact_name: None,
        last_message_at: None,
        updated_at: msk("2025-10-01 00:00:00"),
    }
}

/// A [`dialog`] where the client asks at `asked` and `by` answers at `at`.
pub fn answered(chat_id: &str, asked: &str, by: &str, at: &str) -> Dialog {
    dialog(
        chat_id,
        vec![
            client(chat_id, &format!("{chat_id}1"), msk(asked), "Нужен счёт"),
            staff(chat_id, &format!("{chat_id}2"), msk(at), by, "Отправил"),
        ],
    )
}

/// A direct WhatsApp chat linked to one lead of Anna created long before.
pub fn dialog(chat_id: &str, messages: Vec<Message>) -> Dialog {
    let mut d = Dialog::new(deal(
        &format!("lead-{chat_id}"),
        "anna",
        msk("2025-09-01 09:00:00"),
    ));
    d.chat = Some(chat(chat_id));
    d.messages = messages;
    d
}

pub fn call(
    id: &str,
    t: DateTime<Utc>,
    dir: Direction,
    status: CallStatus,
    talk: u32,
    manager: Option<&str>,
    phone: &str,
) -> Call {
    Call {
        id: CallId::new(id),
        direction: dir,
        started_at: t,
        talk_s: talk,
        status,
        manager: manager.map(ManagerId::new),
        phone: Some(phone.to_owned()),
        deal: None,
        contact: None,
        updated_at: t,
    }
}

pub fn stage_change(id: &str, deal: &str, t: DateTime<Utc>, from: &str, to: &str) -> StageChange {
    StageChange {
        id: EventId::new(id),
        deal: DealId::new(deal),
        at: t,
        from_pipeline: Some(SalesPipelineId::new("p1")),
        from_stage: Some(StageId::new(from)),
        to_pipeline: Some(SalesPipelineId::new("p1")),
        to_stage: Some(StageId::new(to)),
        by: None,
    }
}

pub fn run_with(
    cfg: MetricsConfig,
    reference: ReferenceData,
    dialogs: &[Dialog],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    as_of: DateTime<Utc>,
    tz: Tz,
) -> MetricsReport {
    let ctx = MetricsContext {
        config: cfg,
        period: Window::new(from, to).unwrap(),
        as_of,
        report_tz: tz,
        phone_region: "RU".into(),
        reference,
    };
    compute(ctx, dialogs).unwrap()
}

/// Period = local days `first ..= last` (Moscow), A = period end.
pub fn run(cfg: MetricsConfig, dialogs: &[Dialog], first: &str, last_excl: &str) -> MetricsReport {
    run_ref(cfg, ReferenceData::default(), dialogs, first, last_excl)
}

/// [`run`] with `reference` data.
pub fn run_ref(
    cfg: MetricsConfig,
    reference: ReferenceData,
    dialogs: &[Dialog],
    first: &str,
    last_excl: &str,
) -> MetricsReport {
    let (from, to) = (
        msk(&format!("{first} 00:00:00")),
        msk(&format!("{last_excl} 00:00:00")),
    );
    run_with(cfg, reference, dialogs, from, to, to, MSK)
}

/// A duration statistic in whole seconds, exactly: a value with a fraction of a second panics
/// instead of being rounded, so no assertion accepts a value that is off by less than 1 s.
pub fn secs(x: Option<f64>) -> Option<i64> {
    x.map(|v| {
        assert!(v.fract() == 0.0, "{v} s is not a whole number of seconds");
        v as i64
    })
}

/// Asserts that a published duration (seconds) is exactly `expected` whole seconds.
#[track_caller]
pub fn check_secs(what: &str, actual: Option<f64>, expected: i64) {
    assert_eq!(
        actual,
        Some(expected as f64),
        "{what}: expected exactly {expected} s"
    );
}

/// Asserts that a published rate is exactly `num / den` (`None` for an empty denominator).
#[track_caller]
pub fn check_rate(what: &str, actual: Option<f64>, num: u64, den: u64) {
    let expected = (den > 0).then(|| num as f64 / den as f64);
    assert_eq!(actual, expected, "{what}: expected {num} / {den}");
}

/// Asserts one exported wait (§2.4): its calendar and business seconds, exactly.
#[track_caller]
pub fn check_wait(what: &str, w: &WaitRow, calendar: i64, business: i64) {
    check_secs(&format!("{what} calendar"), Some(w.calendar_s), calendar);
    check_secs(&format!("{what} business"), Some(w.business_s), business);
}

/// The exported waits of `chat` (`export_waits` on), in start order.
pub fn waits_of<'a>(r: &'a MetricsReport, chat: &str) -> Vec<&'a WaitRow> {
    let mut w: Vec<_> = r.waits.iter().filter(|w| w.chat == chat).collect();
    w.sort_by_key(|w| w.start);
    w
}

/// Fixture F with one row per wait exported (§2.4).
pub fn fixture_config_with_waits() -> MetricsConfig {
    MetricsConfig {
        export_waits: true,
        ..fixture_config()
    }
}

/// The business maximum of the reply waits.
pub fn wait_bus(r: &MetricsReport) -> Option<i64> {
    secs(r.totals.waits.reply.business.max)
}

/// (calendar, business) of the single speed-to-lead value.
pub fn stl(r: &MetricsReport) -> (Option<i64>, Option<i64>) {
    let s = &r.totals.leads.speed_to_lead;
    (secs(s.calendar.max), secs(s.business.max))
}

/// A list of channel names for `stl_touch_channels` or `callback_channels`.
pub fn channels(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_owned()).collect()
}

/// A CRM note on `deal` written by `by`.
pub fn note(id: &str, deal: &str, at: DateTime<Utc>, by: &str) -> CrmActivity {
    CrmActivity {
        id: EventId::new(id),
        kind: ActivityKind::Note,
        at,
        by: Some(ManagerId::new(by)),
        deal: Some(DealId::new(deal)),
        contact: None,
        talk: None,
    }
}

/// The responsible of `deal` changes from `from` to `to` at `at`.
pub fn owner_change(
    id: &str,
    deal: &DealId,
    at: DateTime<Utc>,
    from: &str,
    to: &str,
) -> ResponsibleChange {
    ResponsibleChange {
        id: EventId::new(id),
        entity: EntityRef::Deal(deal.clone()),
        at,
        from: Some(ManagerId::new(from)),
        to: Some(ManagerId::new(to)),
        by: None,
    }
}

/// A contact with `phones`, written as given.
pub fn contact(id: &str, phones: &[&str]) -> Contact {
    Contact {
        id: ContactId::new(id),
        name: format!("Contact {id}"),
        responsible: None,
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        updated_at: msk("2025-10-01 00:00:00"),
        custom_fields: serde_json::json!({}),
    }
}
