//! The dataset written as amoCRM API v4 wire JSON, independently of any client's types.

use std::collections::HashMap;

use serde_json::{Value, json};
use synkro_core::model::{ActivityKind, CallStatus, CrmActivity, Direction, EntityRef, StageKind};

use crate::data::Dataset;

/// The fake account's id.
pub const ACCOUNT_ID: i64 = 31_000_001;
/// The phone custom field's id.
pub const PHONE_FIELD_ID: i64 = 264_911;

/// A listable entity with the values filters look at.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    /// `note_type` or event `type`.
    pub(crate) kind: String,
    /// Contact ids of a lead (embedded only with `with=contacts`).
    pub(crate) contacts: Vec<i64>,
    pub(crate) value: Value,
}

/// Every collection the fake serves.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    pub(crate) account: Value,
    pub(crate) users: Vec<Item>,
    pub(crate) groups: HashMap<i64, String>,
    pub(crate) pipelines: Vec<Value>,
    pub(crate) leads: Vec<Item>,
    /// Deleted leads as `with=only_deleted` lists them: id, update time, `is_deleted`.
    pub(crate) deleted_leads: Vec<Item>,
    pub(crate) contacts: Vec<Item>,
    pub(crate) lead_notes: Vec<Item>,
    pub(crate) contact_notes: Vec<Item>,
    pub(crate) events: Vec<Item>,
    pub(crate) talks: HashMap<i64, Value>,
}

/// A numeric id for a dataset id (`"300001"` → 300001; other text hashed into a stable range).
pub(crate) fn num(s: &str) -> i64 {
    s.parse().unwrap_or_else(|_| {
        let mut h: i64 = 17;
        for b in s.bytes() {
            h = (h.wrapping_mul(31).wrapping_add(i64::from(b))) & 0x3fff_ffff;
        }
        900_000_000 + h
    })
}

fn phones_field(phones: &[String]) -> Value {
    if phones.is_empty() {
        return Value::Null;
    }
    json!([{
        "field_id": PHONE_FIELD_ID,
        "field_name": "Телефон",
        "field_code": "PHONE",
        "field_type": "multitext",
        "values": phones.iter().map(|p| json!({"value": p, "enum_id": 1, "enum_code": "WORK"})).collect::<Vec<_>>(),
    }])
}

fn call_status(s: CallStatus) -> i64 {
    match s {
        CallStatus::Answered => 4,
        CallStatus::NoAnswer => 6,
        CallStatus::Busy => 7,
        _ => 8,
    }
}

/// What the events tell about one talk.
struct TalkSeen {
    first: i64,
    last: i64,
    closed: bool,
    deal: Option<i64>,
    contact: Option<i64>,
}

/// The entity an activity belongs to: its deal as a lead, else its contact.
fn activity_entity(a: &CrmActivity) -> (i64, &'static str) {
    match (&a.deal, &a.contact) {
        (Some(d), _) => (num(d.as_str()), "lead"),
        (None, Some(c)) => (num(c.as_str()), "contact"),
        (None, None) => (0, "lead"),
    }
}

