# lib.sh - TAP helpers for shell test suites.  Source it, then:
#   ok "what" CMD...        passes when CMD succeeds
#   is "what" GOT WANT      passes when the strings are equal
#   like "what" GOT REGEX   passes when GOT matches the extended regex
#   unlike "what" GOT REGEX passes when it does not
#   done_testing            prints the plan; exit status says if all passed
TAP_N=0
TAP_FAILED=0
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# The build tree under test: build/, or another one (make SANITIZER=address
# test-api sets LXDECK_BUILD=.../build-address).
BUILD=${LXDECK_BUILD:-$LXDECK_SRC/build}

tap_result() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}
ok() {
	local what=$1
	shift
	"$@" >/tmp/lxdeck-tap.$$ 2>&1
	local rc=$?
	if [ $rc -ne 0 ]; then
		sed 's/^/# /' /tmp/lxdeck-tap.$$ | tail -20
	fi
	rm -f /tmp/lxdeck-tap.$$
	tap_result $rc "$what"
}
nok() {
	local what=$1
	shift
	"$@" >/tmp/lxdeck-tap.$$ 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then
		sed 's/^/# /' /tmp/lxdeck-tap.$$ | tail -20
	fi
	rm -f /tmp/lxdeck-tap.$$
	[ $rc -ne 0 ]
	tap_result $? "$what"
}
is() {
	if [ "$2" = "$3" ]; then
		tap_result 0 "$1"
	else
		echo "# got:  '$2'"
		echo "# want: '$3'"
		tap_result 1 "$1"
	fi
}
like() {
	if [[ "$2" =~ $3 ]]; then
		tap_result 0 "$1"
	else
		echo "# got:  '$2'"
		echo "# want match: '$3'"
		tap_result 1 "$1"
	fi
}
unlike() {
	if [[ "$2" =~ $3 ]]; then
		echo "# got:  '$2'"
		echo "# want no match: '$3'"
		tap_result 1 "$1"
	else
		tap_result 0 "$1"
	fi
}
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
# skip "what" "why": one check not run here, said so (TAP's # SKIP).
skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}
# Is the tree under test built with a sanitizer (make SANITIZER=...)?
# Timing checks do not hold there: ASan makes every call slower.
sanitized_build() {
	grep -q -- '-fsanitize=' "$BUILD/.cflags" 2>/dev/null
}
# A daemon under build/tools/uvfdcheck.so (tests/preload/uvfdcheck.c), which
# reports an fd closed while a libuv handle still watches it:
#   env $(uvfdcheck_env LOG) "$BUILD/lxdeckd" ... &
#   uvfdcheck_loaded PID   (while it runs)   uvfdcheck_clean LOG   (after)
uvfdcheck_env() {
	[ -f "$BUILD/tools/uvfdcheck.so" ] &&
	    echo "LD_PRELOAD=$BUILD/tools/uvfdcheck.so UVFDCHECK_LOG=$1"
}
uvfdcheck_loaded() {
	[ -f "$BUILD/tools/uvfdcheck.so" ] || return 0
	grep -q uvfdcheck "/proc/$1/maps" 2>/dev/null
	tap_result $? "lxdeckd runs under uvfdcheck"
}
uvfdcheck_clean() {
	[ -f "$BUILD/tools/uvfdcheck.so" ] || return 0
	[ -s "$1" ] && head -60 "$1" | sed 's/^/# /'
	[ ! -s "$1" ]
	tap_result $? "uvfdcheck: no fd closed (or polled twice) behind libuv's back"
}
done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# engine_busybox DIR FILE: builds the busybox test image into FILE and
# imports it into the engine directory DIR as "busybox".
engine_busybox() {
	"$LXDECK_SRC/scripts/build-image" busybox "$2" >/dev/null &&
	    "$BUILD/tools/engctl" -d "$1" image-import "$2" busybox >/dev/null
}

# engine_purge DIR: force-stops and deletes every instance of the engine
# directory DIR (a suite's cleanup).
engine_purge() {
	local c
	for c in $("$BUILD/tools/engctl" -d "$1" list 2>/dev/null | awk '{print $1}'); do
		"$BUILD/tools/engctl" -d "$1" stop "$c" -f >/dev/null 2>&1
		"$BUILD/tools/engctl" -d "$1" delete "$c" >/dev/null 2>&1
	done
}

# engine_remove DIR: engine_purge, then the directory itself (what is still
# mounted below it unmounted first).
engine_remove() {
	engine_purge "$1"
	umount -R "$1"/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$1"
}

# lxdeckd_https T NAME PORT: lxdeckd on the directory T/NAME, the socket
# T/NAME.sock and https://127.0.0.1:PORT (debug log in T/NAME.log), once
# both answer; its pid in DPID.
lxdeckd_https() {
	local i
	"$BUILD/lxdeckd" --dir "$1/$2" --socket "$1/$2.sock" --listen "127.0.0.1:$3" \
	    --debug >/dev/null 2>"$1/$2.log" </dev/null &
	DPID=$!
	for i in $(seq 1 100); do
		[ -S "$1/$2.sock" ] && curl -sk "https://127.0.0.1:$3/1.0" >/dev/null && break
		sleep 0.05
	done
}
