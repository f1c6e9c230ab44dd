//! Differential test: the detector finds exactly what it found before the scanners were
//! restructured for speed (issue 12) on the labelled corpus — every type, span and score,
//! false positives included, not only the labelled values the quality evaluation checks.
//!
//! `golden/corpus_findings.txt` was written by the byte-by-byte scanners (one line per text
//! with findings: index, then `TYPE start..end score` per finding). A change that is meant to
//! change findings regenerates it with `PARAPET_PII_BLESS=1 cargo test -p parapet-pii
//! --test same_findings` and shows the diff for review.

use parapet_pii::{Detector, DetectorConfig};

const CORPUS: [&str; 2] = ["dev.jsonl", "fresh.jsonl"];

fn corpus_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus/pii").to_owned()
}

fn golden_path() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/corpus_findings.txt"
    )
}

fn current_findings() -> String {
    let detector = Detector::new(&DetectorConfig::default()).expect("default config");
    let mut out = String::new();
    let mut n = 0;
    for file in CORPUS {
        let path = format!("{}/{file}", corpus_dir());
        let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in data.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("corpus row is JSON");
            let text = row["text"].as_str().expect("corpus row has text");
            let findings = detector.find(text);
            if !findings.is_empty() {
                out.push_str(&n.to_string());
                for f in findings {
                    out.push_str(&format!(
                        "\t{} {}..{} {}",
                        f.entity, f.span.start, f.span.end, f.score
                    ));
                }
                out.push('\n');
            }
            n += 1;
        }
    }
    out
}

#[test]
fn corpus_findings_are_unchanged() {
    let now = current_findings();
    if std::env::var_os("PARAPET_PII_BLESS").is_some() {
        std::fs::write(golden_path(), &now).expect("write golden file");
        return;
    }
    let golden = std::fs::read_to_string(golden_path()).expect("golden file");
    assert!(golden.lines().count() > 1000, "golden file looks truncated");
    for (i, (want, got)) in golden.lines().zip(now.lines()).enumerate() {
        assert_eq!(got, want, "first difference at golden line {}", i + 1);
    }
    assert_eq!(
        now.lines().count(),
        golden.lines().count(),
        "number of texts with findings"
    );
}
