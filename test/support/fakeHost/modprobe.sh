#!/bin/sh
# modprobe stand-in on a fake host: "loads" a module by making its directory
# under /sys/module (a private tmpfs there), as the kernel shows a loaded one.
# Modules named nosuch* are missing, as modprobe reports them.
n=""
for a; do case $a in -*) ;; *) n=$a ;; esac; done
case $n in
  "") echo "modprobe: ERROR: missing parameters. See -h." >&2; exit 1 ;;
  nosuch*) echo "modprobe: FATAL: Module $n not found in directory /lib/modules/fake" >&2; exit 1 ;;
esac
mkdir -p "/sys/module/$(printf '%s' "$n" | tr - _)"
