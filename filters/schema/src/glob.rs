//! Glob patterns for model and tool names: `*` matches any run of characters (including none),
//! `?` exactly one; everything else matches itself. Matching is case-sensitive.

/// True when `text` matches `pattern`.
///
/// Greedy matching with a single back-track point: O(len(pattern) × len(text)) in the worst
/// case, with no recursion, so a hostile name cannot blow the stack.
///
/// ```
/// use parapet_schema::glob_match;
/// assert!(glob_match("gpt-4o*", "gpt-4o-mini"));
/// assert!(glob_match("claude-?-haiku", "claude-3-haiku"));
/// assert!(!glob_match("gpt-4o", "gpt-4o-mini"));
/// ```
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// True when `text` matches any of `patterns`.
pub fn glob_any(patterns: &[String], text: &str) -> bool {
    patterns.iter().any(|p| glob_match(p, text))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("gpt-4o", "gpt-4o"));
        assert!(!glob_match("gpt-4o", "gpt-4"));
        assert!(glob_match("*-mini", "gpt-4o-mini"));
        assert!(!glob_match("?", ""));
        assert!(glob_match("caf?", "café"));
    }
}
