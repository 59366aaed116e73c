#!/bin/bash
# engine-bench.sh - the same work on lxdeck's engine and on the reference
# LXD 5.0.2 (dir pool), in one run, with the same busybox image; prints
# medians and the ratio LXD/lxdeck (higher is better for lxdeck).  Machines
# here are noisy: compare ratios, not absolute times.  Not part of make test.
#   tests/bench/engine-bench.sh [N]        (N repetitions, default 5)
#   BIG=1 also launches a ~200 MB Debian image on both (launch time must
#   not grow with image size on overlay).
set -e
cd "$(dirname "$0")/../.."
N=${1:-5}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
make -s -j2 >/dev/null
export LXDECK_DIR=$(mktemp -d /tmp/lxdeck-bench.XXXXXX)
E="build/tools/engctl"
sock=$(scripts/lxd-ref)
export LXD_CONF=$(mktemp -d /tmp/lxdeck-bench-conf.XXXXXX)
printf 'default-remote: ref\nremotes:\n  ref:\n    addr: unix://%s\n    public: false\n' \
    "$sock" > "$LXD_CONF/config.yml"
img=$LXDECK_DIR/bb.tar.gz
scripts/build-image busybox "$img" >/dev/null
$E image-import "$img" bb >/dev/null
lxc image delete bench-bb >/dev/null 2>&1 || true
lxc image import "$img" --alias bench-bb >/dev/null
cleanup() {
	for c in $($E list | awk '{print $1}'); do $E stop "$c" -f >/dev/null 2>&1; $E delete "$c" >/dev/null 2>&1; done
	for c in $(lxc list --format csv -c n | grep '^bench-'); do lxc delete -f "$c" >/dev/null 2>&1; done
	lxc image delete bench-bb >/dev/null 2>&1
	lxc image delete bench-big >/dev/null 2>&1
	rm -rf --one-file-system "$LXDECK_DIR" "$LXD_CONF"
}
trap cleanup EXIT

ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
row() { # name lxdeck-ms lxd-ms
	awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-28s %9d %9d %8.1fx\n", n, a, b, (a > 0 ? b / a : 0) }'
}
printf "%-28s %9s %9s %9s\n" "operation (median of $N)" "lxdeck ms" "LXD ms" "LXD/lxdeck"

# launch from a cached image
a=(); b=()
for i in $(seq 1 "$N"); do
	a+=("$(ms $E launch bb bench-l$i)")
	b+=("$(ms lxc launch bench-bb bench-l$i)")
done
row "launch (cached image)" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)"

# snapshot, restore, force stop, start, delete on one running container each
a=(); b=()
for i in $(seq 1 "$N"); do
	a+=("$(ms $E snapshot bench-l1 s$i)")
	b+=("$(ms lxc snapshot bench-l1 s$i)")
done
row "snapshot (running)" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)"
a=(); b=()
for i in $(seq 1 "$N"); do
	a+=("$(ms $E restore bench-l1 s1)")
	b+=("$(ms lxc restore bench-l1 s1)")
done
row "restore (running)" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)"
a=(); b=()
for i in $(seq 1 "$N"); do
	a+=("$(ms $E stop bench-l$i -f)")
	b+=("$(ms lxc stop -f bench-l$i)")
done
row "force stop" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)"
a=(); b=()
for i in $(seq 1 "$N"); do
	a+=("$(ms $E start bench-l$i)")
	b+=("$(ms lxc start bench-l$i)")
done
row "start" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)"
a=(); b=()
for i in $(seq 1 "$N"); do
	$E stop bench-l$i -f >/dev/null; lxc stop -f bench-l$i >/dev/null
	a+=("$(ms $E delete bench-l$i)")
	b+=("$(ms lxc delete bench-l$i)")
done
row "delete (stopped)" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)"

# 30 launches in a row
s=$(date +%s%N); for i in $(seq 1 30); do $E launch bb bench-r$i >/dev/null; done; a=$(( ($(date +%s%N) - s) / 1000000 ))
s=$(date +%s%N); for i in $(seq 1 30); do lxc launch bench-bb bench-r$i >/dev/null; done; b=$(( ($(date +%s%N) - s) / 1000000 ))
row "30 launches in a row (total)" "$a" "$b"

if [ -n "$BIG" ]; then
	big=/var/cache/lxdeck-test/debian-bookworm.tar.gz
	[ -f "$big" ] || scripts/build-image debian "$big" >/dev/null
	$E image-import "$big" big >/dev/null
	lxc image import "$big" --alias bench-big >/dev/null
	row "launch (~200 MB image)" "$(ms $E launch big bench-big1)" "$(ms lxc launch bench-big bench-big1)"
fi
