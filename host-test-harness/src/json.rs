//! The CLI's JSON contract: CHAIN.json, REQ.json / REQS.jsonl lines, and outcome JSON.
//! Input errors name the offending field path.

use std::path::Path;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::chain::{config_bytes, ChainBuilder, FailurePolicy, FilterSpec};
use crate::error::{Error, Result};
use crate::model::{Chunking, Headers, MetricValue, Outcome, Reply, Request, Upstream};
use crate::profile::HostProfile;

fn err(path: &str, what: impl std::fmt::Display) -> Error {
    Error::new(format!("{path}: {what}"))
}

fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| err(path, "expected an object"))
}

fn string(v: &Value, path: &str) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| err(path, "expected a string"))
}

fn check_keys(m: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<()> {
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(err(
                &format!("{path}.{k}"),
                format!("unknown field (expected one of: {})", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// `"text"` or `{"base64": "..."}`.
fn body(v: &Value, path: &str) -> Result<Vec<u8>> {
    match v {
        Value::String(s) => Ok(s.clone().into_bytes()),
        Value::Object(m) if m.len() == 1 && m.contains_key("base64") => {
            let b64 = string(&m["base64"], &format!("{path}.base64"))?;
            base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| err(&format!("{path}.base64"), format!("invalid base64: {e}")))
        }
        Value::Null => Ok(Vec::new()),
        _ => Err(err(path, "expected a string or {\"base64\": \"...\"}")),
    }
}

/// `[["name","value"], ...]` (an object `{"name":"value"}` is accepted too).
fn headers(v: &Value, path: &str) -> Result<Headers> {
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => {
                    Ok((k.to_ascii_lowercase(), v.clone()))
                }
                _ => Err(err(
                    &format!("{path}[{i}]"),
                    "expected [\"name\", \"value\"]",
                )),
            })
            .collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| Ok((k.to_ascii_lowercase(), string(v, &format!("{path}.{k}"))?)))
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err(err(path, "expected a list of [name, value] pairs")),
    }
}

/// Body and chunking from `body` + `chunks` (sizes, or strings that make up the body).
fn body_and_chunks(m: &Map<String, Value>, path: &str) -> Result<(Vec<u8>, Chunking)> {
    let mut data = match m.get("body") {
        Some(v) => body(v, &format!("{path}.body"))?,
        None => Vec::new(),
    };
    let chunking = match m.get("chunks") {
        None | Some(Value::Null) => Chunking::Whole,
        Some(Value::Array(items)) if items.iter().all(Value::is_u64) => Chunking::Sizes(
            items
                .iter()
                .filter_map(Value::as_u64)
                .map(|n| n as usize)
                .collect(),
        ),
        Some(Value::Array(items)) => {
            let mut pieces = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Number(_) => {
                        return Err(err(
                            &format!("{path}.chunks[{i}]"),
                            "mix of sizes and strings",
                        ))
                    }
                    _ => pieces.push(body(item, &format!("{path}.chunks[{i}]"))?),
                }
            }
            let joined: Vec<u8> = pieces.concat();
            if m.contains_key("body") && joined != data {
                return Err(err(
                    &format!("{path}.chunks"),
                    "string chunks must add up to the body (or leave body out)",
                ));
            }
            data = joined;
            Chunking::Sizes(pieces.iter().map(Vec::len).collect())
        }
        Some(_) => {
            return Err(err(
                &format!("{path}.chunks"),
                "expected a list of sizes or strings",
            ))
        }
    };
    Ok((data, chunking))
}

/// One request line: the optional id, the request, and the upstream that answers it.
pub struct Case {
    pub id: Value,
    pub request: Request,
    pub upstream: Upstream,
}

