//! Iterative, span-tracking JSON scanner.
//!
//! Produces a flat pre-order arena of [`Node`]s: every value knows its byte span
//! in the source, object members know their key span, containers link to their
//! first child and every node to its next sibling. No recursion, no per-container
//! allocation, strings are not decoded until asked for.

use std::borrow::Cow;

use super::string::{decode_escape, decode_literal};
use super::utf8::{scanned_text, utf8_sequence_len};
use crate::error::{FormatError, FormatErrorKind, Limits};
use crate::swar::{eq_bits, HIGHS, ONES};

pub(crate) const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub kind: Kind,
    /// The string literal contains at least one backslash escape.
    pub escaped: bool,
    pub start: u32,
    pub end: u32,
    /// Span of the member key literal (quotes included); `key_end == 0` when not a member.
    pub key_start: u32,
    pub key_end: u32,
    pub key_escaped: bool,
    pub first_child: u32,
    pub next_sibling: u32,
    /// Escaped string values scanned with decoding on: the decoded text is
    /// `decoded[dec_start..dec_end]` of the scan's arena (`dec_end == 0`: not decoded).
    pub dec_start: u32,
    pub dec_end: u32,
}

/// The buffers of the last document dropped on this thread, reused by the next scan:
/// a filter parses one body after another, and taking a warm buffer is cheaper than
/// allocating (and later freeing) two body-sized ones every time.
pub(crate) mod spare {
    use super::Node;
    use std::cell::RefCell;

    /// Buffers above these capacities are freed rather than kept (bounded retention:
    /// about 1 MiB each).
    const MAX_NODES: usize = 1 << 15;
    const MAX_DECODED: usize = 1 << 20;

    thread_local! {
        static SPARE: RefCell<(Vec<Node>, String)> = const { RefCell::new((Vec::new(), String::new())) };
    }

    /// The spare buffers (empty ones when there are none).
    pub fn take() -> (Vec<Node>, String) {
        SPARE
            .try_with(|s| s.try_borrow_mut().map(|mut s| std::mem::take(&mut *s)).ok())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Keeps `nodes` and `decoded` for the next scan, unless they are too large.
    pub fn give_back(nodes: Vec<Node>, decoded: String) {
        let nodes = if nodes.capacity() <= MAX_NODES {
            nodes
        } else {
            Vec::new()
        };
        let decoded = if decoded.capacity() <= MAX_DECODED {
            decoded
        } else {
            String::new()
        };
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                // Keep the larger buffers: they fit more bodies.
                if nodes.capacity() > s.0.capacity() {
                    s.0 = nodes;
                }
                if decoded.capacity() > s.1.capacity() {
                    s.1 = decoded;
                }
            }
        });
    }
}

/// What a scan produces: the source as validated text, the node arena and, when
/// asked for, the decoded text of every escaped string value.
pub(crate) struct Scan<'a> {
    pub text: &'a str,
    pub nodes: Vec<Node>,
    pub decoded: String,
}

/// Bytes the string fast path stops at: quote, backslash, control characters and
/// non-ASCII (validated as UTF-8 on the spot).
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0x80;
    while i < 0x100 {
        t[i] = true;
        i += 1;
    }
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// High bit set in the lane of every byte of `w` (little-endian) that is `"`, `\\`,
/// below 0x20 or non-ASCII — exact up to and including the lowest such lane (SWAR
/// borrows only propagate upwards from a lane that is itself a hit), so
/// `trailing_zeros() / 8` is the index of the first byte that needs attention.
#[inline]
fn attention_mask(w: u64) -> u64 {
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    eq_bits(w, b'"') | eq_bits(w, b'\\') | (control | w) & HIGHS
}

/// [`attention_mask`] of the eight bytes of `chunk` (eight long; else no lane).
#[inline(always)]
fn word_attention(chunk: &[u8]) -> u64 {
    let Ok(word) = <[u8; 8]>::try_from(chunk) else {
        return 0;
    };
    attention_mask(u64::from_le_bytes(word))
}

