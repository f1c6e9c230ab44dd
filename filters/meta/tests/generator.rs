//! `parapet-meta DIR` (what scripts/build runs) writes exactly what the library renders, and
//! `--check` notices a stale or missing file.

use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_parapet-meta"))
        .args(args)
        .output()
        .expect("run parapet-meta")
}

#[test]
fn writes_every_meta_json_and_check_notices_stale_files() {
    let dir = std::env::temp_dir().join(format!("parapet-meta-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.to_str().unwrap();

    assert!(run(&[out]).status.success());
    for filter in parapet_meta::FILTERS {
        let path = dir.join(format!("{}.meta.json", filter.name));
        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            written,
            parapet_meta::render(filter).unwrap(),
            "{}",
            filter.name
        );
        let meta: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert!(meta["config_schema"]["properties"]["mode"].is_object());
    }
    assert!(run(&[out, "--check"]).status.success());

    let stale = dir.join("token-limit.meta.json");
    std::fs::write(&stale, "{}\n").unwrap();
    let check = run(&[out, "--check"]);
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stderr).contains("token-limit.meta.json"));
    // Only the named filters are written or checked.
    assert!(run(&[out, "--check", "policy"]).status.success());
    std::fs::remove_file(&stale).unwrap();
    assert!(!run(&[out, "--check", "token-limit"]).status.success());
    assert!(run(&[out, "token-limit"]).status.success());
    assert!(run(&[out, "--check"]).status.success());

    let unknown = run(&[out, "no-such-filter"]);
    assert_eq!(unknown.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
