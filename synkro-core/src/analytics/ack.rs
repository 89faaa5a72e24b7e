//! Non-substantive client messages ("acks", metrics.md §1.7, rules N1–N5).

use regex::Regex;
use rustc_hash::FxHashMap;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::analytics::MetricsConfig;
use crate::model::{Message, MessageKind};

const SEPARATORS: &[char] = &[
    '.', ',', '!', ';', ':', '…', '(', ')', '-', '–', '—', '"', '\'', '«', '»',
];

/// Most short-text verdicts [`AckRules`] remembers.
const MEMO_ENTRIES: usize = 16_384;

/// Lower-cased token bytes the allocation-free token check holds on the stack.
const VOCABULARY_WORD_MAX: usize = 128;

/// What one pass over a text's bytes tells the N3 check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scan {
    /// Holds `?` or the full-width `？`.
    question: bool,
    /// Characters after trimming white space.
    trimmed_chars: usize,
    /// Every character is ASCII or basic Cyrillic (U+0400–U+045F): the text is NFKC as it is,
    /// with no need for the (slower) Unicode quick check.
    stable: bool,
}

impl Scan {
    fn of(text: &str) -> Self {
        let b = text.trim().as_bytes();
        let (mut question, mut chars, mut stable) = (false, 0usize, true);
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c < 0x80 {
                question |= c == b'?';
                chars += 1;
                i += 1;
                continue;
            }
            let len = match c {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            chars += 1;
            match (c, b.get(i + 1)) {
                (0xD0, _) => {}
                (0xD1, Some(n)) if *n <= 0x9F => {}
                _ => stable = false,
            }
            if c == 0xEF && b.get(i + 1) == Some(&0xBC) && b.get(i + 2) == Some(&0x9F) {
                question = true;
            }
            i += len;
        }
        Self {
            question,
            trimmed_chars: chars,
            stable,
        }
    }
}

/// Verdicts of [`AckRules::text_is_substantive`] on short texts (up to four bytes per
/// `ack_max_chars`), up to 16,384 of them: short client messages repeat (`ок`, `спасибо`, `+`), and
/// a repeat then costs one hash lookup. One memo serves one set of rules.
#[derive(Debug, Clone, Default)]
pub struct AckMemo {
    verdicts: FxHashMap<Box<str>, bool>,
}

impl AckMemo {
    /// [`AckRules::text_is_substantive`], remembered.
    pub fn text_is_substantive(&mut self, rules: &AckRules, text: &str) -> bool {
        if text.len() > rules.max_chars.saturating_mul(4) {
            return rules.text_is_substantive(text);
        }
        if let Some(v) = self.verdicts.get(text) {
            return *v;
        }
        let v = rules.text_is_substantive(text);
        if self.verdicts.len() < MEMO_ENTRIES {
            self.verdicts.insert(text.into(), v);
        }
        v
    }
}

