//! `parapet-rego-test DIR_OR_FILES... [--data data.json]`: runs the `test_*` rules of Rego
//! policies with the engine the policy filter embeds, like `opa test`. Every `*.rego` in a
//! directory is loaded, and a `data.json` beside them is used as the data document.
//! Prints one line per test and `N passed, M failed`; exits 1 when a test fails, 2 on bad input.
use parapet_rego::{Module, Policy};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut data: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--data" {
            data = args.next().map(PathBuf::from);
            continue;
        }
        let p = PathBuf::from(&a);
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&p)
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            found.sort();
            files.extend(
                found
                    .iter()
                    .filter(|f| f.extension().is_some_and(|e| e == "rego"))
                    .cloned(),
            );
            if data.is_none() && p.join("data.json").is_file() {
                data = Some(p.join("data.json"));
            }
        } else {
            files.push(p);
        }
    }
    if files.is_empty() {
        eprintln!("usage: parapet-rego-test DIR_OR_FILES... [--data data.json]");
        return ExitCode::from(2);
    }
    let mut modules = Vec::new();
    for f in &files {
        match std::fs::read_to_string(f) {
            Ok(src) => modules.push(Module::new(display(f), src)),
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                return ExitCode::from(2);
            }
        }
    }
    let data_doc = match &data {
        None => None,
        Some(d) => match std::fs::read_to_string(d)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()))
        {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("error: {}: {e}", d.display());
                return ExitCode::from(2);
            }
        },
    };
    let mut policy = match Policy::compile(&modules, data_doc.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let report = policy.run_tests();
    for o in &report.outcomes {
        match &o.failure {
            None => println!("PASS {}", o.name),
            Some(why) => println!("FAIL {}: {why}", o.name),
        }
    }
    println!("{} passed, {} failed", report.passed(), report.failed());
    if report.failed() > 0 || report.outcomes.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn display(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
