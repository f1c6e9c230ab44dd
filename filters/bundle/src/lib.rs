//! `parapet.wasm`: the six Parapet filters in one proxy-wasm module. Each Envoy filter entry
//! names its filter with `root_id` and keeps its own configuration; entries with the same
//! `vm_config` (same `vm_id`, same code) share one VM per worker and one copy of the code.
//! See `parapet_runtime::bundle` for why; `envoy-configs/parapet.yaml` runs the chain from it.
//!
//! Built for wasm only (scripts/build, in its own cargo invocation): natively this is empty.
#![cfg(target_family = "wasm")]

use parapet_runtime::bundle::member;

parapet_runtime::export_bundle![
    member::<parapet_schema_guard::SchemaGuard>(),
    member::<parapet_prompt_guard::PromptGuard>(),
    member::<parapet_pii_redact::PiiRedact>(),
    member::<parapet_policy::PolicyFilter>(),
    ("token-limit", parapet_token_limit::root_context),
    member::<parapet_response_guard::ResponseGuard>(),
];