/// Classifies client messages as substantive or not, with the tenant's ack rules.
#[derive(Debug, Clone)]
pub struct AckRules {
    enabled: bool,
    emoji_only: bool,
    max_chars: usize,
    webp_heuristic: bool,
    phrases: Vec<Vec<String>>,
    vocabulary: rustc_hash::FxHashSet<String>,
    /// Bytes of the longest vocabulary word.
    longest_word: usize,
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
            longest_word: 0,
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
        me.longest_word = me.vocabulary.iter().map(String::len).max().unwrap_or(0);
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
        // Only an image is checked for text (trimming every text would cost a scan of each).
        let empty = || m.text.as_deref().is_none_or(|t| t.trim().is_empty());
        m.kind == MessageKind::Sticker
            || (self.webp_heuristic
                && m.kind == MessageKind::Image
                && empty()
                && !m.attachments.is_empty()
                && m.attachments
                    .iter()
                    .all(|a| a.mime_type.as_deref() == Some("image/webp")))
    }

    /// N2: whether a client message is substantive.
    #[must_use]
    pub fn is_substantive(&self, m: &Message) -> bool {
        self.message_is_substantive(m, |t| self.text_is_substantive(t))
    }

    /// [`is_substantive`](Self::is_substantive), remembering verdicts on short texts in `memo`.
    pub fn is_substantive_memo(&self, m: &Message, memo: &mut AckMemo) -> bool {
        self.message_is_substantive(m, |t| memo.text_is_substantive(self, t))
    }

    fn message_is_substantive(&self, m: &Message, text_check: impl FnOnce(&str) -> bool) -> bool {
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
        text_check(text)
    }

    /// N3 on a text.
    #[must_use]
    pub fn text_is_substantive(&self, text: &str) -> bool {
        let scan = Scan::of(text);
        // A question mark survives NFKC (and `？` becomes one), so the raw text decides.
        if scan.question {
            return true;
        }
        let nfkc = scan.stable || is_nfkc_quick(text.chars()) == IsNormalized::Yes;
        if nfkc {
            // Lower-casing never shortens a text, so a long NFKC text stays long.
            if scan.trimmed_chars > self.max_chars {
                return true;
            }
            // Fast rejection: a token that is neither emoji nor a word of any ack phrase cannot
            // be consumed (tokens of an NFKC text are those of its normalized form, lower-cased).
            if self.has_unknown_token(text) {
                return true;
            }
        }
        self.normalized_is_substantive(text)
    }

    /// N3 the long way: normalize, then match ack phrases token by token.
    fn normalized_is_substantive(&self, text: &str) -> bool {
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

    /// Whether a token of `t` is neither emoji (when emoji count as acks) nor a word of any ack
    /// phrase once lower-cased, without allocating.
    fn has_unknown_token(&self, t: &str) -> bool {
        let mut unknown = false;
        self.each_token(t, |tok| {
            if self.emoji_only && tok.chars().all(|c| self.is_emoji(c)) {
                return true;
            }
            let lower = tok
                .chars()
                .flat_map(char::to_lowercase)
                .map(|c| if c == 'ё' { 'е' } else { c });
            let mut buf = [0u8; VOCABULARY_WORD_MAX];
            let mut n = 0;
            for c in lower.clone() {
                let len = c.len_utf8();
                if n + len > self.longest_word {
                    // Longer than every ack word.
                    unknown = true;
                    return false;
                }
                if n + len > buf.len() {
                    // A configured word longer than the stack buffer: compare on the heap.
                    let w: String = lower.collect();
                    unknown = !self.vocabulary.contains(w.as_str());
                    return !unknown;
                }
                c.encode_utf8(&mut buf[n..]);
                n += len;
            }
            let known = std::str::from_utf8(&buf[..n]).is_ok_and(|w| self.vocabulary.contains(w));
            unknown = !known;
            known
        });
        unknown
    }

    /// Calls `f` with each N3 token of `t` (slices of `t`) while it returns `true`.
    fn each_token<'t>(&self, t: &'t str, mut f: impl FnMut(&'t str) -> bool) {
        for piece in t.split(|c: char| c.is_whitespace() || SEPARATORS.contains(&c)) {
            let mut start = 0;
            let mut cur_emoji = None;
            for (i, c) in piece.char_indices() {
                let e = self.is_emoji(c);
                if cur_emoji.is_some_and(|x| x != e) {
                    if !f(&piece[start..i]) {
                        return;
                    }
                    start = i;
                }
                cur_emoji = Some(e);
            }
            if start < piece.len() && !f(&piece[start..]) {
                return;
            }
        }
    }

    /// N3 tokenization into slices of `t`.
    fn tokens_into<'t>(&self, t: &'t str, out: &mut Vec<&'t str>) {
        self.each_token(t, |tok| {
            out.push(tok);
            true
        });
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
        for t in ["ǆ", "Ё", "ЁЛКИ", "ﬁ", "…", "ok\u{a0}", "спасибо\u{301}"] {
            assert_eq!(
                r.text_is_substantive(t),
                r.normalized_is_substantive(t),
                "{t}"
            );
        }
        let no_emoji = MetricsConfig {
            ack_emoji_only: false,
            ..MetricsConfig::default()
        };
        assert!(AckRules::new(&no_emoji).text_is_substantive("👍"));
    }

    proptest::proptest! {
        /// The one-pass checks give the same answer as normalizing every text.
        #[test]
        fn the_fast_checks_agree_with_the_normalized_rule(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "спасибо", "Спасибо", "ок", "ОКЕЙ", "thank", "you", "+", "👍", "👍🏻", "🙏",
                    "да", "жду", "счёт", "ёлки", "Ёлки", "?", "？", "…", "ﬁ", "\u{a0}", "\u{301}",
                    "е\u{308}", "ᄀ", "ᅡ", "большое", "!!!", "ǅ", "İ", " ", ",", "доброго", "всего",
                ]),
                0..12,
            ),
        ) {
            let r = AckRules::new(&MetricsConfig::default());
            let t: String = words.concat();
            let mut memo = AckMemo::default();
            proptest::prop_assert_eq!(memo.text_is_substantive(&r, &t), r.normalized_is_substantive(&t), "{:?}", t);
            proptest::prop_assert_eq!(memo.text_is_substantive(&r, &t), r.normalized_is_substantive(&t), "{:?}", t);
            proptest::prop_assert_eq!(r.text_is_substantive(&t), r.normalized_is_substantive(&t), "{:?}", t);
        }
    }
}
