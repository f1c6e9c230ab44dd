//! AWS event-stream binary framing (`application/vnd.amazon.eventstream`):
//! `total_len u32 | headers_len u32 | prelude_crc u32 | headers | payload | message_crc u32`,
//! big-endian, CRC-32 over the prelude and over everything before the message CRC.

use std::ops::Range;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::crc32::crc32;
use crate::error::{FormatError, FormatErrorKind, Limits};
use crate::json::{encode_string, Doc};

const PRELUDE: usize = 12;
/// Smallest message: prelude + message CRC.
pub(crate) const MIN_FRAME: usize = 16;

/// A decoded frame. Header values other than strings are kept as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// (name, value) for string headers (type 7), in wire order.
    pub headers: Vec<(String, String)>,
    /// Byte range of the payload within the frame.
    pub payload: std::ops::Range<usize>,
}

impl Frame {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

fn bad(at: usize, what: impl Into<String>) -> FormatError {
    FormatError::new(at, FormatErrorKind::InvalidFrame(what.into()))
}

/// Length of the frame starting at `buf[0]`, once the prelude is available
/// (validates the prelude CRC and the lengths). `None` = need more bytes.
pub(crate) fn frame_len(buf: &[u8], max: usize) -> Result<Option<usize>, FormatError> {
    if buf.len() < PRELUDE {
        return Ok(None);
    }
    let total = u32_at(buf, 0);
    let headers = u32_at(buf, 4);
    let prelude_crc = u32_at(buf, 8) as u32;
    if crc32(&buf[..8]) != prelude_crc {
        return Err(bad(8, "prelude CRC mismatch"));
    }
    if total < MIN_FRAME || headers > total - MIN_FRAME {
        return Err(bad(
            0,
            format!("impossible lengths (total {total}, headers {headers})"),
        ));
    }
    if total > max {
        return Err(FormatError::new(0, FormatErrorKind::TooLarge(max)));
    }
    Ok(Some(total))
}

/// Decodes one complete frame (`bytes` is exactly the frame). Offsets in errors are
/// relative to the frame start.
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, FormatError> {
    let total = match frame_len(bytes, usize::MAX)? {
        Some(t) if t == bytes.len() => t,
        _ => return Err(bad(0, "frame length does not match its bytes")),
    };
    let headers_len = u32_at(bytes, 4);
    let msg_crc = u32_at(bytes, total - 4) as u32;
    if crc32(&bytes[..total - 4]) != msg_crc {
        return Err(bad(total - 4, "message CRC mismatch"));
    }
    let mut headers = Vec::new();
    let mut i = PRELUDE;
    let end = PRELUDE + headers_len;
    while i < end {
        let name_len = bytes[i] as usize;
        i += 1;
        if i + name_len + 1 > end {
            return Err(bad(i, "header name runs past the headers"));
        }
        let name = std::str::from_utf8(&bytes[i..i + name_len])
            .map_err(|_| bad(i, "header name is not UTF-8"))?
            .to_string();
        i += name_len;
        let ty = bytes[i];
        i += 1;
        let fixed = match ty {
            0 | 1 => Some(0),
            2 => Some(1),
            3 => Some(2),
            4 => Some(4),
            5 | 8 => Some(8),
            9 => Some(16),
            6 | 7 => None,
            _ => return Err(bad(i - 1, format!("unknown header value type {ty}"))),
        };
        let len = match fixed {
            Some(n) => n,
            None => {
                if i + 2 > end {
                    return Err(bad(i, "header value length runs past the headers"));
                }
                let n = u16::from_be_bytes([bytes[i], bytes[i + 1]]) as usize;
                i += 2;
                n
            }
        };
        if i + len > end {
            return Err(bad(i, "header value runs past the headers"));
        }
        if ty == 7 {
            let v = std::str::from_utf8(&bytes[i..i + len])
                .map_err(|_| bad(i, "header value is not UTF-8"))?;
            headers.push((name, v.to_string()));
        }
        i += len;
    }
    Ok(Frame {
        headers,
        payload: end..total - 4,
    })
}

/// Encodes a frame with string headers (in the given order) and `payload`.
pub fn encode_frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    for (name, value) in headers {
        h.push(name.len().min(255) as u8);
        h.extend_from_slice(&name.as_bytes()[..name.len().min(255)]);
        h.push(7);
        let v = &value.as_bytes()[..value.len().min(u16::MAX as usize)];
        h.extend_from_slice(&(v.len() as u16).to_be_bytes());
        h.extend_from_slice(v);
    }
    reframe(&h, payload)
}

/// Builds a frame from raw header bytes (kept verbatim) and a payload, computing
/// lengths and both CRCs.
pub(crate) fn reframe(raw_headers: &[u8], payload: &[u8]) -> Vec<u8> {
    let total = PRELUDE + raw_headers.len() + payload.len() + 4;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(raw_headers.len() as u32).to_be_bytes());
    let prelude_crc = crc32(&out[..8]);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(raw_headers);
    out.extend_from_slice(payload);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// The `bytes` literal of a chunk payload (span in the payload) and its decoded bytes.
