//! Declarative limits over parapet-core's request view: each rule, each provider's token field,
//! and byte-preserving clamping.

use parapet_core::{detect, parse_request, Limits, RequestView};
use parapet_schema::{
    check_request, CeilingAction, CompileOptions, ForbiddenParam, LimitOutcome, ParamCondition,
    RequestLimits, Schema, TokenCeiling, ToolArgumentSchema,
};
use serde_json::{json, Value};

fn run(limits: &RequestLimits, path: &str, body: &str) -> LimitOutcome {
    let bytes = body.as_bytes();
    let api = detect(path, Some(bytes));
    let view: RequestView = parse_request(api, bytes, &Limits::default()).expect("core parses");
    let json: Value = serde_json::from_slice(bytes).expect("json");
    check_request(limits, &view, &json, bytes)
}

fn rules(out: &LimitOutcome) -> Vec<(&'static str, String)> {
    out.violations
        .iter()
        .map(|v| (v.rule, v.violation.instance_path.clone()))
        .collect()
}

const CHAT: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello there"}],"max_tokens":4096,"n":1,"temperature":0.2}"#;

#[test]
fn no_limits_means_no_violations() {
    let out = run(&RequestLimits::default(), "/v1/chat/completions", CHAT);
    assert_eq!(out, LimitOutcome::default());
}

#[test]
fn allowed_models_exact_and_glob() {
    let mut limits = RequestLimits {
        allowed_models: vec!["gpt-4o".into()],
        ..Default::default()
    };
    let out = run(&limits, "/v1/chat/completions", CHAT);
    assert_eq!(rules(&out), vec![("model", "/model".to_string())]);
    assert!(out.violations[0].violation.message.contains("gpt-4o-mini"));
    limits.allowed_models = vec!["gpt-4o*".into()];
    assert!(run(&limits, "/v1/chat/completions", CHAT)
        .violations
        .is_empty());
    let no_model = r#"{"messages":[{"role":"user","content":"x"}]}"#;
    assert_eq!(
        rules(&run(&limits, "/v1/chat/completions", no_model))[0].0,
        "model"
    );
}

#[test]
fn max_tokens_reject_names_the_field() {
    let limits = RequestLimits {
        max_tokens: Some(TokenCeiling {
            max: 1000,
            action: CeilingAction::Reject,
            require: false,
        }),
        ..Default::default()
    };
    let out = run(&limits, "/v1/chat/completions", CHAT);
    assert_eq!(rules(&out), vec![("max_tokens", "/max_tokens".to_string())]);
    assert!(out.rewritten.is_none());
    let within = CHAT.replace("4096", "1000");
    assert!(run(&limits, "/v1/chat/completions", &within)
        .violations
        .is_empty());
}

#[test]
fn max_tokens_clamp_rewrites_only_the_number() {
    let limits = RequestLimits {
        max_tokens: Some(TokenCeiling {
            max: 256,
            action: CeilingAction::Clamp,
            require: false,
        }),
        ..Default::default()
    };
    let out = run(&limits, "/v1/chat/completions", CHAT);
    assert!(out.violations.is_empty());
    let rewritten = String::from_utf8(out.rewritten.expect("clamped")).unwrap();
    assert_eq!(
        rewritten,
        CHAT.replace("\"max_tokens\":4096", "\"max_tokens\":256")
    );
    assert_eq!(
        out.clamped,
        vec![("/max_tokens".to_string(), "4096".to_string(), 256)]
    );
}

#[test]
fn clamp_covers_both_openai_fields_and_every_provider() {
    let limits = RequestLimits {
        max_tokens: Some(TokenCeiling {
            max: 100,
            action: CeilingAction::Clamp,
            require: false,
        }),
        ..Default::default()
    };
    let both = r#"{"model":"o3","messages":[{"role":"user","content":"x"}],"max_tokens": 5000 ,"max_completion_tokens":9000}"#;
    let out = run(&limits, "/v1/chat/completions", both);
    assert_eq!(
        String::from_utf8(out.rewritten.unwrap()).unwrap(),
        r#"{"model":"o3","messages":[{"role":"user","content":"x"}],"max_tokens": 100 ,"max_completion_tokens":100}"#
    );
    let cases = [
        (
            "/v1/responses",
            r#"{"model":"m","input":"x","max_output_tokens":500}"#,
            r#"{"model":"m","input":"x","max_output_tokens":100}"#,
        ),
        (
            "/v1/messages",
            r#"{"model":"m","max_tokens":500,"messages":[{"role":"user","content":"x"}]}"#,
            r#"{"model":"m","max_tokens":100,"messages":[{"role":"user","content":"x"}]}"#,
        ),
        (
            "/v1beta/models/g:generateContent",
            r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"maxOutputTokens":500}}"#,
            r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"maxOutputTokens":100}}"#,
        ),
        (
            "/v1beta/models/g:generateContent",
            r#"{"contents":[{"parts":[{"text":"x"}]}],"generation_config":{"max_output_tokens":500}}"#,
            r#"{"contents":[{"parts":[{"text":"x"}]}],"generation_config":{"max_output_tokens":100}}"#,
        ),
        (
            "/model/m/converse",
            r#"{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"maxTokens":500}}"#,
            r#"{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"maxTokens":100}}"#,
        ),
        // Ollama: -1 means "no limit", so it is over any ceiling.
        (
            "/api/chat",
            r#"{"model":"m","messages":[],"options":{"num_predict":-1}}"#,
            r#"{"model":"m","messages":[],"options":{"num_predict":100}}"#,
        ),
    ];
    for (path, body, expected) in cases {
        let out = run(&limits, path, body);
        assert!(out.violations.is_empty(), "{path}: {:?}", out.violations);
        assert_eq!(
            String::from_utf8(out.rewritten.expect(path)).unwrap(),
            expected,
            "{path}"
        );
    }
}

