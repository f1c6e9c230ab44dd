//! What the scanner reports.

use crate::category::{Action, Category};

/// One detection in the output.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub category: Category,
    /// Stable rule id, e.g. `violence.lexicon.4`, `sexual_minors.pair.sexual_with_minor`,
    /// `exfiltration.image`, `prompt_leak.canary`.
    pub rule: String,
    /// The configured action for this finding (applied unless the scanner is in monitor mode).
    pub action: Action,
    /// Byte span in the whole output text (all text pushed to the scanner so far).
    pub start: usize,
    pub end: usize,
    /// Score after context (harm categories: the window total that reached the threshold).
    pub score: f32,
    /// A masked excerpt safe for logs: never the raw text of a secret, slur or prompt.
    pub excerpt: String,
}

/// Masks text for logs: first character of each word kept, other letters and digits as `*`,
/// at most 48 characters.
pub(crate) fn mask_words(text: &str) -> String {
    let mut out = String::new();
    let mut word_start = true;
    for c in text.chars().take(48) {
        if c.is_alphanumeric() {
            out.push(if word_start { c } else { '*' });
            word_start = false;
        } else {
            out.push(if c.is_whitespace() { ' ' } else { c });
            word_start = true;
        }
    }
    out
}

/// Masks a URL for logs: scheme and host only.
pub(crate) fn mask_url(host: Option<&str>) -> String {
    match host {
        Some(h) => format!("{h}/…"),
        None => "data:…".to_string(),
    }
}
