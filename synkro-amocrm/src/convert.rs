//! Pure conversions from wire types to Synkro's model: Unix seconds to UTC, phones out of custom
//! fields (raw; core normalises), stage kinds, call outcomes (metrics.md §1.3), event values.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use synkro_core::model::{
    ActivityKind, Call, CallId, CallStatus, Contact, ContactId, CrmActivity, Deal, DealId,
    DeletedDeal, Direction, EntityRef, EventId, Manager, ManagerId, ResponsibleChange,
    SalesPipeline, SalesPipelineId, Stage, StageChange, StageId, StageKind,
};

use crate::dto::{self, CustomFieldValue, EventType, EventValue, NoteType};

/// amoCRM's system status "closed – won", in every pipeline.
pub const WON_STATUS_ID: i64 = 142;
/// amoCRM's system status "closed – lost", in every pipeline.
pub const LOST_STATUS_ID: i64 = 143;

/// A required field was missing; the path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing(pub(crate) String);

/// Unix seconds to UTC.
#[must_use]
pub fn timestamp(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.and_then(|s| DateTime::from_timestamp(s, 0))
}

fn id_of(id: Option<i64>) -> Option<String> {
    id.map(|i| i.to_string())
}

/// A user id where 0 (the robot) means nobody.
fn user(id: Option<i64>) -> Option<ManagerId> {
    id.filter(|i| *i > 0).map(|i| ManagerId::new(i.to_string()))
}

/// Phone values of `PHONE` fields and of the extra phone field ids, raw and de-duplicated.
#[must_use]
pub fn phones(fields: &[CustomFieldValue], extra_phone_fields: &[i64]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in fields {
        let is_phone = f.field_code.as_deref() == Some("PHONE")
            || f.field_id
                .is_some_and(|id| extra_phone_fields.contains(&id));
        if !is_phone {
            continue;
        }
        for v in &f.values {
            if let Some(text) = v.text().map(|t| t.trim().to_owned())
                && !text.is_empty()
                && !out.contains(&text)
            {
                out.push(text);
            }
        }
    }
    out
}

fn custom_fields(fields: &[CustomFieldValue]) -> Value {
    serde_json::to_value(fields).unwrap_or(Value::Null)
}

/// A lead as a [`Deal`]; the main contact comes first.
pub(crate) fn deal(lead: dto::Lead, extra_phone_fields: &[i64]) -> Result<Deal, Missing> {
    let updated = timestamp(lead.updated_at).or(timestamp(lead.created_at));
    let created = timestamp(lead.created_at).or(updated);
    let (Some(created_at), Some(updated_at)) = (created, updated) else {
        return Err(Missing(format!("leads[id={}].updated_at", lead.id)));
    };
    let mut contacts = lead.embedded.contacts.clone();
    contacts.sort_by_key(|c| !c.is_main.unwrap_or(false));
    let loss_reason = lead
        .embedded
        .loss_reason
        .iter()
        .find_map(|r| r.name.clone())
        .or_else(|| {
            lead.loss_reason_id
                .filter(|i| *i > 0)
                .map(|i| i.to_string())
        });
    let tags: Vec<&str> = lead
        .embedded
        .tags
        .iter()
        .filter_map(|t| t.name.as_deref())
        .collect();
    Ok(Deal {
        id: DealId::new(lead.id.to_string()),
        name: lead.name.clone().unwrap_or_default(),
        pipeline: id_of(lead.pipeline_id).map(SalesPipelineId::new),
        stage: id_of(lead.status_id).map(StageId::new),
        responsible: user(lead.responsible_user_id),
        price: lead.price,
        contacts: contacts
            .iter()
            .map(|c| ContactId::new(c.id.to_string()))
            .collect(),
        phones: phones(&lead.custom_fields_values, extra_phone_fields),
        loss_reason: loss_reason.filter(|_| lead.status_id == Some(LOST_STATUS_ID)),
        created_at,
        updated_at,
        closed_at: timestamp(lead.closed_at),
        custom_fields: json!({
            "custom_fields_values": custom_fields(&lead.custom_fields_values),
            "tags": tags,
            "group_id": lead.group_id,
            "created_by": lead.created_by,
        }),
        synthetic: false,
        deleted_at: None,
    })
}