/// A chat-message or close activity as an event of `GET /api/v4/events`; `None` for notes.
fn chat_event(a: &CrmActivity, base: &str) -> Option<Item> {
    let ty = match a.kind {
        ActivityKind::IncomingChatMessage => "incoming_chat_message",
        ActivityKind::OutgoingChatMessage => "outgoing_chat_message",
        ActivityKind::ChatClosed => "talk_closed",
        _ => return None,
    };
    let (entity, entity_type) = activity_entity(a);
    let talk = a
        .talk
        .as_deref()
        .map(|t| t.parse::<i64>().map_or_else(|_| json!(t), |n| json!(n)));
    let after = match (a.kind, talk) {
        (ActivityKind::ChatClosed, Some(t)) => json!([{"talk": {"id": t}}]),
        (ActivityKind::ChatClosed, None) => json!([]),
        (_, t) => json!([{"message": {"id": format!("amojo-msg-{}", a.id.as_str()),
            "talk_id": t, "origin": "whatsapp"}}]),
    };
    let at = a.at.timestamp();
    let entity_path = if entity_type == "lead" {
        "leads"
    } else {
        "contacts"
    };
    Some(Item {
        id: a.id.as_str().to_owned(),
        created_at: at,
        updated_at: at,
        kind: ty.to_owned(),
        contacts: Vec::new(),
        value: json!({
            "id": a.id.as_str(), "type": ty, "entity_id": entity, "entity_type": entity_type,
            "created_by": a.by.as_ref().map_or(0, |m| num(m.as_str())), "created_at": at,
            "value_before": [], "value_after": after, "account_id": ACCOUNT_ID,
            "_links": {"self": {"href": format!("{base}/api/v4/events/{}", a.id.as_str())}},
            "_embedded": {"entity": {"id": entity,
                "_links": {"self": {"href": format!("{base}/api/v4/{entity_path}/{entity}")}}}},
        }),
    })
}

/// A note activity as a `common` note; `true` when it belongs in the contacts' notes.
fn note(a: &CrmActivity, base: &str) -> (Item, bool) {
    let raw = a.id.as_str();
    let id = num(raw.strip_prefix("note:").unwrap_or(raw));
    let (entity, entity_type) = activity_entity(a);
    let entity_path = if entity_type == "lead" {
        "leads"
    } else {
        "contacts"
    };
    let by = a.by.as_ref().map_or(0, |m| num(m.as_str()));
    let at = a.at.timestamp();
    let item = Item {
        id: id.to_string(),
        created_at: at,
        updated_at: at,
        kind: "common".into(),
        contacts: Vec::new(),
        value: json!({
            "id": id, "entity_id": entity, "created_by": by, "updated_by": by,
            "created_at": at, "updated_at": at, "responsible_user_id": by, "group_id": 0,
            "note_type": "common", "params": {"text": "Клиент просил перезвонить после обеда"},
            "account_id": ACCOUNT_ID, "is_pinned": false,
            "_links": {"self": {"href": format!("{base}/api/v4/{entity_path}/{entity}/notes/{id}")}},
        }),
    };
    (item, entity_type == "contact")
}

