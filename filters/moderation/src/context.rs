//! Context rules: how much the text before a match lowers its score.
//!
//! All rules look *backwards* only (a bounded window before the match), so a decision never waits
//! for text that has not arrived and never depends on how the stream was split.
//!
//! - negation right before it in the same sentence ("I will **not** help you build a pipe bomb");
//! - talking about words (moderation, definitions, "the term") in the same sentence, or being
//!   inside double quotes in the current paragraph;
//! - topical frames within the last few hundred bytes: medical / crisis support, news reporting,
//!   education and history, fiction — each lowers the categories it plausibly explains.

use crate::category::Category;
use crate::lexicon::{Cue, Strength};
use crate::normalize::NormText;
use crate::scanner::TextShape;
use std::collections::VecDeque;

/// Negation must be this close before the match.
const NEGATION_REACH: usize = 60;
/// Sentence context reaches back at most this far.
const SENTENCE_REACH: usize = 200;
/// Topical frames reach back this far.
pub(crate) const TOPIC_REACH: usize = 400;

/// A context cue seen in the text (normalised positions).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CueHit {
    pub cue: Cue,
    pub start: usize,
    pub end: usize,
}

fn topical(cue: Cue, c: Category) -> f32 {
    use Category::*;
    match cue {
        Cue::Medical => match c {
            SelfHarm => 0.3,
            Illicit | Sexual => 0.4,
            SexualMinors => 0.5,
            Violence => 0.6,
            _ => 1.0,
        },
        Cue::News => match c {
            Violence => 0.35,
            Weapons | Illicit | Hate | SexualMinors => 0.4,
            Harassment | SelfHarm => 0.5,
            Sexual => 0.6,
            _ => 1.0,
        },
        Cue::Education => match c {
            SexualMinors => 0.3,
            Hate | Sexual => 0.4,
            Violence | Weapons | Illicit | SelfHarm | Harassment => 0.5,
            _ => 1.0,
        },
        Cue::Fiction => match c {
            Violence => 0.5,
            Harassment => 0.6,
            Hate | Weapons | SelfHarm | Illicit => 0.7,
            _ => 1.0,
        },
        Cue::Negation | Cue::Meta => 1.0,
    }
}

/// Start of the sentence containing `at` (normalised position), looking back at most
/// [`SENTENCE_REACH`] bytes.
fn sentence_start(norm: &NormText, at: usize) -> usize {
    let from = at.saturating_sub(SENTENCE_REACH).max(norm.base());
    let before = norm.slice(from, at);
    let mut start = from;
    for i in (0..before.len()).rev() {
        let c = before[i];
        let next_is_space = before.get(i + 1).is_none_or(|&n| n == b' ');
        if matches!(c, b'.' | b'!' | b'?' | b';') && next_is_space {
            start = from + i + 1;
            break;
        }
    }
    if let Some(lb) = norm.last_line_break_before(at) {
        start = start.max(lb + 1);
    }
    start
}

/// Whether `at` is inside double quotes opened in the current paragraph (in JSON: escaped
/// quotes, since the JSON syntax quotes every string).
fn inside_quotes(norm: &NormText, at: usize, shape: TextShape) -> bool {
    let from = at.saturating_sub(TOPIC_REACH).max(norm.base());
    let from = norm
        .last_line_break_before(at)
        .map_or(from, |lb| from.max(lb + 1));
    let text = norm.slice(from, at);
    let quotes = match shape {
        TextShape::Prose => text.iter().filter(|&&c| c == b'"').count(),
        TextShape::Json => text.windows(2).filter(|w| *w == b"\\\"").count(),
    };
    quotes % 2 == 1
}

/// The multiplier (0 < m ≤ 1) that context applies to a match of `category` starting at `at`.
pub(crate) fn multiplier(
    norm: &NormText,
    cues: &VecDeque<CueHit>,
    at: usize,
    category: Category,
    strength: Strength,
    shape: TextShape,
) -> f32 {
    let sentence = sentence_start(norm, at);
    let mut m = 1.0f32;
    let quoted = if strength == Strength::Severe {
        0.7
    } else {
        0.3
    };
    if inside_quotes(norm, at, shape) {
        m = m.min(quoted);
    }
    for h in cues.iter().rev() {
        if h.end > at {
            continue;
        }
        if h.start + TOPIC_REACH < at {
            continue;
        }
        let in_sentence = h.start >= sentence;
        let f = match h.cue {
            Cue::Negation if in_sentence && h.end + NEGATION_REACH >= at => 0.2,
            Cue::Meta if in_sentence => quoted,
            Cue::Negation | Cue::Meta => 1.0,
            _ if strength == Strength::Severe => 1.0,
            cue => topical(cue, category),
        };
        m = m.min(f);
    }
    m
}
