#!/usr/bin/env bash
# Release builds of smsgw for the boards, each checked under qemu-user.
#
#   scripts/cross-build.sh [--no-verify] [TARGET...]
#
# With no TARGET: the four board builds, aarch64 and armv7 against glibc (Debian's cross gcc links them)
# and the same two fully static against musl, so one binary runs on any distribution. Also known:
#   arm-unknown-linux-musleabihf   ARMv6 (Raspberry Pi Zero / Zero W / 1), static
#   x86_64-unknown-linux-gnu       this machine (the amd64 package for the tests)
#   x86_64-unknown-linux-musl      static, for a PC-class gateway
# arm-unknown-linux-gnueabihf (ARMv6 against glibc) needs an ARMv6 glibc, which Debian's armhf cross
# libraries are not (they are ARMv7 Thumb-2): build it with `cross` (see Cross.toml), or use the musl one.
#
# Binaries end up in target/dist/<target>/smsgw; a table of sizes is printed at the end and written to
# target/dist/sizes.txt. Where rustup cannot fetch a target's prebuilt standard library, it is built
# from source with the nightly toolchain (-Zbuild-std); a musl target then links against Debian's
# musl-dev for that architecture (downloaded and unpacked under target/, dpkg left as it was)
# through a small linker wrapper. Debian has no ARMv6 musl, so arm-unknown-linux-musleabihf then needs `cross`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

verify=1
targets=()
for a in "$@"; do
    case "$a" in
    --no-verify) verify=0 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "cross-build: unknown option $a" >&2; exit 2 ;;
    *) targets+=("$a") ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf
    aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
dist="$CARGO_TARGET_DIR/dist"
mkdir -p "$dist"

# What each target needs: the Debian cross gcc prefix (linker, and C compiler for ring), how qemu runs
# the result, and whether it must come out static.
prefix_of() {
    case "$1" in
    aarch64-*) echo aarch64-linux-gnu- ;;
    armv7-* | arm-*) echo arm-linux-gnueabihf- ;;
    x86_64-*) echo "" ;;
    esac
}
runner_of() {
    case "$1" in
    aarch64-unknown-linux-gnu) echo "qemu-aarch64-static -L /usr/aarch64-linux-gnu" ;;
    armv7-unknown-linux-gnueabihf) echo "qemu-arm-static -L /usr/arm-linux-gnueabihf" ;;
    aarch64-unknown-linux-musl) echo "qemu-aarch64-static" ;;
    armv7-unknown-linux-musleabihf) echo "qemu-arm-static -cpu cortex-a7" ;;
    # The Pi Zero's core: an ARMv7 instruction in the binary stops it here as it would on the board.
    arm-unknown-linux-musleabihf) echo "qemu-arm-static -cpu arm1176" ;;
    x86_64-*) echo "" ;;
    esac
}
# Debian packages that provide the cross tools for a target.
debs_of() {
    case "$1" in
    aarch64-*) echo "gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static" ;;
    arm*) echo "gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user-static" ;;
    x86_64-*) echo "gcc" ;;
    esac
}

for t in "${targets[@]}"; do
    case "$t" in
    aarch64-unknown-linux-gnu | armv7-unknown-linux-gnueabihf | aarch64-unknown-linux-musl | \
        armv7-unknown-linux-musleabihf | arm-unknown-linux-musleabihf | x86_64-unknown-linux-gnu | \
        x86_64-unknown-linux-musl) ;;
    arm-unknown-linux-gnueabihf)
        echo "cross-build: $t needs an ARMv6 glibc toolchain: use \`cross build --release --target $t\`" \
            "(Cross.toml), or arm-unknown-linux-musleabihf" >&2
        exit 2
        ;;
    *) echo "cross-build: unknown target $t" >&2; exit 2 ;;
    esac
done

# Cross tools (Debian packages), installed when missing.
missing=()
for t in "${targets[@]}"; do
    for p in $(debs_of "$t"); do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "cross-build: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A target whose prebuilt standard library rustup cannot fetch is built with nightly and -Zbuild-std.
needs_build_std() {
    local t=$1
    rustup target list --installed | grep -qx "$t" && return 1
    rustup target add "$t" >/dev/null 2>&1 && return 1
    return 0
}

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
summary=()
failed=0

