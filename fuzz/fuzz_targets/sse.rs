//! Sse stream decoder: any bytes, any API, split at fuzz-chosen points (see
//! `parapet_core_fuzz::check_text_stream`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_core::Framing;

fuzz_target!(|data: &[u8]| parapet_core_fuzz::check_text_stream(data, Framing::Sse));
