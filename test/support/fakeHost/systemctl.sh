#!/bin/sh
# The fake host's systemctl (a shell script, not node: the providers call it
# most often). Each unit's state is a directory /var/lib/fakehost/systemd/<unit>
# holding the files `active` and `enabled` (present = yes), and the counters
# `starts` and `reloads`. A unit exists when its unit file does (or the file
# `known` is in its directory). A unit listed in /var/lib/fakehost/failstart
# fails to start.
S=/var/lib/fakehost/systemd
mkdir -p "$S"
echo "systemctl $*" >> /var/lib/fakehost/calls.log
quiet=; now=; verb=; units=
for a in "$@"; do
  case "$a" in
    -q|--quiet) quiet=1 ;;
    --now) now=1 ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$a; else case "$a" in *.*) units="$units $a" ;; *) units="$units $a.service" ;; esac; fi ;;
  esac
done
exists() { [ -e "/etc/systemd/system/$1" ] || [ -e "/lib/systemd/system/$1" ] || [ -e "/usr/lib/systemd/system/$1" ] || [ -e "$S/$1/known" ]; }
say() { [ -n "$quiet" ] || echo "$1"; }
bump() { n=$(cat "$S/$1/$2" 2>/dev/null || echo 0); echo $((n + 1)) > "$S/$1/$2"; }
rc=0
case "$verb" in
  is-active)
    for u in $units; do if [ -e "$S/$u/active" ]; then say active; else say inactive; rc=3; fi; done ;;
  is-enabled)
    for u in $units; do
      if [ -e "$S/$u/enabled" ]; then say enabled; elif exists "$u"; then say disabled; rc=1; else say not-found; rc=1; fi
    done ;;
  start|restart|reload|try-restart|reload-or-restart)
    for u in $units; do
      exists "$u" || { echo "Failed to $verb $u: Unit $u not found." >&2; exit 5; }
      mkdir -p "$S/$u"
      if [ "$verb" = reload ] && [ ! -e "$S/$u/active" ]; then echo "Job for $u failed: unit is not active." >&2; exit 1; fi
      if grep -qx "$u" /var/lib/fakehost/failstart 2>/dev/null; then echo "Job for $u failed because the control process exited with error code." >&2; exit 1; fi
      touch "$S/$u/active"
      if [ "$verb" = reload ]; then bump "$u" reloads; else bump "$u" starts; fi
    done ;;
  stop)
    for u in $units; do rm -f "$S/$u/active"; done ;;
  enable|disable)
    for u in $units; do
      if [ "$verb" = enable ]; then
        exists "$u" || { echo "Failed to enable unit: Unit file $u does not exist." >&2; exit 1; }
        mkdir -p "$S/$u" && touch "$S/$u/enabled"
        [ -z "$now" ] || touch "$S/$u/active"
      else
        rm -f "$S/$u/enabled"
        [ -z "$now" ] || rm -f "$S/$u/active"
      fi
    done ;;
  daemon-reload) ;;
  list-units)
    for u in $units; do
      if exists "$u"; then if [ -e "$S/$u/active" ]; then echo "$u loaded active running"; else echo "$u loaded inactive dead"; fi; fi
    done ;;
  *)
    echo "systemctl $verb: not supported by the fake host" >&2; exit 2 ;;
esac
exit $rc
