//! The generated `config_schema` and the filter's own parser (`Plugin::configure`, what
//! `on_configure` runs) must agree: every config Kong's schema check lets through, the filter
//! accepts, and every config the schema refuses, the filter refuses too — except the cases listed
//! as [`Expect::FilterOnly`], where the filter refuses for a reason the schema does not express
//! (regex syntax, cross references, ranges it checks itself). Those are listed, never skipped.
//!
//! The corpus: every plugin config in `envoy-configs/**` and `kong-configs/**`, plus hand-written
//! valid and invalid configs per filter. Validation uses Draft 4, as Kong does.

use std::path::{Path, PathBuf};

use parapet_meta::{FilterMeta, FILTERS};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Schema and filter accept.
    Accept,
    /// Schema and filter refuse (a structural error: unknown field, type, enum, nesting).
    Reject,
    /// The schema accepts, the filter refuses: what only the filter can check.
    FilterOnly(&'static str),
    /// The schema refuses what a native build accepts but the wasm32 filter refuses
    /// (`usize` is 32 bits there).
    Wasm32Reject,
    /// The schema refuses a form the filter's parser tolerates without documenting it (serde
    /// reads a struct from an array of its fields in order). Kong users get the stricter answer.
    SchemaStricter(&'static str),
}
use Expect::*;

/// The environment variable the `{"env": ...}` secret cases read.
const KEY_VAR: &str = "PARAPET_META_TEST_HMAC_KEY";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator(filter: &FilterMeta) -> jsonschema::Validator {
    let schema = filter.config_schema().expect("schema");
    jsonschema::draft4::new(&schema)
        .unwrap_or_else(|e| panic!("{}: schema does not compile: {e}", filter.name))
}

/// Runs one case; returns a failure description or None.
fn check(
    filter: &FilterMeta,
    v: &jsonschema::Validator,
    config: &str,
    expect: Expect,
) -> Option<String> {
    let value: Value = match serde_json::from_str(config) {
        Ok(v) => v,
        Err(e) => return Some(format!("case is not JSON ({e}): {config}")),
    };
    let schema_errors: Vec<String> = v
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    let schema_ok = schema_errors.is_empty();
    let parsed = filter.configure(config.as_bytes());
    let (want_schema, want_filter) = match expect {
        Accept => (true, true),
        Reject => (false, false),
        FilterOnly(_) => (true, false),
        Wasm32Reject | SchemaStricter(_) => (false, true),
    };
    (schema_ok != want_schema || parsed.is_ok() != want_filter).then(|| {
        format!(
            "{}: expected {expect:?}, schema {} ({:?}), filter {} ({:?}): {config}",
            filter.name,
            if schema_ok { "accepts" } else { "rejects" },
            schema_errors,
            if parsed.is_ok() { "accepts" } else { "rejects" },
            parsed.err().map(|e| e.to_string()),
        )
    })
}

/// Settings every filter shares (the runtime's common keys).
const COMMON: &[(&str, Expect)] = &[
    ("{}", Accept),
    ("null", Accept),
    (
        r#"{"mode":"monitor","on_error":"fail_open","max_body_bytes":1024,
            "match":{"paths":["/v1/*","/v1/messages"],"methods":["POST","put"],"providers":["openai"]},
            "identity":{"sources":["jwt","api_key","kong_consumer","source_address"],"jwt_claim":"org.id",
                        "jwt_payload_header":"x-jwt","api_key_headers":["x-api-key"]},
            "events":{"log_allows":true},"stream":{"hold_back_bytes":256},"unknown_api":"reject"}"#,
        Accept,
    ),
    (
        r#"{"on_error":null,"max_body_bytes":null,"stream":{"hold_back_bytes":null}}"#,
        Accept,
    ),
    (r#"{"mode":"enforce","unknown_api":"pass"}"#, Accept),
    // Not an object.
    ("[]", Reject),
    ("7", Reject),
    // Kong's string form: with a config_schema Kong validates the string itself, as a string.
    (r#""{}""#, Reject),
    // Unknown fields, at the top and nested.
    (r#"{"bogus":1}"#, Reject),
    (r#"{"Mode":"monitor"}"#, Reject),
    (r#"{"match":{"hosts":["a"]}}"#, Reject),
    (r#"{"stream":{"hold_back":1}}"#, Reject),
    (r#"{"identity":{"claims":"sub"}}"#, Reject),
    (r#"{"events":{"log_denies":true}}"#, Reject),
    // Bad enum values.
    (r#"{"mode":"block"}"#, Reject),
    (r#"{"on_error":"retry"}"#, Reject),
    (r#"{"unknown_api":"deny"}"#, Reject),
    (r#"{"identity":{"sources":["cookie"]}}"#, Reject),
    // Wrong types.
    (r#"{"mode":1}"#, Reject),
    (r#"{"max_body_bytes":"10"}"#, Reject),
    (r#"{"max_body_bytes":1.5}"#, Reject),
    (r#"{"match":{"methods":["POST",7]}}"#, Reject),
    (r#"{"match":"/v1/*"}"#, Reject),
    (r#"{"events":{"log_allows":"yes"}}"#, Reject),
    (r#"{"identity":{"sources":"jwt"}}"#, Reject),
    // Negative numbers.
    (r#"{"max_body_bytes":-1}"#, Reject),
    (r#"{"stream":{"hold_back_bytes":-8}}"#, Reject),
    (r#"{"max_body_bytes":4294967296}"#, Wasm32Reject),
    (
        r#"{"events":[true]}"#,
        SchemaStricter("serde reads a struct from an array"),
    ),
    // What the runtime checks itself.
    (r#"{"max_body_bytes":0}"#, Reject),
    (
        r#"{"max_body_bytes":1,"match":{"paths":["/","/v1/**"],"methods":["get"]}}"#,
        Accept,
    ),
    (r#"{"match":{"paths":["v1/*"]}}"#, Reject),
    (r#"{"match":{"paths":["/a*b"]}}"#, Reject),
    (r#"{"match":{"methods":["PO ST"]}}"#, Reject),
];

fn own_cases(filter: &str) -> Vec<(String, Expect)> {
    let cases: &[(&str, Expect)] = match filter {
        "prompt-guard" => &[
            (
                r#"{"thresholds":{"tool":{"monitor":0.3,"block":0.5}},"deny_phrases":["reveal the vault code"]}"#,
                Accept,
            ),
            (
                r#"{"categories":{"role_hijack":{"enabled":false,"weight":1.5},"custom":{"block_threshold":0.6}},
                    "sources":["user","tool","system","assistant"],"languages":["en","de"],"max_decode_depth":3,
                    "deny_regexes":["vault\\s+code"],"allow_phrases":["ignore the typo"],"allow_regexes":["^ok$"],
                    "deny_weight":0.8,"max_scan_bytes":4096,"max_decoded_bytes":1024,"recent_user_turns":2}"#,
                Accept,
            ),
            (
                r#"{"languages":null,"categories":{"delimiter":{"block_threshold":null}}}"#,
                Accept,
            ),
            (r#"{"treshold":1}"#, Reject),
            (r#"{"thresholds":{"user":{"monitor":0.3}}}"#, Reject),
            (
                r#"{"thresholds":{"web":{"monitor":0.3,"block":0.5}}}"#,
                Reject,
            ),
            (
                r#"{"thresholds":{"user":{"monitor":0.3,"block":0.5,"log":0.1}}}"#,
                Reject,
            ),
            (r#"{"categories":{"nope":{}}}"#, Reject),
            (r#"{"categories":{"role_hijack":{"weigth":1}}}"#, Reject),
            (r#"{"categories":{"role_hijack":{"enabled":"no"}}}"#, Reject),
            (r#"{"sources":["web"]}"#, Reject),
            (r#"{"deny_phrases":"x"}"#, Reject),
            (r#"{"deny_weight":"high"}"#, Reject),
            (r#"{"max_decode_depth":256}"#, Reject),
            (r#"{"max_decode_depth":-1}"#, Reject),
            (r#"{"max_scan_bytes":-64}"#, Reject),
            (r#"{"languages":"en"}"#, Reject),
            (
                r#"{"deny_regexes":["(unclosed"]}"#,
                FilterOnly("regex syntax"),
            ),
            (
                r#"{"allow_regexes":["a*"]}"#,
                FilterOnly("regex matching the empty string"),
            ),
            (r#"{"deny_phrases":["  "]}"#, FilterOnly("blank phrase")),
            (
                r#"{"thresholds":{"user":{"monitor":0.9,"block":0.5}}}"#,
                FilterOnly("monitor above block"),
            ),
            (
                r#"{"thresholds":{"user":{"monitor":0.1,"block":1.5}}}"#,
                Reject,
            ),
            (r#"{"categories":{"role_hijack":{"weight":7}}}"#, Reject),
            (r#"{"deny_weight":1.5}"#, Reject),
            (
                r#"{"languages":["en","xx"]}"#,
                FilterOnly("unknown language code"),
            ),
            (r#"{"languages":[]}"#, Reject),
            (r#"{"recent_user_turns":0}"#, Reject),
            (r#"{"max_decode_depth":5}"#, Reject),
            (r#"{"max_scan_bytes":10}"#, Reject),
            (
                r#"{"max_decode_depth":4,"recent_user_turns":64,"max_scan_bytes":64,"deny_weight":1,
                    "categories":{"encoding":{"weight":2,"block_threshold":0}},
                    "thresholds":{"system":{"monitor":0,"block":1}}}"#,
                Accept,
            ),
            (r#"{"recent_user_turns":65}"#, Reject),
            (
                r#"{"categories":{"encoding":{"block_threshold":-0.1}}}"#,
                Reject,
            ),
        ],
        "pii-redact" => &[
            (
                r#"{"entities":{"EMAIL":"tokenize","CREDIT_CARD":{"request":"mask","response":"redact"},"US_SSN":"block",
                                "EMPLOYEE_ID":"hash","PERSON":{"request":"report"}},
                    "mask":{"keep":4,"char":"-"},
                    "custom":[{"name":"EMPLOYEE_ID","pattern":"\\bEMP-[0-9]{6}\\b","context":["employee"],
                               "context_window":32,"score":0.8,"validator":null}],
                    "allow_values":["support@example.com"],"min_score":0.5,"restore_responses":false,"scan_responses":false}"#,
                Accept,
            ),
            (r#"{"key":"0123456789abcdef0123"}"#, Accept),
            (r#"{"key":{"env":"PARAPET_META_TEST_HMAC_KEY"}}"#, Accept),
            (r#"{"key":null,"mask":{"char":"é"}}"#, Accept),
            (r#"{"entities":{"EMAIL":"scramble"}}"#, Reject),
            (
                r#"{"entities":{"EMAIL":{"request":"mask","both":"redact"}}}"#,
                Reject,
            ),
            (
                r#"{"entities":{"EMAIL":["mask"]}}"#,
                SchemaStricter("serde reads {request, response} from an array"),
            ),
            (r#"{"entities":{"EMAIL":7}}"#, Reject),
            (r#"{"mask":{"char":"**"}}"#, Reject),
            (r#"{"mask":{"char":""}}"#, Reject),
            (r#"{"mask":{"keep":-1}}"#, Reject),
            (r#"{"mask":{"width":4}}"#, Reject),
            (r#"{"custom":[{"name":"EMPLOYEE_ID"}]}"#, Reject),
            (
                r#"{"custom":[{"name":"EMPLOYEE_ID","pattern":"x","colour":1}]}"#,
                Reject,
            ),
            (r#"{"custom":{"name":"EMPLOYEE_ID","pattern":"x"}}"#, Reject),
            (r#"{"key":""}"#, Reject),
            (r#"{"key":{"file":"/etc/key"}}"#, Reject),
            (r#"{"key":{}}"#, Reject),
            (r#"{"key":7}"#, Reject),
            (r#"{"restore_responses":"yes"}"#, Reject),
            (r#"{"min_score":"low"}"#, Reject),
            (
                r#"{"key":"short"}"#,
                FilterOnly("key shorter than 16 bytes"),
            ),
            (
                r#"{"key":{"env":"PARAPET_SURELY_UNSET_VARIABLE"}}"#,
                FilterOnly("environment variable not set"),
            ),
            (
                r#"{"entities":{"NOT_A_TYPE":"redact"}}"#,
                FilterOnly("unknown entity type name"),
            ),
            (
                r#"{"entities":{"EMAIL":{"response":"tokenize"}}}"#,
                FilterOnly("tokenize is request-only"),
            ),
            (r#"{"mask":{"keep":33}}"#, Reject),
            (r#"{"mask":{"keep":32},"min_score":1}"#, Accept),
            (r#"{"min_score":1.5}"#, Reject),
            (
                r#"{"custom":[{"name":"EMPLOYEE_ID","pattern":"("}]}"#,
                FilterOnly("regex syntax"),
            ),
            (
                r#"{"custom":[{"name":"employee","pattern":"x"}]}"#,
                FilterOnly("custom names are upper-case"),
            ),
        ],
        "schema-guard" => &[
            (
                r#"{"schema":{"type":"object"},"strict":true,"max_errors":3,"max_depth":32,"builtin":true}"#,
                Accept,
            ),
            (
                r#"{"schema":{"type":"object"},"strict":true,"builtin":false}"#,
                FilterOnly("strict needs the built-in schemas"),
            ),
            (
                r#"{"routes":[{"match":{"paths":["/v1/chat/completions"],"methods":["POST"]},
                               "schema":{"type":"object","required":["model"]},"response_schema":{"type":"object"}}],
                    "limits":{"allowed_models":["gpt-4o*"],"max_tokens":{"max":4096,"action":"clamp","require":true},
                              "max_messages":50,"max_prompt_chars":100000,
                              "forbidden_params":["logit_bias",{"param":"n","above":1},{"param":"stream","equals":true}],
                              "allowed_tools":["get_weather"],"tool_arguments":{"get_weather":{"type":"object"}}},
                    "output":{"validate":false,"on_violation":"annotate","max_bytes":65536}}"#,
                Accept,
            ),
            (
                r#"{"draft":"draft-07","schema":null,"builtin":null,"limits":{"allowed_tools":null}}"#,
                Accept,
            ),
            (r#"{"routes":[{"match":{"hosts":[]}}]}"#, Reject),
            (r#"{"routes":{}}"#, Reject),
            (r#"{"routes":[{"schema":{},"request_schema":{}}]}"#, Reject),
            (r#"{"limits":{"max_tokens":{"action":"clamp"}}}"#, Reject),
            (
                r#"{"limits":{"max_tokens":{"max":10,"action":"truncate"}}}"#,
                Reject,
            ),
            (r#"{"limits":{"max_tokens":{"max":-10}}}"#, Reject),
            (
                r#"{"limits":{"forbidden_params":[{"param":"n","below":1}]}}"#,
                Reject,
            ),
            (r#"{"limits":{"forbidden_params":[7]}}"#, Reject),
            (r#"{"limits":{"forbidden_params":[{"above":1}]}}"#, Reject),
            (r#"{"limits":{"max_messages":"many"}}"#, Reject),
            (r#"{"limits":{"tool_arguments":[]}}"#, Reject),
            (r#"{"output":{"on_violation":"drop"}}"#, Reject),
            (r#"{"output":{"max_bytes":-1}}"#, Reject),
            (r#"{"strict":"yes"}"#, Reject),
            (r#"{"draft":7}"#, Reject),
            (
                r#"{"schema":{"type":"no-such-type"}}"#,
                FilterOnly("the schema itself must compile"),
            ),
            (r#"{"draft":"draft-03"}"#, FilterOnly("unsupported dialect")),
        ],
        "token-limit" => &[
            (
                r#"{"tokens_per_minute":30000,"requests_per_day":5000,"input_tokens_per_hour":100000,
                    "tiers":{"gold":{"tokens_per_minute":200000,"output_tokens_per_day":1000000}},
                    "tier_by_identity":{"alice":"gold","bob":"default"},"tier_header":"x-parapet-tier",
                    "models":{"gpt-4o":{"tokens_per_minute":10000}},"default_output_reservation":512,
                    "max_output_reservation":2048,"mid_stream":false,"include_usage":false,
                    "max_identities":100,"shards":4,"cleanup_interval_ms":1000}"#,
                Accept,
            ),
            (r#"{"tokens_per_hour":null,"tier_header":null}"#, Accept),
            (r#"{"tokens_per_minute":-5}"#, Reject),
            (r#"{"tokens_per_minute":"many"}"#, Reject),
            (r#"{"tokens_per_minute":1.5}"#, Reject),
            (r#"{"tokens_per_fortnight":1}"#, Reject),
            (r#"{"tiers":{"gold":{"tokens_per_fortnight":1}}}"#, Reject),
            (r#"{"tiers":{"gold":5}}"#, Reject),
            (r#"{"models":{"gpt-4o":{"tokens_per_minute":-1}}}"#, Reject),
            (r#"{"tier_by_identity":{"alice":1}}"#, Reject),
            (r#"{"shards":4294967296}"#, Reject),
            (r#"{"mid_stream":1}"#, Reject),
            (r#"{"max_identities":4294967296}"#, Wasm32Reject),
            (
                r#"{"tiers":{"default":{}}}"#,
                FilterOnly("the default tier is the top level"),
            ),
            (
                r#"{"tier_by_identity":{"alice":"platinum"}}"#,
                FilterOnly("tier must exist"),
            ),
            (
                r#"{"tier_header":"X-Tier"}"#,
                FilterOnly("lower-case header name"),
            ),
            (r#"{"shards":0}"#, Reject),
            (r#"{"cleanup_interval_ms":10}"#, Reject),
            (r#"{"max_output_reservation":0}"#, Reject),
            (
                r#"{"shards":1024,"cleanup_interval_ms":100,"max_identities":1,"max_output_reservation":1,
                    "default_output_reservation":1}"#,
                Accept,
            ),
            (r#"{"shards":1025}"#, Reject),
            (r#"{"max_identities":0}"#, Reject),
            (
                r#"{"default_output_reservation":9000}"#,
                FilterOnly("default above max reservation"),
            ),
            (
                r#"{"tokens_per_minute":0}"#,
                FilterOnly("limits greater than 0"),
            ),
        ],
        "response-guard" => &[
            (
                r#"{"categories":{"violence":{"action":"annotate","threshold":0.8},"dangerous_shell":{"action":"block"}},
                    "terms":{"weapons":["ghost gun"]},"replacement":"[{category}]",
                    "leak":{"canaries":["CANARY-1234567"],"system_prompt_overlap":true,"insert_canary":true,"min_overlap_words":8},
                    "links":{"allow_hosts":["*.example.com"],"allow_request_host":false,"raw_url_with_data":"log","max_url_bytes":512},
                    "aggregation_window_bytes":200,
                    "pii":{"action":"log","context_action":"off","entities":["EMAIL"],"min_score":0.7,"allow_values":["a@b.c"]},
                    "injection":{"action":"block"},"on_block":"refusal","refusal_message":"No.","scan_reasoning":false}"#,
                Accept,
            ),
            (
                r#"{"categories":{"hate":{"action":null,"threshold":null}},"pii":{"entities":null}}"#,
                Accept,
            ),
            (r#"{"on_block":"drop"}"#, Reject),
            (r#"{"pii":{"action":"tokenize"}}"#, Reject),
            (r#"{"pii":{"mode":"log"}}"#, Reject),
            (r#"{"categories":{"violence":{"level":1}}}"#, Reject),
            (r#"{"categories":{"violence":"block"}}"#, Reject),
            (r#"{"links":{"max_url_bytes":-1}}"#, Reject),
            (r#"{"leak":{"canaries":"CANARY-1234567"}}"#, Reject),
            (r#"{"terms":{"weapons":"ghost gun"}}"#, Reject),
            (r#"{"injection":{"action":"quarantine"}}"#, Reject),
            (r#"{"scan_reasoning":"no"}"#, Reject),
            (r#"{"max_holdback_bytes":8192}"#, Reject),
            (
                r#"{"categories":{"hats":{}}}"#,
                FilterOnly("unknown category name"),
            ),
            (
                r#"{"stream":{"hold_back_bytes":64}}"#,
                FilterOnly("response-guard needs a hold-back of at least 128 bytes"),
            ),
            (
                r#"{"categories":{"sexual_minors":{"action":"log"}}}"#,
                FilterOnly("sexual_minors is always blocked"),
            ),
            (
                r#"{"leak":{"canaries":["abc"]}}"#,
                FilterOnly("canary too short"),
            ),
            (
                r#"{"links":{"allow_hosts":["https://x.com/"]}}"#,
                FilterOnly("host name, not a URL"),
            ),
            (r#"{"pii":{"min_score":2}}"#, Reject),
            (r#"{"aggregation_window_bytes":1}"#, Reject),
            (
                r#"{"aggregation_window_bytes":4096,"pii":{"min_score":0},"leak":{"min_overlap_words":200}}"#,
                Accept,
            ),
            (r#"{"aggregation_window_bytes":4097}"#, Reject),
            (r#"{"leak":{"min_overlap_words":3}}"#, Reject),
            (
                r#"{"terms":{"prompt_leak":["xx"]}}"#,
                FilterOnly("terms for harmful categories only"),
            ),
        ],
        "policy" => &[
            (
                r#"{"rego":"package parapet\nimport rego.v1\ndefault decision := {\"allow\": true}\n"}"#,
                Accept,
            ),
            (
                r#"{"modules":{"a.rego":"package parapet\nimport rego.v1\ndefault decision := {\"allow\": true}\n"},
                    "data":{"tiers":{"gold":1}},"entrypoint":"data.parapet.decision","input_headers":["x-team"],
                    "findings_from":["prompt-guard"]}"#,
                Accept,
            ),
            (
                r#"{"data":{"x":1},"findings_from":null,"rego":null}"#,
                Accept,
            ),
            (r#"{"rego":7}"#, Reject),
            (r#"{"modules":["package parapet"]}"#, Reject),
            (r#"{"modules":{"a.rego":1}}"#, Reject),
            (r#"{"input_headers":"x-team"}"#, Reject),
            (r#"{"entrypoint":1}"#, Reject),
            (r#"{"decision_cache_entries":0}"#, Accept),
            (r#"{"decision_cache_entries":-1}"#, Reject),
            (
                r#"{"decision_cache_entries":100001}"#,
                FilterOnly("decision cache at most 100000"),
            ),
            (r#"{"policy":"package parapet"}"#, Reject),
            (
                r#"{"rego":"package parapet\nimport rego.v1\ndefault decision := {\"allow\": true}\n","modules":{"a.rego":"package x"}}"#,
                FilterOnly("rego or modules, not both"),
            ),
            (r#"{"modules":{}}"#, FilterOnly("at least one module")),
            (r#"{"data":[1]}"#, FilterOnly("data must be an object")),
            (
                r#"{"rego":"package parapet\nthis is not rego"}"#,
                FilterOnly("Rego must compile"),
            ),
            (
                r#"{"entrypoint":"data.parapet.nope"}"#,
                FilterOnly("entrypoint must be defined"),
            ),
        ],
        other => panic!("no cases for {other}"),
    };
    cases.iter().map(|(c, e)| (c.to_string(), *e)).collect()
}

/// `(file, filter name, config text)` of every plugin config in the shipped Envoy, Istio, Envoy
/// Gateway and Kong files. Recognises `name: [parapet-|parapet.]<filter>` followed by the config
/// line (`value: "<json>"`, `config: "<json>"`, `config: {...}`, `pluginConfig: {...}`).
fn shipped_configs() -> Vec<(String, String, String)> {
    let mut files = Vec::new();
    for dir in ["envoy-configs", "kong-configs"] {
        collect_yaml(&root().join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() >= 4, "found only {files:?}");
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        let mut current: Option<&str> = None;
        for line in text.lines() {
            let t = line.trim_start().trim_start_matches("- ");
            if let Some(name) = t.strip_prefix("name: ") {
                let name = name
                    .trim()
                    .trim_start_matches("parapet-")
                    .trim_start_matches("parapet.");
                if let Some(f) = FILTERS.iter().find(|f| f.name == name) {
                    current = Some(f.name);
                }
                continue;
            }
            let Some(filter) = current else { continue };
            let raw = ["value: ", "config: ", "pluginConfig: "]
                .iter()
                .find_map(|p| t.strip_prefix(p));
            let Some(raw) = raw.map(str::trim) else {
                continue;
            };
            let config = if raw.starts_with('"') {
                serde_json::from_str::<String>(raw)
                    .unwrap_or_else(|e| panic!("{shown}: {e}: {raw}"))
            } else if raw.starts_with('{') {
                raw.to_string()
            } else {
                continue;
            };
            out.push((shown.clone(), filter.to_string(), config));
            current = None;
        }
    }
    out
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn schema_and_filter_agree_on_every_case() {
    // SAFETY-free: set once, before any configure call in this process reads it.
    std::env::set_var(KEY_VAR, "an-hmac-key-of-enough-length");
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for filter in FILTERS {
        let v = validator(filter);
        let cases: Vec<(String, Expect)> = COMMON
            .iter()
            .map(|(c, e)| (c.to_string(), *e))
            .chain(own_cases(filter.name))
            .collect();
        let filter_only = cases
            .iter()
            .filter(|(_, e)| matches!(e, FilterOnly(_)))
            .count();
        counts.push(format!(
            "{}: {} cases ({} filter-only)",
            filter.name,
            cases.len(),
            filter_only
        ));
        for (config, expect) in &cases {
            failures.extend(check(filter, &v, config, *expect));
        }
    }
    eprintln!("{}", counts.join("\n"));
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_shipped_config_example_is_valid_for_schema_and_filter() {
    std::env::set_var(KEY_VAR, "an-hmac-key-of-enough-length");
    let configs = shipped_configs();
    let mut failures = Vec::new();
    for filter in FILTERS {
        let v = validator(filter);
        let mine: Vec<_> = configs
            .iter()
            .filter(|(_, f, _)| f == filter.name)
            .collect();
        // parapet.yaml, examples/<filter>.yaml, Istio, Envoy Gateway, kong.yml at least.
        assert!(
            mine.len() >= 5,
            "{}: only {} shipped configs found",
            filter.name,
            mine.len()
        );
        for (file, _, config) in mine {
            if let Some(f) = check(filter, &v, config, Accept) {
                failures.push(format!("{file}: {f}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for file in [
        "kong-configs/kong.yml",
        "envoy-configs/parapet.yaml",
        "envoy-configs/istio/parapet-wasmplugins.yml",
    ] {
        assert!(
            configs.iter().filter(|(f, _, _)| f == file).count() == FILTERS.len(),
            "{file}: one config per filter"
        );
    }
}

#[test]
fn schemas_are_draft4_documents_kong_can_load() {
    let draft4 = jsonschema::draft4::meta::validator();
    for filter in FILTERS {
        let meta = parapet_meta::meta_json(filter).unwrap();
        let schema = &meta["config_schema"];
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        let errors: Vec<String> = draft4.iter_errors(schema).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{}: not a Draft 4 schema: {errors:?}",
            filter.name
        );
        // Kong's FILTER_META_SCHEMA: only config_schema and metrics.label_patterns[{label, pattern}].
        let keys: Vec<&String> = meta.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["config_schema", "metrics"]);
        for p in meta["metrics"]["label_patterns"].as_array().unwrap() {
            assert!(p["label"].is_string() && p["pattern"].is_string(), "{p}");
        }
        // No keyword newer than Draft 4 anywhere (a Draft 4 validator would ignore it).
        let text = schema.to_string();
        for newer in [
            "\"const\"",
            "\"$defs\"",
            "\"propertyNames\"",
            "\"examples\"",
            "\"if\"",
        ] {
            assert!(!text.contains(newer), "{}: {newer} in {text}", filter.name);
        }
    }
}
