//! Pure conversions from wire shapes to the model: chats, messages (every content type), delivery
//! status.

use synkro_core::model::{
    Attachment, AuthorKind, Channel, Chat, ChatId, ChatKind, Direction, Message, MessageId,
    MessageKind,
};

use crate::dto;

/// The model's chat id for a Radist chat: `"<connection_id>:<chat_id>"` (chat ids are unique per
/// connection only).
#[must_use]
pub fn chat_id(connection_id: i64, chat_id: i64) -> ChatId {
    ChatId::new(format!("{connection_id}:{chat_id}"))
}

/// Reads a model chat id back into `(connection_id, chat_id)`.
#[must_use]
pub fn parse_chat_id(id: &ChatId) -> Option<(i64, i64)> {
    let (c, n) = id.as_str().split_once(':')?;
    let (c, n) = (c.parse().ok()?, n.parse().ok()?);
    (c > 0 && n > 0).then_some((c, n))
}

/// Delivery status of a message, derived from its times (the API has no status field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Inbound: no delivery status.
    Received,
    /// Outbound, not yet delivered.
    Sent,
    /// Delivered to the client's device.
    Delivered,
    /// Read by the client.
    Read,
    /// Failed (an error wins over delivered/read).
    Failed,
}

/// The status of a converted message: failed if `error_at` or `error_type` is set, else read,
/// else delivered, else sent; inbound messages are `Received`.
#[must_use]
pub fn delivery_status(m: &Message) -> DeliveryStatus {
    if m.direction == Direction::Inbound {
        DeliveryStatus::Received
    } else if m.error_at.is_some() || m.error_type.is_some() {
        DeliveryStatus::Failed
    } else if m.read_at.is_some() {
        DeliveryStatus::Read
    } else if m.delivered_at.is_some() {
        DeliveryStatus::Delivered
    } else {
        DeliveryStatus::Sent
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn media(kind: MessageKind, m: &dto::MediaContent) -> (Option<String>, Attachment) {
    let placeholder = || {
        let what = non_empty(&m.name)
            .or_else(|| m.mime_type.clone())
            .unwrap_or_else(|| kind_name(kind).to_owned());
        format!("[{}: {what}]", kind_name(kind))
    };
    (
        Some(non_empty(&m.caption).unwrap_or_else(placeholder)),
        Attachment {
            kind,
            mime_type: m.mime_type.clone().filter(|t| !t.is_empty()),
            size: (m.size > 0).then_some(m.size),
            name: non_empty(&m.name),
        },
    )
}

fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Image => "image",
        MessageKind::File => "file",
        MessageKind::Voice => "voice",
        MessageKind::Audio => "audio",
        MessageKind::Video => "video",
        MessageKind::Location => "location",
        MessageKind::ContactCard => "contact",
        _ => "message",
    }
}

fn json_text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => non_empty(s),
        serde_json::Value::Object(o) => o.get("text").and_then(|t| json_text(Some(t))),
        _ => None,
    }
}

