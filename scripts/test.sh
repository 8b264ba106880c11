#!/usr/bin/env bash
# The whole test suite: formatting, lints, host tests (unit, property, vectors, CLI, interoperability with
# libGammu and python-gsmmodem, the upstream sync against MariaDB), the no_std build for a bare-metal
# target, the test suite for aarch64 and armv7 under qemu-user, and the shipping checks (release and
# static builds, Debian packages in a debootstrap root, image and flash scripts). Installs what it needs.
#
#   scripts/test.sh            everything
#   scripts/test.sh --host     host only (fast loop while developing)
set -euo pipefail
cd "$(dirname "$0")/.."

host_only=0
[ "${1:-}" = "--host" ] && host_only=1

# Each step says how long the run has taken so far, so a slow one shows in CI's log.
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

if [ $host_only = 1 ]; then scripts/setup.sh base interop db-setup; else scripts/setup.sh base cross interop db-setup; fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

# The ARM suites (their own target directories) build and run in the background meanwhile: the
# host tests spend most of their time waiting on daemons and timeouts, the ARM builds on the CPU.
cross_pid=""
if [ $host_only = 0 ]; then
    cross_log=$(mktemp)
    step "the test suite for aarch64 and armv7 under qemu-user: started in the background"
    scripts/cross-test.sh >"$cross_log" 2>&1 &
    cross_pid=$!
    trap 'kill $cross_pid 2>/dev/null || true; rm -f "$cross_log"' EXIT
fi

step "host tests"
cargo test --locked

step "store tests with the sled backend"
cargo test --locked --features sled --test 'store_*'

[ $host_only = 1 ] && exit 0

step "no_std library for thumbv7em-none-eabihf (bare metal), with and without defmt"
cargo check --locked --lib --no-default-features --target thumbv7em-none-eabihf
cargo check --locked --lib --no-default-features --features defmt --target thumbv7em-none-eabihf

step "the test suite for aarch64 and armv7 under qemu-user: waiting for it"
cross_status=0
wait "$cross_pid" || cross_status=$?
cat "$cross_log"
[ $cross_status = 0 ] || { echo "the ARM test suites failed" >&2; exit 1; }

step "shipping: cross and static builds, packages, image and flash scripts, size and memory budgets"
scripts/ship-test.sh
step "done"