/// Parses REQ.json / one REQS.jsonl line.
pub fn parse_case(v: &Value) -> Result<Case> {
    let m = obj(v, "$")?;
    check_keys(m, "$", &["id", "request", "upstream"])?;
    let rq = m
        .get("request")
        .ok_or_else(|| err("$.request", "missing"))?;
    let r = obj(rq, "request")?;
    check_keys(
        r,
        "request",
        &[
            "method",
            "path",
            "authority",
            "headers",
            "body",
            "chunks",
            "trailers",
        ],
    )?;
    let (data, chunking) = body_and_chunks(r, "request")?;
    let method = match r.get("method") {
        Some(v) => string(v, "request.method")?,
        None if data.is_empty() => "GET".into(),
        None => "POST".into(),
    };
    let path = match r.get("path") {
        Some(v) => string(v, "request.path")?,
        None => "/".into(),
    };
    if !path.starts_with('/') {
        return Err(err("request.path", format!("{path:?} must start with /")));
    }
    let mut request = Request::new(&method, &path);
    if let Some(a) = r.get("authority") {
        request = request.authority(&string(a, "request.authority")?);
    }
    request.headers = match r.get("headers") {
        Some(h) => headers(h, "request.headers")?,
        None => Vec::new(),
    };
    request.trailers = match r.get("trailers") {
        Some(h) => headers(h, "request.trailers")?,
        None => Vec::new(),
    };
    request.body = data;
    request.chunking = chunking;
    let upstream = match m.get("upstream") {
        None | Some(Value::Null) => Upstream::default(),
        Some(u) => Upstream::from_reply(parse_reply(u, "upstream")?),
    };
    Ok(Case {
        id: m.get("id").cloned().unwrap_or(Value::Null),
        request,
        upstream,
    })
}

/// `{"status": 200, "headers": [...], "body": ..., "chunks": [...], "trailers": [...]}`.
pub fn parse_reply(v: &Value, path: &str) -> Result<Reply> {
    let u = obj(v, path)?;
    check_keys(
        u,
        path,
        &["status", "headers", "body", "chunks", "trailers"],
    )?;
    let status = match u.get("status") {
        None => 200,
        Some(s) => s
            .as_u64()
            .filter(|s| (100..=999).contains(s))
            .ok_or_else(|| err(&format!("{path}.status"), "expected an HTTP status number"))?
            as u16,
    };
    let (data, chunking) = body_and_chunks(u, path)?;
    let mut hs = match u.get("headers") {
        Some(h) => headers(h, &format!("{path}.headers"))?,
        None => Vec::new(),
    };
    if matches!(chunking, Chunking::Sizes(_))
        && crate::model::header_value(&hs, "content-length").is_none()
        && crate::model::header_value(&hs, "transfer-encoding").is_none()
    {
        hs.push(("transfer-encoding".into(), "chunked".into()));
    }
    Ok(Reply {
        status,
        headers: hs,
        body: data,
        chunking,
        trailers: match u.get("trailers") {
            Some(h) => headers(h, &format!("{path}.trailers"))?,
            None => Vec::new(),
        },
    })
}

