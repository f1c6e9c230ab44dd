//! The compiled detector: one Aho-Corasick automaton over every lexicon term, group member,
//! context cue, benign idiom, URL start and code fence, plus the validated policy.

use crate::category::Category;
use crate::config::{ConfigError, ModerationConfig, Policy};
use crate::lexicon::{self, Cue, Strength};
use crate::normalize::normalize_str;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// What a pattern means when it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Role {
    Term {
        category: Category,
        weight: f32,
        strength: Strength,
        /// Index of the term set (rule id `<category>.lexicon.<set>`), or `usize::MAX` for
        /// configured terms.
        set: usize,
    },
    Group(usize),
    Cue(Cue),
    Suppressor,
    UrlStart,
    Fence,
    /// A canary (only in per-request automata).
    Canary,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct PatternInfo {
    pub role: Role,
    /// No word-boundary check after the pattern (`*` suffix).
    pub prefix: bool,
}

/// A set of patterns compiled into one automaton.
pub(crate) struct PatternSet {
    pub ac: AhoCorasick,
    pub info: Vec<PatternInfo>,
    pub max_len: usize,
}

impl PatternSet {
    pub fn build(patterns: Vec<(Vec<u8>, PatternInfo)>) -> Result<PatternSet, ConfigError> {
        let max_len = patterns.iter().map(|(p, _)| p.len()).max().unwrap_or(1);
        let (bytes, info): (Vec<_>, Vec<_>) = patterns.into_iter().unzip();
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&bytes)
            .map_err(|e| ConfigError {
                path: "terms".into(),
                message: format!("cannot compile the lexicon: {e}"),
            })?;
        Ok(PatternSet { ac, info, max_len })
    }
}

/// Splits a lexicon entry into its normalised bytes and whether it is a prefix pattern.
pub(crate) fn pattern(term: &str) -> (Vec<u8>, bool) {
    match term.strip_suffix('*') {
        Some(core) => (normalize_str(core), true),
        None => (normalize_str(term), false),
    }
}

pub(crate) struct Engine {
    pub patterns: PatternSet,
    pub policy: Policy,
    pub config: ModerationConfig,
    /// Lower-cased allow-listed hosts.
    pub allow_hosts: Vec<String>,
    pub replacement: String,
}

impl Engine {
    pub fn new(config: &ModerationConfig) -> Result<Engine, ConfigError> {
        let policy = config.validate()?;
        let mut pats: Vec<(Vec<u8>, PatternInfo)> = Vec::new();
        let mut add = |term: &str, role: Role| {
            let (bytes, prefix) = pattern(term);
            if !bytes.is_empty() {
                pats.push((bytes, PatternInfo { role, prefix }));
            }
        };
        for (set, ts) in lexicon::TERMS.iter().enumerate() {
            for t in ts.terms {
                add(
                    t,
                    Role::Term {
                        category: ts.category,
                        weight: ts.weight,
                        strength: ts.strength,
                        set,
                    },
                );
            }
        }
        for (key, terms) in &config.terms {
            if let Some(category) = Category::from_name(key) {
                for t in terms {
                    add(
                        t,
                        Role::Term {
                            category,
                            weight: 1.0_f32.max(policy.threshold(category)),
                            strength: Strength::Normal,
                            set: usize::MAX,
                        },
                    );
                }
            }
        }
        for (g, group) in lexicon::GROUPS.iter().enumerate() {
            for t in group.terms {
                add(t, Role::Group(g));
            }
        }
        for (cue, terms) in lexicon::CUES {
            for t in *terms {
                add(t, Role::Cue(*cue));
            }
        }
        for t in lexicon::SUPPRESSORS {
            add(t, Role::Suppressor);
        }
        for t in lexicon::URL_STARTS {
            pats.push((
                t.as_bytes().to_vec(),
                PatternInfo {
                    role: Role::UrlStart,
                    prefix: true,
                },
            ));
        }
        pats.push((
            lexicon::FENCE.as_bytes().to_vec(),
            PatternInfo {
                role: Role::Fence,
                prefix: true,
            },
        ));
        let patterns = PatternSet::build(pats)?;
        let allow_hosts = config
            .links
            .allow_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        Ok(Engine {
            patterns,
            policy,
            config: config.clone(),
            allow_hosts,
            replacement: config.replacement.clone(),
        })
    }

    /// Group index by name (pair rules refer to groups by name).
    pub fn group_index(name: &str) -> Option<usize> {
        lexicon::GROUPS.iter().position(|g| g.name == name)
    }

    /// The replacement text for a category.
    pub fn replacement_for(&self, category: Category) -> String {
        self.replacement.replace("{category}", category.name())
    }
}
