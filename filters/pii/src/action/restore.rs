use super::token::TOKEN_HEX;
use super::TokenVault;
use std::sync::Arc;

/// Longest entity name in a token.
const MAX_NAME: usize = 40;
/// `<` + name + `_` + hex + `>`.
const MAX_TOKEN: usize = 1 + MAX_NAME + 1 + TOKEN_HEX + 1;

enum Scan {
    /// A whole token of this many bytes.
    Complete(usize),
    /// The text so far could still become a token.
    Prefix,
    NotToken,
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'
}

fn is_hex_lower(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}

/// Classifies the text starting at a `<`.
fn scan_token(s: &[u8]) -> Scan {
    let mut j = 1;
    while j < s.len() && j < MAX_TOKEN && s[j] != b'>' {
        if !(is_name_byte(s[j]) || is_hex_lower(s[j])) {
            return Scan::NotToken;
        }
        j += 1;
    }
    if j < s.len() && s[j] == b'>' {
        let c = &s[1..j];
        let n = c.len();
        let ok = n >= TOKEN_HEX + 2
            && c[n - TOKEN_HEX..].iter().all(|x| is_hex_lower(*x))
            && c[n - TOKEN_HEX - 1] == b'_'
            && crate::config::valid_entity_name(
                std::str::from_utf8(&c[..n - TOKEN_HEX - 1]).unwrap_or(""),
            );
        return if ok {
            Scan::Complete(j + 1)
        } else {
            Scan::NotToken
        };
    }
    if j >= MAX_TOKEN {
        return Scan::NotToken;
    }
    // Ran out of input: is `s[1..]` a prefix of NAME '_' HEX?
    let c = &s[1..];
    if c.is_empty() {
        return Scan::Prefix;
    }
    if !c[0].is_ascii_uppercase() {
        return Scan::NotToken;
    }
    match c.iter().position(|x| x.is_ascii_lowercase()) {
        None => Scan::Prefix,
        Some(_) => {
            let Some(u) = c.iter().rposition(|x| *x == b'_') else {
                return Scan::NotToken;
            };
            let name_ok = c[..u].iter().all(|x| is_name_byte(*x)) && u <= MAX_NAME;
            let hex = &c[u + 1..];
            if name_ok && hex.len() <= TOKEN_HEX && hex.iter().all(|x| is_hex_lower(*x)) {
                Scan::Prefix
            } else {
                Scan::NotToken
            }
        }
    }
}

/// Streaming token restorer: feed the model's output in chunks as they arrive; each `push`
/// returns the text that is final so far, with every token this vault issued replaced by its
/// value. Only a possible token prefix (at most 55 bytes, starting at `<`) is held back, so a
/// token split across any number of chunks is restored exactly as if it had arrived whole.
/// Tokens the vault did not issue (invented or mangled by the model) pass through unchanged.
#[derive(Debug)]
pub struct Restorer {
    vault: Arc<TokenVault>,
    pending: String,
    restored: usize,
}

impl Restorer {
    /// A restorer for tokens from `vault`.
    pub fn new(vault: Arc<TokenVault>) -> Restorer {
        Restorer {
            vault,
            pending: String::new(),
            restored: 0,
        }
    }

    /// Adds a chunk; returns the output that can be released now.
    pub fn push(&mut self, chunk: &str) -> String {
        self.pending.push_str(chunk);
        self.drain(false)
    }

    /// Ends the stream; returns whatever was held back (restoring a final complete token).
    pub fn finish(&mut self) -> String {
        self.drain(true)
    }

    /// Number of tokens restored so far.
    pub fn restored(&self) -> usize {
        self.restored
    }

    /// Bytes currently held back.
    pub fn held_back(&self) -> usize {
        self.pending.len()
    }

    fn drain(&mut self, finished: bool) -> String {
        let b = self.pending.as_bytes();
        let mut out = String::with_capacity(b.len());
        let mut emitted = 0;
        let mut i = 0;
        while let Some(p) = b[i..].iter().position(|c| *c == b'<').map(|p| p + i) {
            match scan_token(&b[p..]) {
                Scan::Complete(len) => {
                    let token = &self.pending[p..p + len];
                    if let Some(v) = self.vault.lookup(token) {
                        out.push_str(&self.pending[emitted..p]);
                        out.push_str(v);
                        emitted = p + len;
                        self.restored += 1;
                    }
                    i = p + len;
                }
                Scan::Prefix if !finished => {
                    out.push_str(&self.pending[emitted..p]);
                    self.pending.drain(..p);
                    return out;
                }
                Scan::Prefix | Scan::NotToken => i = p + 1,
            }
        }
        out.push_str(&self.pending[emitted..]);
        self.pending.clear();
        out
    }
}

