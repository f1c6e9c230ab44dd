use crate::entity::Finding;

/// Builds a new text with each finding replaced by `replace(finding, value)`; `None` keeps the
/// value. Findings must be sorted and non-overlapping, as [`crate::Detector::find`] returns them.
pub fn rewrite(
    text: &str,
    findings: &[Finding],
    mut replace: impl FnMut(&Finding, &str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in findings {
        let (s, e) = (f.span.start, f.span.end);
        if s < at || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        if let Some(r) = replace(f, &text[s..e]) {
            out.push_str(&text[at..s]);
            out.push_str(&r);
            at = e;
        }
    }
    out.push_str(&text[at..]);
    out
}
