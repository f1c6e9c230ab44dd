//! Token usage, normalised across providers.

use crate::json::NodeRef;

/// Token usage of one request, normalised.
///
/// * `input_tokens` counts every input token including cached ones (Anthropic:
///   `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`).
/// * `output_tokens` includes reasoning/thinking tokens (Gemini: `candidatesTokenCount +
///   thoughtsTokenCount`).
/// * `total_tokens` is the provider's total when sent, else input + output.
/// * `cumulative` is true when the figure is a running snapshot that later events
///   supersede (Anthropic `message_delta`, Gemini stream chunks): keep the latest, never sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
    pub cache_read_tokens: Option<u64>,
    pub cache_write_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    pub cumulative: bool,
}

fn n(node: NodeRef, key: &str) -> Option<u64> {
    node.get(key).as_u64()
}

/// Provider usage objects, read field by field.
pub(crate) struct UsageFields;

impl UsageFields {
    /// OpenAI Chat/Completions (`prompt_tokens`…) and Responses (`input_tokens`…).
    pub fn openai(u: NodeRef) -> Option<Usage> {
        if !u.exists() || u.is_null() {
            return None;
        }
        let input = n(u, "prompt_tokens").or(n(u, "input_tokens"));
        let output = n(u, "completion_tokens").or(n(u, "output_tokens"));
        let total = n(u, "total_tokens");
        if input.is_none() && output.is_none() && total.is_none() {
            return None;
        }
        let in_details = u.get_any(&["prompt_tokens_details", "input_tokens_details"]);
        let out_details = u.get_any(&["completion_tokens_details", "output_tokens_details"]);
        let input = input.unwrap_or(0);
        let output = output.unwrap_or(0);
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: total.unwrap_or(input + output),
            cache_read_tokens: n(in_details, "cached_tokens"),
            cache_write_tokens: n(in_details, "cache_write_tokens"),
            reasoning_tokens: n(out_details, "reasoning_tokens"),
            cumulative: false,
        })
    }

    pub fn gemini(u: NodeRef) -> Option<Usage> {
        if !u.exists() || u.is_null() {
            return None;
        }
        let prompt = n(u, "promptTokenCount").unwrap_or(0);
        let cand = n(u, "candidatesTokenCount").unwrap_or(0);
        let thoughts = n(u, "thoughtsTokenCount");
        let tool_prompt = n(u, "toolUsePromptTokenCount").unwrap_or(0);
        let output = cand + thoughts.unwrap_or(0);
        Some(Usage {
            input_tokens: prompt + tool_prompt,
            output_tokens: output,
            total_tokens: n(u, "totalTokenCount").unwrap_or(prompt + tool_prompt + output),
            cache_read_tokens: n(u, "cachedContentTokenCount"),
            cache_write_tokens: None,
            reasoning_tokens: thoughts,
            cumulative: false,
        })
    }

    pub fn bedrock(u: NodeRef) -> Option<Usage> {
        if !u.exists() || u.is_null() {
            return None;
        }
        let input = n(u, "inputTokens").unwrap_or(0);
        let output = n(u, "outputTokens").unwrap_or(0);
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: n(u, "totalTokens").unwrap_or(input + output),
            cache_read_tokens: n(u, "cacheReadInputTokens"),
            cache_write_tokens: n(u, "cacheWriteInputTokens"),
            reasoning_tokens: None,
            cumulative: false,
        })
    }

    /// Ollama: usage lives on the final object itself.
    pub fn ollama(obj: NodeRef) -> Option<Usage> {
        let input = n(obj, "prompt_eval_count");
        let output = n(obj, "eval_count");
        if input.is_none() && output.is_none() {
            return None;
        }
        let (input, output) = (input.unwrap_or(0), output.unwrap_or(0));
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: input + output,
            ..Usage::default()
        })
    }
}

/// Anthropic usage fields kept apart, because `message_delta` restates only some of
/// them and each restated one replaces the earlier value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AnthropicUsage {
    pub input: Option<u64>,
    pub cache_creation: Option<u64>,
    pub cache_read: Option<u64>,
    pub output: Option<u64>,
    pub thinking: Option<u64>,
}

impl AnthropicUsage {
    pub fn read(u: NodeRef) -> Option<AnthropicUsage> {
        if !u.exists() || u.is_null() {
            return None;
        }
        Some(AnthropicUsage {
            input: n(u, "input_tokens"),
            cache_creation: n(u, "cache_creation_input_tokens"),
            cache_read: n(u, "cache_read_input_tokens"),
            output: n(u, "output_tokens"),
            thinking: n(u.get("output_tokens_details"), "thinking_tokens"),
        })
    }

    #[allow(dead_code)] // used by the stream decoder
    pub fn merge(&mut self, later: AnthropicUsage) {
        self.input = later.input.or(self.input);
        self.cache_creation = later.cache_creation.or(self.cache_creation);
        self.cache_read = later.cache_read.or(self.cache_read);
        self.output = later.output.or(self.output);
        self.thinking = later.thinking.or(self.thinking);
    }

    pub fn usage(&self, cumulative: bool) -> Usage {
        let input = self.input.unwrap_or(0)
            + self.cache_creation.unwrap_or(0)
            + self.cache_read.unwrap_or(0);
        let output = self.output.unwrap_or(0);
        Usage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: input + output,
            cache_read_tokens: self.cache_read,
            cache_write_tokens: self.cache_creation,
            reasoning_tokens: self.thinking,
            cumulative,
        }
    }
}
