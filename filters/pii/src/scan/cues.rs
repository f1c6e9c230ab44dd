//! The cue words of three scanners — PERSON's name cues and honorifics, DATE_OF_BIRTH's birth
//! cues and the secret key names (`password`, `api_key`, …) — and the secret scanner's token
//! prefixes (`ghp_`, `AKIA`, `eyJ`, …), found in one pass.
//!
//! Each scanner was written against its own leftmost-longest, non-overlapping search. One
//! automaton over all four lists reports every (overlapping) occurrence; replaying the
//! leftmost-longest choice per list on those occurrences (earliest start, then longest, then
//! resume after its end) gives each scanner exactly the matches its own search gave, for one
//! pass over the text instead of four.
//!
//! The cue lists are matched ignoring ASCII case, the token prefixes exactly: the automaton
//! ignores case for all of them and a prefix occurrence is kept only when its bytes equal the
//! prefix. The prefixes' own pass used to be a second automaton; natively it ran as a SIMD
//! (Teddy) search, but in wasm (no SIMD) it walked every byte a second time, as slow as this pass.

mod dfa;

use crate::scan::{dob, person, secrets};
use dfa::Dfa;

/// A cue occurrence: byte range in the text.
pub(crate) type Span = (usize, usize);

/// The combined automaton, built once per [`crate::Detector`].
pub(crate) struct CueAutomaton {
    dfa: Dfa,
    /// Pattern ids `0..person_end` are PERSON cues, then DOB cues up to `dob_end`, then key
    /// names up to `keys_end`, then the secret prefixes (in [`secrets::PREFIXES`] order).
    person_end: usize,
    dob_end: usize,
    keys_end: usize,
}

/// Each scanner's cue matches, as its own leftmost-longest search would have found them.
#[derive(Default)]
pub(crate) struct CueMatches {
    pub person: Vec<Span>,
    pub dob: Vec<Span>,
    pub secret_keys: Vec<Span>,
    /// Secret token prefixes: span and index in [`secrets::PREFIXES`].
    pub secret_prefixes: Vec<(Span, usize)>,
}

impl CueAutomaton {
    pub fn new() -> Result<CueAutomaton, String> {
        let person: Vec<&str> = person::NAME_CUES
            .iter()
            .chain(person::HONORIFICS)
            .copied()
            .collect();
        let dob = dob::DOB_CUES;
        let keys = secrets::KEY_NAMES;
        let prefixes = secrets::PREFIXES.iter().map(|(p, _)| *p);
        let dfa = Dfa::new(
            person
                .iter()
                .chain(dob)
                .chain(keys)
                .copied()
                .chain(prefixes),
        )?;
        Ok(CueAutomaton {
            dfa,
            person_end: person.len(),
            dob_end: person.len() + dob.len(),
            keys_end: person.len() + dob.len() + keys.len(),
        })
    }

    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub fn find(&self, text: &str) -> CueMatches {
        let mut all = CueMatches::default();
        let b = text.as_bytes();
        self.dfa.for_each_match(b, |id, start, end| {
            let span = (start, end);
            if id < self.person_end {
                all.person.push(span);
            } else if id < self.dob_end {
                all.dob.push(span);
            } else if id < self.keys_end {
                all.secret_keys.push(span);
            } else {
                let index = id - self.keys_end;
                // Prefixes are case-sensitive: `asia` or `Ghp_` is not a token prefix.
                if &b[start..end] == secrets::PREFIXES[index].0.as_bytes() {
                    all.secret_prefixes.push((span, index));
                }
            }
        });
        leftmost_longest(&mut all.person, |s| *s);
        leftmost_longest(&mut all.dob, |s| *s);
        leftmost_longest(&mut all.secret_keys, |s| *s);
        leftmost_longest(&mut all.secret_prefixes, |(s, _)| *s);
        all
    }
}

