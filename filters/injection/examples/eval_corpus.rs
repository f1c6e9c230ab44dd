//! Detection and false-positive rates on JSONL corpora (`tests/corpus/prompt-injection/`).
//!
//! `cargo run --release -p parapet-injection --example eval_corpus -- FILE... [--verbose]`
//! Each line: `{"text", "label": "attack"|"benign", "source": "user"|"tool", "kind"}`.
//! An attack counts as detected when the verdict is `block`; a benign line counts as a false
//! positive when it is blocked (monitor verdicts are shown separately).

use parapet_injection::{Inspector, InspectorConfig, Source, Verdict};
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Row {
    text: String,
    label: String,
    source: Source,
    kind: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let gcg = args.iter().any(|a| a == "--gcg-bits");
    let inspector = match Inspector::new(&InspectorConfig::default()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("config error: {e}");
            std::process::exit(2);
        }
    };
    let mut failed = false;
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let data = match std::fs::read_to_string(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        // kind -> (total, blocked, monitored)
        let mut kinds: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        let (mut att, mut det, mut ben, mut fp, mut ben_mon) = (0, 0, 0, 0, 0);
        for (i, line) in data
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let row: Row = match serde_json::from_str(line) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("{path}:{}: {e}", i + 1);
                    failed = true;
                    continue;
                }
            };
            let a = inspector.inspect(&row.text, row.source);
            if gcg {
                if let Some((w, _)) = parapet_injection::charmodel::adversarial_suffix(&row.text) {
                    println!("gcg {w:.2} {}/{}", row.label, row.kind);
                }
            }
            let k = kinds
                .entry(format!("{}/{}", row.label, row.kind))
                .or_default();
            k.0 += 1;
            k.1 += usize::from(a.verdict == Verdict::Block);
            k.2 += usize::from(a.verdict == Verdict::Monitor);
            let wrong = if row.label == "attack" {
                att += 1;
                det += usize::from(a.verdict == Verdict::Block);
                a.verdict != Verdict::Block
            } else {
                ben += 1;
                fp += usize::from(a.verdict == Verdict::Block);
                ben_mon += usize::from(a.verdict == Verdict::Monitor);
                a.verdict == Verdict::Block
            };
            if verbose && wrong {
                let shown: String = row.text.chars().take(160).collect();
                println!(
                    "  {} {:.2} {:?} {:?}",
                    row.label,
                    a.score,
                    a.rule_ids(),
                    shown
                );
            }
        }
        let pct = |a: usize, b: usize| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        println!("\n{path}");
        println!(
            "  {:<34} {:>6} {:>8} {:>8}",
            "label/kind", "n", "block%", "monitor%"
        );
        for (k, (n, b, m)) in &kinds {
            println!(
                "  {:<34} {:>6} {:>7.1}% {:>7.1}%",
                k,
                n,
                pct(*b, *n),
                pct(*m, *n)
            );
        }
        println!("  detection rate: {:.1}% ({det}/{att})   false-positive rate: {:.2}% ({fp}/{ben}), benign monitored {:.1}%",
            pct(det, att), pct(fp, ben), pct(ben_mon, ben));
    }
    if failed {
        std::process::exit(1);
    }
}
