#!/bin/bash
# storage-perms.sh - the storage tree hands no host user a way to root.
#
# With idmapped layers a file the container's root makes is host uid 0 on
# disk, setuid bit included.  Here setuid-root programs (a static probe that
# prints its euid and never drops it) are made inside running containers
# (dir, overlay, privileged), kept in snapshots, restored and copied, and
# shipped in an image.  Then root finds every path to them under
# LXDECK_DIR (rootfs, overlay upper, the mounted rootfs and idmapped layers,
# snapshots, the unpacked image) and, as nobody, each one must give no
# euid 0 and no byte, and nobody's own find lists none of them.  A tree an
# older lxdeck left open (0711 instance directories, images/, snapshots/)
# and database (0644) is closed when the engine opens, running containers keep running and
# start again.  Last, a LXDECK_DIR under a 0700 parent (what mktemp -d
# makes) is refused by engctl, lxdeckd and the TUI with a message naming the
# directory and the fix, instead of liblxc's "ABORTING" at the first start.
# The same probe inside a container of the reference LXD, where one runs
# here, is out of nobody's reach under /var/lib/lxd as well.
# Needs root.  Our containers get a profile without a nic (no network).
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
PROBE=$BUILD/tools/euid-probe
[ -x "$PROBE" ] || skip_all "build first (make): no $PROBE"
command -v runuser >/dev/null || skip_all "no runuser"
T=$(mktemp -d /tmp/lxdeck-sperm.XXXXXX)
chmod 0711 "$T"		# unprivileged containers traverse it
D=$T/d
X=
DPID=
cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	engine_purge "$D"
	umount -R "$D"/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$T" ${X:+"$X"}
}
trap cleanup EXIT
E() { timeout 120 "$BUILD/tools/engctl" -d "$D" "$@"; }
# runuser, not setpriv: setpriv keeps root's capabilities until its
# execve, so the kernel resolves the program's path as root and reaches
# what nobody cannot (a false alarm here).
nobody() { runuser -u nobody -- "$@"; }

# The control: where nobody can reach it, a setuid-root probe gives euid 0
# (so /tmp allows setuid and the probe shows what the test looks for).
cp "$PROBE" "$T/control" && chmod 4755 "$T/control"
is "control: a reachable setuid-root probe run by nobody says euid=0" \
    "$(nobody "$T/control" 2>&1)" "euid=0"
rm -f "$T/control"

# An image that ships a setuid-root probe.
mkdir -p "$T/img"
"$LXDECK_SRC/scripts/build-image" busybox "$T/bb.tar.gz" >/dev/null &&
    tar -C "$T/img" --numeric-owner -xpzf "$T/bb.tar.gz" &&
    cp "$PROBE" "$T/img/rootfs/bin/probe-image" &&
    chown 0:0 "$T/img/rootfs/bin/probe-image" &&
    chmod 4755 "$T/img/rootfs/bin/probe-image" &&
    cp "$PROBE" "$T/img/rootfs/bin/euid-src" &&
    tar -C "$T/img" --numeric-owner -czf "$T/suid.tar.gz" metadata.yaml rootfs
ok "image with a setuid-root probe imported" E image-import "$T/suid.tar.gz" suidimg
rm -rf "$T/img"
E profile-create bare >/dev/null &&
    E profile-device-add bare root type=disk path=/ pool=default >/dev/null

# make_probe C: the container's root copies the probe (the image's plain
# euid-src) and makes it setuid root, as `cp busybox; chmod 4755` would,
# but with a program that keeps its euid.
make_probe() {
	E exec "$1" -- sh -c 'cp /bin/euid-src /bin/probe-ct &&
	    chmod 4755 /bin/probe-ct' &&
	    [ "$(E exec "$1" -- stat -c %a:%u /bin/probe-ct)" = "4755:0" ]
}
for s in dir overlay; do
	ok "[$s] unprivileged container from the image" \
	    E launch suidimg sp-$s -p bare -s $s
	ok "[$s] its root makes a setuid-root probe inside" make_probe sp-$s
	ok "[$s] snapshot" E snapshot sp-$s snap0
	ok "[$s] copy from the snapshot" E copy sp-$s/snap0 sp-$s-copy
	ok "[$s] ... starts" E start sp-$s-copy
	is "[$s] ... and has the probe" \
	    "$(E exec sp-$s-copy -- stat -c %a:%u /bin/probe-ct)" "4755:0"
done
restore_start() { E stop "$1" -f && E restore "$1" snap0 && E start "$1"; }
ok "[restore] overlay restored from its snapshot, started again" restore_start sp-overlay
ok "[privileged] a privileged container" \
    E launch suidimg sp-priv -p bare -s dir -c security.privileged=true
