#!/bin/bash
# remote-stress.sh - many exec and console websocket sessions against one
# long-lived lxdeckd, on its unix socket and over HTTPS at the same time:
# every fd hand-off (accept -> tls.c -> socketpair -> server.c -> lws ->
# exec/console fds -> exec_close) runs over and over while fd numbers are
# reused.  A libuv watcher left on a closed fd aborts the daemon (epoll MOD
# ENOENT) or silently loses another fd's events (an exit status or console
# output that never comes), so each session checks its output and status,
# and at the end the daemon must be alive, answer on both transports and
# hold no more fds than it started with (plus slack).  Needs root.
# STRESS_ROUNDS=N (default 6); STRESS_DEBUG=1 runs lxdeckd with --debug;
# STRESS_KEEP=FILE keeps its log, fd list and pidfd targets for a look.
# lxdeckd runs under build/tools/uvfdcheck.so, which reports the moment an
# fd is closed under a live libuv watcher (the cause, with a backtrace,
# rather than a later abort), and it is stopped with SIGTERM while
# sessions are open: it must exit with 0 and the checker stay silent.
# run-tests: alone (hundreds of sessions at once: a load the other suites'
# waits should not meet)
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/api/api-lib.inc"
api_need_lxc
command -v openssl >/dev/null || skip_all "no openssl"
RCTL=$BUILD/tools/rctl
TTY=$LXDECK_SRC/tests/api/lxc-tty.py
[ -x "$RCTL" ] || skip_all "build/tools/rctl not built"
ROUNDS=${STRESS_ROUNDS:-6}
api_tmp /tmp/lxdeck-st.XXXXXX
trap 'api_daemon_cleanup dir' EXIT
api_engine_in "$T" dir u h cli
# shellcheck disable=SC2046
env $(uvfdcheck_env "$T/uvfdcheck.log") \
    "$BUILD/lxdeckd" --dir "$T/dir" --socket "$T/unix.socket" --listen "$ADDR" \
    ${STRESS_DEBUG:+--debug} 2>"$T/lxdeckd.log" &
