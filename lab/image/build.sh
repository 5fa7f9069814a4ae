#!/usr/bin/env bash
# Builds the lab's VM image: a Debian bookworm root with the kernel (IPVS as
# modules), systemd-nspawn, sshd and every package the lab's hosts run. The
# result is cached under ${XDG_CACHE_HOME:-~/.cache}/pulumi-lvs/lab/image-<hash>,
# where <hash> covers this recipe; an unchanged recipe reuses it.
#
# Output: disk.img (ext4), vmlinuz, initrd.img, id_ed25519(.pub) (the lab key),
# hostkeys/<host>.pub (the pinned SSH host keys), recipe (the hash).
# Progress goes to stderr; the image directory is printed on stdout.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib.sh"

# Two cache levels: the slow base (debootstrap + packages) is keyed by the
# package list and the mirror only; the image by the whole recipe.
MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_PKGS=systemd,systemd-sysv,systemd-container,dbus,kmod,iproute2,openssh-server,linux-image-amd64,initramfs-tools
BASE_HASH=$( (echo "$MIRROR $BASE_PKGS"; cat "$HERE/packages.txt") | sha256sum | cut -c1-12)
BASE="$CACHE_ROOT/lab/base-$BASE_HASH"
RECIPE_HASH=$( (echo "$BASE_HASH"; cat "$HERE/build.sh" "$HERE/hosts.txt"; find "$HERE/rootfs" -type f | sort | xargs cat) | sha256sum | cut -c1-12)
OUT="$CACHE_ROOT/lab/image-$RECIPE_HASH"
T0=$SECONDS
say() { printf '    [lab image %3ss] %s\n' $((SECONDS - T0)) "$*" >&2; }

# One build at a time per cache (setup and `lab up` both call this): a second
# caller waits, then finds the image built.
mkdir -p "$CACHE_ROOT/lab"
exec 9>"$CACHE_ROOT/lab/.build.lock"
if ! flock -n 9; then
  say "another build of the lab image is running; waiting for it"
  flock 9
fi

if [ -f "$OUT/disk.img" ]; then
  say "cached: $OUT"
  echo "$OUT"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "lab image: building needs root (debootstrap, chroot)" >&2
  exit 1
fi
for tool in debootstrap mke2fs qemu-system-x86_64 ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "lab image: $tool is missing; run npm run setup" >&2; exit 1; }
done

ROOT=""
cleanup() {
  [ -n "$ROOT" ] || return 0
  for m in dev/pts dev sys proc; do umount "$ROOT/$m" 2>/dev/null || true; done
}
trap cleanup EXIT

if [ ! -f "$BASE/.complete" ]; then
  rm -rf "$BASE"
  mkdir -p "$BASE"
  ROOT="$BASE/rootfs"
  say "debootstrap bookworm (minbase + kernel, systemd, sshd) from $MIRROR"
  debootstrap --variant=minbase --include="$BASE_PKGS" bookworm "$ROOT" "$MIRROR" >"$BASE/debootstrap.log" 2>&1 || {
    tail -n 30 "$BASE/debootstrap.log" >&2
    exit 1
  }
  say "installing packages: $(grep -v '^#' "$HERE/packages.txt" | tr '\n' ' ')"
  mount -t proc proc "$ROOT/proc"
  mount -t sysfs sys "$ROOT/sys"
  mount --bind /dev "$ROOT/dev"
  mount --bind /dev/pts "$ROOT/dev/pts"
  # No service starts inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
  chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    $(grep -v '^#' "$HERE/packages.txt") >"$BASE/apt.log" 2>&1 || {
    tail -n 30 "$BASE/apt.log" >&2
    exit 1
  }
  rm -f "$ROOT/usr/sbin/policy-rc.d"
  chroot "$ROOT" apt-get clean
  cleanup
  touch "$BASE/.complete"
  say "base root done: $BASE"
else
  say "base root cached: $BASE"
fi

WORK="$OUT.building"
rm -rf "$WORK"
mkdir -p "$WORK"
ROOT="$WORK/rootfs"
cp -a "$BASE/rootfs" "$ROOT"

say "configuring"
cp -a "$HERE"/rootfs/. "$ROOT/"
chmod 0755 "$ROOT/usr/sbin/lab-init" "$ROOT/usr/local/sbin/labctl"
# Services the stacks manage start only when a resource enables them; nginx
# and tomcat are enabled per host by labctl (rs*, tomcat*).
for unit in keepalived haproxy nginx tomcat10 ipvsadm apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  fstrim.timer man-db.timer systemd-timesyncd; do
  chroot "$ROOT" systemctl disable "$unit" >/dev/null 2>&1 || true
done
chroot "$ROOT" systemctl enable ssh >/dev/null 2>&1
echo "labvm" >"$ROOT/etc/hostname"
: >"$ROOT/etc/machine-id"
rm -f "$ROOT"/etc/ssh/ssh_host_*

say "keys: the lab key and one SSH host key per lab host"
ssh-keygen -q -t ed25519 -N '' -C pulumi-lvs-lab -f "$WORK/id_ed25519"
install -d -m 0700 "$ROOT/root/.ssh"
install -m 0600 "$WORK/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
mkdir -p "$ROOT/lab/hostkeys" "$WORK/hostkeys"
for host in labvm $(grep -v '^#' "$HERE/hosts.txt"); do
  ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$ROOT/lab/hostkeys/$host"
  cp "$ROOT/lab/hostkeys/$host.pub" "$WORK/hostkeys/$host.pub"
done

say "kernel, initrd and disk image"
cp "$ROOT"/boot/vmlinuz-* "$WORK/vmlinuz"
cp "$ROOT"/boot/initrd.img-* "$WORK/initrd.img"
rm -rf "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/var/cache/apt/*.bin
mke2fs -q -t ext4 -L labroot -d "$ROOT" "$WORK/disk.img" 4G >&2
rm -rf "$ROOT"
echo "$RECIPE_HASH" >"$WORK/recipe"
rm -rf "$OUT"
mv "$WORK" "$OUT"
trap - EXIT
say "built $OUT ($(du -sh "$OUT/disk.img" | cut -f1) used of 4G)"
echo "$OUT"