/// The index of the first byte at or after `i` that is `"`, `\\`, below 0x20 or non-ASCII,
/// or `src.len()`, eight bytes per step.
#[inline(always)]
fn next_attention(src: &[u8], mut i: usize) -> usize {
    loop {
        let Some(chunk) = src.get(i..i + 8) else {
            while i < src.len() && !STRING_STOP[src[i] as usize] {
                i += 1;
            }
            return i;
        };
        let mask = word_attention(chunk);
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
}

/// The block pre-check for wasm32, in wasm SIMD for this one function.
///
/// Parapet's modules are built without `simd128`: with it, LLVM vectorised loops all over the
/// modules and Envoy's V8 spent 18–32% more CPU per 64 KB request (scripts/build); and the
/// portable [`block_needs_attention`] compiled with `simd128` lowers its reductions lane by lane
/// (the policy filter's wasm time for a 64 KB prompt grew five-fold). Written with the intrinsics, only here, 32 bytes per step: a 64 KB
/// prompt's view in the policy filter went from 2.0–2.2× its native time in wasmtime to
/// 1.4–1.9× (parapet-bench wasm, alternated), and Envoy's CPU per 64 KB request did not grow.
/// `skip_plain` is safe to call without the feature on wasm: a host without SIMD refuses the
/// module when it loads it, it cannot reach an unsupported instruction.
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
mod wasm_blocks {
    use core::arch::wasm32::*;

    /// The first index from `i` on, in steps of 32 bytes, whose block holds a byte that needs
    /// attention (or that has no whole block left): none is skipped.
    #[target_feature(enable = "simd128")]
    pub(super) fn skip_plain(src: &[u8], mut i: usize) -> usize {
        let quote = u8x16_splat(b'"');
        let backslash = u8x16_splat(b'\\');
        let space = u8x16_splat(0x20);
        let limit = u8x16_splat(0x60);
        while i + 32 <= src.len() {
            // SAFETY: i + 32 <= len; v128_load takes unaligned addresses.
            let (a, b) = unsafe {
                let p = src.as_ptr().add(i);
                (
                    v128_load(p as *const v128),
                    v128_load(p.add(16) as *const v128),
                )
            };
            // As in `block_needs_attention`: `b - 0x20` wraps to 0x60 or more exactly for
            // controls and non-ASCII bytes.
            let hit = |v: v128| {
                v128_or(
                    v128_or(u8x16_eq(v, quote), u8x16_eq(v, backslash)),
                    u8x16_ge(u8x16_sub(v, space), limit),
                )
            };
            if v128_any_true(v128_or(hit(a), hit(b))) {
                break;
            }
            i += 32;
        }
        i
    }
}

/// Bytes per block of the vector pre-check.
pub(crate) const BLOCK: usize = 32;

/// Whether whole blocks are pre-checked with the portable vector compares: only where the
/// whole build has vector registers (plain wasm32 has its own pre-check, `wasm_blocks`).
pub(crate) const VECTOR_BLOCKS: bool = cfg!(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_feature = "simd128"
));

/// Whether any byte of `block` (at least [`BLOCK`] long) is `"`, `\\`, below 0x20 or
/// non-ASCII. Written as lane-wise minima and maxima over fixed-size arrays
/// (`b ^ '"'` and `b ^ '\\'` are zero exactly for quotes and backslashes;
/// `b - 0x20` wraps to 0x60 or more exactly for controls and non-ASCII) so it
/// compiles to a handful of vector instructions per block.
#[inline(always)]
fn block_needs_attention(block: &[u8]) -> bool {
    let Ok(block) = <&[u8; BLOCK]>::try_from(block) else {
        return true; // not a whole block: let the exact loop look
    };
    let mut low = [0xffu8; BLOCK / 2];
    let mut high = [0u8; BLOCK / 2];
    for half in block.chunks_exact(BLOCK / 2) {
        for ((lo, hi), &b) in low.iter_mut().zip(high.iter_mut()).zip(half) {
            *lo = (*lo).min(b ^ b'"').min(b ^ b'\\');
            *hi = (*hi).max(b.wrapping_sub(0x20));
        }
    }
    let mut hit = false;
    for (lo, hi) in low.into_iter().zip(high) {
        hit |= lo == 0 || hi >= 0x60;
    }
    hit
}

