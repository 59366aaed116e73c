#!/bin/bash
# engine-lifecycle.sh - the embedded engine with real containers: create,
# start, exec, snapshot, restore, copy, rename, freeze, delete, on both
# storage drivers, privileged and unprivileged; state, network, profiles,
# config and devices; every bad input refused with nothing left behind.
# Needs root.  Uses its own LXDECK_DIR; the bridge lxdeckbr0 is shared.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
export LXDECK_DIR=$(mktemp -d /tmp/lxdeck-engine.XXXXXX)
E=$BUILD/tools/engctl
IMG=$LXDECK_DIR/busybox.tar.gz
trap 'engine_remove "$LXDECK_DIR"' EXIT

ok "build the busybox image" "$LXDECK_SRC/scripts/build-image" busybox "$IMG"
ok "import it with an alias" $E image-import "$IMG" busybox
fp=$(sha256sum "$IMG" | cut -d' ' -f1)
like "image listed with its LXD fingerprint" "$($E image-list)" "^$fp busybox busybox"

wait_ipv4() {	# NAME
	local i
	for i in $(seq 1 50); do
		ip=$($E state "$1" | sed -n 's/^ipv4: //p')
		[ -n "$ip" ] && [ "$ip" != "-" ] && return 0
		sleep 0.2
	done
	return 1
}

for storage in overlay dir; do
	for priv in false true; do
		c=t-$storage-$([ $priv = true ] && echo p || echo u)
		ok "[$c] launch" $E launch busybox "$c" -s $storage -c security.privileged=$priv
		like "[$c] running" "$($E list | grep "^$c ")" "^$c Running"
		is "[$c] exec (lxc attach) runs as root inside" "$($E exec "$c" -- id -u)" "0"
		is "[$c] seccomp filter on every process" \
		    "$($E exec "$c" -- sh -c 'grep ^Seccomp: /proc/self/status' | awk '{print $2}')" "2"
		$E exec "$c" -- sh -c 'echo before > /root/f'
		pid=$($E state "$c" | sed -n 's/^pid: //p')
		hostuid=$(awk '$1 == 0 {print $2}' /proc/$pid/uid_map)
		if [ $priv = true ]; then
			is "[$c] privileged: no user namespace" "$hostuid" "0"
		else
			base=$(awk -F: '$1 == "root" && $3 >= 65536 {print $2; exit}' /etc/subuid)
			is "[$c] unprivileged: root maps to root's subordinate range" "$hostuid" "$base"
		fi
		data=$LXDECK_DIR/containers/$c/rootfs
		[ $storage = overlay ] && data=$LXDECK_DIR/containers/$c/ov/upper
		is "[$c] files stay uid 0 on disk (no chown)" "$(stat -c %u "$data/root/f")" "0"
		ok "[$c] gets an IPv4 address on lxdeckbr0 (DHCP)" wait_ipv4 "$c"
		st=$($E state "$c")
		like "[$c] state has processes" "$st" "processes: [1-9]"
		like "[$c] state has memory" "$st" "memory: [1-9][0-9]+"
		ok "[$c] snapshot while running" $E snapshot "$c" s1
		$E exec "$c" -- sh -c 'echo after > /root/f'
		ok "[$c] restore (running: stopped, restored, started)" $E restore "$c" s1
		is "[$c] restore reverted the file" "$($E exec "$c" -- cat /root/f)" "before"
		like "[$c] running again after restore" "$($E list | grep "^$c ")" "Running"
		ok "[$c] copy from a snapshot" $E copy "$c/s1" "$c-copy"
		ok "[$c] start the copy" $E start "$c-copy"
		is "[$c] the copy has the snapshot's files" "$($E exec "$c-copy" -- cat /root/f)" "before"
		ok "[$c] freeze" $E freeze "$c"
		like "[$c] frozen" "$($E list | grep "^$c ")" "Frozen"
		nok "[$c] starting a frozen instance is refused" $E start "$c"
		ok "[$c] unfreeze" $E unfreeze "$c"
		nok "[$c] deleting a running instance is refused" $E delete "$c"
		ok "[$c] stop (clean, then forced)" $E stop "$c" -t 5
		ok "[$c] rename while stopped" $E rename "$c" "$c-r"
		ok "[$c] start after rename" $E start "$c-r"
		is "[$c] hostname follows the name" "$($E exec "$c-r" -- hostname)" "$c-r"
		mac=$($E state "$c-r" | awk '$1 == "nic:" && $2 == "eth0" {print $4}')
		ok "[$c] force stop" $E stop "$c-r" -f
		ok "[$c] delete" $E delete "$c-r"
		for i in $(seq 1 40); do
			grep -qi "$mac" /run/lxdeck/dnsmasq.lxdeckbr0.leases || break
			sleep 0.1
		done
		nok "[$c] its DHCP lease is given back ($mac)" grep -qi "$mac" /run/lxdeck/dnsmasq.lxdeckbr0.leases
		ok "[$c] delete the copy" sh -c "$E stop $c-copy -f && $E delete $c-copy"
		nok "[$c] gone" test -e "$LXDECK_DIR/containers/$c-r"
	done