/// A token of the vault found in a text (see [`TokenVault::find_tokens`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenMatch<'v> {
    /// Byte range of the token in the text (escaped delimiters included).
    pub range: std::ops::Range<usize>,
    /// The original value.
    pub value: &'v str,
}

impl TokenVault {
    /// Every token this vault issued that occurs whole in `text`, in order. Also recognises
    /// tokens whose `<`/`>` are written as JSON escapes (`\u003c…\u003e`), as they appear
    /// inside JSON-encoded tool-call arguments. Tokens the vault did not issue are ignored.
    pub fn find_tokens<'v>(&'v self, text: &str) -> Vec<TokenMatch<'v>> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let (open_len, escaped) = if b[i] == b'<' {
                (1, false)
            } else if b[i] == b'\\'
                && b.len() - i >= 6
                && b[i..i + 6].eq_ignore_ascii_case(b"\\u003c")
            {
                (6, true)
            } else {
                i += 1;
                continue;
            };
            let body_start = i + open_len;
            let mut j = body_start;
            while j < b.len()
                && j - body_start <= MAX_NAME + 1 + TOKEN_HEX
                && (is_name_byte(b[j]) || is_hex_lower(b[j]))
            {
                j += 1;
            }
            let close_len = if !escaped && j < b.len() && b[j] == b'>' {
                1
            } else if escaped && b.len() - j >= 6 && b[j..j + 6].eq_ignore_ascii_case(b"\\u003e") {
                6
            } else {
                0
            };
            if close_len > 0 {
                let token = format!("<{}>", &text[body_start..j]);
                if let Some(value) = self.lookup(&token) {
                    out.push(TokenMatch {
                        range: i..j + close_len,
                        value,
                    });
                    i = j + close_len;
                    continue;
                }
            }
            i += 1;
        }
        out
    }

    /// Bytes at the end of streamed `text` that may be the start of a token the model is still
    /// writing (`<`, or its JSON escape `\u003c`, then name and tag bytes): they must stay
    /// pending so the whole token can be restored when it completes. 0 when the text cannot
    /// end inside a token.
    pub fn unfinished_token_tail(text: &str) -> usize {
        const OPEN_ESCAPED: &[u8] = b"\\u003c";
        let b = text.as_bytes();
        // A partial escaped opener at the very end.
        let partial = (1..OPEN_ESCAPED.len())
            .rev()
            .find(|&k| b.len() >= k && b[b.len() - k..].eq_ignore_ascii_case(&OPEN_ESCAPED[..k]))
            .unwrap_or(0);
        // The last opener (plain or escaped) followed only by name and tag bytes.
        let body_ok = |from: usize| {
            b.len() - from <= MAX_NAME + 1 + TOKEN_HEX
                && b[from..]
                    .iter()
                    .all(|&c| is_name_byte(c) || is_hex_lower(c))
        };
        let from = b.len().saturating_sub(MAX_TOKEN + OPEN_ESCAPED.len());
        let plain = b[from..]
            .iter()
            .rposition(|&c| c == b'<')
            .map(|p| from + p)
            .filter(|&p| body_ok(p + 1))
            .map_or(0, |p| b.len() - p);
        let escaped = (from..b.len().saturating_sub(OPEN_ESCAPED.len() - 1))
            .rev()
            .find(|&q| b[q..q + OPEN_ESCAPED.len()].eq_ignore_ascii_case(OPEN_ESCAPED))
            .filter(|&q| body_ok(q + OPEN_ESCAPED.len()))
            .map_or(0, |q| b.len() - q);
        let opened = plain.max(escaped);
        opened.max(partial)
    }
}

/// Restores every token of `vault` in a complete text.
pub fn restore_all(vault: &Arc<TokenVault>, text: &str) -> String {
    let mut r = Restorer::new(Arc::clone(vault));
    let mut out = r.push(text);
    out.push_str(&r.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_token_at_the_end_stays_pending_and_nothing_else_does() {
        let tail = TokenVault::unfinished_token_tail;
        assert_eq!(tail("write to <EMAIL_3f9a"), "<EMAIL_3f9a".len());
        assert_eq!(tail("write to <"), 1);
        assert_eq!(tail("{\"to\":\"\\u003cEMAIL_3f"), "\\u003cEMAIL_3f".len());
        assert_eq!(tail("{\"to\":\"\\u00"), "\\u00".len());
        assert_eq!(tail("{\"to\":\"\\"), 1);
        // Closed tokens, plain words and upper-case words without an opener hold nothing.
        assert_eq!(tail("write to <EMAIL_3f9a1c2e4b5d>"), 0);
        assert_eq!(tail("the EMAIL_ADDRESS field"), 0);
        assert_eq!(tail("a < b and c"), 0);
        assert_eq!(tail(""), 0);
    }
}
