//! Non-substantive client messages ("acks", metrics.md §1.7, rules N1–N5).

use regex::Regex;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::analytics::MetricsConfig;
use crate::model::{Message, MessageKind};

const SEPARATORS: &[char] = &[
    '.', ',', '!', ';', ':', '…', '(', ')', '-', '–', '—', '"', '\'', '«', '»',
];

/// Classifies client messages as substantive or not, with the tenant's ack rules.
#[derive(Debug, Clone)]
pub struct AckRules {
    enabled: bool,
    emoji_only: bool,
    max_chars: usize,
    webp_heuristic: bool,
    phrases: Vec<Vec<String>>,
    vocabulary: rustc_hash::FxHashSet<String>,
    emoji: Regex,
}

fn emoji_regex() -> Regex {
    // Extended_Pictographic, VS16, ZWJ, skin-tone modifiers, regional indicators (N3).
    Regex::new(
        r"^[\p{Extended_Pictographic}\x{FE0F}\x{200D}\x{1F3FB}-\x{1F3FF}\x{1F1E6}-\x{1F1FF}]$",
    )
    .unwrap_or_else(|_| Regex::new("^$").unwrap_or_else(|_| unreachable!()))
}

impl AckRules {
    /// The rules of a metrics config.
    #[must_use]
    pub fn new(cfg: &MetricsConfig) -> Self {
        let emoji = emoji_regex();
        let mut me = Self {
            enabled: cfg.ack_filter,
            emoji_only: cfg.ack_emoji_only,
            max_chars: cfg.ack_max_chars,
            webp_heuristic: cfg.sticker_webp_heuristic,
            phrases: Vec::new(),
            vocabulary: rustc_hash::FxHashSet::default(),
            emoji,
        };
        let mut phrases: Vec<Vec<String>> = cfg
            .ack_phrases
            .iter()
            .map(|p| me.tokenize(&normalize(p)))
            .filter(|t| !t.is_empty())
            .collect();
        // Longest first, so the first match at a position is the longest.
        phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
        me.vocabulary = phrases.iter().flatten().cloned().collect();
        me.phrases = phrases;
        me
    }

    fn is_emoji(&self, c: char) -> bool {
        // Below U+2000 only © and ® are pictographic: Latin, Cyrillic and the rest skip the regex.
        if (c as u32) < 0x2000 && c != '\u{a9}' && c != '\u{ae}' {
            return false;
        }
        let mut buf = [0u8; 4];
        self.emoji.is_match(c.encode_utf8(&mut buf))
    }

    fn tokenize(&self, t: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.tokens_into(t, &mut out);
        out.into_iter().map(str::to_owned).collect()
    }

    /// Whether a message is a sticker (source kind, or the webp heuristic of §1.2 / K19).
    #[must_use]
    pub fn is_sticker(&self, m: &Message) -> bool {
        let empty = m.text.as_deref().is_none_or(|t| t.trim().is_empty());
        m.kind == MessageKind::Sticker
            || (self.webp_heuristic
                && m.kind == MessageKind::Image
                && empty
                && !m.attachments.is_empty()
                && m.attachments
                    .iter()
                    .all(|a| a.mime_type.as_deref() == Some("image/webp")))
    }

    /// N2: whether a client message is substantive.
    #[must_use]
    pub fn is_substantive(&self, m: &Message) -> bool {
        if !self.enabled {
            return true;
        }
        let sticker = self.is_sticker(m);
        let text = m.text.as_deref().unwrap_or("");
        if sticker && text.trim().is_empty() {
            return false;
        }
        // N5: any non-sticker media makes it substantive.
        let media = |k: MessageKind| {
            !matches!(
                k,
                MessageKind::Text
                    | MessageKind::Sticker
                    | MessageKind::Template
                    | MessageKind::Interactive
                    | MessageKind::Other
            )
        };
        if !sticker && (media(m.kind) || m.attachments.iter().any(|a| media(a.kind))) {
            return true;
        }
        self.text_is_substantive(text)
    }

    /// N3 on a text.
    #[must_use]
    pub fn text_is_substantive(&self, text: &str) -> bool {
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            if text.contains(['?', '？']) {
                return true;
            }
            // Lower-casing never shortens a text, so a long NFKC text stays long.
            if text.trim().chars().count() > self.max_chars {
                return true;
            }
            // Fast rejection: a token that is neither emoji nor a word of any ack phrase cannot
            // be consumed (tokens of an NFKC text are those of its normalized form, lower-cased).
            let mut buf = String::new();
            let mut raw = Vec::with_capacity(8);
            self.tokens_into(text, &mut raw);
            for tok in raw {
                if self.emoji_only && tok.chars().all(|c| self.is_emoji(c)) {
                    continue;
                }
                buf.clear();
                buf.extend(
                    tok.chars()
                        .flat_map(char::to_lowercase)
                        .map(|c| if c == 'ё' { 'е' } else { c }),
                );
                if !self.vocabulary.contains(buf.as_str()) {
                    return true;
                }
            }
        }
        let t = normalize(text);
        if t.contains(['?', '？']) || t.trim().chars().count() > self.max_chars {
            return true;
        }
        let mut tokens: Vec<&str> = Vec::with_capacity(8);
        self.tokens_into(&t, &mut tokens);
        if tokens.is_empty() {
            return true;
        }
        let mut i = 0;
        'scan: while i < tokens.len() {
            if self.emoji_only && tokens[i].chars().all(|c| self.is_emoji(c)) {
                i += 1;
                continue;
            }
            for p in &self.phrases {
                if tokens.len() - i >= p.len()
                    && tokens[i..i + p.len()]
                        .iter()
                        .zip(p)
                        .all(|(a, b)| *a == b.as_str())
                {
                    i += p.len();
                    continue 'scan;
                }
            }
            return true;
        }
        false
    }

    /// N3 tokenization into slices of `t`.
    fn tokens_into<'t>(&self, t: &'t str, out: &mut Vec<&'t str>) {
        for piece in t.split(|c: char| c.is_whitespace() || SEPARATORS.contains(&c)) {
            let mut start = 0;
            let mut cur_emoji = None;
            for (i, c) in piece.char_indices() {
                let e = self.is_emoji(c);
                if cur_emoji.is_some_and(|x| x != e) {
                    out.push(&piece[start..i]);
                    start = i;
                }
                cur_emoji = Some(e);
            }
            if start < piece.len() {
                out.push(&piece[start..]);
            }
        }
    }
}

/// N3 normalization: NFKC, lower case, ё → е.
pub(crate) fn normalize(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_section_1_7() {
        let r = AckRules::new(&MetricsConfig::default());
        for t in [
            "Спасибо! 👍",
            "ок, спасибо",
            "Спасибо большое!!!",
            "спасибо🙏",
            "Thank you!",
            "+",
            "👍👍",
            "ОКЕЙ",
            "большое спасибо",
            "Всего доброго!",
            "👍🏻",
        ] {
            assert!(!r.text_is_substantive(t), "{t} is an ack");
        }
        for t in [
            "?",
            "Спасибо, а когда доставка?",
            "Хорошо, жду счёт",
            "да",
            "Добрый день",
            "",
            "спасибо？",
            "спасибо спасибо спасибо спасибо спасибо спасибо спасибо",
        ] {
            assert!(r.text_is_substantive(t), "{t} is substantive");
        }
        let no_emoji = MetricsConfig {
            ack_emoji_only: false,
            ..MetricsConfig::default()
        };
        assert!(AckRules::new(&no_emoji).text_is_substantive("👍"));
    }
}
