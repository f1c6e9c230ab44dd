//! Properties over arbitrary input: no panics, a stream split anywhere counts like the whole text, budgets never
//! hand out more than the limit.

use parapet_tokens::budget::{Amounts, Counters, Dimension, Policy, Table, Window};
use parapet_tokens::{estimate_tokens, Encoding, StreamCounter};
use proptest::prelude::*;

const ENCODINGS: [Encoding; 3] = [Encoding::O200k, Encoding::Cl100k, Encoding::Generic];

proptest! {
    #[test]
    fn estimate_is_at_least_one_per_nonspace_run(text in "\\PC{0,200}") {
        for e in ENCODINGS {
            let n = estimate_tokens(&text, e);
            prop_assert_eq!(n == 0, text.is_empty());
        }
    }

    #[test]
    fn stream_counting_equals_the_whole_however_split(text in "\\PC{1,120}", cuts in proptest::collection::vec(0usize..120, 0..6)) {
        let mut points: Vec<usize> = cuts.into_iter()
            .filter_map(|c| text.char_indices().nth(c).map(|(i, _)| i))
            .collect();
        points.sort_unstable();
        points.dedup();
        for e in ENCODINGS {
            let mut counter = StreamCounter::new(e);
            let mut start = 0;
            for &p in &points {
                counter.add(&text[start..p]);
                start = p;
            }
            counter.add(&text[start..]);
            prop_assert_eq!(counter.tokens(), estimate_tokens(&text, e));
        }
    }

    #[test]
    fn table_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let p = Policy::new([(Dimension::TotalTokens, Window::Minute, 100)]).unwrap();
        let _ = Table::decode(&bytes, &p);
    }

    #[test]
    fn admitted_within_any_window_never_exceeds_limit_plus_refill(
        reqs in proptest::collection::vec((0u64..2_000, 1u64..400), 1..80)
    ) {
        // Requests at increasing times; whatever is admitted within the first minute (burst plus
        // the refill of that minute) stays within 2x the limit, and at t=0 within the limit.
        let limit = 1_000;
        let p = Policy::new([(Dimension::TotalTokens, Window::Minute, limit)]).unwrap();
        let mut c = Counters::new(&p, 0);
        let mut t = 0;
        let mut admitted_first_minute = 0;
        let mut admitted_at_zero = 0;
        for (dt, n) in reqs {
            t += dt;
            if c.try_reserve(&p, Amounts::tokens(n, 0), t).is_ok() {
                if t < 60_000 { admitted_first_minute += n; }
                if t == 0 { admitted_at_zero += n; }
            }
        }
        prop_assert!(admitted_at_zero <= limit);
        prop_assert!(admitted_first_minute <= 2 * limit);
    }
}
