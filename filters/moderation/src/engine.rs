//! The compiled detector: one Aho-Corasick automaton over every lexicon term, group member,
//! context cue, benign idiom, URL start and code fence, plus the validated policy.

use crate::category::Category;
use crate::config::{ConfigError, ModerationConfig, Policy};
use crate::lexicon::{self, Cue, Strength};
use crate::normalize::is_word_byte;
use crate::normalize::normalize_str;
use aho_corasick::automaton::Automaton;
use aho_corasick::automaton::StateID;
use aho_corasick::nfa::contiguous;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, MatchKind};
use std::sync::OnceLock;

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
    search: Search,
    pub info: Vec<PatternInfo>,
    pub max_len: usize,
}

/// How a pattern set is searched.
enum Search {
    /// Every occurrence anywhere (canaries, which have no word-boundary rule).
    Anywhere(AhoCorasick),
    /// Only occurrences that can pass the scanner's word-boundary check, which rejects a match
    /// whose first byte is a word byte preceded by another (`boundary_ok`; every built-in role
    /// applies it). Walking the trie anchored at each other position finds exactly those, and
    /// costs a lookup or two per position where the unanchored search also follows failure
    /// links at every byte: about half the scan's time went there.
    WordStarts(Box<WordStarts>),
}

/// A trie walk anchored at `start` (absolute), in state `sid`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walk {
    start: usize,
    sid: StateID,
}

impl Walk {
    /// Where the walk started (absolute): where the occurrence it may still find would start.
    pub fn start(&self) -> usize {
        self.start
    }
}

const WORD: u8 = 1;
const STARTS: u8 = 2;

struct WordStarts {
    nfa: contiguous::NFA,
    /// Per byte value: [`WORD`] if it is a word byte, [`STARTS`] if some pattern starts with
    /// it (most positions, spaces and punctuation, start none and skip the walk). One look-up
    /// per byte and a branch that is mostly not taken.
    flags: [u8; 256],
    /// The patterns, concatenated, and where each ends: the plain automaton for benchmarks is
    /// built from them only when asked for.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    plain: OnceLock<Option<AhoCorasick>>,
}

fn build_error(e: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        path: "terms".into(),
        message: format!("cannot compile the lexicon: {e}"),
    }
}

fn plain_automaton<P: AsRef<[u8]>>(patterns: &[P]) -> Result<AhoCorasick, ConfigError> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(patterns)
        .map_err(build_error)
}

impl PatternSet {
    /// A set searched for every occurrence.
    pub fn build(patterns: Vec<(Vec<u8>, PatternInfo)>) -> Result<PatternSet, ConfigError> {
        let max_len = patterns.iter().map(|(p, _)| p.len()).max().unwrap_or(1);
        let (bytes, info): (Vec<_>, Vec<_>) = patterns.into_iter().unzip();
        Ok(PatternSet {
            search: Search::Anywhere(plain_automaton(&bytes)?),
            info,
            max_len,
        })
    }

    /// A set searched only where a match can start under the word-boundary rule (see
    /// [`Search::WordStarts`]); every pattern's role must apply that rule.
    pub fn build_at_word_starts(
        patterns: Vec<(Vec<u8>, PatternInfo)>,
    ) -> Result<PatternSet, ConfigError> {
        let max_len = patterns.iter().map(|(p, _)| p.len()).max().unwrap_or(1);
        let (pats, info): (Vec<_>, Vec<_>) = patterns.into_iter().unzip();
        let nfa = contiguous::NFA::builder()
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .map_err(build_error)?;
        let mut flags = [0u8; 256];
        for (b, f) in (0..=255).zip(flags.iter_mut()) {
            if is_word_byte(b) {
                *f |= WORD;
            }
        }
        for p in &pats {
            if let Some(&b) = p.first() {
                flags[usize::from(b)] |= STARTS;
            }
        }
        let mut ends = Vec::with_capacity(pats.len());
        let mut bytes = Vec::new();
        for p in &pats {
            bytes.extend_from_slice(p);
            ends.push(bytes.len());
        }
        Ok(PatternSet {
            search: Search::WordStarts(Box::new(WordStarts {
                nfa,
                flags,
                bytes,
                ends,
                plain: OnceLock::new(),
            })),
            info,
            max_len,
        })
    }

    /// The occurrences `(start, end, pattern)` in `hay` that the word-boundary rule may accept
    /// (all of them for a set searched everywhere), in the order of Aho-Corasick's overlapping
    /// search: by end, then start, then pattern. `before` is the byte before `hay`, if kept.
    pub fn find(&self, hay: &[u8], before: Option<u8>, out: &mut Vec<(usize, usize, usize)>) {
        match &self.search {
            Search::Anywhere(ac) => out.extend(
                ac.find_overlapping_iter(hay)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize())),
            ),
            Search::WordStarts(w) => {
                find_at_word_starts(w, hay, 0, before, &mut Vec::new(), out);
                out.sort_unstable_by_key(|&(s, e, p)| (e, s, p));
            }
        }
    }

    /// For a stream: the occurrences that end in `hay`, which continues text already searched
    /// (at absolute position `at`), in the order of [`PatternSet::find`], with absolute
    /// positions. `open` carries the walks still alive at the end of the text searched so far
    /// from one call to the next, so no byte is searched twice. False (nothing done) for a set
    /// searched everywhere: search a window with [`PatternSet::find`] instead.
    pub fn find_more(
        &self,
        hay: &[u8],
        at: usize,
        before: Option<u8>,
        open: &mut Vec<Walk>,
        out: &mut Vec<(usize, usize, usize)>,
    ) -> bool {
        let Search::WordStarts(w) = &self.search else {
            return false;
        };
        find_at_word_starts(w, hay, at, before, open, out);
        out.sort_unstable_by_key(|&(s, e, p)| (e, s, p));
        true
    }

    /// The set as one plain automaton.
    pub fn automaton(&self) -> Option<&AhoCorasick> {
        match &self.search {
            Search::Anywhere(ac) => Some(ac),
            Search::WordStarts(w) => w
                .plain
                .get_or_init(|| {
                    let pats: Vec<&[u8]> = w
                        .ends
                        .iter()
                        .scan(0, |start, &end| {
                            let p = w.bytes.get(*start..end);
                            *start = end;
                            p
                        })
                        .collect();
                    plain_automaton(&pats).ok()
                })
                .as_ref(),
        }
    }
}

