//! Calendar dates in the formats people write birth dates in.

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// True for a real calendar day (leap years included).
    pub fn is_real(&self) -> bool {
        if !(1..=12).contains(&self.month) || self.day == 0 {
            return false;
        }
        let leap = (self.year.is_multiple_of(4) && !self.year.is_multiple_of(100))
            || self.year.is_multiple_of(400);
        let days = match self.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        self.day <= days
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Month number for an English month name or its three-letter abbreviation (any case,
/// optional trailing `.`).
pub(crate) fn month_from_name(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            *m == w || (w.len() == 3 && m.starts_with(&w)) || (w == "sept" && *m == "september")
        })
        .map(|p| p as u32 + 1)
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses one date: `YYYY-MM-DD`, `YYYY/MM/DD`, `MM/DD/YYYY`, `DD/MM/YYYY` (when the first
/// number exceeds 12), `DD.MM.YYYY`, `DD-MM-YYYY`, `Month D, YYYY`, `D Month YYYY`,
/// `Mon D YYYY`. Only real calendar days are returned; the caller bounds the year.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let numeric: Vec<&str> = s.split(['-', '/', '.']).collect();
    if numeric.len() == 3 && numeric.iter().all(|p| num(p).is_some()) {
        let (a, b, c) = (numeric[0], numeric[1], numeric[2]);
        let d = if a.len() == 4 {
            Date {
                year: num(a)?,
                month: num(b)?,
                day: num(c)?,
            }
        } else if c.len() == 4 {
            let (x, y) = (num(a)?, num(b)?);
            let dot_or_dash_european = s.contains('.');
            if x > 12 || dot_or_dash_european {
                Date {
                    year: num(c)?,
                    month: y,
                    day: x,
                }
            } else {
                Date {
                    year: num(c)?,
                    month: x,
                    day: y,
                }
            }
        } else {
            return None;
        };
        return d.is_real().then_some(d);
    }
    let words: Vec<&str> = s.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    if words.len() != 3 {
        return None;
    }
    let strip_ordinal = |w: &str| -> Option<u32> {
        let w = w
            .trim_end_matches("st")
            .trim_end_matches("nd")
            .trim_end_matches("rd")
            .trim_end_matches("th");
        (w.len() <= 2).then(|| num(w)).flatten()
    };
    let d = if let Some(m) = month_from_name(words[0]) {
        Date {
            year: num(words[2])?,
            month: m,
            day: strip_ordinal(words[1])?,
        }
    } else {
        Date {
            year: num(words[2])?,
            month: month_from_name(words[1])?,
            day: strip_ordinal(words[0])?,
        }
    };
    (words[2].len() == 4 && d.is_real()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let d = Date {
            year: 1985,
            month: 3,
            day: 14,
        };
        assert_eq!(parse_date("1985-03-14"), Some(d));
        assert_eq!(parse_date("03/14/1985"), Some(d));
        assert_eq!(parse_date("14/03/1985"), Some(d));
        assert_eq!(parse_date("14.03.1985"), Some(d));
        assert_eq!(parse_date("March 14, 1985"), Some(d));
        assert_eq!(parse_date("14 March 1985"), Some(d));
        assert_eq!(parse_date("Mar 14th 1985"), Some(d));
    }

    #[test]
    fn impossible_days_rejected() {
        assert_eq!(parse_date("1985-02-30"), None);
        assert_eq!(parse_date("1985-13-01"), None);
        assert_eq!(parse_date("1900-02-29"), None);
        assert!(parse_date("2000-02-29").is_some());
    }
}
