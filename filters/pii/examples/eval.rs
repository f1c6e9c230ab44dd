//! Precision and recall of the detector on a labelled corpus (tests/corpus/pii/*.jsonl).
//!
//! `cargo run --release -p parapet-pii --example eval -- tests/corpus/pii/dev.jsonl [--errors]`
//!
//! A prediction is correct when type and byte span match the label exactly. PERSON and
//! STREET_ADDRESS (heuristic types) are also scored with overlap matching, shown separately.

use parapet_pii::{Category, Detector, DetectorConfig, EntityType};
use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = args.iter().any(|a| a == "--errors");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if paths.is_empty() {
        return Err("usage: eval <corpus.jsonl>... [--errors]".into());
    }
    let detector = Detector::new(&DetectorConfig::default())?;
    for path in paths {
        let data = std::fs::read_to_string(path)?;
        let mut exact: BTreeMap<String, Counts> = BTreeMap::new();
        let mut loose: BTreeMap<String, Counts> = BTreeMap::new();
        let mut rows = 0;
        let mut bytes = 0;
        for (n, line) in data.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let row: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
            let text = row["text"].as_str().ok_or("row without text")?;
            rows += 1;
            bytes += text.len();
            let gold: Vec<(String, Range<usize>)> = row["entities"]
                .as_array()
                .ok_or("row without entities")?
                .iter()
                .map(|e| {
                    let t = e["type"].as_str().unwrap_or("?").to_owned();
                    let s = e["start"].as_u64().unwrap_or(0) as usize;
                    let en = e["end"].as_u64().unwrap_or(0) as usize;
                    (t, s..en)
                })
                .collect();
            let pred: Vec<(String, Range<usize>)> = detector
                .find(text)
                .into_iter()
                .map(|f| (f.entity.name().to_owned(), f.span))
                .collect();
            for (t, span) in &pred {
                let hit = gold.iter().any(|(gt, gs)| gt == t && gs == span);
                let c = exact.entry(t.clone()).or_default();
                if hit {
                    c.tp += 1;
                } else {
                    c.fp += 1;
                    if show_errors {
                        println!(
                            "FP {t:<16} {:?} in {}: {:?}",
                            &text[span.clone()],
                            row["id"],
                            text
                        );
                    }
                }
                let l = loose.entry(t.clone()).or_default();
                if gold.iter().any(|(gt, gs)| gt == t && overlaps(gs, span)) {
                    l.tp += 1;
                } else {
                    l.fp += 1;
                }
            }
            for (t, span) in &gold {
                if !pred.iter().any(|(pt, ps)| pt == t && ps == span) {
                    exact.entry(t.clone()).or_default().fn_ += 1;
                    if show_errors {
                        let got: Vec<String> = pred
                            .iter()
                            .filter(|(_, ps)| overlaps(ps, span))
                            .map(|(pt, ps)| format!("{pt} {:?}", &text[ps.clone()]))
                            .collect();
                        println!(
                            "FN {t:<16} {:?} in {} (got {got:?}): {:?}",
                            &text[span.clone()],
                            row["id"],
                            text
                        );
                    }
                }
                if !pred.iter().any(|(pt, ps)| pt == t && overlaps(ps, span)) {
                    loose.entry(t.clone()).or_default().fn_ += 1;
                }
            }
        }
        println!("\n{path}: {rows} rows, {bytes} bytes");
        println!(
            "{:<16} {:>6} {:>5} {:>5} {:>9} {:>9}  target",
            "entity", "tp", "fp", "fn", "precision", "recall"
        );
        let mut heuristic = Vec::new();
        let mut all_met = true;
        for e in EntityType::BUILT_IN {
            let name = e.name().to_owned();
            let Some(c) = exact.get(&name).copied() else {
                continue;
            };
            if e.category() == Category::ContextPii {
                heuristic.push((e, c));
                continue;
            }
            let met = c.precision() >= 0.99 && c.recall() >= 0.99;
            all_met &= met;
            println!(
                "{:<16} {:>6} {:>5} {:>5} {:>8.2}% {:>8.2}%  {}",
                name,
                c.tp,
                c.fp,
                c.fn_,
                100.0 * c.precision(),
                100.0 * c.recall(),
                if met { "≥99/99 met" } else { "MISSED" }
            );
        }
        println!(
            "validated + secret types: {}",
            if all_met {
                "all meet ≥99% precision and recall"
            } else {
                "some MISS the ≥99% target"
            }
        );
        println!("\ncontext/heuristic types (no target; exact span | overlap):");
        for (e, c) in heuristic {
            let l = loose.get(e.name()).copied().unwrap_or_default();
            println!(
                "{:<16} {:>6} {:>5} {:>5} {:>8.2}% {:>8.2}%  | overlap P {:>6.2}% R {:>6.2}%",
                e.name(),
                c.tp,
                c.fp,
                c.fn_,
                100.0 * c.precision(),
                100.0 * c.recall(),
                100.0 * l.precision(),
                100.0 * l.recall()
            );
        }
    }
    Ok(())
}
