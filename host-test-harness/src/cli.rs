//! The `parapet-harness` command line (a contract other tools rely on; see the README).
//!
//! Exit codes: 0 = ran (whatever the filters decided), 2 = bad arguments or input files,
//! 1 = I/O failure while writing output.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::chain::{config_bytes, Chain, ChainBuilder, FilterSpec};
use crate::error::{Error, Result};
use crate::json;
use crate::profile::HostProfile;

const USAGE: &str = "\
usage:
  parapet-harness run    (--chain CHAIN.json | --filter X.wasm [--config C.json] ...) --request REQ.json
  parapet-harness replay (--chain CHAIN.json | --filter X.wasm [--config C.json] ...) --requests REQS.jsonl
options:
  --chain FILE       chain file: {\"filters\":[{\"name\",\"wasm\",\"config\"}], \"vm_env\":{}}
  --filter FILE      a filter module (repeatable, in chain order; name = file stem)
  --config FILE|JSON configuration of the preceding --filter (a file, or inline JSON)
  --host envoy|kong  host profile to imitate (default envoy)
  --pretty           pretty-print outcome JSON (run only)
";

struct Args {
    command: String,
    chain: Option<String>,
    filters: Vec<(String, Option<String>)>,
    request: Option<String>,
    requests: Option<String>,
    host: Option<HostProfile>,
    pretty: bool,
}

fn parse_args(argv: &[String]) -> Result<Args> {
    let mut it = argv.iter();
    let command = it
        .next()
        .cloned()
        .ok_or_else(|| Error::new("missing command (run or replay)"))?;
    if command == "--help" || command == "-h" || command == "help" {
        return Err(Error::new("help"));
    }
    if command != "run" && command != "replay" {
        return Err(Error::new(format!(
            "unknown command {command:?} (expected run or replay)"
        )));
    }
    let mut args = Args {
        command,
        chain: None,
        filters: Vec::new(),
        request: None,
        requests: None,
        host: None,
        pretty: false,
    };
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| Error::new(format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--chain" => args.chain = Some(value()?),
            "--filter" => args.filters.push((value()?, None)),
            "--config" => {
                let v = value()?;
                match args.filters.last_mut() {
                    Some((_, c @ None)) => *c = Some(v),
                    Some(_) => return Err(Error::new("--config given twice for one --filter")),
                    None => return Err(Error::new("--config must follow a --filter")),
                }
            }
            "--request" => args.request = Some(value()?),
            "--requests" => args.requests = Some(value()?),
            "--host" => args.host = Some(value()?.parse::<HostProfile>().map_err(Error::new)?),
            "--pretty" => args.pretty = true,
            other => return Err(Error::new(format!("unknown option {other:?}"))),
        }
    }
    if args.chain.is_some() != args.filters.is_empty() {
        return Err(Error::new("give either --chain or at least one --filter"));
    }
    match args.command.as_str() {
        "run" if args.request.is_none() => Err(Error::new("run needs --request REQ.json")),
        "replay" if args.requests.is_none() => {
            Err(Error::new("replay needs --requests REQS.jsonl"))
        }
        _ => Ok(args),
    }
}

fn read(path: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::new(format!("{path}: cannot read: {e}")))
}

fn parse_json(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::new(format!("{what}: invalid JSON: {e}")))
}

fn builder(args: &Args) -> Result<ChainBuilder> {
    let mut b = match &args.chain {
        Some(path) => json::parse_chain(&parse_json(&read(path)?, path)?)
            .map_err(|e| Error::new(format!("{path}: {e}")))?,
        None => {
            let mut b = ChainBuilder::default();
            for (wasm, config) in &args.filters {
                let name = Path::new(wasm)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| wasm.clone());
                let mut spec = FilterSpec::new(&name, wasm);
                if let Some(c) = config {
                    let text = if Path::new(c).is_file() {
                        read(c)?
                    } else {
                        c.clone()
                    };
                    let value = parse_json(&text, &format!("--config {c}"))?;
                    spec = spec.config_raw(config_bytes(&value));
                }
                b = b.filter_spec(spec);
            }
            b
        }
    };
    if let Some(host) = args.host {
        b = b.profile(host);
    }
    Ok(b)
}

fn write_line(out: &mut impl Write, v: &Value, pretty: bool) -> std::io::Result<()> {
    let text = if pretty {
        serde_json::to_string_pretty(v)
    } else {
        serde_json::to_string(v)
    }
    .unwrap_or_default();
    writeln!(out, "{text}")
}

/// Runs the CLI with `argv` (without the program name); returns the exit code.
pub fn main_with_args(argv: Vec<String>) -> i32 {
    let args = match parse_args(&argv) {
        Ok(a) => a,
        Err(e) if e.message() == "help" => {
            print!("{USAGE}");
            return 0;
        }
        Err(e) => {
            eprintln!("parapet-harness: {e}\n{USAGE}");
            return 2;
        }
    };
    match execute(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("parapet-harness: {e}");
            2
        }
    }
}

fn execute(args: &Args) -> Result<i32> {
    // Parse every input before compiling anything, so input errors come out fast.
    let cases = match args.command.as_str() {
        "run" => {
            let path = args.request.as_deref().unwrap_or_default();
            let v = parse_json(&read(path)?, path)?;
            vec![json::parse_case(&v).map_err(|e| Error::new(format!("{path}: {e}")))?]
        }
        _ => {
            let path = args.requests.as_deref().unwrap_or_default();
            let text = read(path)?;
            let mut cases = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let what = format!("{path}:{}", i + 1);
                let v = parse_json(line, &what)?;
                cases.push(json::parse_case(&v).map_err(|e| Error::new(format!("{what}: {e}")))?);
            }
            cases
        }
    };
    let chain: Chain = builder(args)?.build()?;
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut reached, mut local, mut traps) = (0, 0, 0);
    for case in &cases {
        let outcome = chain.run(&case.request, &case.upstream)?;
        reached += usize::from(outcome.reached_upstream);
        local += usize::from(outcome.local_reply.is_some());
        traps += usize::from(outcome.trap.is_some());
        if write_line(
            &mut out,
            &json::outcome_json(&case.id, &outcome),
            args.pretty && args.command == "run",
        )
        .is_err()
        {
            return Ok(1);
        }
    }
    if out.flush().is_err() {
        return Ok(1);
    }
    if args.command == "replay" {
        eprintln!(
            "replayed {} requests in {} ms: {reached} reached the upstream, {local} local replies, {traps} traps",
            cases.len(),
            started.elapsed().as_millis()
        );
    }
    Ok(0)
}
