#!/usr/bin/env bash
# Fuzzes every parser for a short time: each target of fuzz/Cargo.toml runs SECONDS seconds
# (default 30), starting from the committed seeds in fuzz/seeds/<target> and the corpus kept in
# fuzz/corpus/<target>. Installs the nightly toolchain and cargo-fuzz if they are missing.
# Exits non-zero if any target crashes; the crashing input is left in fuzz/artifacts/<target>.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-30}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS]" >&2
    exit 2
fi

[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# The fuzz crate builds in fuzz/target, apart from the library's own target directory.
unset CARGO_TARGET_DIR

failed=()
for target in $(cargo +nightly fuzz list); do
    printf '\n==> fuzz %s for %ss\n' "$target" "$secs"
    mkdir -p "fuzz/corpus/$target"
    seeds=()
    [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
    if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$secs" -print_final_stats=1; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz: no crash"
