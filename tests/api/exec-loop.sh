#!/bin/bash
# exec-loop.sh - an exec must not stall lxdeckd's other clients.  liblxc's
# attach runs in a helper process (engine/instance-exec.c), and it never
# writes a pid into cgroup.procs, whose kernel lock makes the first taker
# after a quiet spell wait an RCU grace period (10-15 ms here): the old
# code did both on the loop.  Three checks:
#  - execs started together each keep their stdin, output and status;
#  - one exec every 100 ms (the lock cold each time): no GET /1.0 sent
#    meanwhile waits 10 ms (the old code: every exec stalled one request
#    25-35 ms; now the slowest is 3-4 ms);
#  - four clients running execs back to back: the median and 90th
#    percentile of GET /1.0 stay close to the idle ones.
# A 2-core box is noisy (the lxc clients themselves eat CPU), so a round
# that fails is measured again, up to three times, each against a fresh
# idle baseline.  EXECLOOP_DAEMON=PATH runs another lxdeckd binary (to
# compare).  In a sanitized tree (make SANITIZER=address test-api) the
# execs still run, once each, and what was measured is printed, but the two
# timing checks say "# SKIP": ASan slows every call, LeakSanitizer's exit
# scans add their own, so those numbers say nothing about the loop.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for real containers"
command -v lxc >/dev/null || skip_all "no lxc client"
UXGET=$BUILD/tools/uxget
[ -x "$UXGET" ] || skip_all "build/tools/uxget not built"
DAEMON=${EXECLOOP_DAEMON:-$BUILD/lxdeckd}
T=$(mktemp -d /tmp/lxdeck-el.XXXXXX)
cleanup() {
	touch "$T/stop"
	[ -n "$WPIDS" ] && wait $WPIDS 2>/dev/null
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	engine_purge "$T/dir"
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
chmod 755 "$T"
mkdir -p "$T/dir" "$T/u"
engine_busybox "$T/dir" "$T/bb.tar.gz" ||
    { echo "not ok 1 - busybox image for the engine"; exit 1; }
S=$T/unix.socket
"$DAEMON" --dir "$T/dir" --socket "$S" 2>"$T/lxdeckd.log" &
DPID=$!
for i in $(seq 1 100); do [ -S "$S" ] && break; sleep 0.05; done
printf 'default-remote: u\nremotes:\n  u:\n    addr: unix://%s\n    public: false\n' \
    "$S" > "$T/u/config.yml"
U() { LXD_CONF=$T/u timeout 60 lxc "$@"; }
ok "launch an instance" U launch busybox el1
U exec el1 -- true

# Execs started together: each keeps its output, stdin and status.
PPIDS=
for i in $(seq 1 8); do
	(out=$(echo "in$i" | U exec el1 -- sh -c "cat; echo out$i; exit $i" 2>&1)
	 echo "$? $out" | tr '\n' ' ' > "$T/par.$i") &
	PPIDS="$PPIDS $!"
done
wait $PPIDS
bad=0
for i in $(seq 1 8); do
	[ "$(cat "$T/par.$i")" = "$i in$i out$i " ] || { bad=1; echo "# exec $i: $(cat "$T/par.$i")"; }
done
is "8 concurrent execs keep stdin, stdout and status" "$bad" 0

# gt A B: A > B (decimal)
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
ROUNDS="1 2 3"
SAN=
if sanitized_build; then
	ROUNDS=1
	SAN="timing under a sanitizer ($(grep -o -- '-fsanitize=[^ ]*' "$BUILD/.cflags" | head -1))"
fi
# timing_is "what" PASS: the check, or its skip in a sanitized tree
timing_is() {
	if [ -n "$SAN" ]; then
		skip "$1" "$SAN"
	else
		is "$1" "$2" 1
	fi
}

# One exec every 100 ms: no request waits for an attach.
pass=0
for round in $ROUNDS; do
	(for i in $(seq 1 25); do U exec el1 -- true; sleep 0.1; done) &
	SP=$!
	sleep 0.3
	read -r smed sfast sp90 smax sn sp99 < <("$UXGET" -q -t 2500 "$S" /1.0)
	wait $SP
	echo "# spaced round $round: GET /1.0 during execs median $smed p99 $sp99 max $smax ms ($sn)"
	if ! gt "$smax" 10; then
		pass=1
		break
	fi
done
timing_is "GET /1.0 never waits 10 ms while one exec runs every 100 ms" "$pass"

# worker: `lxc exec el1 -- true` back to back until $T/stop exists
worker() {
	while [ ! -e "$T/stop" ]; do
		U exec el1 -- true || echo x >> "$T/werr"
		echo . >> "$T/wcount.$1"
	done
}
W=4
pass=0
for round in $ROUNDS; do
	rm -f "$T/stop" "$T/wcount".*
	read -r imed ifast ip90 imax in ip99 < <("$UXGET" -q -t 1500 "$S" /1.0)
	WPIDS=
	for w in $(seq 1 $W); do worker "$w" & WPIDS="$WPIDS $!"; done
	sleep 0.5
	read -r bmed bfast bp90 bmax bn bp99 < <("$UXGET" -q -t 3000 "$S" /1.0)
	touch "$T/stop"
	wait $WPIDS
	WPIDS=
	nexec=$(cat "$T/wcount".* 2>/dev/null | wc -l)
	echo "# round $round: idle GET /1.0 median $imed p90 $ip90 max $imax ms ($in);" \
	    "during $nexec execs median $bmed p90 $bp90 max $bmax ms ($bn)"
	# the loop is free: the median request waits for no attach, and the
	# 90th percentile stays in the range of a busy 2-core scheduler.
	# Measured here: idle median 0.06 p90 0.08 ms; busy median 0.14-0.18
	# p90 1.5-2.2 ms (the old code, back to back so the kernel lock is
	# mostly warm: median 0.16, p90 2.0-2.5, max 24-29 ms).
	if gt "$nexec" 20 && ! gt "$bmed" "$(awk -v m="$imed" 'BEGIN { print m * 2 + 0.2 }')" &&
	    ! gt "$bp90" "$(awk -v m="$ip90" 'BEGIN { print m * 4 + 2.0 }')"; then
		pass=1
		break
	fi
done
timing_is "GET /1.0 stays fast while execs run (median, p90 vs idle)" "$pass"
ok "no exec failed meanwhile" test ! -s "$T/werr"
ok "daemon still answers" "$UXGET" -q "$S" /1.0
done_testing
