#!/usr/bin/env bash
# Benchmarks, one section each; every section rewrites its own part of BENCHMARKS.md.
#
#   scripts/bench.sh [SECTION...]     no argument: every section
#
# Sections:
#   codec   PDU encode/decode: smsgw (benches/codec.rs) against libGammu (bench/gammu_bench.c)
#           and python-gsmmodem-new (bench/gsmmodem_bench.py), on the corpus in bench/corpus/
#           and the published SMS-DELIVER vectors.
#   board   the outage from a modem hang to the next sent message, through the recovery ladder and
#           the board's power cycle, on the simulated clock (benches/board.rs), against the
#           ladder's configured bound.
#   upstream  Upstream sync on a private mariadbd: pickup latency (row INSERT to message in the store),
#           median and p95 over 200 rows at the default poll interval and 30 rows at the old daemon's
#           3 s, and idle queries/s (Questions delta over 10 s).
#   pickup  the whole gateway (`smsgw run` with [upstream], on `smsgw sim` over a pty): pickup latency
#           from a row's INSERT to its part going to the modem, by the gateway's log, 40 rows at the
#           default poll interval (tests/daemon_upstream.rs, pickup_latency).
#   store   The queue (benches/store.rs), redb and sled: KiB written to flash per message over
#           its whole life, RSS of a process holding 100 000 queued messages. As root, on an
#           ext4 file system of its own (a loop device), so the device's own count of bytes
#           written (journal included) is measured too; otherwise in the build directory.
#   daemon  the whole gateway (`smsgw run`) against `smsgw sim` with no line pacing, per store backend
#           (redb and sled): messages per second, CPU and bytes written to the disk per message, and
#           resident memory with 100 000 messages queued (bench/daemon_bench.py).
#
#   BENCH_SECONDS   time per operation and harness (default 1)
#   SMSGW_VECTORS   folder with received-published.jsonl (default: ../shared/vectors beside the repo)
#   SMSGW_PYENV     the venv made by scripts/interop-setup.sh (default: ~/.cache/smsgw/pyenv)
#   STORE_N         messages per write-volume run of the store section (default 1000)
#   STORE_QUEUED    messages queued for the store section's memory figure (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=bench/build
SECONDS_PER_OP="${BENCH_SECONDS:-1}"
PYENV="${SMSGW_PYENV:-$HOME/.cache/smsgw/pyenv}"
VECTORS="${SMSGW_VECTORS:-$(cd .. && pwd)/shared/vectors}"
ALL_SECTIONS=(codec board upstream pickup store daemon)

step() { printf '\n==> %s\n' "$*" >&2; }
release_bin() { echo "${CARGO_TARGET_DIR:-target}/release/$1"; }

section_codec() {
    scripts/interop-setup.sh
    local py="$PYENV/bin/python" out="$BUILD/codec"
    mkdir -p "$out"

    step "codec: building the libGammu harness"
    # shellcheck disable=SC2046  # pkg-config prints several words on purpose
    cc -O2 -Wall -Wextra $(pkg-config --cflags gammu) bench/gammu_bench.c -o "$out/gammu_bench" \
        $(pkg-config --libs gammu)

    step "codec: DELIVER set from $VECTORS (the vectors all three decoders accept)"
    [ -f "$VECTORS/received-published.jsonl" ] ||
        { echo "bench: no received-published.jsonl in $VECTORS (set SMSGW_VECTORS)" >&2; exit 1; }
    cargo build --locked --release --bin smsgw
    "$py" bench/deliver_vectors.py "$(release_bin smsgw)" "$VECTORS/received-published.jsonl" "$out/deliver.hex"

    {
        echo "date=$(date -u '+%Y-%m-%d %H:%M')"
        echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
        echo "nproc=$(nproc)"
        echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
        echo "kernel=$(uname -sr)"
        echo "rustc=$(rustc -V)"
        echo "cc=$(cc --version | head -1)"
        echo "gammu=$(pkg-config --modversion gammu)"
        echo "python=$("$py" -c 'import sys; print(sys.version.split()[0])')"
        echo "gsmmodem=$("$py" -c 'from importlib.metadata import version; print(version("python-gsmmodem-new"))')"
        echo "seconds=$SECONDS_PER_OP"
    } >"$out/env"

    step "codec: smsgw (cargo bench --bench codec)"
    SMSGW_BENCH_CORPUS=bench/corpus SMSGW_BENCH_DELIVER="$out/deliver.hex" \
        SMSGW_BENCH_SECONDS="$SECONDS_PER_OP" cargo bench --locked --bench codec | tee "$out/smsgw.tsv"

    step "codec: libGammu"
    "$out/gammu_bench" bench/corpus "$out/deliver.hex" "$SECONDS_PER_OP" | tee "$out/gammu.tsv"

    step "codec: python-gsmmodem"
    "$py" bench/gsmmodem_bench.py bench/corpus "$out/deliver.hex" "$SECONDS_PER_OP" | tee "$out/gsmmodem.tsv"

    "$py" bench/report.py codec "$out/smsgw.tsv" "$out/gammu.tsv" "$out/gsmmodem.tsv" "$out/env" \
        "$out/deliver.hex.excluded" >"$out/section.md"
    "$py" bench/report.py splice codec "$out/section.md" BENCHMARKS.md
    cat "$out/section.md"
}

