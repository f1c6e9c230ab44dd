//! The text every Parapet benchmark body is made of.
//!
//! scripts/bench's requests and answers (bench/src/bodies.rs), the detector benches and the
//! timing examples all cut their text from [`prose`], so a figure from one compares with the
//! others: a detector's time on "the 2 KB chat request" is its time on the same bytes
//! everywhere.

/// Ordinary chat text: prose, a little code, a URL with a query, Spanish and Chinese; no PII,
/// no attack. What most traffic through a proxy looks like.
pub const PROSE: [&str; 8] = [
    "Could you help me rewrite the following paragraph so that it sounds friendlier? ",
    "Our quarterly revenue grew by 12% thanks to strong sales in Europe and Asia. ",
    "fn main() { let v: Vec<u32> = (0..10).collect(); println!(\"{:?}\", v); } ",
    "See https://docs.example.com/guide?section=intro for details. ",
    "Gracias por tu ayuda, nos vemos mañana en la oficina. ",
    "請幫我把這段文字翻譯成英文。 ",
    "The meeting is moved to Thursday at 3pm; please update the calendar invite. ",
    "Photosynthesis converts light energy into chemical energy inside the chloroplasts. ",
];

/// [`PROSE`]'s sentences in turn until the text is at least `bytes` long (it ends after a
/// whole sentence, so it may be up to one sentence longer).
pub fn prose(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 128);
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(PROSE[i % PROSE.len()]);
        i += 1;
    }
    s
}

/// The words of scripts/bench's streamed answer, one per SSE event: the first `n` words of
/// [`prose`], each with its trailing space.
pub fn stream_words(n: usize) -> Vec<String> {
    let text = prose(n * 6);
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    (0..n)
        .map(|i| {
            words
                .get(i % words.len().max(1))
                .copied()
                .unwrap_or("word ")
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_reaches_the_length_asked_in_whole_sentences() {
        for bytes in [0, 1, 100, 2048, 65536] {
            let s = prose(bytes);
            assert!(s.len() >= bytes);
            assert!(s.len() < bytes + PROSE.iter().map(|p| p.len()).max().unwrap_or(0));
            assert!(s.is_empty() || s.ends_with(' '));
        }
    }

    #[test]
    fn stream_words_are_the_prose_word_by_word() {
        let words = stream_words(198);
        assert_eq!(words.len(), 198);
        let text = prose(198 * 6);
        // From the start of the prose, starting over once its words run out.
        let whole: usize = text.split_inclusive(' ').count();
        assert!(text.starts_with(&words[..whole.min(198)].concat()));
        assert!(words
            .iter()
            .all(|w| !w.is_empty() && text.contains(w.as_str())));
    }
}
