//! Proximity rules over lexicon concepts.
//!
//! A rule fires when its `seq` concepts occur in order, the whole sequence within `window`
//! words, and each `near` concept occurs within `window` words of the sequence. Rules limited to
//! some languages (`langs`) only use terms of those languages — needed where word order differs
//! (Japanese and German put the verb last; English would false-positive on "the instructions
//! above: ignore the typos").

use crate::types::Category;

/// One signal: an id (stable, used in events), a category and a weight in `(0, 1]`.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    pub id: &'static str,
    pub category: Category,
    pub weight: f32,
    pub seq: &'static [&'static str],
    pub near: &'static [&'static str],
    pub window: u32,
    /// Empty: every language.
    pub langs: &'static [&'static str],
    /// Skip when a negation ("don't", "nicht"…) directly precedes the first concept.
    pub negatable: bool,
}

const ALL: &[&str] = &[];
const VERB_LAST: &[&str] = &["de", "ja", "zh"];

macro_rules! rule {
    ($id:literal, $cat:ident, $w:literal, [$($s:literal),*], near [$($n:literal),*], $win:literal, $langs:expr, $neg:literal) => {
        RuleDef { id: $id, category: Category::$cat, weight: $w, seq: &[$($s),*], near: &[$($n),*], window: $win, langs: $langs, negatable: $neg }
    };
}

/// The built-in rules. Weights are calibrated so that one strong rule reaches the default user
/// block threshold (0.7) and weak ones need company.
pub const RULES: &[RuleDef] = &[
    // --- instruction override
    rule!(
        "override.ignore_prior_instructions",
        InstructionOverride,
        0.95,
        ["override_verb", "instruction_noun"],
        near["prior_qualifier"],
        7,
        ALL,
        true
    ),
    rule!(
        "override.prior_instructions_ignore",
        InstructionOverride,
        0.9,
        ["instruction_noun", "override_verb"],
        near["prior_qualifier"],
        7,
        VERB_LAST,
        true
    ),
    rule!("override.ignore_instructions", InstructionOverride, 0.45,
        ["override_verb", "instruction_noun"], near [], 3, ALL, true),
    rule!("override.instructions_ignore", InstructionOverride, 0.4,
        ["instruction_noun", "override_verb"], near [], 4, VERB_LAST, true),
    rule!(
        "override.forget_everything",
        InstructionOverride,
        0.6,
        ["override_verb", "everything"],
        near["told"],
        6,
        ALL,
        true
    ),
    rule!("override.new_instructions", InstructionOverride, 0.35,
        ["new_marker"], near [], 1, ALL, false),
    rule!("override.fake_authority", InstructionOverride, 0.55,
        ["fake_authority"], near [], 1, ALL, false),
    // --- role hijack
    rule!("hijack.role_without_limits", RoleHijack, 0.95,
        ["role_verb", "free_neg", "limit_noun"], near [], 14, ALL, false),
    rule!("hijack.role_without_limits_verb_last", RoleHijack, 0.9,
        ["role_verb", "limit_noun", "free_neg"], near [], 14, &["ja"], false),
    rule!("hijack.role_unrestricted", RoleHijack, 0.95,
        ["role_verb", "unrestricted_word"], near [], 14, ALL, false),
    rule!("hijack.ai_without_limits", RoleHijack, 0.75,
        ["ai_ref", "free_neg", "limit_noun"], near [], 6, ALL, false),
    rule!("hijack.unrestricted_ai", RoleHijack, 0.6,
        ["unrestricted_word", "ai_ref"], near [], 3, ALL, false),
    rule!("hijack.named_mode", RoleHijack, 0.9,
        ["role_verb", "mode_name"], near [], 8, ALL, false),
    rule!(
        "hijack.enable_mode_for_ai",
        RoleHijack,
        0.8,
        ["enable", "mode_name"],
        near["ai_ref"],
        6,
        ALL,
        false
    ),
    rule!("hijack.strong_mode", RoleHijack, 0.75,
        ["strong_mode"], near [], 1, ALL, false),
    rule!(
        "hijack.never_refuse",
        RoleHijack,
        0.55,
        ["never_neg", "refuse"],
        near["you"],
        3,
        ALL,
        false
    ),
    rule!(
        "hijack.never_refuse_verb_last",
        RoleHijack,
        0.55,
        ["refuse", "never_neg"],
        near["you"],
        3,
        &["ja"],
        false
    ),
    // --- system prompt extraction
    rule!(
        "extract.reveal_your_prompt",
        SystemPromptExtraction,
        0.85,
        ["reveal", "secret_object"],
        near["possessive_target"],
        6,
        ALL,
        false
    ),
    rule!("extract.your_prompt_reveal", SystemPromptExtraction, 0.85,
        ["possessive_target", "secret_object", "reveal"], near [], 8, &["zh", "ja", "de"], false),
    rule!("extract.what_are_your_instructions", SystemPromptExtraction, 0.6,
        ["what_are", "you", "strict_secret"], near [], 4, ALL, false),
    rule!("extract.reveal_text_above", SystemPromptExtraction, 0.75,
        ["reveal", "above_text"], near [], 6, ALL, false),
    rule!("extract.text_above_reveal", SystemPromptExtraction, 0.75,
        ["above_text", "reveal"], near [], 6, &["zh", "ja", "de"], false),
    rule!("extract.starting_with_you_are", SystemPromptExtraction, 0.5,
        ["begin_with", "you_are_phrase"], near [], 3, ALL, false),
    // --- fake chat-template delimiters
    rule!("delimiter.chat_template_token", Delimiter, 0.5,
        ["delim_chatml"], near [], 1, ALL, false),
    rule!("delimiter.llama_inst", Delimiter, 0.5,
        ["delim_inst"], near [], 1, ALL, false),
    rule!("delimiter.role_tag", Delimiter, 0.4,
        ["delim_tag"], near [], 1, ALL, false),
    rule!("delimiter.role_header", Delimiter, 0.3,
        ["delim_header"], near [], 1, ALL, false),
    rule!("delimiter.system_turn", Delimiter, 0.55,
        ["delim_chatml", "delim_role"], near [], 1, ALL, false),
    rule!("delimiter.system_turn_inst", Delimiter, 0.45,
        ["delim_inst", "delim_role"], near [], 1, ALL, false),
    // --- exfiltration instructions (markdown URL checks are in signals)
    rule!(
        "exfil.send_private_data",
        Exfiltration,
        0.5,
        ["send", "private_data"],
        near["url_mark"],
        10,
        ALL,
        false
    ),
    // --- orders to decode and obey
    rule!("encoding.decode_and_follow", Encoding, 0.55,
        ["decode", "follow"], near [], 12, ALL, false),
];

/// Concepts that dampen (do not fire) — used to tell discussions of attacks from attacks.
pub const DISCUSSION: &str = "discussion";
pub const MENTION_FRAME: &str = "mention_frame";
pub const NEGATION: &str = "negation";
pub const TURN_MARKER: &str = "turn_marker";
pub const ROT13_HINT: &str = "rot13_hint";
