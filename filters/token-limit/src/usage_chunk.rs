//! Removes the usage-only chunk that `stream_options.include_usage` adds to an OpenAI stream,
//! for clients that did not ask for it (they may not expect a chunk with `choices: []`).
//!
//! Works on the raw SSE bytes after the runtime: complete events pass through byte for byte,
//! an incomplete trailing event is held until its end arrives (or the stream ends), and an
//! event whose JSON has an empty `choices` array and a `usage` object is dropped.

/// Strips usage-only events from an SSE byte stream pushed in arbitrary pieces.
#[derive(Debug, Default)]
pub struct UsageChunkStripper {
    pending: Vec<u8>,
    stripped: usize,
}

/// Where the first complete event in `b` ends (just past its blank line), if there is one.
fn event_end(b: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    let mut i = 0;
    while i < b.len() {
        let term = match b[i] {
            b'\n' => 1,
            b'\r' => match b.get(i + 1) {
                Some(b'\n') => 2,
                Some(_) => 1,
                // A trailing CR may be the first half of CRLF: wait for more bytes.
                None => return None,
            },
            _ => {
                i += 1;
                continue;
            }
        };
        if i == line_start {
            return Some(i + term);
        }
        i += term;
        line_start = i;
    }
    None
}

/// Whether an event is OpenAI's usage-only chunk: `data: {"choices": [], "usage": {...}}`.
fn is_usage_only(event: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(event) else {
        return false;
    };
    let mut data = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(&data)
    else {
        return false;
    };
    let empty_choices = obj
        .get("choices")
        .and_then(|c| c.as_array())
        .is_some_and(|c| c.is_empty());
    let usage = obj.get("usage").is_some_and(|u| u.is_object());
    empty_choices && usage
}

impl UsageChunkStripper {
    /// A stripper with nothing held.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next piece of the stream; returns the bytes to send on now.
    pub fn push(&mut self, chunk: &[u8], end_of_stream: bool) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::with_capacity(self.pending.len());
        let mut start = 0;
        while let Some(len) = event_end(&self.pending[start..]) {
            let event = &self.pending[start..start + len];
            if is_usage_only(event) {
                self.stripped += 1;
            } else {
                out.extend_from_slice(event);
            }
            start += len;
        }
        self.pending.drain(..start);
        if end_of_stream {
            // An unterminated last event is passed on as it is (never swallowed).
            out.append(&mut self.pending);
        }
        out
    }

    /// How many usage-only events were removed.
    pub fn stripped(&self) -> usize {
        self.stripped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n\
data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n\
data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n\
data: [DONE]\n\n";

    fn expected() -> String {
        let mut parts: Vec<&str> = STREAM.split_inclusive("\n\n").collect();
        parts.remove(2);
        parts.concat()
    }

    #[test]
    fn strips_the_usage_chunk_at_every_split_point() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let mut s = UsageChunkStripper::new();
            let mut out = s.push(&bytes[..cut], false);
            out.extend(s.push(&bytes[cut..], true));
            assert_eq!(String::from_utf8(out).unwrap(), expected(), "cut at {cut}");
            assert_eq!(s.stripped(), 1);
        }
    }

    #[test]
    fn byte_by_byte_and_crlf() {
        let crlf = STREAM.replace("\n", "\r\n");
        let mut s = UsageChunkStripper::new();
        let mut out = Vec::new();
        for b in crlf.as_bytes() {
            out.extend(s.push(&[*b], false));
        }
        out.extend(s.push(&[], true));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            expected().replace("\n", "\r\n")
        );
    }

    #[test]
    fn keeps_other_events_and_unterminated_tails() {
        let mut s = UsageChunkStripper::new();
        let text = ": keep-alive\n\ndata: {\"choices\":[],\"usage\":null}\n\ndata: {\"choices\":[]";
        let mut out = s.push(text.as_bytes(), false);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            ": keep-alive\n\ndata: {\"choices\":[],\"usage\":null}\n\n"
        );
        out.extend(s.push(b"", true));
        assert_eq!(String::from_utf8(out).unwrap(), text);
        assert_eq!(s.stripped(), 0);
    }
}