/// Converts one message of chat `chat` on `channel`.
pub(crate) fn message(m: &dto::Message, chat: &ChatId, channel: Channel) -> Message {
    let direction = match m.direction.as_deref() {
        Some("outbound") => Direction::Outbound,
        _ => Direction::Inbound,
    };
    let ty = m.message_type.as_deref().unwrap_or("");
    let mut attachments = Vec::new();
    let (kind, text) = match ty {
        "text" => (
            MessageKind::Text,
            m.text.as_ref().and_then(|t| non_empty(&t.text)),
        ),
        "file" | "image" | "audio" | "video" | "voice" => {
            let (kind, content) = match ty {
                "file" => (MessageKind::File, &m.file),
                "image" => (MessageKind::Image, &m.image),
                "audio" => (MessageKind::Audio, &m.audio),
                "video" => (MessageKind::Video, &m.video),
                _ => (MessageKind::Voice, &m.voice),
            };
            let content = content.clone().unwrap_or_default();
            let (text, att) = media(kind, &content);
            attachments.push(att);
            (kind, text)
        }
        "waba_template" => (
            MessageKind::Template,
            m.waba_template.as_ref().and_then(|t| {
                non_empty(&t.text).or_else(|| {
                    t.template_name
                        .as_deref()
                        .map(|n| format!("[template: {n}]"))
                })
            }),
        ),
        "waba_interactive" => (
            MessageKind::Interactive,
            m.waba_interactive
                .as_ref()
                .and_then(|i| json_text(i.body.as_ref()).or_else(|| json_text(i.header.as_ref()))),
        ),
        "radist_order" | "waba_order" => {
            let o = m.radist_order.as_ref().or(m.waba_order.as_ref());
            (
                MessageKind::Order,
                o.map(|o| {
                    let amount = o.amount.as_ref().map(ToString::to_string);
                    let mut s = format!(
                        "[order: {} {}]",
                        amount.as_deref().unwrap_or("?"),
                        o.currency.as_deref().unwrap_or("")
                    );
                    if let Some(c) = o.comment.as_deref().and_then(non_empty) {
                        s = format!("{s} {c}");
                    }
                    s
                }),
            )
        }
        "location" => (
            MessageKind::Location,
            m.location.as_ref().map(|l| {
                let place = l.name.clone().or_else(|| l.address.clone());
                match (place, l.latitude, l.longitude) {
                    (Some(p), _, _) => format!("[location: {p}]"),
                    (None, Some(a), Some(b)) => format!("[location: {a}, {b}]"),
                    _ => "[location]".to_owned(),
                }
            }),
        ),
        "contact" => (
            MessageKind::ContactCard,
            m.contact.as_ref().map(|c| {
                format!(
                    "[contact: {}]",
                    c.name.as_deref().or(c.phone.as_deref()).unwrap_or("?")
                )
            }),
        ),
        other => (
            MessageKind::Other,
            // A type this client does not know: the text if there is one, else a marker; its
            // payload is kept as raw JSON in `Message::raw`.
            m.text
                .as_ref()
                .and_then(|t| non_empty(&t.text))
                .or_else(|| Some(format!("[unsupported message type `{other}`]"))),
        ),
    };
    // The payload of an unknown type, under its own key, kept as raw JSON.
    let raw = (kind == MessageKind::Other)
        .then(|| {
            m.message_type
                .as_deref()
                .and_then(|t| m.other.get(t))
                .cloned()
                .map(|payload| serde_json::json!({ "message_type": m.message_type, "payload": payload }))
        })
        .flatten();
    let is_template = kind == MessageKind::Template;
    let author_kind = match direction {
        Direction::Inbound => AuthorKind::Client,
        _ if is_template => AuthorKind::Bot,
        _ => AuthorKind::Manager,
    };
    let author_id = m
        .author
        .as_ref()
        .and_then(|a| a.user_id.map(|u| u.to_string()).or_else(|| a.id.clone()));
    Message {
        id: MessageId::new(m.message_id.clone()),
        chat: chat.clone(),
        channel,
        direction,
        author_kind,
        author_id,
        kind,
        text,
        attachments,
        is_template,
        is_broadcast: false,
        created_at: m.created_at.at,
        naive_time: m.created_at.naive,
        delivered_at: m.delivered_at,
        read_at: m.read_at,
        error_at: m.error_at,
        error_type: m.error_type.clone(),
        raw,
    }
}

