//! Proximity rules over lexicon concepts.
//!
//! A rule fires when its sequence concepts occur in order, the whole sequence within `window`
//! words, and each `near` concept occurs within `window` words of the sequence. Rules limited to
//! some languages only use terms of those languages — needed where word order differs
//! (Japanese and German put the verb last; English would false-positive on "the instructions
//! above: ignore the typos").
//!
//! Table syntax, one rule per line, fields separated by `;`:
//! `id; category; weight; concept > concept…; near concept…; window; languages|*; neg?`
//! (`neg`: skip when a negation such as "don't"/"nicht" directly precedes the sequence).

use crate::config::ConfigError;
use crate::types::Category;

pub(crate) const RULE_TABLE: &str = r#"
override.ignore_prior_instructions;   instruction_override;     0.95; override_verb > instruction_noun;           prior_qualifier;   8;  *;        neg
override.prior_instructions_ignore;   instruction_override;     0.9;  instruction_noun > override_verb;           prior_qualifier;   7;  de ja zh; neg
override.ignore_instructions;         instruction_override;     0.45; override_verb > instruction_noun;           ;                  3;  *;        neg
override.instructions_ignore;         instruction_override;     0.4;  instruction_noun > override_verb;           ;                  4;  de ja zh; neg
override.prior_instructions_void;     instruction_override;     0.8;  instruction_noun > void_predicate;          prior_qualifier ai_ref; 6; *;
override.your_instructions_void;      instruction_override;     0.8;  instruction_noun > void_predicate;          prior_qualifier you; 6; *;
override.none_of_your_rules_apply;    instruction_override;     0.8;  nullifier > instruction_noun > applies;     you;               8;  *;
override.as_if_never_instructed;      instruction_override;     0.8;  as_if > never_had;                          ;                  8;  *;
override.as_if_no_instructions;       instruction_override;     0.8;  as_if > never_neg > instruction_noun;       ;                  10; *;
override.as_if_instructions_void;     instruction_override;     0.8;  as_if > instruction_noun > void_predicate;  ;                  10; *;
override.instructions_void_weak;       instruction_override;     0.45; instruction_noun > void_predicate;          prior_qualifier;   6;  *;
override.forget_everything;           instruction_override;     0.6;  override_verb > everything;                 told;              6;  *;        neg
override.new_instructions;            instruction_override;     0.35; new_marker;                                 ;                  1;  *;
override.addresses_ai;                instruction_override;     0.45; addresses_ai;                               ;                  1;  *;
override.addresses_ai_weak;           instruction_override;     0.45; addresses_ai_weak;                          ;                  1;  *;
override.address_then_command;        instruction_override;     0.6;  addresses_ai > ai_command;                  ;                  12; *;
override.ignore_user;                 instruction_override;     0.55; override_verb > user_ref;                   ;                  3;  *;        neg
override.user_ignore;                 instruction_override;     0.5;  user_ref > override_verb;                   ;                  4;  de ja zh; neg
override.weak_address_then_command;   instruction_override;     0.5;  addresses_ai_weak > ai_command;             ;                  6;  *;
override.conceal_from_user;           instruction_override;     0.4;  conceal;                                    ;                  1;  *;
override.fake_authority;              instruction_override;     0.6;  fake_authority;                             ;                  1;  *;
hijack.role_without_limits;           role_hijack;              0.95; role_verb > free_neg > limit_noun;          ;                  18; *;
hijack.role_without_limits_verb_last; role_hijack;              0.9;  role_verb > limit_noun > free_neg;          ;                  14; ja;
hijack.role_unrestricted;             role_hijack;              0.95; role_verb > unrestricted_word;              ;                  14; *;
hijack.ai_without_limits;             role_hijack;              0.65; ai_ref > free_neg > limit_noun;             ;                  6;  *;
hijack.role_limits_removed;           role_hijack;              0.8;  role_verb > limit_noun > void_predicate;    ;                  14; *;
hijack.limits_free_role_verb_last;    role_hijack;              0.9;  limit_noun > free_neg > role_verb_last;     ;                  8;  ja;
hijack.identity_denial;               role_hijack;              0.6;  identity_denial > ai_ref;                   ;                  4;  *;
hijack.what_would_unlimited_ai_say;   role_hijack;              0.8;  what_would > ai_ref > free_neg > limit_noun; ;                 10; *;
hijack.role_ignores_limits;           role_hijack;              0.9;  role_verb > ignores_desc > limit_noun;      ;                  18; *;
hijack.unrestricted_ai;               role_hijack;              0.6;  unrestricted_word > ai_ref;                 ;                  3;  *;
hijack.named_mode;                    role_hijack;              0.9;  role_verb > mode_name;                      ;                  8;  *;
hijack.enable_mode_for_ai;            role_hijack;              0.8;  enable > mode_name;                         ai_ref;            6;  *;
hijack.no_refusals;                   role_hijack;              0.45; free_neg > refuse;                          ;                  2;  *;
hijack.strong_mode;                   role_hijack;              0.75; strong_mode;                                ;                  1;  *;
hijack.ai_never_refuses;              role_hijack;              0.75; ai_ref > never_neg > refuses;               ;                  5;  *;
hijack.never_refuse;                  role_hijack;              0.55; never_neg > refuse;                         you;               3;  *;
hijack.never_refuse_verb_last;        role_hijack;              0.55; refuse > never_neg;                         you;               3;  ja;
extract.reveal_your_prompt;           system_prompt_extraction; 0.85; reveal > secret_object;                     possessive_target; 8;  *;
extract.your_prompt_reveal;           system_prompt_extraction; 0.85; possessive_target > secret_object > reveal; ;                  10; de ja zh;
extract.what_are_your_instructions;   system_prompt_extraction; 0.6;  what_are > you > strict_secret;             ;                  4;  *;
extract.reveal_everything_above;      system_prompt_extraction; 0.8;  reveal > above_strong;                      ;                  6;  *;
extract.reveal_text_above;            system_prompt_extraction; 0.6;  reveal > above_text;                        ;                  6;  *;
extract.text_above_reveal;            system_prompt_extraction; 0.75; above_strong > reveal;                      ;                  8;  de ja zh;
extract.secret_reveal;                system_prompt_extraction; 0.8;  secret_phrase_strong > reveal;              ;                  10; *;
extract.system_prompt_reveal;         system_prompt_extraction; 0.55; secret_phrase > reveal;                     possessive_target; 10; *;
extract.what_was_first_told;          system_prompt_extraction; 0.7;  what_are > above_strong;                    ;                  6;  *;
extract.summarize_your_prompt;        system_prompt_extraction; 0.8;  reveal_soft > secret_phrase;                possessive_target; 6;  *;
extract.what_are_then_list;           system_prompt_extraction; 0.8;  what_are > you > strict_secret > reveal;    ;                  10; *;
extract.what_are_then_list_soft;      system_prompt_extraction; 0.8;  what_are > you > strict_secret > reveal_soft; ;                10; *;
extract.starting_with_you_are;        system_prompt_extraction; 0.5;  begin_with > you_are_phrase;                ;                  3;  *;
delimiter.chat_template_token;        delimiter;                0.5;  delim_chatml;                               ;                  1;  *;
delimiter.llama_inst;                 delimiter;                0.5;  delim_inst;                                 ;                  1;  *;
delimiter.role_tag;                   delimiter;                0.4;  delim_tag;                                  ;                  1;  *;
delimiter.role_header;                delimiter;                0.3;  delim_header;                               ;                  1;  *;
delimiter.fake_turn;                  delimiter;                0.45; delim_tag > delim_tag;                      ;                  12; *;
delimiter.user_to_system;             delimiter;                0.7;  close_user > open_system;                   ;                  8;  *;
delimiter.system_turn;                delimiter;                0.55; delim_chatml > delim_role;                  ;                  4;  *;
delimiter.system_turn_inst;           delimiter;                0.45; delim_inst > delim_role;                    ;                  4;  *;
exfil.send_private_data;              exfiltration;             0.75; send > private_data;                        url_mark;          10; *;
exfil.private_data_send;              exfiltration;             0.7;  private_data > send;                        url_mark;          10; *;
encoding.decode_and_follow;           encoding;                 0.55; decode > follow;                            ;                  12; *;
"#;

