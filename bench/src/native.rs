//! Part 1: every detector and the format views natively, as MB/s and as ratios to the floors
//! (serde_json `IgnoredAny` parse of the same body; one Aho-Corasick pass over the same text).

use crate::bodies;
use crate::measure::{fmt_time, mbps, seconds_per_call, Budget};
use aho_corasick::AhoCorasick;
use parapet_core::{detect, framing_for, parse_request, parse_response, Limits, StreamParser};
use parapet_injection::{Inspector, InspectorConfig, Source};
use parapet_moderation::{ModerationConfig, Moderator, RequestContext};
use parapet_pii::{Detector, DetectorConfig};
use parapet_schema::{BuiltinSet, CompileOptions};
use parapet_tokens::{estimate_tokens, Encoding};
use serde::de::IgnoredAny;

/// The detectors, built once with their default configurations.
pub struct Detectors {
    pub pii: Detector,
    pub injection: Inspector,
    pub moderation: Moderator,
    pub schema: BuiltinSet,
    pub floor_ac: AhoCorasick,
}

impl Detectors {
    pub fn new() -> crate::Result<Detectors> {
        Ok(Detectors {
            pii: Detector::new(&DetectorConfig::default())?,
            injection: Inspector::new(&InspectorConfig::default())?,
            moderation: Moderator::new(&ModerationConfig::default())?,
            schema: BuiltinSet::compile(false, &CompileOptions::default())?,
            floor_ac: AhoCorasick::new(parapet_injection::lexicon_terms())?,
        })
    }
}