for t in "${targets[@]}"; do
    printf '\n==> %s\n' "$t"
    pfx=$(prefix_of "$t")
    up=$(echo "$t" | tr 'a-z-' 'A-Z_')
    low=${t//-/_}
    env_vars=()
    if [ -n "$pfx" ]; then
        # The linker, and the C compiler and archiver for ring's C and assembly.
        env_vars+=("CARGO_TARGET_${up}_LINKER=${pfx}gcc" "CC_${low}=${pfx}gcc" "AR_${low}=${pfx}ar")
    else
        # This machine's gcc compiles ring for x86_64 musl too (it needs no C library headers).
        env_vars+=("CC_${low}=gcc" "AR_${low}=ar")
    fi
    case "$t" in
    arm-unknown-linux-musleabihf)
        # Debian's armhf gcc defaults to ARMv7 Thumb-2; ring's C must be ARMv6 ARM code with VFPv2.
        env_vars+=("CFLAGS_${low}=-march=armv6 -marm -mfpu=vfp -mfloat-abi=hard")
        ;;
    esac
    cargo_cmd=(cargo)
    extra=()
    rustflags="-C target-feature=+crt-static"
    if needs_build_std "$t"; then
        case "$t" in
        arm-unknown-linux-musleabihf)
            echo "cross-build: $t: rustup has no standard library for it here, and Debian's armhf musl is" \
                "ARMv7, not ARMv6: build it with \`cross build --release --target $t\`" >&2
            failed=1
            summary+=("$(printf '%-32s %s' "$t" "NOT BUILT (no ARMv6 musl here; use cross)")")
            continue
            ;;
        esac
        if ! rustup toolchain list | grep -q '^nightly'; then
            rustup toolchain install nightly --profile minimal --component rust-src
        fi
        rustup +nightly component add rust-src >/dev/null 2>&1 || true
        echo "(no prebuilt standard library for $t: building it from source with nightly)"
        cargo_cmd=(cargo +nightly)
        # shellcheck disable=SC2054 # one argument: the crates to build
        extra=(-Zbuild-std=std,panic_abort)
        case "$t" in
        *-musl*)
            # Without rustup's self-contained musl (crt objects, libc.a, libunwind.a), link against
            # Debian's musl-dev for the target architecture, with gcc's crtbegin/crtend and libgcc_eh
            # as the unwinder: a small linker wrapper puts them in place.
            debarch=$(case "$t" in aarch64-*) echo arm64 ;; *) echo armhf ;; esac)
            triple=$(case "$debarch" in arm64) echo aarch64-linux-musl ;; *) echo arm-linux-musleabihf ;; esac)
            sysroot="$CARGO_TARGET_DIR/cross-link/musl-$debarch"
            musl="$sysroot/usr/lib/$triple"
            if [ ! -f "$musl/libc.a" ]; then
                # Downloaded and unpacked here, not installed: the foreign architecture is added to
                # dpkg only for the download and removed again, because its package lists (a
                # mirror mid-sync, say) could otherwise make every later `apt-get update` fail.
                SUDO=""
                [ "$(id -u)" = 0 ] || SUDO=sudo
                added=0
                if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
                    $SUDO dpkg --add-architecture "$debarch"
                    added=1
                fi
                dl=$(mktemp -d)
                echo "cross-build: fetching musl-dev:$debarch into $sysroot"
                $SUDO apt-get update -qq || true
                (cd "$dl" && apt-get download -q "musl-dev:$debarch") || true
                if [ $added = 1 ]; then
                    $SUDO dpkg --remove-architecture "$debarch"
                    $SUDO apt-get update -qq || true
                fi
                mkdir -p "$sysroot"
                for d in "$dl"/musl-dev_*.deb; do [ -f "$d" ] && dpkg-deb -x "$d" "$sysroot"; done
                rm -rf "$dl"
                [ -f "$musl/libc.a" ] || { echo "cross-build: could not get musl-dev:$debarch" >&2; exit 1; }
            fi
            gccdir=$("${pfx}gcc" -print-file-name=crtbeginS.o | xargs dirname)
            wrap="$CARGO_TARGET_DIR/cross-link/$t"
            mkdir -p "$wrap"
            ln -sf "$gccdir/libgcc_eh.a" "$wrap/libunwind.a"
            cat >"$wrap/cc" <<WRAP
#!/bin/sh
# Links a static musl binary for $t: musl's crt and libc from $musl, gcc's crtbegin/crtend.
case " \$* " in
*" -static-pie "*) start="$musl/rcrt1.o"; b="$gccdir/crtbeginS.o"; e="$gccdir/crtendS.o" ;;
*) start="$musl/crt1.o"; b="$gccdir/crtbeginT.o"; e="$gccdir/crtend.o" ;;
esac
exec ${pfx}gcc -nostartfiles -L"$musl" -L"$wrap" "\$start" "$musl/crti.o" "\$b" "\$@" -lgcc "\$e" "$musl/crtn.o"
WRAP
            chmod +x "$wrap/cc"
            env_vars=("${env_vars[@]/#CARGO_TARGET_${up}_LINKER=*/CARGO_TARGET_${up}_LINKER=$wrap/cc}")
            rustflags="$rustflags -C link-self-contained=no"
            ;;
        esac
    fi
    case "$t" in
    *-musl*) env_vars+=("CARGO_TARGET_${up}_RUSTFLAGS=$rustflags") ;;
    esac
    env "${env_vars[@]}" "${cargo_cmd[@]}" build --release --locked --target "$t" "${extra[@]}"

    bin="$CARGO_TARGET_DIR/$t/release/smsgw"
    mkdir -p "$dist/$t"
    cp "$bin" "$dist/$t/smsgw"
    bin="$dist/$t/smsgw"
    kind=$(file -b "$bin")
    size=$(stat -c %s "$bin")
    echo "file: $kind"
    verdict=ok
    case "$t" in
    *-musl*)
        if ! grep -Eq 'statically linked|static-pie linked' <<<"$kind"; then
            echo "cross-build: $t: not a static binary" >&2
            verdict="NOT STATIC"
        fi
        ;;
    esac
    if [ $verify = 1 ]; then
        runner=$(runner_of "$t")
        # shellcheck disable=SC2086 # the runner is a command with its arguments
        if out=$($runner "$bin" --version 2>&1) && [ "$out" = "smsgw $version" ] &&
            parts=$($runner "$bin" parts hello 2>&1) && grep -q '^parts: *1$' <<<"$parts"; then
            echo "runs: $out; parts hello: 1 part"
        else
            echo "cross-build: $t does not run under ${runner:-the host}: $out ${parts:-}" >&2
            verdict="DOES NOT RUN"
        fi
    else
        verdict="not run"
    fi
    [ "$verdict" = ok ] || [ "$verdict" = "not run" ] || failed=1
    link=static
    grep -q 'dynamically linked' <<<"$kind" && link=dynamic
    summary+=("$(printf '%-32s %9d bytes %6d KiB  %-7s %s' "$t" "$size" $(((size + 1023) / 1024)) "$link" "$verdict")")
done

printf '\n%s\n' "smsgw $version release builds:"
printf '%s\n' "${summary[@]}" | tee "$dist/sizes.txt"
exit $failed
