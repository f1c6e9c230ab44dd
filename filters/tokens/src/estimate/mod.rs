//! Token estimation without a vocabulary.
//!
//! OpenAI's o200k and cl100k tokenizers first split text into *pieces* with a regular expression
//! (words with one leading space or punctuation character, digit groups of at most three,
//! punctuation runs, whitespace runs) and then run BPE inside each piece. The estimator does the
//! first step faithfully ([`scan`]) and replaces the second by a per-piece cost model
//! ([`cost`]) tuned against the real tokenizers: common short words are one token, long words,
//! non-Latin scripts, CJK and emoji cost more per character.
//!
//! Why not the exact tokenizer: the o200k vocabulary compiled into a wasm module is about 4.8 MB
//! (measured: a cdylib with `tiktoken-rs` for wasm32-wasip1, `opt-level = "s"`, LTO) and every VM
//! has to build a 200k-entry map at start; the estimator is a few kilobytes and allocation free.
//! Admission only needs an upper bound, and the exact count arrives with the response's usage
//! anyway, so the estimator is deliberately biased high (see the README for measured error).
//!
//! ```
//! use parapet_tokens::{estimate_tokens, Encoding};
//! let n = estimate_tokens("Hello, world! How are you today?", Encoding::O200k);
//! assert!((8..=12).contains(&n)); // the exact o200k count is 9
//! ```

pub(crate) mod cost;
pub(crate) mod scan;

/// Which tokenizer family to estimate for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// OpenAI o200k_base: gpt-4o, gpt-4.1, gpt-5, o1/o3/o4 families.
    O200k,
    /// OpenAI cl100k_base: gpt-4, gpt-3.5-turbo, text-embedding-3.
    Cl100k,
    /// Any other model (Anthropic, Gemini, Llama, Mistral, ...): the cl100k estimate plus a
    /// margin, because those tokenizers are not public or not measured here. Never below cl100k.
    Generic,
}

impl Encoding {
    /// Picks the encoding for a model name as it appears in a request (`gpt-4o-mini`,
    /// `openai/gpt-4.1`, `claude-sonnet-4`, ...). Unknown names get [`Encoding::Generic`].
    pub fn for_model(model: &str) -> Encoding {
        let m = model
            .rsplit('/')
            .next()
            .unwrap_or(model)
            .to_ascii_lowercase();
        let starts = |p: &str| m.starts_with(p);
        if starts("gpt-4o")
            || starts("gpt-4.1")
            || starts("gpt-4.5")
            || starts("gpt-5")
            || starts("chatgpt-4o")
            || starts("o1")
            || starts("o3")
            || starts("o4")
            || starts("gpt-oss")
        {
            Encoding::O200k
        } else if starts("gpt-4") || starts("gpt-3.5") || starts("text-embedding-3") {
            Encoding::Cl100k
        } else {
            Encoding::Generic
        }
    }
}

/// Estimated token count of `text` for `encoding`, biased to err high.
///
/// Splitting a text and summing the estimates of the parts never gives less than (and usually
/// gives a little more than) estimating the whole, so counting a stream delta by delta stays an
/// upper-bound estimate.
pub fn estimate_tokens(text: &str, encoding: Encoding) -> u64 {
    let mut total = Total {
        model: cost::CostModel::for_encoding(encoding),
        milli: 0,
    };
    scan::for_each_piece_at(text, encoding, &mut total);
    total.model.finish(total.milli)
}

/// Sums the cost of the pieces.
struct Total {
    model: &'static cost::CostModel,
    milli: u64,
}

impl scan::PieceSink for Total {
    #[inline(always)]
    fn piece(&mut self, p: scan::Piece, _start: usize) {
        self.milli += self.model.piece_cost_milli(&p);
    }
}

/// Tokens OpenAI adds around each chat message (role and separators) in its chat format.
pub const MESSAGE_OVERHEAD_TOKENS: u64 = 4;
/// Tokens OpenAI adds once per chat request to prime the assistant's reply.
pub const REPLY_PRIMING_TOKENS: u64 = 3;

/// Accumulates a prompt estimate from several texts (messages, tool definitions, ...).
///
/// ```
/// use parapet_tokens::{Encoding, PromptEstimate};
/// let mut p = PromptEstimate::new(Encoding::O200k);
/// p.add_message("You are terse.");
/// p.add_message("What is 2+2?");
/// assert!(p.tokens() >= 15);
/// ```
#[derive(Debug, Clone)]
pub struct PromptEstimate {
    encoding: Encoding,
    tokens: u64,
    messages: u64,
}

impl PromptEstimate {
    /// An empty estimate.
    pub fn new(encoding: Encoding) -> Self {
        PromptEstimate {
            encoding,
            tokens: 0,
            messages: 0,
        }
    }

