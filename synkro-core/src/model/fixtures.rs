//! Model values for this crate's unit tests: a plain live deal and a client's text message, to be
//! adjusted with struct update syntax.

use crate::model::{
    AuthorKind, Channel, ChatId, Deal, DealId, Direction, Message, MessageId, MessageKind,
    Timestamp,
};

/// An RFC 3339 instant.
pub(crate) fn at(s: &str) -> Timestamp {
    s.parse().expect("an RFC 3339 instant")
}

/// A live deal named `deal {id}` with no pipeline, stage, owner, contacts or phones, created on
/// 1 March 2026 and updated on 10 March 2026 at 12:00 UTC.
pub(crate) fn deal(id: &str) -> Deal {
    Deal {
        id: DealId::new(id),
        name: format!("deal {id}"),
        pipeline: None,
        stage: None,
        responsible: None,
        price: None,
        contacts: Vec::new(),
        phones: Vec::new(),
        loss_reason: None,
        created_at: at("2026-03-01T00:00:00Z"),
        updated_at: at("2026-03-10T12:00:00Z"),
        closed_at: None,
        custom_fields: serde_json::Value::Null,
        synthetic: false,
        deleted_at: None,
    }
}

/// A client's WhatsApp text message «Hello» in `chat` at `t`.
pub(crate) fn client_message(id: &str, chat: &str, t: &str) -> Message {
    Message {
        id: MessageId::new(id),
        chat: ChatId::new(chat),
        channel: Channel::Whatsapp,
        direction: Direction::Inbound,
        author_kind: AuthorKind::Client,
        author_id: None,
        kind: MessageKind::Text,
        text: Some("Hello".into()),
        attachments: Vec::new(),
        is_template: false,
        is_broadcast: false,
        created_at: at(t),
        naive_time: false,
        delivered_at: None,
        read_at: None,
        error_at: None,
        error_type: None,
        raw: None,
    }
}
