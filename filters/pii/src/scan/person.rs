//! PERSON (heuristic): capitalised names after an honorific (`Dr. Jane Roe`), after a cue
//! (`my name is`, `Dear`, `patient`, `signed,` …), or starting with a common first name and
//! followed by a capitalised surname. No NER model: accuracy is reported separately and the
//! type is monitor-only by default.

use super::Candidate;
use crate::entity::EntityType;
use crate::text::Positions;

pub(crate) const HONORIFICS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mx",
];

/// Cues after which a capitalised name usually follows (matched case-insensitively).
pub(crate) const NAME_CUES: &[&str] = &[
    "my name is",
    "name is",
    "name:",
    "i am",
    "i'm",
    "this is",
    "dear",
    "hi",
    "hello",
    "regards,",
    "sincerely,",
    "thanks,",
    "signed,",
    "signed by",
    "patient",
    "customer",
    "client",
    "employee",
    "contact",
    "from:",
    "to:",
    "attn:",
    "attention:",
    "spoke with",
    "talked to",
    "assigned to",
    "named",
    "called",
    "applicant",
    "tenant",
    "passenger",
    "cardholder",
    "account holder",
    "full name",
    "author:",
    "cc:",
    "contact:",
    "owner:",
    "guest",
];

/// Verbs that follow a name at the start of a clause: "Jane Roe wrote:".
pub(crate) const AFTER_NAME_CUES: &[&str] = &[
    " wrote",
    " said",
    " says",
    " replied",
    " asked",
    " called",
    " emailed",
    " mentioned",
    " confirmed",
    " signed",
    " will follow up",
];

/// Common given names (a short list; heuristic recall only).
const FIRST_NAMES: &[&str] = &[
    "aaron",
    "adam",
    "adrian",
    "alan",
    "albert",
    "alex",
    "alexander",
    "alice",
    "alicia",
    "allison",
    "amanda",
    "amber",
    "amy",
    "andrea",
    "andrew",
    "angela",
    "ann",
    "anna",
    "anne",
    "anthony",
    "antonio",
    "ashley",
    "austin",
    "barbara",
    "benjamin",
    "beth",
    "betty",
    "bill",
    "billy",
    "bob",
    "bobby",
    "brad",
    "bradley",
    "brandon",
    "brenda",
    "brian",
    "brittany",
    "bruce",
    "bryan",
    "carl",
    "carlos",
    "carol",
    "caroline",
    "catherine",
    "chad",
    "charles",
    "charlotte",
    "cheryl",
    "chris",
    "christian",
    "christina",
    "christine",
    "christopher",
    "cindy",
    "claire",
    "cody",
    "colleen",
    "connie",
    "craig",
    "crystal",
    "cynthia",
    "dale",
    "dan",
    "daniel",
    "danielle",
    "david",
    "dawn",
    "debbie",
    "deborah",
    "debra",
    "denise",
    "dennis",
    "derek",
    "diana",
    "diane",
    "donald",
    "donna",
    "doris",
    "dorothy",
    "douglas",
    "dylan",
    "edward",
    "elizabeth",
    "ellen",
    "emily",
    "emma",
    "eric",
    "erica",
    "erin",
    "ethan",
    "eugene",
    "evelyn",
    "frank",
    "gabriel",
    "gail",
    "gary",
    "george",
    "gerald",
    "gloria",
    "grace",
    "greg",
    "gregory",
    "hannah",
    "harold",
    "harry",
    "heather",
    "helen",
    "henry",
    "holly",
    "howard",
    "ian",
    "isabella",
    "jack",
    "jacob",
    "jacqueline",
    "james",
    "jamie",
    "jane",
    "janet",
    "janice",
    "jason",
    "jean",
    "jeff",
    "jeffrey",
    "jennifer",
    "jeremy",
    "jerry",
    "jesse",
    "jessica",
    "jill",
    "jim",
    "joan",
    "joe",
    "joel",
    "john",
    "johnny",
    "jon",
    "jonathan",
    "jordan",
    "jose",
    "joseph",
    "joshua",
    "joyce",
    "juan",
    "judith",
    "judy",
    "julia",
    "julie",
    "justin",
    "karen",
    "katherine",
    "kathleen",
    "kathryn",
    "kathy",
    "katie",
    "keith",
    "kelly",
    "kenneth",
    "kevin",
    "kim",
    "kimberly",
    "kristen",
    "kyle",
    "larry",
    "laura",
    "lauren",
    "lawrence",
    "linda",
    "lisa",
    "logan",
    "lori",
    "louis",
    "lucas",
    "luis",
    "madison",
    "margaret",
    "maria",
    "marie",
    "marilyn",
    "mark",
    "martha",
    "martin",
    "mary",
    "matthew",
    "megan",
    "melissa",
    "michael",
    "michelle",
    "mike",
    "monica",
    "nancy",
    "natalie",
    "nathan",
    "nicholas",
    "nicole",
    "noah",
    "olivia",
    "pamela",
    "patricia",
    "patrick",
    "paul",
    "peter",
    "philip",
    "rachel",
    "ralph",
    "randy",
    "raymond",
    "rebecca",
    "richard",
    "rick",
    "robert",
    "roger",
    "ronald",
    "rose",
    "roy",
    "russell",
    "ruth",
    "ryan",
    "samantha",
    "samuel",
    "sandra",
    "sara",
    "sarah",
    "scott",
    "sean",
    "sharon",
    "shawn",
    "shirley",
    "sophia",
    "stephanie",
    "stephen",
    "steve",
    "steven",
    "susan",
    "tammy",
    "teresa",
    "terry",
    "theresa",
    "thomas",
    "tiffany",
    "timothy",
    "tina",
    "todd",
    "tom",
    "tony",
    "tracy",
    "travis",
    "tyler",
    "valerie",
    "victoria",
    "vincent",
    "walter",
    "wayne",
    "wendy",
    "william",
    "willie",
    "zachary",
];

