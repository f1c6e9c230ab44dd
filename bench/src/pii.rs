//! Part 5 (Parapet's side): PII detection throughput and recall per entity type on the
//! labelled corpus, printed as JSON for scripts/bench to set next to Presidio's figures.
//!
//! A gold entity counts as found when a prediction of the same type overlaps it (the same
//! rule is applied to Presidio, whose spans can differ by a character or two).

use crate::measure::{seconds_per_call, Budget};
use parapet_pii::{Detector, DetectorConfig};
use std::collections::BTreeMap;

/// A labelled entity: type name, byte start, byte end.
type Gold = (String, usize, usize);

pub fn run(path: &str, budget: Budget) -> crate::Result<()> {
    let data = std::fs::read_to_string(path)?;
    let mut rows: Vec<(String, Vec<Gold>)> = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let text = v["text"].as_str().ok_or("row without text")?.to_owned();
        let gold = v["entities"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["type"].as_str().unwrap_or("?").to_owned(),
                            e["start"].as_u64().unwrap_or(0) as usize,
                            e["end"].as_u64().unwrap_or(0) as usize,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        rows.push((text, gold));
    }
    let detector = Detector::new(&DetectorConfig::default())?;
    let bytes: usize = rows.iter().map(|(t, _)| t.len()).sum();
    // Throughput: every row scanned on its own (as a proxy scans each message).
    let secs = seconds_per_call(budget, || {
        rows.iter()
            .map(|(t, _)| detector.find(t).len())
            .sum::<usize>()
    });
    let mut found: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (text, gold) in &rows {
        let pred = detector.find(text);
        for (t, s, e) in gold {
            let hit = pred
                .iter()
                .any(|p| p.entity.name() == t && p.span.start < *e && *s < p.span.end);
            let c = found.entry(t.clone()).or_default();
            c.1 += 1;
            if hit {
                c.0 += 1;
            }
        }
    }
    let recall: serde_json::Map<String, serde_json::Value> = found
        .into_iter()
        .map(|(t, (hit, total))| (t, serde_json::json!({"found": hit, "total": total})))
        .collect();
    println!(
        "{}",
        serde_json::json!({"rows": rows.len(), "bytes": bytes, "seconds": secs, "recall": recall})
    );
    Ok(())
}
