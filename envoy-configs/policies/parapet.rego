# Parapet example policy: model access, tool use and data handling for an LLM route.
#
# Evaluated inside the proxy by the `policy` filter (regorus), once per request
# (data.parapet.decision) and once per response (data.parapet.response_decision).
# The input document is described in filters/policy/input.schema.json.
package parapet

import rego.v1

# ---------------------------------------------------------------- request decision

default decision := {"allow": false, "reasons": ["policy error: no decision"], "status": 403}

decision := {"allow": true, "headers": {"x-parapet-tier": tier}} if {
	count(deny) == 0
}

decision := {"allow": false, "reasons": sort([r | some r in deny]), "status": status} if {
	count(deny) > 0
}

# 400 when every reason is about the request's shape; 403 otherwise.
status := 400 if {
	every r in deny {
		startswith(r, "max_tokens")
	}
} else := 403

# The caller's tier: from data.consumers by identity, "anonymous" without an identity.
tier := data.consumers[input.identity.id].tier if {
	input.identity.id
} else := "standard" if {
	input.identity.id
} else := "anonymous"

# 1. Models per consumer tier (glob patterns).
deny contains sprintf("model %s is not allowed for tier %s", [input.llm.model, tier]) if {
	input.llm.model
	not model_allowed
}

model_allowed if {
	some pattern in data.tiers[tier].models
	glob.match(pattern, ["/"], input.llm.model)
}

# 2. Tools a consumer may declare.
deny contains sprintf("tool %s is not allowed for tier %s", [name, tier]) if {
	some name in input.llm.tools
	not name in data.tiers[tier].tools
}

# 3. No PII to providers outside the organisation: pii-redact found personal data and did not
#    remove it (it only monitored, or was configured to allow it).
deny contains sprintf("personal data (%s) may not be sent to external provider %s", [concat(",", entity_types), input.llm.provider]) if {
	not input.llm.provider in data.internal_providers
	entity_types := pii_entity_types
	count(entity_types) > 0
	not pii_removed
}

pii_entity_types := [t | some t in input.findings["pii-redact"].categories]

pii_removed if {
	input.findings["pii-redact"].action == "rewrite"
	input.findings["pii-redact"].mode == "enforce"
}

# 4. Anonymous callers get short answers.
deny contains sprintf("max_tokens %d is above %d for anonymous callers", [input.llm.max_tokens, data.anonymous_max_tokens]) if {
	tier == "anonymous"
	input.llm.max_tokens > data.anonymous_max_tokens
}

deny contains sprintf("max_tokens must be set (at most %d) for anonymous callers", [data.anonymous_max_tokens]) if {
	tier == "anonymous"
	not input.llm.max_tokens
}

# ---------------------------------------------------------------- response decision

default response_decision := {"allow": true}

response_decision := {"allow": false, "reasons": sort([r | some r in deny_tool_call]), "status": 502} if {
	count(deny_tool_call) > 0
}

# 5. Tool calls the model asks for: allowed tools only, and no shell commands or external URLs
#    in their arguments.
deny_tool_call contains sprintf("tool call %s is not allowed for tier %s", [call.name, tier]) if {
	some call in input.response.tool_calls
	not call.name in data.tiers[tier].tools
}

deny_tool_call contains sprintf("tool call %s carries a shell command", [call.name]) if {
	some call in input.response.tool_calls
	some pattern in data.dangerous_argument_patterns
	regex.match(pattern, call.arguments_text)
}

deny_tool_call contains sprintf("tool call %s points at external host %s", [call.name, host]) if {
	some call in input.response.tool_calls
	some url in regex.find_n(`https?://[^\s"'/]+`, call.arguments_text, -1)
	host := lower(trim_prefix(trim_prefix(url, "https://"), "http://"))
	not allowed_host(host)
}

allowed_host(host) if {
	some pattern in data.allowed_url_hosts
	glob.match(pattern, ["."], host)
}