/// Keeps the matches a leftmost-longest non-overlapping search reports: the earliest start,
/// the longest at that start, then the next that starts at or after its end.
fn leftmost_longest<T>(matches: &mut Vec<T>, span: impl Fn(&T) -> Span) {
    matches.sort_unstable_by(|a, b| {
        let (a, b) = (span(a), span(b));
        a.0.cmp(&b.0).then(b.1.cmp(&a.1))
    });
    let mut resume = 0;
    matches.retain(|m| {
        let (s, e) = span(m);
        let keep = s >= resume;
        if keep {
            resume = e;
        }
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};
    use proptest::prelude::*;

    /// The replay equals the leftmost-longest searches the scanners were written against.
    #[test]
    fn replay_equals_each_lists_own_leftmost_longest_search() {
        let cues = CueAutomaton::new().expect("automaton");
        let own = |words: &[&str], text: &str| -> Vec<Span> {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(words)
                .expect("automaton")
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect()
        };
        let person: Vec<&str> = person::NAME_CUES
            .iter()
            .chain(person::HONORIFICS)
            .copied()
            .collect();
        for text in [
            "Hi, my name is Jane Roe; dob 1990-01-02. password=hunter2!x",
            "xmy name is Bob. Mrs. Dr. Signed, SIGNED BY this is mr",
            "aws_secret_access_key= secret_access_key secretaccesskey api_keyapikey",
            "birthdate birth date of birth born  né le  née le d.o.b",
            "contact:contact customer client_secret to:cc: name:name is",
        ] {
            let got = cues.find(text);
            assert_eq!(got.person, own(&person, text), "{text}");
            assert_eq!(got.dob, own(dob::DOB_CUES, text), "{text}");
            assert_eq!(got.secret_keys, own(secrets::KEY_NAMES, text), "{text}");
            assert_eq!(got.secret_prefixes, own_prefixes(text), "{text}");
        }
    }

    /// The secret scanner's own search: case-sensitive, leftmost-longest, non-overlapping.
    fn own_prefixes(text: &str) -> Vec<(Span, usize)> {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(secrets::PREFIXES.iter().map(|(p, _)| *p))
            .expect("automaton")
            .find_iter(text)
            .map(|m| ((m.start(), m.end()), m.pattern().as_usize()))
            .collect()
    }

    /// Prefixes found in the shared pass equal the prefix search the secret scanner was written
    /// against: case-sensitive, longest at a start (`sk-proj-` over `sk-`), and one prefix
    /// hides a prefix that starts inside it (`sk-` hides the `-----BEGIN ` after it).
    #[test]
    fn prefixes_equal_their_own_case_sensitive_leftmost_longest_search() {
        let cues = CueAutomaton::new().expect("automaton");
        for text in [
            "xsk-----BEGIN RSA PRIVATE KEY-----\nMIIE",
            "AKIAIzaSyAKIAASIA asia Asia ASIA aKIA akia",
            "sk-proj-sk-ant-sk-admin-sk_live_rk_test_SK-",
            "ghp_GHP_gho_Ghp_github_pat_GITHUB_PAT_glpat-glrt-gldt-glptt-",
            "https://hooks.slack.com/services/eyJhbGciOi HOOKS.SLACK.COM/services/ EYJ eyj",
            "xoxb-xoxp-xapp-XOXB- -----BEGIN -----begin ------BEGIN ",
            "password=sk-abc my name is AIza dob eyJ",
        ] {
            assert_eq!(
                cues.find(text).secret_prefixes,
                own_prefixes(text),
                "{text}"
            );
        }
    }

    proptest! {
        /// Same, on random texts made of prefixes, case-changed prefixes, cue words and noise.
        #[test]
        fn prefixes_equal_own_search_on_random_texts(
            parts in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(secrets::PREFIXES.iter().map(|(p, _)| *p).collect::<Vec<_>>())
                        .prop_map(str::to_string),
                    prop::sample::select(secrets::PREFIXES.iter().map(|(p, _)| *p).collect::<Vec<_>>())
                        .prop_map(|p| p.to_ascii_uppercase()),
                    "[a-zA-Z_ -]{0,4}",
                    prop::sample::select(vec!["password", "Dr", "dob", "Asia", "EYJ", "SK-"])
                        .prop_map(str::to_string),
                ],
                0..12,
            )
        ) {
            let text: String = parts.concat();
            let cues = CueAutomaton::new().expect("automaton");
            prop_assert_eq!(cues.find(&text).secret_prefixes, own_prefixes(&text));
        }
    }
}
