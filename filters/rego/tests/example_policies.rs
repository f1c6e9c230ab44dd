//! The example policies shipped in envoy-configs/policies pass their own Rego tests.
use parapet_rego::{Module, Policy};
use std::path::PathBuf;

#[test]
fn shipped_example_policies_pass_their_rego_tests() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../envoy-configs/policies");
    let mut modules = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("envoy-configs/policies")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rego"))
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        modules.push(Module::new(name, std::fs::read_to_string(&p).unwrap()));
    }
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("data.json")).unwrap()).unwrap();
    let mut policy = Policy::compile(&modules, Some(&data)).expect("example policy compiles");
    let report = policy.run_tests();
    let failures: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.failure.is_some())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        report.passed() >= 10,
        "expected the example policy's tests, got {report:?}"
    );
}