/// Builds the wire collections; `base` is the server's base URL (for `_links`).
pub(crate) fn build(data: &Dataset, base: &str) -> Wire {
    let mut w = Wire::default();
    let mut group_ids: HashMap<String, i64> = HashMap::new();
    for m in &data.managers {
        if let Some(team) = &m.team {
            let next = 1 + group_ids.len() as i64;
            let id = *group_ids.entry(team.clone()).or_insert(next);
            w.groups.insert(id, team.clone());
        }
    }
    for m in &data.managers {
        let id = num(m.id.as_str());
        let gid = m
            .team
            .as_ref()
            .and_then(|t| group_ids.get(t))
            .copied()
            .unwrap_or(0);
        let ts = m.updated_at.map_or(0, |t| t.timestamp());
        w.users.push(Item {
            id: id.to_string(),
            created_at: ts,
            updated_at: ts,
            kind: String::new(),
            contacts: Vec::new(),
            value: json!({
                "id": id, "name": m.name, "email": m.email, "lang": "ru",
                "rights": {"leads": {"view": "A", "edit": "A"}, "mail_access": false,
                    "is_admin": false, "is_free": false, "is_active": m.active,
                    "group_id": if gid == 0 { Value::Null } else { json!(gid) }, "role_id": null},
                "_links": {"self": {"href": format!("{base}/api/v4/users/{id}")}},
            }),
        });
    }
    let groups: Vec<Value> = {
        let mut g: Vec<_> = w
            .groups
            .iter()
            .map(|(id, n)| json!({"id": id, "name": n}))
            .collect();
        g.sort_by_key(|v| v["id"].as_i64());
        g
    };
    let first_user = data.managers.first().map_or(0, |m| num(m.id.as_str()));
    w.account = json!({
        "id": ACCOUNT_ID, "name": "Synkro Demo", "subdomain": "synkro-demo",
        "created_at": 1_600_000_000, "created_by": first_user, "updated_at": 1_700_000_000,
        "updated_by": first_user, "current_user_id": first_user, "country": "RU",
        "currency": "RUB", "currency_symbol": "₽", "customers_mode": "disabled",
        "is_unsorted_on": true, "is_loss_reason_enabled": true, "is_helpbot_enabled": false,
        "is_technical_account": false, "contact_name_display_order": 1,
        "_links": {"self": {"href": format!("{base}/api/v4/account")}},
        "_embedded": {
            "datetime_settings": {
                "date_pattern": "d.m.Y H:i", "short_date_pattern": "d.m.Y",
                "short_time_pattern": "H:i", "date_format": "d.m.Y", "time_format": "H:i",
                "timezone": data.spec.timezone.name(), "timezone_offset": "+03:00"
            },
            "users_groups": groups,
        },
    });
    for p in &data.sales_pipelines {
        let pid = num(p.id.as_str());
        let statuses: Vec<Value> = p
            .stages
            .iter()
            .map(|s| {
                let sid = num(s.id.as_str());
                json!({"id": sid, "name": s.name, "sort": s.sort, "is_editable": s.kind == StageKind::Open,
                    "pipeline_id": pid, "color": "#fffeb2", "type": 0, "account_id": ACCOUNT_ID,
                    "_links": {"self": {"href": format!("{base}/api/v4/leads/pipelines/{pid}/statuses/{sid}")}}})
            })
            .collect();
        w.pipelines.push(json!({
            "id": pid, "name": p.name, "sort": p.sort, "is_main": p.is_main,
            "is_unsorted_on": true, "is_archive": false, "account_id": ACCOUNT_ID,
            "_links": {"self": {"href": format!("{base}/api/v4/leads/pipelines/{pid}")}},
            "_embedded": {"statuses": statuses},
        }));
    }
    for d in &data.deals {
        let id = num(d.id.as_str());
        if let Some(at) = d.deleted_at {
            let at = at.timestamp();
            w.deleted_leads.push(Item {
                id: id.to_string(),
                created_at: d.created_at.timestamp(),
                updated_at: at,
                kind: String::new(),
                contacts: Vec::new(),
                value: json!({
                    "id": id, "updated_at": at, "is_deleted": true,
                    "_links": {"self": {"href": format!("{base}/api/v4/leads/{id}")}},
                }),
            });
            continue;
        }
        let resp = d.responsible.as_ref().map_or(0, |m| num(m.as_str()));
        let status = d.stage.as_ref().map_or(0, |s| num(s.as_str()));
        w.leads.push(Item {
            id: id.to_string(),
            created_at: d.created_at.timestamp(),
            updated_at: d.updated_at.timestamp(),
            kind: String::new(),
            contacts: d.contacts.iter().map(|c| num(c.as_str())).collect(),
            value: json!({
                "id": id, "name": d.name, "price": d.price.unwrap_or(0), "responsible_user_id": resp,
                "group_id": 0, "status_id": status,
                "pipeline_id": d.pipeline.as_ref().map_or(0, |p| num(p.as_str())),
                "loss_reason_id": if d.loss_reason.is_some() { json!(1) } else { Value::Null },
                "created_by": resp, "updated_by": resp,
                "created_at": d.created_at.timestamp(), "updated_at": d.updated_at.timestamp(),
                "closed_at": d.closed_at.map(|t| t.timestamp()), "closest_task_at": null,
                "is_deleted": false, "custom_fields_values": phones_field(&d.phones),
                "score": null, "account_id": ACCOUNT_ID, "labor_cost": null,
                "_links": {"self": {"href": format!("{base}/api/v4/leads/{id}")}},
            }),
        });
    }
    w.leads
        .sort_by_key(|i| (i.updated_at, i.id.parse::<i64>().unwrap_or(0)));
    w.deleted_leads
        .sort_by_key(|i| (i.updated_at, i.id.parse::<i64>().unwrap_or(0)));
    for c in &data.contacts {
        let id = num(c.id.as_str());
        let resp = c.responsible.as_ref().map_or(0, |m| num(m.as_str()));
        let (first, last) = c.name.split_once(' ').unwrap_or((&c.name, ""));
        w.contacts.push(Item {
            id: id.to_string(),
            created_at: c.updated_at.timestamp(),
            updated_at: c.updated_at.timestamp(),
            kind: String::new(),
            contacts: Vec::new(),
            value: json!({
                "id": id, "name": c.name, "first_name": first, "last_name": last,
                "responsible_user_id": resp, "group_id": 0, "created_by": resp, "updated_by": resp,
                "created_at": c.updated_at.timestamp(), "updated_at": c.updated_at.timestamp(),
                "closest_task_at": null, "is_deleted": false, "is_unsorted": false,
                "custom_fields_values": phones_field(&c.phones), "account_id": ACCOUNT_ID,
                "_links": {"self": {"href": format!("{base}/api/v4/contacts/{id}")}},
                "_embedded": {"tags": [], "companies": []},
            }),
        });
    }
    for (i, call) in data.calls.iter().enumerate() {
        let id = 700_000 + i as i64;
        let resp = call.manager.as_ref().map_or(0, |m| num(m.as_str()));
        let (entity, into_contacts) = match (&call.deal, &call.contact) {
            (Some(d), _) => (num(d.as_str()), false),
            (None, Some(c)) => (num(c.as_str()), true),
            (None, None) => (0, false),
        };
        let note_type = if call.direction == Direction::Inbound {
            "call_in"
        } else {
            "call_out"
        };
        let item = Item {
            id: id.to_string(),
            created_at: call.started_at.timestamp(),
            updated_at: call.updated_at.timestamp(),
            kind: note_type.to_owned(),
            contacts: Vec::new(),
            value: json!({
                "id": id, "entity_id": entity, "created_by": resp, "updated_by": resp,
                "created_at": call.started_at.timestamp(), "updated_at": call.updated_at.timestamp(),
                "responsible_user_id": resp, "group_id": 0, "note_type": note_type,
                "params": {"uniq": call.id.as_str(), "duration": call.talk_s, "source": "fake-telephony",
                    "link": format!("https://telephony.example.invalid/rec/{id}.mp3"),
                    "phone": call.phone, "call_result": "", "call_status": call_status(call.status),
                    "call_responsible": resp},
                "account_id": ACCOUNT_ID, "is_pinned": false,
                "_links": {"self": {"href": format!("{base}/api/v4/leads/{entity}/notes/{id}")}},
            }),
        };
        if into_contacts {
            w.contact_notes.push(item);
        } else {
            w.lead_notes.push(item);
        }
    }
    for s in &data.stage_changes {
        let status = |st: &Option<synkro_core::model::StageId>,
                      p: &Option<synkro_core::model::SalesPipelineId>| {
            json!([{"lead_status": {"id": st.as_ref().map_or(0, |x| num(x.as_str())),
                "pipeline_id": p.as_ref().map_or(0, |x| num(x.as_str()))}}])
        };
        let deal = num(s.deal.as_str());
        w.events.push(Item {
            id: s.id.as_str().to_owned(),
            created_at: s.at.timestamp(),
            updated_at: s.at.timestamp(),
            kind: "lead_status_changed".into(),
            contacts: Vec::new(),
            value: json!({
                "id": s.id.as_str(), "type": "lead_status_changed", "entity_id": deal,
                "entity_type": "lead", "created_by": s.by.as_ref().map_or(0, |m| num(m.as_str())),
                "created_at": s.at.timestamp(),
                "value_before": status(&s.from_stage, &s.from_pipeline),
                "value_after": status(&s.to_stage, &s.to_pipeline),
                "account_id": ACCOUNT_ID,
                "_links": {"self": {"href": format!("{base}/api/v4/events/{}", s.id.as_str())}},
                "_embedded": {"entity": {"id": deal, "_links": {"self": {"href": format!("{base}/api/v4/leads/{deal}")}}}},
            }),
        });
    }
    for r in &data.responsible_changes {
        let (id, ty) = match &r.entity {
            EntityRef::Deal(d) => (num(d.as_str()), "lead"),
            EntityRef::Contact(c) => (num(c.as_str()), "contact"),
            _ => continue,
        };
        let user = |m: &Option<synkro_core::model::ManagerId>| json!([{"responsible_user": {"id": m.as_ref().map_or(0, |x| num(x.as_str()))}}]);
        w.events.push(Item {
            id: r.id.as_str().to_owned(),
            created_at: r.at.timestamp(),
            updated_at: r.at.timestamp(),
            kind: "entity_responsible_changed".into(),
            contacts: Vec::new(),
            value: json!({
                "id": r.id.as_str(), "type": "entity_responsible_changed", "entity_id": id,
                "entity_type": ty, "created_by": r.by.as_ref().map_or(0, |m| num(m.as_str())),
                "created_at": r.at.timestamp(), "value_before": user(&r.from),
                "value_after": user(&r.to), "account_id": ACCOUNT_ID,
            }),
        });
    }
    let mut talks_seen: HashMap<i64, TalkSeen> = HashMap::new();
    for a in &data.activities {
        if a.kind == ActivityKind::Note {
            let (item, into_contacts) = note(a, base);
            if into_contacts {
                w.contact_notes.push(item);
            } else {
                w.lead_notes.push(item);
            }
            continue;
        }
        let Some(item) = chat_event(a, base) else {
            continue;
        };
        if let Some(t) = a.talk.as_deref().and_then(|t| t.parse::<i64>().ok()) {
            let seen = talks_seen.entry(t).or_insert_with(|| TalkSeen {
                first: item.created_at,
                last: item.created_at,
                closed: false,
                deal: a.deal.as_ref().map(|d| num(d.as_str())),
                contact: a.contact.as_ref().map(|c| num(c.as_str())),
            });
            seen.first = seen.first.min(item.created_at);
            seen.last = seen.last.max(item.created_at);
            seen.closed |= a.kind == ActivityKind::ChatClosed;
        }
        w.events.push(item);
    }
    w.events
        .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    for (id, t) in talks_seen {
        w.talks.insert(
            id,
            json!({
                "talk_id": id, "created_at": t.first, "updated_at": t.last, "rate": null,
                "contact_id": t.contact, "chat_id": format!("amojo-{id}"),
                "entity_id": t.deal, "entity_type": t.deal.map(|_| "lead"),
                "is_in_work": !t.closed, "is_read": true, "origin": "whatsapp",
                "missed_at": null, "account_id": ACCOUNT_ID,
                "_links": {"self": {"href": format!("{base}/api/v4/talks/{id}")}},
                "_embedded": {
                    "contacts": t.contact.map(|c| json!({"id": c})).into_iter().collect::<Vec<_>>(),
                    "leads": t.deal.map(|d| json!({"id": d})).into_iter().collect::<Vec<_>>(),
                },
            }),
        );
    }
    for (i, chat) in data.chats.iter().enumerate() {
        let talk_id = i as i64 + 1;
        let created = data
            .messages_of(&chat.id)
            .first()
            .map_or(chat.updated_at, |m| m.created_at);
        w.talks.insert(
            talk_id,
            json!({
                "talk_id": talk_id, "created_at": created.timestamp(),
                "updated_at": chat.updated_at.timestamp(), "rate": null,
                "contact_id": 500_000 + i as i64, "chat_id": chat.id.as_str(),
                "entity_id": null, "entity_type": null, "is_in_work": false, "is_read": true,
                "origin": chat.channel.as_str(), "missed_at": null, "account_id": ACCOUNT_ID,
                "_links": {"self": {"href": format!("{base}/api/v4/talks/{talk_id}")}},
                "_embedded": {"contacts": [{"id": 500_000 + i as i64}], "leads": []},
            }),
        );
    }
    w
}