done

# Bad input: clear errors, nothing half-made.
err=$($E init busybox 9bad 2>&1)
like "invalid name refused naming it" "$err" 'Invalid instance name "9bad"'
err=$($E init busybox good1 -c foo.bar=1 2>&1)
like "unknown key refused naming it" "$err" 'foo.bar'
err=$($E init busybox good1 -c limits.memory=lots 2>&1)
like "bad value refused naming key and value" "$err" 'limits.memory.*lots'
err=$($E init nosuchimage good1 2>&1)
like "missing image refused" "$err" 'nosuchimage.*not found|not found.*nosuchimage'
nok "nothing left of the failed creates" test -e "$LXDECK_DIR/containers/good1"
is "no rows left either" "$($E list)" ""
ok "create c1" $E init busybox c1
err=$($E init busybox c1 2>&1)
like "name collision refused" "$err" 'already exists'
err=$($E snapshot c1 --stateful 2>&1)
like "stateful snapshot refused up front (CRIU)" "$err" 'CRIU'
is "no half snapshot" "$($E snapshots c1)" ""
ok "snapshot with an expiry" $E snapshot c1 short --expiry 1
ok "snapshot without" $E snapshot c1 keep
like "both listed, one expiring" "$($E snapshots c1)" "short expires"
sleep 1.5
$E monitor 0.3 >/dev/null	# a process whose loop turns expires them
is "expired snapshot removed" "$($E snapshots c1)" "keep"
ok "snapshots.expiry gives new snapshots an expiry" $E config-set c1 snapshots.expiry=1H
like "default expiry applied" "$($E snapshots c1; $E snapshot c1 auto; $E snapshots c1)" "auto expires"
ok "clean up snapshots" sh -c "$E snapshot-delete c1 keep && $E snapshot-delete c1 auto && $E config-set c1 snapshots.expiry="

# Profiles: expansion, devices, live limits, deletion in use.
ok "profile create" $E profile-create lim
ok "profile set limits.memory" $E profile-set lim limits.memory=64MiB
ok "profile device: read-only host bind mount" \
    $E profile-device-add lim data type=disk source=/usr/share/common-licenses path=/mnt/lic readonly=true
ok "profile device: unix-char with major/minor looked up" \
    $E profile-device-add lim null2 type=unix-char source=/dev/null path=/dev/null2
ok "assign default,lim" $E profile-assign c1 default,lim
like "expanded config has the profile's key" "$($E show c1)" "limits.memory: 64MiB"
ok "start c1" $E start c1
pid=$($E state c1 | sed -n 's/^pid: //p')
mem=$(awk -F: '$2 ~ /memory/ {print $3}' /proc/$pid/cgroup)
is "memory limit applied to the cgroup" "$(cat /sys/fs/cgroup/memory$mem/memory.limit_in_bytes)" "67108864"
ok "bind mount visible" $E exec c1 -- test -f /mnt/lic/GPL-3
nok "bind mount is read-only" $E exec c1 -- touch /mnt/lic/x
ok "unix-char device usable" $E exec c1 -- sh -c 'echo x > /dev/null2'
ok "edit the profile" $E profile-set lim limits.memory=96MiB
is "profile edit re-applied live to its user" "$(cat /sys/fs/cgroup/memory$mem/memory.limit_in_bytes)" "100663296"
err=$($E profile-delete lim 2>&1)
like "profile in use cannot be deleted (names users)" "$err" 'in use.*c1'
ok "config set on the instance wins over the profile" $E config-set c1 limits.memory=80MiB
is "local config applied live" "$(cat /sys/fs/cgroup/memory$mem/memory.limit_in_bytes)" "83886080"
like "docker profile has nesting" "$($E profile-show docker)" "security.nesting: true"