/// Text of a request's segments, joined (what the detectors see).
pub fn request_text(body: &[u8]) -> crate::Result<String> {
    let api = detect("/v1/chat/completions", None);
    let view = parse_request(api, body, &Limits::default())?;
    Ok(view
        .segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n"))
}

fn response_text(body: &[u8]) -> crate::Result<String> {
    let api = detect("/v1/chat/completions", None);
    let view = parse_response(api, body, &Limits::default())?;
    Ok(view
        .segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n"))
}

struct Row {
    body: &'static str,
    work: String,
    bytes: usize,
    secs: f64,
    floor: Option<(&'static str, f64)>,
}

pub fn run(budget: Budget) -> crate::Result<()> {
    let d = Detectors::new()?;
    let api = detect("/v1/chat/completions", None);
    let limits = Limits::default();
    let mut rows: Vec<Row> = Vec::new();
    let mut add = |body: &'static str,
                   work: &str,
                   bytes: usize,
                   secs: f64,
                   floor: Option<(&'static str, f64)>| {
        rows.push(Row {
            body,
            work: work.to_owned(),
            bytes,
            secs,
            floor,
        });
    };

    for (name, body) in [
        ("2 KB chat request", bodies::chat_2k(false)),
        ("64 KB prompt", bodies::prompt_64k(false)),
    ] {
        let n = body.len();
        let serde_floor = seconds_per_call(budget, || {
            serde_json::from_slice::<IgnoredAny>(&body).is_ok()
        });
        let text = request_text(&body)?;
        let ac_floor = seconds_per_call(budget, || {
            d.floor_ac.find_overlapping_iter(text.as_str()).count()
        });
        add(
            name,
            "floor: serde_json IgnoredAny parse",
            n,
            serde_floor,
            None,
        );
        add(
            name,
            "floor: one Aho-Corasick pass (lexicon) over the text",
            n,
            ac_floor,
            None,
        );
        let s = seconds_per_call(budget, || {
            parse_request(api, &body, &limits).map(|v| v.segments.len())
        });
        add(
            name,
            "core: request view (parse_request)",
            n,
            s,
            Some(("serde", serde_floor)),
        );
        let s = seconds_per_call(budget, || d.pii.find(&text).len());
        add(name, "pii: Detector::find", n, s, Some(("AC", ac_floor)));
        let s = seconds_per_call(budget, || d.injection.inspect(&text, Source::User));
        add(
            name,
            "injection: Inspector::inspect",
            n,
            s,
            Some(("AC", ac_floor)),
        );
        let s = seconds_per_call(budget, || estimate_tokens(&text, Encoding::O200k));
        add(
            name,
            "tokens: estimate_tokens o200k",
            n,
            s,
            Some(("AC", ac_floor)),
        );
        if let Some(schema) = d.schema.get(api) {
            let s = seconds_per_call(budget, || {
                serde_json::from_slice::<serde_json::Value>(&body).map(|v| schema.is_valid(&v))
            });
            add(
                name,
                "schema: parse Value + validate builtin",
                n,
                s,
                Some(("serde", serde_floor)),
            );
        }
    }

    let answer = bodies::answer_1k();
    let n = answer.len();
    let serde_floor = seconds_per_call(budget, || {
        serde_json::from_slice::<IgnoredAny>(&answer).is_ok()
    });
    let text = response_text(&answer)?;
    let ac_floor = seconds_per_call(budget, || {
        d.moderation
            .lexicon_automaton()
            .find_overlapping_iter(text.as_bytes())
            .count()
    });
    add(
        "1 KB answer",
        "floor: serde_json IgnoredAny parse",
        n,
        serde_floor,
        None,
    );
    add(
        "1 KB answer",
        "floor: one Aho-Corasick pass (moderation lexicon)",
        n,
        ac_floor,
        None,
    );
    let s = seconds_per_call(budget, || {
        parse_response(api, &answer, &limits).map(|v| v.segments.len())
    });
    add(
        "1 KB answer",
        "core: response view (parse_response)",
        n,
        s,
        Some(("serde", serde_floor)),
    );
    let s = seconds_per_call(budget, || {
        d.moderation.scan(&text, &RequestContext::default())
    });
    add(
        "1 KB answer",
        "moderation: Moderator::scan",
        n,
        s,
        Some(("AC", ac_floor)),
    );
    let s = seconds_per_call(budget, || d.pii.find(&text).len());
    add(
        "1 KB answer",
        "pii: Detector::find",
        n,
        s,
        Some(("AC", ac_floor)),
    );

    let chunks = bodies::sse_200();
    let all = chunks.concat();
    let n = all.len();
    let serde_floor = seconds_per_call(budget, || {
        chunks
            .iter()
            .filter_map(|c| c.strip_prefix(b"data: "))
            .filter(|c| !c.starts_with(b"[DONE]"))
            .map(|c| serde_json::from_slice::<IgnoredAny>(c).is_ok() as usize)
            .sum::<usize>()
    });
    let framing = framing_for("text/event-stream", api);
    add(
        "200-chunk SSE stream",
        "floor: serde_json IgnoredAny parse of each event",
        n,
        serde_floor,
        None,
    );
    let s = seconds_per_call(budget, || {
        let mut p = StreamParser::new(api, framing, limits);
        let mut events = 0;
        for c in &chunks {
            events += p.push(c).map(|e| e.len()).unwrap_or(0);
        }
        events + p.finish().map(|e| e.len()).unwrap_or(0)
    });
    add(
        "200-chunk SSE stream",
        "core: StreamParser, chunk by chunk",
        n,
        s,
        Some(("serde", serde_floor)),
    );
    let s = seconds_per_call(budget, || {
        let mut st = d.moderation.stream(
            &RequestContext::default(),
            parapet_moderation::ScanMode::Enforce,
        );
        let mut out = 0;
        for c in &chunks {
            out += st.push(std::str::from_utf8(c).unwrap_or("")).release.len();
        }
        out + st.finish().release.len()
    });
    add(
        "200-chunk SSE stream",
        "moderation: streaming scan of the raw chunks",
        n,
        s,
        None,
    );

    println!("| body | work | time/body | MB/s | × floor |");
    println!("|---|---|---:|---:|---:|");
    for r in &rows {
        let ratio = match r.floor {
            Some((name, f)) => format!("{:.1}× {name}", r.secs / f),
            None => "—".into(),
        };
        println!(
            "| {} ({} B) | {} | {} | {:.0} | {} |",
            r.body,
            r.bytes,
            r.work,
            fmt_time(r.secs),
            mbps(r.bytes, r.secs),
            ratio
        );
    }
    Ok(())
}
