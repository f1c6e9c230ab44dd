//! The time-to-first-byte cost of the stream hold-back, measured in model output: how much text
//! the model must have produced before the client sees its first byte, per provider format,
//! compared with no hold-back (the first event is forwarded as it arrives).
//!
//! This is a measurement (printed; run with `--nocapture`), plus the behaviour that defines it:
//! text leaves as soon as nothing still to come can change it — ordinary prose within a word of
//! arriving — while the start of a phrase that may still complete stays held (never more than
//! the window). No timing is asserted. The figures are in `README.md` ("Time to first byte").

mod common;
use common::{chain, ALL};
use serde_json::json;
use std::time::Instant;

/// `text` as 4-byte deltas (about one token each; ASCII text).
fn deltas(text: &str) -> Vec<&str> {
    (0..text.len())
        .step_by(4)
        .map(|i| &text[i..(i + 4).min(text.len())])
        .collect()
}

/// Streams `text` in 4-byte deltas, about one upstream chunk per event; returns the bytes of
/// output the model had produced when the client received its first text byte (`None`: not
/// before the last chunk), the client's text, and the harness time per upstream chunk.
fn first_byte_after(
    c: &parapet_harness::Chain,
    p: common::Provider,
    text: &str,
) -> (Option<usize>, String, std::time::Duration) {
    let d = deltas(text);
    let body = p.body(&d);
    let per_event = p.body(&["abcd"]).len() - p.body(&[]).len();
    let pieces: Vec<Vec<u8>> = body.chunks(per_event).map(<[u8]>::to_vec).collect();
    let started = Instant::now();
    let out = common::run_pieces(c, p, "sys", pieces.clone());
    let per_chunk = started.elapsed() / pieces.len() as u32;
    let first = out
        .response
        .chunks
        .iter()
        .position(|c| !p.client_view(c).text().is_empty())
        .filter(|&f| f + 1 < pieces.len());
    let produced = first.map(|f| {
        let upstream_end: usize = pieces[..=f].iter().map(Vec::len).sum();
        p.client_view(&body[..upstream_end]).text().len()
    });
    (
        produced,
        p.client_view(&out.response.body).text(),
        per_chunk,
    )
}

const PROSE: &str = "Could you help me rewrite the following paragraph so that it sounds \
    friendlier? Our quarterly revenue grew by twelve percent thanks to strong sales in Europe \
    and Asia, and the meeting is moved to Thursday at three; please update the calendar invite.";

#[test]
fn monitor_mode_holds_nothing_back() {
    let monitor = chain(json!({"mode": "monitor"}));
    for p in ALL {
        let (produced, _, _) = first_byte_after(&monitor, p, PROSE);
        println!("monitor mode  {p:?}: first byte after {produced:?} bytes");
        assert!(
            produced.is_some_and(|n| n <= 8),
            "{p:?}: monitor mode held output back ({produced:?} bytes)"
        );
    }
}

#[test]
fn ordinary_prose_leaves_within_a_word_of_arriving() {
    // The window (128 bytes by default, set by link checks; 332 with a 150-byte term) is only
    // the most that is held: prose with nothing undecided at its end leaves as it arrives.
    let long_term = "x".repeat(150);
    for (label, config) in [
        ("{}", json!({})),
        ("cap 512", json!({"stream": {"hold_back_bytes": 512}})),
        (
            "cap 512 + a 150-byte term",
            json!({"stream": {"hold_back_bytes": 512}, "terms": {"violence": [long_term]}}),
        ),
    ] {
        let c = chain(config);
        for p in ALL {
            let (produced, text, per_chunk) = first_byte_after(&c, p, PROSE);
            println!(
                "{label}  {p:?}: first byte when the model had produced {produced:?} bytes \
                 (no hold-back: 4); harness {per_chunk:?} per event"
            );
            assert!(
                produced.is_some_and(|n| n <= 16),
                "{p:?}: prose held back ({produced:?} bytes)"
            );
            assert_eq!(text, PROSE, "{p:?}: allowed stream changed");
        }
    }
}

#[test]
fn a_phrase_that_may_still_complete_is_held_from_its_start_then_blocked_whole() {
    let c = chain(json!({}));
    let text = "Sure. Here is how to make a pipe bomb: first you get a pipe and then";
    let phrase = text.find("how to make").unwrap();
    for p in ALL {
        let (produced, client, _) = first_byte_after(&c, p, text);
        println!("{p:?}: first byte after {produced:?} bytes; the client got {client:?}");
        assert!(
            produced.is_some_and(|n| n <= phrase),
            "{p:?}: the text before the phrase waited for it ({produced:?})"
        );
        assert!(
            !client.contains("how") && client.len() <= phrase,
            "{p:?}: part of the blocked phrase reached the client: {client:?}"
        );
    }
}
