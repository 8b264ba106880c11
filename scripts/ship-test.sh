#!/usr/bin/env bash
# Tests what goes to the boards: the release binary against its size and memory budgets
# (memory-layout/budget.md), the Debian package (contents, control, lintian, installed into a
# Debian bookworm root made by debootstrap: user, groups, unit enabled and accepted by
# systemd-analyze, conffile kept on upgrade, state kept on remove and deleted on purge), the image
# script on a small two-partition image it builds itself (both ways of writing the root), and the
# flash script's refusals and a real write to a loop device.
#
#   scripts/ship-test.sh
#
# Needs root for the chroot and the loop devices (those parts are skipped otherwise). The
# debootstrap root is cached in ~/.cache/smsgw/ (delete it to start over). Ends with
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

passed=0 failed=0 skipped=0
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); echo "skip  $1${2:+: $2}"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
    local what=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$what"; else bad "$what" "$(tail -3 <<<"$out" | tr '\n' ' ')"; fi
}
# refuses DESCRIPTION PATTERN COMMAND...: passes when the command fails saying PATTERN.
refuses() {
    local what=$1 pattern=$2 out
    shift 2
    if out=$("$@" 2>&1); then
        bad "$what" "accepted: $(tail -1 <<<"$out")"
    elif grep -q -- "$pattern" <<<"$out"; then
        ok "$what"
    else
        bad "$what" "refused for another reason: $(tail -1 <<<"$out")"
    fi
}
finish() {
    echo
    echo "ship: $passed passed, $failed failed, $skipped skipped"
    [ $failed = 0 ]
    exit $?
}

is_root=0
[ "$(id -u)" = 0 ] && is_root=1
need_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} = 0 ] && return 0
    local sudo=""
    [ $is_root = 1 ] || sudo=sudo
    echo "ship-test: installing ${missing[*]}"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}
need_pkgs debootstrap lintian fdisk mtools dosfstools e2fsprogs file xz-utils python3 systemd

