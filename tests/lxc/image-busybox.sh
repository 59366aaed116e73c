#!/bin/bash
# image-busybox.sh - the busybox image (engine/image-build.c) end to end:
# build it with mkimage, import it with the engine, check what was unpacked
# and what metadata came back, then boot it with plain liblxc (privileged,
# no network) and check that init ran rcS and a shell answers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/image-boot.inc"
MKIMAGE=$BUILD/tools/mkimage
IMGTOOL=$BUILD/tools/imgtool
[ -x "$MKIMAGE" ] && [ -x "$IMGTOOL" ] || skip_all "build first (make)"
[ -x /bin/busybox ] || skip_all "busybox-static is not installed"

T=$(mktemp -d /tmp/lxdeck-image-busybox.XXXXXX)
BR=lxdtbb$$
trap 'boot_cleanup bb' EXIT

ok "mkimage busybox builds a tarball" "$MKIMAGE" busybox "$T/bb.tar.gz"
want=$(sha256sum "$T/bb.tar.gz" | cut -d' ' -f1)
is "mkimage prints the fingerprint" "$("$MKIMAGE" busybox "$T/bb2.tar.gz")" \
	"$(sha256sum "$T/bb2.tar.gz" | cut -d' ' -f1)"
a=$(SOURCE_DATE_EPOCH=1700000000 "$MKIMAGE" busybox "$T/r1.tar.gz")
b=$(SOURCE_DATE_EPOCH=1700000000 "$MKIMAGE" busybox "$T/r2.tar.gz")
is "two builds with SOURCE_DATE_EPOCH are identical" "$a" "$b"
is "the tarball starts with metadata.yaml" \
	"$(tar -tzf "$T/bb.tar.gz" | head -1)" "metadata.yaml"
nok "no applet link is named busybox but the binary" \
	sh -c "tar -tvzf '$T/bb.tar.gz' | grep -E '^l.* rootfs/.*/busybox ->'"

fp=$("$IMGTOOL" "$T/eng" import "$T/bb.tar.gz")
is "import gives the sha256 of the file" "$fp" "$want"
show=$("$IMGTOOL" "$T/eng" show "${fp:0:12}")
like "metadata: os" "$show" $'(^|\n)properties.os=busybox(\n|$)'
like "metadata: release is busybox's version" "$show" \
	$'properties.release=[0-9]+\\.[0-9]+'
like "metadata: architecture" "$show" "architecture=$(uname -m)"
like "metadata: description" "$show" "properties.description=BusyBox"

rootfs=$("$IMGTOOL" "$T/eng" rootfs "$fp")
is "rootfs is images/FP.d/rootfs" "$rootfs" "$T/eng/images/$fp.d/rootfs"
ok "bin/busybox is a regular file" test -f "$rootfs/bin/busybox" -a ! -L "$rootfs/bin/busybox"
ok "bin/busybox is the host's static busybox" cmp /bin/busybox "$rootfs/bin/busybox"
ok "sbin/init is a link" test -L "$rootfs/sbin/init"
is "sbin/init points at busybox" "$(readlink "$rootfs/sbin/init")" "/bin/busybox"
is "bin/sh points at busybox" "$(readlink "$rootfs/bin/sh")" "/bin/busybox"
ok "rcS is executable" test -x "$rootfs/etc/init.d/rcS"
ok "udhcpc script is executable" test -x "$rootfs/etc/udhcpc.script"
ok "inittab runs rcS" grep -qx '::sysinit:/etc/init.d/rcS' "$rootfs/etc/inittab"
ok "inittab respawns a shell on the console" grep -qx '::respawn:-/bin/sh' "$rootfs/etc/inittab"
nok "no getty in inittab" sh -c "grep -v '^#' '$rootfs/etc/inittab' | grep -q getty"
nok "no /etc/hostname" test -e "$rootfs/etc/hostname"
is "files belong to root" "$(stat -c %u:%g "$rootfs/bin/busybox")" "0:0"
is "tmp is sticky" "$(stat -c %a "$rootfs/tmp")" "1777"

# Export and re-import on another engine: same fingerprint.
mkdir -p "$T/out"
exported=$("$IMGTOOL" "$T/eng" export "$fp" "$T/out")
is "export is named FP.tar.gz" "$exported" "$T/out/$fp.tar.gz"
is "export hashes to the fingerprint" "$(sha256sum "$exported" | cut -d' ' -f1)" "$fp"

# Boot it with plain liblxc.
if ! command -v lxc-start >/dev/null || [ "$(id -u)" != 0 ]; then
	echo "# skipping the boot test: needs root and lxc"
	done_testing
	exit
fi
boot_copy bb "$rootfs"
boot_config bb
ok "lxc-start" lxc-start -P "$T/lxc" -n bb -d
ok "it runs" lxc-wait -P "$T/lxc" -n bb -s RUNNING -t 10
ok "lxc-attach -- /bin/true" lxc-attach -P "$T/lxc" -n bb -- /bin/true
is "pid 1 is busybox init" "$(lxc-attach -P "$T/lxc" -n bb -- cat /proc/1/comm)" "init"
for i in $(seq 50); do
	lxc-attach -P "$T/lxc" -n bb -- /bin/sh -c 'ip link show lo | grep -q UP' && break
	sleep 0.1
done
ok "rcS brought lo up" lxc-attach -P "$T/lxc" -n bb -- /bin/sh -c 'ip link show lo | grep -q ",UP"'
is "the container's name is its hostname" "$(lxc-attach -P "$T/lxc" -n bb -- hostname)" "bb"
like "a shell runs on the console" "$(lxc-attach -P "$T/lxc" -n bb -- ps)" "-/bin/sh"

# DHCP: a private bridge with dnsmasq; udhcpc.script must apply the lease.
if command -v dnsmasq >/dev/null && boot_bridge 77 --domain=lxdtest; then
	lxc-stop -P "$T/lxc" -n bb -k
	boot_config bb veth
	ok "lxc-start with a NIC" lxc-start -P "$T/lxc" -n bb -d
	addr=$(boot_ipv4 bb)
	like "eth0 got a lease" "$addr" "inet $net\.[0-9]+/24"
	like "default route via the bridge" \
		"$(lxc-attach -P "$T/lxc" -n bb -- ip route show default)" "default via $net.1 dev eth0"
	like "resolv.conf from the lease" \
		"$(lxc-attach -P "$T/lxc" -n bb -- cat /etc/resolv.conf)" "nameserver $net.1"
	like "dnsmasq knows the container by name" "$(cat "$T/leases")" " bb "
else
	echo "# skipping the DHCP test: no dnsmasq, free subnet or bridge"
fi
ok "a clean stop works (init halts on SIGPWR)" lxc-stop -P "$T/lxc" -n bb -t 20
is "stopped" "$(lxc-info -P "$T/lxc" -n bb -sH)" "STOPPED"
done_testing
