#!/usr/bin/env bash
# Runs Hotline: builds the web app first when ui/dist is missing or older than its sources
# (npm ci + build), then builds and starts the server, which serves the app at / and prints
# where to open it and the demo log-in. Arguments go to `hotline serve` (e.g. --listen).
set -euo pipefail
cd "$(dirname "$0")/.."

web_app_is_stale() {
    [ -f ui/dist/index.html ] || return 0
    [ -n "$(find ui/src ui/public ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts ui/tsconfig.json \
        -newer ui/dist/index.html -print -quit 2>/dev/null)" ]
}

if web_app_is_stale; then
    command -v npm >/dev/null || { echo "npm is missing: install Node.js 20.19 or newer to build the web app" >&2; exit 1; }
    echo "== building the web app (ui/dist)"
    npm --prefix ui ci --no-audit --no-fund
    npm --prefix ui run build
fi

command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
exec cargo run -- serve "$@"