work=$(mktemp -d)
loops=()
mounts=()
cleanup() {
    local m l
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
budget_row() { # the number in the first column after "| NAME |" of budget.md's table
    awk -F'|' -v n="$1" '$2 ~ n { gsub(/[^0-9]/, "", $3); print $3; exit }' memory-layout/budget.md
}

# ---------------------------------------------------------------------------------------------------
step "release build for this machine"
if ! cargo build --release --locked; then
    bad "cargo build --release"
    finish
fi
bin="$CARGO_TARGET_DIR/release/smsgw"
check "the release binary runs" bash -c "[ \"\$('$bin' --version)\" = 'smsgw $version' ]"

step "binary size and memory budgets (memory-layout/budget.md)"
size_budget=$(budget_row "binary size")
rss_budget=$(budget_row "resident memory")
if [ -z "$size_budget" ] || [ -z "$rss_budget" ]; then
    bad "budget.md names the binary size and resident memory budgets"
else
    size=$(stat -c %s "$bin")
    if [ "$size" -le "$size_budget" ]; then ok "host binary $size bytes <= $size_budget"; else bad "host binary $size bytes > budget $size_budget"; fi
    # The board builds, when scripts/cross-build.sh has made them.
    for b in "$CARGO_TARGET_DIR"/dist/*/smsgw; do
        [ -f "$b" ] || continue
        s=$(stat -c %s "$b")
        t=$(basename "$(dirname "$b")")
        if [ "$s" -le "$size_budget" ]; then ok "$t binary $s bytes <= $size_budget"; else bad "$t binary $s bytes > budget $size_budget"; fi
    done
    # Resident memory of `smsgw sim` (the longest-running subcommand until the daemon exists) while
    # `smsgw identify` and `smsgw send` talk to it. For the daemon: measure `smsgw demo` (or `smsgw
    # run` against `smsgw sim`) after a burst of queued messages, the same way.
    rss_cmd=("$bin" sim --link "$work/ttySIM" --boot-ms 100)
    rss_what="smsgw sim"
    "${rss_cmd[@]}" >"$work/rss.out" 2>&1 &
    rss_pid=$!
    for _ in $(seq 50); do [ -e "$work/ttySIM" ] && break; sleep 0.1; done
    if [ -e "$work/ttySIM" ]; then
        timeout 60 "$bin" identify --device "$work/ttySIM" --family huawei --timeout 20 >"$work/identify.out" 2>&1 ||
            true
        timeout 60 "$bin" send --device "$work/ttySIM" --family huawei +491701234567 "budget check" >>"$work/identify.out" 2>&1 ||
            true
    fi
    hwm=$(awk '/^VmHWM:/ { print $2 * 1024 }' "/proc/$rss_pid/status" 2>/dev/null)
    kill "$rss_pid" 2>/dev/null
    wait "$rss_pid" 2>/dev/null
    if [ -z "$hwm" ]; then
        bad "$rss_what peak resident memory" "the process was gone: $(tail -2 "$work/rss.out")"
    elif [ "$hwm" -le "$rss_budget" ]; then
        ok "$rss_what peak resident memory $hwm bytes <= $rss_budget"
    else
        bad "$rss_what peak resident memory $hwm bytes > budget $rss_budget"
    fi
    grep -q "verdict: READY" "$work/identify.out" && ok "smsgw identify against the simulator while measured" ||
        bad "smsgw identify against the simulator while measured" "$(tail -2 "$work/identify.out")"
    # The running gateway: `smsgw demo` is the whole daemon (modem and core threads, the queue,
    # the control socket) with its simulated modem in the same process, so its peak is an upper
    # bound for `smsgw run`. The peak comes from the kernel's accounting of the finished child.
    demo_hwm=$(python3 -c '
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 if done.returncode == 0 else "")
' "$bin" demo 2>/dev/null || true)
    if [ -z "$demo_hwm" ]; then
        bad "smsgw demo (the whole gateway) peak resident memory" "smsgw demo failed"
    elif [ "$demo_hwm" -le "$rss_budget" ]; then
        ok "smsgw demo (the whole gateway) peak resident memory $demo_hwm bytes <= $rss_budget"
    else
        bad "smsgw demo (the whole gateway) peak resident memory $demo_hwm bytes > budget $rss_budget"
    fi
fi

# ---------------------------------------------------------------------------------------------------
step "Debian package"
deb=$(packaging/build-deb.sh --arch amd64 --out "$work/deb")
check "packaging/build-deb.sh made smsgw_${version}_amd64.deb" test "$deb" = "$work/deb/smsgw_${version}_amd64.deb" -a -f "$deb"
dpkg-deb -c "$deb" >"$work/contents"
for f in ./usr/bin/smsgw ./lib/systemd/system/smsgw.service ./lib/udev/rules.d/70-smsgw-modem.rules \
    ./etc/smsgw/smsgw.toml ./usr/share/doc/smsgw/copyright ./usr/share/doc/smsgw/changelog.gz \
    ./usr/share/man/man1/smsgw.1.gz; do
    check "package holds $f" grep -q " $f\$" "$work/contents"
done
check "binary is root-owned and executable" grep -q '^-rwxr-xr-x root/root .* ./usr/bin/smsgw$' "$work/contents"
for field in "Package: smsgw" "Version: $version" "Architecture: amd64" "Depends: .*passwd"; do
    check "control: $field" bash -c "dpkg-deb -f '$deb' | grep -q '^$field'"
done
check "conffiles: /etc/smsgw/smsgw.toml" bash -c "dpkg-deb -I '$deb' conffiles | grep -qx /etc/smsgw/smsgw.toml"
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" ./postinst ./postrm ./prerm 2>/dev/null
for s in postinst prerm postrm; do check "$s is valid sh" sh -n "$work/$s"; done
unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/smsgw.service)
for key in Type=notify User=smsgw Group=smsgw "SupplementaryGroups=dialout gpio" ProtectSystem=strict \
    ProtectHome=yes PrivateTmp=yes StateDirectory=smsgw RuntimeDirectory=smsgw ConfigurationDirectory=smsgw \
    NoNewPrivileges=yes WatchdogSec=30 Restart=on-failure RestartSec=5 DevicePolicy=closed \
    "DeviceAllow=char-ttyUSB rw" "DeviceAllow=char-ttyACM rw" "DeviceAllow=char-gpiochip rw" \
    "DeviceAllow=char-usb_device rw" "ExecStart=/usr/bin/smsgw run --config /etc/smsgw/smsgw.toml"; do
    check "unit: $key" grep -qx -- "$key" <<<"$unit"
done
# systemd's own sandboxing score, 0 (locked down) to 10 (exposed): 1.9 when written.
printf '%s\n' "$unit" >"$work/smsgw.service"
check "unit exposure (systemd-analyze security) at most 2.5" \
    systemd-analyze security --offline=yes --threshold=25 "$work/smsgw.service"
rules=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/udev/rules.d/70-smsgw-modem.rules)
for v in 12d1 1e0e 2c7c 19d2; do check "udev rule names vendor $v's AT port" grep -q "ID_VENDOR_ID}==\"$v\", ENV{ID_USB_INTERFACE_NUM}==\"0[0-9]\", SYMLINK+=\"smsgw-modem\"" <<<"$rules"; done
check "udev rule keeps ModemManager away" grep -q 'ENV{ID_MM_DEVICE_IGNORE}="1"' <<<"$rules"
printf '%s\n' "$rules" >"$work/70-smsgw-modem.rules"
# Syntax, and the rule run on the devices a modem and a board show (a small udev evaluator).
check "udev rule: $(python3 packaging/test-udev-rule.py "$work/70-smsgw-modem.rules" | tail -1)" \
    python3 packaging/test-udev-rule.py "$work/70-smsgw-modem.rules"
check "lintian: no error or warning (overrides listed in the package)" \
    lintian --pedantic --fail-on error,warning "$deb"

# ---------------------------------------------------------------------------------------------------
step "install into a Debian bookworm root"
if [ $is_root = 0 ]; then
    skip "install, upgrade, remove, purge in a chroot" "needs root"
else
    cache="$HOME/.cache/smsgw"
    base="$cache/bookworm-minbase-systemd.tar"
    if [ ! -f "$base" ]; then
        mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\/*\)$/\1/p; s/^deb \(http[^ ]*\/debian\/*\) .*/\1/p' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
        mirror=${mirror:-http://deb.debian.org/debian}
        echo "debootstrap from $mirror (once; cached in $base)"
        mkdir -p "$cache"
        if debootstrap --variant=minbase --include=systemd bookworm "$work/boot-root" "$mirror" >"$work/debootstrap.log" 2>&1; then
            tar -C "$work/boot-root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
        else
            tail -5 "$work/debootstrap.log"
        fi
        rm -rf "$work/boot-root"
    fi
    if [ ! -f "$base" ]; then
        bad "debootstrap a bookworm root"
    else
        root="$work/root"
        mkdir -p "$root"
        tar -C "$root" -xf "$base"
        cp "$deb" "$root/tmp/smsgw.deb"
        inroot() { chroot "$root" "$@"; }
        check "dpkg -i" inroot dpkg -i /tmp/smsgw.deb
        check "dpkg says installed" bash -c "chroot '$root' dpkg-query -W -f='\${Status}' smsgw | grep -qx 'install ok installed'"
        check "user smsgw is a system user with no shell" bash -c "chroot '$root' getent passwd smsgw | grep -q ':/var/lib/smsgw:/usr/sbin/nologin$' && [ \$(chroot '$root' id -u smsgw) -lt 1000 ]"
        check "smsgw is in dialout" bash -c "chroot '$root' id -nG smsgw | tr ' ' '\n' | grep -qx dialout"
        check "smsgw is in gpio (created)" bash -c "chroot '$root' id -nG smsgw | tr ' ' '\n' | grep -qx gpio"
        check "unit enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/smsgw.service"
        check "systemctl --root says enabled" test "$(systemctl --root="$root" is-enabled smsgw.service 2>&1)" = enabled
        check "config is root:smsgw 0640" bash -c "[ \"\$(chroot '$root' stat -c '%U:%G %a' /etc/smsgw/smsgw.toml)\" = 'root:smsgw 640' ]"
        check "state directory /var/lib/smsgw is smsgw's" bash -c "[ \"\$(chroot '$root' stat -c '%U %a' /var/lib/smsgw)\" = 'smsgw 750' ]"
        check "systemd-analyze verify accepts the unit" systemd-analyze verify --man=no --root="$root" smsgw.service
        check "systemd-analyze verify inside the root" inroot systemd-analyze verify --man=no smsgw.service
        mv "$root/usr/bin/smsgw" "$root/usr/bin/smsgw.away"
        refuses "systemd-analyze verify fails without the binary" "smsgw" systemd-analyze verify --man=no --root="$root" smsgw.service
        mv "$root/usr/bin/smsgw.away" "$root/usr/bin/smsgw"
        check "installed binary runs in the root" inroot /usr/bin/smsgw parts hello
        if "$bin" config --help >/dev/null 2>&1; then
            check "smsgw config check accepts the packaged config" inroot /usr/bin/smsgw config check /etc/smsgw/smsgw.toml
        else
            skip "smsgw config check of the packaged config" "this build has no config subcommand"
        fi
        # Upgrade: the administrator's config stays, the user is not duplicated.
        echo "# changed by the administrator" >>"$root/etc/smsgw/smsgw.toml"
        check "reinstall (upgrade path)" inroot dpkg -i /tmp/smsgw.deb
        check "changed config kept on upgrade" grep -q "changed by the administrator" "$root/etc/smsgw/smsgw.toml"
        check "one smsgw user after upgrade" bash -c "[ \$(grep -c '^smsgw:' '$root/etc/passwd') = 1 ]"
        inroot systemctl disable smsgw.service >/dev/null 2>&1
        inroot dpkg -i /tmp/smsgw.deb >/dev/null 2>&1
        check "an administrator's disable survives an upgrade" test ! -e "$root/etc/systemd/system/multi-user.target.wants/smsgw.service"
        inroot systemctl enable smsgw.service >/dev/null 2>&1
        # Remove keeps state and config; purge deletes them.
        echo queue >"$root/var/lib/smsgw/queue.redb"
        check "dpkg -r" inroot dpkg -r smsgw
        check "binary gone after remove" test ! -e "$root/usr/bin/smsgw"
        check "queue kept after remove" test -f "$root/var/lib/smsgw/queue.redb"
        check "config kept after remove" test -f "$root/etc/smsgw/smsgw.toml"
        check "dpkg -P" inroot dpkg -P smsgw
        check "queue deleted on purge" test ! -e "$root/var/lib/smsgw"
        check "config deleted on purge" test ! -e "$root/etc/smsgw/smsgw.toml"
        check "unit symlink gone after purge" test ! -e "$root/etc/systemd/system/multi-user.target.wants/smsgw.service"
        check "statoverride gone after purge" bash -c "! chroot '$root' dpkg-statoverride --list /etc/smsgw/smsgw.toml"
        check "dpkg forgets it after purge" bash -c "! chroot '$root' dpkg-query -W smsgw 2>/dev/null"
        rm -rf "$root"
    fi
fi

# ---------------------------------------------------------------------------------------------------
step "image: a small stock image, then make-image.sh"
# A two-partition image like Raspberry Pi OS Lite's: FAT boot with cmdline.txt, ext4 root with a
# merged /usr, passwd/group/shadow/gshadow, fstab by PARTUUID, a dpkg database.
stock_image() { # OUT ARCH
    local out=$1 arch=$2 t
    t=$(mktemp -d -p "$work")
    mkdir -p "$t/root/etc/systemd/system/multi-user.target.wants" "$t/root/usr/lib/systemd/system" \
        "$t/root/usr/bin" "$t/root/var/lib/dpkg/info" "$t/root/var/lib/systemd" "$t/root/var/log" \
        "$t/root/tmp" "$t/root/var/tmp" "$t/root/etc/NetworkManager" "$t/root/root" "$t/root/boot/firmware" "$t/boot"
    ln -s usr/lib "$t/root/lib"
    ln -s usr/bin "$t/root/bin"
    printf 'root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000:,,,:/home/pi:/bin/bash\n' >"$t/root/etc/passwd"
    printf 'root:x:0:\ndialout:x:20:pi\nshadow:x:42:\npi:x:1000:\n' >"$t/root/etc/group"
    printf 'root:*:19000:0:99999:7:::\npi:!:19000:0:99999:7:::\n' >"$t/root/etc/shadow"
    printf 'root:*::\ndialout:*::pi\nshadow:*::\npi:!::\n' >"$t/root/etc/gshadow"
    chmod 0640 "$t/root/etc/shadow" "$t/root/etc/gshadow"
    printf '%s\n' 'proc  /proc  proc  defaults  0  0' \
        'PARTUUID=5e3da3da-01  /boot/firmware  vfat  defaults  0  2' \
        'PARTUUID=5e3da3da-02  /  ext4  defaults,noatime  0  1' >"$t/root/etc/fstab"
    echo raspberrypi >"$t/root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\traspberrypi\n' >"$t/root/etc/hosts"
    echo 'nameserver 192.0.2.1' >"$t/root/etc/resolv.conf"
    printf 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\nArchitecture: %s\nDescription: base files\n\nPackage: dpkg\nStatus: install ok installed\nVersion: 1.21.22\nArchitecture: %s\nDescription: package manager\n' \
        "$arch" "$arch" >"$t/root/var/lib/dpkg/status"
    printf '[Unit]\nDescription=OpenBSD Secure Shell server\n' >"$t/root/usr/lib/systemd/system/ssh.service"
    echo 'console=serial0,115200 console=tty1 root=PARTUUID=5e3da3da-02 rootfstype=ext4 fsck.repair=yes rootwait' >"$t/boot/cmdline.txt"
    echo 'arm_64bit=1' >"$t/boot/config.txt"
    rm -f "$out"
    truncate -s 72M "$out"
    printf 'label: dos\nlabel-id: 0x5e3da3da\nstart=8192, size=32768, type=c\nstart=40960, type=83\n' | sfdisk -q "$out"
    mkfs.fat -F 16 -n BOOTFS --offset 8192 "$out" 16384 >/dev/null 2>&1
    mcopy -i "$out@@$((8192 * 512))" "$t/boot/cmdline.txt" "$t/boot/config.txt" ::/
    # As root the files are root's; shadow's group is set in the image, as on a real system.
    mkfs.ext4 -q -F -L rootfs -d "$t/root" -E offset=$((40960 * 512)) "$out" $((52 * 1024))k
    debugfs -w -R "sif /etc/shadow gid 42" "$out?offset=$((40960 * 512))" 2>/dev/null
    rm -rf "$t"
}
stock="$work/stock.img"
stock_image "$stock" amd64
stock_sum=$(md5sum <"$stock")
cp packaging/smsgw.toml "$work/my.toml"
echo '# this gateway: gw-01' >>"$work/my.toml"
ssh-keygen -q -t ed25519 -N '' -f "$work/key" 2>/dev/null || echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5tZXN0IGtleSBmb3IgdGVzdHMgb25seQ test" >"$work/key.pub"

methods=(debugfs)
[ $is_root = 1 ] && losetup -f >/dev/null 2>&1 && methods+=(loop)
for method in "${methods[@]}"; do
    out="$work/gw-$method.img"
    if ! scripts/make-image.sh --image "$stock" --deb "$deb" --out "$out" --config "$work/my.toml" \
        --hostname gw-01 --ssh-key "$work/key.pub" --read-only-root --data-size 32M --method "$method" >"$work/mi.log" 2>&1; then
        bad "make-image.sh --method $method" "$(tail -3 "$work/mi.log")"
        continue
    fi
    ok "make-image.sh --method $method"
    sec() { sfdisk --json "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable']['partitions'][$1]['$2'])"; }
    rootfs="$out?offset=$(($(sec 1 start) * 512))"
    bootfs="$out@@$(($(sec 0 start) * 512))"
    get() { debugfs -R "cat \"$1\"" "$rootfs" 2>/dev/null; }
    stat_of() { debugfs -R "stat \"$1\"" "$rootfs" 2>/dev/null; }
    m="[$method]"
    check "$m stock image untouched" test "$(md5sum <"$stock")" = "$stock_sum"
    check "$m three partitions, the third Linux" test "$(sfdisk --json "$out" | python3 -c 'import json,sys; p=json.load(sys.stdin)["partitiontable"]["partitions"]; print(len(p), p[-1]["type"])')" = "3 83"
    check "$m root file system clean (e2fsck)" e2fsck -fn "$rootfs"
    check "$m binary in the root partition, executable" bash -c "debugfs -R 'stat /usr/bin/smsgw' '$rootfs' 2>/dev/null | grep -q 'Mode:  0755'"
    check "$m binary is the package's" cmp -s <(debugfs -R 'cat /usr/bin/smsgw' "$rootfs" 2>/dev/null) <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/smsgw)
    check "$m unit file under the merged /usr" bash -c "debugfs -R 'cat /usr/lib/systemd/system/smsgw.service' '$rootfs' 2>/dev/null | grep -q '^Type=notify'"
    check "$m udev rule installed" bash -c "debugfs -R 'cat /usr/lib/udev/rules.d/70-smsgw-modem.rules' '$rootfs' 2>/dev/null | grep -q smsgw-modem"
    check "$m unit enabled (symlink)" bash -c "debugfs -R 'stat /etc/systemd/system/multi-user.target.wants/smsgw.service' '$rootfs' 2>/dev/null | grep -q 'Fast link dest: \"/lib/systemd/system/smsgw.service\"'"
    check "$m user smsgw in passwd" bash -c "debugfs -R 'cat /etc/passwd' '$rootfs' 2>/dev/null | grep -q '^smsgw:x:9[0-9][0-9]:[0-9]*:.*:/var/lib/smsgw:/usr/sbin/nologin$'"
    check "$m smsgw locked in shadow, shadow still root:shadow 0640" bash -c "debugfs -R 'cat /etc/shadow' '$rootfs' 2>/dev/null | grep -q '^smsgw:!:' && debugfs -R 'stat /etc/shadow' '$rootfs' 2>/dev/null | grep -q 'Mode:  0640' && debugfs -R 'stat /etc/shadow' '$rootfs' 2>/dev/null | grep -q 'Group:    42'"
    check "$m smsgw in dialout beside pi" bash -c "debugfs -R 'cat /etc/group' '$rootfs' 2>/dev/null | grep -qx 'dialout:x:20:pi,smsgw'"
    check "$m gpio group created with smsgw" bash -c "debugfs -R 'cat /etc/group' '$rootfs' 2>/dev/null | grep -q '^gpio:x:[0-9]*:smsgw$' && debugfs -R 'cat /etc/gshadow' '$rootfs' 2>/dev/null | grep -qx 'gpio:!::smsgw'"
    check "$m the given config in place" bash -c "debugfs -R 'cat /etc/smsgw/smsgw.toml' '$rootfs' 2>/dev/null | grep -q 'this gateway: gw-01'"
    gid=$(get /etc/group | awk -F: '$1 == "smsgw" { print $3 }')
    uid=$(get /etc/passwd | awk -F: '$1 == "smsgw" { print $3 }')
    check "$m config root:smsgw 0640" bash -c "debugfs -R 'stat /etc/smsgw/smsgw.toml' '$rootfs' 2>/dev/null | grep -q 'Mode:  0640' && debugfs -R 'stat /etc/smsgw/smsgw.toml' '$rootfs' 2>/dev/null | grep -Eq 'User: +0 +Group: +$gid '"
    check "$m dpkg database knows smsgw" bash -c "debugfs -R 'cat /var/lib/dpkg/status' '$rootfs' 2>/dev/null | grep -A1 '^Package: smsgw$' | grep -q 'Status: install ok installed' && debugfs -R 'cat /var/lib/dpkg/info/smsgw.list' '$rootfs' 2>/dev/null | grep -qx /usr/bin/smsgw"
    check "$m statoverride for the config" bash -c "debugfs -R 'cat /var/lib/dpkg/statoverride' '$rootfs' 2>/dev/null | grep -qx 'root smsgw 0640 /etc/smsgw/smsgw.toml'"
    check "$m host name" bash -c "[ \"\$(debugfs -R 'cat /etc/hostname' '$rootfs' 2>/dev/null)\" = gw-01 ] && debugfs -R 'cat /etc/hosts' '$rootfs' 2>/dev/null | grep -q '^127.0.1.1.gw-01$'"
    check "$m ssh enabled on the boot partition" mdir -i "$bootfs" ::/ssh
    check "$m ssh key for root" cmp -s <(debugfs -R 'cat /root/.ssh/authorized_keys' "$rootfs" 2>/dev/null) "$work/key.pub"
    check "$m cmdline.txt mounts root read-only" bash -c "mtype -i '$bootfs' ::/cmdline.txt | grep -q ' ro\$' && ! mtype -i '$bootfs' ::/cmdline.txt | grep -q ' rw'"
    fstab=$(get /etc/fstab)
    check "$m fstab: / read-only" grep -Eq '^PARTUUID=5e3da3da-02[[:space:]]+/[[:space:]]+ext4[[:space:]]+ro,noatime' <<<"$fstab"
    check "$m fstab: boot read-only" grep -Eq '/boot/firmware[[:space:]]+vfat[[:space:]]+ro[[:space:]]' <<<"$fstab"
    check "$m fstab: tmpfs on /var/log and /tmp" bash -c "grep -Eq '^tmpfs +/var/log +tmpfs' <<<'$fstab' && grep -Eq '^tmpfs +/tmp +tmpfs' <<<'$fstab'"
    check "$m fstab: data partition at /var/lib/smsgw" grep -Eq '^LABEL=smsgw-data +/var/lib/smsgw +ext4 ' <<<"$fstab"
    check "$m service waits for the data mount" bash -c "debugfs -R 'cat /etc/systemd/system/smsgw.service.d/data.conf' '$rootfs' 2>/dev/null | grep -qx 'RequiresMountsFor=/var/lib/smsgw'"
    check "$m swap file service masked" bash -c "debugfs -R 'stat /etc/systemd/system/dphys-swapfile.service' '$rootfs' 2>/dev/null | grep -q 'Fast link dest: \"/dev/null\"'"
    datafs="$out?offset=$(($(sec 2 start) * 512))"
    check "$m data partition: ext4 labelled smsgw-data" bash -c "blkid -p -O $(($(sec 2 start) * 512)) '$out' | grep -q 'LABEL=\"smsgw-data\".*TYPE=\"ext4\"'"
    check "$m data partition clean and owned by smsgw" bash -c "e2fsck -fn '$datafs' >/dev/null 2>&1 && debugfs -R 'stat /' '$datafs' 2>/dev/null | grep -Eq 'User: +$uid +Group: +$gid ' && debugfs -R 'stat /' '$datafs' 2>/dev/null | grep -q 'Mode:  0750'"
    # The image as root would see it, when it can be mounted.
    if [ "$method" = loop ]; then
        mkdir -p "$work/mnt"
        if mount -o "ro,loop,offset=$(($(sec 1 start) * 512))" "$out" "$work/mnt"; then
            mounts+=("$work/mnt")
            check "$m mounted: unit symlink resolves to the unit" test -f "$work/mnt/usr/lib/systemd/system/smsgw.service" -a -L "$work/mnt/etc/systemd/system/multi-user.target.wants/smsgw.service"
            check "$m mounted: systemctl --root says enabled" \
                test "$(systemctl --root="$work/mnt" is-enabled smsgw.service 2>&1)" = enabled
            umount "$work/mnt"
            mounts=()
        else
            bad "$m mount the image's root"
        fi
    fi
done
stock_image "$work/arm64.img" arm64
refuses "make-image refuses an amd64 package for an arm64 image" "the package is amd64 but the image is arm64" \
    scripts/make-image.sh --image "$work/arm64.img" --deb "$deb" --out "$work/x.img"
refuses "make-image refuses --read-only-root without a data partition" "needs --data-size" \
    scripts/make-image.sh --image "$stock" --deb "$deb" --out "$work/x.img" --read-only-root
check "make-image without options (package config, no data partition)" \
    scripts/make-image.sh --image "$stock" --deb "$deb" --out "$work/plain.img"
check "plain image: two partitions, package config, root read-write" bash -c "[ \$(sfdisk --json '$work/plain.img' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"partitiontable\"][\"partitions\"]))') = 2 ] && debugfs -R 'cat /etc/smsgw/smsgw.toml' '$work/plain.img?offset=$((40960 * 512))' 2>/dev/null | grep -q '^device = \"/dev/smsgw-modem\"' && debugfs -R 'cat /etc/fstab' '$work/plain.img?offset=$((40960 * 512))' 2>/dev/null | grep -q 'defaults,noatime'"
rm -f "$work/arm64.img" "$work/x.img" "$work/plain.img"

# ---------------------------------------------------------------------------------------------------
step "flash.sh"
image="$work/gw-debugfs.img"
refuses "refuses a regular file" "not a block device" scripts/flash.sh --dry-run "$image" "$stock"
refuses "refuses a missing device" "does not exist" scripts/flash.sh --dry-run "$image" /dev/does-not-exist
refuses "refuses a missing image" "no image file" scripts/flash.sh --dry-run "$work/none.img" /dev/null
refuses "refuses a character device" "not a block device" scripts/flash.sh --dry-run "$image" /dev/null
rootdev=$(findmnt -no SOURCE / 2>/dev/null)
if [ -b "$rootdev" ]; then
    disk=$(lsblk -ndo PKNAME "$rootdev" 2>/dev/null)
    disk=/dev/${disk:-$(basename "$rootdev")}
    refuses "refuses the disk holding / ($disk)" "holds the running system" scripts/flash.sh --dry-run --yes "$image" "$disk"
else
    skip "refuses the disk holding /" "/ is not on a block device here ($rootdev)"
fi
if [ $is_root = 1 ] && card=$(truncate -s 128M "$work/card.img" && losetup -f --show "$work/card.img" 2>/dev/null); then
    loops+=("$card")
    refuses "refuses a loop device, not removable" "not a removable disk" scripts/flash.sh --dry-run "$image" "$card"
    check "dry run on a loop device writes nothing" bash -c "scripts/flash.sh --dry-run --allow-loop '$image' '$card' | grep -q 'dry run' && cmp -s -n 1048576 '$work/card.img' /dev/zero"
    refuses "no answer, no write" "not written" bash -c "echo no | scripts/flash.sh --allow-loop '$image' '$card'"
    check "still nothing written" cmp -s -n 1048576 "$work/card.img" /dev/zero
    small=$(truncate -s 16M "$work/small.img" && losetup -f --show "$work/small.img" 2>/dev/null) && loops+=("$small")
    refuses "refuses a device too small" "does not fit" scripts/flash.sh --dry-run --allow-loop "$image" "$small"
    check "writes after yes, verified" bash -c "echo yes | scripts/flash.sh --allow-loop '$image' '$card' | grep -q verified"
    check "the card holds the image" cmp -n "$(stat -c %s "$image")" "$image" "$work/card.img"
    xz -T0 -1 -c "$image" >"$work/gw.img.xz"
    truncate -s 0 "$work/card.img" && truncate -s 128M "$work/card.img" && losetup -c "$card"
    check "writes a .xz image with --yes" bash -c "scripts/flash.sh --yes --allow-loop '$work/gw.img.xz' '$card' | grep -q verified && cmp -s -n $(stat -c %s "$image") '$image' '$card'"
    mkfs.ext4 -q -F "$work/card.img" && losetup -c "$card" && mkdir -p "$work/cardmnt" && mount "$card" "$work/cardmnt" &&
        mounts+=("$work/cardmnt")
    refuses "refuses a mounted device" "is mounted" scripts/flash.sh --dry-run --allow-loop "$image" "$card"
    part=""
    for p in /sys/class/block/*; do
        [ -e "$p/partition" ] && [ -b "/dev/${p##*/}" ] && [[ "${p##*/}" != loop* ]] && { part=${p##*/}; break; }
    done
    if [ -n "$part" ] && [ -b "/dev/$part" ]; then
        refuses "refuses a partition (/dev/$part)" "is a partition" scripts/flash.sh --dry-run "$image" "/dev/$part"
    else
        skip "refuses a partition" "no partition device on this machine"
    fi
else
    skip "flash.sh onto a loop device" "needs root and a free loop device"
fi

finish
