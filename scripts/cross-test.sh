#!/usr/bin/env bash
# Builds the test suite for the boards' architectures and runs it under qemu-user
# (the runners are set in .cargo/config.toml). Tests that start the smsgw binary go through
# SMSGW_TEST_RUNNER, since this machine may have no binfmt_misc to start foreign binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh cross

run() {
    local target=$1 runner=$2
    printf '\n==> tests for %s under %s\n' "$target" "${runner%% *}"
    # Interoperability tests drive x86 Python tools; they run on the host only.
    SMSGW_TEST_RUNNER="$runner" SMSGW_SKIP_INTEROP=1 cargo test --locked --target "$target"
}

run aarch64-unknown-linux-gnu "qemu-aarch64-static -L /usr/aarch64-linux-gnu"
run armv7-unknown-linux-gnueabihf "qemu-arm-static -L /usr/arm-linux-gnueabihf"