/// Capitalised words that start sentences or name things, not people.
const NOT_NAMES: &[&str] = &[
    "a",
    "account",
    "address",
    "admin",
    "also",
    "an",
    "and",
    "api",
    "april",
    "are",
    "august",
    "avenue",
    "birth",
    "but",
    "can",
    "card",
    "company",
    "corp",
    "customer",
    "date",
    "dear",
    "december",
    "dr",
    "email",
    "february",
    "friday",
    "he",
    "hello",
    "her",
    "here",
    "hi",
    "his",
    "how",
    "i",
    "if",
    "inc",
    "is",
    "it",
    "january",
    "july",
    "june",
    "key",
    "llc",
    "ltd",
    "madam",
    "manager",
    "march",
    "may",
    "monday",
    "mr",
    "mrs",
    "ms",
    "my",
    "new",
    "no",
    "not",
    "november",
    "number",
    "october",
    "ok",
    "or",
    "order",
    "our",
    "password",
    "phone",
    "please",
    "prof",
    "road",
    "saturday",
    "september",
    "service",
    "she",
    "sir",
    "street",
    "sunday",
    "support",
    "team",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "there",
    "they",
    "this",
    "thursday",
    "tuesday",
    "user",
    "was",
    "we",
    "wednesday",
    "what",
    "when",
    "who",
    "will",
    "yes",
    "you",
    "your",
];

/// The end of the name-shaped word at `i` (letters, and `'`/`-` before a capital), `i` being
/// a capital letter.
fn name_shape_end(b: &[u8], i: usize) -> usize {
    shape_end_from(b, i + 1)
}

/// [`name_shape_end`] resumed at `j`, a position its walk from a capital passes through.
fn shape_end_from(b: &[u8], mut j: usize) -> usize {
    while j < b.len()
        && (b[j].is_ascii_alphabetic()
            || ((b[j] == b'\'' || b[j] == b'-')
                && j + 1 < b.len()
                && b[j + 1].is_ascii_uppercase()))
    {
        j += 1;
    }
    j
}

/// A capitalised name word at `i`: `Jane`, `O'Brien`, `McDonald`, `Smith-Jones`. Returns its end.
pub(crate) fn name_word(b: &[u8], i: usize) -> Option<usize> {
    if i >= b.len() || !b[i].is_ascii_uppercase() {
        return None;
    }
    let j = name_shape_end(b, i);
    let w = &b[i..j];
    if w.len() < 2 || w.len() > 20 || !crate::text::boundary_after(b, j) {
        return None;
    }
    // All-caps words are acronyms, not names.
    if w.iter().all(|c| !c.is_ascii_lowercase()) {
        return None;
    }
    if in_sorted_list(w, NOT_NAMES) {
        return None;
    }
    Some(j)
}

fn is_first_name(b: &[u8], s: usize, e: usize) -> bool {
    in_sorted_list(&b[s..e], FIRST_NAMES)
}

