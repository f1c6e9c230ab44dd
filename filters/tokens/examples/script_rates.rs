//! Tokens per character of single-script texts, used to fit the cost model:
//! `cargo run --release -p parapet-tokens --example script_rates`.

#[path = "../tests/support/corpus.rs"]
mod corpus;

type Script = (&'static str, fn(char) -> bool);

fn main() {
    let o = tiktoken_rs::o200k_base_singleton();
    let c = tiktoken_rs::cl100k_base_singleton();
    let samples = corpus::samples();
    let scripts: &[Script] = &[
        ("han", |ch| ('\u{4E00}'..='\u{9FFF}').contains(&ch)),
        ("kana", |ch| ('\u{3040}'..='\u{30FF}').contains(&ch)),
        ("hangul", |ch| ('\u{AC00}'..='\u{D7AF}').contains(&ch)),
        ("cyrillic", |ch| ('\u{0400}'..='\u{04FF}').contains(&ch)),
        ("greek", |ch| ('\u{0370}'..='\u{03FF}').contains(&ch)),
        ("arabic", |ch| ('\u{0600}'..='\u{06FF}').contains(&ch)),
        ("devanagari", |ch| ('\u{0900}'..='\u{097F}').contains(&ch)),
        ("latin-ext", |ch| ('\u{00C0}'..='\u{024F}').contains(&ch)),
    ];
    for (name, f) in scripts {
        // Words made only of this script, joined by spaces, as they appear in the corpus.
        let mut words = Vec::new();
        for s in &samples {
            for w in s.text.split(|ch: char| !ch.is_alphabetic() && !f(ch)) {
                if !w.is_empty()
                    && w.chars().all(|ch| f(ch) || ch.is_ascii_alphabetic())
                    && w.chars().any(f)
                {
                    words.push(w.to_string());
                }
            }
        }
        let chars: usize = words
            .iter()
            .map(|w| w.chars().filter(|&ch| f(ch)).count())
            .sum();
        let ascii: usize = words
            .iter()
            .map(|w| w.chars().filter(|ch| ch.is_ascii()).count())
            .sum();
        let to = |b: &tiktoken_rs::CoreBPE| -> usize {
            words
                .iter()
                .map(|w| b.encode_ordinary(&format!(" {w}")).len())
                .sum()
        };
        println!("{name:12} words {:4} chars {:5} ascii {:4} o200k {:5} ({:.2}/char) cl100k {:5} ({:.2}/char)",
            words.len(), chars, ascii, to(o), to(o) as f64 / chars as f64, to(c), to(c) as f64 / chars as f64);
    }
    for t in ["🙂", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "☀️", "→", "—", "“", "。", "、", "°"]
    {
        println!(
            "{t:6} o200k {} cl100k {}",
            o.encode_ordinary(t).len(),
            c.encode_ordinary(t).len()
        );
    }
    // ASCII words by length.
    let mut by_len = std::collections::BTreeMap::<usize, (usize, usize, usize)>::new();
    for s in &samples {
        for w in s.text.split(|ch: char| !ch.is_ascii_alphabetic()) {
            if w.len() >= 2 && w.chars().skip(1).all(|ch| ch.is_ascii_lowercase()) {
                let e = by_len.entry(w.len().min(20)).or_default();
                e.0 += 1;
                e.1 += o.encode_ordinary(&format!(" {w}")).len();
                e.2 += c.encode_ordinary(&format!(" {w}")).len();
            }
        }
    }
    for (len, (n, to, tc)) in by_len {
        println!(
            "len {len:2}: n {n:4} o200k {:.2} cl100k {:.2}",
            to as f64 / n as f64,
            tc as f64 / n as f64
        );
    }
}