/// Walks the trie from every position of `hay` where a match may start: not a word byte, or
/// one that does not follow another.
fn find_at_word_starts(
    w: &WordStarts,
    hay: &[u8],
    at: usize,
    before: Option<u8>,
    open: &mut Vec<Walk>,
    out: &mut Vec<(usize, usize, usize)>,
) {
    let nfa = &w.nfa;
    // Steps `walk` over `bytes` (which follow what it has read); false once it is dead.
    let mut step = |walk: &mut Walk, bytes: &[u8], from: usize| {
        for (end, &c) in (from + 1..).zip(bytes) {
            walk.sid = nfa.next_state(Anchored::Yes, walk.sid, c);
            if !nfa.is_special(walk.sid) {
                continue;
            }
            if nfa.is_dead(walk.sid) {
                return false;
            }
            // A state also lists the matches of its failure states, which are shorter and
            // start later: those are found from their own start.
            for i in 0..nfa.match_len(walk.sid) {
                let pid = nfa.match_pattern(walk.sid, i);
                if nfa.pattern_len(pid) == end - walk.start {
                    out.push((walk.start, end, pid.as_usize()));
                }
            }
        }
        true
    };
    open.retain_mut(|walk| step(walk, hay, at));
    let Ok(root) = nfa.start_state(Anchored::Yes) else {
        return;
    };
    let mut after_word = before.is_some_and(is_word_byte);
    for (i, &b) in hay.iter().enumerate() {
        let f = w.flags[usize::from(b)];
        let word = f & WORD != 0;
        let inside_word = word && after_word;
        after_word = word;
        if inside_word || f & STARTS == 0 {
            continue;
        }
        let mut walk = Walk {
            start: at + i,
            sid: root,
        };
        if step(&mut walk, &hay[i..], at + i) {
            open.push(walk);
        }
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
        let patterns = PatternSet::build_at_word_starts(pats)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts made of lexicon fragments, word characters and separators, so that matches start
    /// inside words, at word starts, after punctuation and at the very start.
    fn texts() -> Vec<Vec<u8>> {
        let pieces: Vec<&[u8]> = vec![
            b"kill",
            b"bomb",
            b"how to make",
            b"pipe",
            b"https://",
            b"www.",
            b"data:",
            b"```",
            b"not",
            b"the term",
            b"self",
            b"harm",
            b"x",
            b"_",
            b"9",
            b" ",
            b"  ",
            b".",
            b"/",
            b"-",
            b"\"",
            b"\xc3\xa9",
            b"rm -rf",
            b"curl",
            b"| sh",
            b"suicide",
            b"news",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        (0..2000)
            .map(|_| {
                let n = next(30);
                (0..n)
                    .flat_map(|_| pieces[next(pieces.len())].to_vec())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn word_start_walks_find_what_the_plain_automaton_finds_at_word_starts() {
        let engine = Engine::new(&ModerationConfig::default()).unwrap();
        let set = &engine.patterns;
        let plain = set.automaton().unwrap();
        for text in texts() {
            for cut in [0, 1, 3] {
                let Some(hay) = text.get(cut..) else { continue };
                let before = cut.checked_sub(1).and_then(|i| text.get(i).copied());
                let mut got = Vec::new();
                set.find(hay, before, &mut got);
                let want: Vec<_> = plain
                    .find_overlapping_iter(hay)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                    .filter(|&(s, _, _)| {
                        let prev = s.checked_sub(1).map_or(before, |i| hay.get(i).copied());
                        !(is_word_byte(hay[s]) && prev.is_some_and(is_word_byte))
                    })
                    .collect();
                assert_eq!(got, want, "{:?}", String::from_utf8_lossy(hay));
            }
        }
    }

    #[test]
    fn open_walks_carry_matches_across_pieces() {
        let engine = Engine::new(&ModerationConfig::default()).unwrap();
        let set = &engine.patterns;
        for (t, text) in texts().iter().enumerate() {
            let mut whole = Vec::new();
            set.find(text, None, &mut whole);
            let (mut got, mut open, mut at) = (Vec::new(), Vec::new(), 0);
            while at < text.len() {
                let end = (at + 1 + (t + at) % 7).min(text.len());
                let before = at.checked_sub(1).map(|i| text[i]);
                let mut part = Vec::new();
                assert!(set.find_more(&text[at..end], at, before, &mut open, &mut part));
                got.extend(part);
                at = end;
            }
            assert_eq!(got, whole, "{:?}", String::from_utf8_lossy(text));
        }
    }
}
