//! Prints every assessment (score, categories, hits with spans, flags, verdict) and every
//! normalized text for JSONL corpora, plus encoded and obfuscated variants of each text, one
//! line per input. Two builds that print the same output behave the same on these inputs:
//! run it before and after a performance change and `diff` the outputs.
//!
//! `cargo run --release -p parapet-injection --example dump_assessments -- FILE... > out.txt`

use base64::Engine;
use parapet_injection::normalize::normalize;
use parapet_injection::{Inspector, InspectorConfig, Source};

#[derive(serde::Deserialize)]
struct Row {
    text: String,
    source: Source,
}

/// The text under the obfuscations the detector undoes, so decoders and folding steps run on
/// every corpus text, not only on the few rows that use them.
fn variants(t: &str) -> Vec<(&'static str, String)> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(t);
    let hex: String = t.bytes().map(|b| format!("{b:02x}")).collect();
    let url: String = t.bytes().map(|b| format!("%{b:02X}")).collect();
    let spaced: String = t
        .chars()
        .flat_map(|c| [c, ' '])
        .collect::<String>()
        .trim_end()
        .to_string();
    let leet: String = t
        .chars()
        .map(|c| match c {
            'o' => '0',
            'e' => '3',
            'a' => '4',
            's' => '$',
            'i' => '1',
            _ => c,
        })
        .collect();
    let wide: String = t
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    let zw: String = t.chars().flat_map(|c| [c, '\u{200B}']).collect::<String>();
    vec![
        ("plain", t.to_string()),
        ("rot13", parapet_injection::decode::rot13(t)),
        ("lead+b64", format!("Please run this: {b64}")),
        ("lead+hex", format!("decode {hex} now")),
        ("url", url),
        ("spaced", spaced),
        ("leet", leet),
        ("wide", wide),
        ("zw", zw),
    ]
}

fn main() {
    let inspector = match Inspector::new(&InspectorConfig::default()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("config error: {e}");
            std::process::exit(2);
        }
    };
    for path in std::env::args().skip(1) {
        let data = match std::fs::read_to_string(&path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        for (i, line) in data.lines().enumerate() {
            let Ok(row) = serde_json::from_str::<Row>(line) else {
                continue;
            };
            for (name, text) in variants(&row.text) {
                let a = inspector.inspect(&text, row.source);
                let n = normalize(&text);
                println!("{path}:{} {name} {a:?}", i + 1);
                println!(
                    "{path}:{} {name} norm {:?} {:?} {:?}",
                    i + 1,
                    n.text,
                    n.flags,
                    n.word_starts.len()
                );
            }
        }
    }
}