/// Converts one chat of a contact.
pub(crate) fn chat(contact: &dto::ContactWithChats, c: &dto::Chat, channel: Channel) -> Chat {
    let last = c.last_message.as_ref().map(|m| m.created_at.at);
    let updated = last
        .or(contact.last_chat_updated_at)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
    Chat {
        id: chat_id(c.connection_id, c.chat_id),
        channel,
        kind: if c.is_group || contact.is_group {
            ChatKind::Group
        } else {
            ChatKind::Direct
        },
        connection: Some(c.connection_id.to_string()),
        phone: c.phone.clone().filter(|p| !p.trim().is_empty()),
        contact_name: c
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| contact.contact_name.clone())
            .or_else(|| c.username.clone()),
        last_message_at: last,
        updated_at: updated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> Message {
        let m: dto::Message = serde_json::from_value(v).unwrap();
        message(&m, &chat_id(1, 2), Channel::Waba)
    }

    #[test]
    fn every_content_type_is_decoded() {
        let base = |ty: &str, extra: serde_json::Value| {
            let mut v = serde_json::json!({
                "message_id": "00000000-0000-0000-0000-000000000001",
                "chat_id": "79000000001", "direction": "inbound", "message_type": ty,
                "created_at": "2026-01-05T09:00:00Z"
            });
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            parse(v)
        };
        let m = base("text", serde_json::json!({"text": {"text": "Hello"}}));
        assert_eq!(
            (m.kind, m.text.as_deref()),
            (MessageKind::Text, Some("Hello"))
        );
        let m = base(
            "image",
            serde_json::json!({"image": {"caption": "", "name": "a.jpg", "size": 10, "mime_type": "image/jpeg"}}),
        );
        assert_eq!(m.kind, MessageKind::Image);
        assert_eq!(m.text.as_deref(), Some("[image: a.jpg]"));
        assert_eq!(m.attachments[0].name.as_deref(), Some("a.jpg"));
        assert_eq!(m.attachments[0].size, Some(10));
        let m = base(
            "file",
            serde_json::json!({"file": {"caption": "Invoice", "name": "i.pdf", "mime_type": "application/pdf"}}),
        );
        assert_eq!(m.text.as_deref(), Some("Invoice"));
        let m = base(
            "voice",
            serde_json::json!({"voice": {"mime_type": "audio/ogg"}}),
        );
        assert_eq!(m.text.as_deref(), Some("[voice: audio/ogg]"));
        assert_eq!(m.attachments[0].size, None);
        let m = base(
            "waba_interactive",
            serde_json::json!({"waba_interactive": {"type": "button", "body": {"text": "Pick one"}}}),
        );
        assert_eq!(
            (m.kind, m.text.as_deref()),
            (MessageKind::Interactive, Some("Pick one"))
        );
        let m = base(
            "waba_template",
            serde_json::json!({"direction": "outbound", "waba_template": {"text": "", "template_locale": "ru", "template_name": "hello"}}),
        );
        assert_eq!(m.text.as_deref(), Some("[template: hello]"));
        assert!(m.is_template && m.author_kind == AuthorKind::Bot);
        let m = base(
            "location",
            serde_json::json!({"location": {"latitude": 55.75, "longitude": 37.62}}),
        );
        assert_eq!(
            (m.kind, m.text.as_deref()),
            (MessageKind::Location, Some("[location: 55.75, 37.62]"))
        );
        let m = base("contact", serde_json::json!({"contact": {"name": "Ivan"}}));
        assert_eq!(m.kind, MessageKind::ContactCard);
        let m = base(
            "radist_order",
            serde_json::json!({"radist_order": {"currency": "RUB", "amount": 1500, "items": [], "comment": "asap"}}),
        );
        assert_eq!(m.text.as_deref(), Some("[order: 1500 RUB] asap"));
        let m = base("sticker_v9", serde_json::json!({"sticker_v9": {"id": 1}}));
        assert_eq!(m.kind, MessageKind::Other);
        assert_eq!(
            m.raw,
            Some(serde_json::json!({"message_type": "sticker_v9", "payload": {"id": 1}})),
            "an unknown type is kept as raw JSON"
        );
        assert!(m.text.unwrap().contains("sticker_v9"));
    }

    #[test]
    fn delivery_status_follows_the_documented_precedence() {
        let m = parse(serde_json::json!({
            "message_id": "m", "chat_id": "x", "direction": "outbound", "message_type": "text",
            "text": {"text": "hi"}, "created_at": "2026-01-05T09:00:00.123456Z",
            "read_at": "2026-01-05T09:01:00Z", "error_type": "GENERIC_ERROR"
        }));
        assert_eq!(delivery_status(&m), DeliveryStatus::Failed);
        assert_eq!(m.author_kind, AuthorKind::Manager);
        let mut m2 = m.clone();
        m2.error_type = None;
        assert_eq!(delivery_status(&m2), DeliveryStatus::Read);
        m2.read_at = None;
        m2.delivered_at = Some(m2.created_at);
        assert_eq!(delivery_status(&m2), DeliveryStatus::Delivered);
        m2.delivered_at = None;
        assert_eq!(delivery_status(&m2), DeliveryStatus::Sent);
        m2.direction = Direction::Inbound;
        assert_eq!(delivery_status(&m2), DeliveryStatus::Received);
    }

    #[test]
    fn chat_ids_round_trip() {
        assert_eq!(parse_chat_id(&chat_id(1001, 2002)), Some((1001, 2002)));
        assert_eq!(parse_chat_id(&ChatId::new("chat-1")), None);
        assert_eq!(parse_chat_id(&ChatId::new("0:5")), None);
    }
}
