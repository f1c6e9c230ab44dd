//! Detection quality on a JSONL corpus: per-category precision and recall.
//!
//! `cargo run --example eval -p parapet-moderation -- tests/corpus/moderation/dev.jsonl`
//! Each line: `{"text", "labels": [category names], "kind", "system_prompt"?, "request_host"?}`.

use parapet_moderation::{Category, ModerationConfig, Moderator, RequestContext};
use std::collections::{BTreeMap, BTreeSet};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: eval <corpus.jsonl> [--errors]");
        std::process::exit(2);
    };
    let show_errors = std::env::args().any(|a| a == "--errors");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let cfg: ModerationConfig = serde_json::from_str(
        r#"{"leak":{"system_prompt_overlap":true},"categories":{"dangerous_shell":{"action":"annotate"}}}"#,
    )
    .expect("eval config");
    let m = Moderator::new(&cfg).expect("valid config");
    // (tp, fp, fn) per category
    let mut counts: BTreeMap<Category, (u32, u32, u32)> = BTreeMap::new();
    let mut kinds: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("{path}:{}: {e}", n + 1);
                std::process::exit(2);
            }
        };
        let s = |k: &str| row.get(k).and_then(|v| v.as_str()).map(String::from);
        let ctx = RequestContext {
            canaries: Vec::new(),
            system_prompt: s("system_prompt"),
            request_host: s("request_host"),
        };
        let truth: BTreeSet<Category> = row["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().and_then(Category::from_name))
            .collect();
        let report = m.scan(&s("text").unwrap_or_default(), &ctx);
        let predicted: BTreeSet<Category> = report
            .findings
            .iter()
            .map(|f| f.category)
            .filter(|c| *c != Category::UntrustedLink)
            .collect();
        for c in truth.union(&predicted) {
            let e = counts.entry(*c).or_default();
            match (truth.contains(c), predicted.contains(c)) {
                (true, true) => e.0 += 1,
                (false, true) => e.1 += 1,
                (true, false) => e.2 += 1,
                _ => {}
            }
        }
        let kind = s("kind").unwrap_or_else(|| "?".into());
        let k = kinds.entry(kind).or_default();
        k.0 += 1;
        if truth != predicted {
            k.1 += 1;
            if show_errors {
                println!(
                    "MISS {} truth={truth:?} predicted={predicted:?}: {}",
                    s("id").unwrap_or_default(),
                    s("text").unwrap_or_default()
                );
            }
        }
    }
    println!(
        "{:<16} {:>5} {:>5} {:>5} {:>9} {:>7}",
        "category", "tp", "fp", "fn", "precision", "recall"
    );
    for (c, (tp, fp, fnn)) in &counts {
        let p = if tp + fp == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fp) as f64
        };
        let r = if tp + fnn == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fnn) as f64
        };
        println!(
            "{:<16} {tp:>5} {fp:>5} {fnn:>5} {p:>9.3} {r:>7.3}",
            c.name()
        );
    }
    println!();
    println!("{:<16} {:>5} {:>7}", "kind", "rows", "wrong");
    for (k, (rows, wrong)) in &kinds {
        println!("{k:<16} {rows:>5} {wrong:>7}");
    }
}
