//! AWS event-stream decoder. Half the inputs are raw bytes; the other half are turned
//! into well-formed frames (valid CRCs) around fuzz payloads so the JSON interpretation
//! is reached too. Must never panic; split and one-shot parses must agree; rewriting
//! must give frames that decode again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_core::stream::eventstream::{decode_frame, encode_frame};
use parapet_core::{detect, rewrite_event, Framing, Limits, StreamParser};

const TYPES: [&str; 8] = [
    "messageStart",
    "contentBlockStart",
    "contentBlockDelta",
    "contentBlockStop",
    "messageStop",
    "metadata",
    "unknownEvent",
    // InvokeModelWithResponseStream: payload {"bytes":"<base64 provider event>"}.
    "chunk",
];

fn run(
    chunks: &[&[u8]],
) -> (
    Vec<parapet_core::StreamEvent>,
    Option<parapet_core::FormatError>,
) {
    let api = detect("/model/m/converse-stream", None);
    let mut p = StreamParser::new(
        api,
        Framing::EventStream,
        Limits {
            max_depth: 64,
            max_bytes: 1 << 16,
        },
    );
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

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((&cut, body)) = rest.split_first() else {
        return;
    };
    let stream: Vec<u8> = if sel & 1 == 0 {
        body.to_vec()
    } else {
        // Frames around `\x00`-separated payloads.
        body.split(|&b| b == 0)
            .enumerate()
            .flat_map(|(i, p)| {
                let ty = TYPES[(i + sel as usize / 2) % TYPES.len()];
                let mt = if sel & 0x80 != 0 && i == 2 {
                    "exception"
                } else {
                    "event"
                };
                encode_frame(
                    &[
                        (":event-type", ty),
                        (":content-type", "application/json"),
                        (":message-type", mt),
                    ],
                    p,
                )
            })
            .collect()
    };
    let whole = run(&[&stream]);
    let at = (cut as usize * stream.len()) / 255;
    let split = run(&[&stream[..at], &stream[at..]]);
    assert_eq!(whole, split, "split at {at}");
    for ev in &whole.0 {
        let texts: Vec<(usize, String)> = ev
            .deltas
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.json)
            .map(|(i, _)| (i, format!("x\"{i}")))
            .collect();
        let out = rewrite_event(ev, Framing::EventStream, &texts).expect("rewrite");
        decode_frame(&out).expect("rewritten frame decodes");
    }
});
