#!/bin/bash
# lxc-more.sh - the rest of a sysadmin's day with the stock lxc client, run
# in one go against lxdeckd on the real engine and against the reference
# LXD 5.0.2, so every assertion is checked against the real thing:
# interactive exec on a pty (size, resize, Ctrl-C, exit status), console
# (type a command, detach, --show-log), info --show-log, IPv4 in the list
# once DHCP answers, info with state and snapshots, config show
# --expanded, profile copy/rename, file push/pull -r, image import
# (unified and split) and export with fingerprint checks, publish from an
# instance and from a snapshot and launch from both, ephemeral instances,
# operation list/show, monitor --type=lifecycle.  Needs root.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/api-lib.inc"
api_need_lxc
command -v python3 >/dev/null || skip_all "no python3 for the pty driver"
TTY=$LXDECK_SRC/tests/api/lxc-tty.py
NL=$'\n'

api_work /tmp/lxdeck-more.XXXXXX

# Every name this suite makes on either server, for the trap.
cleanup_server() {
	local p=$1 i
	for i in a e fi fs; do L delete -f "$p-$i" >/dev/null 2>&1; done
	for i in pc pr; do L profile delete "$p-$i" >/dev/null 2>&1; done
	for i in uni split pubi pubs; do L image delete "$p-$i" >/dev/null 2>&1; done
}
cleanup() {
	if [ -n "$REF_CONF" ]; then
		LXD_CONF=$REF_CONF cleanup_server tmref
		rm -rf "$REF_CONF"
	fi
	if [ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null; then
		cleanup_server tmloc
		kill -TERM "$API_PID"; wait "$API_PID"
	fi
	engine_purge "$API_DIR"
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# tty_checks NAME ARGS...: runs lxc-tty.py and turns its lines into TAP.
tty_checks() {
	local what=$1 line
	shift
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) tap_result 0 "$what: ${line#ok - }" ;;
		"not ok - "*) tap_result 1 "$what: ${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done < <(timeout 120 "$TTY" "$@" 2>&1)
}

is_gone() {
	! L list -c n --format csv | grep -qx "$1"
}

