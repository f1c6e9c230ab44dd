//! The Parapet filters of an Envoy config, read back from its YAML text: name, root id, VM id,
//! module path, failure policy and the plugin configuration (the JSON inside the
//! `google.protobuf.StringValue`). Tests build a harness chain from exactly what Envoy runs, so
//! the two never use different configs.
//!
//! The reader understands the block layout `envoy-configs/generate.py` writes (one key per line,
//! `value:` a JSON-quoted string, `code: {local: {filename: ...}}`); it is not a YAML parser.

/// One `envoy.filters.http.wasm` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmFilter {
    /// `config.name` (Envoy's plugin name).
    pub name: String,
    pub root_id: String,
    pub vm_id: String,
    /// `vm_config.code.local.filename`, relative to the workspace root.
    pub filename: String,
    /// `failure_policy` (empty when not set).
    pub failure_policy: String,
    /// The plugin configuration text (what `on_configure` receives).
    pub config: String,
}

const WASM_TYPE: &str = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

/// Every wasm HTTP filter in `yaml`, in chain order.
pub fn wasm_filters(yaml: &str) -> Result<Vec<WasmFilter>, String> {
    let mut out: Vec<WasmFilter> = Vec::new();
    let mut current: Option<WasmFilter> = None;
    for (n, line) in yaml.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("\"@type\":") && t.ends_with(WASM_TYPE) {
            if let Some(f) = current.take() {
                out.push(check(f)?);
            }
            current = Some(WasmFilter {
                name: String::new(),
                root_id: String::new(),
                vm_id: String::new(),
                filename: String::new(),
                failure_policy: String::new(),
                config: String::new(),
            });
            continue;
        }
        let Some(f) = current.as_mut() else { continue };
        // A new list item at the http_filters level ends the filter.
        if t.starts_with("- name:") {
            out.push(check(current.take().unwrap_or_else(|| unreachable!()))?);
            continue;
        }
        let Some((key, value)) = t.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "name" if f.name.is_empty() => f.name = value.to_string(),
            "root_id" => f.root_id = value.to_string(),
            "vm_id" => f.vm_id = value.to_string(),
            "failure_policy" => f.failure_policy = value.to_string(),
            "value" if f.config.is_empty() => {
                f.config = serde_json::from_str::<String>(value).map_err(|e| {
                    format!(
                        "line {}: the plugin configuration is not a JSON string: {e}",
                        n + 1
                    )
                })?;
            }
            "code" => {
                if let Some(rest) = value.split("filename:").nth(1) {
                    f.filename = rest.trim().trim_end_matches('}').trim().to_string();
                }
            }
            _ => {}
        }
    }
    if let Some(f) = current.take() {
        out.push(check(f)?);
    }
    Ok(out)
}

fn check(f: WasmFilter) -> Result<WasmFilter, String> {
    if f.name.is_empty() || f.filename.is_empty() {
        return Err(format!(
            "a wasm filter without name or local filename: {f:?}"
        ));
    }
    Ok(f)
}

/// `yaml` with the plugin configuration of filter `name` replaced by `f(config)`.
pub fn with_filter_config(
    yaml: &str,
    name: &str,
    f: impl Fn(&str) -> String,
) -> Result<String, String> {
    let filters = wasm_filters(yaml)?;
    let filter = filters
        .iter()
        .find(|w| w.name == name)
        .ok_or_else(|| format!("no filter {name}"))?;
    let new = serde_json::to_string(&f(&filter.config)).map_err(|e| e.to_string())?;
    // Find the line by its decoded value (the YAML writer's escaping may differ from serde's).
    let mut hits = 0;
    let mut out = String::with_capacity(yaml.len() + new.len());
    for line in yaml.split_inclusive('\n') {
        let t = line.trim_start();
        let decoded = t
            .strip_prefix("value: ")
            .and_then(|v| serde_json::from_str::<String>(v.trim_end()).ok());
        if decoded.as_deref() == Some(filter.config.as_str()) {
            hits += 1;
            let indent = &line[..line.len() - t.len()];
            out.push_str(&format!("{indent}value: {new}\n"));
        } else {
            out.push_str(line);
        }
    }
    if hits != 1 {
        return Err(format!(
            "the config of {name} appears {hits} times in the YAML"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shipped_full_chain() {
        let yaml =
            std::fs::read_to_string(crate::workspace_root().join("envoy-configs/parapet.yaml"))
                .expect("parapet.yaml");
        let fs = wasm_filters(&yaml).expect("parse");
        let names: Vec<&str> = fs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "schema-guard",
                "prompt-guard",
                "pii-redact",
                "policy",
                "token-limit",
                "response-guard"
            ]
        );
        for f in &fs {
            // The bundle: one module and one VM for the six.
            assert_eq!(f.filename, "dist/parapet.wasm");
            assert_eq!(f.vm_id, "parapet");
            assert_eq!(f.root_id, f.name);
            assert_eq!(f.failure_policy, "FAIL_RELOAD");
            serde_json::from_str::<serde_json::Value>(&f.config).expect("config is JSON");
        }
        let policy = fs.iter().find(|f| f.name == "policy").expect("policy");
        assert!(
            policy.config.contains("package parapet"),
            "the Rego text survives the quoting"
        );
    }

    #[test]
    fn replaces_one_config() {
        let yaml =
            std::fs::read_to_string(crate::workspace_root().join("envoy-configs/parapet.yaml"))
                .expect("parapet.yaml");
        let out = with_filter_config(&yaml, "token-limit", |_| {
            r#"{"requests_per_minute":1}"#.into()
        })
        .expect("patch");
        let fs = wasm_filters(&out).expect("parse");
        let tl = fs
            .iter()
            .find(|f| f.name == "token-limit")
            .expect("token-limit");
        assert_eq!(tl.config, r#"{"requests_per_minute":1}"#);
        assert_eq!(fs.len(), 6);
    }
}