/// A lead of `with=only_deleted` as a [`DeletedDeal`] deleted at its update time (else its
/// creation time); `None` for a lead that says `is_deleted: false` (not a deletion).
pub(crate) fn deleted_deal(lead: &dto::Lead) -> Result<Option<DeletedDeal>, Missing> {
    if lead.is_deleted == Some(false) {
        return Ok(None);
    }
    let Some(at) = timestamp(lead.updated_at).or(timestamp(lead.created_at)) else {
        return Err(Missing(format!("leads[id={}].updated_at", lead.id)));
    };
    Ok(Some(DeletedDeal::new(lead.id.to_string(), at)))
}

/// A contact as a [`Contact`] with its phones.
pub(crate) fn contact(c: dto::Contact, extra_phone_fields: &[i64]) -> Result<Contact, Missing> {
    let Some(updated_at) = timestamp(c.updated_at).or(timestamp(c.created_at)) else {
        return Err(Missing(format!("contacts[id={}].updated_at", c.id)));
    };
    let name = c
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| {
            let joined = [c.first_name.as_deref(), c.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        })
        .unwrap_or_default();
    Ok(Contact {
        id: ContactId::new(c.id.to_string()),
        name,
        responsible: user(c.responsible_user_id),
        phones: phones(&c.custom_fields_values, extra_phone_fields),
        updated_at,
        custom_fields: json!({ "custom_fields_values": custom_fields(&c.custom_fields_values) }),
    })
}

/// A user as a [`Manager`]; `groups` resolves a team id to its name.
pub(crate) fn manager(u: dto::User, groups: &[dto::UsersGroup]) -> Manager {
    let team = u
        .embedded
        .groups
        .iter()
        .find_map(|g| g.name.clone())
        .or_else(|| {
            let gid = u.rights.group_id.filter(|g| *g > 0)?;
            groups
                .iter()
                .find(|g| g.id == Some(gid))
                .and_then(|g| g.name.clone())
                .or_else(|| Some(gid.to_string()))
        });
    Manager {
        id: ManagerId::new(u.id.to_string()),
        name: u.name.unwrap_or_default(),
        email: u.email.filter(|e| !e.is_empty()),
        team,
        active: u.rights.is_active.unwrap_or(true),
        updated_at: None,
    }
}

/// A stage's kind: 142 won, 143 lost, anything else open.
#[must_use]
pub fn stage_kind(status_id: i64) -> StageKind {
    match status_id {
        WON_STATUS_ID => StageKind::Won,
        LOST_STATUS_ID => StageKind::Lost,
        _ => StageKind::Open,
    }
}

/// A pipeline with its stages in sort order.
pub(crate) fn pipeline(p: dto::Pipeline) -> SalesPipeline {
    let mut stages: Vec<Stage> = p
        .embedded
        .statuses
        .into_iter()
        .map(|s| Stage {
            id: StageId::new(s.id.to_string()),
            name: s.name.unwrap_or_default(),
            sort: i32::try_from(s.sort.unwrap_or(0)).unwrap_or(i32::MAX),
            kind: stage_kind(s.id),
        })
        .collect();
    stages.sort_by(|a, b| (a.sort, &a.id).cmp(&(b.sort, &b.id)));
    SalesPipeline {
        id: SalesPipelineId::new(p.id.to_string()),
        name: p.name.unwrap_or_default(),
        sort: i32::try_from(p.sort.unwrap_or(0)).unwrap_or(i32::MAX),
        is_main: p.is_main.unwrap_or(false),
        stages,
    }
}

/// An amoCRM `call_status` as a [`CallStatus`] (metrics.md §1.3): 4 answered, 6 no answer,
/// 7 busy, anything else unknown (then talk time decides).
#[must_use]
pub fn call_status(code: Option<i64>) -> CallStatus {
    match code {
        Some(4) => CallStatus::Answered,
        Some(6) => CallStatus::NoAnswer,
        Some(7) => CallStatus::Busy,
        _ => CallStatus::Unknown,
    }
}

