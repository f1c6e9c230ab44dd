//! Which parts of `input` a policy can read: the key of its decision cache.
//!
//! A Rego policy is a pure function of `data` (fixed at configure time) and `input`, unless it
//! calls a builtin whose result changes from one call to the next (`time.now_ns`, `rand.intn`,
//! `http.send`, …). When every reference to `input` in the source starts with a static path —
//! `input.llm.model`, `input.findings["pii-redact"]` — the decision can only depend on the values
//! at those paths: two inputs that agree on them get the same decision, whatever else differs
//! (request ids, headers the policy never looks at).
//!
//! The analysis works on the engine's own tokens, so strings and comments never count as
//! references. It is conservative: a path ends at the first part that is not a plain name or a
//! string literal (`input.tiers[x]` keeps `tiers`, the whole subtree), and a reference to the
//! document itself (`input`, `input[k]`, `object.get(input, …)`, `import input`) makes the
//! policy uncacheable, as does any call to a builtin that is not a function of its arguments.
use regorus::unstable::{Lexer, Source, Token, TokenKind};

use crate::Module;

/// Builtins whose result is not a function of their arguments and `data`. A policy that
/// mentions one anywhere is never cached (a mention in a comment or string does not count).
const IMPURE_BUILTINS: &[&str] = &[
    "time.now_ns",
    "rand.intn",
    "uuid.rfc4122",
    "http.send",
    "opa.runtime",
    "net.lookup_ip_addr",
    // Checks `exp`/`nbf` against the current time unless the constraints give one.
    "io.jwt.decode_verify",
    "crypto.x509.parse_and_verify_certificates",
    "crypto.x509.parse_and_verify_certificates_with_options",
];

/// What a policy reads of its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Footprint {
    /// Only the subtrees at these paths (sorted; none is a prefix of another).
    Paths(Vec<Vec<String>>),
    /// Possibly anything, or not only the input: why, with the place in the source.
    Unbounded(String),
}

/// The footprint of a set of modules (all of them: rules call across modules).
pub fn of(modules: &[Module]) -> Footprint {
    let mut paths: Vec<Vec<String>> = Vec::new();
    for m in modules {
        let tokens = match tokens(m) {
            Ok(tokens) => tokens,
            Err(e) => return Footprint::Unbounded(format!("{}: {e}", m.name)),
        };
        for (i, token) in tokens.iter().enumerate() {
            if token.0 != TokenKind::Ident {
                continue;
            }
            // `x.input` is a field called input, not the input document.
            let after_dot = i > 0 && is_symbol(&tokens[i - 1], ".");
            if after_dot {
                continue;
            }
            if let Some(name) = impure_call(&tokens[i..]) {
                return Footprint::Unbounded(format!(
                    "{}:{}: calls {name}, whose result changes from call to call",
                    m.name, token.1.line
                ));
            }
            if token.1.text() != "input" {
                continue;
            }
            let path = static_path(&tokens[i + 1..]);
            if path.is_empty() {
                return Footprint::Unbounded(format!(
                    "{}:{}: reads `input` as a whole",
                    m.name, token.1.line
                ));
            }
            paths.push(path);
        }
    }
    Footprint::Paths(minimal(paths))
}

fn tokens(m: &Module) -> Result<Vec<Token>, String> {
    let source =
        Source::from_contents(m.name.clone(), m.source.clone()).map_err(|e| e.to_string())?;
    let mut lexer = Lexer::new(&source);
    let mut out = Vec::new();
    loop {
        let token = lexer.next_token().map_err(|e| e.to_string())?;
        if token.0 == TokenKind::Eof {
            return Ok(out);
        }
        out.push(token);
    }
}

fn is_symbol(token: &Token, symbol: &str) -> bool {
    token.0 == TokenKind::Symbol && token.1.text() == symbol
}

/// The dotted name starting at `tokens[0]` if it is one of [`IMPURE_BUILTINS`].
fn impure_call(tokens: &[Token]) -> Option<&'static str> {
    IMPURE_BUILTINS.iter().copied().find(|name| {
        let mut parts = name.split('.');
        let mut rest = tokens;
        let Some(first) = parts.next() else {
            return false;
        };
        if rest.first().map(|t| t.1.text()) != Some(first) {
            return false;
        }
        rest = &rest[1..];
        for part in parts {
            match rest {
                [dot, ident, tail @ ..]
                    if is_symbol(dot, ".")
                        && ident.0 == TokenKind::Ident
                        && ident.1.text() == part =>
                {
                    rest = tail
                }
                _ => return false,
            }
        }
        true
    })
}

