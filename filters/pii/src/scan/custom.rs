//! Custom entities from the configuration: a `regex-lite` pattern (linear time), an optional
//! validator and optional context words that must appear near the match.

use super::Candidate;
use crate::entity::EntityType;
use crate::validate::ValidatorKind;

/// A compiled custom entity.
#[derive(Debug)]
pub(crate) struct CustomScanner {
    pub entity: EntityType,
    pub regex: regex_lite::Regex,
    pub validator: Option<ValidatorKind>,
    pub context: Vec<String>,
    pub context_window: usize,
    pub score: f32,
}

impl CustomScanner {
    pub fn scan(&self, text: &str, out: &mut Vec<Candidate>) {
        let words: Vec<&str> = self.context.iter().map(String::as_str).collect();
        for m in self.regex.find_iter(text) {
            if m.start() == m.end() {
                continue;
            }
            if let Some(v) = self.validator {
                if !v.check(m.as_str()) {
                    continue;
                }
            }
            if !words.is_empty()
                && !crate::text::has_context(text, m.start(), m.end(), self.context_window, &words)
            {
                continue;
            }
            out.push(Candidate::new(
                self.entity.clone(),
                m.start(),
                m.end(),
                self.score,
            ));
        }
    }
}
