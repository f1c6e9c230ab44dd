//! Format-aware edits of request control fields: token limits, stream usage, model.
//! Each returns `Ok(None)` when the body needs no change.

use crate::api::{Api, Operation, Provider};
use crate::error::{FormatError, Limits};
use crate::json::{encode_string, Doc, Kind};
use crate::rewrite::{insert_member, replace_value};

/// Where an API keeps its output-token limit: the pointers it may use, and where to
/// add one (parent object pointer, key) when the request has none.
fn token_fields(api: Api) -> Option<(&'static [&'static str], &'static str, &'static str)> {
    Some(match api.operation {
        Operation::ChatCompletions => (
            &["/max_tokens", "/max_completion_tokens"],
            "",
            "max_completion_tokens",
        ),
        Operation::Completions => (&["/max_tokens"], "", "max_tokens"),
        Operation::Responses => (&["/max_output_tokens"], "", "max_output_tokens"),
        Operation::Messages => (&["/max_tokens"], "", "max_tokens"),
        Operation::GenerateContent => (
            &[
                "/generationConfig/maxOutputTokens",
                "/generation_config/max_output_tokens",
            ],
            "/generationConfig",
            "maxOutputTokens",
        ),
        Operation::Converse => (
            &["/inferenceConfig/maxTokens"],
            "/inferenceConfig",
            "maxTokens",
        ),
        Operation::OllamaChat | Operation::OllamaGenerate => {
            (&["/options/num_predict"], "/options", "num_predict")
        }
        Operation::Embeddings | Operation::Unknown => return None,
    })
}

/// Caps the request's output-token limit at `max`: lowers every limit field above it
/// (or null), and adds the API's limit field when none is set. OpenAI chat gets
/// `max_completion_tokens` added (the field o-series models require).
pub fn clamp_max_tokens(
    api: Api,
    body: &[u8],
    max: u64,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, FormatError> {
    let Some((pointers, parent, key)) = token_fields(api) else {
        return Ok(None);
    };
    let doc = Doc::parse(body, limits)?;
    let mut present = Vec::new();
    for p in pointers {
        let n = doc.pointer(p);
        if n.exists() {
            let over = n.is_null() || n.as_u64().is_none_or(|v| v > max);
            present.push((*p, over));
        }
    }
    let snake_parent = api.operation == Operation::GenerateContent
        && !doc.pointer("/generationConfig").exists()
        && doc.pointer("/generation_config").kind() == Some(Kind::Object);
    drop(doc);
    let value = max.to_string();
    if present.is_empty() {
        let (parent, key) = if snake_parent {
            ("/generation_config", "max_output_tokens")
        } else {
            (parent, key)
        };
        let doc = Doc::parse(body, limits)?;
        let out = if parent.is_empty() || doc.pointer(parent).kind() == Some(Kind::Object) {
            insert_member(body, parent, key, &value)?
        } else {
            // Create the parent object (e.g. `generationConfig`) at the top level.
            let name = parent.trim_start_matches('/');
            insert_member(
                body,
                "",
                name,
                &format!("{{{}:{value}}}", encode_string(key)),
            )?
        };
        return Ok(Some(out));
    }
    let mut out = body.to_vec();
    let mut changed = false;
    for (p, over) in present {
        if over {
            out = replace_value(&out, p, &value)?;
            changed = true;
        }
    }
    Ok(changed.then_some(out))
}

/// For a streamed OpenAI chat/completions request, makes the server send the final
/// usage chunk (`stream_options.include_usage: true`). Returns `None` when not a
/// streamed OpenAI request or already enabled. Note: a client that did not ask for it
/// may not expect the extra `choices: []` chunk, and some compatible servers
/// (Mistral) reject the field.
pub fn request_stream_usage(
    api: Api,
    body: &[u8],
    limits: &Limits,
) -> Result<Option<Vec<u8>>, FormatError> {
    if api.provider != Provider::OpenAi
        || !matches!(
            api.operation,
            Operation::ChatCompletions | Operation::Completions
        )
    {
        return Ok(None);
    }
    let doc = Doc::parse(body, limits)?;
    if doc.pointer("/stream").as_bool() != Some(true) {
        return Ok(None);
    }
    let opts = doc.pointer("/stream_options");
    if opts.get("include_usage").as_bool() == Some(true) {
        return Ok(None);
    }
    let out = if opts.kind() == Some(Kind::Object) {
        insert_member(body, "/stream_options", "include_usage", "true")?
    } else if opts.exists() {
        replace_value(body, "/stream_options", r#"{"include_usage":true}"#)?
    } else {
        insert_member(body, "", "stream_options", r#"{"include_usage":true}"#)?
    };
    Ok(Some(out))
}

/// Sets the body's `model` (Gemini and Bedrock name the model in the path: `None`).
pub fn set_model(
    api: Api,
    body: &[u8],
    model: &str,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, FormatError> {
    if matches!(api.provider, Provider::Gemini | Provider::Bedrock) {
        return Ok(None);
    }
    let doc = Doc::parse(body, limits)?;
    if doc.pointer("/model").str().as_deref() == Some(model) {
        return Ok(None);
    }
    let lit = encode_string(model);
    if doc.root().kind() != Some(Kind::Object) {
        return Ok(None);
    }
    insert_member(body, "", "model", &lit).map(Some)
}
