#!/usr/bin/env bash
# Runs every test of Hotline on a fresh machine: installs what is missing, starts PostgreSQL
# if it is not running, creates a fresh database for the run, then checks formatting, lints
# and runs the whole test suite. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# The broker version the Kafka tests were written against (see ARCHITECTURE.md).
TANSU_VERSION=0.6.0

log "toolchain"
command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
cargo --version
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

log "system packages: cmake and curl headers (librdkafka's build), sipp (the SIP tests' peers)"
missing_packages=()
command -v cmake >/dev/null || missing_packages+=(cmake)
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || missing_packages+=(libcurl4-openssl-dev)
command -v sipp >/dev/null || missing_packages+=(sip-tester)
if [ ${#missing_packages[@]} -gt 0 ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >/dev/null
fi

log "Kafka: the tansu broker and an outside client (Python's confluent-kafka)"
# tansu is a Kafka-protocol broker in Rust; the Kafka tests start one per test on loopback.
# A cold install takes about 15 minutes on 2 cores, so it is installed only when missing.
# It builds in the background while the lints build the workspace; the tests wait for it.
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p target
tansu_install=""
if ! command -v tansu >/dev/null; then
    cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore,libsql,postgres \
        >target/tansu-install.log 2>&1 &
    tansu_install=$!
fi
python3 -c 'import confluent_kafka' 2>/dev/null || python3 -m pip install --quiet "confluent-kafka==2.*"

log "PostgreSQL"
if ! command -v pg_ctlcluster >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
# A fresh database for this run; each test makes its own databases inside the same server.
run_database="hotline_run_$(date +%s)_$$"
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $run_database"
trap 'psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $run_database WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
export HOTLINE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/$run_database"

log "format"
cargo fmt --all -- --check

log "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "tests"
if [ -n "$tansu_install" ]; then
    wait "$tansu_install" || { cat target/tansu-install.log >&2; echo "installing tansu failed" >&2; exit 1; }
    rm -f target/tansu-install.log
fi
cargo test --workspace --locked --no-fail-fast

# The web app: its checks and unit tests, then the whole product end to end in Chromium,
# against the binary `cargo test` has just built.
log "web app: dependencies"
command -v npm >/dev/null || { echo "npm is missing: install Node.js 20.19 or newer first" >&2; exit 1; }
node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' \
    || { echo "Node.js $(node --version) is too old: the web app needs 20.19 or newer" >&2; exit 1; }
npm --prefix ui ci --no-audit --no-fund

log "web app: lints"
npm --prefix ui run lint

log "web app: tests"
npm --prefix ui test

log "web app: build"
npm --prefix ui run build

log "web app: end-to-end tests in Chromium"
if [ ! -x /usr/bin/chromium ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
HOTLINE_BIN=target/debug/hotline npm --prefix ui run e2e