/// Which entity a note belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoteOwner {
    Lead,
    Contact,
}

/// A call note as a [`Call`]; `None` for other notes or a note without a time.
pub(crate) fn call(n: &dto::Note, owner: NoteOwner) -> Option<Call> {
    let direction = match n.note_type {
        NoteType::CallIn => Direction::Inbound,
        NoteType::CallOut => Direction::Outbound,
        _ => return None,
    };
    let params = n.call()?;
    let started_at = timestamp(n.created_at)?;
    let entity = n.entity_id.filter(|i| *i > 0).map(|i| i.to_string());
    Some(Call {
        id: CallId::new(n.id.to_string()),
        direction,
        started_at,
        talk_s: u32::try_from(params.duration.unwrap_or(0).max(0)).unwrap_or(u32::MAX),
        status: call_status(params.call_status),
        manager: user(n.responsible_user_id).or_else(|| user(n.created_by)),
        phone: params.phone.filter(|p| !p.trim().is_empty()),
        deal: (owner == NoteOwner::Lead)
            .then(|| entity.clone().map(DealId::new))
            .flatten(),
        contact: (owner == NoteOwner::Contact)
            .then(|| entity.map(ContactId::new))
            .flatten(),
        updated_at: timestamp(n.updated_at).unwrap_or(started_at),
    })
}

fn lead_status(values: &[EventValue]) -> (Option<i64>, Option<i64>) {
    values
        .iter()
        .find_map(|v| match v {
            EventValue::LeadStatus {
                status_id,
                pipeline_id,
            } => Some((*pipeline_id, *status_id)),
            _ => None,
        })
        .unwrap_or((None, None))
}

fn responsible(values: &[EventValue]) -> Option<i64> {
    values.iter().find_map(|v| match v {
        EventValue::ResponsibleUser { user_id } => *user_id,
        _ => None,
    })
}

/// A `lead_status_changed` event as a [`StageChange`].
pub(crate) fn stage_change(e: &dto::Event) -> Option<StageChange> {
    if e.kind != EventType::LeadStatusChanged {
        return None;
    }
    let deal = e.entity_id?;
    let at = timestamp(e.created_at)?;
    let (from_pipeline, from_stage) = lead_status(&e.before());
    let (to_pipeline, to_stage) = lead_status(&e.after());
    Some(StageChange {
        id: EventId::new(e.id.clone()),
        deal: DealId::new(deal.to_string()),
        at,
        from_pipeline: id_of(from_pipeline).map(SalesPipelineId::new),
        from_stage: id_of(from_stage).map(StageId::new),
        to_pipeline: id_of(to_pipeline).map(SalesPipelineId::new),
        to_stage: id_of(to_stage).map(StageId::new),
        by: user(e.created_by),
    })
}

/// An `entity_responsible_changed` event of a lead or contact as a [`ResponsibleChange`].
pub(crate) fn responsible_change(e: &dto::Event) -> Option<ResponsibleChange> {
    if e.kind != EventType::EntityResponsibleChanged {
        return None;
    }
    let id = e.entity_id?.to_string();
    let entity = match e.entity_type.as_deref() {
        Some("lead" | "leads") => EntityRef::Deal(DealId::new(id)),
        Some("contact" | "contacts") => EntityRef::Contact(ContactId::new(id)),
        _ => return None,
    };
    Some(ResponsibleChange {
        id: EventId::new(e.id.clone()),
        entity,
        at: timestamp(e.created_at)?,
        from: user(responsible(&e.before())),
        to: user(responsible(&e.after())),
        by: user(e.created_by),
    })
}

/// A user id as sent, the robot's `0` included (activities keep who did it, even the robot).
fn author(id: Option<i64>) -> Option<ManagerId> {
    id.map(|i| ManagerId::new(i.to_string()))
}

