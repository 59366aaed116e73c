#!/bin/bash
# snapshot-diff.sh - the files changed since a snapshot (engine/snapshot-diff.c)
# with real containers: on overlay storage, files modified, added and deleted
# inside a running container after a snapshot are listed exactly, copy-ups
# that change nothing are not, a replaced (opaque) directory and a symlink
# retarget are seen, the list is capped; dir storage answers 501.
# Needs root.  Uses its own LXDECK_DIR; the bridge lxdeckbr0 is shared.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
D=$(mktemp -d /tmp/lxdeck-sdiff.XXXXXX)
chmod 755 "$D"
export LXDECK_DIR=$D
E="$BUILD/tools/engctl -d $D"
IMG=$D/busybox.tar.gz
trap 'engine_remove "$D"' EXIT

ok "build the busybox image" "$LXDECK_SRC/scripts/build-image" busybox "$IMG"
ok "import it" $E image-import "$IMG" busybox

in_c() {	# NAME SCRIPT
	$E exec "$1" -- sh -c "$2"
}

# Boot writes files of its own (utmp, resolv.conf from DHCP): let it finish
# so that the lists below hold only what the test changes.
wait_boot() {	# NAME
	local i
	for i in $(seq 1 100); do
		in_c "$1" '[ -e /var/run/utmp ] && grep -q nameserver /etc/resolv.conf' \
		    2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Overlay, unprivileged and privileged.
for priv in false true; do
	c=sd-o-$([ $priv = true ] && echo p || echo u)
	ok "[$c] launch on overlay" $E launch busybox "$c" -s overlay -c security.privileged=$priv
	ok "[$c] booted (DHCP done)" wait_boot "$c"
	in_c "$c" 'echo one > /root/f; echo old > /root/gone; ln -s /tmp /root/link; mkdir /srv;
	    ln -s / /srv/esc'
	ok "[$c] snapshot s1" $E snapshot "$c" s1
	is "[$c] nothing changed yet: empty list" "$($E snapshot-diff "$c" s1)" ""
	# Modified, added, deleted (a whiteout over the image), a directory of
	# the image replaced (opaque), a symlink retargeted, a mode change on a
	# copy-up, and a copy-up that changes nothing (not listed).  /srv/esc
	# was a link to / and is now a directory: the walk must not follow the
	# link onto the host's root.
	in_c "$c" 'echo two >> /root/f; echo new > /etc/new; rm /root/gone /bin/true;
	    rm -rf /etc/init.d; mkdir /etc/init.d; echo y > /etc/init.d/other;
	    ln -sfn /var /root/link; chmod 600 /etc/profile; chown 0:0 /etc/passwd;
	    mkdir /srv/nd; echo x > /srv/nd/x;
	    rm /srv/esc; mkdir /srv/esc; echo z > /srv/esc/z'
	want="D /bin/true
A /etc/init.d/other
D /etc/init.d/rcS
A /etc/new
M /etc/profile
M /root/f
D /root/gone
M /root/link
M /srv/esc/
A /srv/esc/z
A /srv/nd/
A /srv/nd/x"
	is "[$c] exactly the files changed since s1" "$($E snapshot-diff "$c" s1)" "$want"
	ok "[$c] a second snapshot s2" $E snapshot "$c" s2
	is "[$c] nothing changed since s2" "$($E snapshot-diff "$c" s2)" ""
	is "[$c] s1 still gives the same list" "$($E snapshot-diff "$c" s1)" "$want"
	in_c "$c" 'mkdir /tmp/many; i=0; while [ $i -lt 1005 ]; do : > /tmp/many/f$i; i=$((i+1)); done'
	out=$($E snapshot-diff "$c" s2)
	is "[$c] a long list is capped at 1000 lines and a count" "$(echo "$out" | wc -l)" 1001
	is "[$c] the count says how many more" "$(echo "$out" | tail -1)" "... 6 more"
	# Restoring a running instance restarts it, and its boot rewrites
	# resolv.conf (DHCP) as it did the first time: once booted, that is
	# the only difference; restored while stopped, there is none.
	ok "[$c] restore s1" $E restore "$c" s1
	ok "[$c] booted again after the restore" wait_boot "$c"
	is "[$c] after restoring s1 only the boot's own writes differ" \
	    "$($E snapshot-diff "$c" s1 | grep -vx 'M /etc/resolv.conf')" ""
	ok "[$c] stop" $E stop "$c" -f
	ok "[$c] restore s1 while stopped" $E restore "$c" s1
	is "[$c] after restoring s1 nothing differs from it" "$($E snapshot-diff "$c" s1)" ""
	in_c_stopped=$($E snapshot-diff "$c" s2 | head -3)
	like "[$c] works on a stopped instance too" "$in_c_stopped" "^A /bin/true"
done

e=$($E snapshot-diff sd-o-u nosuch 2>&1)
like "unknown snapshot: 404 naming it" "$e" '^Error \(404\): .*Snapshot "nosuch" not found'
e=$($E snapshot-diff nosuch s1 2>&1)
like "unknown instance: 404 naming it" "$e" '^Error \(404\): .*"nosuch/s1".*not found'

c=sd-dir
ok "[$c] launch on dir storage" $E launch busybox "$c" -s dir
ok "[$c] snapshot" $E snapshot "$c" s1
in_c "$c" 'echo new > /etc/new'
e=$($E snapshot-diff "$c" s1 2>&1)
like "[$c] dir storage: 501 saying why" "$e" \
    '^Error \(501\): File changes are only tracked cheaply on overlay storage: instance "sd-dir" uses "dir"'
done_testing
