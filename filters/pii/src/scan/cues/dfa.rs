//! A small Aho-Corasick DFA that reports every occurrence (overlapping) of a set of patterns,
//! ASCII letters compared without case — what `aho_corasick` with `MatchKind::Standard` and
//! `ascii_case_insensitive` reports, from a table a seventh the size and a faster walk.
//!
//! Why not the crate's DFA: a DFA walk is one table load per byte, and each load needs the
//! state the previous one produced, so the walk runs at the latency of a load (several cycles
//! a byte) however short the rest of the loop is. Here the text is cut into [`LANES`] pieces
//! walked in lockstep: their loads are independent, so the processor overlaps them. A piece's
//! walk continues past its end for [`Dfa::max_len`]` - 1` bytes, so an occurrence that starts
//! in one piece and ends in the next is found by the first walk (and not again by the second,
//! which reports only occurrences starting in its piece). The table is also small: `u16`
//! states times the classes of bytes the patterns use (about 44 KB of rows for the cue lists,
//! in 128.5 KB allocated of which the gap below [`MATCH`] and the pages past the last row are
//! never touched, against about 310 KB for the crate's DFA, which pads its rows and stores
//! `u32`s).

/// Pieces walked in lockstep (the loop below is written out for four). Four hides most of
/// the load latency; eight measured no faster natively.
const LANES: usize = 4;

/// Steps each lane takes between two tests for a match state (the loop below is written out
/// for two): the test, and the loop's own count and branch, once per eight bytes.
const STEPS: usize = 2;

/// Texts shorter than this are walked in one piece: the lockstep setup would cost more than it
/// saves.
const MIN_LOCKSTEP_LEN: usize = 128;

/// Match states are numbered from this bit up, the others below it: "does any lane end a
/// pattern" is one OR of the lanes' states and one bit test (a max over the lanes against a
/// threshold held in a register was four compares, and in wasmtime the walk's values no longer
/// fit in registers). The rows between the last other state and this one are never used.
const MATCH: usize = 1 << 15;

/// Entries of the transition table: every `u16` state plus every `u8` class.
const TABLE: usize = (1 << 16) + 256;

pub(crate) struct Dfa {
    /// Byte → column of the transition table; ASCII upper-case maps to its lower-case column,
    /// bytes no pattern uses to column 0.
    classes: [u8; 256],
    /// Columns per row.
    stride: usize,
    /// `trans[state + class]`: the next state, as the index of its row's first entry (states
    /// are premultiplied by `stride`, so a step is one add and one load). State 0 is the start;
    /// states from [`MATCH`] on end at least one pattern.
    /// Every `u16` state plus a `u8` class is inside it: the walk needs no bounds check (in
    /// wasm a compare, a branch and one more live register per lane) and no mask (the walk
    /// was a mask to 16 bits per step before). Pages past the last row are never touched.
    trans: Box<[u16; TABLE]>,
    /// For match state `MATCH + k * stride`: its patterns are
    /// `outputs[output_start[k]..output_start[k + 1]]`, as `(pattern id, pattern length)`.
    output_start: Vec<u32>,
    outputs: Vec<(u16, u16)>,
    max_len: usize,
}

impl Dfa {
    /// Builds the automaton; pattern ids are positions in `patterns`. Patterns must be
    /// non-empty and fewer than 65 536 bytes each; the total trie must fit `u16` states.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Dfa, String> {
        let patterns: Vec<Vec<u8>> = patterns
            .into_iter()
            .map(|p| p.bytes().map(|b| b.to_ascii_lowercase()).collect())
            .collect();
        if patterns
            .iter()
            .any(|p| p.is_empty() || p.len() > usize::from(u16::MAX))
        {
            return Err("patterns must be 1 to 65535 bytes".into());
        }
        let mut classes = [0u8; 256];
        let mut stride = 1;
        for p in &patterns {
            for &b in p {
                if classes[usize::from(b)] == 0 {
                    classes[usize::from(b)] =
                        u8::try_from(stride).map_err(|_| "too many byte classes")?;
                    stride += 1;
                }
            }
        }
        for b in b'A'..=b'Z' {
            classes[usize::from(b)] = classes[usize::from(b.to_ascii_lowercase())];
        }

        // The trie: `goto[node * stride + class]`, 0 for "no edge" (the root is never a
        // child). `own[node]`: the patterns ending exactly at `node`.
        let mut goto: Vec<u32> = vec![0; stride];
        let mut own: Vec<Vec<u16>> = vec![Vec::new()];
        let mut depth: Vec<usize> = vec![0];
        for (id, p) in patterns.iter().enumerate() {
            let mut node = 0usize;
            for &b in p {
                let slot = node * stride + usize::from(classes[usize::from(b)]);
                if goto[slot] == 0 {
                    let child = own.len();
                    goto[slot] = u32::try_from(child).map_err(|_| "trie too large")?;
                    goto.extend(std::iter::repeat_n(0, stride));
                    own.push(Vec::new());
                    depth.push(depth[node] + 1);
                }
                node = goto[slot] as usize;
            }
            own[node].push(u16::try_from(id).map_err(|_| "too many patterns")?);
        }
        let nodes = own.len();