DPID=$!
api_wait_socket "$T/unix.socket"
uvfdcheck_loaded "$DPID"
api_conf_write "$T/u" "$T/unix.socket"
U() { LXD_CONF=$T/u timeout 60 lxc "$@"; }
H() { LXD_CONF=$T/h timeout 60 lxc "$@"; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes \
    -keyout "$T/cli/client.key" -out "$T/cli/client.crt" -days 2 -subj "/CN=stress" 2>/dev/null
ok "trust the rctl certificate" U config trust add "$T/cli/client.crt"
tok=$(U config trust add --name stress-lxc | tail -1)
ok "lxc remote add over HTTPS" H remote add h "$tok"
ok "launch an instance" U launch busybox st1
# a console is one client at a time: each tty worker has its own instance
ok "launch a second instance" U launch busybox st2
UNIX="-a unix://$T/unix.socket"
HTTPS="-a https://$ADDR -c $T/cli -s $T/dir/server.crt"
fds() { ls "/proc/$DPID/fd" 2>/dev/null | wc -l; }
# one warm-up session each way, then count the daemon's fds
"$RCTL" $UNIX exec st1 true >/dev/null 2>&1
"$RCTL" $HTTPS exec st1 true >/dev/null 2>&1
fds0=$(fds)

# worker NAME RCTL-ARGS... : ROUNDS of stdin/stdout, stderr + exit status,
# and a signal death; failures go to $T/fail.NAME
worker() {
	local name=$1 i out rc
	shift
	for i in $(seq 1 "$ROUNDS"); do
		out=$(echo "in-$name-$i" | timeout 30 "$RCTL" "$@" exec st1 sh -c 'cat; echo out' 2>&1)
		[ "$out" = "$(printf 'in-%s-%s\nout' "$name" "$i")" ] ||
		    echo "$name round $i: stdin/stdout gave '$out'" >> "$T/fail.$name"
		timeout 30 "$RCTL" "$@" exec st1 sh -c 'echo e >&2; exit 3' >/dev/null 2>&1
		rc=$?
		[ "$rc" = 3 ] || echo "$name round $i: exit status $rc, not 3" >> "$T/fail.$name"
		timeout 30 "$RCTL" "$@" exec st1 sh -c 'kill -TERM $$' >/dev/null 2>&1
		rc=$?
		[ "$rc" = 143 ] || echo "$name round $i: SIGTERM gave $rc, not 143" >> "$T/fail.$name"
	done
}
# tty NAME CONFDIR REMOTE: interactive exec and console (lxc-tty.py)
tty_worker() {
	local name=$1 conf=$2 inst=$3 i what
	for i in $(seq 1 $((ROUNDS / 2 + 1))); do
		for what in exec console; do
			LXD_CONF=$conf timeout 60 python3 "$TTY" "$what" "$inst" > "$T/tty.$name" 2>&1 ||
			    { echo "$name round $i: $what failed:"; sed 's/^/    /' "$T/tty.$name"; } \
			    >> "$T/fail.$name"
		done
	done
}
start=$(date +%s)
worker unix-a $UNIX & W1=$!
worker https-a $HTTPS & W2=$!
worker https-b $HTTPS & W3=$!
tty_worker tty-unix "$T/u" st1 & W4=$!
tty_worker tty-https "$T/h" h:st2 & W5=$!
wait $W1 $W2 $W3 $W4 $W5
echo "# $((3 * 3 * ROUNDS)) exec and $((4 * (ROUNDS / 2 + 1))) tty sessions in $(( $(date +%s) - start )) s"
for n in unix-a https-a https-b tty-unix tty-https; do
	[ -s "$T/fail.$n" ] && sed 's/^/# /' "$T/fail.$n"
	nok "$n: every session gave its output and status" test -s "$T/fail.$n"
done
kill -0 "$DPID" 2>/dev/null
tap_result $? "lxdeckd survived"
out=$(curl -sk --max-time 10 "https://$ADDR/1.0")
like "lxdeckd still answers over HTTPS" "$out" '"api_version":"1.0"'
out=$(timeout 30 "$RCTL" $UNIX exec st1 echo still-here 2>&1)
is "lxdeckd still runs commands (unix)" "$out" "still-here"
out=$(timeout 30 "$RCTL" $HTTPS exec st1 echo still-here 2>&1)
is "lxdeckd still runs commands (HTTPS)" "$out" "still-here"
# sessions end asynchronously: give the last ones a moment
for i in $(seq 1 50); do [ "$(fds)" -le $((fds0 + 4)) ] && break; sleep 0.1; done
fds1=$(fds)
ok "no fd leaked ($fds0 before, $fds1 after)" test "$fds1" -le $((fds0 + 4)) ||
    ls -l "/proc/$DPID/fd" | sed 's/^/# /'
if [ -n "$STRESS_KEEP" ]; then
	cp "$T/lxdeckd.log" "$STRESS_KEEP"
	ls -l "/proc/$DPID/fd" > "$STRESS_KEEP.fds"
	for f in /proc/$DPID/fdinfo/*; do echo "$f $(grep Pid: "$f")"; done > "$STRESS_KEEP.fdinfo"
fi
# SIGTERM with execs (unix and HTTPS) and an events stream open
U exec st1 -- sleep 60 >/dev/null 2>&1 &
x1=$!
U monitor >/dev/null 2>&1 &
x2=$!
"$RCTL" $HTTPS exec st2 sleep 60 >/dev/null 2>&1 &
x3=$!
sleep 1
kill -TERM "$DPID"
wait "$DPID"
is "SIGTERM with sessions open: lxdeckd exits with 0" "$?" 0
DPID=
kill "$x1" "$x2" "$x3" 2>/dev/null
wait "$x1" "$x2" "$x3" 2>/dev/null
uvfdcheck_clean "$T/uvfdcheck.log"
if [ "$TAP_FAILED" -gt 0 ]; then
	echo "# lxdeckd log (tail):"; tail -15 "$T/lxdeckd.log" | sed 's/^/# /'
fi
done_testing
