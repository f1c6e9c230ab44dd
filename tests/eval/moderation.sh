#!/usr/bin/env bash
# Detection quality of parapet-moderation on its development corpus:
# per-category precision and recall, and errors per row kind (positive, hard_negative,
# fresh_* = rows never tuned on). Corpus and how it was made: tests/corpus/moderation/README.md.
# Pass --errors to list every wrong row.
source "$(dirname "$0")/../../scripts/lib/common.sh"
echo "parapet-moderation on tests/corpus/moderation/dev.jsonl"
cargo run --quiet -p parapet-moderation --example eval -- tests/corpus/moderation/dev.jsonl "$@"
