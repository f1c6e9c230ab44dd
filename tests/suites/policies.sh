#!/usr/bin/env bash
# Rego unit tests (test_* rules) of the shipped example policies, through the engine the policy
# filter embeds (parapet-rego), and a check that the generated Envoy configs are fresh.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 envoy-configs/generate.py --check
python3 kong-configs/generate.py --check
cargo run --quiet -p parapet-rego --bin parapet-rego-test -- envoy-configs/policies