/// One signal: an id (stable, used in events), a category and a weight in `(0, 1]`.
#[derive(Debug, Clone)]
pub struct RuleDef {
    pub id: String,
    pub category: Category,
    pub weight: f32,
    pub seq: Vec<String>,
    pub near: Vec<String>,
    pub window: u32,
    /// Empty: every language.
    pub langs: Vec<String>,
    pub negatable: bool,
}

fn category(name: &str) -> Option<Category> {
    Category::ALL.iter().copied().find(|c| c.as_str() == name)
}

/// Parses [`RULE_TABLE`].
pub fn builtin_rules() -> Result<Vec<RuleDef>, ConfigError> {
    let mut out = Vec::new();
    for (i, line) in RULE_TABLE.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(';').map(str::trim).collect();
        let bad = |what: &str| ConfigError::new("rules", format!("rule table line {i}: {what}"));
        if f.len() != 8 {
            return Err(bad("expected 8 fields"));
        }
        let words = |s: &str, sep: char| -> Vec<String> {
            s.split(sep)
                .map(str::trim)
                .filter(|w| !w.is_empty() && *w != "*")
                .map(String::from)
                .collect()
        };
        out.push(RuleDef {
            id: f[0].to_string(),
            category: category(f[1]).ok_or_else(|| bad("unknown category"))?,
            weight: f[2].parse().map_err(|_| bad("bad weight"))?,
            seq: words(f[3], '>'),
            near: words(f[4], ' '),
            window: f[5].parse().map_err(|_| bad("bad window"))?,
            langs: words(f[6], ' '),
            negatable: f[7] == "neg",
        });
    }
    Ok(out)
}

/// Concepts that dampen or feed signals rather than fire rules.
pub const DISCUSSION: &str = "discussion";
pub const MENTION_FRAME: &str = "mention_frame";
pub const NEGATION: &str = "negation";
/// Third-person and past forms of override verbs ("the bot ignored my previous commands"):
/// they describe what happened rather than order it, so negatable rules skip them.
pub const DESCRIPTIVE_FORM: &str = "descriptive_form";
pub const TURN_MARKER: &str = "turn_marker";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_with_sane_values() {
        let rules = builtin_rules().unwrap();
        assert!(rules.len() >= 30);
        for r in &rules {
            assert!(r.weight > 0.0 && r.weight <= 1.0, "{}", r.id);
            assert!(!r.seq.is_empty() && r.window >= 1, "{}", r.id);
        }
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    }
}
