#!/bin/bash
# remote-contract.sh - the REST client's contract suite (tests/tools/rctl.c:
# list, create, start, stop, snapshot, exec, console, events, profiles)
# through backend-remote.c against (a) lxdeckd on its unix socket with the
# real engine, (b) the same lxdeckd over HTTPS with a trusted client
# certificate and the pinned server certificate, (c) the reference LXD
# 5.0.2 on its unix socket, (d) the reference Incus 6.0 (scripts/incus-ref)
# on its unix socket.  Needs root.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/api/api-lib.inc"
api_need_rctl
api_tmp /tmp/lxdeck-rc.XXXXXX
P=rc$$
SOCK= ISOCK=
cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	engine_purge "$T/dir"
	if [ -n "$SOCK" ]; then
		printf 'default-remote: r\nremotes:\n  r:\n    addr: unix://%s\n    public: false\n' \
		    "$SOCK" > "$T/refconf.yml" 2>/dev/null && mkdir -p "$T/rc" &&
		    mv "$T/refconf.yml" "$T/rc/config.yml" &&
		    LXD_CONF="$T/rc" timeout 60 lxc delete -f "${P}r-a" "${P}r-a-c" >/dev/null 2>&1
		LXD_CONF="$T/rc" timeout 30 lxc profile delete "${P}r-p" >/dev/null 2>&1
	fi
	if [ -n "$ISOCK" ]; then
		mkdir -p "$T/ic"
		INCUS_CONF="$T/ic" INCUS_SOCKET="$ISOCK" timeout 60 incus delete -f "${P}i-a" "${P}i-a-c" \
		    >/dev/null 2>&1
		INCUS_CONF="$T/ic" INCUS_SOCKET="$ISOCK" timeout 30 incus profile delete \
		    "${P}i-p" >/dev/null 2>&1
	fi
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
api_engine_in "$T" dir cli
# Under uvfdcheck (tests/preload/uvfdcheck.c): an fd closed under a live
# libuv watcher is reported where it happens, not as a later abort.
# shellcheck disable=SC2046
env $(uvfdcheck_env "$T/uvfdcheck.log") \
    "$BUILD/lxdeckd" --dir "$T/dir" --socket "$T/unix.socket" --listen "127.0.0.1:$PORT" \
    2>"$T/lxdeckd.log" &
DPID=$!
api_wait_socket "$T/unix.socket"
ok "lxdeckd listens on its socket and on https://127.0.0.1:$PORT" test -S "$T/unix.socket"

# run SUITE-NAME ARGS...: the contract's TAP, renumbered into ours
run() {
	local name=$1
	shift
	api_tap_of "$name" "$RCTL" "$@"
}

# (a) unix socket
run "lxdeckd unix" -a "unix://$T/unix.socket" contract "${P}u" busybox

# (b) HTTPS: a client certificate trusted through the unix socket
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes \
    -keyout "$T/cli/client.key" -out "$T/cli/client.crt" -days 2 \
    -subj "/CN=remote-contract" 2>/dev/null
mkdir -p "$T/conf"
api_conf_write "$T/conf" "$T/unix.socket"
ok "trust the test certificate" env LXD_CONF="$T/conf" timeout 30 lxc config trust add "$T/cli/client.crt"
run "lxdeckd https" -a "https://127.0.0.1:$PORT" -c "$T/cli" -s "$T/dir/server.crt" \
    contract "${P}h" busybox
kill -0 "$DPID" 2>/dev/null
tap_result $? "lxdeckd still running after the https suite"
uvfdcheck_loaded "$DPID"
uvfdcheck_clean "$T/uvfdcheck.log"

# (c) the reference LXD
if SOCK=$("$LXDECK_SRC/scripts/lxd-ref" 2>"$T/ref.log"); then
	run "LXD 5.0.2" -a "unix://$SOCK" contract "${P}r" busybox
else
	echo "# reference LXD unavailable:"; tail -3 "$T/ref.log" | sed 's/^/# /'
	tap_result 1 "reference LXD starts"
fi
# (d) the reference Incus
if ISOCK=$("$LXDECK_SRC/scripts/incus-ref" 2>"$T/incus.log"); then
	run "Incus" -a "unix://$ISOCK" contract "${P}i" busybox
else
	echo "# reference Incus unavailable:"; tail -3 "$T/incus.log" | sed 's/^/# /'
	tap_result 1 "reference Incus starts"
fi
if [ "$TAP_FAILED" -gt 0 ]; then
	echo "# lxdeckd log (tail):"; tail -15 "$T/lxdeckd.log" | sed 's/^/# /'
fi
done_testing
