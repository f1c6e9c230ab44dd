//! The official JSON-Schema-Test-Suite (required tests of draft 2020-12 and draft-07) through
//! parapet-schema: each group's schema is compiled as a configured schema would be, each test's
//! instance is serialised and parsed as a request body would be, and the verdict is compared
//! with the suite's `valid`.
//!
//! The suite lives in `shared/jsonschema-test-suite`, beside the workspace (`<workspace>/../shared`,
//! also in CI); `PARAPET_SHARED` overrides the location. Its `remotes/` directory is registered as
//! an offline resource map under `http://localhost:1234/` — the only way a remote `$ref` resolves
//! in Parapet; nothing is fetched.
//!
//! A group whose schema fails to compile counts every one of its tests as a disagreement.

use std::fs;
use std::path::{Path, PathBuf};

use parapet_schema::{Bounds, CompileOptions, Dialect, Schema};
use serde_json::Value;

const REQUIRED_AGREEMENT: f64 = 0.99;
const FORMAT_AGREEMENT: f64 = 0.85;

fn suite_dir() -> PathBuf {
    let shared = std::env::var_os("PARAPET_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("jsonschema-test-suite");
    assert!(
        dir.join("tests").is_dir(),
        "JSON-Schema-Test-Suite not found at {} (expected <workspace>/../shared/jsonschema-test-suite; \
         set PARAPET_SHARED to the shared/ directory)",
        dir.display()
    );
    dir
}

fn register_remotes(mut options: CompileOptions, root: &Path, dir: &Path) -> CompileOptions {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read remotes").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            options = register_remotes(options, root, &path);
        } else if path.extension().is_some_and(|x| x == "json") {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            let doc: Value = serde_json::from_str(&fs::read_to_string(&path).expect("read remote"))
                .expect("remote is JSON");
            options = options.with_resource(format!("http://localhost:1234/{rel}"), doc);
        }
    }
    options
}

struct Tally {
    agree: usize,
    total: usize,
    failures: Vec<String>,
}

fn run_draft(draft_dir: &str, dialect: Dialect) -> Tally {
    run_dir(
        draft_dir,
        CompileOptions::default().with_default_dialect(dialect),
    )
}

fn run_dir(draft_dir: &str, options: CompileOptions) -> Tally {
    let root = suite_dir();
    let remotes = root.join("remotes");
    let options = register_remotes(options, &remotes, &remotes);
    let bounds = Bounds {
        max_bytes: 1 << 20,
        max_depth: 100,
    };
    let mut tally = Tally {
        agree: 0,
        total: 0,
        failures: Vec::new(),
    };
    let mut files: Vec<_> = fs::read_dir(root.join("tests").join(draft_dir))
        .expect("read draft dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in files {
        let fname = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let groups: Value = serde_json::from_str(&fs::read_to_string(&file).expect("read tests"))
            .expect("tests are JSON");
        for group in groups.as_array().expect("array of groups") {
            let description = group["description"].as_str().unwrap_or("?");
            let tests = group["tests"].as_array().expect("tests");
            let name = format!("{fname}: {description}");
            let schema = Schema::compile(&name, &group["schema"], &options);
            for test in tests {
                tally.total += 1;
                let expected = test["valid"].as_bool().expect("valid is bool");
                let body = serde_json::to_vec(&test["data"]).expect("serialise");
                let verdict = match (&schema, bounds.parse(&body)) {
                    (Ok(schema), Ok(instance)) => Ok(schema.validate(&instance).is_ok()),
                    (Err(e), _) => Err(format!("compile error: {e}")),
                    (_, Err(e)) => Err(format!("body error: {e}")),
                };
                match verdict {
                    Ok(valid) if valid == expected => tally.agree += 1,
                    Ok(valid) => tally.failures.push(format!(
                        "{name} / {}: expected valid={expected}, got {valid}",
                        test["description"].as_str().unwrap_or("?")
                    )),
                    Err(why) => tally.failures.push(format!(
                        "{name} / {}: {why}",
                        test["description"].as_str().unwrap_or("?")
                    )),
                }
            }
        }
    }
    tally
}

/// Prints the tally of `label` with every disagreement, then asserts it counted more than
/// `min_total` tests (a suite that went missing is not agreement) and agreed on `floor` of them.
fn assert_agreement(label: &str, tally: &Tally, min_total: usize, floor: f64) {
    let ratio = tally.agree as f64 / tally.total as f64;
    println!(
        "JSON-Schema-Test-Suite {label}: {}/{} agree = {:.2}%",
        tally.agree,
        tally.total,
        ratio * 100.0
    );
    for f in &tally.failures {
        println!("  disagreement: {f}");
    }
    assert!(
        tally.total > min_total,
        "suspiciously few tests in {label}: {}",
        tally.total
    );
    assert!(
        ratio >= floor,
        "{label}: agreement {:.2}% below {:.0}%",
        ratio * 100.0,
        floor * 100.0
    );
}

fn check(draft_dir: &str, dialect: Dialect) {
    let tally = run_draft(draft_dir, dialect);
    assert_agreement(
        &format!("{draft_dir} (required)"),
        &tally,
        500,
        REQUIRED_AGREEMENT,
    );
}

#[test]
fn draft2020_12_required_tests_agree() {
    check("draft2020-12", Dialect::Draft2020_12);
}

#[test]
fn draft7_required_tests_agree() {
    check("draft7", Dialect::Draft7);
}

/// The optional `format` tests (formats asserted), reported per draft. They are not part of
/// the required agreement; the floor only catches a format check that stopped working.
fn check_formats(draft_dir: &str, dialect: Dialect) {
    let mut options = CompileOptions::default().with_default_dialect(dialect);
    options.validate_formats = Some(true);
    let tally = run_dir(&format!("{draft_dir}/optional/format"), options);
    assert_agreement(
        &format!("{draft_dir}/optional/format (asserted)"),
        &tally,
        300,
        FORMAT_AGREEMENT,
    );
}

#[test]
fn draft2020_12_optional_format_tests_mostly_agree() {
    check_formats("draft2020-12", Dialect::Draft2020_12);
}

#[test]
fn draft7_optional_format_tests_mostly_agree() {
    check_formats("draft7", Dialect::Draft7);
}
