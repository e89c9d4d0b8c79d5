#!/usr/bin/env bash
# The hammer benchmark (benches/hammer.rs) on x86-64 and on i686 (static,
# natively): the figures in BENCHMARKS.md come from this command.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## x86-64"
cargo bench --locked --bench hammer 2>/dev/null | grep -v '^\s*Running'
echo "## i686"
RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR=target/bench-i686 \
    cargo bench --locked --bench hammer --target i686-unknown-linux-gnu 2>/dev/null | grep -v '^\s*Running'
