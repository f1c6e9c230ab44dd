//! What a finding is about (`Category`) and what the filter does about it (`Action`).

use serde::Deserialize;
use std::fmt;

/// Every kind of thing the moderation detector reports.
///
/// The harmful-content categories follow the common moderation taxonomies (OpenAI moderation,
/// Llama Guard); the others are the output risks specific to LLM gateways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Hate,
    Harassment,
    Violence,
    SelfHarm,
    Sexual,
    /// Sexual content involving minors: always blocked, whatever the configuration says.
    SexualMinors,
    Weapons,
    /// Illicit drugs and other crime instructions.
    Illicit,
    /// A canary token or a long verbatim run of the system prompt in the output.
    PromptLeak,
    /// Markdown/HTML images or links, or raw URLs, that carry data to a host outside the allow-list.
    Exfiltration,
    /// An image outside the allow-list that carries no visible data (still fetched on render).
    UntrustedLink,
    /// A `data:` URI (inline payloads renderers execute or display).
    DataUri,
    /// Dangerous shell in code (`curl … | sh`, `rm -rf /`).
    DangerousShell,
}

impl Category {
    /// All categories, in a stable order (the order of the config keys in the docs).
    pub const ALL: [Category; 13] = [
        Category::Hate,
        Category::Harassment,
        Category::Violence,
        Category::SelfHarm,
        Category::Sexual,
        Category::SexualMinors,
        Category::Weapons,
        Category::Illicit,
        Category::PromptLeak,
        Category::Exfiltration,
        Category::UntrustedLink,
        Category::DataUri,
        Category::DangerousShell,
    ];

    /// The eight harmful-content categories scored from the lexicon.
    pub const HARM: [Category; 8] = [
        Category::Hate,
        Category::Harassment,
        Category::Violence,
        Category::SelfHarm,
        Category::Sexual,
        Category::SexualMinors,
        Category::Weapons,
        Category::Illicit,
    ];

    /// Stable snake_case name used in config keys, events, metrics and headers.
    pub fn name(self) -> &'static str {
        match self {
            Category::Hate => "hate",
            Category::Harassment => "harassment",
            Category::Violence => "violence",
            Category::SelfHarm => "self_harm",
            Category::Sexual => "sexual",
            Category::SexualMinors => "sexual_minors",
            Category::Weapons => "weapons",
            Category::Illicit => "illicit",
            Category::PromptLeak => "prompt_leak",
            Category::Exfiltration => "exfiltration",
            Category::UntrustedLink => "untrusted_link",
            Category::DataUri => "data_uri",
            Category::DangerousShell => "dangerous_shell",
        }
    }

    /// Parses a [`Category::name`].
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Index into per-category tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn is_harm(self) -> bool {
        Category::HARM.contains(&self)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happens to a finding's span.
///
/// Ordered by severity: when findings overlap the most severe action wins.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Not detected at all.
    Off,
    /// Reported in events only.
    Log,
    /// Reported, and flagged for later filters and logs (response-guard: the shared finding
    /// `parapet.response-guard.response_flags`; response headers are already sent when output
    /// is inspected, so there is no header).
    Annotate,
    /// The span is replaced by the configured replacement text.
    Redact,
    /// The response is stopped before the span: JSON is replaced by an error or refusal,
    /// a stream ends with a provider-shaped error event.
    Block,
}

impl Action {
    /// Stable name used in events and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Action::Off => "off",
            Action::Log => "log",
            Action::Annotate => "annotate",
            Action::Redact => "redact",
            Action::Block => "block",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
