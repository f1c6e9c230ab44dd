//! STREET_ADDRESS (heuristic): a house number, one to four street-name words and a street
//! suffix (`Street`, `Ave`, `Blvd`, …), optionally a unit (`Apt. 4B`, `Suite 210`) and a
//! `, City, ST 12345` tail. US-style addresses only.

use super::{Candidate, DigitStarts};
use crate::entity::EntityType;

/// USPS street suffixes (full and abbreviated), lower-case, sorted.
const SUFFIXES: &[&str] = &[
    "alley",
    "aly",
    "annex",
    "anx",
    "arcade",
    "av",
    "ave",
    "avenue",
    "bay",
    "bend",
    "bluff",
    "bluffs",
    "blvd",
    "boulevard",
    "branch",
    "bridge",
    "brook",
    "brooks",
    "burg",
    "burgs",
    "bypass",
    "camp",
    "canyon",
    "cape",
    "causeway",
    "center",
    "centers",
    "cir",
    "circle",
    "circles",
    "cliff",
    "cliffs",
    "club",
    "common",
    "corner",
    "corners",
    "course",
    "court",
    "courts",
    "cove",
    "coves",
    "creek",
    "crescent",
    "crest",
    "crossing",
    "crossroad",
    "ct",
    "curve",
    "dale",
    "dam",
    "divide",
    "dr",
    "drive",
    "drives",
    "estate",
    "estates",
    "expressway",
    "extension",
    "extensions",
    "fall",
    "falls",
    "ferry",
    "field",
    "fields",
    "flat",
    "flats",
    "ford",
    "fords",
    "forest",
    "forge",
    "forges",
    "fork",
    "forks",
    "fort",
    "freeway",
    "garden",
    "gardens",
    "gateway",
    "glen",
    "glens",
    "green",
    "greens",
    "grove",
    "groves",
    "harbor",
    "harbors",
    "haven",
    "heights",
    "highway",
    "hill",
    "hills",
    "hollow",
    "hwy",
    "inlet",
    "island",
    "islands",
    "isle",
    "junction",
    "junctions",
    "key",
    "keys",
    "knoll",
    "knolls",
    "lake",
    "lakes",
    "land",
    "landing",
    "lane",
    "light",
    "lights",
    "ln",
    "loaf",
    "lock",
    "locks",
    "lodge",
    "loop",
    "mall",
    "manor",
    "manors",
    "meadow",
    "meadows",
    "mews",
    "mill",
    "mills",
    "mission",
    "motorway",
    "mount",
    "mountain",
    "mountains",
    "neck",
    "orchard",
    "oval",
    "overpass",
    "park",
    "parks",
    "parkway",
    "parkways",
    "pass",
    "passage",
    "path",
    "pike",
    "pine",
    "pines",
    "pkwy",
    "pl",
    "place",
    "plain",
    "plains",
    "plaza",
    "point",
    "points",
    "port",
    "ports",
    "prairie",
    "radial",
    "ramp",
    "ranch",
    "rapid",
    "rapids",
    "rd",
    "rest",
    "ridge",
    "ridges",
    "river",
    "road",
    "roads",
    "route",
    "row",
    "rue",
    "run",
    "shoal",
    "shoals",
    "shore",
    "shores",
    "skyway",
    "spring",
    "springs",
    "spur",
    "spurs",
    "sq",
    "square",
    "squares",
    "st",
    "station",
    "stravenue",
    "stream",
    "street",
    "streets",
    "summit",
    "ter",
    "terrace",
    "throughway",
    "trace",
    "track",
    "trafficway",
    "trail",
    "trailer",
    "trl",
    "tunnel",
    "turnpike",
    "underpass",
    "union",
    "unions",
    "valley",
    "valleys",
    "via",
    "viaduct",
    "view",
    "views",
    "village",
    "villages",
    "ville",
    "vista",
    "walk",
    "walks",
    "wall",
    "way",
    "ways",
    "well",
    "wells",
];

/// Abbreviated suffixes, which may carry a trailing `.` ("Main St.").
const ABBREVIATIONS: &[&str] = &[
    "aly", "anx", "av", "ave", "blvd", "cir", "ct", "dr", "hwy", "ln", "pkwy", "pl", "rd", "sq",
    "st", "ter", "trl",
];

const UNITS: &[&str] = &[
    "apt", "apt.", "suite", "ste", "ste.", "unit", "#", "floor", "fl", "room",
];

fn word_at(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'\'') {
        j += 1;
    }
    (j > i).then_some(j)
}

