#!/bin/bash
# The instance list shows the seeded instances with their columns at 80x24.
. "$(dirname "$0")/screen-lib.bash"

out=$(vt 'wait-text web2; dump')
like "title names the remote and counts" "$out" "lxdeck  local:  Instances \(6\)"
like "column headers" "$out" "NAME. +STATE +IPV4 +SNAPSHOTS +CPU +MEMORY +PROFILES"
like "running instance with its address" "$out" "web1 +Running +10\.0\.3\.3 +1 "
like "frozen instance" "$out" "cache1 +Frozen "
like "stopped instance has no address" "$out" "build +Stopped +2 +- +- +default,docker"
like "memory shown" "$out" "db1 +Running +10\.0\.3\.5 +3 +[0-9.]+s +[0-9.]+MiB"
rows=$(echo "$out" | grep -cE '^  (web1|web2|db1|cache1|build|old-test) ')
is "six rows" "$rows" "6"
last=$(echo "$out" | sed -n 24p)
like "hint bar on the last row" "$last" "^s start  S stop  r restart"
like "help key reachable from the hint bar" "$last" "\? help"

out=$(vt 'wait-text web2; keys :q\r; wait-exit')
like ":q quits cleanly" "$out" "exit 0"
out=$(vt 'wait-text web2; key C-c; wait-exit')
like "Ctrl-C quits" "$out" "exit 0"

# Without --fake, local: is the embedded engine at LXDECK_DIR (never the
# host's /var/lib/lxdeck here).  An empty directory is a fresh engine with no
# instances (root only: the engine needs it); a directory it cannot use is an
# error on screen, and nothing crashes.
if [ "$(id -u)" = 0 ]; then
	eng=$SCREEN_TMP/engine
	mkdir -p "$eng"
	out=$(LXDECK_CMD="$BUILD/lxdeck" VT_ENV="LXDECK_DIR=$eng" vt 'wait-text "No instances"; dump; keys q; wait-exit')
	like "real engine on a fresh LXDECK_DIR: empty list" "$out" "lxdeck  local:  Instances \(0\)"
	like "... and quits normally" "$out" "exit 0"
	ok "... the engine made its database there" test -f "$eng/lxdeck.db"
fi
: >"$SCREEN_TMP/not-a-dir"
out=$(LXDECK_CMD="$BUILD/lxdeck" VT_ENV="LXDECK_DIR=$SCREEN_TMP/not-a-dir" vt 'wait-text "Not connected"; dump; keys q; wait-exit')
like "unusable LXDECK_DIR: the error names it" "$out" "local: .*not-a-dir"
like "list says it is not connected" "$out" "Not connected to local:"
like "quits normally after a backend error" "$out" "exit 0"

# 1,000 instances: all listed.  How fast the first frame comes (the goal is
# 2 s) is wall-clock, which a busy machine moves: tests/bench/tui-bench.sh
# measures it.
out=$(VT_ENV="LXDECK_FAKE_INSTANCES=1000" vt 'wait-text c0020; dump')
like "1000 instances counted" "$out" "Instances \(1000\)"
like "... and their rows drawn" "$out" "c0020 "

# Idle costs nothing: no busy polling while nothing happens.
out=$(vt 'wait-text web2; sleep 300; cpu-ticks; sleep 2000; cpu-ticks')
a=$(echo "$out" | sed -n 's/^cpu //p' | sed -n 1p)
b=$(echo "$out" | sed -n 's/^cpu //p' | sed -n 2p)
ok "idle for 2 s uses at most 2 clock ticks ($a -> $b)" test "$((b - a))" -le 2
done_testing
