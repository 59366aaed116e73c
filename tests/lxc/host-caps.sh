#!/bin/bash
# host-caps.sh - a host without a feature gets a clear answer, never a hang.
#
# In a chroot (an rbind of / with its own /run, in a private mount
# namespace) a process cannot create user namespaces.  The engine used to
# hang for ever at open there (the idmap probe's child died and the parent
# read a pipe whose write end it held itself).  Now, within seconds (15 s allowed: a cold machine is slow, a hang is forever):
#   - engctl, lxdeckd and the TUI open the engine;
#   - the warning "Unprivileged containers are not available" names the
#     missing feature and what still works (engctl, lxc warning list, the
#     TUI's status line on local:);
#   - creating an unprivileged container is refused with a 400 naming the
#     instance and the feature; a privileged one is made and runs;
#   - opened again outside the chroot, the warning is resolved and an
#     unprivileged container is accepted.
# Then the same for a directory on ramfs, which cannot be idmapped: the
# missing feature is then "idmapped mounts" (without them liblxc aborts an
# unprivileged start).  Needs root.  Starts no container on a network (in
# the chroot /run is not the host's, so the shared lxdeckbr0 and its
# dnsmasq are never touched).
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v unshare >/dev/null || skip_all "no unshare"
T=$(mktemp -d /tmp/lxdeck-hostcaps.XXXXXX)
chmod 755 "$T"
D=$T/dir
ROOT=$T/root
mkdir -p "$ROOT" "$T/home"
DPID=
cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	engine_purge "$D"
	rmdir "$ROOT" 2>/dev/null
	rm -rf --one-file-system "$T" "$LXD_CONF"
}
trap cleanup EXIT

# $T/in-chroot CMD...: CMD chrooted into an rbind of / (private mount
# namespace, a tmpfs on /run): user namespaces are refused there (EPERM).
cat >"$T/in-chroot" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount --rbind / "\$0" &&
    mount -t tmpfs tmpfs "\$0/run" && cd / && exec chroot "\$0" "\$@"' \
    "$ROOT" "\$@"
EOF
chmod +x "$T/in-chroot"
in_chroot() { "$T/in-chroot" "$@"; }
ms_now() { date +%s%3N; }
E() { "$BUILD/tools/engctl" -d "$D" "$@"; }
CE() { in_chroot timeout 20 "$BUILD/tools/engctl" -d "$D" "$@"; }

"$LXDECK_SRC/scripts/build-image" busybox "$T/busybox.tar.gz" >/dev/null ||
	{ echo "not ok 1 - build the busybox image"; exit 1; }

nok "the set-up: no user namespaces inside the chroot" in_chroot unshare -U true

t0=$(ms_now)
out=$(CE image-list 2>&1); rc=$?
t1=$(ms_now)
is "chroot: engctl image-list answers (no hang at engine open)" "$rc" 0
ok "chroot: ... within 15 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 15000
w=$(CE warning-list 2>&1)
like "chroot: warning: unprivileged containers are not available (new, high)" \
    "$w" $'(^|\n)new\thigh\tUnprivileged containers are not available\t'
like "chroot: ... names the feature and what still works" "$w" \
    "Privileged containers only: this host lacks user namespaces \(cannot create one: Operation not permitted\); no idmapped layers, no overlay storage"
ok "chroot: image import" CE image-import "$T/busybox.tar.gz" busybox
t0=$(ms_now)
out=$(CE launch busybox c1 2>&1); rc=$?
t1=$(ms_now)
is "chroot: launching an unprivileged container fails (not a timeout)" "$rc" 1
ok "chroot: ... within 15 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 15000
like "chroot: ... naming the instance and the missing feature" "$out" \
    'Failed to create instance "c1": Unprivileged containers need user namespaces, which this host lacks \(cannot create one: Operation not permitted\): only privileged containers \(security.privileged=true\) can run here'
unlike "chroot: ... and nothing is left of it" "$(CE list)" "^c1 "
ok "chroot: a privileged container is created" \
    CE init busybox c2 -c security.privileged=true
out=$(CE config-set c2 security.privileged=false 2>&1)
like "chroot: making it unprivileged is refused" "$out" \
    'Failed to update instance "c2": Unprivileged containers need user namespaces'
