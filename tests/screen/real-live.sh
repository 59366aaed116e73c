#!/bin/bash
# Changes made by another process (engctl here) show up without a key
# press.  Until the engine forwards other processes' lifecycle events the
# TUI's fallback poll finds them; LXDECK_POLL_MS makes it fast for the test,
# and the default poll costs nothing while idle.
. "$(dirname "$0")/real-lib.bash"

E init busybox rl-a >/dev/null
ok "one stopped container" test "$(E list | wc -l)" = 1

out=$(POLL_MS=250 rvt "wait-match 'rl-a +Stopped'; shell $ENGCTL start rl-a >/dev/null; wait-match 'rl-a +Running'; row 2; shell $ENGCTL launch busybox rl-b >/dev/null; wait-match 'rl-b +Running'; row 0; wait-match 'rl-b +Running +[0-9]+\.'; row 3; shell $ENGCTL stop rl-a -f >/dev/null; wait-match 'rl-a +Stopped'; row 2; shell $ENGCTL delete rl-a >/dev/null; wait-gone rl-a; row 0")
like "started elsewhere: Running" "$(echo "$out" | sed -n 1p)" "rl-a +Running"
like "launched elsewhere: appears" "$(echo "$out" | sed -n 2p)" "Instances \(2\)"
like "... and its address follows" "$(echo "$out" | sed -n 3p)" "rl-b +Running +$(real_subnet)[0-9]+ "
like "stopped elsewhere: Stopped" "$(echo "$out" | sed -n 4p)" "rl-a +Stopped"
like "deleted elsewhere: gone" "$(echo "$out" | sed -n 5p)" "Instances \(1\)"

# Without LXDECK_POLL_MS the poll is slow: idle costs (almost) nothing.
out=$(LXDECK_CMD="$BUILD/lxdeck" VT_ENV="LXDECK_DIR=$LXDECK_DIR" vt 'wait-match "rl-b +Running +[0-9]"; sleep 300; cpu-ticks; sleep 2000; cpu-ticks')
a=$(echo "$out" | sed -n 's/^cpu //p' | sed -n 1p)
b=$(echo "$out" | sed -n 's/^cpu //p' | sed -n 2p)
ok "idle over the real engine for 2 s: at most 2 clock ticks ($a -> $b)" test "$((b - a))" -le 2
done_testing