/// The error for the `\\u` escape at `src[at]` whose four hex digits are not all
/// there: the offset of the first non-digit, or the end of the input.
#[cold]
fn bad_unicode_escape(src: &[u8], at: usize) -> FormatError {
    for k in at + 2..at + 6 {
        match src.get(k) {
            Some(h) if h.is_ascii_hexdigit() => {}
            Some(_) => return FormatError::json(k, "expected 4 hex digits after \\u"),
            None => break,
        }
    }
    FormatError::json(src.len(), "unexpected end of input in string")
}

struct Frame {
    node: u32,
    last_child: u32,
    is_object: bool,
}

/// Scans `src`. With `decode`, escaped string values are decoded on the way (the
/// scanner visits every escape anyway), so reading them later is a copy.
pub(crate) fn scan<'a>(
    src: &'a [u8],
    limits: &Limits,
    decode: bool,
) -> Result<Scan<'a>, FormatError> {
    let max = limits.max_bytes.min(u32::MAX as usize - 1);
    if src.len() > max {
        return Err(FormatError::new(max, FormatErrorKind::TooLarge(max)));
    }
    let (mut nodes, mut decoded) = spare::take();
    nodes.clear();
    decoded.clear();
    // Chat bodies hold about one value per 100 bytes (long texts); denser JSON grows
    // the arena.
    nodes.reserve((src.len() / 64).max(16));
    let mut s = Scanner {
        src,
        pos: 0,
        nodes,
        stack: Vec::new(),
        pending_key: None,
        max_depth: limits.max_depth,
        decode,
        decoded,
    };
    if let Err(e) = s.run() {
        // Invalid UTF-8 anywhere is reported first, at the first bad byte, whatever
        // JSON error the scan met (the error a body gets must not depend on how far
        // the scanner got). Only failing bodies pay for this second pass.
        return Err(match std::str::from_utf8(src) {
            Err(bad) => FormatError::new(bad.valid_up_to(), FormatErrorKind::InvalidUtf8),
            Ok(_) => e,
        });
    }
    // The scan accepted the whole body: outside strings only ASCII passes the JSON
    // grammar, and every string's bytes were validated as UTF-8 on the way.
    let text = scanned_text(src);
    Ok(Scan {
        text,
        nodes: s.nodes,
        decoded: s.decoded,
    })
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    pending_key: Option<(u32, u32, bool)>,
    max_depth: usize,
    /// Decode escaped string values into `decoded`.
    decode: bool,
    decoded: String,
}

