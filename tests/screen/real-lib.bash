# real-lib.bash - set-up for screen tests over the real engine (sourced).
#
# Needs root (skips otherwise).  Gives each test file its own LXDECK_DIR
# with the busybox image imported as "busybox", and a trap that force-stops
# and deletes every container made there and removes the directory, so a
# failed test leaves nothing behind.  The bridge lxdeckbr0 is shared.
#
#   E ...            runs engctl on this LXDECK_DIR
#   rvt SCRIPT ...   vt (screen-lib.bash) running the real build/lxdeck on it
#                    with the fallback poll at LXDECK_POLL_MS (default 300)
#   wait_ipv4 NAME   waits (up to 15 s) until NAME has an IPv4 address
#   real_subnet      prints the bridge's /24 prefix as a regex, "10\.9\.8\."
#                    (the bridge exists once a container has started)
. "$(dirname "${BASH_SOURCE[0]}")/screen-lib.bash"
[ "$(id -u)" = 0 ] || skip_all "needs root (real containers)"
export LXDECK_DIR=$(mktemp -d /tmp/lxdeck-screen-real.XXXXXX)
ENGCTL=$BUILD/tools/engctl
E() { "$ENGCTL" "$@"; }
real_cleanup() {
	local c
	for c in $("$ENGCTL" list 2>/dev/null | awk '{print $1}'); do
		"$ENGCTL" stop "$c" -f >/dev/null 2>&1
		"$ENGCTL" delete "$c" >/dev/null 2>&1
	done
	umount -R "$LXDECK_DIR"/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$LXDECK_DIR" "$SCREEN_TMP"
}
trap real_cleanup EXIT

"$LXDECK_SRC/scripts/build-image" busybox "$LXDECK_DIR/busybox.tar.gz" >/dev/null ||
	{ echo "not ok - build the busybox image"; exit 1; }
E image-import "$LXDECK_DIR/busybox.tar.gz" busybox >/dev/null ||
	{ echo "not ok - import the busybox image"; exit 1; }

rvt() {
	local script=$1
	shift
	LXDECK_CMD="$BUILD/lxdeck" VT_TIMEOUT=${VT_TIMEOUT:-15000} \
	    VT_ENV="LXDECK_DIR=$LXDECK_DIR LXDECK_POLL_MS=${POLL_MS:-300} $VT_ENV" \
	    vt "$script" "$@"
}

wait_ipv4() {
	local i ip
	for i in $(seq 1 75); do
		ip=$(E state "$1" | sed -n 's/^ipv4: //p')
		[ -n "$ip" ] && [ "$ip" != "-" ] && return 0
		sleep 0.2
	done
	return 1
}

real_subnet() {
	ip -4 -o addr show lxdeckbr0 | awk '{print $4}' | cut -d. -f1-3 |
	    sed 's/\./\\./g; s/$/\\./'
}
