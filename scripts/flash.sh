#!/usr/bin/env bash
# Writes an image to an SD card (or USB stick), refusing anything that could be the wrong disk.
#
#   scripts/flash.sh [--yes] [--dry-run] [--no-verify] [--allow-loop] IMAGE[.xz|.gz] DEVICE
#
# DEVICE must be a whole block device (/dev/sdX, /dev/mmcblkN, or a /dev/disk/by-id/ name for one),
# removable (an SD card reader or USB disk), not mounted, and not the disk the running system is on.
# It shows the disk's model and size and asks for "yes" unless --yes; --dry-run does every check and
# says what it would write, writing nothing. After writing, the card is read back and compared with
# the image (--no-verify skips that). --allow-loop accepts a loop device (an image file attached
# with losetup), which is never removable.
set -euo pipefail

die() { echo "flash: $*" >&2; exit 1; }

yes=0 dry=0 verify=1 allow_loop=0
args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --yes | -y) yes=1 ;;
    --dry-run | -n) dry=1 ;;
    --no-verify) verify=0 ;;
    --allow-loop) allow_loop=1 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (--help)" ;;
    *) args+=("$1") ;;
    esac
    shift
done
[ ${#args[@]} = 2 ] || die "usage: flash.sh [--yes] [--dry-run] IMAGE DEVICE"
image=${args[0]}
device=${args[1]}

[ -f "$image" ] || die "no image file at $image"
case "$image" in
*.xz) size=$(xz --robot --list "$image" | awk '$1 == "totals" { print $5 }'); reader=(xz -dc "$image") ;;
*.gz) size=$(gzip -dc "$image" | wc -c); reader=(gzip -dc "$image") ;;
*) size=$(stat -c %s "$image"); reader=(cat "$image") ;;
esac
[ "${size:-0}" -gt 0 ] || die "$image is empty"

# The device, after following /dev/disk/by-* links.
[ -e "$device" ] || die "$device does not exist"
dev=$(readlink -f "$device")
[ -b "$dev" ] || die "$device is not a block device (a regular file? write images to files with cp)"
name=$(basename "$dev")
sys="/sys/class/block/$name"
[ -e "$sys" ] || die "$dev: not in /sys/class/block"
if [ -e "$sys/partition" ]; then
    parent=$(basename "$(readlink -f "$sys/..")")
    die "$dev is a partition: give the whole disk (/dev/$parent)"
fi

# The disk holding the running system: the device of / (and of /boot, /usr), up to its whole disk.
whole_disk_of() { # MAJ:MIN -> disk name
    local p
    p=$(readlink -f "/sys/dev/block/$1" 2>/dev/null) || return 0
    [ -e "$p/partition" ] && p=$(dirname "$p")
    basename "$p"
}
system_disks=()
for m in / /boot /boot/firmware /usr /var; do
    mountpoint -q "$m" 2>/dev/null || continue
    d=$(whole_disk_of "$(mountpoint -d "$m")")
    [ -n "$d" ] && system_disks+=("$d")
done
# Also by source device (device-mapper and some containers report a different st_dev).
src=$(findmnt -no SOURCE / 2>/dev/null || true)
if [ -b "$src" ]; then
    d=$(lsblk -ndo PKNAME "$src" 2>/dev/null || true)
    system_disks+=("${d:-$(basename "$(readlink -f "$src")")}")
fi
for d in "${system_disks[@]}"; do
    [ "$d" = "$name" ] && die "$dev holds the running system (/): refusing to overwrite it"
done

# Mounted anywhere, or used as swap: the disk or any partition on it.
mounted=$(lsblk -nrpo NAME,MOUNTPOINT "$dev" 2>/dev/null | awk 'NF >= 2 { print $1 " on " $2 }')
[ -z "$mounted" ] || die "$dev is mounted ($(echo "$mounted" | paste -sd, -)): unmount it first"
while read -r swap _; do
    case "$(readlink -f "$swap")" in "$dev" | "$dev"[0-9]* | "$dev"p[0-9]*) die "$dev is in use as swap ($swap)" ;; esac
done < <(tail -n +2 /proc/swaps)

# Removable: the kernel's flag, or a USB or MMC transport (card readers do not always set the flag).
removable=$(cat "$sys/removable" 2>/dev/null || echo 0)
tran=$(lsblk -ndo TRAN "$dev" 2>/dev/null | tr -d ' ' || true)
case "$name" in
loop*)
    [ $allow_loop = 1 ] || die "$dev is a loop device, not a removable disk (--allow-loop to write to it)"
    ;;
*)
    if [ "$removable" != 1 ] && [ "$tran" != usb ] && [ "$tran" != mmc ] && [[ "$name" != mmcblk* ]]; then
        die "$dev is not a removable disk (removable=$removable, transport=${tran:-none}): refusing"
    fi
    ;;
esac

capacity=$(blockdev --getsize64 "$dev")
[ "$size" -le "$capacity" ] || die "$image ($size bytes) does not fit on $dev ($capacity bytes)"

model=$(lsblk -ndo VENDOR,MODEL "$dev" 2>/dev/null | tr -s ' ' | sed 's/^ //; s/ $//' || true)
human() { numfmt --to=iec-i --suffix=B "$1" 2>/dev/null || echo "$1 bytes"; }
echo "device:   $dev${model:+ ($model)}, $(human "$capacity")${tran:+, $tran}"
echo "image:    $image, $(human "$size")"
if [ $dry = 1 ]; then
    echo "dry run:  would write $size bytes to $dev$([ $verify = 1 ] && echo " and read them back to compare")"
    exit 0
fi
if [ $yes = 0 ]; then
    printf 'Everything on %s will be lost. Type yes to write: ' "$dev"
    read -r answer || answer=""
    [ "$answer" = yes ] || die "not written"
fi

"${reader[@]}" | dd of="$dev" bs=4M iflag=fullblock oflag=direct conv=fsync status=progress
sync
if [ $verify = 1 ]; then
    echo "verifying"
    # Read back through the page cache's back door: drop what the write left there.
    blockdev --flushbufs "$dev" 2>/dev/null || true
    if ! cmp -n "$size" <("${reader[@]}") "$dev"; then
        die "$dev does not read back as the image: the card may be failing"
    fi
fi
blockdev --rereadpt "$dev" 2>/dev/null || true
echo "flash: $image written to $dev$([ $verify = 1 ] && echo ", verified"); remove the card and boot the board"
