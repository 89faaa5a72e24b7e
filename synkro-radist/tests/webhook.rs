//! The `messages.create` webhook payload in its documented (reconstructed) shape.

use synkro_core::model::{AuthorKind, Channel, Direction};
use synkro_radist::{WebhookEvent, parse_webhook};

#[test]
fn messages_create_is_parsed_into_the_model() {
    let body = br#"{
      "event_type": "messages.create",
      "event": {
        "connection_id": 1001,
        "chat_id": 2002003,
        "contact_id": 3003004,
        "chat": {"phone": "70000000000", "name": "Client", "username": null, "profile_link": null},
        "message": {"message_id": "00000000-0000-0000-0000-000000000000", "direction": "inbound",
                    "message_type": "text", "text": {"text": "Hello"}, "created_at": "2026-01-01T09:00:00Z",
                    "chat_id": "70000000000@c.us"}
      }
    }"#;
    let WebhookEvent::MessageCreated(ev) = parse_webhook(body).unwrap() else {
        panic!("not a message event");
    };
    assert_eq!(
        (ev.connection_id, ev.chat_id, ev.contact_id),
        (1001, 2002003, Some(3003004))
    );
    assert_eq!(ev.phone.as_deref(), Some("70000000000"));
    assert_eq!(ev.chat().as_str(), "1001:2002003");
    let m = ev.message(Channel::Whatsapp);
    assert_eq!(m.text.as_deref(), Some("Hello"));
    assert_eq!(
        (m.direction, m.author_kind),
        (Direction::Inbound, AuthorKind::Client)
    );
    assert_eq!(m.chat.as_str(), "1001:2002003");
    assert_eq!(ev.raw_message["message_type"], "text");
}

#[test]
fn other_events_are_kept_raw_and_bad_bodies_name_the_path() {
    let body =
        br#"{"event_type": "messages.delivery.read", "event": {"message": {"message_id": "x"}}}"#;
    match parse_webhook(body).unwrap() {
        WebhookEvent::Other { event_type, event } => {
            assert_eq!(event_type, "messages.delivery.read");
            assert_eq!(event["message"]["message_id"], "x");
        }
        other => panic!("{other:?}"),
    }
    let err = parse_webhook(br#"{"event_type": "messages.create", "event": {"connection_id": 1}}"#)
        .unwrap_err();
    assert!(err.to_string().contains("event."), "{err}");
    let err = parse_webhook(b"not json").unwrap_err();
    assert_eq!(err.body_len, 8);
    let err = parse_webhook(br#"{"event_type": "messages.create", "event": {"connection_id": 1, "chat_id": 2, "message": {"message_id": "m", "created_at": "yesterday"}}}"#).unwrap_err();
    assert!(err.path.contains("created_at"), "{}", err.path);
}

#[test]
fn a_timestamp_without_offset_is_read_as_utc() {
    // radist-api.md: "parse RFC 3339 leniently, treat a missing offset as UTC".
    let body = |at: &str| {
        format!(
            r#"{{"event_type": "messages.create", "event": {{"connection_id": 1, "chat_id": 2,
                "message": {{"message_id": "m", "direction": "inbound", "message_type": "text",
                             "text": {{"text": "Hi"}}, "created_at": "{at}"}}}}}}"#
        )
    };
    let read = |raw: &str| {
        let WebhookEvent::MessageCreated(ev) = parse_webhook(body(raw).as_bytes()).unwrap() else {
            panic!("not a message event");
        };
        ev.message(Channel::Whatsapp)
    };
    let at = |raw: &str| read(raw).created_at;
    let utc = at("2026-01-01T09:00:00Z");
    assert_eq!(utc.to_rfc3339(), "2026-01-01T09:00:00+00:00");
    assert_eq!(at("2026-01-01T09:00:00"), utc);
    assert_eq!(at("2026-01-01T12:00:00+03:00"), utc);
    // The message says so, for the metrics' `dq.timestamp_anomalies` (C1).
    assert!(read("2026-01-01T09:00:00").naive_time);
    assert!(!read("2026-01-01T09:00:00Z").naive_time);
    assert_eq!(
        at("2026-01-01T09:00:00.250000").timestamp_micros(),
        utc.timestamp_micros() + 250_000
    );
}
