#!/usr/bin/env bash
# Builds the test suite for the boards' architectures and runs it under qemu-user (the runners
# are set in .cargo/config.toml). Tests that start the smsgw binary go through
# SMSGW_TEST_RUNNER, since this machine may have no binfmt_misc to start foreign binaries.
#
# The two architectures build and run at the same time, each in its own target directory: most
# of a run under qemu is the daemon tests waiting on timeouts, which overlap well.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh cross

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run() {
    local target=$1 runner=$2
    # Interoperability tests drive x86 Python tools; they run on the host only. The property
    # tests run their full number of cases on the host, and the kill -9 tortures their full
    # number of kills; under emulation a quarter and a third of them.
    SMSGW_TEST_RUNNER="$runner" SMSGW_SKIP_INTEROP=1 PROPTEST_CASES=64 SMSGW_CRASH_CYCLES=20 \
        CARGO_TARGET_DIR="target/cross-$target" \
        cargo test --locked --no-fail-fast --target "$target" >"$logs/$target" 2>&1
}

targets=(aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf)
runners=("qemu-aarch64-static -L /usr/aarch64-linux-gnu" "qemu-arm-static -L /usr/arm-linux-gnueabihf")
pids=()
for i in 0 1; do
    run "${targets[$i]}" "${runners[$i]}" &
    pids+=($!)
done
failed=0
for i in 0 1; do
    status=0
    wait "${pids[$i]}" || status=$?
    printf '\n==> tests for %s under %s: %s\n' "${targets[$i]}" "${runners[$i]%% *}" \
        "$([ $status = 0 ] && echo ok || echo "FAILED ($status)")"
    cat "$logs/${targets[$i]}"
    [ $status = 0 ] || failed=1
done
exit $failed