# A profile without a nic: no network is touched.
CE profile-create bare >/dev/null &&
    CE profile-device-add bare root type=disk path=/ pool=default >/dev/null
ok "chroot: a privileged container starts (what still works)" \
    CE launch busybox c3 -p bare -c security.privileged=true
is "chroot: ... and runs commands" "$(CE exec c3 -- id -u)" "0"
ok "chroot: ... and stops" CE stop c3 -f

# The TUI on local: says it on the status line.
out=$(in_chroot "$BUILD/tools/vtscreen" -s 100x24 -t 10000 \
    -c 'wait-text Privileged containers only; dump' -- env -i PATH="$PATH" \
    TERM=xterm-256color LANG=C.UTF-8 HOME="$T/home" \
    XDG_CONFIG_HOME="$T/home" LXDECK_DIR="$D" "$BUILD/lxdeck" 2>&1)
like "chroot: the TUI's status line on local: says what the host lacks" "$out" \
    "Privileged containers only: this host lacks user namespaces"

# lxdeckd in the chroot, the stock lxc client outside it.
if command -v lxc >/dev/null; then
	S=$T/unix.socket
	"$T/in-chroot" "$BUILD/lxdeckd" --dir "$D" --socket "$S" 2>"$T/lxdeckd.log" &
	DPID=$!
	for i in $(seq 1 300); do
		[ -S "$S" ] && break
		sleep 0.05
	done
	ok "chroot: lxdeckd serves within 15 s" test -S "$S"
	LXD_CONF=$(mktemp -d /tmp/lxdeck-hostcaps-conf.XXXXXX)
	export LXD_CONF
	printf 'default-remote: t\nremotes:\n  t:\n    addr: unix://%s\n    public: false\n' \
	    "$S" >"$LXD_CONF/config.yml"
	like "chroot: lxc warning list shows it" \
	    "$(timeout 20 lxc warning list --format csv 2>&1)" \
	    "Unprivileged containers are not available"
	out=$(timeout 20 lxc launch busybox c4 2>&1)
	like "chroot: lxc launch of an unprivileged container: the feature is named" \
	    "$out" 'Failed to create instance "c4": Unprivileged containers need user namespaces'
	out=$(timeout 20 curl -s --unix-socket "$S" -X POST -H 'Content-Type: application/json' \
	    -d '{"name":"c5","source":{"type":"image","alias":"busybox"}}' lxd/1.0/instances)
	like "chroot: POST /1.0/instances answers 400" "$out" '"error_code": ?400'
	kill -TERM "$DPID"
	wait "$DPID"
	is "chroot: lxdeckd stops cleanly" "$?" 0
	DPID=
fi

# Outside the chroot the same directory has user namespaces again.
w=$(E warning-list 2>&1)
like "host: the warning is resolved" "$w" \
    $'(^|\n)resolved\thigh\tUnprivileged containers are not available\t'
ok "host: an unprivileged container is created" E init busybox c6
ok "host: ... and c2 may become unprivileged" E config-set c2 security.privileged=false

# A filesystem that cannot be idmapped (ramfs): the feature is idmapped mounts.
rdir() {
	unshare -m --propagation private sh -c 'mount -t ramfs ramfs "$0" &&
	    chmod 755 "$0" && "$@"' "$T/ram" "$@"
}
mkdir -p "$T/ram"
w=$(rdir timeout 20 "$BUILD/tools/engctl" -d "$T/ram/d" warning-list 2>&1)
like "ramfs: warning names idmapped mounts" "$w" \
    $'new\thigh\tUnprivileged containers are not available\t[0-9]+\t[^\t]*\tPrivileged containers only: this host lacks idmapped mounts \(the kernel cannot idmap a mount on '
out=$(rdir sh -c "timeout 20 $BUILD/tools/engctl -d $T/ram/d image-import $T/busybox.tar.gz busybox >/dev/null &&
    timeout 20 $BUILD/tools/engctl -d $T/ram/d init busybox r1" 2>&1)
like "ramfs: an unprivileged container is refused, naming idmapped mounts" "$out" \
    'Failed to create instance "r1": Unprivileged containers need idmapped mounts, which this host lacks'

done_testing
