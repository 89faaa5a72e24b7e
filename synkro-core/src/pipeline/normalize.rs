//! Normalization shared by every mode: phone numbers.
//!
//! Phones are parsed with the [`phonenumber`] crate (Google's libphonenumber metadata) and written
//! in E.164 (`+79161234567`). A number written without a country code is read in the tenant's
//! default region (`TenantRuntimeConfig::default_phone_region`, an ISO 3166 code such as `RU`);
//! a number in digits only that is not valid there is tried once more as an international number
//! (messengers such as Radist store `375291234567` with no `+`). Anything that is not a valid number
//! for its country is rejected rather than guessed at, so two chats or contacts are only joined on a
//! number a phone network could route.

use phonenumber::PhoneNumber;
use phonenumber::country::Id as Region;

/// The longest input accepted, in characters; longer text is not a phone number.
const MAX_INPUT: usize = 64;

/// The calling code used for numbers written without one, for a tenant's ISO 3166 region, from
/// libphonenumber's metadata. `None` for a code that is not a known region.
///
/// ```
/// use synkro_core::pipeline::normalize::calling_code;
/// assert_eq!(calling_code("RU"), Some(7));
/// assert_eq!(calling_code("BY"), Some(375));
/// assert_eq!(calling_code("XX"), None);
/// ```
#[must_use]
pub fn calling_code(region: &str) -> Option<u16> {
    let id: Region = region.parse().ok()?;
    phonenumber::metadata::DATABASE
        .by_id(id.as_ref())
        .map(|m| m.country_code())
}

fn parse_valid(region: Option<Region>, raw: &str) -> Option<PhoneNumber> {
    phonenumber::parse(region, raw)
        .ok()
        .filter(phonenumber::is_valid)
}