/// A talk id in `values`: `message.talk_id`, `talk.id`, or a `talk_id` key of a shape this
/// client does not know (`talk_closed` values are unverified), at the top or one level down.
fn talk_in(values: &[EventValue]) -> Option<String> {
    fn in_value(v: &Value) -> Option<i64> {
        let direct = |o: &Value| match o.get("talk_id")? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        direct(v).or_else(|| v.as_object()?.values().find_map(direct))
    }
    values
        .iter()
        .find_map(|v| match v {
            EventValue::Message { talk_id, .. } => *talk_id,
            EventValue::Talk { id } => *id,
            EventValue::Unknown(v) => in_value(v),
            _ => None,
        })
        .filter(|t| *t > 0)
        .map(|t| t.to_string())
}

/// A chat-message or `talk_closed` event as a [`CrmActivity`]; `Ok(None)` for other types.
/// An event of a lead or contact must name it, and every activity needs its time.
pub(crate) fn activity_of_event(e: &dto::Event) -> Result<Option<CrmActivity>, Missing> {
    let kind = match e.kind {
        EventType::IncomingChatMessage => ActivityKind::IncomingChatMessage,
        EventType::OutgoingChatMessage => ActivityKind::OutgoingChatMessage,
        EventType::TalkClosed => ActivityKind::ChatClosed,
        _ => return Ok(None),
    };
    let field = |f: &str| Missing(format!("events[id={}].{f}", e.id));
    let at = timestamp(e.created_at).ok_or_else(|| field("created_at"))?;
    let entity = || {
        e.entity_id
            .filter(|i| *i > 0)
            .map(|i| i.to_string())
            .ok_or_else(|| field("entity_id"))
    };
    let (deal, contact) = match e.entity_type.as_deref() {
        Some("lead" | "leads") => (Some(DealId::new(entity()?)), None),
        Some("contact" | "contacts") => (None, Some(ContactId::new(entity()?))),
        // A customer's or company's conversation: kept, tied to neither.
        _ => (None, None),
    };
    Ok(Some(CrmActivity {
        id: EventId::new(e.id.clone()),
        kind,
        at,
        by: author(e.created_by),
        deal,
        contact,
        talk: talk_in(&e.after()).or_else(|| talk_in(&e.before())),
    }))
}

