//! Newline-delimited JSON framing: one object per `\n`; the last line may lack it.

/// Length of the next complete line (newline included) in `buf`, scanning from `from`.
/// `Err(resume)` when no newline yet.
pub(crate) fn next_event(buf: &[u8], from: usize) -> Result<usize, usize> {
    match buf[from..].iter().position(|&b| b == b'\n') {
        Some(p) => Ok(from + p + 1),
        None => Err(buf.len()),
    }
}

/// The JSON part of a line: without the newline and surrounding whitespace.
pub(crate) fn payload(raw: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = raw.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = raw.iter().rposition(|b| !b.is_ascii_whitespace())? + 1;
    Some(start..end)
}
