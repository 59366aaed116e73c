#!/bin/bash
# image-debootstrap.sh - the Debian image (engine/image-build.c): built once
# with debootstrap from the host's own Debian mirror and cached in
# /var/cache/lxdeck-test/ (LXDECK_TEST_CACHE), so later runs take seconds.
# Imports it with the engine, checks the system it holds, and boots it with
# plain liblxc on a private bridge: systemd runs and networkd gets a lease.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/image-boot.inc"
MKIMAGE=$BUILD/tools/mkimage
IMGTOOL=$BUILD/tools/imgtool
# The host's own release and mirror (its apt configuration), unless told.
SUITE=${LXDECK_TEST_SUITE:-$("$LXDECK_SRC/scripts/apt-source" | cut -d' ' -f1)}
CACHE=${LXDECK_TEST_CACHE:-/var/cache/lxdeck-test}
[ -x "$MKIMAGE" ] && [ -x "$IMGTOOL" ] || skip_all "build first (make)"
[ "$(id -u)" = 0 ] || skip_all "debootstrap needs root"
command -v debootstrap >/dev/null || skip_all "debootstrap is not installed"
[ -n "$SUITE" ] || skip_all "apt has no source for this host's release"

IMG=$CACHE/debian-$SUITE.tar.gz
T=$(mktemp -d /tmp/lxdeck-image-debootstrap.XXXXXX)
BR=lxdtdb$$
trap 'boot_cleanup deb' EXIT

if [ ! -s "$IMG" ]; then
	mkdir -p "$CACHE"
	echo "# building $IMG with debootstrap (~1 min, once)"
	ok "build-image debian builds an image" \
	    timeout 600 "$LXDECK_SRC/scripts/build-image" debian "$IMG" "$SUITE"
else
	echo "# using the cached $IMG"
fi
[ -s "$IMG" ] || { done_testing; exit; }

fp=$("$IMGTOOL" "$T/eng" import "$IMG")
is "import gives the sha256 of the file" "$fp" "$(sha256sum "$IMG" | cut -d' ' -f1)"
show=$("$IMGTOOL" "$T/eng" show "$fp")
like "metadata: os" "$show" $'(^|\n)properties.os=debian(\n|$)'
like "metadata: release" "$show" $'(^|\n)properties.release='"$SUITE"$'(\n|$)'
like "metadata: architecture" "$show" "architecture=$(uname -m)"

r=$("$IMGTOOL" "$T/eng" rootfs "$fp")
ok "systemd is init" test -x "$r/lib/systemd/systemd" -a -L "$r/usr/sbin/init"
ok "iproute2 is there" test -x "$r/bin/ip"
ok "eth0 does DHCP" grep -qx 'DHCP=yes' "$r/etc/systemd/network/eth0.network"
ok "networkd is enabled" test -L "$r/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
is "resolv.conf is resolved's stub" "$(readlink "$r/etc/resolv.conf")" \
	"../run/systemd/resolve/stub-resolv.conf"
nok "no /etc/hostname (the container's name is its hostname)" test -e "$r/etc/hostname"
is "machine-id is empty (made at first boot)" "$(stat -c %s "$r/etc/machine-id")" "0"
nok "no downloaded packages left" sh -c "ls '$r'/var/cache/apt/archives/*.deb"
is "root owns the system" "$(stat -c %u:%g "$r/usr/bin/apt-get")" "0:0"
is "setuid bits survive" "$(stat -c %a "$r/usr/bin/passwd")" "4755"

if ! command -v lxc-start >/dev/null || ! command -v dnsmasq >/dev/null; then
	echo "# skipping the boot test: needs lxc and dnsmasq"
	done_testing
	exit
fi
boot_bridge 78 || { done_testing; exit; }
boot_copy deb "$r"
boot_config deb veth
ok "lxc-start" lxc-start -P "$T/lxc" -n deb -d
ok "it runs" lxc-wait -P "$T/lxc" -n deb -s RUNNING -t 10
state=""
for i in $(seq 100); do
	state=$(lxc-attach -P "$T/lxc" -n deb -- systemctl is-system-running 2>/dev/null)
	case "$state" in running|degraded) break ;; esac
	sleep 0.2
done
like "systemd finished booting" "$state" "^(running|degraded)$"
[ "$state" = degraded ] &&
	lxc-attach -P "$T/lxc" -n deb -- systemctl --failed --no-legend | sed 's/^/# failed: /'
is "the container's name is its hostname" "$(lxc-attach -P "$T/lxc" -n deb -- hostname)" "deb"
addr=$(boot_ipv4 deb)
like "networkd got a lease on eth0" "$addr" "inet $net\.[0-9]+/24"
like "default route via the bridge" \
	"$(lxc-attach -P "$T/lxc" -n deb -- ip route show default)" "default via $net.1"
ok "lxc-attach -- /bin/true" lxc-attach -P "$T/lxc" -n deb -- /bin/true
ok "a clean stop works" lxc-stop -P "$T/lxc" -n deb -t 30
done_testing
