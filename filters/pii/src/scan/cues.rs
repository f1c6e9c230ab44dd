//! The cue words of three scanners — PERSON's name cues and honorifics, DATE_OF_BIRTH's birth
//! cues and the secret key names (`password`, `api_key`, …) — found in one Aho-Corasick pass.
//!
//! Each scanner was written against its own leftmost-longest, non-overlapping search. One
//! automaton over all three lists reports every (overlapping) occurrence; replaying the
//! leftmost-longest choice per list on those occurrences (earliest start, then longest, then
//! resume after its end) gives each scanner exactly the matches its own search gave, for one
//! pass over the text instead of three.

use crate::scan::{dob, person, secrets};
use aho_corasick::{AhoCorasick, MatchKind};

/// A cue occurrence: byte range in the text.
pub(crate) type Span = (usize, usize);

/// The combined automaton, built once per [`crate::Detector`].
pub(crate) struct CueAutomaton {
    ac: AhoCorasick,
    /// Pattern ids `0..person_end` are PERSON cues, then DOB cues up to `dob_end`, then key names.
    person_end: usize,
    dob_end: usize,
}

/// Each scanner's cue matches, as its own leftmost-longest search would have found them.
#[derive(Default)]
pub(crate) struct CueMatches {
    pub person: Vec<Span>,
    pub dob: Vec<Span>,
    pub secret_keys: Vec<Span>,
}

impl CueAutomaton {
    pub fn new() -> Result<CueAutomaton, aho_corasick::BuildError> {
        let person: Vec<&str> = person::NAME_CUES
            .iter()
            .chain(person::HONORIFICS)
            .copied()
            .collect();
        let dob = dob::DOB_CUES;
        let keys = secrets::KEY_NAMES;
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(person.iter().chain(dob).chain(keys))?;
        Ok(CueAutomaton {
            ac,
            person_end: person.len(),
            dob_end: person.len() + dob.len(),
        })
    }

    pub fn find(&self, text: &str) -> CueMatches {
        let mut all = CueMatches::default();
        for m in self.ac.find_overlapping_iter(text) {
            let id = m.pattern().as_usize();
            let list = if id < self.person_end {
                &mut all.person
            } else if id < self.dob_end {
                &mut all.dob
            } else {
                &mut all.secret_keys
            };
            list.push((m.start(), m.end()));
        }
        leftmost_longest(&mut all.person);
        leftmost_longest(&mut all.dob);
        leftmost_longest(&mut all.secret_keys);
        all
    }
}

/// Keeps the matches a leftmost-longest non-overlapping search reports: the earliest start,
/// the longest at that start, then the next that starts at or after its end.
fn leftmost_longest(spans: &mut Vec<Span>) {
    spans.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut resume = 0;
    spans.retain(|&(s, e)| {
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
        }
    }
}
