#!/bin/bash
# image-bench.sh - images from an image server: launch (init) from a cached
# image on lxdeck against `lxc init` of an image already in the reference
# LXD's store, and lxdeck's download-and-unpack throughput from a local
# simplestreams server (loopback, python http.server) with an image padded
# with SIZE_MB of incompressible data.  Prints medians; not part of make test.
#   tests/bench/image-bench.sh [N] (default 5; SIZE_MB=64; NO_LXD=1 skips LXD)
set -e
cd "$(dirname "$0")/../.."
N=${1:-5}
SIZE_MB=${SIZE_MB:-64}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
make -s -j2 >/dev/null
export LXDECK_SRC=$PWD
T=$(mktemp -d /tmp/lxdeck-image-bench.XXXXXX)
chmod 0711 "$T"
export LXDECK_DIR=$T/eng
E=build/tools/engctl
. tests/lxc/image-server.inc
cleanup() {
	for c in $($E list 2>/dev/null | awk '{print $1}'); do $E delete "$c" >/dev/null 2>&1; done
	if [ -n "$LXD_CONF" ]; then
		for c in $(lxc list --format csv -c n 2>/dev/null | grep '^ibench-'); do
			lxc delete -f "$c" >/dev/null 2>&1
		done
		rm -rf "$LXD_CONF"
	fi
	ss_stop
	umount -R "$T"/eng*/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ss_publish 20240101_00:00 >/dev/null
ss_start
$E init bbtest warm --server "$SS_URL" >/dev/null	# now cached
lx=$(for i in $(seq 1 "$N"); do ms $E init bbtest "b$i" --server "$SS_URL"; done | median)
for i in $(seq 1 "$N"); do $E delete "b$i" >/dev/null; done
printf "%-44s %8s\n" "operation (median of $N)" "ms"
printf "%-44s %8d\n" "lxdeck: init from a cached server image" "$lx"
if [ -z "$NO_LXD" ] && sock=$(scripts/lxd-ref 2>/dev/null); then
	export LXD_CONF=$(mktemp -d /tmp/lxdeck-image-bench-conf.XXXXXX)
	printf 'default-remote: ref\nremotes:\n  ref:\n    addr: unix://%s\n    public: false\n' \
	    "$sock" > "$LXD_CONF/config.yml"
	ref=$(for i in $(seq 1 "$N"); do ms lxc init busybox "ibench-$i"; done | median)
	printf "%-44s %8d   (LXD/lxdeck %.1fx)\n" "LXD 5.0.2: init from an image in its store" \
	    "$ref" "$(awk -v a="$lx" -v b="$ref" 'BEGIN{print (a > 0 ? b / a : 0)}')"
fi

# Throughput: a padded image, downloaded, verified, unpacked, instance made.
d=$SS_DIR/images/busybox/1.36/amd64/default/20240301_00:00
mkdir -p "$T/big/x" "$d"
tar -xzf "$SS_DIR/images/busybox/1.36/amd64/default/20240101_00:00/lxd_combined.tar.gz" -C "$T/big/x"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$T/big/x/rootfs/pad"
sed -i 's/^creation_date: .*/creation_date: 1709251200/' "$T/big/x/metadata.yaml"
tar -C "$T/big/x" -cJf "$d/lxd.tar.xz" metadata.yaml
mksquashfs "$T/big/x/rootfs" "$d/rootfs.squashfs" -noappend -quiet -no-progress -all-root >/dev/null
tar -C "$T/big/x/rootfs" -cJf "$d/rootfs.tar.xz" .
cp "$SS_DIR/images/busybox/1.36/amd64/default/20240101_00:00/lxd_combined.tar.gz" "$d/"
ss_catalog
bytes=$(( $(stat -c %s "$d/lxd.tar.xz") + $(stat -c %s "$d/rootfs.squashfs") ))
# A fresh engine directory: the alias is not cached there.
t=$(ms $E -d "$T/eng-big" init bbtest big --server "$SS_URL")
$E -d "$T/eng-big" delete big >/dev/null
printf "%-44s %8d   (%d MB, %.0f MB/s)\n" "lxdeck: download+verify+unpack+init" "$t" \
    "$((bytes / 1048576))" "$(awk -v b="$bytes" -v t="$t" 'BEGIN{print (t > 0 ? b / 1048576 / (t / 1000) : 0)}')"
