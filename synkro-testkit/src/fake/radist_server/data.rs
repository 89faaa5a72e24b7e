//! A [`Dataset`] written in Radist's wire shapes (radist-openapi.json), independently of the
//! client's types.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use synkro_core::model::{Channel, ChatId, Direction, MessageKind};

use crate::data::Dataset;

pub(crate) struct WireChat {
    pub(crate) connection_id: i64,
    pub(crate) json: Value,
    /// Messages newest first: `(created_at, message_id, json)`.
    pub(crate) messages: Vec<(DateTime<Utc>, String, Value)>,
}

pub(crate) struct WireContact {
    pub(crate) json: Value,
    pub(crate) unanswered: bool,
    pub(crate) last: DateTime<Utc>,
}

pub(crate) struct WireSource {
    pub(crate) connection_id: i64,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
}

pub(crate) struct Wire {
    pub(crate) sources: Vec<WireSource>,
    pub(crate) chats: HashMap<i64, WireChat>,
    /// Contacts in listing order: unanswered first, then by last activity, newest first.
    pub(crate) contacts: Vec<WireContact>,
    pub(crate) refs: HashMap<ChatId, (i64, i64)>,
}

pub(crate) fn ts(t: DateTime<Utc>, precise: bool) -> String {
    if precise {
        t.to_rfc3339_opts(SecondsFormat::Micros, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

fn source_type(c: Channel) -> &'static str {
    match c {
        Channel::Whatsapp => "whatsapp",
        Channel::Waba => "waba",
        Channel::Telegram => "telegram",
        Channel::TelegramBot => "telegram_bot",
        Channel::Max => "max_personal",
        _ => "odnoklassniki",
    }
}

fn media(name: Option<&str>, mime: Option<&str>, size: Option<u64>) -> Value {
    json!({
        "caption": "",
        "name": name.unwrap_or(""),
        "size": size.unwrap_or(0),
        "mime_type": mime.unwrap_or("application/octet-stream"),
        "url": "https://cdn.invalid/file",
    })
}

fn error_type(raw: &str) -> &'static str {
    match raw {
        "SUBSCRIPTION_NOT_PAID" => "SUBSCRIPTION_NOT_PAID",
        "CHAT_BLACKLISTED" => "CHAT_BLACKLISTED",
        _ => "GENERIC_ERROR",
    }
}

impl Wire {
    pub(crate) fn build(data: &Dataset) -> Self {
        let mut sources: Vec<WireSource> = Vec::new();
        let mut conn_ids: HashMap<String, i64> = HashMap::new();
        let mut chats = HashMap::new();
        let mut refs = HashMap::new();
        // contact key (phone digits) -> (contact id, name, chat ids)
        let mut groups: Vec<(String, Vec<i64>)> = Vec::new();
        let mut group_of: HashMap<String, usize> = HashMap::new();
        for (i, chat) in data.chats.iter().enumerate() {
            let conn_name = chat
                .connection
                .clone()
                .unwrap_or_else(|| format!("conn-{}", chat.channel.as_str()));
            let next_id = 1001 + sources.len() as i64;
            let connection_id = *conn_ids.entry(conn_name.clone()).or_insert_with(|| {
                sources.push(WireSource {
                    connection_id: next_id,
                    name: conn_name.clone(),
                    kind: source_type(chat.channel),
                });
                next_id
            });
            let chat_id = 2_000_001 + i as i64;
            let digits: String = chat
                .phone
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let wire_phone = (!digits.is_empty()).then(|| {
                // Radist keeps digits only; a Russian trunk 8 or a bare 10-digit number as 7….
                if digits.len() == 10 {
                    format!("7{digits}")
                } else if digits.len() == 11 && digits.starts_with('8') {
                    format!("7{}", &digits[1..])
                } else {
                    digits.clone()
                }
            });
            let source_chat_id = match (chat.channel, &wire_phone) {
                (Channel::Whatsapp, Some(p)) => format!("{p}@c.us"),
                (_, Some(p)) => p.clone(),
                _ => format!("{}", 7_000_000 + i),
            };
            let msgs = data.messages_of(&chat.id);
            let mut wire_msgs: Vec<(DateTime<Utc>, String, Value)> = msgs
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    let id = format!("{:08x}-0000-4000-8000-{:012x}", i, k);
                    let outbound = m.direction == Direction::Outbound;
                    let mut v = json!({
                        "message_id": id,
                        "source_message_id": format!("{}_{}_{k:x}", outbound, source_chat_id),
                        "chat_id": source_chat_id,
                        "direction": if outbound { "outbound" } else { "inbound" },
                        "author": null,
                        "created_at": ts(m.created_at, outbound),
                        "delivered_at": m.delivered_at.map(|t| ts(t, true)),
                        "read_at": m.read_at.map(|t| ts(t, true)),
                        "error_at": m.error_at.map(|t| ts(t, true)),
                        "error_type": m.error_type.as_deref().map(error_type),
                        "error_text": m.error_type.as_ref().map(|_| "delivery failed"),
                    });
                    let o = v.as_object_mut().expect("object literal");
                    let text = m.text.clone().unwrap_or_default();
                    let att = m.attachments.first();
                    let (ty, key, content) = if m.is_template {
                        (
                            "waba_template",
                            "waba_template",
                            json!({"text": text, "template_locale": "ru", "template_name": "greeting", "buttons": [], "carousel": []}),
                        )
                    } else {
                        match m.kind {
                            MessageKind::Image | MessageKind::File => {
                                let ty = if m.kind == MessageKind::Image { "image" } else { "file" };
                                let mut c = media(
                                    att.and_then(|a| a.name.as_deref()),
                                    att.and_then(|a| a.mime_type.as_deref()),
                                    att.and_then(|a| a.size),
                                );
                                c["caption"] = json!(text);
                                (ty, ty, c)
                            }
                            _ => ("text", "text", json!({"text": text})),
                        }
                    };
                    o.insert("message_type".into(), json!(ty));
                    o.insert(key.into(), content);
                    (m.created_at, id, v)
                })
                .collect();
            wire_msgs.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
            let last_message = wire_msgs.first().map(|(_, _, v)| {
                // The embedded copy lists every content key, unused ones null.
                let mut full = v.clone();
                let o = full.as_object_mut().expect("object");
                for k in [
                    "text",
                    "file",
                    "image",
                    "audio",
                    "video",
                    "voice",
                    "waba_template",
                    "waba_interactive",
                    "radist_order",
                    "waba_order",
                    "reply_to",
                ] {
                    o.entry(k).or_insert(Value::Null);
                }
                full
            });
            let unanswered = msgs
                .last()
                .is_some_and(|m| m.direction == Direction::Inbound);
            let json = json!({
                "connection_id": connection_id,
                "chat_id": chat_id,
                "source_chat_id": source_chat_id,
                "phone": wire_phone,
                "username": null,
                "profile_link": null,
                "name": chat.contact_name.clone().unwrap_or_default(),
                "last_message": last_message,
                "unanswered_count": i32::from(unanswered),
                "is_group": false,
                "blacklist_item_id": null,
            });
            refs.insert(chat.id.clone(), (connection_id, chat_id));
            chats.insert(
                chat_id,
                WireChat {
                    connection_id,
                    json,
                    messages: wire_msgs,
                },
            );
            let key = if digits.is_empty() {
                format!("chat:{i}")
            } else {
                wire_phone.clone().unwrap_or_default()
            };
            let g = *group_of.entry(key.clone()).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(chat_id);
        }
        let mut contacts: Vec<WireContact> = groups
            .iter()
            .enumerate()
            .map(|(gi, (_, ids))| {
                let members: Vec<&WireChat> = ids.iter().filter_map(|id| chats.get(id)).collect();
                let last = members
                    .iter()
                    .filter_map(|c| c.messages.first().map(|m| m.0))
                    .max()
                    .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
                let unanswered: i64 = members
                    .iter()
                    .map(|c| c.json["unanswered_count"].as_i64().unwrap_or(0))
                    .sum();
                let name = members
                    .first()
                    .and_then(|c| c.json["name"].as_str())
                    .unwrap_or("")
                    .to_owned();
                WireContact {
                    json: json!({
                        "contact_id": 3_000_001 + gi as i64,
                        "contact_name": name,
                        "avatar_url": null,
                        "is_group": false,
                        "unanswered_count": unanswered,
                        "last_chat_updated_at": ts(last, true),
                        "chats": members.iter().map(|c| c.json.clone()).collect::<Vec<_>>(),
                    }),
                    unanswered: unanswered > 0,
                    last,
                }
            })
            .collect();
        contacts.sort_by_key(|c| std::cmp::Reverse((c.unanswered, c.last)));
        Self {
            sources,
            chats,
            contacts,
            refs,
        }
    }
}
