#!/usr/bin/env bash
# Builds leasehold and its benchmarks in release mode, runs them and regenerates
# docs/performance.md (with --quick: target/bench/performance-quick.md).
#
#   scripts/bench.sh                 # full sizes from issue 7
#   scripts/bench.sh --quick         # smoke test
#   scripts/bench.sh --only replay   # a subset (the page keeps the other results)
#
# Needs the local Postgres (LEASEHOLD_TEST_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/postgres) and NATS with JetStream
# (LEASEHOLD_NATS_URL, default nats://127.0.0.1:4222).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p leasehold -p leasehold-bench
exec target/release/bench-all "$@"
