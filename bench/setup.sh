#!/usr/bin/env bash
# setup.sh - installs what the benchmarks need besides slagg: Node, zstd and
# GNU time from Debian when missing, and DuckDB's Node API (pinned in
# bench/package.json and package-lock.json) into bench/node_modules.
# Idempotent: does nothing when all is there and the pinned version loads.
#
#   bench/setup.sh
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Debian packages: Node for DuckDB, zstd and GNU time for shard_size.sh
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v zstd >/dev/null || missing+=(zstd)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (Debian)"
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

want=$(node -p 'require("./package.json").dependencies["@duckdb/node-api"]')
have=$(node -p 'try { require("./node_modules/@duckdb/node-api/package.json").version } catch { "" }')
# the native binding must load too (a copied node_modules may be for another platform)
if [ "$have" = "$want" ] && node --input-type=module -e "await import('@duckdb/node-api')" 2>/dev/null; then
    exit 0
fi

say "installing @duckdb/node-api $want into bench/node_modules"
if [ -f package-lock.json ]; then
    npm ci --prefix . --no-audit --no-fund --loglevel=error
else
    npm install --prefix . --no-audit --no-fund --loglevel=error
fi
node --input-type=module -e "await import('@duckdb/node-api')"
