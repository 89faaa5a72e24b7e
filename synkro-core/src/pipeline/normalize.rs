//! Normalization shared by every mode: phone numbers.
//!
//! Phone numbers follow rule L1 of the metric contract (metrics.md §1.5): keep the digits; with
//! country code 7, an 11-digit number starting with 8 becomes 7…; a 10-digit number gets the
//! region's country code; a valid result has 10 to 15 digits and is written `+<digits>`.
//! This is the old service's rule, kept as the linking contract until the messenger issue brings
//! full E.164 parsing with a phone-number library.

/// The calling code used for numbers written without one, for a tenant's ISO 3166 region.
/// `None` for a region this table does not know; such numbers must carry their country code.
#[must_use]
pub fn calling_code(region: &str) -> Option<&'static str> {
    Some(match region {
        "RU" | "KZ" => "7",
        "BY" => "375",
        "UA" => "380",
        "UZ" => "998",
        "KG" => "996",
        "AM" => "374",
        "GE" => "995",
        "AZ" => "994",
        "US" | "CA" => "1",
        "DE" => "49",
        "GB" => "44",
        "AE" => "971",
        "TR" => "90",
        _ => return None,
    })
}

/// Normalizes a phone number as written by a person (`8 (916) 123-45-67`, `+7 916 1234567`,
/// `9161234567`) to `+<digits>`, or `None` when it cannot be a phone number.
///
/// ```
/// use synkro_core::pipeline::normalize::phone;
/// assert_eq!(phone("8 (916) 123-45-67", "RU").as_deref(), Some("+79161234567"));
/// assert_eq!(phone("916 123 45 67", "RU").as_deref(), Some("+79161234567"));
/// assert_eq!(phone("12-34", "RU"), None);
/// ```
#[must_use]
pub fn phone(raw: &str, region: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let code = calling_code(region);
    let digits = match (digits.len(), code) {
        (11, Some("7")) if digits.starts_with('8') => format!("7{}", &digits[1..]),
        (10, Some(code)) => format!("{code}{digits}"),
        _ => digits,
    };
    (10..=15)
        .contains(&digits.len())
        .then(|| format!("+{digits}"))
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
            "tel: 8-916-123-4567",
        ] {
            assert_eq!(phone(raw, "RU").as_deref(), Some("+79161234567"), "{raw}");
        }
        assert_eq!(
            phone("+49 30 1234567", "RU").as_deref(),
            Some("+49301234567")
        );
        assert_eq!(phone("", "RU"), None);
        assert_eq!(phone("1234567890123456", "RU"), None);
    }

    proptest! {
        #[test]
        fn normalization_is_idempotent(raw in "[0-9 +()-]{0,20}") {
            if let Some(n) = phone(&raw, "RU") {
                prop_assert_eq!(phone(&n, "RU"), Some(n.clone()));
            }
        }
    }
}
