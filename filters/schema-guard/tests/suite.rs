//! The official JSON-Schema-Test-Suite (required tests, draft 2020-12 and draft-07) through the
//! filter in a proxy: each group's schema is the filter's config (`{"schema": ...}`), each
//! test's instance is a request body, and the proxy's answer (forwarded or 400) is compared
//! with the suite's `valid`. `parapet-schema`'s own `suite.rs` does the same natively.
//!
//! The suite's `remotes/` are passed as the config's `resources` (the only way a remote
//! `$ref` resolves: nothing is fetched). Needs `scripts/build schema-guard` and the suite in
//! `<workspace>/../shared/jsonschema-test-suite` (`PARAPET_SHARED` overrides).

use std::fs;
use std::path::{Path, PathBuf};

use parapet_harness::{Chain, Request, Upstream};
use serde_json::{json, Map, Value};

fn suite_dir() -> PathBuf {
    let shared = std::env::var_os("PARAPET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("jsonschema-test-suite");
    assert!(
        dir.join("tests").is_dir(),
        "JSON-Schema-Test-Suite not found at {}",
        dir.display()
    );
    dir
}

fn remotes(root: &Path, dir: &Path, out: &mut Map<String, Value>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read remotes").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            remotes(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "json") {
            let rel = path.strip_prefix(root).expect("under root");
            let doc: Value = serde_json::from_str(&fs::read_to_string(&path).expect("read"))
                .expect("remote is JSON");
            out.insert(
                format!(
                    "http://localhost:1234/{}",
                    rel.to_string_lossy().replace('\\', "/")
                ),
                doc,
            );
        }
    }
}

fn run(draft_dir: &str, draft: &str) {
    let root = suite_dir();
    let mut resources = Map::new();
    remotes(&root.join("remotes"), &root.join("remotes"), &mut resources);
    let module = parapet_harness::dist("schema-guard").expect("run scripts/build schema-guard");
    let mut files: Vec<PathBuf> = fs::read_dir(root.join("tests").join(draft_dir))
        .expect("draft dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut agree, mut total) = (0usize, 0usize);
    let mut failures = Vec::new();
    for file in files {
        let groups: Value =
            serde_json::from_str(&fs::read_to_string(&file).expect("read")).expect("JSON");
        for group in groups.as_array().expect("groups") {
            let name = format!(
                "{}: {}",
                file.file_name().unwrap_or_default().to_string_lossy(),
                group["description"].as_str().unwrap_or("?")
            );
            let config = json!({
                "schema": group["schema"],
                "draft": draft,
                "resources": resources,
            });
            let chain = Chain::builder()
                .filter("schema-guard", &module, config)
                .build();
            for test in group["tests"].as_array().expect("tests") {
                total += 1;
                let expected = test["valid"].as_bool().expect("valid");
                let body = serde_json::to_vec(&test["data"]).expect("serialise");
                let got = match &chain {
                    Ok(chain) => match chain
                        .run(&Request::post("/validate").body(body), &Upstream::echo())
                    {
                        Ok(out) if out.response.status == 200 && out.reached_upstream => Ok(true),
                        Ok(out) if out.response.status == 400 => Ok(false),
                        Ok(out) => Err(format!(
                            "status {}: {}",
                            out.response.status,
                            out.response.body_str()
                        )),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(e) => Err(format!("config rejected: {e}")),
                };
                match got {
                    Ok(valid) if valid == expected => agree += 1,
                    other => failures.push(format!(
                        "{name} / {}: expected valid={expected}, got {other:?}",
                        test["description"].as_str().unwrap_or("?")
                    )),
                }
            }
        }
    }
    println!(
        "JSON-Schema-Test-Suite {draft_dir} through schema-guard.wasm: {agree}/{total} = {:.2}%",
        100.0 * agree as f64 / total as f64
    );
    for f in failures.iter().take(30) {
        println!("  disagreement: {f}");
    }
    assert!(total > 500, "too few tests: {total}");
    assert!(
        agree as f64 >= 0.99 * total as f64,
        "{} disagreements (first: {:?})",
        failures.len(),
        failures.first()
    );
}

#[test]
fn draft_2020_12_required_tests_through_the_filter() {
    run("draft2020-12", "2020-12");
}

#[test]
fn draft_07_required_tests_through_the_filter() {
    run("draft7", "draft-07");
}
