//! The realistic bodies every part of the benchmark uses (native, harness and Envoy runs).

use std::path::Path;

use parapet_bench_text::prose;

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// An OpenAI chat request whose whole body is about `bytes` bytes.
fn chat_request(bytes: usize, stream: bool) -> Vec<u8> {
    let system = "You are a helpful assistant for the operations team. Answer briefly.";
    let head = format!(
        r#"{{"model":"gpt-4o-mini","max_tokens":200,"temperature":0.3,"stream":{stream},"messages":[{{"role":"system","content":{}}},{{"role":"user","content":"#,
        json_str(system)
    );
    let tail = "}]}";
    let user = prose(bytes.saturating_sub(head.len() + tail.len() + 64));
    format!("{head}{}{tail}", json_str(&user)).into_bytes()
}

/// A 2 KB chat request (system + user message).
pub fn chat_2k(stream: bool) -> Vec<u8> {
    chat_request(2048, stream)
}

/// A 64 KB prompt in one chat request.
pub fn prompt_64k(stream: bool) -> Vec<u8> {
    chat_request(64 * 1024, stream)
}

/// A 1 KB non-streamed OpenAI answer.
pub fn answer_1k() -> Vec<u8> {
    answer(1024)
}

/// A 64 KB non-streamed OpenAI answer (the wasm-vs-native part scales response-guard's work with it).
#[cfg(feature = "wasm")]
pub fn answer_64k() -> Vec<u8> {
    answer(64 * 1024)
}

/// A non-streamed OpenAI answer of about `bytes` bytes.
fn answer(bytes: usize) -> Vec<u8> {
    let head = r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"#;
    let tail = r#"},"finish_reason":"stop"}],"usage":{"prompt_tokens":500,"completion_tokens":230,"total_tokens":730}}"#;
    let text = prose(bytes - head.len() - tail.len() - 16);
    format!("{head}{}{tail}", json_str(&text)).into_bytes()
}

/// The words of a streamed answer: 200 SSE events (198 content deltas, a finish event with usage, `[DONE]`).
pub fn sse_200() -> Vec<Vec<u8>> {
    let mut chunks = Vec::with_capacity(200);
    for w in parapet_bench_text::stream_words(198) {
        chunks.push(format!(
            "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{}}},\"finish_reason\":null}}]}}\n\n",
            json_str(&w)
        ).into_bytes());
    }
    chunks.push(b"data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":198,\"total_tokens\":698}}\n\n".to_vec());
    chunks.push(b"data: [DONE]\n\n".to_vec());
    chunks
}

/// Writes every body into `dir` for the Envoy runs (wrk scripts and the direct_response upstream).
pub fn write_all(dir: &Path) -> crate::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("chat_2k.json"), chat_2k(false))?;
    std::fs::write(dir.join("chat_2k_stream.json"), chat_2k(true))?;
    std::fs::write(dir.join("prompt_64k.json"), prompt_64k(false))?;
    std::fs::write(dir.join("prompt_64k_stream.json"), prompt_64k(true))?;
    std::fs::write(dir.join("answer_1k.json"), answer_1k())?;
    std::fs::write(dir.join("sse_200.txt"), sse_200().concat())?;
    Ok(())
}