/// Case-insensitive lookup of an ASCII word in a sorted lower-case list, without allocating
/// (this runs for every capitalised word of every prompt).
fn in_sorted_list(word: &[u8], list: &[&str]) -> bool {
    let mut buf = [0u8; 24];
    if word.len() > buf.len() {
        return false;
    }
    for (d, c) in buf.iter_mut().zip(word) {
        *d = c.to_ascii_lowercase();
    }
    let lower = &buf[..word.len()];
    list.binary_search_by(|probe| probe.as_bytes().cmp(lower))
        .is_ok()
}

/// One to three name words separated by single spaces (an initial `J.` allowed in the middle).
fn name_sequence(b: &[u8], i: usize, max_words: usize) -> Option<(usize, usize)> {
    let mut e = name_word(b, i)?;
    let mut words = 1;
    loop {
        if words >= max_words || e + 1 >= b.len() || b[e] != b' ' {
            break;
        }
        let k = e + 1;
        // Middle initial: "J. "
        if k + 3 < b.len() && b[k].is_ascii_uppercase() && b[k + 1] == b'.' && b[k + 2] == b' ' {
            if let Some(n) = name_word(b, k + 3) {
                e = n;
                words += 1;
                continue;
            }
        }
        match name_word(b, k) {
            Some(n) => {
                e = n;
                words += 1;
            }
            None => break,
        }
    }
    Some((e, words))
}

