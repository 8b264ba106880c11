#!/usr/bin/env bash
# Makes a ready-to-flash SD card image with smsgw installed, from a stock Raspberry Pi OS Lite (or
# Debian raspi) image: a FAT boot partition and an ext4 root partition.
#
#   scripts/make-image.sh --image STOCK.img[.xz] --deb smsgw_<version>_<arch>.deb --out OUT.img
#       [--config smsgw.toml] [--hostname NAME] [--ssh] [--ssh-key KEY.pub]
#       [--read-only-root] [--data-size SIZE] [--method auto|debugfs|loop] [--any-arch]
#
# What it does to the copy (the stock image is not touched):
#   - the package's files go into the root partition, registered in the image's dpkg database
#     (so a later `apt install ./smsgw_<newer>.deb` upgrades it normally); what its postinst would
#     do is done by editing files, since a foreign-architecture postinst cannot run here: the smsgw
#     user and group in passwd/group/shadow/gshadow (members of dialout and gpio, gpio created when
#     missing), the config's owner and mode (root:smsgw 0640), the unit enabled by its symlink;
#   - --config FILE becomes /etc/smsgw/smsgw.toml (else the package's);
#   - --hostname sets /etc/hostname and /etc/hosts; --ssh enables the ssh server on first boot;
#     --ssh-key FILE lets that key log in as root (and implies --ssh);
#   - --data-size SIZE (e.g. 512M, 2G) adds a third partition, ext4 labelled smsgw-data, mounted at
#     /var/lib/smsgw: the queue lives there (the service waits for the mount);
#   - --read-only-root mounts the root and boot partitions read-only (cmdline.txt and fstab) with
#     tmpfs on /tmp, /var/tmp, /var/log and the few other places the system writes to, masks the
#     services that would write to the root (swap file, apt and man-db timers), and makes the ssh
#     host keys now (unique to this image) because the first boot could not. Use it with
#     --data-size so the queue has a writable home. `mount -o remount,rw /` for maintenance.
#
# No root needed: partitions are read and changed with sfdisk, the boot partition with mtools and
# the ext4 partitions with debugfs and mkfs.ext4 at an offset inside the image file (--method
# debugfs, the default). --method loop mounts the root partition through a loop device instead
# (root only); auto uses debugfs.
set -euo pipefail
umask 022

die() { echo "make-image: $*" >&2; exit 1; }
note() { echo "make-image: $*"; }

image="" deb="" out="" config="" hostname="" ssh=0 ssh_key="" read_only=0 data_size="" method=auto any_arch=0
while [ $# -gt 0 ]; do
    case "$1" in
    --image) image=$2; shift 2 ;;
    --deb) deb=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --hostname) hostname=$2; shift 2 ;;
    --ssh) ssh=1; shift ;;
    --ssh-key) ssh_key=$2; ssh=1; shift 2 ;;
    --read-only-root) read_only=1; shift ;;
    --data-size) data_size=$2; shift 2 ;;
    --method) method=$2; shift 2 ;;
    --any-arch) any_arch=1; shift ;;
    -h | --help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (--help)" ;;
    esac
done
[ -n "$image" ] && [ -n "$deb" ] && [ -n "$out" ] || die "--image, --deb and --out are required (--help)"
[ -f "$image" ] || die "no image at $image"
[ -f "$deb" ] || die "no package at $deb"
[ -z "$config" ] || [ -f "$config" ] || die "no config file at $config"
[ -z "$ssh_key" ] || [ -f "$ssh_key" ] || die "no ssh key at $ssh_key"
if [ -n "$hostname" ] && ! [[ "$hostname" =~ ^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$ ]]; then
    die "not a valid host name: $hostname"
fi
[ $read_only = 0 ] || [ -n "$data_size" ] || die "--read-only-root needs --data-size: the queue must live on a writable partition"
case "$method" in
auto | debugfs) method=debugfs ;;
loop) [ "$(id -u)" = 0 ] || die "--method loop needs root" ;;
*) die "--method auto, debugfs or loop" ;;
esac
for tool in sfdisk mcopy mtype debugfs mkfs.ext4 dpkg-deb; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt install fdisk mtools e2fsprogs dpkg)"
done