impl<'a> Scanner<'a> {
    fn skip_ws(&mut self) {
        while let Some(&b) = self.src.get(self.pos) {
            if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    #[inline(always)]
    fn add_node(&mut self, kind: Kind, start: usize) -> u32 {
        let id = self.nodes.len() as u32;
        let (key_start, key_end, key_escaped) = self.pending_key.take().unwrap_or((0, 0, false));
        self.nodes.push(Node {
            kind,
            escaped: false,
            start: start as u32,
            end: start as u32,
            key_start,
            key_end,
            key_escaped,
            first_child: NONE,
            next_sibling: NONE,
            dec_start: 0,
            dec_end: 0,
        });
        if let Some(frame) = self.stack.last_mut() {
            if frame.last_child == NONE {
                self.nodes[frame.node as usize].first_child = id;
            } else {
                self.nodes[frame.last_child as usize].next_sibling = id;
            }
            frame.last_child = id;
        }
        id
    }

    fn run(&mut self) -> Result<(), FormatError> {
        'value: loop {
            self.skip_ws();
            let start = self.pos;
            match self.peek() {
                Some(b'{') | Some(b'[') => {
                    let is_object = self.peek() == Some(b'{');
                    let id =
                        self.add_node(if is_object { Kind::Object } else { Kind::Array }, start);
                    self.pos += 1;
                    if self.stack.len() >= self.max_depth {
                        return Err(FormatError::new(
                            start,
                            FormatErrorKind::TooDeep(self.max_depth),
                        ));
                    }
                    self.stack.push(Frame {
                        node: id,
                        last_child: NONE,
                        is_object,
                    });
                    self.skip_ws();
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        // Empty container: fall through to the after-value loop, which closes it.
                    } else if is_object {
                        self.member_key()?;
                        continue 'value;
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let id = self.add_node(Kind::String, start);
                    let dec_start = self.decoded.len();
                    let escaped = self.string(self.decode)?;
                    let n = &mut self.nodes[id as usize];
                    n.escaped = escaped;
                    n.end = self.pos as u32;
                    if escaped && self.decode {
                        n.dec_start = dec_start as u32;
                        n.dec_end = self.decoded.len() as u32;
                    }
                }
                Some(b't') => self.literal(b"true", Kind::Bool)?,
                Some(b'f') => self.literal(b"false", Kind::Bool)?,
                Some(b'n') => self.literal(b"null", Kind::Null)?,
                Some(b'-') | Some(b'0'..=b'9') => {
                    let id = self.add_node(Kind::Number, start);
                    self.number()?;
                    self.nodes[id as usize].end = self.pos as u32;
                }
                Some(_) => return Err(FormatError::json(start, "expected a value")),
                None => return Err(FormatError::json(start, "unexpected end of input")),
            }
            // After a complete value: separators and closers until the next value or the end.
            loop {
                self.skip_ws();
                let Some(frame) = self.stack.last() else {
                    if self.pos != self.src.len() {
                        return Err(FormatError::json(self.pos, "expected end of input"));
                    }
                    return Ok(());
                };
                let is_object = frame.is_object;
                let node = frame.node;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if is_object {
                            self.skip_ws();
                            self.member_key()?;
                        }
                        continue 'value;
                    }
                    Some(b'}') if is_object => {}
                    Some(b']') if !is_object => {}
                    Some(_) => {
                        return Err(FormatError::json(
                            self.pos,
                            if is_object {
                                "expected ',' or '}'"
                            } else {
                                "expected ',' or ']'"
                            },
                        ))
                    }
                    None => return Err(FormatError::json(self.pos, "unexpected end of input")),
                }
                self.pos += 1;
                self.nodes[node as usize].end = self.pos as u32;
                self.stack.pop();
                if is_object {
                    self.reject_duplicate_keys(node)?;
                }
            }
        }
    }

    /// Duplicate keys are rejected: parsers disagree on which one wins (most take the
    /// last), so a body with two `"messages"` could show a guard one value and the
    /// model another.
    fn reject_duplicate_keys(&self, object: u32) -> Result<(), FormatError> {
        // Fast path, no allocation: small objects whose keys have no escapes compare
        // their raw key bytes pairwise.
        let mut small: [(&[u8], u32); 8] = [(&[], 0); 8];
        let mut count = 0;
        let mut child = self.nodes[object as usize].first_child;
        while let Some(n) = self.nodes.get(child as usize) {
            if count == small.len() || n.key_escaped {
                return self.reject_duplicate_keys_slow(object);
            }
            let key = &self.src[n.key_start as usize..n.key_end as usize];
            if small[..count].iter().any(|(k, _)| *k == key) {
                return Err(FormatError::json(
                    n.key_start as usize,
                    "duplicate object key",
                ));
            }
            small[count] = (key, n.key_start);
            count += 1;
            child = n.next_sibling;
        }
        Ok(())
    }

    fn reject_duplicate_keys_slow(&self, object: u32) -> Result<(), FormatError> {
        let mut keys: Vec<(Cow<'_, str>, u32)> = Vec::new();
        let mut child = self.nodes[object as usize].first_child;
        while let Some(n) = self.nodes.get(child as usize) {
            // A literal the scan accepted: validated UTF-8, cut at its quotes.
            let lit = scanned_text(&self.src[n.key_start as usize..n.key_end as usize]);
            keys.push((decode_literal(lit, n.key_escaped), n.key_start));
            child = n.next_sibling;
        }
        let mut sorted: Vec<&(Cow<'_, str>, u32)> = keys.iter().collect();
        sorted.sort();
        let dup = sorted
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| w[1].1)
            .min();
        match dup {
            Some(at) => Err(FormatError::json(at as usize, "duplicate object key")),
            None => Ok(()),
        }
    }

    fn member_key(&mut self) -> Result<(), FormatError> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(FormatError::json(start, "expected '\"' (object key)"));
        }
        let escaped = self.string(false)?;
        self.pending_key = Some((start as u32, self.pos as u32, escaped));
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(FormatError::json(self.pos, "expected ':'"));
        }
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &'static [u8], kind: Kind) -> Result<(), FormatError> {
        let start = self.pos;
        if self.src.len() >= start + word.len() && &self.src[start..start + word.len()] == word {
            let id = self.add_node(kind, start);
            self.pos += word.len();
            self.nodes[id as usize].end = self.pos as u32;
            Ok(())
        } else {
            Err(FormatError::json(start, "expected a value"))
        }
    }

    /// Scans a string literal starting at the opening quote; returns whether it had
    /// escapes. With `decode`, an escaped literal's text is appended to `decoded`
    /// (runs between escapes are copied as text: cuts fall on ASCII bytes).
    fn string(&mut self, decode: bool) -> Result<bool, FormatError> {
        let src = self.src;
        let mut i = self.pos + 1;
        let mut escaped = false;
        let mut run_start = i;
        // Keys, roles and part types end within eight bytes: one word check finds
        // their closing quote before any block is loaded.
        let mut first_word = true;
        loop {
            'find: {
                if std::mem::take(&mut first_word) {
                    if let Some(mask) = src.get(i..i + 8).map(word_attention) {
                        if mask != 0 {
                            i += (mask.trailing_zeros() / 8) as usize;
                            break 'find;
                        }
                        i += 8;
                    }
                }
                // Whole 32-byte blocks while none needs attention (the check compiles
                // to a few SIMD compares), then eight bytes at a time, jumping
                // straight to the first quote, backslash or control byte; the byte
                // table finishes the last few bytes of the body.
                #[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
                {
                    i = wasm_blocks::skip_plain(src, i);
                }
                while let Some(block) = src.get(i..i + BLOCK).filter(|_| VECTOR_BLOCKS) {
                    if !block_needs_attention(block) {
                        i += BLOCK;
                    } else {
                        break;
                    }
                }
                i = next_attention(src, i);
            }
            match src.get(i) {
                Some(b'"') => {
                    if decode && escaped {
                        self.decoded.push_str(scanned_text(&src[run_start..i]));
                    }
                    self.pos = i + 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    if decode {
                        if self.decoded.is_empty() {
                            // Decoded text never outgrows the source left to scan: one
                            // allocation, no copying on growth.
                            self.decoded.reserve(src.len() - self.pos);
                        }
                        // Validate first (below), decode after: the decoder trusts its input.
                        self.decoded.push_str(scanned_text(&src[run_start..i]));
                    }
                    let at = i;
                    escaped = true;
                    match src.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u') => {
                            let hex = src.get(i + 2..i + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(bad_unicode_escape(src, i));
                            }
                            i += 6;
                        }
                        Some(_) => return Err(FormatError::json(i, "invalid escape in string")),
                        None => {
                            return Err(FormatError::json(
                                src.len(),
                                "unexpected end of input in string",
                            ))
                        }
                    }
                    if decode {
                        // A surrogate pair is taken whole only when the second escape's
                        // digits are hex, so skipping past it skips nothing unchecked.
                        let (ch, next) = decode_escape(src, at);
                        self.decoded.push(ch);
                        i = next;
                        run_start = i;
                    }
                }
                Some(&b) if b >= 0x80 => {
                    // Non-ASCII: validate the sequence exactly, and those following it
                    // (non-ASCII text comes in stretches).
                    i += utf8_sequence_len(src, i)
                        .ok_or_else(|| FormatError::json(i, "invalid UTF-8 in string"))?;
                    while src.get(i).is_some_and(|&b| b >= 0x80) {
                        i += utf8_sequence_len(src, i)
                            .ok_or_else(|| FormatError::json(i, "invalid UTF-8 in string"))?;
                    }
                }
                Some(_) => return Err(FormatError::json(i, "control character in string")),
                None => {
                    return Err(FormatError::json(
                        src.len(),
                        "unexpected end of input in string",
                    ))
                }
            }
        }
    }

    fn number(&mut self) -> Result<(), FormatError> {
        let src = self.src;
        let mut i = self.pos;
        if src.get(i) == Some(&b'-') {
            i += 1;
        }
        match src.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(src.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return Err(FormatError::json(i, "expected a digit")),
        }
        if src.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(src.get(i), Some(b'0'..=b'9')) {
                return Err(FormatError::json(i, "expected a digit after '.'"));
            }
            while matches!(src.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(src.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(src.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(src.get(i), Some(b'0'..=b'9')) {
                return Err(FormatError::json(i, "expected a digit in exponent"));
            }
            while matches!(src.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        self.pos = i;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_stops_where_the_byte_table_does() {
        // Every special byte class at every position of a 40-byte text, from every start:
        // the eight-byte steps agree with a byte loop.
        for special in [b'"', b'\\', 0x01, 0x1f, 0x80, 0xe9, 0xff, b'a'] {
            for at in 0..40 {
                let mut text = vec![b'x'; 40];
                text[at] = special;
                for start in 0..=text.len() {
                    let want = (start..text.len())
                        .find(|&k| STRING_STOP[text[k] as usize])
                        .unwrap_or(text.len());
                    assert_eq!(
                        next_attention(&text, start),
                        want,
                        "{special:#x} {at} {start}"
                    );
                }
            }
        }
    }

    #[test]
    fn block_scan_agrees_with_byte_table() {
        for b in 0..=255u8 {
            for lane in 0..BLOCK {
                let mut block = [b'a'; BLOCK];
                block[lane] = b;
                assert_eq!(
                    block_needs_attention(&block),
                    STRING_STOP[b as usize],
                    "byte {b:#x} lane {lane}"
                );
            }
        }
    }

    #[test]
    fn word_scan_agrees_with_byte_table() {
        // Every byte value in every lane position.
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut w = [b'a'; 8];
                w[lane] = b;
                let expected = STRING_STOP[b as usize];
                let mask = attention_mask(u64::from_le_bytes(w));
                assert_eq!(mask != 0, expected, "byte {b:#x} lane {lane}");
                if expected {
                    assert_eq!(mask.trailing_zeros() / 8, lane as u32, "byte {b:#x}");
                }
            }
        }
    }

    #[test]
    fn strings_of_every_length_agree_with_serde_json() {
        // A string of `len` plain bytes with one special byte (or none) at `at`, as
        // the last value of the body (the scanner's word and block reads meet the
        // end of the input) and followed by more values: accepted and decoded
        // exactly as serde_json does (no lone surrogates here, where the two differ).
        let specials: [&[u8]; 9] = [
            b"\\n",
            b"\\\"",
            b"\\u00e9",
            b"\x01",
            "é".as_bytes(),
            b"\xff",
            b"\"",
            b"\\",
            b"",
        ];
        for len in 0..70 {
            for at in 0..=len {
                for special in specials {
                    let mut lit = vec![b'a'; len];
                    lit.splice(at..at, special.iter().copied());
                    for tail in [&b"]"[..], b",\"x\"]"] {
                        let mut body = b"[\"".to_vec();
                        body.extend_from_slice(&lit);
                        body.extend_from_slice(b"\"");
                        body.extend_from_slice(tail);
                        let want = serde_json::from_slice::<Vec<String>>(&body).ok();
                        let limits = Limits::default();
                        let got = super::super::Doc::parse_decoded(&body, &limits)
                            .ok()
                            .and_then(|d| d.root().index(0).string());
                        assert_eq!(got, want.map(|v| v[0].clone()), "{body:02x?}");
                    }
                }
            }
        }
    }
}