/// Reads CHAIN.json into a builder. Wasm paths are relative to the current directory.
pub fn parse_chain(v: &Value) -> Result<ChainBuilder> {
    let m = obj(v, "chain")?;
    check_keys(
        m,
        "chain",
        &["filters", "vm_env", "host", "workers", "clusters"],
    )?;
    let filters = m
        .get("filters")
        .and_then(Value::as_array)
        .ok_or_else(|| err("chain.filters", "missing or not a list"))?;
    if filters.is_empty() {
        return Err(err("chain.filters", "needs at least one filter"));
    }
    let mut b = ChainBuilder::default();
    for (i, f) in filters.iter().enumerate() {
        let p = format!("chain.filters[{i}]");
        let fm = obj(f, &p)?;
        check_keys(
            fm,
            &p,
            &[
                "name",
                "wasm",
                "config",
                "vm_config",
                "root_id",
                "vm_id",
                "failure_policy",
                "reload_backoff_ms",
            ],
        )?;
        let wasm = string(
            fm.get("wasm")
                .ok_or_else(|| err(&format!("{p}.wasm"), "missing"))?,
            &format!("{p}.wasm"),
        )?;
        let name = match fm.get("name") {
            Some(n) => string(n, &format!("{p}.name"))?,
            None => Path::new(&wasm)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("filter{i}")),
        };
        let mut spec = FilterSpec::new(&name, &wasm);
        if let Some(c) = fm.get("config") {
            spec = spec.config_raw(config_bytes(c));
        }
        if let Some(c) = fm.get("vm_config") {
            spec = spec.vm_config(config_bytes(c));
        }
        if let Some(r) = fm.get("root_id") {
            spec = spec.root_id(&string(r, &format!("{p}.root_id"))?);
        }
        if let Some(r) = fm.get("vm_id") {
            spec = spec.vm_id(&string(r, &format!("{p}.vm_id"))?);
        }
        if let Some(r) = fm.get("failure_policy") {
            let s = string(r, &format!("{p}.failure_policy"))?;
            spec = spec.failure_policy(
                s.parse::<FailurePolicy>()
                    .map_err(|e| err(&format!("{p}.failure_policy"), e))?,
            );
        }
        if let Some(r) = fm.get("reload_backoff_ms") {
            let ms = r
                .as_u64()
                .ok_or_else(|| err(&format!("{p}.reload_backoff_ms"), "expected milliseconds"))?;
            spec = spec.reload_backoff(std::time::Duration::from_millis(ms));
        }
        b = b.filter_spec(spec);
    }
    if let Some(env) = m.get("vm_env") {
        for (k, v) in obj(env, "chain.vm_env")? {
            b = b.vm_env(k, &string(v, &format!("chain.vm_env.{k}"))?);
        }
    }
    if let Some(h) = m.get("host") {
        let s = string(h, "chain.host")?;
        b = b.profile(s.parse::<HostProfile>().map_err(|e| err("chain.host", e))?);
    }
    if let Some(w) = m.get("workers") {
        let n = w
            .as_u64()
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| err("chain.workers", "expected 1..64"))?;
        b = b.workers(n as usize);
    }
    if let Some(c) = m.get("clusters") {
        for (name, reply) in obj(c, "chain.clusters")? {
            b = b.cluster_reply(name, parse_reply(reply, &format!("chain.clusters.{name}"))?);
        }
    }
    Ok(b)
}

/// A body as JSON: UTF-8 text as a string, anything else as `{"base64": ...}`.
pub fn body_json(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) => Value::String(s.to_string()),
        Err(_) => json!({"base64": base64::engine::general_purpose::STANDARD.encode(bytes)}),
    }
}

fn headers_json(h: &[(String, String)]) -> Value {
    Value::Array(h.iter().map(|(k, v)| json!([k, v])).collect())
}

fn metric_json(v: &MetricValue) -> Value {
    match v {
        MetricValue::Counter(c) => json!(c),
        MetricValue::Gauge(g) => json!(g),
        MetricValue::Histogram(h) => json!({"count": h.count, "sum": h.sum}),
    }
}

/// The outcome JSON of the CLI contract.
pub fn outcome_json(id: &Value, out: &Outcome) -> Value {
    json!({
        "id": id,
        "reached_upstream": out.reached_upstream,
        "upstream_request": out.upstream_request.as_ref().map(|u| json!({
            "headers": headers_json(&u.headers),
            "body": body_json(&u.body),
            "trailers": headers_json(&u.trailers),
            "reset": u.reset,
        })),
        "local_reply": out.local_reply.as_ref().map(|r| json!({
            "status": r.status,
            "headers": headers_json(&r.headers),
            "body": body_json(&r.body),
            "filter": r.filter,
            "details": r.details,
        })),
        "response": {
            "status": out.response.status,
            "headers": headers_json(&out.response.headers),
            "body": body_json(&out.response.body),
            "trailers": headers_json(&out.response.trailers),
            "chunks": out.response.chunks.iter().map(|c| body_json(c)).collect::<Vec<_>>(),
            "reset": out.response.reset,
        },
        "logs": out.logs.iter().map(|l| json!({
            "filter": l.filter, "level": l.level.as_str(), "message": l.message,
        })).collect::<Vec<_>>(),
        "metrics": out.metrics.iter().map(|(k, v)| (k.clone(), metric_json(v))).collect::<Map<_, _>>(),
        "trap": out.trap.as_ref().map(|t| json!({
            "filter": t.filter, "callback": t.callback, "message": t.message,
        })),
        "filter_state": out.filter_state.iter().map(|(k, v)| (k.clone(), body_json(v))).collect::<Map<_, _>>(),
    })
}
