use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Extra, lenient};

macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
        #[serde(from = "String")]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $variant,)*
            /// A value this client does not know, kept as sent.
            Other(String),
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($wire => Self::$variant,)*
                    _ => Self::Other(s),
                }
            }
        }

        impl $name {
            /// The wire name.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(s) => s,
                }
            }
        }
    };
}
pub(crate) use open_enum;

open_enum!(
    /// `note_type`.
    NoteType {
        /// Manual note.
        Common = "common",
        /// Inbound call.
        CallIn = "call_in",
        /// Outbound call.
        CallOut = "call_out",
        /// Inbound SMS.
        SmsIn = "sms_in",
        /// Outbound SMS.
        SmsOut = "sms_out",
        /// E-mail.
        AmomailMessage = "amomail_message",
        /// Integration notice.
        ServiceMessage = "service_message",
        /// Integration notice with details.
        ExtendedServiceMessage = "extended_service_message",
        /// File.
        Attachment = "attachment",
        /// AI result (carries `talk_id`).
        AiResult = "ai_result",
    }
);

/// A note in an entity's card, `GET /api/v4/{leads,contacts}/notes`.
#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    /// Note id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: i64,
    /// The lead or contact it belongs to.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// Type.
    pub note_type: NoteType,
    /// Type-specific parameters.
    #[serde(default, deserialize_with = "lenient::params")]
    pub params: Map<String, Value>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub responsible_user_id: Option<i64>,
    /// Creator.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_by: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub updated_at: Option<i64>,
    /// Account id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub account_id: Option<i64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `params` of a `call_in` / `call_out` note.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct CallParams {
    /// The telephony's call id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub uniq: Option<String>,
    /// Talk time in seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub duration: Option<i64>,
    /// Telephony name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source: Option<String>,
    /// Recording URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub link: Option<String>,
    /// The client's phone.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub phone: Option<String>,
    /// Result text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub call_result: Option<String>,
    /// 1 message left, 2 call back later, 3 not available, 4 talked, 5 wrong number, 6 no
    /// answer, 7 busy, 8 undefined.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub call_status: Option<i64>,
    /// The user who made or took it.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub call_responsible: Option<String>,
}

/// `params` of an `sms_in` / `sms_out` note.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct SmsParams {
    /// Text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub text: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub phone: Option<String>,
}

/// `params` of an `amomail_message` note.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct MailParams {
    /// Inbound.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub income: Option<bool>,
    /// Subject.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub subject: Option<String>,
    /// Thread id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub thread_id: Option<i64>,
    /// Message id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub message_id: Option<i64>,
}

impl Note {
    fn params_as<T: serde::de::DeserializeOwned + Default>(&self) -> T {
        serde_json::from_value(Value::Object(self.params.clone())).unwrap_or_default()
    }

    /// Call parameters, for `call_in` / `call_out` notes.
    #[must_use]
    pub fn call(&self) -> Option<CallParams> {
        matches!(self.note_type, NoteType::CallIn | NoteType::CallOut).then(|| self.params_as())
    }

    /// SMS parameters, for `sms_in` / `sms_out` notes.
    #[must_use]
    pub fn sms(&self) -> Option<SmsParams> {
        matches!(self.note_type, NoteType::SmsIn | NoteType::SmsOut).then(|| self.params_as())
    }

    /// Mail parameters, for `amomail_message` notes.
    #[must_use]
    pub fn mail(&self) -> Option<MailParams> {
        matches!(self.note_type, NoteType::AmomailMessage).then(|| self.params_as())
    }
}
