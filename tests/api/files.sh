#!/bin/bash
# files.sh - lxc file push/pull/delete as the container's root may do them
# (issue 13, part 2), with the stock lxc client against lxdeckd on the real
# engine and, where LXD behaves the same, against the reference LXD 5.0.2:
#   - a host object the container's root binds into its own mount tree (a
#     sysfs attribute of the host's kernel, which the container's root may
#     not write) is not written by a push onto it;
#   - a FIFO at the target of a pull or a push is refused with an error at
#     once while the daemon answers GET /1.0 (lxdeckd only: not tried on
#     the shared reference LXD, where a helper stuck on a FIFO would stay);
#   - headers and listings as LXD sends them;
#   - a 2 GiB pull and a 512 MiB push keep lxdeckd's peak RSS (VmHWM)
#     within 64 MiB of where it was, and the hashes match; a pull read
#     slowly lasts past the idle timeout (lowered to 3 s) and is not cut;
#   - /dev/fuse is in an unprivileged container, as LXD 5.0.2 has it.
# Needs root.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/api-lib.inc"
api_need_lxc
command -v curl >/dev/null || skip_all "no curl"
KSM=/sys/kernel/mm/ksm/pages_to_scan

api_work /tmp/lxdeck-files.XXXXXX

KSM_WAS=$(cat "$KSM" 2>/dev/null)
KSM_OWNER=$(stat -c %u:%g:%a "$KSM" 2>/dev/null)
# A tree that wrote the host's attribute (value, and owner: the old push
# chown'ed it to the container's root) must not leave it changed.
ksm_restore() {
	[ -n "$KSM_WAS" ] || return 0
	[ "$(cat "$KSM")" != "$KSM_WAS" ] && echo "$KSM_WAS" > "$KSM"
	if [ "$(stat -c %u:%g:%a "$KSM")" != "$KSM_OWNER" ]; then
		chown "${KSM_OWNER%:*}" "$KSM"
		chmod "${KSM_OWNER##*:}" "$KSM"
	fi
}
cleanup() {
	ksm_restore
	if [ -n "$REF_CONF" ]; then
		LXD_CONF=$REF_CONF L delete -f tfref-a >/dev/null 2>&1
		rm -rf "$REF_CONF"
	fi
	if [ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null; then
		L delete -f tfloc-a >/dev/null 2>&1
		kill -TERM "$API_PID"; wait "$API_PID"
	fi
	engine_purge "$API_DIR"
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# Q SOCK PATH [CURL ARGS]: a raw request, headers and body.
Q() {
	local sock=$1 path=$2
	shift 2
	timeout 60 curl -s -i --unix-socket "$sock" "$@" "http://x$path"
}

files_scenario() {
	local who=$1 p=$2 sock=$3 a=$2-a tmp=$WORK/$2 out v
	mkdir -p "$tmp"
	L delete -f "$a" >/dev/null 2>&1
	ok "$who: launch" L launch busybox "$a"
	# LXD 5.0.2 binds the host's /dev/fuse into unprivileged containers
	if [ -c /dev/fuse ]; then
		ok "$who: /dev/fuse is there, a character device" L exec "$a" -- test -c /dev/fuse
	else
		skip "$who: /dev/fuse" "the host has none"
	fi

	# round trip, headers, listing
	printf 'hello files\n' > "$tmp/in"
	ok "$who: push" L file push --mode 0640 "$tmp/in" "$a/root/in.txt"
	ok "$who: pull" L file pull "$a/root/in.txt" "$tmp/out"
	is "$who: pulled content" "$(cat "$tmp/out")" "hello files"
	out=$(Q "$sock" "/1.0/instances/$a/files?path=/root/in.txt" | tr -d '\r')
	like "$who: X-LXD-type file" "$out" $'\nX-Lxd-Type: file\n|\nX-LXD-type: file\n'
	like "$who: X-LXD-mode 0640" "$out" $'\n(X-Lxd-Mode|X-LXD-mode): 0640\n'
	like "$who: X-LXD-uid 0" "$out" $'\n(X-Lxd-Uid|X-LXD-uid): 0\n'
	like "$who: content in the body" "$out" $'\n\nhello files\n?$'
	out=$(Q "$sock" "/1.0/instances/$a/files?path=/root" | tr -d '\r')
	like "$who: directory type" "$out" $'\n(X-Lxd-Type|X-LXD-type): directory\n'
	like "$who: directory listing" "$out" '"metadata":\[[^]]*"in.txt"'
	out=$(Q "$sock" "/1.0/instances/$a/files?path=/root/nothere" | tr -d '\r')
	like "$who: missing path is a 404" "$out" '^HTTP/1.1 404'
	ok "$who: push a symlink" L exec "$a" -- ln -s in.txt /root/ln
	out=$(Q "$sock" "/1.0/instances/$a/files?path=/root/ln" | tr -d '\r')
	like "$who: symlink type" "$out" $'\n(X-Lxd-Type|X-LXD-type): symlink\n'
	ok "$who: delete" L file delete "$a/root/in.txt"
	nok "$who: deleted file is gone" L file pull "$a/root/in.txt" "$tmp/gone"

	# A host attribute the container's root binds onto a path and an admin
	# pushes to: the kernel refuses the container's root, and so must the
	# push.  (A failed push leaves the value alone; a tree that writes the
	# host's attribute sets it to 4321.)
	if [ -n "$KSM_WAS" ] && L exec "$a" -- test -e "$KSM"; then
		ok "$who: the container's root binds the host's $KSM" \
			L exec "$a" -- sh -c "touch /root/ksm && mount --bind $KSM /root/ksm"
		echo 4321 > "$tmp/ksm"
		nok "$who: push onto the bound host attribute is refused" \
			L file push "$tmp/ksm" "$a/root/ksm"
		is "$who: the host's attribute is unchanged" "$(cat "$KSM")" "$KSM_WAS"
		nok "$who: push onto the host attribute through /sys is refused" \
			L file push "$tmp/ksm" "$a$KSM"
		is "$who: the host's attribute is still unchanged" "$(cat "$KSM")" "$KSM_WAS"
		is "$who: the host's attribute keeps its owner and mode" \
			"$(stat -c %u:%g:%a "$KSM")" "$KSM_OWNER"
		ksm_restore
	else
		skip "$who: no $KSM to bind" 5
	fi

	if [ "$who" = lxdeckd ]; then
		# FIFOs: refused at once, the daemon answers meanwhile
		ok "$who: mkfifo in the container" L exec "$a" -- mkfifo /root/fifo
		timeout 60 lxc file pull "$a/root/fifo" "$tmp/fifo-out" > "$tmp/fifo.err" 2>&1 &
		local bg=$!
		out=$(Q "$sock" /1.0 | tr -d '\r')
		like "$who: GET /1.0 answers while a FIFO is pulled" "$out" '^HTTP/1.1 200'
		wait $bg
		v=$?
		ok "$who: pulling a FIFO fails (not a timeout)" test "$v" -ne 0 -a "$v" -ne 124
		like "$who: pulling a FIFO gives an error" "$(cat "$tmp/fifo.err")" \
			'Error: .*not a regular file'
		timeout 60 lxc file push "$tmp/in" "$a/root/fifo" > "$tmp/fifo.err" 2>&1
		v=$?
		ok "$who: pushing onto a FIFO fails (not a timeout)" test "$v" -ne 0 -a "$v" -ne 124
		like "$who: pushing onto a FIFO gives an error" "$(cat "$tmp/fifo.err")" \
			'Error: .*not a regular file'
		out=$(Q "$sock" "/1.0/instances/$a/files?path=/root/fifo" | tr -d '\r')
		like "$who: a FIFO is an LXD-style 400" "$out" \
			'^HTTP/1.1 400.*"type":"error".*"error_code":400'
		ok "$who: the daemon still answers" L info "$a"

		# Streaming: a 2 GiB pull and a 512 MiB push, peak RSS flat
		local hwm0 hwm1 sum
		ok "$who: a 2 GiB file in the container" L exec "$a" -- \
			dd if=/dev/urandom of=/root/big bs=1048576 count=2048
		sum=$(L exec "$a" -- sha256sum /root/big | cut -d' ' -f1)
		hwm0=$(awk '/^VmHWM/ {print $2}' /proc/$API_PID/status)
		ok "$who: pull 2 GiB" timeout 600 lxc file pull "$a/root/big" "$tmp/big"
		hwm1=$(awk '/^VmHWM/ {print $2}' /proc/$API_PID/status)
		is "$who: 2 GiB pulled, hash matches" "$(sha256sum "$tmp/big" | cut -d' ' -f1)" "$sum"
		echo "# lxdeckd VmHWM before the 2 GiB pull ${hwm0} kB, after ${hwm1} kB"
		ok "$who: peak RSS grew < 64 MiB over a 2 GiB pull" \
			test -n "$hwm0" -a -n "$hwm1" -a $((hwm1 - hwm0)) -lt 65536
		rm -f "$tmp/big"
		L exec "$a" -- rm -f /root/big
		dd if=/dev/urandom of="$tmp/push" bs=1048576 count=512 status=none
		hwm0=$(awk '/^VmHWM/ {print $2}' /proc/$API_PID/status)
		ok "$who: push 512 MiB" timeout 600 lxc file push "$tmp/push" "$a/root/push"
		hwm1=$(awk '/^VmHWM/ {print $2}' /proc/$API_PID/status)
		is "$who: 512 MiB pushed, hash matches" \
			"$(L exec "$a" -- sha256sum /root/push | cut -d' ' -f1)" \
			"$(sha256sum "$tmp/push" | cut -d' ' -f1)"
		echo "# lxdeckd VmHWM before the 512 MiB push ${hwm0} kB, after ${hwm1} kB"
		ok "$who: peak RSS grew < 64 MiB over a 512 MiB push" \
			test -n "$hwm0" -a -n "$hwm1" -a $((hwm1 - hwm0)) -lt 65536
		rm -f "$tmp/push"

		# A pull read slowly for longer than the idle timeout (3 s here)
		# is not cut: the response moves.
		ok "$who: an 8 MiB file" L exec "$a" -- \
			dd if=/dev/zero of=/root/slow bs=1048576 count=8
		timeout 120 curl -s --limit-rate 1M --unix-socket "$sock" \
			"http://x/1.0/instances/$a/files?path=/root/slow" -o "$tmp/slow"
		is "$who: slow pull (8 s > idle 3 s) complete" "$(stat -c %s "$tmp/slow")" 8388608
	fi

	ok "$who: delete the instance" L delete -f "$a"
}

if command -v lxd >/dev/null && sock=$("$LXDECK_SRC/scripts/lxd-ref"); then
	api_conf "$sock"
	REF_CONF=$API_CONF
	files_scenario "ref" tfref "$sock"
	unset LXD_CONF
else
	echo "# reference LXD not available: lxdeckd only"
fi
export LXDECK_TEST_IDLE_MS=3000
# Under ASan (make SANITIZER=address test-api) freed memory waits in a
# quarantine of up to 256 MiB before reuse, so 1 MiB chunks freed in turn
# raise the peak RSS by that much however the transfer is bounded: a 4 MiB
# quarantine keeps the RSS checks meaning the same thing there.
sanitized_build && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
API_BACKEND=local api_start_lxdeckd || { echo "not ok - lxdeckd starts"; exit 1; }
files_scenario "lxdeckd" tfloc "$API_SOCK"
api_stop_lxdeckd
done_testing