ok "[privileged] its root makes a setuid-root probe" make_probe sp-priv
ok "[privileged] snapshot" E snapshot sp-priv snap0
ok "[published] publishing the overlay one's snapshot" E publish sp-overlay/snap0 pubimg

# check_tree WHAT: every path to a probe under $D, as root finds it, gives
# nobody no euid 0 and no read; nobody's own find lists none.
check_tree() {
	local what=$1 p rel n=0 bad=0 out
	local -A kinds=()
	while IFS= read -r p; do
		n=$((n + 1))
		rel=${p#"$D"/}
		case $rel in
		containers/*/rootfs/*) kinds[rootfs]=1 ;;
		containers/*/ov/upper/*) kinds[upper]=1 ;;
		containers/*/mnt/*) kinds[mnt]=1 ;;
		snapshots/*) kinds[snapshot]=1 ;;
		images/*) kinds[image]=1 ;;
		esac
		out=$(nobody "$p" 2>&1)
		if [[ $out =~ euid=0 ]]; then
			echo "# $rel: nobody ran it as euid 0"
			bad=$((bad + 1))
		fi
		if nobody head -c1 "$p" >/dev/null 2>&1; then
			echo "# $rel: nobody read it"
			bad=$((bad + 1))
		fi
	done < <(find "$D" -name 'probe-*' -type f 2>/dev/null)
	ok "$what: root finds the probes under rootfs, upper, mounts, snapshots, images ($n paths)" \
	    test -n "${kinds[rootfs]}" -a -n "${kinds[upper]}" -a -n "${kinds[mnt]}" \
	    -a -n "${kinds[snapshot]}" -a -n "${kinds[image]}" -a $n -ge 15
	is "$what: as nobody, no path gives euid 0 or a byte ($n tried)" "$bad" 0
	is "$what: nobody's find lists no probe" \
	    "$(nobody find "$D" -name 'probe-*' 2>/dev/null)" ""
	is "$what: nobody's find lists nothing of containers/, snapshots/, images/" \
	    "$(nobody find "$D" -mindepth 2 2>/dev/null)" ""
	nok "$what: nobody cannot list an instance directory" nobody ls "$D/containers/sp-dir"
	nok "$what: ... nor images/" nobody ls "$D/images"
	nok "$what: ... nor snapshots/" nobody ls "$D/snapshots"
}
check_tree "running"
is "modes: containers/NAME root:<container root gid> 0710 (unprivileged)" \
    "$(stat -c %a:%u:%g "$D/containers/sp-dir")" \
    "710:0:$(awk -F: '$1 == "root" { print $2; exit }' /etc/subgid)"
is "modes: ... root:root 0700 (privileged)" "$(stat -c %a:%u:%g "$D/containers/sp-priv")" "700:0:0"
is "modes: images/ and snapshots/ 0700, containers/ 0711" \
    "$(stat -c %a "$D/images" "$D/snapshots" "$D/containers" | tr '\n' ' ')" "700 700 711 "

# The database (core.trust_password's hash, every instance's config) is
# root's alone, its -wal and -shm too.
is "modes: lxdeck.db and its -wal, -shm 0600" \
    "$(stat -c %a "$D/lxdeck.db" "$D/lxdeck.db-wal" "$D/lxdeck.db-shm" | tr '\n' ' ')" "600 600 600 "
nok "nobody cannot read the database" nobody cat "$D/lxdeck.db"

# The tree an older lxdeck made: instance directories, images/ and
# snapshots/ 0711, a database 0644, a stopped one and running ones.
ok "upgrade: sp-dir stopped" E stop sp-dir -f
chmod 0711 "$D"/containers/* "$D/images" "$D/snapshots"
chmod 0644 "$D/lxdeck.db" "$D/lxdeck.db-wal" "$D/lxdeck.db-shm"
chgrp root "$D"/containers/*
is "upgrade: (set-up) nobody reaches a probe again" \
    "$(nobody "$D/containers/sp-dir/rootfs/bin/probe-ct" 2>&1)" "euid=0"
ok "upgrade: the engine opens" E list
check_tree "after the upgrade"
is "upgrade: the database is 0600 again" \
    "$(stat -c %a "$D/lxdeck.db" "$D/lxdeck.db-wal" "$D/lxdeck.db-shm" | tr '\n' ' ')" "600 600 600 "
is "upgrade: running ones still run" \
    "$(E list | awk '$1 == "sp-overlay" || $1 == "sp-priv" { print $1, $2 }' | tr '\n' ' ')" \
    "sp-overlay Running sp-priv Running "
ok "upgrade: a running overlay one still execs" E exec sp-overlay -- true
ok "upgrade: the stopped dir one starts" E start sp-dir
ok "upgrade: the overlay one restarts" E restart sp-overlay -f
is "upgrade: ... and runs" "$(E exec sp-overlay -- /bin/probe-ct)" "euid=0"

# A LXDECK_DIR the containers' root cannot traverse.
X=$(mktemp -d /tmp/lxdeck-sperm-0700.XXXXXX)
is "(set-up) mktemp -d makes a 0700 directory" "$(stat -c %a "$X")" 700
msg="Unprivileged containers cannot reach \"$X/d\": their root \(host uid [0-9]+\) cannot search \"$X\" \(mode 0700\)\. Fix: chmod o\+x \"$X\" or choose another LXDECK_DIR"
out=$(timeout 20 "$BUILD/tools/engctl" -d "$X/d" image-list 2>&1); rc=$?
is "0700 parent: engctl refuses (exit 1)" "$rc" 1
like "0700 parent: ... naming the directory and the fix" "$out" "$msg"
timeout 20 "$BUILD/lxdeckd" --dir "$X/d" --socket "$X/unix.socket" >"$X/out" 2>&1; rc=$?
is "0700 parent: lxdeckd exits 1" "$rc" 1
like "0700 parent: ... saying the same" "$(cat "$X/out")" "Failed to start the local backend: $msg"
nok "0700 parent: ... and serves nothing" test -S "$X/unix.socket"
mkdir -p "$X/home"
out=$("$BUILD/tools/vtscreen" -s 220x24 -t 10000 -c 'wait-text cannot; dump' -- \
    env -i PATH="$PATH" TERM=xterm-256color LANG=C.UTF-8 HOME="$X/home" \
    XDG_CONFIG_HOME="$X/home" LXDECK_DIR="$X/d" "$BUILD/lxdeck" 2>&1)
like "0700 parent: the TUI on local: says it" "$out" \
    "Unprivileged containers cannot reach \"$X/d\": their root \(host uid [0-9]+\) cannot search \"$X\""
chmod o+x "$X"
ok "0700 parent: after the fix, the engine opens" \
    timeout 20 "$BUILD/tools/engctl" -d "$X/d" image-list
ok "0700 parent: ... and an unprivileged container starts" sh -c "
    timeout 60 '$BUILD/tools/engctl' -d '$X/d' image-import '$T/suid.tar.gz' s >/dev/null &&
    timeout 60 '$BUILD/tools/engctl' -d '$X/d' profile-create bare >/dev/null &&
    timeout 60 '$BUILD/tools/engctl' -d '$X/d' profile-device-add bare root type=disk path=/ pool=default >/dev/null &&
    timeout 60 '$BUILD/tools/engctl' -d '$X/d' launch s sp-x -p bare"
engine_purge "$X/d"

# The reference LXD, where it runs here: the same probe, made setuid root
# inside one of its containers and kept in a snapshot, is out of nobody's
# reach under /var/lib/lxd too.
REF_SOCK=
command -v lxc >/dev/null &&
    REF_SOCK=$("$LXDECK_SRC/scripts/lxd-ref" 2>/dev/null | head -1)
if [ -S "$REF_SOCK" ]; then
	mkdir -p "$T/refconf"
	printf 'default-remote: ref\nremotes:\n  ref:\n    addr: unix://%s\n    public: false\n' \
	    "$REF_SOCK" >"$T/refconf/config.yml"
	L() { LXD_CONF=$T/refconf timeout 120 lxc "$@"; }
	R=sp-ref-$$
	ok "ref: launch a container" L launch busybox $R
	ok "ref: push the probe" L file push "$PROBE" $R/bin/euid-src --mode 0755
	ok "ref: its root makes a setuid-root probe" L exec $R -- sh -c \
	    'cp /bin/euid-src /bin/probe-ref && chmod 4755 /bin/probe-ref'
	ok "ref: snapshot" L snapshot $R snap0
	n=0 bad=0
	while IFS= read -r p; do
		n=$((n + 1))
		[[ $(nobody "$p" 2>&1) =~ euid=0 ]] && { echo "# $p: euid 0"; bad=$((bad + 1)); }
		nobody head -c1 "$p" >/dev/null 2>&1 && { echo "# $p: read"; bad=$((bad + 1)); }
	done < <(find /var/lib/lxd -name probe-ref -type f 2>/dev/null)
	ok "ref: root finds the probe in the container and its snapshot ($n paths)" test $n -ge 2
	is "ref: as nobody, no path gives euid 0 or a byte" "$bad" 0
	is "ref: instance directory 0100 owned by the root id" \
	    "$(stat -c %a:%u "/var/lib/lxd/storage-pools/default/containers/$R")" \
	    "100:$(awk -F: '$1 == "root" { print $2; exit }' /etc/subuid)"
	L delete -f $R >/dev/null 2>&1
else
	skip "ref: the same against the reference LXD" "no reference LXD here"
fi

done_testing