# Sizes like 512M, 2G, 100MiB, or bytes.
to_bytes() {
    local v=${1%iB} n unit
    n=${v%[KkMmGg]}
    unit=${v#"$n"}
    [[ "$n" =~ ^[0-9]+$ ]] || die "not a size: $1"
    case "$unit" in
    "") echo "$n" ;;
    K | k) echo $((n * 1024)) ;;
    M | m) echo $((n * 1024 * 1024)) ;;
    G | g) echo $((n * 1024 * 1024 * 1024)) ;;
    esac
}

work=$(mktemp -d)
mounts=()
cleanup() {
    local m
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# The copy that becomes the new image.
note "copying $image to $out"
case "$image" in
*.xz) xz -dc "$image" >"$out" ;;
*.gz) gzip -dc "$image" >"$out" ;;
*.zip) unzip -p "$image" '*.img' >"$out" ;;
*) cp --sparse=always "$image" "$out" ;;
esac

# Partitions: the boot partition is the first FAT one, the root the first Linux one after it.
part_field() { # INDEX FIELD
    sfdisk --json "$out" | python3 -c "import json,sys; p=json.load(sys.stdin)['partitiontable']; \
x=p['partitions'][$1] if $1 >= 0 else p; print(x.get('$2',''))"
}
sector=$(sfdisk --json "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable'].get('sectorsize',512))")
label=$(part_field -1 label)
nparts=$(sfdisk --json "$out" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['partitiontable']['partitions']))")
boot_idx="" root_idx=""
for ((i = 0; i < nparts; i++)); do
    type=$(part_field "$i" type)
    case "${type,,}" in
    b | c | e | ebd0a0a2-b9e5-4433-87c0-68b6b72699c7 | c12a7328-f81f-11d2-ba4b-00a0c93ec93b)
        [ -n "$boot_idx" ] || boot_idx=$i ;;
    83 | 0fc63daf-8483-4772-8e79-3d69d8477de4 | b921b045-1df0-41c3-af44-4c6f280d3fae | 69dad710-2ce4-4e3c-b16c-21a1d49abed3)
        [ -n "$root_idx" ] || root_idx=$i ;;
    esac
done
[ -n "$boot_idx" ] && [ -n "$root_idx" ] || die "$image: no FAT boot partition and Linux root partition"
boot_off=$(($(part_field "$boot_idx" start) * sector))
root_off=$(($(part_field "$root_idx" start) * sector))
root_len=$(($(part_field "$root_idx" size) * sector))
note "partition table $label; boot at byte $boot_off, root at byte $root_off"

boot_img="$out@@$boot_off"
mtype -i "$boot_img" ::/cmdline.txt >/dev/null 2>&1 || die "no cmdline.txt in the boot partition"

# ---- the data partition (made before anything is mounted) ---------------------------------------
data_start=""
if [ -n "$data_size" ]; then
    bytes=$(to_bytes "$data_size")
    [ "$bytes" -ge $((16 * 1024 * 1024)) ] || die "--data-size: at least 16M"
    # After the last partition, on a 4 MiB boundary.
    size=$(stat -c %s "$out")
    start=$(((size + 4194303) / 4194304 * 4194304))
    truncate -s $((start + bytes)) "$out"
    [ "$label" != gpt ] || sfdisk -q --relocate gpt-bak-std "$out"
    echo "start=$((start / sector)), size=$((bytes / sector)), type=$([ "$label" = gpt ] && echo 0FC63DAF-8483-4772-8E79-3D69D8477DE4 || echo 83)" |
        sfdisk -q --append --no-reread --no-tell-kernel "$out" >/dev/null
    mkfs.ext4 -q -F -L smsgw-data -E "offset=$start" "$out" $((bytes / 1024))k
    # The gateway's alone (its owner is set once the smsgw user is known).
    debugfs -w -R "sif / mode 040750" "$out?offset=$start" 2>/dev/null
    data_start=$start
    note "data partition: $data_size at byte $start, for /var/lib/smsgw"
fi

# ---- the root file system: a few primitives over debugfs, or over a mount ----------------------
rootfs="$out?offset=$root_off"
mnt=""
if [ "$method" = loop ]; then
    mnt="$work/root"
    mkdir -p "$mnt"
    mount -o "loop,offset=$root_off,sizelimit=$root_len" "$out" "$mnt" || die "cannot loop-mount the root partition"
    mounts=("$mnt")
fi