        // Breadth-first: failure links, every node's full output (its own patterns, then
        // those of its failure chain), and the complete transition function.
        let mut fail = vec![0usize; nodes];
        let mut delta = vec![0u32; nodes * stride];
        let mut output: Vec<Vec<u16>> = vec![Vec::new(); nodes];
        let mut queue = std::collections::VecDeque::new();
        for c in 0..stride {
            let child = goto[c] as usize;
            delta[c] = child as u32;
            if child != 0 {
                queue.push_back(child);
            }
        }
        while let Some(node) = queue.pop_front() {
            let mut out = own[node].clone();
            out.extend_from_slice(&output[fail[node]]);
            output[node] = out;
            for c in 0..stride {
                let child = goto[node * stride + c] as usize;
                if child != 0 {
                    fail[child] = delta[fail[node] * stride + c] as usize;
                    delta[node * stride + c] = child as u32;
                    queue.push_back(child);
                } else {
                    delta[node * stride + c] = delta[fail[node] * stride + c];
                }
            }
        }

        // Renumber: the start state first, states without output, then those with output.
        let mut order: Vec<usize> = (0..nodes).filter(|&n| output[n].is_empty()).collect();
        let first_match_index = order.len();
        order.extend((0..nodes).filter(|&n| !output[n].is_empty()));
        debug_assert_eq!(order[0], 0, "the root has no output");
        let row = |i: usize| {
            if i < first_match_index {
                i * stride
            } else {
                MATCH + (i - first_match_index) * stride
            }
        };
        if first_match_index * stride > MATCH
            || row(nodes.saturating_sub(1)) + stride > usize::from(u16::MAX) + 1
        {
            return Err("automaton too large for u16 states".into());
        }
        let mut new_id = vec![0usize; nodes];
        for (i, &n) in order.iter().enumerate() {
            new_id[n] = row(i);
        }
        let mut trans: Box<[u16; TABLE]> = vec![0u16; TABLE]
            .into_boxed_slice()
            .try_into()
            .map_err(|_| "table size")?;
        let mut output_start = Vec::new();
        let mut outputs = Vec::new();
        for (i, &n) in order.iter().enumerate() {
            for c in 0..stride {
                trans[row(i) + c] = new_id[delta[n * stride + c] as usize] as u16;
            }
            if i >= first_match_index {
                output_start.push(outputs.len() as u32);
                outputs.extend(
                    output[n]
                        .iter()
                        .map(|&id| (id, patterns[usize::from(id)].len() as u16)),
                );
            }
        }
        output_start.push(outputs.len() as u32);
        Ok(Dfa {
            classes,
            stride,
            trans,
            output_start,
            outputs,
            max_len: patterns.iter().map(Vec::len).max().unwrap_or(0),
        })
    }

    #[inline(always)]
    fn step(&self, state: usize, byte: u8) -> usize {
        let at = state + usize::from(self.classes[usize::from(byte)]);
        debug_assert!(at < TABLE);
        // SAFETY: every state is 0 or an entry of the table (a `u16`), and a `u16` plus a `u8`
        // is below TABLE, the table's length.
        usize::from(unsafe { *self.trans.get_unchecked(at) })
    }

    /// Reports the patterns of match state `state` reached on the byte at `end - 1` whose
    /// start is below `before`.
    #[cold]
    fn report(
        &self,
        state: usize,
        end: usize,
        before: usize,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        let k = (state - MATCH) / self.stride;
        let range = self.output_start[k] as usize..self.output_start[k + 1] as usize;
        for &(id, len) in &self.outputs[range] {
            let start = end - usize::from(len);
            if start < before {
                f(usize::from(id), start, end);
            }
        }
    }

    /// Walks `hay[from..to]` from `state`, reporting occurrences that start below `before`.
    fn walk(
        &self,
        hay: &[u8],
        mut state: usize,
        from: usize,
        to: usize,
        before: usize,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        for (i, &b) in hay[from..to].iter().enumerate() {
            state = self.step(state, b);
            if is_match(state) {
                self.report(state, from + i + 1, before, f);
            }
        }
    }

    /// Calls `f(pattern id, start, end)` for every occurrence of every pattern in `hay`, in no
    /// particular order.
    pub fn for_each_match(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        let n = hay.len();
        // Each lane walks its piece and then `overlap` bytes more (at least `max_len - 1`), all
        // in lockstep: an occurrence that starts in a piece and ends in the next is its lane's.
        let overlap = (self.max_len.max(1) - 1).next_multiple_of(STEPS);
        if n < MIN_LOCKSTEP_LEN || n < LANES * STEPS + overlap {
            self.walk(hay, 0, 0, n, n, &mut f);
            return;
        }
        // Pieces of a whole number of steps; the last lane's walk takes the rest of the text.
        let piece = (n - overlap) / (LANES * STEPS) * STEPS;
        let starts: [usize; LANES] = std::array::from_fn(|k| k * piece);
        // Occurrences starting in piece `k` are lane `k`'s (the last piece runs to `n`).
        let before: [usize; LANES] =
            std::array::from_fn(|k| if k + 1 < LANES { starts[k + 1] } else { n });
        // Every lane's walk in lockstep: its piece and the overlap (the last lane's ends at or
        // before `n`, as `LANES * piece + overlap <= n`).
        let steps = piece + overlap;
        let lane = |k: usize| hay[starts[k]..starts[k] + steps].as_chunks::<STEPS>().0;
        let mut state = [0usize; LANES];
        for (i, (((b0, b1), b2), b3)) in lane(0)
            .iter()
            .zip(lane(1))
            .zip(lane(2))
            .zip(lane(3))
            .enumerate()
        {
            // Two steps per lane, then one test whether any of the eight states ends a pattern.
            let first = [
                self.step(state[0], b0[0]),
                self.step(state[1], b1[0]),
                self.step(state[2], b2[0]),
                self.step(state[3], b3[0]),
            ];
            state = [
                self.step(first[0], b0[1]),
                self.step(first[1], b1[1]),
                self.step(first[2], b2[1]),
                self.step(first[3], b3[1]),
            ];
            let any = first[0]
                | first[1]
                | first[2]
                | first[3]
                | state[0]
                | state[1]
                | state[2]
                | state[3];
            if is_match(any) {
                for k in 0..LANES {
                    let end = starts[k] + STEPS * i + 1;
                    if is_match(first[k]) {
                        self.report(first[k], end, before[k], &mut f);
                    }
                    if is_match(state[k]) {
                        self.report(state[k], end + 1, before[k], &mut f);
                    }
                }
            }
        }
        let last = LANES - 1;
        self.walk(hay, state[last], starts[last] + steps, n, n, &mut f);
    }
}