more_scenario() {
	local who=$1 p=$2 a=$2-a out fp fp2 tmp=$WORK/$2 mon rc id pid
	mkdir -p "$tmp"
	cleanup_server "$p"

	ok "$who: launch" L launch busybox "$a"
	# interactive exec and console on a pty
	tty_checks "$who exec" exec "$a"
	tty_checks "$who console" console "$a"
	out=$(L console "$a" --show-log)
	like "$who: console --show-log has what the console printed" "$out" "console-42"
	out=$(L info "$a" --show-log)
	like "$who: info --show-log has a Log section" "$out" $'\nLog:'
	out=${out#*$'\nLog:'}
	ok "$who: the log is the runtime log, not the console" \
		test -z "$(printf '%s' "$out" | grep -e 'console-42' -e 'BusyBox v')"

	# list shows the address once DHCP answers on the bridge
	ok_ipv4 "$who: lxc list shows an IPv4 on eth0 (DHCP)" "$a"
	out=$(L list "^$a\$" -c ns46tS --format csv)
	like "$who: list columns name,state,ipv4,ipv6,type,snapshots" "$out" \
		"^$a,RUNNING,[0-9.]+ \(eth0\),[^,]*,CONTAINER,0$"

	# networks: the server's own bridge (managed, with the instance on it
	# and its lease), the host's interfaces (unmanaged, veths left out)
	local br ip4 mac
	br=$(L config device get "$a" eth0 network 2>/dev/null)
	[ -n "$br" ] || br=$(L profile device get default eth0 network)
	ip4=$(L list "^$a\$" -c 4 --format csv | cut -d' ' -f1)
	mac=$(L config get "$a" volatile.eth0.hwaddr)
	out=$(L network list --format csv)
	like "$who: network list: $br is a managed bridge, created" "$out" \
		"(^|$NL)$br,bridge,YES,[0-9.]+/24,[^,]*,[^,]*,[0-9]+,CREATED($NL|$)"
	out=$(L query /1.0/networks/lo)
	like "$who: /1.0/networks/lo is an unmanaged loopback" "$out" \
		'"managed": false,.*"type": "loopback"'
	out=$(L network list --format csv)
	unlike "$who: network list leaves the containers' veths out" "$out" \
		"(^|$NL)veth"
	out=$(L network show "$br")
	like "$who: network show: ipv4.address" "$out" \
		"(^|$NL)  ipv4.address: [0-9.]+/24($NL|$)"
	like "$who: network show: used by the instance" "$out" \
		"(^|$NL)- /1.0/instances/$a($NL|$)"
	out=$(L network info "$br")
	like "$who: network info: up" "$out" "(^|$NL)State: up($NL|$)"
	like "$who: network info: the bridge's address" "$out" \
		"$NL  inet	[0-9.]+/24 \(global\)"
	like "$who: network info: a bridge with upper devices" "$out" \
		"(^|$NL)Bridge:$NL  ID: 8000\.[0-9a-f]{12}"
	out=$(L network list-leases "$br" --format csv)
	like "$who: network list-leases: the instance's lease" "$out" \
		"(^|$NL)$a,$mac,$ip4,DYNAMIC($NL|$)"
	like "$who: network list-leases: the gateway" "$out" \
		"(^|$NL)$br\.gw,,[0-9.]+,GATEWAY($NL|$)"
	nok "$who: network show of an unknown network fails" \
		L network show nosuch-net0
	out=$(L network info lo)
	like "$who: network info lo: loopback with 127.0.0.1/8" "$out" \
		"Type: loopback$NL.*inet	127\.0\.0\.1/8 \(local\)"

	# info: state and snapshots (recursion=1)
	ok "$who: snapshot" L snapshot "$a" s1
	out=$(L info "$a")
	like "$who: info status" "$out" $'\nStatus: RUNNING\n'
	like "$who: info pid" "$out" $'\nPID: [0-9]+\n'
	like "$who: info processes" "$out" $'\n *Processes: [0-9]+\n'
	like "$who: info memory" "$out" "Memory \(current\): [0-9.]+[KMG]iB"
	like "$who: info eth0 address" "$out" "inet: +[0-9.]+/[0-9]+ \(global\)"
	like "$who: info snapshot table" "$out" $'Snapshots:\n.*\n.*NAME.*TAKEN AT.*EXPIRES AT.*STATEFUL.*\n.*\n\\| s1 +\\| [0-9/]+ [0-9:]+ UTC +\\| +\\| NO'

	# storage: the pool every root disk names, its space, and a volume per
	# instance and per snapshot
	local pool
	pool=$(L profile device get default root pool)
	out=$(L storage list --format csv)
	like "$who: storage list: $pool, created" "$out" \
		"(^|$NL)$pool,(dir|overlay),/[^,]*,[^,]*,[0-9]+,CREATED($NL|$)"
	out=$(L storage show "$pool")
	like "$who: storage show: used by the instance" "$out" \
		"(^|$NL)- /1.0/instances/$a($NL|$)"
	like "$who: storage show: used by the default profile" "$out" \
		"(^|$NL)- /1.0/profiles/default($NL|$)"
	out=$(L query "/1.0/storage-pools/$pool/resources")
	like "$who: pool resources: space and inodes" "$out" \
		'"inodes": \{.*"total": [1-9][0-9]*,.*"space": \{.*"total": [1-9][0-9]*,'
	out=$(L storage volume list "$pool" --format csv)
	like "$who: storage volume list: the instance's volume" "$out" \
		"(^|$NL)container,$a,,filesystem,1($NL|$)"
	like "$who: storage volume list: its snapshot's" "$out" \
		"(^|$NL)container \(snapshot\),$a/s1,,filesystem,1($NL|$)"
	out=$(L storage volume show "$pool" "container/$a/s1")
	like "$who: storage volume show of a snapshot" "$out" "(^|$NL)name: s1($NL|$)"
	nok "$who: storage show of an unknown pool fails" L storage show nosuch-pool

	# warnings: both servers notice a kernel without AppArmor
	local w
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
		w=$(L warning list --all --format csv |
		    awk -F, '$2 == "AppArmor support has been disabled" {print $1}')
		like "$who: warning list: AppArmor support has been disabled" "$w" \
			'^[0-9a-f-]{36}$'
		out=$(L warning show "$w")
		like "$who: warning show: why" "$out" \
			"(^|$NL)last_message: Disabled because of lack of kernel support($NL|$)"
		like "$who: warning show: severity low" "$out" "(^|$NL)severity: low($NL|$)"
		L query -X PUT -d '{"status":"new"}' "/1.0/warnings/$w" >/dev/null
		ok "$who: warning ack" L warning ack "$w"
		unlike "$who: an acknowledged warning leaves the list" \
			"$(L warning list --format csv)" "$w"
		like "$who: ... and shows with --all" "$(L warning list --all --format csv)" \
			"(^|$NL)$w,AppArmor support has been disabled,ACKNOWLEDGED,LOW,[0-9]+,"
		ok "$who: a warning set back to new" \
			L query -X PUT -d '{"status":"new"}' "/1.0/warnings/$w"
		nok "$who: an unknown warning status is refused" \
			L query -X PUT -d '{"status":"bogus"}' "/1.0/warnings/$w"
		nok "$who: warning show of an unknown uuid fails" \
			L warning show 00000000-0000-0000-0000-000000000000
		if [ "$who" = lxdeckd ]; then	# the reference is shared: no delete there
			ok "$who: warning delete" L warning delete "$w"
			nok "$who: a deleted warning is gone" L warning show "$w"
		fi
	fi

	# config show --expanded
	out=$(L config show "$a")
	like "$who: config show: no local devices" "$out" $'\ndevices: \\{\\}\n'
	out=$(L config show --expanded "$a")
	like "$who: config show --expanded: eth0 from the profile" "$out" \
		$'\n  eth0:\n    name: eth0\n    network: [a-z0-9]+\n    type: nic\n'
	like "$who: config show --expanded: root disk" "$out" \
		$'\n  root:\n    path: /\n    pool: default\n    type: disk\n'
	like "$who: config show --expanded: image keys" "$out" $'\n  volatile.base_image: [0-9a-f]{64}\n'

	# profile copy and rename
	ok "$who: profile copy" L profile copy default "$p-pc"
	ok "$who: profile rename" L profile rename "$p-pc" "$p-pr"
	nok "$who: old name gone" L profile show "$p-pc"
	is "$who: copied profile has default's devices" \
		"$(L profile show "$p-pr" | sed -n '/^devices:/,/^name:/{/^name:/!p}')" \
		"$(L profile show default | sed -n '/^devices:/,/^name:/{/^name:/!p}')"
	out=$(L profile list --format csv)
	like "$who: renamed profile listed, unused" "$out" "(^|$NL)$p-pr,[^,]*,0"
	ok "$who: profile delete" L profile delete "$p-pr"

	# file push -r / pull -r: a tree with a mode and a symlink
	mkdir -p "$tmp/tree/a/b" "$tmp/out"
	echo one > "$tmp/tree/a/f1"
	echo two > "$tmp/tree/a/b/f2"
	chmod 600 "$tmp/tree/a/b/f2"
	ln -s f1 "$tmp/tree/a/link"
	ok "$who: file push -r" L file push -r "$tmp/tree" "$a/root/"
	is "$who: pushed file inside" "$(L exec "$a" -- cat /root/tree/a/b/f2)" "two"
	is "$who: pushed mode inside" "$(L exec "$a" -- stat -c %a /root/tree/a/b/f2)" "600"
	is "$who: pushed symlink inside" "$(L exec "$a" -- readlink /root/tree/a/link)" "f1"
	ok "$who: file pull -r" L file pull -r "$a/root/tree" "$tmp/out"
	ok "$who: pulled tree equals the pushed one" diff -r -x link "$tmp/tree" "$tmp/out/tree"
	is "$who: pulled mode" "$(stat -c %a "$tmp/out/tree/a/b/f2")" "600"
	# LXD 5.0.2 hands out a symlink's target made absolute inside the
	# container (a link that dangles on the host); lxdeckd gives the
	# target as stored, as readlink inside shows it.
	if [ "$who" = ref ]; then
		is "$who: pulled symlink" "$(readlink "$tmp/out/tree/a/link")" "/root/tree/a/f1"
	else
		is "$who: pulled symlink" "$(readlink "$tmp/out/tree/a/link")" "f1"
	fi

	# operation list / show right after an operation (kept ~5 s)
	ok "$who: snapshot for the operation list" L snapshot "$a" s2
	out=$(L operation list --format csv)
	like "$who: operation list shows the snapshot op" "$out" \
		"[0-9a-f-]{36},TASK,Snapshotting instance,SUCCESS,NO,"
	# (the reference LXD may be serving others too: take our op)
	for id in $(printf '%s\n' "$out" | grep ',Snapshotting instance,' | cut -d, -f1); do
		L operation show "$id" | grep -q "/1.0/instances/$a\$" && break
	done
	out=$(L operation show "$id")
	like "$who: operation show: id" "$out" "(^|$NL)id: $id"
	like "$who: operation show: status" "$out" $'\nstatus: Success\nstatus_code: 200\n'
	like "$who: operation show: resources" "$out" "/1.0/instances/$a"
	nok "$who: operation show of an unknown id fails" \
		L operation show 00000000-0000-0000-0000-000000000000

	# monitor --type=lifecycle sees only lifecycle events
	L monitor --type=lifecycle --format=json > "$tmp/mon.json" 2>&1 &
	mon=$!
	sleep 1
	ok "$who: pause" L pause "$a"
	ok "$who: start (unfreeze)" L start "$a"
	sleep 1
	kill "$mon" 2>/dev/null; wait "$mon" 2>/dev/null
	out=$(cat "$tmp/mon.json")
	like "$who: monitor saw instance-paused" "$out" '"action": ?"instance-paused"'
	like "$who: monitor saw instance-resumed" "$out" '"action": ?"instance-resumed"'
	ok "$who: monitor printed only lifecycle events" \
		test -z "$(grep -E '"type": ?"' "$tmp/mon.json" | grep -vE '"type": ?"lifecycle"')"

	# an exec whose client goes away while the instance is paused: the
	# server kills the command (frozen, it ends only once thawed) and
	# goes on answering meanwhile; once resumed, the command is gone
	lxc exec "$a" -- sleep 47 >/dev/null 2>&1 &
	pid=$!
	wait_for 20 L exec "$a" -- sh -c 'ps | grep -q "[s]leep 47"'
	ok "$who: pause under a running exec" L pause "$a"
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	sleep 0.5
	ok "$who: answers while an abandoned command is frozen" \
		timeout 10 lxc list "^$a\$" --format csv
	ok "$who: start (unfreeze) after the client went away" L start "$a"
	ok "$who: the abandoned command is gone once resumed" \
		wait_for 20 eval "! L exec $a -- sh -c 'ps | grep -q \"[s]leep 47\"'"
	if [ "$who" = lxdeckd ]; then
		ok "$who: no child left unreaped" wait_for 10 \
			eval "! ps --ppid $API_PID -o stat= | grep -q Z"
	fi

	# image export: the file hashes to the fingerprint
	fp=$(L image info busybox | awk '/^Fingerprint:/ {print $2}')
	ok "$who: image export" L image export busybox "$tmp/exp"
	is "$who: exported unified image hashes to its fingerprint" \
		"$(cat "$tmp"/exp* | sha256sum | cut -d' ' -f1)" "$fp"

	# image import, unified (a fresh build) and split (meta + rootfs)
	"$LXDECK_SRC/scripts/build-image" busybox "$tmp/uni.tar.gz" >/dev/null
	ok "$who: image import unified" L image import "$tmp/uni.tar.gz" --alias "$p-uni"
	is "$who: unified fingerprint = sha256 of the file" \
		"$(L image info "$p-uni" | awk '/^Fingerprint:/ {print $2}')" \
		"$(sha256sum < "$tmp/uni.tar.gz" | cut -d' ' -f1)"
	mkdir -p "$tmp/unpack/m"
	tar -xzf "$tmp/uni.tar.gz" -C "$tmp/unpack"
	mv "$tmp/unpack/metadata.yaml" "$tmp/unpack/m/"
	sed -i 's/^\(  description: \).*/\1split image/' "$tmp/unpack/m/metadata.yaml"
	tar -C "$tmp/unpack/m" -czf "$tmp/meta.tar.gz" metadata.yaml
	tar -C "$tmp/unpack/rootfs" -czf "$tmp/rootfs.tar.gz" .
	ok "$who: image import split" L image import "$tmp/meta.tar.gz" "$tmp/rootfs.tar.gz" --alias "$p-split"
	fp2=$(L image info "$p-split" | awk '/^Fingerprint:/ {print $2}')
	is "$who: split fingerprint = sha256(meta || rootfs)" "$fp2" \
		"$(cat "$tmp/meta.tar.gz" "$tmp/rootfs.tar.gz" | sha256sum | cut -d' ' -f1)"
	ok "$who: image export of a split image" L image export "$p-split" "$tmp/sexp"
	ok "$who: split export: two files" test -f "$tmp/sexp" -a -f "$tmp/sexp.root"
	is "$who: split export hashes to its fingerprint" \
		"$(cat "$tmp/sexp" "$tmp/sexp.root" | sha256sum | cut -d' ' -f1)" "$fp2"
	ok "$who: launch from the split image" L launch "$p-split" "$p-fs"
	is "$who: split-image instance runs commands" "$(L exec "$p-fs" -- echo split-ok)" "split-ok"
	ok "$who: delete it" L delete -f "$p-fs"

	# publish from an instance and from a snapshot, launch from each
	ok "$who: publish a snapshot" L publish "$a/s1" --alias "$p-pubs"
	ok "$who: publish a running instance (--force)" L publish "$a" --alias "$p-pubi" --force
	is "$who: instance running again after publish --force" "$(api_state "$a")" "RUNNING"
	out=$(L image list --format csv)
	like "$who: published images listed" "$out" "$p-pubi,"
	like "$who: published snapshot listed" "$out" "$p-pubs,"
	ok "$who: launch from the published instance" L launch "$p-pubi" "$p-fi"
	ok "$who: file from before publish is in it" L exec "$p-fi" -- test -f /root/tree/a/f1
	ok "$who: launch from the published snapshot" L launch "$p-pubs" "$p-fs"
	nok "$who: snapshot image predates the pushed file" L exec "$p-fs" -- test -e /root/tree
	ok "$who: delete the instances" L delete -f "$p-fi" "$p-fs"
	ok "$who: delete the images" L image delete "$p-pubi" "$p-pubs" "$p-uni" "$p-split"

	# ephemeral: deleted when stopped
	ok "$who: launch --ephemeral" L launch busybox "$p-e" --ephemeral
	out=$(L list "^$p-e\$" -c nst --format csv)
	is "$who: ephemeral shown as such" "$out" "$p-e,RUNNING,CONTAINER (EPHEMERAL)"
	ok "$who: stop the ephemeral instance" L stop -f "$p-e"
	ok "$who: ephemeral instance deleted on stop" wait_for 10 is_gone "$p-e"

	ok "$who: delete" L delete -f "$a"
}

# The reference LXD first, then lxdeckd on the engine.
if command -v lxd >/dev/null && sock=$("$LXDECK_SRC/scripts/lxd-ref"); then
	api_conf "$sock"
	REF_CONF=$API_CONF
	more_scenario "ref" tmref
	unset LXD_CONF
else
	echo "# reference LXD not available: lxdeckd only"
fi
API_BACKEND=local api_start_lxdeckd || { echo "not ok - lxdeckd starts"; exit 1; }
more_scenario "lxdeckd" tmloc
api_stop_lxdeckd
done_testing
