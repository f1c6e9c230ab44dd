//! `text/event-stream` framing (WHATWG): events end at an empty line; lines end with
//! CRLF, LF or CR.

use std::borrow::Cow;
use std::ops::Range;

/// Where the next complete event in `buf` ends, scanning from `from` (the start of the
/// first line not yet known to be complete and non-empty). Returns `Ok(len)` for a
/// complete event of `len` bytes or `Err(resume)` — the position to resume from when
/// more bytes arrive. A CR at the very end of `buf` is undecided (it may be the first
/// half of CRLF) unless `eof`.
pub(crate) fn next_event(buf: &[u8], from: usize, eof: bool) -> Result<usize, usize> {
    let mut line_start = from;
    let mut i = from;
    while i < buf.len() {
        i = line_end(buf, i);
        if i == buf.len() {
            break;
        }
        match buf[i] {
            b'\n' | b'\r' => {
                let term_len = if buf[i] == b'\r' {
                    match buf.get(i + 1) {
                        Some(b'\n') => 2,
                        Some(_) => 1,
                        None if eof => 1,
                        None => return Err(line_start),
                    }
                } else {
                    1
                };
                let empty = i == line_start;
                i += term_len;
                if empty {
                    return Ok(i);
                }
                line_start = i;
            }
            _ => i += 1,
        }
    }
    Err(line_start)
}

/// The index of the first CR or LF at or after `from` (`buf.len()` if none), eight bytes at
/// a time: an SSE event is mostly one long `data:` line, and this scan runs over every byte of
/// the stream (twice: framing, then fields).
#[inline]
fn line_end(buf: &[u8], from: usize) -> usize {
    crate::swar::find_any(buf, from, [b'\n', b'\r'])
}

/// The fields of one event.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    pub event: Option<String>,
    /// `data:` values joined with `\n`: borrowed from the event when it has one data line
    /// (nearly every event of every provider), so the common case copies nothing.
    pub data: Option<Cow<'a, [u8]>>,
    /// For each data line: (start in `data`, start in the raw event, length).
    pub pieces: Vec<(usize, usize, usize)>,
}

impl Fields<'_> {
    /// Maps a range of `data` to the raw event. JSON string literals never contain a
    /// raw newline, so a literal always lies inside one data line.
    pub fn to_raw(&self, r: Range<usize>) -> Range<usize> {
        for &(d, raw, len) in self.pieces.iter().rev() {
            if r.start >= d {
                let shift = raw as isize - d as isize;
                let s = (r.start as isize + shift) as usize;
                let e = (r.end as isize + shift) as usize;
                return s..e.min(raw + len).max(s);
            }
        }
        r
    }
}

/// Splits a complete event into its fields.
pub(crate) fn fields(raw: &[u8]) -> Fields<'_> {
    let mut f = Fields::default();
    let mut i = 0;
    while i < raw.len() {
        let start = i;
        i = line_end(raw, i);
        let line = &raw[start..i];
        if i < raw.len() {
            i += if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
        }
        if line.is_empty() || line[0] == b':' {
            continue;
        }
        let (name, value_at) = match line.iter().position(|&b| b == b':') {
            Some(c) => {
                let v = if line.get(c + 1) == Some(&b' ') {
                    c + 2
                } else {
                    c + 1
                };
                (&line[..c], v)
            }
            None => (line, line.len()),
        };
        let value = &line[value_at..];
        match name {
            b"data" => match &mut f.data {
                None => {
                    f.pieces.push((0, start + value_at, value.len()));
                    f.data = Some(Cow::Borrowed(value));
                }
                Some(data) => {
                    let data = data.to_mut();
                    data.push(b'\n');
                    f.pieces.push((data.len(), start + value_at, value.len()));
                    data.extend_from_slice(value);
                }
            },
            b"event" => f.event = Some(String::from_utf8_lossy(value).into_owned()),
            _ => {}
        }
    }
    f
}

/// For streams that put bare JSON lines where events go (Gemini errors after a 200):
/// the non-blank part of an event without fields, if it looks like JSON.
pub(crate) fn bare_json(raw: &[u8]) -> Option<Range<usize>> {
    let start = raw.iter().position(|b| !b.is_ascii_whitespace())?;
    if raw[start] != b'{' && raw[start] != b'[' {
        return None;
    }
    let end = raw.iter().rposition(|b| !b.is_ascii_whitespace())? + 1;
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_events_with_any_line_ending() {
        assert_eq!(next_event(b"data: a\n\ndata: b", 0, false), Ok(9));
        assert_eq!(next_event(b"data: a\r\n\r\nx", 0, false), Ok(11));
        assert_eq!(next_event(b"data: a\r\rx", 0, false), Ok(9));
        assert_eq!(next_event(b"data: a\r\n\r", 0, false), Err(9));
        assert_eq!(next_event(b"data: a\r\n\r", 0, true), Ok(10));
        assert_eq!(next_event(b"data: a\n", 0, false), Err(8));
        assert_eq!(next_event(b"\n", 0, false), Ok(1));
    }

    #[test]
    fn parses_fields_and_maps_data_to_raw() {
        let raw = b"event: x\r\n: keepalive\r\ndata: {\"a\":\ndata:\"b\"}\r\nid: 1\r\n\r\n";
        let f = fields(raw);
        assert_eq!(f.event.as_deref(), Some("x"));
        assert_eq!(f.data.as_deref(), Some(&b"{\"a\":\n\"b\"}"[..]));
        // `"b"` sits at data 6..9 and in the raw second data line.
        let r = f.to_raw(6..9);
        assert_eq!(&raw[r], b"\"b\"");
    }
}
