#!/usr/bin/env bash
# The test suite, exactly as CI runs it (.ci/run calls this script).
#
# Installs RabbitMQ and Postfix when missing (Debian) and starts the broker if it is not running
# — the end-to-end tests need it at 127.0.0.1:5672 with the guest user, and create their own
# virtual hosts, smtp-sink and services on free ports. Then: formatting, lints, build, tests.
# Stops at the first failure. The broker is left running.
set -euo pipefail

# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$RRM_ROOT"

ensure_cargo
cargo fmt --version >/dev/null 2>&1 || die "rustfmt is missing: rustup component add rustfmt"
cargo clippy --version >/dev/null 2>&1 || die "clippy is missing: rustup component add clippy"
ensure_packages
ensure_broker

run() {
    log "$*"
    "$@"
}

run cargo fmt --all -- --check
run cargo clippy --workspace --all-targets -- -D warnings
run cargo build --workspace --bins
run cargo test --workspace
log "all checks passed"
