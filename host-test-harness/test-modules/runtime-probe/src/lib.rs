//! Test-only filter built on `parapet-runtime`. Trigger words in the request or the model output
//! exercise each runtime path; harness tests in `filters/runtime/tests/` drive it.
//!
//! | word (config key, default) | where | verdict |
//! |---|---|---|
//! | `block_word` `BLOCKME` | request | block 403 |
//! | `invalid_word` `INVALIDME` | request | block 400 |
//! | `rate_limit_word` `RATELIMIT` | request | block 429, retry-after 7 |
//! | `fail_word` `FAILME` | request or output | internal error (→ `on_error`) |
//! | `redact_word` `secret` | request and output | rewrite to `[REDACTED]` |
//! | `output_block_word` `UNSAFE` | output | block (502 / stream error event) |
use parapet_runtime::prelude::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Config {
    block_word: String,
    invalid_word: String,
    rate_limit_word: String,
    fail_word: String,
    redact_word: String,
    output_block_word: String,
    /// Only to test secret references; the probe never prints it.
    api_key: Option<Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            block_word: "BLOCKME".into(),
            invalid_word: "INVALIDME".into(),
            rate_limit_word: "RATELIMIT".into(),
            fail_word: "FAILME".into(),
            redact_word: "secret".into(),
            output_block_word: "UNSAFE".into(),
            api_key: None,
        }
    }
}

struct Probe {
    cfg: Config,
}

/// Per request: how many output pieces were inspected.
#[derive(Default)]
struct Seen {
    outputs: usize,
}

fn find(text: &str, word: &str) -> Option<usize> {
    (!word.is_empty()).then(|| text.find(word)).flatten()
}

impl Probe {
    /// Redactions of every occurrence of the redact word in `text`.
    fn redactions(&self, segment: usize, text: &str) -> (Vec<TextEdit>, Vec<Finding>) {
        let word = &self.cfg.redact_word;
        if word.is_empty() {
            return (vec![], vec![]);
        }
        text.match_indices(word.as_str())
            .map(|(at, _)| {
                let range = at..at + word.len();
                (
                    TextEdit::new(segment, range.clone(), "[REDACTED]"),
                    Finding::new("probe.redact", "secret")
                        .entity("secret_word")
                        .score(1.0)
                        .at(segment, range),
                )
            })
            .unzip()
    }
}

impl Filter for Probe {
    const NAME: &'static str = "runtime-probe";
    const DEFAULT_HOLD_BACK_BYTES: usize = 5;
    type Config = Config;
    type State = Seen;

    fn new(cfg: Config, _common: &Common) -> Result<Self, ConfigError> {
        if cfg.block_word.is_empty() {
            return Err(ConfigError::at("block_word", "must not be empty"));
        }
        if let Some(key) = &cfg.api_key {
            if key.expose().len() < 4 {
                return Err(ConfigError::at("api_key", "must be at least 4 characters"));
            }
        }
        Ok(Probe { cfg })
    }

    fn may_rewrite_request(&self) -> bool {
        !self.cfg.redact_word.is_empty()
    }

    fn inspects_responses(&self) -> bool {
        true
    }

    fn on_request(&self, cx: &mut Cx<Seen>, request: &RequestView) -> Outcome {
        let mut edits = Vec::new();
        let mut findings = Vec::new();
        for (i, seg) in request.segments.iter().enumerate() {
            let text = seg.text.as_str();
            if find(text, &self.cfg.fail_word).is_some() {
                return Err(FilterError::new("probe: forced internal error"));
            }
            let word_block = |word: &str, rule: &str, block: Block| {
                find(text, word).map(|at| {
                    Verdict::block(block).with_finding(
                        Finding::new(rule, "probe")
                            .score(0.9)
                            .at(i, at..at + word.len()),
                    )
                })
            };
            if let Some(v) = word_block(
                &self.cfg.block_word,
                "probe.block",
                Block::policy("blocked by the probe"),
            ) {
                return Ok(v);
            }
            if let Some(v) = word_block(
                &self.cfg.invalid_word,
                "probe.invalid",
                Block::invalid("the probe finds this request invalid"),
            ) {
                return Ok(v);
            }
            if let Some(v) = word_block(
                &self.cfg.rate_limit_word,
                "probe.rate_limit",
                Block::rate_limited("probe budget exhausted", 7),
            ) {
                return Ok(v);
            }
            let (e, f) = self.redactions(i, text);
            edits.extend(e);
            findings.extend(f);
        }
        if !findings.is_empty() {
            cx.share("redactions", &findings.len().to_string());
        }
        Ok(Verdict::rewrite(edits).with_findings(findings))
    }

    fn on_output(&self, cx: &mut Cx<Seen>, output: &Output) -> Outcome {
        cx.state.outputs += 1;
        if find(output.text, &self.cfg.fail_word).is_some() {
            return Err(FilterError::new("probe: forced internal error in output"));
        }
        if let Some(at) = find(output.text, &self.cfg.output_block_word) {
            let word = &self.cfg.output_block_word;
            return Ok(
                Verdict::block(Block::unsafe_output("unsafe output")).with_finding(
                    Finding::new("probe.output_block", "unsafe").at(0, at..at + word.len()),
                ),
            );
        }
        let (edits, findings) = self.redactions(0, output.text);
        Ok(Verdict::rewrite(edits).with_findings(findings))
    }

    fn on_response(&self, cx: &mut Cx<Seen>, response: &ResponseView) -> Outcome {
        if let Some(usage) = response.usage {
            cx.share("output_tokens", &usage.output_tokens.to_string());
        }
        cx.share("outputs_seen", &cx.state.outputs.to_string());
        Ok(Verdict::allow())
    }
}

parapet_runtime::export_filter!(Probe);