/// A `common` note as a [`CrmActivity`] (`note:<id>`); `Ok(None)` for other note types.
pub(crate) fn activity_of_note(
    n: &dto::Note,
    owner: NoteOwner,
) -> Result<Option<CrmActivity>, Missing> {
    if n.note_type != NoteType::Common {
        return Ok(None);
    }
    let field = |f: &str| Missing(format!("notes[id={}].{f}", n.id));
    let at = timestamp(n.created_at).ok_or_else(|| field("created_at"))?;
    let entity = n
        .entity_id
        .filter(|i| *i > 0)
        .map(|i| i.to_string())
        .ok_or_else(|| field("entity_id"))?;
    let (deal, contact) = match owner {
        NoteOwner::Lead => (Some(DealId::new(entity)), None),
        NoteOwner::Contact => (None, Some(ContactId::new(entity))),
    };
    Ok(Some(CrmActivity {
        id: EventId::new(format!("note:{}", n.id)),
        kind: ActivityKind::Note,
        at,
        by: author(n.created_by),
        deal,
        contact,
        talk: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(json: &str) -> dto::Lead {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_lead_becomes_a_deal_with_the_main_contact_first_and_lead_phones() {
        let l = lead(
            r#"{"id":7,"name":"Order","price":"1500","responsible_user_id":1001,"status_id":143,
            "pipeline_id":1,"loss_reason_id":5,"created_at":1700000000,"updated_at":1700000100,
            "closed_at":1700000100,"custom_fields_values":[{"field_id":9,"field_code":"PHONE",
            "values":[{"value":"+7 900 000-00-01","enum_code":"WORK"},{"value":"+7 900 000-00-01"}]},
            {"field_id":11,"field_code":null,"values":[{"value":"8 900 000 00 02"}]}],
            "_embedded":{"tags":[],"contacts":[{"id":2,"is_main":false},{"id":3,"is_main":true}],
            "loss_reason":[{"id":5,"name":"Too expensive"}]},"some_new_field":true}"#,
        );
        assert!(l.extra.contains_key("some_new_field"));
        let d = deal(l, &[11]).unwrap();
        assert_eq!(d.id.as_str(), "7");
        assert_eq!(d.price, Some(1500));
        assert_eq!(d.contacts, [ContactId::new("3"), ContactId::new("2")]);
        assert_eq!(d.phones, ["+7 900 000-00-01", "8 900 000 00 02"]);
        assert_eq!(d.loss_reason.as_deref(), Some("Too expensive"));
        assert_eq!(d.responsible, Some(ManagerId::new("1001")));
        assert_eq!(d.closed_at, timestamp(Some(1_700_000_100)));
    }

    #[test]
    fn a_lead_without_any_time_names_the_field() {
        let err = deal(lead(r#"{"id":8}"#), &[]).unwrap_err();
        assert_eq!(err.0, "leads[id=8].updated_at");
    }

    #[test]
    fn call_statuses_follow_the_metrics_mapping() {
        assert_eq!(call_status(Some(4)), CallStatus::Answered);
        assert_eq!(call_status(Some(6)), CallStatus::NoAnswer);
        assert_eq!(call_status(Some(7)), CallStatus::Busy);
        for other in [None, Some(1), Some(2), Some(3), Some(5), Some(8), Some(99)] {
            assert_eq!(call_status(other), CallStatus::Unknown);
        }
        let n: dto::Note = serde_json::from_str(
            r#"{"id":5,"entity_id":7,"note_type":"call_in","created_at":1700000000,
            "responsible_user_id":1002,"params":{"duration":"0","call_status":"6","phone":"79000000001"}}"#,
        )
        .unwrap();
        let c = call(&n, NoteOwner::Lead).unwrap();
        assert!(c.is_missed());
        assert_eq!(c.deal, Some(DealId::new("7")));
        assert_eq!(c.contact, None);
        let other: dto::Note =
            serde_json::from_str(r#"{"id":6,"note_type":"weird_new_type","params":[]}"#).unwrap();
        assert_eq!(other.note_type, NoteType::Other("weird_new_type".into()));
        assert!(call(&other, NoteOwner::Lead).is_none());
    }

    #[test]
    fn events_become_stage_and_responsible_changes_and_the_robot_is_nobody() {
        let e: dto::Event = serde_json::from_str(
            r#"{"id":"01HX","type":"lead_status_changed","entity_id":7,"entity_type":"lead",
            "created_by":0,"created_at":1700000000,
            "value_before":[{"lead_status":{"id":10,"pipeline_id":1}}],
            "value_after":[{"lead_status":{"id":142,"pipeline_id":1}}]}"#,
        )
        .unwrap();
        let s = stage_change(&e).unwrap();
        assert_eq!(s.from_stage, Some(StageId::new("10")));
        assert_eq!(s.to_stage, Some(StageId::new("142")));
        assert_eq!(s.by, None);
        let r: dto::Event = serde_json::from_str(
            r#"{"id":"01HY","type":"entity_responsible_changed","entity_id":3,
            "entity_type":"contact","created_by":1001,"created_at":1700000000,
            "value_before":[{"responsible_user":{"id":1001}}],
            "value_after":[{"responsible_user":{"id":"1002"}}]}"#,
        )
        .unwrap();
        let rc = responsible_change(&r).unwrap();
        assert_eq!(rc.entity, EntityRef::Contact(ContactId::new("3")));
        assert_eq!(rc.to, Some(ManagerId::new("1002")));
        let unknown: dto::Event = serde_json::from_str(
            r#"{"id":1,"type":"brand_new_event","value_after":[{"thing":{"x":1}}]}"#,
        )
        .unwrap();
        assert_eq!(unknown.kind.as_str(), "brand_new_event");
        assert!(matches!(unknown.after()[0], EventValue::Unknown(_)));
    }

    fn event(json: &str) -> dto::Event {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn chat_events_become_activities_keeping_the_robot_and_the_talk() {
        let out = activity_of_event(&event(
            r#"{"id":"01HZ","type":"outgoing_chat_message","entity_id":"300001",
            "entity_type":"lead","created_by":0,"created_at":1700000000,
            "value_after":[{"message":{"id":"m-1","talk_id":"77","origin":"waba"}}]}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(out.kind, ActivityKind::OutgoingChatMessage);
        assert_eq!(out.by, Some(ManagerId::new("0")), "the robot is kept");
        assert_eq!(out.deal, Some(DealId::new("300001")));
        assert_eq!(out.contact, None);
        assert_eq!(out.talk.as_deref(), Some("77"));
        assert_eq!(out.at, timestamp(Some(1_700_000_000)).unwrap());

        let closed = activity_of_event(&event(
            r#"{"id":"c1","type":"talk_closed","entity_id":5,"entity_type":"contact",
            "created_by":1001,"created_at":1700000100,
            "value_after":{"closed_talk":{"talk_id":91,"reason":"manual"}}}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(closed.kind, ActivityKind::ChatClosed);
        assert_eq!(closed.contact, Some(ContactId::new("5")));
        assert_eq!(
            closed.talk.as_deref(),
            Some("91"),
            "a talk id in an unknown wrapper is still found"
        );
        let bare = activity_of_event(&event(
            r#"{"id":"c2","type":"talk_closed","entity_id":5,"entity_type":"customer",
            "created_at":1700000100,"value_after":"closed"}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (bare.deal, bare.contact, bare.talk, bare.by),
            (None, None, None, None)
        );
        let other = event(r#"{"id":"s","type":"lead_status_changed","created_at":1}"#);
        assert_eq!(activity_of_event(&other), Ok(None));
    }

    #[test]
    fn malformed_activities_name_the_missing_field() {
        let no_time = event(
            r#"{"id":"e1","type":"incoming_chat_message","entity_id":1,"entity_type":"lead"}"#,
        );
        assert_eq!(
            activity_of_event(&no_time).unwrap_err().0,
            "events[id=e1].created_at"
        );
        let no_entity = event(
            r#"{"id":"e2","type":"incoming_chat_message","entity_type":"lead","created_at":1}"#,
        );
        assert_eq!(
            activity_of_event(&no_entity).unwrap_err().0,
            "events[id=e2].entity_id"
        );
        let note: dto::Note =
            serde_json::from_str(r#"{"id":4,"note_type":"common","entity_id":7}"#).unwrap();
        assert_eq!(
            activity_of_note(&note, NoteOwner::Lead).unwrap_err().0,
            "notes[id=4].created_at"
        );
    }

    #[test]
    fn common_notes_become_note_activities_of_their_owner() {
        let n: dto::Note = serde_json::from_str(
            r#"{"id":42,"entity_id":500001,"note_type":"common","created_by":1002,
            "created_at":1700000000,"updated_at":1700000500,"params":{"text":"call back"}}"#,
        )
        .unwrap();
        let a = activity_of_note(&n, NoteOwner::Contact).unwrap().unwrap();
        assert_eq!(a.id.as_str(), "note:42");
        assert_eq!(a.kind, ActivityKind::Note);
        assert_eq!(a.contact, Some(ContactId::new("500001")));
        assert_eq!(a.deal, None);
        assert_eq!(a.by, Some(ManagerId::new("1002")));
        let call: dto::Note =
            serde_json::from_str(r#"{"id":43,"entity_id":1,"note_type":"call_in","created_at":1}"#)
                .unwrap();
        assert_eq!(activity_of_note(&call, NoteOwner::Lead), Ok(None));
    }

    #[test]
    fn stages_sort_and_system_statuses_close_the_deal() {
        let p: dto::Pipeline = serde_json::from_str(
            r#"{"id":1,"name":"Sales","sort":1,"is_main":true,"_embedded":{"statuses":[
            {"id":143,"name":"Lost","sort":11000},{"id":10,"name":"New","sort":10},
            {"id":142,"name":"Won","sort":10000}]}}"#,
        )
        .unwrap();
        let sp = pipeline(p);
        let kinds: Vec<_> = sp.stages.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [StageKind::Open, StageKind::Won, StageKind::Lost]);
    }
}
