#!/bin/bash
# console-remote.sh - shell and console panes on a remote (root): the TUI
# switched with `:remote NAME` to (a) lxdeckd on a unix socket with the real
# engine and (b) the reference LXD daemon (scripts/lxd-ref), both read from
# the lxc client's config ($LXD_CONF/config.yml).  On each: `e` opens a shell
# through the exec websocket, a command's output is read from the screen,
# the pane's size reaches the container (window-resize on the control
# channel) and changes with a resize, Ctrl-a q detaches to the list, and `c`
# attaches the console websocket and gets a prompt from the container's init.
. "$(dirname "$0")/screen-lib.bash"
[ "$(id -u)" = 0 ] || skip_all "needs root"

T=$(mktemp -d /tmp/lxdeck-rcons.XXXXXX)
chmod 755 "$T"
D=$T/dir
SOCK=$T/unix.socket
E() { "$BUILD/tools/engctl" -d "$D" "$@"; }
DPID=
REF_CT=
REF_CONF=
cleanup() {
	local c
	if [ -n "$REF_CT" ]; then
		LXD_CONF=$REF_CONF timeout 60 lxc delete -f "$REF_CT" >/dev/null 2>&1
	fi
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	for c in $(E list 2>/dev/null | awk '{print $1}'); do
		E stop "$c" -f >/dev/null 2>&1
		E delete "$c" >/dev/null 2>&1
	done
	umount -R "$D"/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$T" "$SCREEN_TMP"
}
trap cleanup EXIT

mkdir -p "$D" "$T/local" "$T/lxc"
chmod 755 "$D" "$T/local"
ok "build the busybox image" "$LXDECK_SRC/scripts/build-image" busybox "$T/bb.tar.gz"
ok "import it into lxdeckd's directory" E image-import "$T/bb.tar.gz" busybox
ok "launch rc1 there" E launch busybox rc1

"$BUILD/lxdeckd" --socket "$SOCK" --dir "$D" 2>"$T/lxdeckd.log" &
DPID=$!
for i in $(seq 1 100); do
	[ -S "$SOCK" ] && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
ok "lxdeckd listens on $SOCK" test -S "$SOCK"

# The lxc client's config names the remotes; lxdeck's local: is an empty
# directory of its own, so only the remote has instances.
printf 'default-remote: dk\nremotes:\n  dk:\n    addr: unix://%s\n    public: false\n' \
    "$SOCK" >"$T/lxc/config.yml"

# rvts: the real lxdeck under vtscreen, script on stdin.
rvts() {
	"$VTSCREEN" -s "${SIZE:-80x24}" -t "${VT_TIMEOUT:-15000}" -- \
	    env -i PATH="$PATH" TERM=xterm-256color LANG=C.UTF-8 \
	    HOME="$SCREEN_TMP" XDG_CONFIG_HOME="$SCREEN_TMP/config" \
	    LXD_CONF="$T/lxc" LXDECK_THEME_DIR="$LXDECK_SRC/themes" \
	    LXDECK_DIR="$T/local" "$BUILD/lxdeck" 2>&1
}

# A shell through lxdeckd: output, size, resize, detach.
out=$(rvts <<'EOF'
wait-text Instances (0)
keys :remote dk\r
wait-text rc1
row 0
keys e
wait-text rc1:~#
row 9
keys echo remote-$((6*7)) term=$TERM\r
wait-text remote-42
keys stty size\r
wait-text 12 80
resize 100 30
sleep 500
keys stty size\r
wait-text 16 100
dump
keys \x01q
wait-text Tab pane
row 0
dump
EOF
)
like "lxdeckd: :remote dk shows its instances" "$out" "dk:.*Instances \(1\)"
like "lxdeckd: e opens a shell pane" "$out" " 1 shell rc1 \[running\] +C-a q detach"
like "lxdeckd: a command's output" "$out" "remote-42 term=xterm-256color"
like "lxdeckd: the pty has the pane's size" "$out" $'\n12 80'
like "lxdeckd: resize reaches the container" "$out" $'\n16 100'
like "lxdeckd: detach: the list has the keys" "$out" "Instances \(1\).*\[1 pane\]"
like "lxdeckd: the list is above the pane" "$out" "rc1 +Running"

# The console through lxdeckd.
out=$(rvts <<'EOF'
wait-text Instances (0)
keys :remote dk\r
wait-text rc1
keys c
wait-text Enter for a prompt
keys \x03\r
wait-text rc1:/#
keys echo console-$((2+3))\r
wait-text console-5
dump
keys \x01q
wait-text Tab pane
row 0
EOF
)
like "lxdeckd: c attaches the console" "$out" " 1 console rc1 "
like "lxdeckd: a command on the console" "$out" "console-5"
like "lxdeckd: detach from the console" "$out" "\[1 pane\]"

