//! Prints every finding of the default detector, one line per input text, for differential
//! checks of detector changes (run before and after a change, then `diff` the outputs).
//!
//! `cargo run --release -p parapet-pii --example dump_findings -- tests/corpus/pii/dev.jsonl [--stress N]`
//!
//! `--stress N` adds N texts spliced from the corpus with random separators, digits, capitals
//! and punctuation (fixed seed), which exercise the scanners' edges more than clean sentences.

use parapet_pii::{Detector, DetectorConfig};
use std::fmt::Write as _;

/// xorshift64*: a fixed-seed generator, so every run produces the same texts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NOISE: &[&str] = &[
    " ",
    " ",
    "\n",
    ":",
    "::",
    "-",
    ".",
    ",",
    "@",
    "+",
    "(",
    ")",
    "/",
    "_",
    "'",
    "0",
    "1",
    "7",
    "9",
    "12",
    "255",
    "A",
    "B",
    "F",
    "Dr. ",
    "Mr ",
    "Jane ",
    "Roe",
    "de:ad:be:ef:00:",
    "fe80::",
    "0x",
    "bc1",
    "DE89 ",
    "é",
    "請",
    "Street",
    " St.",
    "born ",
    "my name is ",
    "ssn ",
    "call ",
    "password=",
    "sk-",
    "eyJ",
    "://",
    "x12",
    " ext. ",
];

fn stress(texts: &[String], n: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = String::new();
        for _ in 0..1 + rng.below(4) {
            let t = &texts[rng.below(texts.len())];
            let mut a = rng.below(t.len() + 1);
            let mut b = rng.below(t.len() + 1);
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            while !t.is_char_boundary(a) {
                a -= 1;
            }
            while !t.is_char_boundary(b) {
                b += 1;
            }
            s.push_str(&t[a..b]);
            for _ in 0..rng.below(4) {
                s.push_str(NOISE[rng.below(NOISE.len())]);
            }
        }
        out.push(s);
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut texts = Vec::new();
    let mut n_stress = 0;
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--stress" {
            n_stress = args.get(i + 1).ok_or("--stress N")?.parse()?;
            i += 2;
            continue;
        }
        for line in std::fs::read_to_string(&args[i])?.lines() {
            let v: serde_json::Value = serde_json::from_str(line)?;
            texts.push(v["text"].as_str().unwrap_or("").to_owned());
        }
        i += 1;
    }
    let extra = stress(&texts, n_stress);
    texts.extend(extra);
    let detector = Detector::new(&DetectorConfig::default())?;
    let mut out = String::new();
    for (n, t) in texts.iter().enumerate() {
        write!(out, "{n}")?;
        for f in detector.find(t) {
            write!(
                out,
                "\t{} {}..{} {} {}",
                f.entity,
                f.span.start,
                f.span.end,
                f.score,
                f.masked_excerpt()
            )?;
        }
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}
