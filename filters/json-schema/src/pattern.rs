//! `pattern` and `patternProperties`: regular expressions on a linear-time engine.
//!
//! The `regex` crate runs finite automata, so matching time grows linearly with the text
//! whatever the pattern. The price: look-around and back-references (which need
//! backtracking) do not compile, and a schema using them is refused at compile time rather
//! than becoming a denial-of-service risk. Compiled size is capped so that a hostile pattern
//! (`.{0,400000}`) is a compile error, not a memory blow-up. Built with Perl classes, general
//! categories (`\p{Letter}`) and case folding; script and age classes (`\p{Greek}`) are not
//! compiled in (module size) and fail to compile.

use regex::{Regex, RegexBuilder};

/// The compiled form of one pattern.
pub(crate) type Pattern = Regex;

/// Compiles `source` with the automaton size capped at `size_limit` bytes.
pub(crate) fn compile(source: &str, size_limit: usize) -> Result<Pattern, String> {
    RegexBuilder::new(source)
        .size_limit(size_limit)
        .dfa_size_limit(size_limit)
        .build()
        .map_err(|e| {
            let detail = e.to_string();
            let detail = detail.lines().last().unwrap_or("").trim().to_string();
            format!(
                "pattern `{source}` does not compile: {detail} (patterns are compiled by a \
                 linear-time regex engine: look-around and back-references are not supported)"
            )
        })
}
