#!/usr/bin/env bash
# Builds the Debian package of smsgw for one architecture with dpkg-deb (no debhelper, no cargo-deb:
# the package is a binary and five files, and a plain script builds it for any architecture
# from any machine without a cross Debian toolchain).
#
#   packaging/build-deb.sh --arch amd64|arm64|armhf [--binary PATH] [--out DIR]
#
# The binary defaults to the one scripts/cross-build.sh makes for that architecture:
#   amd64  target/release/smsgw (this machine's glibc build; the package the tests install)
#   arm64  target/dist/aarch64-unknown-linux-musl/smsgw (static: any arm64 Debian or Raspberry Pi OS)
#   armhf  target/dist/armv7-unknown-linux-musleabihf/smsgw (static ARMv7: Pi 2 and later with a 32-bit
#          OS, other ARMv7 boards). For the Pi Zero / Zero W / 1 (ARMv6) give --binary an ARMv6 build
#          (arm-unknown-linux-musleabihf, e.g. from `cross`): it runs on ARMv7 boards as well.
# A dynamically linked binary gets Depends on the libc6 and libgcc-s1 versions it needs.
#
# The config file is board/config.example.toml when it exists (its modem device set to
# /dev/smsgw-modem, the name the udev rule makes), else packaging/smsgw.toml.
# Writes DIR/smsgw_<version>_<arch>.deb (DIR defaults to target/deb) and prints its path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

arch=""
binary=""
out="$top/target/deb"
while [ $# -gt 0 ]; do
    case "$1" in
    --arch) arch=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-deb: unknown argument $1" >&2; exit 2 ;;
    esac
done
target_dir="${CARGO_TARGET_DIR:-$top/target}"
case "$arch" in
amd64) default_bin="$target_dir/release/smsgw"; elf="x86-64"; objcopy=objcopy ;;
arm64) default_bin="$target_dir/dist/aarch64-unknown-linux-musl/smsgw"; elf="ARM aarch64"; objcopy=aarch64-linux-gnu-objcopy ;;
armhf) default_bin="$target_dir/dist/armv7-unknown-linux-musleabihf/smsgw"; elf="ARM, EABI5"; objcopy=arm-linux-gnueabihf-objcopy ;;
*) echo "build-deb: --arch amd64, arm64 or armhf" >&2; exit 2 ;;
esac
binary=${binary:-$default_bin}
[ -f "$binary" ] || { echo "build-deb: no binary at $binary (scripts/cross-build.sh builds it)" >&2; exit 1; }
kind=$(file -b "$binary")
grep -q "$elf" <<<"$kind" || { echo "build-deb: $binary is not a $arch binary: $kind" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$top/Cargo.toml" | head -1)
maintainer=${DEB_MAINTAINER:-"smsgw developers <smsgw@example.org>"}
# Reproducible: every date in the package is the last commit's.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH=$epoch

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/lib/udev/rules.d" \
    "$root/etc/smsgw" "$root/usr/share/doc/smsgw" "$root/usr/share/man/man1" \
    "$root/usr/share/lintian/overrides"
install -m 0755 "$binary" "$root/usr/bin/smsgw"
# The release profile strips symbols; the linker's .comment (toolchain versions) goes too.
if command -v "$objcopy" >/dev/null; then "$objcopy" --remove-section=.comment "$root/usr/bin/smsgw"; fi
install -m 0644 "$here/smsgw.service" "$root/lib/systemd/system/smsgw.service"
install -m 0644 "$here/70-smsgw-modem.rules" "$root/lib/udev/rules.d/70-smsgw-modem.rules"

if [ -f "$top/board/config.example.toml" ]; then
    # The first `device = ...` line is the [modem] section's.
    sed '0,/^device = .*/s||device = "/dev/smsgw-modem"|' "$top/board/config.example.toml" >"$root/etc/smsgw/smsgw.toml"
    chmod 0644 "$root/etc/smsgw/smsgw.toml"
else
    install -m 0644 "$here/smsgw.toml" "$root/etc/smsgw/smsgw.toml"
fi

sed "s/@YEAR@/$(date -u -d "@$epoch" +%Y)/" "$here/debian/copyright" >"$root/usr/share/doc/smsgw/copyright"
install -m 0644 "$here/debian/lintian-overrides" "$root/usr/share/lintian/overrides/smsgw"
gzip -9n <"$top/README.md" >"$root/usr/share/doc/smsgw/README.md.gz"
gzip -9n <"$here/smsgw.1" >"$root/usr/share/man/man1/smsgw.1.gz"
{
    echo "smsgw ($version) unstable; urgency=medium"
    echo
    echo "  * Release $version, built from commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$epoch")"
} | gzip -9n >"$root/usr/share/doc/smsgw/changelog.gz"
chmod 0644 "$root/usr/share/doc/smsgw/"*  "$root/usr/share/man/man1/smsgw.1.gz"

# Depends: passwd for useradd/usermod in postinst; for a dynamic binary, the C library and libgcc
# versions its symbols need (what dpkg-shlibdeps would say, without the target's dpkg database).
depends="passwd"
overrides="$root/usr/share/lintian/overrides/smsgw"
if ! readelf -d "$binary" | grep -q NEEDED; then
    {
        echo "# Static musl build on purpose: the same binary runs on any Debian or Raspberry Pi OS"
        echo "# release (no libc version to depend on), and the ARMv6 build on every Raspberry Pi."
        echo "smsgw: statically-linked-binary [usr/bin/smsgw]"
    } >>"$overrides"
else
    {
        echo "# Rust: the C library's _FORTIFY_SOURCE wrappers do not apply; the language checks bounds."
        echo "smsgw: hardening-no-fortify-functions [usr/bin/smsgw]"
    } >>"$overrides"
    glibc=$(readelf -V "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)
    depends="libc6 (>= ${glibc:-2.17}), $depends"
    if readelf -d "$binary" | grep -q 'libgcc_s.so.1'; then depends="libgcc-s1, $depends"; fi
fi

for s in postinst prerm postrm; do install -m 0755 "$here/debian/$s" "$root/DEBIAN/$s"; done
install -m 0644 "$here/debian/conffiles" "$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: smsgw
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Suggests: usb-modeswitch
Section: comm
Priority: optional
Description: SMS gateway for a USB GSM/LTE modem on a Linux board
 smsgw sends and receives SMS through a USB GSM/LTE dongle or modem HAT.
 It keeps a crash-safe local queue that is synced from an upstream
 MySQL/MariaDB outbox table whenever the network is up, power-cycles a hung
 modem through a GPIO line and shows its state on status LEDs.
 .
 The package installs a hardened systemd service (enabled; start it once
 /etc/smsgw/smsgw.toml is edited), a udev rule that names the modem's AT
 port /dev/smsgw-modem and keeps ModemManager away from it, and the smsgw
 tools (scan, identify, send, parts, pdu).
EOF
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control"
find "$root" -exec touch -h -d "@$epoch" {} +

mkdir -p "$out"
deb="$out/smsgw_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
