//! The vocabulary of an assessment: categories, sources, hits, flags and verdicts.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// What kind of attack a signal points at. Scores are kept per category and then combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// "ignore/disregard/forget the previous instructions" and paraphrases.
    InstructionOverride,
    /// "you are now", DAN / developer-mode families, "pretend you have no restrictions".
    RoleHijack,
    /// "repeat the text above", "print your instructions".
    SystemPromptExtraction,
    /// Fake chat-template and delimiter tokens (`<|im_start|>system`, `[INST]`, `</system>`).
    Delimiter,
    /// Data exfiltration: markdown images/links with query strings, "send the conversation to".
    Exfiltration,
    /// A payload hidden in base64/hex/URL-encoding/ROT13, or an order to decode and obey.
    Encoding,
    /// Invisible characters: Unicode tag block (ASCII smuggling), bidi overrides, zero-width splits.
    InvisibleText,
    /// Token flooding and many-shot fake dialogues.
    Flooding,
    /// Optimizer-made gibberish suffixes (GCG-style).
    AdversarialSuffix,
    /// Operator-configured deny phrases and regexes.
    Custom,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 10] = [
        Category::InstructionOverride,
        Category::RoleHijack,
        Category::SystemPromptExtraction,
        Category::Delimiter,
        Category::Exfiltration,
        Category::Encoding,
        Category::InvisibleText,
        Category::Flooding,
        Category::AdversarialSuffix,
        Category::Custom,
    ];

    /// The snake_case name used in config, events and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::InstructionOverride => "instruction_override",
            Category::RoleHijack => "role_hijack",
            Category::SystemPromptExtraction => "system_prompt_extraction",
            Category::Delimiter => "delimiter",
            Category::Exfiltration => "exfiltration",
            Category::Encoding => "encoding",
            Category::InvisibleText => "invisible_text",
            Category::Flooding => "flooding",
            Category::AdversarialSuffix => "adversarial_suffix",
            Category::Custom => "custom",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Hand-written: a plain `enum` of the names, so that maps keyed by category (`categories`) get
/// one property per name and refuse other keys (a derived schema documents each variant with
/// `oneOf`, which schemars cannot turn into property names).
#[cfg(feature = "config-schema")]
impl schemars::JsonSchema for Category {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Category".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({"type": "string", "enum": names})
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a text segment came from. Indirect content (tool results, retrieved documents) is not
/// written by the user and gets its own, stricter thresholds.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A message typed by the end user.
    User,
    /// Tool/function results, retrieved documents and other indirect content.
    Tool,
    /// System or developer prompts (written by the application owner).
    System,
    /// Earlier assistant turns replayed in the conversation.
    Assistant,
}

impl Source {
    /// The snake_case name used in config and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::User => "user",
            Source::Tool => "tool",
            Source::System => "system",
            Source::Assistant => "assistant",
        }
    }
}

/// How a hit's text was reached: directly, or by decoding an embedded payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Plain,
    Base64,
    Hex,
    UrlEncoding,
    Rot13,
    /// Unicode tag characters (U+E0000–E007F) read as ASCII.
    TagSmuggling,
    /// Bytes hidden in variation selectors.
    VariationSelectors,
}

/// One matched signal. `span` is a byte range in the ORIGINAL text (for hits inside a decoded
/// payload: the span of the encoded run). Hits never carry the matched text itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    pub rule_id: String,
    pub category: Category,
    pub span: Range<usize>,
    /// The weight that counted towards the score (after context dampening).
    pub weight: f32,
    pub via: Via,
    /// Index of the segment in `inspect_conversation`; 0 for `inspect`.
    pub segment: usize,
}

/// Observations about the text that are not themselves attacks but explain a score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// Zero-width characters were removed.
    pub zero_width: bool,
    /// Bidi control characters were removed.
    pub bidi_controls: bool,
    /// Unicode tag characters were found (and decoded as ASCII).
    pub tag_characters: bool,
    /// Variation selectors outside ordinary emoji use were found.
    pub variation_selectors: bool,
    /// Words mixing Latin with Cyrillic/Greek look-alikes were folded.
    pub mixed_script: bool,
    /// Leetspeak words were folded.
    pub leetspeak: bool,
    /// Spaced-out or punctuated single letters were joined.
    pub spaced_letters: bool,
    /// Embedded encodings were decoded and re-scanned.
    pub decoded_payload: bool,
    /// The text was longer than `max_scan_bytes`; only head and tail were scanned.
    pub truncated: bool,
    /// An allow-list entry suppressed at least one hit.
    pub allow_listed: bool,
}

impl Flags {
    pub(crate) fn merge(&mut self, o: &Flags) {
        self.zero_width |= o.zero_width;
        self.bidi_controls |= o.bidi_controls;
        self.tag_characters |= o.tag_characters;
        self.variation_selectors |= o.variation_selectors;
        self.mixed_script |= o.mixed_script;
        self.leetspeak |= o.leetspeak;
        self.spaced_letters |= o.spaced_letters;
        self.decoded_payload |= o.decoded_payload;
        self.truncated |= o.truncated;
        self.allow_listed |= o.allow_listed;
    }

    /// Names of the flags that are set, for events.
    pub fn names(&self) -> Vec<&'static str> {
        let all = [
            (self.zero_width, "zero_width"),
            (self.bidi_controls, "bidi_controls"),
            (self.tag_characters, "tag_characters"),
            (self.variation_selectors, "variation_selectors"),
            (self.mixed_script, "mixed_script"),
            (self.leetspeak, "leetspeak"),
            (self.spaced_letters, "spaced_letters"),
            (self.decoded_payload, "decoded_payload"),
            (self.truncated, "truncated"),
            (self.allow_listed, "allow_listed"),
        ];
        all.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect()
    }
}

/// What the configured thresholds say about an assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Monitor,
    Block,
}

/// The result of inspecting one text (or a conversation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment {
    /// Combined risk in `[0, 1]`.
    pub score: f32,
    /// Per-category scores in `[0, 1]`, only categories with a score above zero.
    pub categories: Vec<(Category, f32)>,
    pub hits: Vec<Hit>,
    pub flags: Flags,
    /// The verdict under the thresholds of the source the text came from.
    pub verdict: Verdict,
    /// Bytes actually scanned (after the `max_scan_bytes` cut).
    pub bytes_scanned: usize,
}

impl Assessment {
    /// The score of one category (0 when it did not fire).
    pub fn category_score(&self, c: Category) -> f32 {
        self.categories
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, s)| *s)
            .unwrap_or(0.0)
    }

    /// Distinct rule ids that fired, in first-seen order.
    pub fn rule_ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for h in &self.hits {
            if !out.contains(&h.rule_id.as_str()) {
                out.push(&h.rule_id);
            }
        }
        out
    }
}

/// One message of a conversation for [`crate::Inspector::inspect_conversation`].
#[derive(Clone, Copy, Debug)]
pub struct Segment<'a> {
    pub text: &'a str,
    pub source: Source,
}