/// `cues`: the leftmost-longest matches of [`NAME_CUES`] and [`HONORIFICS`] in `text`;
/// `capitals`: every ASCII capital in `text`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(
    text: &str,
    cues: &[(usize, usize)],
    capitals: Positions<'_>,
    out: &mut Vec<Candidate>,
) {
    let b = text.as_bytes();
    // 1. Cue-introduced names.
    for &(cue_start, cue_end) in cues {
        if !crate::text::boundary_before(b, cue_start) {
            continue;
        }
        let cue = &text[cue_start..cue_end];
        let is_honorific = HONORIFICS.iter().any(|h| cue.eq_ignore_ascii_case(h));
        let mut k = cue_end;
        if is_honorific {
            if k < b.len() && b[k] == b'.' {
                k += 1;
            }
            // The honorific itself must be capitalised ("Dr", not "dr" in prose).
            if !b[cue_start].is_ascii_uppercase() {
                continue;
            }
        } else if !crate::text::boundary_after(b, k) && !cue.ends_with([':', ',']) {
            continue;
        }
        // "Patient: Jane Roe", "Signed, Jane Roe": a colon or comma may follow the cue.
        if !is_honorific && k < b.len() && matches!(b[k], b':' | b',') && !cue.ends_with([':', ','])
        {
            k += 1;
        }
        let space = k < b.len() && b[k] == b' ';
        let newline_after_signoff = k < b.len() && b[k] == b'\n' && cue.ends_with(',');
        let glued_after_colon = k < b.len() && b[k].is_ascii_uppercase() && cue.ends_with(':');
        if space || newline_after_signoff {
            k += 1;
        } else if !glued_after_colon {
            continue;
        }
        let Some((e, words)) = name_sequence(b, k, 3) else {
            continue;
        };
        // A single word needs an honorific or a known first name.
        if words == 1 && !is_honorific && !is_first_name(b, k, e) {
            continue;
        }
        let score = if is_honorific {
            0.85
        } else if words >= 2 {
            0.75
        } else {
            0.6
        };
        out.push(Candidate::new(EntityType::Person, k, e, score));
    }
    // 2. Known first name + capitalised surname, anywhere: from every capital at a word start
    // whose name-shaped word ends at a space before a capital (most capitalised words are
    // sentence starts, and stop there). Those words are found from the other end: each
    // capital after a space, back over the name-shaped bytes before the space. Every such
    // capital's word ends at that space, and no other capital's word does; so the capitals
    // are tried in the same order as a walk over every capital would try them, and the others
    // (which that walk passed over) are never looked at.
    let shaped = |x: usize| {
        b[x].is_ascii_alphabetic()
            || ((b[x] == b'\'' || b[x] == b'-') && x + 1 < b.len() && b[x + 1].is_ascii_uppercase())
    };
    // Capitals before `resume` are inside a name already reported.
    let mut resume = 0;
    for second in capitals.iter() {
        if second == 0 || b[second - 1] != b' ' {
            continue;
        }
        let space = second - 1;
        let mut i = space;
        while i > resume && shaped(i - 1) {
            i -= 1;
        }
        while i < space {
            if !b[i].is_ascii_uppercase() || !crate::text::boundary_before(b, i) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
            debug_assert_eq!(shape_end_from(b, j), space);
            if let Some((e, words)) = name_sequence(b, i, 3) {
                let followed_by_verb = b.get(e) == Some(&b' ')
                    && AFTER_NAME_CUES
                        .iter()
                        .any(|c| b[e..].starts_with(c.as_bytes()));
                let first_name = is_first_name(b, i, j);
                if words >= 2 && (first_name || followed_by_verb) {
                    // "Then Jane Roe wrote": without a known first name, keep the last two words.
                    let start = if !first_name && words == 3 {
                        text[i..e].find(' ').map_or(i, |p| i + p + 1)
                    } else {
                        i
                    };
                    out.push(Candidate::new(EntityType::Person, start, e, 0.7));
                    // A second word follows the space: `e` is past it.
                    resume = e;
                    break;
                }
            }
            i = j.max(i + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        assert!(super::FIRST_NAMES.windows(2).all(|w| w[0] < w[1]));
        assert!(super::NOT_NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    /// The first-name + surname search as it was written: a walk over every capital.
    fn names_by_walking_every_capital(text: &str) -> Vec<(usize, usize)> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_uppercase() || !crate::text::boundary_before(b, i) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
            let first_end = shape_end_from(b, j);
            let second_word_possible = first_end + 1 < b.len()
                && b[first_end] == b' '
                && b[first_end + 1].is_ascii_uppercase();
            if !second_word_possible {
                i = j.max(i + 1);
                continue;
            }
            if let Some((e, words)) = name_sequence(b, i, 3) {
                let followed_by_verb = b.get(e) == Some(&b' ')
                    && AFTER_NAME_CUES
                        .iter()
                        .any(|c| b[e..].starts_with(c.as_bytes()));
                let first_name = is_first_name(b, i, j);
                if words >= 2 && (first_name || followed_by_verb) {
                    let start = if !first_name && words == 3 {
                        text[i..e].find(' ').map_or(i, |p| i + p + 1)
                    } else {
                        i
                    };
                    out.push((start, e));
                    i = e;
                    continue;
                }
            }
            i = j.max(i + 1);
        }
        out
    }

    fn names_found(text: &str) -> Vec<(usize, usize)> {
        let map = crate::text::ByteMap::new(text.as_bytes());
        let mut out = Vec::new();
        scan(text, &[], map.capitals(), &mut out);
        out.iter().map(|c| (c.start, c.end)).collect()
    }

    #[test]
    fn names_from_second_words_equal_the_walk_over_every_capital_on_fixed_texts() {
        for text in [
            "Jane Roe wrote. Then Jane Roe Smith said hi; Anna-Lena Berg and O'Brien Kelly, \
             Mary J. Watson, Zoe X-Ray Foo wrote, x-Ray Foo said, Emma McDonald-Smith Lee",
            "John Smith John Smith John Smith",
            "Dear Sir, Ana María López said that Kim Lee",
            "James O'Neil-Grant Yates asked. LEE Kim wrote. Li Bo Wu Xi said",
            "Will Smith will follow up with Grace Hopper, Alan Turing and Ada Lovelace.",
        ] {
            let found = names_found(text);
            assert!(!found.is_empty(), "{text}");
            assert_eq!(found, names_by_walking_every_capital(text), "{text}");
        }
    }

    proptest! {
        /// Same on random texts of name words, capitals, joiners, spaces and noise.
        #[test]
        fn names_from_second_words_equal_the_walk_over_every_capital(
            parts in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(vec![
                        "Jane", "John", "Roe", "Smith", "Mary", "J.", "O'Brien", "Anna-Lena",
                        "McDonald", "X", "The", "LEE", "Li", "wrote", "said", "will follow up",
                        "Dr", "Then", "Émile", "Grace", "Will",
                    ])
                    .prop_map(str::to_string),
                    "[A-Z][a-z]{0,6}",
                    "[ '\\-.,]{1,2}",
                    "[a-zA-Z0-9 '\\-é]{0,5}",
                ],
                0..40,
            )
        ) {
            let text = parts.concat();
            prop_assert_eq!(names_found(&text), names_by_walking_every_capital(&text));
        }
    }
}