dfs() { debugfs -R "$1" "$rootfs" 2>/dev/null; }
# Runs debugfs commands from stdin read-write; any complaint is an error.
dfs_batch() {
    local err
    err=$(debugfs -w -f - "$rootfs" 2>&1 >/dev/null | grep -v '^debugfs [0-9]' || true)
    [ -z "$err" ] || die "writing the root partition: $err"
}
# b_type PATH: dir, file, link or none (the last component is not followed).
b_type() {
    if [ -n "$mnt" ]; then
        if [ -L "$mnt$1" ]; then echo link; elif [ -d "$mnt$1" ]; then echo dir; elif [ -e "$mnt$1" ]; then echo file; else echo none; fi
        return
    fi
    case "$(dfs "stat \"$1\"" | sed -n 's/.*Type: \([a-z]*\).*/\1/p' | head -1)" in
    directory) echo dir ;;
    symlink) echo link ;;
    "") echo none ;;
    *) echo file ;;
    esac
}
b_readlink() {
    if [ -n "$mnt" ]; then readlink "$mnt$1"; return; fi
    local fast
    fast=$(dfs "stat \"$1\"" | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
    if [ -n "$fast" ]; then echo "$fast"; else dfs "cat \"$1\""; fi
}
# Resolves symlinks in the directories of PATH inside the image (never on this machine), so
# /lib/systemd/system lands in usr/lib on a merged-/usr root.
declare -A resolved
resolve_dir() {
    local path=$1 cur="" comp target depth=0
    [ -n "${resolved[$path]:-}" ] && { echo "${resolved[$path]}"; return; }
    local rest=${path#/}
    while [ -n "$rest" ]; do
        comp=${rest%%/*}
        if [ "$comp" = "$rest" ]; then rest=""; else rest=${rest#*/}; fi
        case "$comp" in "" | .) continue ;; ..) cur=${cur%/*}; continue ;; esac
        if [ "$(b_type "$cur/$comp")" = link ]; then
            depth=$((depth + 1))
            [ $depth -lt 20 ] || die "symlink loop at $path"
            target=$(b_readlink "$cur/$comp")
            case "$target" in /*) cur="" ;; esac
            rest="${target#/}${rest:+/$rest}"
        else
            cur="$cur/$comp"
        fi
    done
    resolved[$path]=${cur:-/}
    echo "${cur:-/}"
}
real_path() { # PATH with its directory resolved
    local d
    d=$(resolve_dir "$(dirname "$1")")
    echo "${d%/}/$(basename "$1")"
}
b_get() { # PATH LOCAL
    local p
    p=$(real_path "$1")
    if [ -n "$mnt" ]; then cp "$mnt$p" "$2"; else dfs "dump \"$p\" \"$2\"" >/dev/null; [ -f "$2" ]; fi
}
b_mkdir() { # PATH MODE UID GID (parents too, like mkdir -p; a symlink to a directory will do)
    local p parent
    p=$(resolve_dir "$1")
    [ "$(b_type "$p")" = dir ] && return 0
    parent=$(dirname "$p")
    [ "$parent" = / ] || [ "$(b_type "$parent")" = dir ] || b_mkdir "$parent" 0755 0 0
    if [ -n "$mnt" ]; then
        install -d -m "$2" -o "$3" -g "$4" "$mnt$p"
    else
        printf 'mkdir "%s"\nsif "%s" mode 040%s\nsif "%s" uid %s\nsif "%s" gid %s\n' \
            "$p" "$p" "${2: -3}" "$p" "$3" "$p" "$4" | dfs_batch
    fi
}
b_put() { # LOCAL PATH MODE UID GID (replaces)
    local p
    p=$(real_path "$2")
    b_mkdir "$(dirname "$p")" 0755 0 0
    if [ -n "$mnt" ]; then
        rm -f "$mnt$p"
        install -m "$3" -o "$4" -g "$5" "$1" "$mnt$p"
    else
        [ "$(b_type "$p")" = none ] || printf 'rm "%s"\n' "$p" | dfs_batch
        printf 'cd "%s"\nwrite "%s" "%s"\nsif "%s" mode 0100%s\nsif "%s" uid %s\nsif "%s" gid %s\n' \
            "$(dirname "$p")" "$1" "$(basename "$p")" "$p" "${3: -3}" "$p" "$4" "$p" "$5" | dfs_batch
    fi
}
b_symlink() { # PATH TARGET (replaces)
    local p
    p=$(real_path "$1")
    b_mkdir "$(dirname "$p")" 0755 0 0
    if [ -n "$mnt" ]; then
        ln -sfn "$2" "$mnt$p"
    else
        [ "$(b_type "$p")" = none ] || printf 'rm "%s"\n' "$p" | dfs_batch
        printf 'cd "%s"\nsymlink "%s" "%s"\n' "$(dirname "$p")" "$(basename "$p")" "$2" | dfs_batch
    fi
}
# Owner and mode of an existing file, as "MODE UID GID".
b_stat() {
    local p
    p=$(real_path "$1")
    if [ -n "$mnt" ]; then stat -c '%a %u %g' "$mnt$p"; return; fi
    dfs "stat \"$p\"" | awk '/^Inode:/ { for (i = 1; i <= NF; i++) if ($i == "Mode:") m = $(i + 1) }
        /^User:/ { u = $2; g = $4 } END { printf "%s %s %s\n", substr(m, length(m) - 3), u, g }'
}
b_exists() { [ "$(b_type "$(real_path "$1")")" != none ]; }

[ "$(b_type /etc)" = dir ] || die "the root partition has no /etc: not a root file system"
for f in /etc/passwd /etc/group /etc/shadow /etc/fstab; do b_exists "$f" || die "the root partition has no $f"; done

# ---- the package -------------------------------------------------------------------------------
pkg="$work/pkg"
dpkg-deb -x "$deb" "$pkg"
dpkg-deb -e "$deb" "$pkg/DEBIAN"
pkg_arch=$(dpkg-deb -f "$deb" Architecture)
pkg_version=$(dpkg-deb -f "$deb" Version)
if b_exists /var/lib/dpkg/status; then
    b_get /var/lib/dpkg/status "$work/status"
    img_arch=$(awk '/^Package: (base-files|libc6|dpkg)$/ { p = 1 } p && /^Architecture:/ { print $2; exit }' "$work/status")
    if [ -n "$img_arch" ] && [ "$img_arch" != "$pkg_arch" ] && [ $any_arch = 0 ]; then
        die "the package is $pkg_arch but the image is $img_arch (--any-arch to install it anyway)"
    fi
fi
note "installing smsgw $pkg_version ($pkg_arch)"
while IFS= read -r rel; do
    src="$pkg/$rel"
    if [ -L "$src" ]; then
        b_symlink "/$rel" "$(readlink "$src")"
    elif [ -d "$src" ]; then
        b_mkdir "/$rel" "$(stat -c %a "$src")" 0 0
    else
        b_put "$src" "/$rel" "$(stat -c %a "$src")" 0 0
    fi
done < <(cd "$pkg" && find . -path ./DEBIAN -prune -o -mindepth 1 -printf '%P\n' | LC_ALL=C sort)

# ---- what postinst does ------------------------------------------------------------------------
for f in passwd group shadow; do b_get "/etc/$f" "$work/$f"; done
have_gshadow=0
if b_exists /etc/gshadow; then b_get /etc/gshadow "$work/gshadow"; have_gshadow=1; fi
days=$(($(date +%s) / 86400))
# A free system id, from 999 down, as useradd --system picks it.
free_id() { # FILE
    local id
    for ((id = 999; id >= 100; id--)); do
        cut -d: -f3 "$1" | grep -qx "$id" || { echo "$id"; return; }
    done
    die "no free system id in $1"
}
add_group() { # NAME
    grep -q "^$1:" "$work/group" && return 0
    local gid
    gid=$(free_id "$work/group")
    echo "$1:x:$gid:" >>"$work/group"
    [ $have_gshadow = 0 ] || echo "$1:!::" >>"$work/gshadow"
}
add_member() { # GROUP USER
    local f
    for f in group gshadow; do
        [ -f "$work/$f" ] || continue
        awk -F: -v OFS=: -v g="$1" -v u="$2" '$1 == g {
            n = split($NF, m, ","); found = 0
            for (i = 1; i <= n; i++) if (m[i] == u) found = 1
            if (!found) $NF = ($NF == "" ? u : $NF "," u) } { print }' "$work/$f" >"$work/$f.new"
        mv "$work/$f.new" "$work/$f"
    done
}
add_group gpio
add_group dialout
add_group smsgw
smsgw_gid=$(awk -F: '$1 == "smsgw" { print $3 }' "$work/group")
if ! grep -q '^smsgw:' "$work/passwd"; then
    uid=$(free_id "$work/passwd")
    echo "smsgw:x:$uid:$smsgw_gid:smsgw SMS gateway:/var/lib/smsgw:/usr/sbin/nologin" >>"$work/passwd"
    echo "smsgw:!:$days::::::" >>"$work/shadow"
fi
smsgw_uid=$(awk -F: '$1 == "smsgw" { print $3 }' "$work/passwd")
add_member dialout smsgw
add_member gpio smsgw
for f in passwd group shadow gshadow; do
    [ -f "$work/$f" ] || continue
    # shellcheck disable=SC2046 # mode uid gid
    b_put "$work/$f" "/etc/$f" $(b_stat "/etc/$f")
done
note "user smsgw: uid $smsgw_uid, gid $smsgw_gid, in dialout and gpio"

if [ -n "$config" ]; then cp "$config" "$work/smsgw.toml"; else cp "$pkg/etc/smsgw/smsgw.toml" "$work/smsgw.toml"; fi
b_put "$work/smsgw.toml" /etc/smsgw/smsgw.toml 0640 0 "$smsgw_gid"
b_mkdir /var/lib/smsgw 0750 "$smsgw_uid" "$smsgw_gid"
b_symlink /etc/systemd/system/multi-user.target.wants/smsgw.service /lib/systemd/system/smsgw.service

# The package in the image's dpkg database, as dpkg would have left it.
if [ -f "$work/status" ]; then
    info=/var/lib/dpkg/info
    (cd "$pkg" && find . -path ./DEBIAN -prune -o -printf '/%P\n' | sed 's|^/$|/.|' | LC_ALL=C sort) >"$work/smsgw.list"
    b_put "$work/smsgw.list" "$info/smsgw.list" 0644 0 0
    for f in md5sums conffiles postinst prerm postrm; do
        [ -f "$pkg/DEBIAN/$f" ] || continue
        mode=0644
        [ -x "$pkg/DEBIAN/$f" ] && mode=0755
        b_put "$pkg/DEBIAN/$f" "$info/smsgw.$f" $mode 0 0
    done
    # Conffiles are recorded with the package's checksum: a changed --config counts as the
    # administrator's change and is kept on upgrade.
    awk 'BEGIN { RS = ""; ORS = "\n\n" } $0 !~ /^Package: smsgw(\n|$)/' "$work/status" >"$work/status.new"
    {
        grep -v '^$' "$pkg/DEBIAN/control" | sed '/^Package:/a Status: install ok installed'
        echo "Conffiles:"
        while IFS= read -r c; do echo " $c $(md5sum <"$pkg$c" | cut -d' ' -f1)"; done <"$pkg/DEBIAN/conffiles"
        echo
    } >>"$work/status.new"
    # shellcheck disable=SC2046
    b_put "$work/status.new" /var/lib/dpkg/status $(b_stat /var/lib/dpkg/status)
    if b_exists /var/lib/dpkg/statoverride; then b_get /var/lib/dpkg/statoverride "$work/statoverride"; else : >"$work/statoverride"; fi
    grep -v ' /etc/smsgw/smsgw.toml$' "$work/statoverride" >"$work/statoverride.new" || true
    echo "root smsgw 0640 /etc/smsgw/smsgw.toml" >>"$work/statoverride.new"
    b_put "$work/statoverride.new" /var/lib/dpkg/statoverride 0644 0 0
fi

# ---- host name and ssh ---------------------------------------------------------------------------
if [ -n "$hostname" ]; then
    echo "$hostname" >"$work/hostname"
    b_put "$work/hostname" /etc/hostname 0644 0 0
    if b_exists /etc/hosts; then b_get /etc/hosts "$work/hosts"; else printf '127.0.0.1\tlocalhost\n' >"$work/hosts"; fi
    if grep -q '^127\.0\.1\.1' "$work/hosts"; then
        sed -i "s/^127\.0\.1\.1.*/127.0.1.1\t$hostname/" "$work/hosts"
    else
        printf '127.0.1.1\t%s\n' "$hostname" >>"$work/hosts"
    fi
    b_put "$work/hosts" /etc/hosts 0644 0 0
    note "host name $hostname"
fi
if [ $ssh = 1 ]; then
    # Raspberry Pi OS enables the ssh server on the first boot when the boot partition has "ssh".
    : >"$work/ssh"
    mcopy -o -i "$boot_img" "$work/ssh" ::/ssh
    b_symlink /etc/systemd/system/multi-user.target.wants/ssh.service /lib/systemd/system/ssh.service
    if [ -n "$ssh_key" ]; then
        b_mkdir /root/.ssh 0700 0 0
        b_put "$ssh_key" /root/.ssh/authorized_keys 0600 0 0
    fi
    note "ssh enabled${ssh_key:+, key for root}"
fi

# ---- the data partition in fstab --------------------------------------------------------------
b_get /etc/fstab "$work/fstab"
if [ -n "$data_size" ]; then
    debugfs -w -R "sif / uid $smsgw_uid" "$out?offset=$data_start" 2>/dev/null
    debugfs -w -R "sif / gid $smsgw_gid" "$out?offset=$data_start" 2>/dev/null
    # nofail: a missing data partition still lets the board boot (ssh in to see why); the service
    # requires the mount, so the queue never lands on the root file system instead.
    printf 'LABEL=smsgw-data  /var/lib/smsgw  ext4  defaults,noatime,nofail,x-systemd.device-timeout=30s  0  2\n' >>"$work/fstab"
    printf '[Unit]\nRequiresMountsFor=/var/lib/smsgw\n' >"$work/data.conf"
    b_put "$work/data.conf" /etc/systemd/system/smsgw.service.d/data.conf 0644 0 0
    note "data partition mounted at /var/lib/smsgw (fstab), owned by smsgw"
fi

# ---- read-only root ------------------------------------------------------------------------------
if [ $read_only = 1 ]; then
    mtype -i "$boot_img" ::/cmdline.txt | tr -d '\r' | head -1 >"$work/cmdline.txt"
    sed -i -e 's/\(^\| \)rw\( \|$\)/ /g' -e 's/\(^\| \)ro\( \|$\)/ /g' -e 's/^ *//' -e 's/ *$/ ro/' "$work/cmdline.txt"
    mcopy -o -i "$boot_img" "$work/cmdline.txt" ::/cmdline.txt
    # ro on / and the boot partition; tmpfs where the running system writes.
    awk -v OFS='\t' '!/^#/ && NF >= 4 && ($2 == "/" || $2 == "/boot" || $2 == "/boot/firmware") {
        n = split($4, o, ","); s = "ro"
        for (i = 1; i <= n; i++) if (o[i] != "rw" && o[i] != "ro" && o[i] != "defaults") s = s "," o[i]
        $4 = s } { print }' "$work/fstab" >"$work/fstab.new"
    mv "$work/fstab.new" "$work/fstab"
    tmpfs_line() { printf 'tmpfs  %s  tmpfs  %s  0  0\n' "$1" "$2" >>"$work/fstab"; }
    tmpfs_line /tmp nosuid,nodev,mode=1777,size=64m
    tmpfs_line /var/tmp nosuid,nodev,mode=1777,size=16m
    tmpfs_line /var/log nosuid,nodev,noexec,mode=0755,size=32m
    for d in /var/lib/systemd /var/lib/NetworkManager /var/lib/dhcpcd /var/lib/dhcpcd5 /var/spool; do
        [ "$(b_type "$(real_path "$d")")" = dir ] && tmpfs_line "$d" nosuid,nodev,mode=0755,size=8m
    done
    for u in dphys-swapfile.service apt-daily.timer apt-daily-upgrade.timer man-db.timer \
        regenerate_ssh_host_keys.service; do
        b_symlink "/etc/systemd/system/$u" /dev/null
    done
    # NetworkManager keeps writing /run/NetworkManager/resolv.conf; the root's copy cannot change.
    if b_exists /etc/NetworkManager && [ "$(b_type /etc/resolv.conf)" != link ]; then
        b_symlink /etc/resolv.conf ../run/NetworkManager/resolv.conf
    fi
    if [ $ssh = 1 ] && command -v ssh-keygen >/dev/null; then
        mkdir -p "$work/keys/etc/ssh"
        ssh-keygen -q -A -f "$work/keys"
        for k in "$work"/keys/etc/ssh/ssh_host_*; do
            case "$k" in *.pub) m=0644 ;; *) m=0600 ;; esac
            b_put "$k" "/etc/ssh/$(basename "$k")" $m 0 0
        done
        note "ssh host keys made for this image"
    fi
    note "root and boot partitions read-only"
fi
b_put "$work/fstab" /etc/fstab 0644 0 0

if [ -n "$mnt" ]; then umount "$mnt"; mounts=(); fi
note "wrote $out"
