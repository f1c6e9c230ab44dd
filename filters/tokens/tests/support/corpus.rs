//! The text set used to measure the estimator against the real tokenizers.
//!
//! Hand-written samples per category (`tests/corpus/*.txt`, samples separated by `===` lines)
//! plus deterministic synthetic ones (random JSON, identifiers, numbers, mixed scripts), so the
//! measurement covers shapes nobody thought to write down.
#![allow(dead_code)]

/// One sample: category and text.
pub struct Sample {
    pub category: &'static str,
    pub text: String,
}

const FILES: &[(&str, &str)] = &[
    ("english", include_str!("../corpus/english.txt")),
    ("code", include_str!("../corpus/code.txt")),
    ("cjk", include_str!("../corpus/cjk.txt")),
    ("emoji", include_str!("../corpus/emoji.txt")),
    ("multilingual", include_str!("../corpus/multilingual.txt")),
    ("json", include_str!("../corpus/json.txt")),
    ("other", include_str!("../corpus/other.txt")),
];

const WORDS: &[&str] = &[
    "the",
    "model",
    "request",
    "token",
    "budget",
    "reservation",
    "stream",
    "customer",
    "invoice",
    "temperature",
    "København",
    "naïve",
    "résumé",
    "东京",
    "データ",
    "안녕",
    "🙂",
    "x",
    "id",
    "userName",
    "max_tokens",
    "HTTPServer",
    "parseJSON",
    "2026",
    "3.14",
    "-",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    ".",
    "\"",
    "'",
    "\n",
    "\t",
    "    ",
    "internationalization",
    "ok",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, good enough to shuffle words.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn synthetic_json(rng: &mut Rng, depth: u32) -> String {
    let mut s = String::from("{");
    let n = 1 + rng.below(5);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('"');
        s.push_str(WORDS[rng.below(20)]);
        s.push_str("\": ");
        match rng.below(4) {
            0 if depth < 3 => s.push_str(&synthetic_json(rng, depth + 1)),
            1 => s.push_str(&rng.below(1_000_000).to_string()),
            2 => s.push_str("[true, false, null]"),
            _ => {
                s.push('"');
                for _ in 0..1 + rng.below(6) {
                    s.push_str(WORDS[rng.below(WORDS.len())]);
                    s.push(' ');
                }
                s.push('"');
            }
        }
    }
    s.push('}');
    s
}

fn synthetic_words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(WORDS[rng.below(WORDS.len())]);
        if rng.below(3) > 0 {
            s.push(' ');
        }
    }
    s
}

/// Every sample, hand-written first.
pub fn samples() -> Vec<Sample> {
    let mut v = Vec::new();
    for (category, file) in FILES {
        for text in file.split("\n===\n") {
            let text = text.trim_end_matches('\n');
            if !text.is_empty() {
                v.push(Sample {
                    category,
                    text: text.to_string(),
                });
            }
        }
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20 {
        v.push(Sample {
            category: "json",
            text: synthetic_json(&mut rng, 0),
        });
    }
    for n in [3usize, 8, 20, 50, 120] {
        for _ in 0..4 {
            v.push(Sample {
                category: "mixed",
                text: synthetic_words(&mut rng, n),
            });
        }
    }
    for _ in 0..6 {
        let hex: String = (0..64)
            .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
            .collect();
        v.push(Sample {
            category: "other",
            text: hex,
        });
    }
    v
}
