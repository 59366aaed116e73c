#!/bin/bash
# restart.sh - lxdeckd faults on the real engine, driven by the stock lxc
# client:
#   - SIGTERM: lxdeckd exits cleanly and the containers keep running; a new
#     lxdeckd picks them up (lxc list shows them Running with their IPv4
#     addresses, exec works, stop/start work, events flow);
#   - kill -9 during a create (a copy of an instance with 30,000 files, so
#     the create is caught half-way): the worker dies with the daemon, the
#     next start removes the half-made instance, lxc list is consistent and
#     the name can be used again; the running containers survive the kill.
# Needs root.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/api-lib.inc"
api_need_lxc

api_engine_dir /tmp/lxdeck-restart.XXXXXX
cleanup() {
	[ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null && kill -KILL "$API_PID"
	engine_purge "$API_DIR"
	rm -rf --one-file-system "$API_DIR" "$API_TMP" "$API_CONF"
}
trap cleanup EXIT

pid_of() {
	L list "^$1\$" -c p --format csv
}
# lxdeckd without the api-lib teardown (which removes the socket's dir).
start_daemon() {
	rm -rf "$API_TMP" "$API_CONF"
	API_BACKEND=local api_start_lxdeckd
}

ok "lxdeckd starts" start_daemon
ok "launch rs-a" L launch busybox rs-a
ok "launch rs-b" L launch busybox rs-b
ok_ipv4 "rs-a gets an IPv4" rs-a
ok_ipv4 "rs-b gets an IPv4" rs-b
pa=$(pid_of rs-a)
pb=$(pid_of rs-b)
like "rs-a has an init pid" "$pa" '^[0-9]+$'
ip_a=$(L list "^rs-a\$" -c 4 --format csv)

# 1. SIGTERM: containers keep running, a new daemon picks them up
kill -TERM "$API_PID"
rc=0; wait "$API_PID" || rc=$?
is "SIGTERM: lxdeckd exits with status 0" "$rc" 0
ok "SIGTERM: socket removed" test ! -e "$API_SOCK"
ok "rs-a still running without the daemon" kill -0 "$pa"
ok "rs-b still running without the daemon" kill -0 "$pb"
ok "lxdeckd starts again" start_daemon
out=$(L list -c ns4 --format csv)
ok "list after restart: rs-a Running with its IPv4" has_line "rs-a,RUNNING,$ip_a" "$out"
like "list after restart: rs-b Running with an IPv4" "$out" "rs-b,RUNNING,[0-9.]+ \(eth0\)"
is "rs-a is the same container (same init pid)" "$(pid_of rs-a)" "$pa"
is "exec works after restart" "$(L exec rs-a -- echo back)" "back"
L monitor --type=lifecycle --format=json > "$API_TMP/mon.json" 2>&1 &
mon=$!
sleep 0.5
ok "stop after restart" L stop -f rs-b
ok "start after restart" L start rs-b
sleep 0.5
kill "$mon" 2>/dev/null; wait "$mon" 2>/dev/null
like "events after restart" "$(cat "$API_TMP/mon.json")" '"action": ?"instance-started"'

# 2. kill -9 during a create
ok "30,000 files in rs-a" L exec rs-a -- sh -c \
	'mkdir -p /root/many && cd /root/many && i=0; while [ $i -lt 30000 ]; do echo $i > f$i; i=$((i+1)); done'
L copy rs-a rs-c >/dev/null 2>&1 &
cp=$!
creating() {
	L operation list --format csv | grep -q ',Creating instance,RUNNING,'
}
ok "the copy is under way" wait_for 10 creating
sleep 0.3
workers=$(pgrep -P "$API_PID")
like "a helper process does the copy" "$workers" '^[0-9]+'
# the helpers and what they run (cp) share the helper's process group
workers=$(for w in $workers; do pgrep -g "$w"; done)
kill -KILL "$API_PID"
wait "$API_PID" 2>/dev/null
wait "$cp"
is "the client's copy failed with the daemon" "$?" 1
ok "a half-made rs-c was left on disk" test -d "$API_DIR/containers/rs-c"
ok "rs-a survived kill -9" kill -0 "$pa"
sleep 1
alive_workers() {
	local w
	for w in $workers; do
		case "$(ps -o stat= -p "$w" 2>/dev/null)" in
		""|Z*) ;;		# gone, or dead and not yet reaped
		*) echo "$w" ;;
		esac
	done
}
out=$(alive_workers)
[ -n "$out" ] && ps -o pid,ppid,stat,args -p "$out" | sed 's/^/# /'
is "the helper died with the daemon" "$out" ""
ok "lxdeckd starts after kill -9" start_daemon
out=$(L list -c ns --format csv)
ok "the half-made instance is gone from the list" sh -c "! printf '%s\n' '$out' | grep -q '^rs-c,'"
ok "and from the disk" test ! -e "$API_DIR/containers/rs-c"
like "rs-a and rs-b still listed Running" "$out" "rs-a,RUNNING.*rs-b,RUNNING"
nok "rs-c is not found" L info rs-c
ok "the name can be used again" L launch busybox rs-c
is "and the new rs-c runs commands" "$(L exec rs-c -- echo new)" "new"
ok "copy works too" L copy rs-a rs-d --instance-only
ok "delete them" L delete -f rs-c rs-d

api_stop_lxdeckd
done_testing
