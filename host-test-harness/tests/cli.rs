//! The `parapet-harness` binary: run, replay, quick form, and input errors (exit 2).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> std::io::Result<TempDir> {
        let dir = std::env::temp_dir().join(format!("parapet-cli-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
    fn file(&self, name: &str, content: &str) -> std::io::Result<String> {
        let p = self.0.join(name);
        std::fs::write(&p, content)?;
        Ok(p.to_string_lossy().into_owned())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn harness(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_parapet-harness"))
        .args(args)
        .output()
}

fn probe() -> Result<String, Box<dyn std::error::Error>> {
    Ok(parapet_harness::dist("probe")?
        .to_string_lossy()
        .into_owned())
}

fn stdout_json(out: &Output) -> Result<Value, Box<dyn std::error::Error>> {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

#[test]
fn run_with_a_chain_file_prints_one_outcome() -> TestResult {
    let dir = TempDir::new("run")?;
    let chain = dir.file(
        "chain.json",
        &json!({"filters": [{"name": "guard", "wasm": probe()?, "config": {"block_word": "forbidden"}}],
                "vm_env": {"K": "V"}})
        .to_string(),
    )?;
    let req = dir.file(
        "req.json",
        &json!({"id": "r1", "request": {"method": "POST", "path": "/v1/chat/completions",
                 "headers": [["content-type", "application/json"]],
                 "body": "{\"prompt\":\"this is forbidden\"}", "chunks": [7, 100]}})
        .to_string(),
    )?;
    let v = stdout_json(&harness(&["run", "--chain", &chain, "--request", &req])?)?;
    assert_eq!(v["id"], "r1");
    assert_eq!(v["reached_upstream"], false);
    assert_eq!(v["local_reply"]["status"], 403);
    assert_eq!(v["local_reply"]["filter"], "guard");
    assert_eq!(v["response"]["status"], 403);
    assert_eq!(v["response"]["body"], "{\"error\":\"blocked by probe\"}");
    assert_eq!(v["trap"], Value::Null);
    assert_eq!(v["metrics"]["probe_requests_total"], 1);
    let logs = v["logs"].as_array().ok_or("logs")?;
    assert!(logs.iter().any(|l| l["filter"] == "guard"
        && l["level"] == "info"
        && l["message"] == "probe request body size=7 eos=false"));
    Ok(())
}

#[test]
fn quick_form_with_inline_config_and_default_upstream() -> TestResult {
    let dir = TempDir::new("quick")?;
    let req = dir.file(
        "req.json",
        &json!({"request": {"path": "/x", "body": "say foo", "headers": [["x-probe", "headers"]]}})
            .to_string(),
    )?;
    let config = r#"{"replace_from":"foo","replace_to":"bar"}"#;
    let v = stdout_json(&harness(&[
        "run",
        "--filter",
        &probe()?,
        "--config",
        config,
        "--request",
        &req,
    ])?)?;
    assert_eq!(v["reached_upstream"], true);
    assert_eq!(v["upstream_request"]["body"], "say bar");
    assert_eq!(v["response"]["status"], 200);
    assert_eq!(v["response"]["body"], "{}");
    assert_eq!(v["id"], Value::Null);
    Ok(())
}

#[test]
fn non_utf8_bodies_travel_as_base64() -> TestResult {
    let dir = TempDir::new("b64")?;
    let req = dir.file(
        "req.json",
        &json!({"request": {"body": {"base64": "/wA="}},
                "upstream": {"status": 201, "body": {"base64": "gA=="}}})
        .to_string(),
    )?;
    let v = stdout_json(&harness(&[
        "run",
        "--filter",
        &probe()?,
        "--request",
        &req,
    ])?)?;
    assert_eq!(v["upstream_request"]["body"], json!({"base64": "/wA="}));
    assert_eq!(v["response"]["status"], 201);
    assert_eq!(v["response"]["body"], json!({"base64": "gA=="}));
    Ok(())
}

#[test]
fn replay_answers_every_line_in_order_reusing_the_vms() -> TestResult {
    let dir = TempDir::new("replay")?;
    let mut lines = String::new();
    for i in 0..2000 {
        let body = if i % 10 == 0 { "forbidden" } else { "fine" };
        lines.push_str(
            &json!({"id": i, "request": {"path": "/c", "body": body},
            "upstream": {"status": 200, "body": "data: a\n\ndata: b\n\n", "chunks": [9]}})
            .to_string(),
        );
        lines.push('\n');
    }
    let reqs = dir.file("reqs.jsonl", &lines)?;
    let config = r#"{"block_word":"forbidden"}"#;
    let started = std::time::Instant::now();
    let out = harness(&[
        "replay",
        "--filter",
        &probe()?,
        "--config",
        config,
        "--requests",
        &reqs,
    ])?;
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outcomes: Vec<Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(serde_json::from_slice)
        .collect::<Result<_, _>>()?;
    assert_eq!(outcomes.len(), 2000);
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(o["id"], i);
        let expected = if i % 10 == 0 { 403 } else { 200 };
        assert_eq!(o["response"]["status"], expected, "line {i}");
    }
    assert_eq!(
        outcomes[1]["response"]["chunks"],
        json!(["data: a\n\n", "data: b\n\n", ""])
    );
    assert_eq!(outcomes[1999]["metrics"]["probe_requests_total"], 2000);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("replayed 2000 requests"), "{summary}");
    assert!(summary.contains("200 local replies"), "{summary}");
    eprintln!("replay of 2000 requests took {elapsed:?} (debug build)");
    Ok(())
}

fn fails_with(args: &[&str], needle: &str) -> TestResult {
    let out = harness(args)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "args {args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "args {args:?}: expected {needle:?} in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

#[test]
fn bad_input_gives_a_clear_message_and_exit_code_2() -> TestResult {
    let dir = TempDir::new("bad")?;
    let probe = probe()?;
    let ok_req = dir.file("ok.json", r#"{"request":{"path":"/"}}"#)?;
    fails_with(&[], "missing command")?;
    fails_with(&["frobnicate"], "unknown command")?;
    fails_with(
        &["run", "--request", &ok_req],
        "either --chain or at least one --filter",
    )?;
    fails_with(&["run", "--filter", &probe], "run needs --request")?;
    fails_with(
        &[
            "run",
            "--config",
            "{}",
            "--filter",
            &probe,
            "--request",
            &ok_req,
        ],
        "--config must follow a --filter",
    )?;
    fails_with(
        &["run", "--filter", &probe, "--request", "/nonexistent.json"],
        "/nonexistent.json: cannot read",
    )?;
    let bad = dir.file("bad.json", "{not json")?;
    fails_with(
        &["run", "--filter", &probe, "--request", &bad],
        "invalid JSON",
    )?;
    let unknown = dir.file("unknown.json", r#"{"request":{"path":"/","bogus":1}}"#)?;
    fails_with(
        &["run", "--filter", &probe, "--request", &unknown],
        "request.bogus: unknown field",
    )?;
    let bad_header = dir.file("h.json", r#"{"request":{"headers":[["a"]]}}"#)?;
    fails_with(
        &["run", "--filter", &probe, "--request", &bad_header],
        "request.headers[0]: expected [\"name\", \"value\"]",
    )?;
    let bad_b64 = dir.file("b.json", r#"{"request":{"body":{"base64":"!!"}}}"#)?;
    fails_with(
        &["run", "--filter", &probe, "--request", &bad_b64],
        "request.body.base64: invalid base64",
    )?;
    let bad_status = dir.file("s.json", r#"{"request":{},"upstream":{"status":"ok"}}"#)?;
    fails_with(
        &["run", "--filter", &probe, "--request", &bad_status],
        "upstream.status",
    )?;
    let chain = dir.file(
        "chain.json",
        r#"{"filters":[{"wasm":"/nonexistent/x.wasm"}]}"#,
    )?;
    fails_with(
        &["run", "--chain", &chain, "--request", &ok_req],
        "cannot read /nonexistent/x.wasm",
    )?;
    let chain = dir.file(
        "chain2.json",
        &json!({"filters":[{"wasm": probe, "failure_policy": "SOMETIMES"}]}).to_string(),
    )?;
    fails_with(
        &["run", "--chain", &chain, "--request", &ok_req],
        "chain.filters[0].failure_policy",
    )?;
    fails_with(
        &[
            "run",
            "--filter",
            &probe,
            "--config",
            r#"{"reject":true}"#,
            "--request",
            &ok_req,
        ],
        "rejected its configuration",
    )?;
    let lines = dir.file("reqs.jsonl", "{\"request\":{}}\n\n{\"request\":[]}\n")?;
    fails_with(
        &["replay", "--filter", &probe, "--requests", &lines],
        "reqs.jsonl:3: request: expected an object",
    )?;
    let not_wasm = dir.file("x.wasm", "hello")?;
    fails_with(
        &["run", "--filter", &not_wasm, "--request", &ok_req],
        "not a loadable wasm module",
    )?;
    Ok(())
}

#[test]
fn help_exits_zero() -> TestResult {
    let out = harness(&["--help"])?;
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("parapet-harness replay"));
    Ok(())
}
