#!/usr/bin/env bash
# Prompt-injection detector quality on Parapet's own corpora (tests/corpus/prompt-injection/):
# detection rate (attacks blocked) and false-positive rate (benign prompts blocked) with the
# default configuration, per corpus and per kind. Targets: >= 95% detection, <= 1% FP on dev.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
CORPUS=tests/corpus/prompt-injection
cargo run --quiet --release -p parapet-injection --example eval_corpus -- \
  "$CORPUS/dev.jsonl" "$CORPUS/dev2.jsonl" "$CORPUS/heldout.jsonl" "$CORPUS/heldout2.jsonl" \
  "$CORPUS/heldout3.jsonl" "$@"