section_board() {
    local out="$BUILD/board"
    mkdir -p "$out"
    step "board: hang to next sent message on the simulated clock (cargo bench --bench board)"
    cargo bench --locked --bench board | tee "$out/section.md"
    python3 bench/report.py splice board "$out/section.md" BENCHMARKS.md
}

section_upstream() {
    scripts/setup.sh db-setup
    local out="$BUILD/upstream"
    mkdir -p "$out"
    step "upstream: pickup latency and idle load (private mariadbd; about 3 minutes)"
    SMSGW_BENCH_OUT="$out/section.md" cargo test --locked --test upstream_bench -- --ignored --nocapture
    python3 bench/report.py splice upstream "$out/section.md" BENCHMARKS.md
}

section_pickup() {
    scripts/setup.sh db-setup
    local out="$BUILD/pickup"
    mkdir -p "$out"
    step "pickup: smsgw run with [upstream] on smsgw sim, INSERT to the part going to the modem (under a minute)"
    SMSGW_BENCH_OUT="$out/section.md" cargo test --locked --test daemon_upstream pickup_latency -- --ignored --nocapture
    python3 bench/report.py splice pickup "$out/section.md" BENCHMARKS.md
}

section_store() {
    local out="$BUILD/store" dir fs dev="" mnt="" img=""
    mkdir -p "$out"
    dir="$(cd "$out" && pwd)"
    cleanup_store() {
        if [ -n "$mnt" ] && mountpoint -q "$mnt"; then umount "$mnt"; fi
        if [ -n "$dev" ]; then losetup -d "$dev"; fi
        if [ -n "$img" ]; then rm -f "$img"; fi
        dev="" mnt="" img=""
    }
    trap cleanup_store EXIT
    if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null; then
        step "store: an ext4 file system of its own on a loop device"
        img="$dir/ext4.img"
        mnt="$dir/mnt"
        rm -f "$img"
        truncate -s 1G "$img"
        mkfs.ext4 -q -F "$img"
        dev="$(losetup -f --show "$img")"
        mkdir -p "$mnt"
        mount "$dev" "$mnt"
        export SMSGW_BENCH_DIR="$mnt" SMSGW_BENCH_DEV="${dev#/dev/}"
        fs="ext4 on ${dev} (a file on $(df -T "$dir" | awk 'NR == 2 { print $2 }'))"
    else
        mkdir -p "$dir/work"
        export SMSGW_BENCH_DIR="$dir/work"
        fs="$(df -T "$dir" | awk 'NR == 2 { print $2 }') (the build directory's; not root, so no device count)"
    fi

    step "store: cargo bench --bench store --features sled"
    SMSGW_BENCH_N="${STORE_N:-1000}" SMSGW_BENCH_QUEUED="${STORE_QUEUED:-100000}" \
        SMSGW_BENCH_REPORT="$out/section.md" cargo bench --locked --features sled --bench store | tee "$out/store.txt"
    {
        echo
        echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr), $(rustc -V), file system $fs."
    } >>"$out/section.md"
    cleanup_store
    trap - EXIT
    python3 bench/report.py splice store "$out/section.md" BENCHMARKS.md
    cat "$out/section.md"
}

section_daemon() {
    local out="$BUILD/daemon"
    mkdir -p "$out"
    step "daemon: building smsgw with both store backends (release, --features sled)"
    cargo build --locked --release --features sled --bin smsgw
    cp "$(release_bin smsgw)" "$out/smsgw"
    step "daemon: smsgw run against smsgw sim, redb and sled"
    python3 bench/daemon_bench.py "$out/smsgw" "$out" redb sled >"$out/section.md"
    python3 bench/report.py splice daemon "$out/section.md" BENCHMARKS.md
    cat "$out/section.md"
}

sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=("${ALL_SECTIONS[@]}")
for s in "${sections[@]}"; do
    if ! declare -F "section_$s" >/dev/null; then
        echo "bench: unknown section '$s' (known: ${ALL_SECTIONS[*]})" >&2
        exit 2
    fi
done
for s in "${sections[@]}"; do
    "section_$s"
done
step "BENCHMARKS.md updated (${sections[*]})"