    /// Adds one chat message's text (all its text parts joined or added one by one with
    /// [`PromptEstimate::add_text`]) plus the per-message overhead.
    pub fn add_message(&mut self, text: &str) {
        self.messages += 1;
        self.tokens += MESSAGE_OVERHEAD_TOKENS + estimate_tokens(text, self.encoding);
    }

    /// Adds text that is not a message of its own (a further part, a tool schema, ...).
    pub fn add_text(&mut self, text: &str) {
        self.tokens += estimate_tokens(text, self.encoding);
    }

    /// The estimate so far: text, message overheads and, when any message was added, the reply
    /// priming.
    pub fn tokens(&self) -> u64 {
        let priming = if self.messages > 0 {
            REPLY_PRIMING_TOKENS
        } else {
            0
        };
        self.tokens + priming
    }
}

/// Counts output tokens of a stream from its text deltas, delta by delta.
///
/// The count is the same however the text is split into deltas: it always equals
/// [`estimate_tokens`] of everything added so far (providers split deltas anywhere, often inside
/// a word, and estimating every delta on its own would count a word cut in three as three
/// words — 2–3× too many tokens, which would end streams early). Pieces that later text can no
/// longer change are costed once; the tail that still can (the last piece and the whitespace
/// before it) is kept and re-costed with the next delta. A tail longer than [`MAX_PENDING_BYTES`]
/// (one huge "word") is costed as it stands, so work per delta stays bounded; that is the only
/// case where a split can raise the count.
///
/// ```
/// use parapet_tokens::{estimate_tokens, Encoding, StreamCounter};
/// let text = "The lighthouse keeper counted the ships.";
/// let mut c = StreamCounter::new(Encoding::O200k);
/// for piece in ["The light", "house kee", "per counted the sh", "ips."] {
///     c.add(piece);
/// }
/// assert_eq!(c.tokens(), estimate_tokens(text, Encoding::O200k));
/// ```
#[derive(Debug, Clone)]
pub struct StreamCounter {
    encoding: Encoding,
    /// Cost of the pieces that are final, in milli-tokens before the margin.
    settled_milli: u64,
    /// Text whose pieces may still change with the next delta.
    pending: String,
    /// Cost of `pending` as it stands.
    pending_milli: u64,
}

/// Splits the pieces of [`StreamCounter`]'s pending text as they come: the last piece can grow,
/// and whitespace right before it can regroup with later whitespace (`\n` + `  ` + `\n` is one
/// piece), so that tail stays pending; everything before it is final.
struct Tail {
    model: &'static cost::CostModel,
    /// Cost of the pieces before the tail.
    settled_milli: u64,
    /// Where the tail starts, and its cost.
    start: usize,
    milli: u64,
    /// Whether the last piece is whitespace (then the tail is all whitespace).
    blank: bool,
}

impl scan::PieceSink for Tail {
    #[inline(always)]
    fn piece(&mut self, p: scan::Piece, start: usize) {
        let cost = self.model.piece_cost_milli(&p);
        if !self.blank {
            self.settled_milli += self.milli;
            self.start = start;
            self.milli = 0;
        }
        self.milli += cost;
        self.blank = matches!(
            p.kind,
            Some(scan::PieceKind::Space | scan::PieceKind::Newline)
        );
    }
}

/// Longest tail [`StreamCounter`] keeps waiting for more text.
pub const MAX_PENDING_BYTES: usize = 256;

impl StreamCounter {
    /// A counter at zero.
    pub fn new(encoding: Encoding) -> Self {
        StreamCounter {
            encoding,
            settled_milli: 0,
            pending: String::new(),
            pending_milli: 0,
        }
    }

    /// Adds one delta; returns the running total.
    pub fn add(&mut self, delta: &str) -> u64 {
        if delta.is_empty() {
            return self.tokens();
        }
        self.pending.push_str(delta);
        let mut tail = Tail {
            model: cost::CostModel::for_encoding(self.encoding),
            settled_milli: 0,
            start: 0,
            milli: 0,
            blank: false,
        };
        scan::for_each_piece_at(&self.pending, self.encoding, &mut tail);
        let mut cut = tail.start;
        if self.pending.len() - tail.start > MAX_PENDING_BYTES {
            tail.settled_milli += tail.milli;
            tail.milli = 0;
            cut = self.pending.len();
        }
        self.settled_milli += tail.settled_milli;
        self.pending_milli = tail.milli;
        self.pending.drain(..cut);
        self.tokens()
    }