#[test]
fn required_limit_is_inserted_or_rejected_when_absent() {
    let mut limits = RequestLimits {
        max_tokens: Some(TokenCeiling {
            max: 64,
            action: CeilingAction::Clamp,
            require: true,
        }),
        ..Default::default()
    };
    let out = run(
        &limits,
        "/v1beta/models/g:generateContent",
        r#"{"contents":[{"parts":[{"text":"x"}]}]}"#,
    );
    let body: Value = serde_json::from_slice(&out.rewritten.unwrap()).unwrap();
    assert_eq!(body["generationConfig"]["maxOutputTokens"], 64);
    let out = run(
        &limits,
        "/v1/chat/completions",
        r#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#,
    );
    let body: Value = serde_json::from_slice(&out.rewritten.unwrap()).unwrap();
    assert_eq!(body["max_completion_tokens"], 64);
    limits.max_tokens = Some(TokenCeiling {
        max: 64,
        action: CeilingAction::Reject,
        require: true,
    });
    let out = run(
        &limits,
        "/v1/chat/completions",
        r#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#,
    );
    assert_eq!(out.violations[0].rule, "max_tokens");
}

#[test]
fn max_messages_and_prompt_chars() {
    let limits = RequestLimits {
        max_messages: Some(1),
        max_prompt_chars: Some(15),
        ..Default::default()
    };
    let out = run(&limits, "/v1/chat/completions", CHAT);
    assert_eq!(
        rules(&out),
        vec![
            ("max_messages", "/messages".to_string()),
            ("max_prompt_chars", String::new())
        ]
    );
    // "Be brief." (9) + "Hello there" (11) = 20 characters.
    assert!(
        out.violations[1]
            .violation
            .message
            .starts_with("20 characters"),
        "{:?}",
        out.violations[1]
    );
    let gemini = r#"{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]}]}"#;
    assert_eq!(
        rules(&run(&limits, "/v1beta/models/g:generateContent", gemini))[0],
        ("max_messages", "/contents".to_string())
    );
}

#[test]
fn forbidden_parameters() {
    let limits = RequestLimits {
        forbidden_params: vec![
            ForbiddenParam::new("logit_bias", ParamCondition::Present),
            ForbiddenParam::new("n", ParamCondition::Above(1.0)),
            ForbiddenParam::new("stream", ParamCondition::Equals(json!(true))),
            ForbiddenParam::new(
                "/generationConfig/candidateCount",
                ParamCondition::Above(1.0),
            ),
        ],
        ..Default::default()
    };
    assert!(run(&limits, "/v1/chat/completions", CHAT)
        .violations
        .is_empty());
    let bad = r#"{"model":"m","messages":[{"role":"user","content":"x"}],"logit_bias":{"1":5},"n":3,"stream":true}"#;
    assert_eq!(
        rules(&run(&limits, "/v1/chat/completions", bad)),
        vec![
            ("forbidden_param", "/logit_bias".to_string()),
            ("forbidden_param", "/n".to_string()),
            ("forbidden_param", "/stream".to_string())
        ]
    );
    let gemini =
        r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"candidateCount":2}}"#;
    assert_eq!(
        rules(&run(&limits, "/v1beta/models/g:generateContent", gemini)),
        vec![(
            "forbidden_param",
            "/generationConfig/candidateCount".to_string()
        )]
    );
}

#[test]
fn allowed_tools_cover_definitions_and_history() {
    let limits = RequestLimits {
        allowed_tools: Some(vec!["get_*".into()]),
        ..Default::default()
    };
    let body = r#"{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"delete_user","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}],"tools":[{"type":"function","function":{"name":"get_weather"}},{"type":"function","function":{"name":"run_shell"}}]}"#;
    let out = run(&limits, "/v1/chat/completions", body);
    let got = rules(&out);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "tool_not_allowed");
    assert!(out.violations[0].violation.message.contains("run_shell"));
    assert_eq!(
        got[1],
        (
            "tool_not_allowed",
            "/messages/1/tool_calls/0/function/arguments".to_string()
        )
    );
}

