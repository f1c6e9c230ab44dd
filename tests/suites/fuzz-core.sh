#!/usr/bin/env bash
# Fuzzes parapet-core's decoders (JSON view, SSE, NDJSON, AWS event-stream) with
# cargo-fuzz / libFuzzer, each for a bounded time, starting from fuzz/seeds/<target>.
#   tests/suites/fuzz-core.sh                 every target, 20 s each
#   FUZZ_SECONDS=600 tests/suites/fuzz-core.sh sse   one target, longer
# Needs a nightly toolchain (sanitizer flags); uses `+nightly` when rustup has one,
# otherwise RUSTC_BOOTSTRAP=1 on the default toolchain. Installs cargo-fuzz if missing.
source "$(dirname "$0")/../../scripts/lib/common.sh"

seconds="${FUZZ_SECONDS:-20}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json_view sse ndjson eventstream)

if ! cargo fuzz --version >/dev/null 2>&1; then
  step "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi

export CARGO_TARGET_DIR="${PARAPET_FUZZ_TARGET_DIR:-$PARAPET_ROOT/target/fuzz}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for t in "${targets[@]}"; do
  step "fuzz $t for ${seconds}s"
  mkdir -p "$work/$t"
  # New inputs go to the scratch corpus; the committed seeds stay untouched.
  if ! cargo "${toolchain[@]}" fuzz run "$t" "$work/$t" "fuzz/seeds/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      >"$work/$t.log" 2>&1; then
    grep -vE '^#[0-9]+' "$work/$t.log" | tail -n 40 >&2
    die "fuzz target $t failed (reproducer in fuzz/artifacts/$t/)"
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$t.log" || true
done
step "fuzzing clean: ${targets[*]}"
