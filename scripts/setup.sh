#!/usr/bin/env bash
# Installs everything the build and the tests need, on a Debian-based machine (as root, or with sudo).
# Idempotent and quick when all is there. Sections: `scripts/setup.sh [base] [cross] [interop] [fuzz] [db-setup]`
# (no argument: all of them).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_updated=0
need_pkgs() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

need_targets() {
    local installed
    installed=$(rustup target list --installed)
    for t in "$@"; do
        grep -qx "$t" <<<"$installed" || rustup target add "$t"
    done
}

sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(base cross interop fuzz db-setup)

for s in "${sections[@]}"; do
    case "$s" in
    base)
        command -v cargo >/dev/null || { echo "setup: Rust (rustup, cargo) is required: https://rustup.rs" >&2; exit 1; }
        rustup component add rustfmt clippy 2>/dev/null || true
        # tzdata: the time zones of the missed-call replies (read from /usr/share/zoneinfo).
        need_pkgs gcc pkg-config tzdata
        ;;
    cross)
        need_pkgs gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross libc6-dev-armhf-cross qemu-user-static
        need_targets aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf thumbv7em-none-eabihf
        ;;
    interop)
        if [ -x scripts/interop-setup.sh ]; then scripts/interop-setup.sh; fi
        ;;
    fuzz)
        rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
        command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
        ;;
    db-setup)
        # The upstream tests: MariaDB's server binaries (tests start private mariadbd's), openssl for
        # the TLS test's certificates, and a server on 127.0.0.1:3306 where root logs in without a
        # password (test machines only).
        need_pkgs mariadb-server mariadb-client openssl
        if ! mariadb -h127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1; then
            if ! mariadb -uroot -e 'SELECT 1' >/dev/null 2>&1; then
                echo "setup: starting MariaDB"
                $SUDO service mariadb start >/dev/null 2>&1 || { $SUDO nohup mariadbd-safe >/dev/null 2>&1 & }
                for _ in $(seq 60); do mariadb -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.5; done
            fi
            # Debian's root@localhost logs in through the socket only; the tests connect over TCP.
            $SUDO mariadb -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
                GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
            mariadb -h127.0.0.1 -uroot -e 'SELECT 1' >/dev/null ||
                { echo "setup: MariaDB does not answer on 127.0.0.1:3306" >&2; exit 1; }
        fi
        ;;
    *) echo "setup: unknown section $s" >&2; exit 2 ;;
    esac
done
