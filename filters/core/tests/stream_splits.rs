//! Property: however a stream is split into chunks, the decoder yields the same events,
//! the same reassembled tool calls and usage, and the same rewritten output.

mod common;

use common::streams::*;
use proptest::prelude::*;

fn reference(case: &Case) -> (Outcome, Vec<u8>) {
    let o = run(case, &[&case.bytes]);
    assert_eq!(o.finish, Ok(()), "{}", case.name);
    let rewritten = rewrite_all(case, &o.events);
    (o, rewritten)
}

fn check_split(case: &Case, cuts: &[usize], expected: &(Outcome, Vec<u8>)) {
    let mut chunks = Vec::new();
    let mut prev = 0;
    for &c in cuts {
        chunks.push(&case.bytes[prev..c]);
        prev = c;
    }
    chunks.push(&case.bytes[prev..]);
    let o = run(case, &chunks);
    assert_eq!(o, expected.0, "{} split at {cuts:?}", case.name);
    assert_eq!(
        rewrite_all(case, &o.events),
        expected.1,
        "{} split at {cuts:?}",
        case.name
    );
}

#[test]
fn every_single_split_point_gives_identical_results() {
    for case in cases() {
        let expected = reference(&case);
        for i in 0..=case.bytes.len() {
            check_split(&case, &[i], &expected);
        }
    }
}

#[test]
fn byte_by_byte_feeding_gives_identical_results() {
    for case in cases() {
        let expected = reference(&case);
        let cuts: Vec<usize> = (1..case.bytes.len()).collect();
        check_split(&case, &cuts, &expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn random_multi_splits_give_identical_results(
        which in 0usize..64,
        raw_cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..24),
    ) {
        let all = cases();
        let case = &all[which % all.len()];
        let expected = reference(case);
        let mut cuts: Vec<usize> = raw_cuts.iter().map(|i| i.index(case.bytes.len() + 1)).collect();
        cuts.sort_unstable();
        check_split(case, &cuts, &expected);
    }
}

/// Outcome of a stream that may fail: events delivered plus the first error.
fn run_lenient(
    case: &Case,
    chunks: &[&[u8]],
) -> (
    Vec<parapet_core::StreamEvent>,
    Option<parapet_core::FormatError>,
) {
    let mut p =
        parapet_core::StreamParser::new(case.api, case.framing, parapet_core::Limits::default());
    let mut events = Vec::new();
    for c in chunks {
        match p.push(c) {
            Ok(evs) => events.extend(evs),
            Err(e) => return (events, Some(e)),
        }
    }
    match p.finish() {
        Ok(evs) => events.extend(evs),
        Err(e) => return (events, Some(e)),
    }
    (events, None)
}

/// Broken streams: a corrupted byte in the middle of every case. The events delivered
/// before the error and the error itself (with its offset) do not depend on the split.
#[test]
fn errors_are_split_invariant_too() {
    for case in cases() {
        let mut broken = case.bytes.clone();
        let mid = broken.len() / 2;
        broken[mid] = 0xff; // invalid UTF-8 / corrupt CRC wherever it lands
        let bad = Case {
            name: case.name,
            api: case.api,
            framing: case.framing,
            bytes: broken,
        };
        let whole = run_lenient(&bad, &[&bad.bytes]);
        assert!(
            whole.1.is_some(),
            "{}: corruption must be detected",
            case.name
        );
        for i in 0..=bad.bytes.len() {
            let split = run_lenient(&bad, &[&bad.bytes[..i], &bad.bytes[i..]]);
            assert_eq!(split, whole, "{} split at {i}", case.name);
        }
    }
}