/// Normalizes a phone number as written by a person or a messenger (`8 (916) 123-45-67`,
/// `+7 916 1234567`, `9161234567`, `79161234567`) to E.164, or `None` when it is not a valid phone
/// number. `region` is the ISO 3166 region used for numbers written without a country code; an
/// unknown region only accepts numbers that carry their code.
///
/// The result is stable: normalizing it again gives it back.
///
/// ```
/// use synkro_core::pipeline::normalize::phone;
/// assert_eq!(phone("8 (916) 123-45-67", "RU").as_deref(), Some("+79161234567"));
/// assert_eq!(phone("916 123 45 67", "RU").as_deref(), Some("+79161234567"));
/// assert_eq!(phone("375291234567", "RU").as_deref(), Some("+375291234567"));
/// assert_eq!(phone("12-34", "RU"), None);
/// ```
#[must_use]
pub fn phone(raw: &str, region: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_INPUT || !raw.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    // A number written with `+` carries its calling code, so the region plays no part. (Passing
    // it anyway lets the crate strip the region's national prefix from the number: `+64 83000`
    // read in BY, whose prefix is 8, lost its `8`.)
    let region: Option<Region> = if raw.starts_with('+') {
        None
    } else {
        region.parse().ok()
    };
    let number = parse_valid(region, raw).or_else(|| {
        // Digits without `+` that are not a national number of the region: an international
        // number with its `+` dropped, as messengers store them.
        if raw.starts_with('+') {
            return None;
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        parse_valid(None, &format!("+{digits}"))
    })?;
    // E.164 is `+`, the calling code and the national number (with any leading zeros), exactly as
    // the crate's E.164 formatter writes it, without the formatter's pattern matching (which
    // only the other modes need).
    Some(format!("+{}{}", number.country().code(), number.national()))
}

/// [`phone`] with memory: each spelling is normalized once. Parsing with libphonenumber costs
/// tens of microseconds, so a run that meets the same numbers in chats, contacts, deals and calls
/// keeps one book.
///
/// Spellings are not folded to their digits first: libphonenumber reads separators too (it reads
/// `+2-0-2-0-0-0-0-0-0-0000` and `+20200000000` differently), so only identical text shares a
/// parse.
///
/// A book can start from the spellings a store kept ([`from_stored`](Self::from_stored), the
/// tenant's persisted book, [`DataStore::phone_spellings`](crate::store::DataStore::phone_spellings));
/// [`added`](Self::added) then gives what it learned since, to be saved in turn.
#[derive(Debug, Clone)]
pub struct PhoneBook {
    region: String,
    by_spelling: rustc_hash::FxHashMap<String, Entry>,
    /// Spellings learned since the book was created or loaded.
    added: usize,
}

#[derive(Debug, Clone)]
struct Entry {
    e164: Option<String>,
    /// Learned since the book was created or loaded (not one of the stored spellings).
    added: bool,
}

impl PhoneBook {
    /// An empty book for numbers written without a country code in `region` (ISO 3166).
    #[must_use]
    pub fn new(region: &str) -> Self {
        Self {
            region: region.to_owned(),
            by_spelling: rustc_hash::FxHashMap::default(),
            added: 0,
        }
    }

    /// A book for `region` that already knows `stored` (spellings saved for that region, as
    /// [`DataStore::phone_spellings`](crate::store::DataStore::phone_spellings) returns them):
    /// they are not parsed again, and are not among the [`added`](Self::added) ones.
    ///
    /// The stored forms are trusted as they are; they are what [`phone`] gave for the spelling.
    ///
    /// ```
    /// use synkro_core::pipeline::normalize::PhoneBook;
    /// use synkro_core::store::PhoneSpelling;
    /// let stored = vec![PhoneSpelling {
    ///     spelling: "8 916 123 45 67".into(),
    ///     e164: Some("+79161234567".into()),
    /// }];
    /// let mut book = PhoneBook::from_stored("RU", stored);
    /// assert_eq!(book.lookup("8 916 123 45 67"), (Some("+79161234567"), false));
    /// assert_eq!(book.lookup("12-34"), (None, true));
    /// assert_eq!(book.len(), 2);
    /// assert_eq!(book.added_len(), 1);
    /// ```
    #[must_use]
    pub fn from_stored(
        region: &str,
        stored: impl IntoIterator<Item = crate::store::PhoneSpelling>,
    ) -> Self {
        let stored = stored.into_iter();
        let mut by_spelling = rustc_hash::FxHashMap::default();
        by_spelling.reserve(stored.size_hint().0);
        for s in stored {
            by_spelling.insert(
                s.spelling,
                Entry {
                    e164: s.e164,
                    added: false,
                },
            );
        }
        Self {
            region: region.to_owned(),
            by_spelling,
            added: 0,
        }
    }

    /// The E.164 form of `raw` (as [`phone`]) and whether this spelling is new to the book.
    pub fn lookup(&mut self, raw: &str) -> (Option<&str>, bool) {
        if self.by_spelling.contains_key(raw) {
            return (self.by_spelling[raw].e164.as_deref(), false);
        }
        let e164 = phone(raw, &self.region);
        self.added += 1;
        let e = self
            .by_spelling
            .entry(raw.to_owned())
            .or_insert(Entry { e164, added: true });
        (e.e164.as_deref(), true)
    }

    /// The E.164 form of `raw`, as [`phone`].
    pub fn get(&mut self, raw: &str) -> Option<&str> {
        self.lookup(raw).0
    }

    /// What the book already knows of `raw`: `None` for a spelling it has not seen, else its
    /// E.164 form (`Some(None)`: not a valid number).
    #[must_use]
    pub fn peek(&self, raw: &str) -> Option<Option<&str>> {
        self.by_spelling.get(raw).map(|e| e.e164.as_deref())
    }

    /// The spellings the book learned since it was created or loaded with
    /// [`from_stored`](Self::from_stored), in no particular order: what a run saves with
    /// [`DataStore::save_phone_spellings`](crate::store::DataStore::save_phone_spellings).
    #[must_use]
    pub fn added(&self) -> Vec<crate::store::PhoneSpelling> {
        let mut out = Vec::with_capacity(self.added);
        out.extend(
            self.by_spelling
                .iter()
                .filter(|(_, e)| e.added)
                .map(|(spelling, e)| crate::store::PhoneSpelling {
                    spelling: spelling.clone(),
                    e164: e.e164.clone(),
                }),
        );
        out
    }

    /// How many spellings the book learned since it was created or loaded.
    #[must_use]
    pub fn added_len(&self) -> usize {
        self.added
    }

    /// The region numbers without a calling code are read in.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Spellings the book knows, stored and learned.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_spelling.len()
    }

    /// Whether the book knows no spelling.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_spelling.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_world_formats_agree() {
        for raw in [
            "+7 (916) 123-45-67",
            "8 916 123 45 67",
            "79161234567",
            "9161234567",
            "89161234567",
            "tel: 8-916-123-4567",
            "  +7-916-123-45-67  ",
        ] {
            assert_eq!(phone(raw, "RU").as_deref(), Some("+79161234567"), "{raw}");
        }
        assert_eq!(
            phone("+49 30 1234567", "RU").as_deref(),
            Some("+49301234567")
        );
        assert_eq!(phone("", "RU"), None);
        assert_eq!(phone("+6483000", "BY").as_deref(), Some("+6483000"));
        assert_eq!(phone("6483000", "BY").as_deref(), Some("+6483000"));
        assert_eq!(phone("no phone", "RU"), None);
        assert_eq!(phone("1234567890123456", "RU"), None);
        assert_eq!(phone(&"9".repeat(100), "RU"), None);
    }

    #[test]
    fn the_region_decides_numbers_without_a_country_code() {
        assert_eq!(
            phone("(212) 555-0100", "US").as_deref(),
            Some("+12125550100")
        );
        assert_eq!(
            phone("029 123-45-67", "BY").as_deref(),
            Some("+375291234567")
        );
        // Radist stores international numbers as bare digits.
        assert_eq!(phone("12125550100", "RU").as_deref(), Some("+12125550100"));
        // An unknown region accepts only numbers with their code.
        assert_eq!(phone("9161234567", "ZZ"), None);
        assert_eq!(
            phone("+7 916 123 45 67", "ZZ").as_deref(),
            Some("+79161234567")
        );
        assert_eq!(calling_code("KZ"), Some(7));
    }

    /// One Russian mobile number written in the ways people and messengers write it.
    fn formats(n: &str) -> Vec<String> {
        let (a, b, c, d) = (&n[0..3], &n[3..6], &n[6..8], &n[8..10]);
        vec![
            format!("+7 ({a}) {b}-{c}-{d}"),
            format!("8 {a} {b} {c} {d}"),
            format!("7{n}"),
            format!("{n}"),
            format!("+7{n}"),
            format!("8({a}){b}{c}{d}"),
            format!("tel:+7-{a}-{b}-{c}{d}"),
        ]
    }

    proptest! {
        #[test]
        fn normalization_is_idempotent(raw in "[0-9 +()-]{0,20}", region in "(RU|US|DE|BY|KZ|ZZ)") {
            if let Some(n) = phone(&raw, &region) {
                prop_assert_eq!(phone(&n, &region), Some(n.clone()));
                prop_assert!(n.starts_with('+'));
            }
        }

        #[test]
        fn normalization_ignores_the_format(rest in "[0-9]{7}", op in "9[0-9]{2}") {
            let national = format!("{op}{rest}");
            let all: Vec<Option<String>> =
                formats(&national).iter().map(|f| phone(f, "RU")).collect();
            prop_assert!(all.iter().all(|p| p == &all[0]), "{:?} -> {:?}", national, all);
            if let Some(p) = &all[0] {
                prop_assert_eq!(p, &format!("+7{national}"));
            }
        }
    }

    #[test]
    fn e164_is_written_as_the_crate_formats_it() {
        for raw in [
            "+39 06 1234 5678",
            "+7 916 123-45-67",
            "+44 20 7946 0958",
            "+375291234567",
        ] {
            let n = parse_valid(None, raw).expect("a valid number");
            assert_eq!(
                phone(raw, "RU"),
                Some(n.format().mode(phonenumber::Mode::E164).to_string()),
                "{raw}"
            );
        }
        assert_eq!(
            phone("+39 06 1234 5678", "RU").as_deref(),
            Some("+390612345678")
        );
    }

    #[test]
    fn the_book_gives_what_phone_gives_and_parses_each_spelling_once() {
        let mut book = PhoneBook::new("RU");
        for raw in [
            "+7 (916) 123-45-67",
            "+7 916 123-4567",
            "8 916 123 45 67",
            "8(916)1234567",
            "79161234567",
            "9161234567",
            "tel: 8-916-123-4567",
            "12-34",
            "",
            "375291234567",
            "+7 (916) 123-45-67",
        ] {
            assert_eq!(book.get(raw), phone(raw, "RU").as_deref(), "{raw}");
        }
        assert_eq!(
            book.lookup("8 916 123 45 67"),
            (Some("+79161234567"), false)
        );
        assert_eq!(book.lookup("8-916-123-45-67"), (Some("+79161234567"), true));
        assert_eq!(book.len(), 11);
        assert_eq!(book.peek("8-916-123-45-67"), Some(Some("+79161234567")));
        assert_eq!(book.peek("12-34"), Some(None));
        assert_eq!(book.peek("8 800 000 00 00"), None);
    }

    #[test]
    fn a_loaded_book_knows_the_stored_spellings_and_adds_only_new_ones() {
        let mut first = PhoneBook::new("RU");
        for raw in [
            "8 916 123 45 67",
            "12-34",
            "+375291234567",
            "8 916 123 45 67",
        ] {
            first.get(raw);
        }
        assert_eq!(first.added_len(), 3);
        let mut saved = first.added();
        saved.sort_by(|a, b| a.spelling.cmp(&b.spelling));
        assert_eq!(
            saved,
            vec![
                crate::store::PhoneSpelling {
                    spelling: "+375291234567".into(),
                    e164: Some("+375291234567".into()),
                },
                crate::store::PhoneSpelling {
                    spelling: "12-34".into(),
                    e164: None,
                },
                crate::store::PhoneSpelling {
                    spelling: "8 916 123 45 67".into(),
                    e164: Some("+79161234567".into()),
                },
            ]
        );

        let mut second = PhoneBook::from_stored("RU", saved);
        assert_eq!((second.len(), second.added_len()), (3, 0));
        assert_eq!(second.peek("12-34"), Some(None));
        assert_eq!(
            second.lookup("8 916 123 45 67"),
            (Some("+79161234567"), false)
        );
        assert_eq!(
            second.lookup("8-916-123-45-67"),
            (Some("+79161234567"), true)
        );
        assert_eq!((second.len(), second.added_len()), (4, 1));
        let added = second.added();
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].spelling, "8-916-123-45-67");
        assert_eq!(added[0].e164.as_deref(), Some("+79161234567"));
        assert!(
            second.clone().added() == added,
            "a clone keeps what was added"
        );
    }
}
