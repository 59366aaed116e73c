#!/bin/bash
# exec-loop-bench.sh - how long other requests wait while execs run, on
# lxdeckd and on the reference LXD 5.0.2 side by side in one run (same
# stock lxc client, same busybox image).  Not part of make test: the figures
# are wall-clock and a busy 2-core box moves them; tests/api/exec-loop.sh
# checks the cause instead (the loop never does an attach's work itself).
#
#   tests/bench/exec-loop-bench.sh
#
# For each daemon, GET /1.0 is sent back to back from one process
# (build/tools/uxget, one connection per request) while: nothing runs
# (idle); one `lxc exec C -- true` runs every 100 ms (spaced: the kernel's
# cgroup.procs lock is cold each time and its first taker waits an RCU
# grace period, 10-15 ms here); four clients run execs back to back.
# Printed: median, p90 and max latency of GET /1.0 per phase and the ratio
# LXD / lxdeckd.
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
for t in lxc python3; do
	command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }
done
make -s -j2 build/lxdeckd build/tools/engctl build/tools/uxget >/dev/null

P=elb$$
WORK=$(mktemp -d /tmp/exec-loop-bench.XXXXXX)
chmod 711 "$WORK"
DIR=$WORK/dir
mkdir -p "$DIR" "$WORK/ref" "$WORK/loc"
REF_SOCK=$(scripts/lxd-ref)
LOC_SOCK=$WORK/unix.socket
for k in ref loc; do
	s=$REF_SOCK; [ $k = loc ] && s=$LOC_SOCK
	printf 'default-remote: t\nremotes:\n  t:\n    addr: unix://%s\n    public: false\n' \
	    "$s" > "$WORK/$k/config.yml"
done
scripts/build-image busybox "$WORK/bb.tar.gz" >/dev/null
build/tools/engctl -d "$DIR" image-import "$WORK/bb.tar.gz" busybox >/dev/null
DPID=
cleanup() {
	set +e
	touch "$WORK/stop"
	wait 2>/dev/null
	LXD_CONF=$WORK/ref lxc delete -f "$P" >/dev/null 2>&1
	LXD_CONF=$WORK/loc lxc delete -f "$P" >/dev/null 2>&1
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID"
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
build/lxdeckd --dir "$DIR" --socket "$LOC_SOCK" 2>"$WORK/lxdeckd.log" &
DPID=$!
for i in $(seq 1 100); do [ -S "$LOC_SOCK" ] && break; sleep 0.05; done

# measure K SOCK: prints "phase median p90 max" lines
measure() {
	local k=$1 s=$2 med fast p90 max n p99 w wp
	X() { LXD_CONF=$WORK/$k lxc exec "$P" -- true >/dev/null 2>&1; }
	read -r med fast p90 max n p99 < <(build/tools/uxget -q -t 2000 "$s" /1.0)
	echo "idle $med $p90 $max"
	(for i in $(seq 1 25); do X; sleep 0.1; done) &
	wp=$!
	sleep 0.3
	read -r med fast p90 max n p99 < <(build/tools/uxget -q -t 2000 "$s" /1.0)
	wait $wp
	echo "spaced $med $p90 $max"
	rm -f "$WORK/stop"
	wp=
	for w in 1 2 3 4; do (while [ ! -e "$WORK/stop" ]; do X; done) & wp="$wp $!"; done
	sleep 0.5
	read -r med fast p90 max n p99 < <(build/tools/uxget -q -t 3000 "$s" /1.0)
	touch "$WORK/stop"
	wait $wp
	echo "busy $med $p90 $max"
}
for k in ref loc; do
	LXD_CONF=$WORK/$k lxc launch busybox "$P" >/dev/null || { echo "launch on $k failed" >&2; exit 1; }
	LXD_CONF=$WORK/$k lxc exec "$P" -- true
done
measure ref "$REF_SOCK" > "$WORK/ref.out"
measure loc "$LOC_SOCK" > "$WORK/loc.out"
printf '%-28s %10s %10s %8s\n' "GET /1.0 while execs run" lxdeckd LXD ratio
paste -d" " "$WORK/loc.out" "$WORK/ref.out" | cut -d" " -f1-4,6-8 | awk '{
	split("median p90 max", f, " ")
	for (i = 1; i <= 3; i++)
		printf "%-28s %10.2f %10.2f %7.1fx\n", $1 " " f[i] " (ms)", $(1 + i), $(4 + i),
		    ($(1 + i) > 0 ? $(4 + i) / $(1 + i) : 0)
}'
