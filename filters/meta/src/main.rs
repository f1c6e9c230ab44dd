//! `parapet-meta OUT_DIR [--check] [FILTER...]`: writes `OUT_DIR/<filter>.meta.json` for every
//! filter (or the named ones). With `--check`, writes nothing and exits 1 when a file is missing or
//! differs from what the filter's config types produce. `scripts/build` runs it into `dist/`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut out: Option<PathBuf> = None;
    let mut check = false;
    let mut names: Vec<String> = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: parapet-meta OUT_DIR [--check] [FILTER...]");
                return ExitCode::SUCCESS;
            }
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => names.push(arg),
        }
    }
    let Some(out) = out else {
        eprintln!("usage: parapet-meta OUT_DIR [--check] [FILTER...]");
        return ExitCode::from(2);
    };
    for name in &names {
        if parapet_meta::find(name).is_none() {
            eprintln!("parapet-meta: no filter named `{name}`");
            return ExitCode::from(2);
        }
    }
    let mut failed = false;
    for filter in parapet_meta::FILTERS {
        if !names.is_empty() && !names.iter().any(|n| n == filter.name) {
            continue;
        }
        let path = out.join(format!("{}.meta.json", filter.name));
        let text = match parapet_meta::render(filter) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("parapet-meta: {}: {e}", filter.name);
                return ExitCode::FAILURE;
            }
        };
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                eprintln!("stale or missing: {}", path.display());
                failed = true;
            }
        } else if let Err(e) = std::fs::write(&path, text) {
            eprintln!("parapet-meta: {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!(
                "{:8} bytes  {}",
                std::fs::metadata(&path).map_or(0, |m| m.len()),
                path.display()
            );
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