# Files: push, pull, directories, symlinks; never out of the container.
echo "hello file" > "$LXDECK_DIR/hello.txt"
ok "file push into a running unprivileged instance" sh -c "$E file-push c1 /root/hello.txt < $LXDECK_DIR/hello.txt"
is "pushed file readable inside" "$($E exec c1 -- cat /root/hello.txt)" "hello file"
is "pushed file owned by root inside" "$($E exec c1 -- stat -c %u /root/hello.txt)" "0"
is "file pull" "$($E file-pull c1 root/hello.txt 2>/dev/null)" "hello file"
ok "push a directory" $E file-push c1 /root/newdir directory
like "pull lists a directory" "$($E file-pull c1 /root 2>/dev/null)" "newdir"
ok "push a symlink" $E file-push c1 /root/link symlink /etc/passwd
is "pull gives the link itself" "$($E file-pull c1 /root/link 2>/dev/null)" "-> /etc/passwd"
$E exec c1 -- ln -s /../../../../etc /root/escape
nok "a path climbing out stays inside (no host /etc/hostname)" sh -c "$E file-pull c1 ../../../../../etc/hostname"
nok "a symlink pointing out stays inside" sh -c "$E file-pull c1 /root/escape/hostname"
$E exec c1 -- ln -s /root/target /root/trap
nok "pushing through a final symlink is refused" sh -c "echo x | $E file-push c1 /root/trap"
ok "file delete" $E file-delete c1 /root/hello.txt
nok "deleted" $E exec c1 -- test -e /root/hello.txt
ok "stop c1 for stopped-file checks" $E stop c1 -f
ok "file push into a stopped overlay instance" sh -c "$E file-push c1 /root/offline.txt < $LXDECK_DIR/hello.txt"
ok "start c1 again" $E start c1
is "file pushed while stopped is there" "$($E exec c1 -- cat /root/offline.txt)" "hello file"

# Ephemeral instances go away when stopped.
ok "launch ephemeral" $E launch busybox eph -e
ok "stop ephemeral" $E stop eph -f
nok "ephemeral deleted on stop" sh -c "$E list | grep -q '^eph '"

# Events reach other processes using the same directory; a container that
# powers itself off is noticed (and deleted when ephemeral).
$E monitor 40 > "$LXDECK_DIR/monitor.log" &
mon=$!
for i in $(seq 1 50); do grep -q monitoring "$LXDECK_DIR/monitor.log" 2>/dev/null && break; sleep 0.1; done
ok "launch mon1 from another process" $E launch busybox mon1
ok "launch ephemeral eph2" $E launch busybox eph2 -e
ok "poweroff inside mon1" $E exec mon1 -- poweroff
ok "poweroff inside eph2" $E exec eph2 -- poweroff
for i in $(seq 1 300); do
	grep -q 'instance-deleted /1.0/instances/eph2' "$LXDECK_DIR/monitor.log" &&
	    grep -q 'instance-stopped /1.0/instances/mon1' "$LXDECK_DIR/monitor.log" && break
	sleep 0.1
done
kill $mon 2>/dev/null; wait $mon 2>/dev/null
mlog=$(cat "$LXDECK_DIR/monitor.log")
like "another process saw instance-created" "$mlog" "instance-created /1.0/instances/mon1"
like "another process saw instance-started" "$mlog" "instance-started /1.0/instances/mon1"
like "a poweroff inside is reported as instance-stopped" "$mlog" "instance-stopped /1.0/instances/mon1"
like "an ephemeral instance that powered off is deleted" "$mlog" "instance-deleted /1.0/instances/eph2"
like "mon1 is stopped" "$($E list | grep '^mon1 ')" "Stopped"
nok "eph2 is gone" sh -c "$E list | grep -q '^eph2 '"

# Containers outlive the process that started them (engctl exited).
like "c1 still running after its starter exited" "$($E list | grep '^c1 ')" "Running"

# kill -9 in the middle of a create leaves a consistent state.  The
# create is stopped (SIGSTOP) as soon as its directory appears and killed
# only if its row still says "creating": a create that won the race (it
# is fast) is tried again under another name, so the half-made path is
# the one that runs.
phase() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
r = c.execute("SELECT phase FROM instances WHERE name = ?", (sys.argv[2],)).fetchone()
print(r[0] if r else "")' "$LXDECK_DIR/lxdeck.db" "$1"
}
killed=
for try in 1 2 3 4 5 6 7 8; do
	$E init busybox "killed$try" -s dir >/dev/null 2>&1 &
	for i in $(seq 1 400); do
		[ -d "$LXDECK_DIR/containers/killed$try" ] && break
		sleep 0.005
	done
	pkill -STOP -f "engctl init busybox killed$try"
	if [[ "$(phase "killed$try")" == creating* ]]; then
		pkill -9 -f "engctl init busybox killed$try"
		wait 2>/dev/null
		killed=killed$try
		break
	fi
	pkill -CONT -f "engctl init busybox killed$try"
	wait 2>/dev/null
	$E delete "killed$try" >/dev/null 2>&1
done
ok "a create was killed half-way (attempt $try)" test -n "$killed"
killed=${killed:-killed}
sleep 0.2
$E list >/dev/null	# opening the engine recovers
nok "half-made instance removed at next open" test -e "$LXDECK_DIR/containers/$killed"
nok "and its row" sh -c "$E list | grep -q '^$killed '"
ok "the name can be used again" $E init busybox "$killed"

done_testing