pub(crate) type ChunkInner = (Range<usize>, Vec<u8>);

/// Bedrock InvokeModelWithResponseStream wraps each provider-native event in a
/// `chunk` frame whose payload is `{"bytes":"<base64>"}`. Returns the span of the
/// `bytes` string literal in `payload` and the decoded inner bytes.
pub(crate) fn chunk_inner(
    payload: &[u8],
    limits: &Limits,
) -> Result<Option<ChunkInner>, FormatError> {
    let doc = Doc::parse(payload, limits)?;
    let node = doc.root().get("bytes");
    let Some(b64) = node.str() else {
        return Ok(None);
    };
    let inner = STANDARD.decode(b64.as_bytes()).map_err(|e| {
        bad(
            node.span().start,
            format!("chunk bytes are not base64: {e}"),
        )
    })?;
    Ok(Some((node.span(), inner)))
}

/// Replaces the inner bytes of a `chunk` payload (re-encoding them as base64).
pub(crate) fn replace_chunk_inner(
    payload: &[u8],
    bytes_span: Range<usize>,
    inner: &[u8],
) -> Vec<u8> {
    let lit = encode_string(&STANDARD.encode(inner));
    let mut out = payload[..bytes_span.start].to_vec();
    out.extend_from_slice(lit.as_bytes());
    out.extend_from_slice(&payload[bytes_span.end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verified frame from formats/bedrock-converse.md §5.3 (hexdump bytes).
    const WORKED: &str = "
        00 00 00 94 00 00 00 57 b4 ab 9a ee 0b 3a 65 76
        65 6e 74 2d 74 79 70 65 07 00 11 63 6f 6e 74 65
        6e 74 42 6c 6f 63 6b 44 65 6c 74 61 0d 3a 63 6f
        6e 74 65 6e 74 2d 74 79 70 65 07 00 10 61 70 70
        6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e 0d 3a 6d
        65 73 73 61 67 65 2d 74 79 70 65 07 00 05 65 76
        65 6e 74 7b 22 63 6f 6e 74 65 6e 74 42 6c 6f 63
        6b 49 6e 64 65 78 22 3a 30 2c 22 64 65 6c 74 61
        22 3a 7b 22 74 65 78 74 22 3a 22 48 69 22 7d 7d
        1f 94 46 57";

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect()
    }

    #[test]
    fn decodes_the_worked_frame() {
        let bytes = hex(WORKED);
        assert_eq!(bytes.len(), 148);
        assert_eq!(frame_len(&bytes[..12], usize::MAX), Ok(Some(148)));
        let f = decode_frame(&bytes).unwrap();
        assert_eq!(f.header(":event-type"), Some("contentBlockDelta"));
        assert_eq!(f.header(":content-type"), Some("application/json"));
        assert_eq!(f.header(":message-type"), Some("event"));
        assert_eq!(
            &bytes[f.payload.clone()],
            br#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#
        );
    }

    #[test]
    fn encodes_the_worked_frame_byte_for_byte() {
        let out = encode_frame(
            &[
                (":event-type", "contentBlockDelta"),
                (":content-type", "application/json"),
                (":message-type", "event"),
            ],
            br#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#,
        );
        assert_eq!(out, hex(WORKED));
    }

    #[test]
    fn exception_and_empty_vectors() {
        assert_eq!(
            encode_frame(&[], b""),
            hex("00 00 00 10 00 00 00 00 05 c2 48 eb 7d 98 c8 ff")
        );
        let ex = encode_frame(
            &[
                (":exception-type", "throttlingException"),
                (":content-type", "application/json"),
                (":message-type", "exception"),
            ],
            br#"{"message":"Too many requests, please wait before trying again."}"#,
        );
        assert_eq!(ex.len(), 178);
        assert_eq!(&ex[..12], &hex("00 00 00 b2 00 00 00 61 35 90 d5 d3")[..]);
        assert_eq!(&ex[174..], &hex("e8 ff b2 6a")[..]);
    }

    #[test]
    fn corrupt_frames_are_rejected_with_offsets() {
        let mut bytes = hex(WORKED);
        bytes[147] ^= 1;
        assert_eq!(
            decode_frame(&bytes).unwrap_err().to_string(),
            "invalid event-stream frame at byte 144: message CRC mismatch"
        );
        let mut bytes = hex(WORKED);
        bytes[3] = 0x95;
        assert_eq!(
            frame_len(&bytes, usize::MAX).unwrap_err().to_string(),
            "invalid event-stream frame at byte 8: prelude CRC mismatch"
        );
        let small = reframe(&[], b"");
        let mut lying = small.clone();
        // headers_len larger than the frame, with a matching prelude CRC.
        lying[4..8].copy_from_slice(&100u32.to_be_bytes());
        let c = crc32(&lying[..8]);
        lying[8..12].copy_from_slice(&c.to_be_bytes());
        assert!(frame_len(&lying, usize::MAX).is_err());
    }
}
