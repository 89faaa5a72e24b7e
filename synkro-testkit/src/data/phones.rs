//! Phone numbers as people write them.

/// A client's phone as a person might write it. Numbers are in the fictional +7 900 0… range.
pub(super) fn phone_in_format(n: u64, style: u8) -> String {
    let d = format!("{:07}", n % 10_000_000);
    let (a, b, c) = (&d[0..3], &d[3..5], &d[5..7]);
    match style % 6 {
        0 => format!("+7 (900) {a}-{b}-{c}"),
        1 => format!("8 900 {a} {b} {c}"),
        2 => format!("7900{d}"),
        3 => format!("900{d}"),
        4 => format!("+7 900 {a}-{b}{c}"),
        _ => format!("8(900){d}"),
    }
}