    /// The running total.
    pub fn tokens(&self) -> u64 {
        cost::CostModel::for_encoding(self.encoding).finish(self.settled_milli + self.pending_milli)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_map_to_encodings() {
        assert_eq!(Encoding::for_model("gpt-4o-mini"), Encoding::O200k);
        assert_eq!(Encoding::for_model("openai/gpt-4.1"), Encoding::O200k);
        assert_eq!(Encoding::for_model("o3-mini"), Encoding::O200k);
        assert_eq!(Encoding::for_model("GPT-5"), Encoding::O200k);
        assert_eq!(Encoding::for_model("gpt-4-turbo"), Encoding::Cl100k);
        assert_eq!(Encoding::for_model("gpt-3.5-turbo"), Encoding::Cl100k);
        assert_eq!(Encoding::for_model("claude-sonnet-4"), Encoding::Generic);
        assert_eq!(Encoding::for_model(""), Encoding::Generic);
    }

    #[test]
    fn empty_text_is_zero_tokens() {
        for e in [Encoding::O200k, Encoding::Cl100k, Encoding::Generic] {
            assert_eq!(estimate_tokens("", e), 0);
        }
    }

    #[test]
    fn digits_are_grouped_by_three() {
        // "1234567" is exactly three tokens in both OpenAI encodings: 123|456|7.
        assert!(estimate_tokens("1234567", Encoding::O200k) >= 3);
        assert!(estimate_tokens("1234567", Encoding::O200k) <= 4);
    }

    #[test]
    fn generic_is_never_below_cl100k() {
        for t in [
            "hello world",
            "日本語のテキスト",
            "fn main() { println!(\"x\"); }",
            "🙂🙂🙂",
        ] {
            assert!(estimate_tokens(t, Encoding::Generic) >= estimate_tokens(t, Encoding::Cl100k));
        }
    }

    #[test]
    fn splitting_never_lowers_the_estimate() {
        let text = "The quick brown fox jumps over the lazy dog; 東京は晴れ 🙂 {\"a\": [1, 2]}";
        let whole = estimate_tokens(text, Encoding::O200k);
        for (i, _) in text.char_indices().skip(1) {
            let (a, b) = text.split_at(i);
            let parts = estimate_tokens(a, Encoding::O200k) + estimate_tokens(b, Encoding::O200k);
            assert!(parts >= whole, "split at {i}: {parts} < {whole}");
        }
    }

    #[test]
    fn stream_counter_is_the_same_at_every_split_point() {
        let texts = [
            "The quick brown fox jumps over the lazy dog; 東京は晴れ 🙂 {\"a\": [1, 2]}",
            "line one\n  \n\tline  two   \r\n12345 camelCaseWord it's ... /path/x",
            "hello hello hello hello hello hello hello hello",
        ];
        for text in texts {
            for e in [Encoding::O200k, Encoding::Cl100k, Encoding::Generic] {
                let whole = estimate_tokens(text, e);
                for (i, _) in text.char_indices().skip(1) {
                    let mut c = StreamCounter::new(e);
                    c.add(&text[..i]);
                    assert_eq!(c.add(&text[i..]), whole, "{e:?} split at {i} of {text:?}");
                }
                for n in 1..12 {
                    let chars: Vec<char> = text.chars().collect();
                    let mut c = StreamCounter::new(e);
                    for chunk in chars.chunks(n) {
                        c.add(&chunk.iter().collect::<String>());
                    }
                    assert_eq!(c.tokens(), whole, "{e:?} chunks of {n} chars of {text:?}");
                }
            }
        }
    }

    #[test]
    fn stream_counter_bounds_the_pending_tail() {
        let long = "x".repeat(10 * MAX_PENDING_BYTES);
        let mut c = StreamCounter::new(Encoding::O200k);
        for ch in long.as_bytes().chunks(7) {
            c.add(std::str::from_utf8(ch).unwrap_or(""));
            assert!(c.pending.len() <= MAX_PENDING_BYTES + 7);
        }
        // Costed in pieces of about MAX_PENDING_BYTES: close to the whole, not equal.
        let (got, whole) = (c.tokens(), estimate_tokens(&long, Encoding::O200k));
        assert!(got.abs_diff(whole) * 10 <= whole, "{got} vs {whole}");
    }

    #[test]
    fn stream_counter_sums_deltas() {
        let mut c = StreamCounter::new(Encoding::O200k);
        c.add("Hello");
        c.add("");
        let total = c.add(" world");
        assert_eq!(total, c.tokens());
        assert!(total >= 2);
    }

    #[test]
    fn prompt_estimate_counts_overheads() {
        let mut p = PromptEstimate::new(Encoding::O200k);
        assert_eq!(p.tokens(), 0);
        p.add_message("");
        assert_eq!(p.tokens(), MESSAGE_OVERHEAD_TOKENS + REPLY_PRIMING_TOKENS);
        p.add_text("hi");
        assert!(p.tokens() > MESSAGE_OVERHEAD_TOKENS + REPLY_PRIMING_TOKENS);
    }
}