fn is_suffix(b: &[u8], s: usize, e: usize) -> bool {
    let w = &b[s..e];
    w.len() <= 16
        && SUFFIXES
            .binary_search_by(|probe| probe.bytes().cmp(w.iter().map(u8::to_ascii_lowercase)))
            .is_ok()
}

/// `Apt. 4B`, `Suite 210`, `# 5` after the street.
fn unit(b: &[u8], mut e: usize) -> usize {
    let start = e;
    if e < b.len() && b[e] == b',' {
        e += 1;
    }
    if e < b.len() && b[e] == b' ' {
        e += 1;
    }
    let Some(we) = word_at(b, e).or_else(|| (e < b.len() && b[e] == b'#').then_some(e + 1)) else {
        return start;
    };
    let w = String::from_utf8_lossy(&b[e..we]).to_ascii_lowercase();
    let mut k = we;
    if k < b.len() && b[k] == b'.' {
        k += 1;
    }
    if !UNITS.contains(&w.as_str()) {
        return start;
    }
    if k < b.len() && b[k] == b' ' {
        k += 1;
    }
    match word_at(b, k) {
        Some(ue) if b[k].is_ascii_digit() && ue - k <= 6 => ue,
        _ => start,
    }
}

/// `, City, ST 12345` or `\nCity, ST 12345` after the street.
fn city_state_zip(b: &[u8], e: usize) -> usize {
    let mut k = e;
    if k + 1 < b.len() && ((b[k] == b',' && b[k + 1] == b' ') || b[k] == b'\n') {
        k += if b[k] == b'\n' { 1 } else { 2 };
    } else {
        return e;
    }
    // City: 1-3 capitalised words.
    let mut words = 0;
    while words < 3 && k < b.len() && b[k].is_ascii_uppercase() {
        let Some(we) = word_at(b, k) else { break };
        k = we;
        words += 1;
        if k < b.len()
            && b[k] == b' '
            && k + 1 < b.len()
            && b[k + 1].is_ascii_uppercase()
            && !(k + 3 < b.len()
                && b[k + 1..k + 3].iter().all(u8::is_ascii_uppercase)
                && b[k + 3] == b' ')
        {
            k += 1;
        } else {
            break;
        }
    }
    if words == 0 || k + 10 > b.len() || b[k] != b',' || b[k + 1] != b' ' {
        return e;
    }
    k += 2;
    // State: two capitals, then a 5-digit ZIP (optionally ZIP+4).
    if !(b[k].is_ascii_uppercase() && b[k + 1].is_ascii_uppercase() && b[k + 2] == b' ') {
        return e;
    }
    k += 3;
    if !(k + 5 <= b.len() && b[k..k + 5].iter().all(u8::is_ascii_digit)) {
        return e;
    }
    k += 5;
    if k + 5 <= b.len() && b[k] == b'-' && b[k + 1..k + 5].iter().all(u8::is_ascii_digit) {
        k += 5;
    }
    if crate::text::boundary_after(b, k) {
        k
    } else {
        e
    }
}

#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(text: &str, starts: &DigitStarts, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    // A house number starts a digit run; `i` is where a byte-by-byte scan would resume.
    let mut i = 0;
    for p in starts.iter() {
        if p < i {
            continue;
        }
        i = p;
        if !crate::text::boundary_before(b, i) {
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j - i > 6 || j >= b.len() || b[j] != b' ' {
            i = j;
            continue;
        }
        // Up to five words after the number; the last one a suffix (optionally followed by '.').
        let mut k = j + 1;
        let mut found = None;
        for n in 0..5 {
            let Some(we) = word_at(b, k) else { break };
            let first = b[k];
            let capital_or_ordinal = first.is_ascii_uppercase() || first.is_ascii_digit();
            if !capital_or_ordinal {
                break;
            }
            if n > 0 && is_suffix(b, k, we) {
                let mut end = we;
                if end < b.len()
                    && b[end] == b'.'
                    && ABBREVIATIONS.contains(
                        &String::from_utf8_lossy(&b[k..we])
                            .to_ascii_lowercase()
                            .as_str(),
                    )
                {
                    end += 1;
                }
                found = Some(end);
                // Keep going: "Park Avenue" style names can contain a suffix word.
            }
            if we >= b.len() || b[we] != b' ' {
                break;
            }
            k = we + 1;
        }
        if let Some(mut end) = found {
            end = unit(b, end);
            end = city_state_zip(b, end);
            out.push(Candidate::new(EntityType::StreetAddress, i, end, 0.75));
            i = end;
            continue;
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn suffixes_are_sorted_for_binary_search() {
        assert!(super::SUFFIXES.windows(2).all(|w| w[0] < w[1]));
    }
}
