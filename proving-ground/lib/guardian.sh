#!/bin/sh
# The guardian: outlives its owner (a test run, or the cluster:up supervisor)
# just long enough to stop every process group the owner started. The owner
# writes "watch <pgid>" / "forget <pgid>" lines on our stdin and "release"
# after a clean stop. If stdin closes without "release", the owner died
# (crash, SIGKILL, a test-runner timeout) and we clean up.
# A shell script rather than Node: it idles at ~1 MiB instead of ~60.
# Usage: guardian.sh <cluster dir>
dir="$1"
trap '' INT HUP
groups=" "
released=""
while IFS= read -r line; do
  case "$line" in
    "watch "*) groups="$groups${line#watch } " ;;
    "forget "*) groups=$(printf '%s' "$groups" | sed "s/ ${line#forget } / /") ;;
    release) released=1 ;;
  esac
done
[ -n "$released" ] && exit 0

echo "$(date -u +%FT%TZ) owner went away; stopping process groups:$groups" >> "$dir/guardian.log"
for group in $groups; do kill -TERM -- "-$group" 2>/dev/null; done
sleep 3
for group in $groups; do kill -KILL -- "-$group" 2>/dev/null; done
# Anything else naming a path in the cluster directory (a pod process started
# after its last "watch" line, say) goes too.
if [ -d /proc/self ]; then
  for entry in /proc/[0-9]*; do
    pid=${entry#/proc/}
    [ "$pid" = "$$" ] && continue
    if tr '\0' ' ' < "$entry/cmdline" 2>/dev/null | grep -qF -- "$dir/"; then
      echo "$(date -u +%FT%TZ) killing leftover $pid" >> "$dir/guardian.log"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
fi
# The cluster network (network/node-network.ts): pod namespaces, the node namespace (its links and the
# host's route go with it) and the host end of the host link, should building have stopped half-way.
if [ -f "$dir/network" ]; then
  read -r netns hostlink < "$dir/network"
  for name in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
    case "$name" in "$netns"-*) ip netns delete "$name" 2>/dev/null ;; esac
  done
  ip netns delete "$netns" 2>/dev/null
  ip link delete "$hostlink" 2>/dev/null
  echo "$(date -u +%FT%TZ) removed network $netns" >> "$dir/guardian.log"
fi
echo "$(date -u +%FT%TZ) done" >> "$dir/guardian.log"