/// The static path after `input`: `.name` and `["literal"]` parts, up to the first other token.
fn static_path(tokens: &[Token]) -> Vec<String> {
    let mut path = Vec::new();
    let mut rest = tokens;
    loop {
        match rest {
            [dot, ident, tail @ ..] if is_symbol(dot, ".") && ident.0 == TokenKind::Ident => {
                path.push(ident.1.text().to_string());
                rest = tail;
            }
            [open, lit, close, tail @ ..]
                if is_symbol(open, "[")
                    && matches!(lit.0, TokenKind::String | TokenKind::RawString)
                    && is_symbol(close, "]")
                    // An escape would need decoding; stopping here keeps the whole subtree.
                    && !lit.1.text().contains('\\') =>
            {
                path.push(lit.1.text().to_string());
                rest = tail;
            }
            _ => return path,
        }
    }
}

/// Sorted, without duplicates and without paths inside another path's subtree.
fn minimal(mut paths: Vec<Vec<String>>) -> Vec<Vec<String>> {
    paths.sort();
    paths.dedup();
    let mut out: Vec<Vec<String>> = Vec::new();
    for p in paths {
        // Sorted order puts a prefix right before the paths it contains.
        if out.last().is_some_and(|q| p.starts_with(q)) {
            continue;
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn footprint(src: &str) -> Footprint {
        of(&[Module::new("p.rego", src)])
    }

    fn paths(src: &str) -> Vec<String> {
        match footprint(src) {
            Footprint::Paths(p) => p.into_iter().map(|p| p.join("/")).collect(),
            Footprint::Unbounded(why) => panic!("unbounded: {why}"),
        }
    }

    fn unbounded(src: &str) -> String {
        match footprint(src) {
            Footprint::Unbounded(why) => why,
            Footprint::Paths(p) => panic!("paths: {p:?}"),
        }
    }

    #[test]
    fn paths_end_at_the_first_part_that_is_not_a_name_or_a_literal() {
        let src = r#"package p
import rego.v1
allow if {
    input.llm.model == "x"
    input.findings["pii-redact"].action == "rewrite"
    some t in input.llm.tools
    input.tiers[t].name == "a"
    input.identity.id
}"#;
        assert_eq!(
            paths(src),
            [
                "findings/pii-redact/action",
                "identity/id",
                "llm/model",
                "llm/tools",
                "tiers"
            ]
        );
    }

    #[test]
    fn a_path_inside_another_is_dropped() {
        let src = "package p\nallow if { input.llm; input.llm.model == 1; input.llm.tools }";
        assert_eq!(paths(src), ["llm"]);
    }

    #[test]
    fn strings_comments_and_fields_named_input_are_not_references() {
        let src = r#"package p
# input as a whole is never read: input
x := "input" if { y := {"input": 1}; y.input == 1; input.a }"#;
        assert_eq!(paths(src), ["a"]);
    }

    #[test]
    fn the_whole_document_or_an_impure_builtin_makes_a_policy_unbounded() {
        for src in [
            "package p\nx if { input[k] }",
            "package p\nx := object.get(input, \"a\", 1)",
            "package p\nimport input\nx if input.a",
            "package p\nx if { time.now_ns() > input.a }",
            "package p\nx := http.send({\"method\": \"get\", \"url\": input.u})",
        ] {
            let why = unbounded(src);
            assert!(why.starts_with("p.rego:"), "{why}");
        }
        // A name that only starts like an impure builtin is fine.
        assert_eq!(
            paths("package p\nx := time.parse_ns(\"a\", input.t)"),
            ["t"]
        );
    }

    #[test]
    fn an_escaped_literal_keeps_the_subtree_before_it() {
        assert_eq!(
            paths(
                r#"package p
x if input.a["b\"c"].d"#
            ),
            ["a"]
        );
    }
}
