#!/usr/bin/env bash
# Detection quality of parapet-pii on its labelled corpus (tests/corpus/pii, made by
# generate.py there with fixed seeds): precision and recall per entity type, exact span match.
# dev.jsonl is the set the detector was tuned on; fresh.jsonl comes from another seed and was
# never looked at while tuning. PERSON / STREET_ADDRESS / DATE_OF_BIRTH are heuristic
# (context) types and are reported separately. Pass --errors to list every wrong prediction.
source "$(dirname "$0")/../../scripts/lib/common.sh"
echo "parapet-pii on tests/corpus/pii/{dev,fresh}.jsonl"
cargo run --quiet --release -p parapet-pii --example eval -- tests/corpus/pii/dev.jsonl tests/corpus/pii/fresh.jsonl "$@"