/// True for the states from [`MATCH`] on, and for an OR of states one of which is.
#[inline(always)]
fn is_match(state: usize) -> bool {
    state & MATCH != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "he", "she", "his", "hers", "a", "ab", "abc", "bc", "c", "né le", "X-Y", "aaaa", "aa",
    ];

    fn reference(words: &[&str], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(words)
            .expect("automaton");
        let mut v: Vec<_> = ac
            .find_overlapping_iter(hay)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        v.sort_unstable();
        v
    }

    fn ours(words: &[&str], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let dfa = Dfa::new(words.iter().copied()).expect("dfa");
        let mut v = Vec::new();
        dfa.for_each_match(hay, |id, s, e| v.push((id, s, e)));
        v.sort_unstable();
        v
    }

    #[test]
    fn equals_the_crate_on_fixed_texts() {
        let long = "ushers AB aBc né le NÉ LE x-y aaaaa ".repeat(40);
        for hay in ["", "h", "ushers", "AaAaA", "né lené le", long.as_str()] {
            assert_eq!(
                ours(WORDS, hay.as_bytes()),
                reference(WORDS, hay.as_bytes()),
                "{hay}"
            );
        }
    }

    proptest! {
        /// Short and long texts (the long ones are walked in lockstep pieces), occurrences
        /// placed across piece boundaries at every offset.
        #[test]
        fn equals_the_crate_on_random_texts(
            parts in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(WORDS.to_vec()).prop_map(str::to_string),
                    prop::sample::select(WORDS.to_vec()).prop_map(|w| w.to_ascii_uppercase()),
                    "[abchesrxyn -]{0,7}",
                    "[^a]{0,3}",
                ],
                0..120,
            )
        ) {
            let hay = parts.concat();
            prop_assert_eq!(ours(WORDS, hay.as_bytes()), reference(WORDS, hay.as_bytes()));
        }

        /// Patterns longer than the overlap of short ones (the cue lists' longest is 25 bytes),
        /// in texts long enough for lockstep: occurrences across piece ends, in the overlap
        /// and in the last lane's tail.
        #[test]
        fn equals_the_crate_with_long_patterns(
            parts in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(LONG_WORDS.to_vec()).prop_map(str::to_string),
                    "[abcekors_ ./-]{0,9}",
                ],
                10..90,
            )
        ) {
            let hay = parts.concat();
            prop_assert_eq!(
                ours(LONG_WORDS, hay.as_bytes()),
                reference(LONG_WORDS, hay.as_bytes())
            );
        }
    }

    const LONG_WORDS: &[&str] = &[
        "hooks.slack.com/services/",
        "aws_secret_access_key",
        "secret access key",
        "secret",
        "access",
        "ss",
        "a",
        "-----begin ",
    ];
}
