//! `until` paging returns every message of the window exactly once, for arbitrary page sizes,
//! heavy timestamp ties, inclusive and exclusive servers.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use synkro_core::model::Window;
use synkro_radist::UntilPager;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_767_000_000_000 + ms).unwrap()
}

/// A server holding `msgs`, answering newest first like Radist.
fn serve(
    msgs: &[(String, DateTime<Utc>)],
    until: DateTime<Utc>,
    limit: usize,
    inclusive: bool,
) -> Vec<(String, DateTime<Utc>)> {
    let mut v: Vec<_> = msgs
        .iter()
        .filter(|(_, t)| if inclusive { *t <= until } else { *t < until })
        .cloned()
        .collect();
    v.sort_by(|a, b| (b.1, &b.0).cmp(&(a.1, &a.0)));
    v.truncate(limit);
    v
}

fn read_all(
    msgs: &[(String, DateTime<Utc>)],
    window: Window,
    limit: usize,
    inclusive: bool,
    trust: bool,
) -> (Vec<String>, u32, usize) {
    let mut pager = UntilPager::new(window, limit, trust);
    let mut out = Vec::new();
    let mut requests = 0;
    while !pager.is_done() {
        requests += 1;
        assert!(requests < 10_000, "paging does not end");
        // Round-trip through the opaque cursor, as the trait does between pages.
        if let Some(c) = pager.to_cursor() {
            pager = UntilPager::from_cursor(&c).unwrap();
        }
        let page = serve(msgs, pager.until(), limit, inclusive);
        let keep = pager.accept(page.iter().map(|(id, t)| (id.as_str(), *t)));
        out.extend(
            page.into_iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(m, _)| m.0),
        );
    }
    (out, pager.stalls(), requests)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_message_of_the_window_exactly_once(
        // Offsets in seconds, many equal (whole-second inbound timestamps), some with ms.
        stamps in prop::collection::vec((0i64..40, prop::bool::ANY, 0i64..1000), 0..120),
        limit in 2usize..12,
        start in 0i64..10,
        len in 1i64..45,
        inclusive in prop::bool::ANY,
        trust in prop::bool::ANY,
    ) {
        let msgs: Vec<(String, DateTime<Utc>)> = stamps
            .iter()
            .enumerate()
            .map(|(i, (s, frac, ms))| (format!("m{i:04}"), at(s * 1000 + if *frac { *ms } else { 0 })))
            .collect();
        // The API cannot page past more than a page of messages at one instant: keep ties below
        // the page size (a stall is counted otherwise, see below).
        let mut per_instant: HashMap<DateTime<Utc>, usize> = HashMap::new();
        for (_, t) in &msgs { *per_instant.entry(*t).or_default() += 1; }
        prop_assume!(per_instant.values().all(|n| *n < limit));
        let window = Window::new(at(start * 1000), at((start + len) * 1000)).unwrap();
        let (got, stalls, _) = read_all(&msgs, window, limit, inclusive, trust);
        let mut want: Vec<String> = msgs.iter().filter(|(_, t)| window.contains(*t)).map(|m| m.0.clone()).collect();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        want.sort();
        prop_assert_eq!(stalls, 0);
        prop_assert_eq!(got.len(), got_sorted.iter().collect::<std::collections::HashSet<_>>().len(), "duplicates");
        prop_assert_eq!(got_sorted, want);
    }
}

#[test]
fn more_than_a_page_at_one_instant_is_reported_as_a_stall_and_paging_ends() {
    let msgs: Vec<(String, DateTime<Utc>)> = (0..10)
        .map(|i| (format!("m{i}"), at(5_000)))
        .chain([("old".to_owned(), at(1_000))])
        .collect();
    let window = Window::new(at(0), at(10_000)).unwrap();
    let (got, stalls, _) = read_all(&msgs, window, 4, true, false);
    assert!(stalls > 0);
    assert!(
        got.contains(&"old".to_owned()),
        "older messages are still read"
    );
    // An exclusive server moves past the tie without a stall, but the API gives no way to the
    // rest of it either.
    let (got, stalls, _) = read_all(&msgs, window, 4, false, false);
    assert_eq!(stalls, 0);
    assert_eq!(
        got.len(),
        4 + 1,
        "an exclusive server hides the rest of the tie: {got:?}"
    );
}

#[test]
fn trusting_short_pages_saves_the_confirming_request() {
    let msgs: Vec<(String, DateTime<Utc>)> =
        (0..5).map(|i| (format!("m{i}"), at(i * 1000))).collect();
    let window = Window::new(at(0), at(100_000)).unwrap();
    let (got, _, careful) = read_all(&msgs, window, 10, true, false);
    let (got2, _, trusting) = read_all(&msgs, window, 10, true, true);
    assert_eq!((got.len(), got2.len()), (5, 5));
    assert_eq!((careful, trusting), (2, 1));
    let _ = Duration::zero();
}
