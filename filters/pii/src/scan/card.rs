//! CREDIT_CARD: 13–19 digits, card-style grouping, a known brand prefix for the length, and
//! a valid Luhn checksum. Numbers introduced as orders, invoices or tracking numbers are not
//! cards even when the checksum happens to pass (one random number in ten does).

use super::{Candidate, DigitRuns};
use crate::entity::EntityType;
use crate::text::{has_context, has_word_before};
use crate::validate::luhn_valid;

pub(crate) const NOT_A_CARD_CUES: &[&str] = &[
    "order",
    "invoice",
    "tracking",
    "ticket",
    "reference",
    "ref",
    "confirmation",
    "booking",
    "shipment",
    "isbn",
    "serial",
    "account no",
    "routing",
    "transaction id",
    "case",
];
pub(crate) const CARD_CUES: &[&str] = &[
    "card",
    "visa",
    "mastercard",
    "amex",
    "discover",
    "credit",
    "debit",
    "cc",
    "pan",
    "payment",
];

fn prefix_num(d: &[u8], n: usize) -> u32 {
    d.iter().take(n).fold(0, |acc, x| acc * 10 + u32::from(*x))
}

/// True when the digits start with an issuer prefix that issues cards of this length.
pub(crate) fn brand_matches(d: &[u8]) -> bool {
    let len = d.len();
    let p1 = prefix_num(d, 1);
    let p2 = prefix_num(d, 2);
    let p3 = prefix_num(d, 3);
    let p4 = prefix_num(d, 4);
    match p1 {
        4 => matches!(len, 13 | 16 | 19),
        5 => {
            ((51..=55).contains(&p2) && len == 16)
                || (matches!(p2, 50 | 56..=58) && (13..=19).contains(&len))
        }
        2 => ((2221..=2720).contains(&p4) || (2200..=2204).contains(&p4)) && len == 16,
        3 => {
            (matches!(p2, 34 | 37) && len == 15)
                || ((3528..=3589).contains(&p4) && (16..=19).contains(&len))
                || (((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39))
                    && (14..=19).contains(&len))
        }
        6 => (16..=19).contains(&len) || (p2 == 67 && len >= 13),
        _ => false,
    }
}

/// Card numbers are printed as one block, in fours (last group shorter), or Amex/Diners 4-6-5/4-6-4.
fn grouping_ok(lens: &[usize], seps: &[u8]) -> bool {
    if lens.len() == 1 {
        return true;
    }
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return false;
    }
    let (last, head) = match lens.split_last() {
        Some(x) => x,
        None => return false,
    };
    (head.iter().all(|l| *l == 4) && (1..=4).contains(last))
        || lens == [4, 6, 5]
        || lens == [4, 6, 4]
}

#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(text: &str, runs: &DigitRuns, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    for run in runs.iter() {
        // Try every group as a start so that a card after an unrelated number in the same
        // run (`qty 2 4111 1111 1111 1111`) is still found. Bounded: at most 19 digits ahead.
        let n = run.groups.len();
        for first in 0..n {
            let mut digits = 0;
            for last in first..n {
                let (s, e) = run.groups[last];
                digits += e - s;
                if digits > 19 {
                    break;
                }
                if digits < 13 {
                    continue;
                }
                // The candidate must not be glued to more digits of the same run unless it
                // starts/ends the run; sub-runs are only considered at group edges anyway.
                let lens: Vec<usize> = run.groups[first..=last]
                    .iter()
                    .map(|(s, e)| e - s)
                    .collect();
                if !grouping_ok(&lens, &run.seps[first..last]) {
                    continue;
                }
                if (first > 0 || last + 1 < n) && lens.len() == 1 {
                    continue; // a lone block inside a longer run of numbers
                }
                let start = run.groups[first].0;
                let end = run.groups[last].1;
                let d: Vec<u8> = b[start..end]
                    .iter()
                    .filter(|c| c.is_ascii_digit())
                    .map(|c| c - b'0')
                    .collect();
                if !brand_matches(&d) || !luhn_valid(&d) {
                    continue;
                }
                if has_word_before(text, start, 24, NOT_A_CARD_CUES)
                    && !has_context(text, start, end, 32, CARD_CUES)
                {
                    continue;
                }
                out.push(Candidate::new(EntityType::CreditCard, start, end, 1.0));
            }
        }
    }
}