# The instance stopped from outside under a remote shell: the pane says so.
out=$(rvts <<EOF
wait-text Instances (0)
keys :remote dk\r
wait-text rc1
keys e
wait-text rc1:~#
shell "$BUILD/tools/engctl" -d "$D" stop rc1 -f
wait-match 1 shell rc1 \[(exited|closed)
dump
keys \x01q
wait-text Tab pane
row 0
EOF
)
like "lxdeckd: stopped from outside: the title bar says so" "$out" "1 shell rc1 \[(exited [0-9]+|closed)"
like "lxdeckd: stopped from outside: the pane offers to reconnect" "$out" "r reconnect"
like "lxdeckd: the list still works" "$(echo "$out" | tail -1)" "Instances \(1\)"
E start rc1 >/dev/null 2>&1; sleep 1

# The connection drops (lxdeckd killed) under a remote shell.
out=$(rvts <<EOF
wait-text Instances (0)
keys :remote dk\r
wait-text rc1
keys e
wait-text rc1:~#
shell kill -KILL $DPID
wait-match 1 shell rc1 \[(exited|closed)
dump
keys \x01q
keys jk
sleep 200
row 0
EOF
)
like "lxdeckd gone: the pane says the session ended" "$out" "1 shell rc1 \[(exited|closed)"
like "lxdeckd gone: the list keeps working" "$(echo "$out" | tail -1)" "lxdeck +dk:"
# (killed above by the script; if it stopped early, kill it here: no hang)
kill -KILL "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null
rm -f "$SOCK"
"$BUILD/lxdeckd" --socket "$SOCK" --dir "$D" 2>>"$T/lxdeckd.log" &
DPID=$!
for i in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
ok "lxdeckd restarted" test -S "$SOCK"

# The reference LXD daemon, through the stock lxc client's config.
if REF_SOCK=$("$LXDECK_SRC/scripts/lxd-ref" 2>"$T/lxd-ref.log" | tail -1) && [ -S "$REF_SOCK" ]; then
	REF_CONF=$T/lxc
	printf 'default-remote: ref\nremotes:\n  dk:\n    addr: unix://%s\n    public: false\n  ref:\n    addr: unix://%s\n    public: false\n' \
	    "$SOCK" "$REF_SOCK" >"$T/lxc/config.yml"
	# lxd-ref's image has no /etc/profile: the prompt is busybox's "~ #".
	REF_CT=rcons-$$-$RANDOM
	ok "lxc launches $REF_CT on the reference LXD" \
	    env LXD_CONF="$REF_CONF" timeout 120 lxc launch busybox "$REF_CT"
	out=$(rvts <<EOF
wait-text Instances (0)
keys :remote ref\r
wait-text $REF_CT
row 0
keys /$REF_CT\r
sleep 300
keys e
wait-text ~ #
row 9
keys echo ref-\$((6*7)) term=\$TERM\r
wait-text ref-42
keys stty size\r
wait-text 12 80
resize 100 30
sleep 500
keys stty size\r
wait-text 16 100
dump
keys \x01q
wait-text Tab pane
row 0
keys c
wait-text console $REF_CT
keys \x03\r
wait-text / #
keys echo refcons-\$((2+3))\r
wait-text refcons-5
dump
keys \x01q
wait-text Tab pane
row 0
EOF
)
	like "lxd: :remote ref shows the instance" "$out" "ref:.*Instances"
	like "lxd: e opens a shell pane" "$out" "shell $REF_CT \[running\] +C-a q detach"
	like "lxd: a command's output" "$out" "ref-42 term=xterm-256color"
	like "lxd: the pty has the pane's size" "$out" $'\n12 80'
	like "lxd: resize reaches the container" "$out" $'\n16 100'
	like "lxd: c attaches the console" "$out" "console $REF_CT"
	like "lxd: a command on the console" "$out" "refcons-5"
	like "lxd: detach leaves two panes" "$out" "\[2 panes\]"
else
	echo "# reference LXD unavailable: $(tail -3 "$T/lxd-ref.log")"
	tap_result 1 "the reference LXD starts (scripts/lxd-ref)"
fi

if [ "$TAP_FAILED" -gt 0 ]; then
	echo "# lxdeckd log (tail):"
	tail -15 "$T/lxdeckd.log" | sed 's/^/# /'
fi
done_testing