#[test]
fn tool_argument_schemas_check_history_calls_in_every_format() {
    let schema = Schema::compile(
        "tools.get_weather",
        &json!({"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}}, "required": ["city"], "additionalProperties": false}),
        &CompileOptions::default(),
    )
    .unwrap();
    let limits = RequestLimits {
        tool_arguments: vec![ToolArgumentSchema {
            tool: "get_weather".into(),
            schema,
        }],
        ..Default::default()
    };
    let cases = [
        (
            "/v1/chat/completions",
            r#"{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"get_weather","arguments":"{\"town\":\"Paris\"}"}}]}]}"#,
            "/messages/0/tool_calls/0/function/arguments",
        ),
        (
            "/v1/responses",
            r#"{"model":"m","input":[{"type":"function_call","call_id":"c","name":"get_weather","arguments":"{\"town\":\"Paris\"}"}]}"#,
            "/input/0/arguments",
        ),
        (
            "/v1/messages",
            r#"{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"get_weather","input":{"town":"Paris"}}]}]}"#,
            "/messages/0/content/0/input",
        ),
        (
            "/v1beta/models/g:generateContent",
            r#"{"contents":[{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"town":"Paris"}}}]}]}"#,
            "/contents/0/parts/0/functionCall/args",
        ),
        (
            "/model/m/converse",
            r#"{"messages":[{"role":"assistant","content":[{"toolUse":{"toolUseId":"t","name":"get_weather","input":{"town":"Paris"}}}]}]}"#,
            "/messages/0/content/0/toolUse/input",
        ),
        (
            "/api/chat",
            r#"{"model":"m","messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"town":"Paris"}}}]}]}"#,
            "/messages/0/tool_calls/0/function/arguments",
        ),
    ];
    for (path, body, pointer) in cases {
        let out = run(&limits, path, body);
        assert!(!out.violations.is_empty(), "{path}");
        for v in &out.violations {
            assert_eq!(v.rule, "tool_arguments");
            assert_eq!(
                v.violation.instance_path, pointer,
                "{path}: {:?}",
                v.violation
            );
            assert!(!v.violation.schema_path.is_empty());
        }
        let fixed = body.replace("town", "city");
        assert!(run(&limits, path, &fixed).violations.is_empty(), "{path}");
    }
    let not_json = r#"{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"get_weather","arguments":"{city: Paris"}}]}]}"#;
    let out = run(&limits, "/v1/chat/completions", not_json);
    assert!(
        out.violations[0]
            .violation
            .message
            .contains("not valid JSON"),
        "{:?}",
        out.violations
    );
}

#[test]
fn a_violation_cancels_the_clamp() {
    let limits = RequestLimits {
        allowed_models: vec!["claude-*".into()],
        max_tokens: Some(TokenCeiling {
            max: 10,
            action: CeilingAction::Clamp,
            require: false,
        }),
        ..Default::default()
    };
    let out = run(&limits, "/v1/chat/completions", CHAT);
    assert_eq!(out.violations.len(), 1);
    assert!(out.rewritten.is_none() && out.clamped.is_empty());
}

#[test]
fn view_only_checks_cover_what_the_view_knows() {
    let schema = Schema::compile(
        "a",
        &json!({"required": ["city"]}),
        &CompileOptions::default(),
    )
    .unwrap();
    let limits = RequestLimits {
        allowed_models: vec!["gpt-4o".into()],
        max_tokens: Some(TokenCeiling {
            max: 100,
            action: CeilingAction::Clamp,
            require: false,
        }),
        forbidden_params: vec![
            ForbiddenParam::new("stream", ParamCondition::Equals(json!(true))),
            ForbiddenParam::new("logit_bias", ParamCondition::Present),
        ],
        allowed_tools: Some(vec!["get_weather".into()]),
        tool_arguments: vec![ToolArgumentSchema {
            tool: "get_weather".into(),
            schema,
        }],
        ..Default::default()
    };
    let body = r#"{"model":"gpt-4o-mini","stream":true,"logit_bias":{"1":1},"max_tokens":500,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"get_weather","arguments":"{}"}}]}]}"#;
    let view = parse_request(
        detect("/v1/chat/completions", None),
        body.as_bytes(),
        &Limits::default(),
    )
    .unwrap();
    let out = parapet_schema::check_view(&limits, &view);
    let got: Vec<_> = out
        .violations
        .iter()
        .map(|v| (v.rule, v.violation.instance_path.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("model", "/model"),
            ("forbidden_param", "/stream"),
            ("tool_arguments", "/messages/1"),
            // Without the body nothing can be clamped: the ceiling rejects.
            ("max_tokens", "/max_tokens"),
        ]
    );
    assert!(out.rewritten.is_none());
}
