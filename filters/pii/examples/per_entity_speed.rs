//! Prints detection speed per enabled entity type on the dev corpus (a profiling aid).
//! `cargo run --release -p parapet-pii --example per_entity_speed`

use parapet_pii::{Detector, DetectorConfig, EntityType};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/corpus/pii/dev.jsonl"
    );
    let mut text = String::new();
    for line in std::fs::read_to_string(path)?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        text.push_str(v["text"].as_str().unwrap_or(""));
        text.push('\n');
    }
    for e in EntityType::BUILT_IN {
        let d = Detector::new(&DetectorConfig {
            entities: Some(vec![e.name().to_owned()]),
            ..Default::default()
        })?;
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..5 {
            n += d.find(&text).len();
        }
        let secs = t.elapsed().as_secs_f64() / 5.0;
        println!(
            "{:<16} {:>8.1} MB/s ({} findings)",
            e.name(),
            text.len() as f64 / secs / 1e6,
            n / 5
        );
    }
    Ok(())
}
