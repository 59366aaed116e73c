#!/bin/bash
# network-dnsmasq.sh - the DHCP/DNS server on the engine's bridge does not
# run as root (issue 13, section 6), and containers still get leases:
#   - the engine's first start of a container makes lxdeckbr0 and starts
#     dnsmasq; every uid of that dnsmasq (real, effective, saved, fs) is
#     its unprivileged user's (Debian's "dnsmasq", else nobody), its group
#     nogroup, and the container gets an address from it;
#   - /run/lxdeck and the lease file are root's and writable by no one
#     else; the pid file it hands to its user is given back to root;
#   - a dnsmasq still running as root on the bridge (an older lxdeck's) is
#     replaced by an unprivileged one at the next start, and the lease is
#     handed out again.
# The whole suite runs in network and mount namespaces of its own (unshare
# -n -m, a tmpfs on /run/lxdeck, a sysfs of its own): its lxdeckbr0, dnsmasq and lease file
# are private, the host's shared bridge and its dnsmasq are never touched.
# Needs root.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v unshare >/dev/null || skip_all "no unshare"
command -v dnsmasq >/dev/null || skip_all "no dnsmasq"
if [ -z "$LXDECK_NETNS_SUITE" ]; then
	mkdir -p /run/lxdeck
	exec env LXDECK_NETNS_SUITE=1 unshare -n -m --propagation private "$0" "$@"
fi
ip link set lo up
# /sys shows the network namespace of its mounter: this one's, from here
# (with the host's cgroup mounts moved onto it: liblxc needs them).
CG=$(mktemp -d /tmp/lxdeck-dnsmasq-cg.XXXXXX)
{ mount --rbind /sys/fs/cgroup "$CG" && mount -t sysfs sysfs /sys &&
    mount --move "$CG" /sys/fs/cgroup; } ||
	{ echo "not ok 1 - a sysfs of this netns"; exit 1; }
rmdir "$CG"
mount -t tmpfs -o mode=0755 tmpfs /run/lxdeck || { echo "not ok 1 - a private /run/lxdeck"; exit 1; }

BR=lxdeckbr0	# ENGINE_BRIDGE, in this network namespace only
D=$(mktemp -d /tmp/lxdeck-dnsmasq.XXXXXX)
chmod 755 "$D"
E() { timeout 120 "$BUILD/tools/engctl" -d "$D" "$@"; }
PIDFILE=/run/lxdeck/dnsmasq.$BR.pid
LEASES=/run/lxdeck/dnsmasq.$BR.leases
cleanup() {
	engine_purge "$D"
	[ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null
	umount -R "$D"/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$D"
}
trap cleanup EXIT

if getent passwd dnsmasq >/dev/null; then
	want_user=dnsmasq
else
	want_user=nobody
fi
want_uid=$(id -u "$want_user")
want_gid=$(getent group nogroup | cut -d: -f3)
[ -n "$want_gid" ] || want_gid=$(getent group nobody | cut -d: -f3)

wait_ipv4() {	# NAME
	local i
	for i in $(seq 1 100); do
		ip=$(E state "$1" | sed -n 's/^ipv4: //p')
		[ -n "$ip" ] && [ "$ip" != "-" ] && return 0
		sleep 0.2
	done
	return 1
}
# The Uid: or Gid: line of /proc/PID/status: real, effective, saved, fs.
ids() { awk -v k="$2:" '$1 == k {print $2, $3, $4, $5}' "/proc/$1/status"; }

ok "build and import the busybox image" engine_busybox "$D" "$D/busybox.tar.gz"
ok "launch c1 (makes $BR and starts dnsmasq)" E launch busybox c1
dpid=$(cat "$PIDFILE" 2>/dev/null)
like "dnsmasq runs for $BR" "$(cat "/proc/$dpid/comm" 2>/dev/null)" "^dnsmasq$"
is "dnsmasq's uids (real, effective, saved, fs) are $want_user's ($want_uid)" \
    "$(ids "$dpid" Uid)" "$want_uid $want_uid $want_uid $want_uid"
is "dnsmasq's gids are nogroup's ($want_gid)" \
    "$(ids "$dpid" Gid)" "$want_gid $want_gid $want_gid $want_gid"
like "ps: dnsmasq's uid and euid are not 0" "$(ps -o uid=,euid= -p "$dpid")" \
    "^ *[1-9][0-9]* +[1-9][0-9]* *$"
ok "c1 gets an IPv4 address from it (DHCP)" wait_ipv4 c1
mac=$(E show c1 | sed -n 's/^ *volatile\.eth0\.hwaddr: //p' | head -1)
[ -n "$mac" ] || mac=$(E exec c1 -- cat /sys/class/net/eth0/address)
ok "the lease of c1 ($mac) is in the lease file" grep -qi " $mac $ip " "$LEASES"
is "the lease file is root's, 0644" "$(stat -c '%u:%g %a' "$LEASES")" "0:0 644"
is "/run/lxdeck is root's, 0755" "$(stat -c '%u:%g %a' /run/lxdeck)" "0:0 755"
is "the pid file is root's again, 0644" "$(stat -c '%u:%g %a' "$PIDFILE")" "0:0 644"
ok "c1 stops" E stop c1 -f

# An older lxdeck's dnsmasq, as root, on the same bridge and files.
kill "$dpid"
for i in $(seq 1 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
addr=$(ip -4 -o addr show dev "$BR" | awk '{print $4}' | cut -d/ -f1)
net=${addr%.*}
ok "a dnsmasq as root on $BR (what older engines ran)" \
    dnsmasq --conf-file=/dev/null --strict-order --bind-interfaces \
    --except-interface=lo --interface="$BR" --listen-address="$addr" \
    --dhcp-range="$net.2,$net.254,1h" --pid-file="$PIDFILE" \
    --dhcp-leasefile="$LEASES" --user=root
rootpid=$(cat "$PIDFILE")
is "... runs as root" "$(ids "$rootpid" Uid)" "0 0 0 0"
ok "c1 starts again" E start c1
dpid=$(cat "$PIDFILE" 2>/dev/null)
for i in $(seq 1 50); do kill -0 "$rootpid" 2>/dev/null || break; sleep 0.1; done
nok "the root dnsmasq is gone" kill -0 "$rootpid"
isnt_root=$(ids "$dpid" Uid)
is "its successor runs as $want_user" "$isnt_root" "$want_uid $want_uid $want_uid $want_uid"
ok "c1 gets an IPv4 address again" wait_ipv4 c1
ok "... and its lease is in the lease file" grep -qi " $mac $ip " "$LEASES"
is "the lease file is still root's, 0644" "$(stat -c '%u:%g %a' "$LEASES")" "0:0 644"
done_testing
