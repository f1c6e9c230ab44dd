//! The official JSON-Schema-Test-Suite run directly against the validator, every draft the
//! validator knows (required tests; the optional `format` tests with formats asserted).
//! parapet-schema's `suite.rs` holds the 99% gate for 2020-12 and draft-07 through Parapet's
//! API; this one reports per draft and fails on any required disagreement in those two.
//!
//! The suite lives in `<workspace>/../shared/jsonschema-test-suite` (`PARAPET_SHARED`
//! overrides); `remotes/` are registered offline under `http://localhost:1234/`.

use std::fs;
use std::path::{Path, PathBuf};

use parapet_json_schema::{Draft, Options, Validator};
use serde_json::Value;

fn suite_dir() -> PathBuf {
    let shared = std::env::var_os("PARAPET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    shared.join("jsonschema-test-suite")
}

fn register(mut options: Options, root: &Path, dir: &Path) -> Options {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read remotes").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            options = register(options, root, &path);
        } else if path.extension().is_some_and(|x| x == "json") {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            let doc: Value =
                serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("json");
            options = options.with_resource(format!("http://localhost:1234/{rel}"), doc);
        }
    }
    options
}

/// (agree, total, failures)
fn run(dir: &str, draft: Draft, formats: Option<bool>) -> (usize, usize, Vec<String>) {
    let root = suite_dir();
    let remotes = root.join("remotes");
    let options = register(
        Options::default()
            .with_default_draft(draft)
            .with_validate_formats(formats),
        &remotes,
        &remotes,
    );
    let mut files: Vec<_> = fs::read_dir(root.join("tests").join(dir))
        .expect("suite directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut agree, mut total, mut failures) = (0, 0, Vec::new());
    for file in files {
        let fname = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let groups: Value =
            serde_json::from_str(&fs::read_to_string(&file).expect("read")).expect("json");
        for group in groups.as_array().expect("groups") {
            let compiled = Validator::compile(&group["schema"], &options);
            for test in group["tests"].as_array().expect("tests") {
                total += 1;
                let expected = test["valid"].as_bool().expect("valid");
                let what = format!(
                    "{fname}: {} / {}",
                    group["description"].as_str().unwrap_or("?"),
                    test["description"].as_str().unwrap_or("?")
                );
                match &compiled {
                    Ok(v) => {
                        let quick = v.is_valid(&test["data"]);
                        let full = v.validate(&test["data"], 5).is_ok();
                        assert_eq!(quick, full, "is_valid and validate disagree: {what}");
                        if quick == expected {
                            agree += 1;
                        } else {
                            failures.push(format!("{what}: expected {expected}"));
                        }
                    }
                    Err(e) => failures.push(format!("{what}: compile error {e}")),
                }
            }
        }
    }
    (agree, total, failures)
}

fn report(dir: &str, draft: Draft, formats: Option<bool>) -> f64 {
    let (agree, total, failures) = run(dir, draft, formats);
    println!("{dir}: {agree}/{total} agree");
    for f in &failures {
        println!("  {f}");
    }
    assert!(total > 0, "no tests in {dir}");
    agree as f64 / total as f64
}

#[test]
fn draft2020_12_required() {
    assert_eq!(report("draft2020-12", Draft::Draft2020_12, None), 1.0);
}

#[test]
fn draft7_required() {
    assert_eq!(report("draft7", Draft::Draft7, None), 1.0);
}

#[test]
fn formats_asserted() {
    for (dir, draft) in [
        ("draft2020-12/optional/format", Draft::Draft2020_12),
        ("draft7/optional/format", Draft::Draft7),
    ] {
        assert!(report(dir, draft, Some(true)) >= 0.85, "{dir}");
    }
}
