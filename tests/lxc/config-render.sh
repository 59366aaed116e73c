#!/bin/bash
# config-render.sh - liblxc 5.0.2 accepts and runs the LXC config that
# config_render_lxc() writes: a busybox container, privileged and
# unprivileged (idmapped rootfs), no nic, starts; its init runs under our
# seccomp policy (Seccomp: 2), with the limits, the id map, the dropped
# capabilities, a bind-mounted disk and a unix-char device we asked for.
# Root only; everything lives in a temp dir.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
command -v lxc-start >/dev/null || skip_all "lxc tools not installed"
[ -x /bin/busybox ] || skip_all "busybox-static not installed"
RENDER=$BUILD/tools/render-config
[ -x "$RENDER" ] || skip_all "build/tools/render-config not built"

TMP=$(mktemp -d /tmp/lxdeck-cfg.XXXXXX)
chmod 755 "$TMP"
LXCP=$TMP/lxc
STARTED=()
cleanup() {
	local n
	for n in "${STARTED[@]}"; do
		lxc-stop -P "$LXCP" -n "$n" -k >/dev/null 2>&1
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

# A minimal busybox rootfs (TESTING-NOTES: the applet list includes busybox
# itself, which must stay the real binary).
make_rootfs() {
	local r=$1 a
	mkdir -p "$r"/{bin,sbin,etc/init.d,dev,proc,sys,tmp,root,mnt,run}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] && continue
		ln -sf busybox "$r/bin/$a"
	done
	ln -sf /bin/busybox "$r/sbin/init"
	printf '::sysinit:/etc/init.d/rcS\n::respawn:-/bin/sh\n' >"$r/etc/inittab"
	printf '#!/bin/sh\nmount -t tmpfs tmpfs /tmp 2>/dev/null\n' >"$r/etc/init.d/rcS"
	chmod 755 "$r/etc/init.d/rcS"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
}

ok "write the seccomp policy" "$RENDER" --write-seccomp "$TMP/seccomp.policy"
mkdir -p "$TMP/share"
echo "hello from the host" >"$TMP/share/greeting"

# start NAME [render args...]: render, start, wait for RUNNING.
start() {
	local n=$1
	shift
	mkdir -p "$LXCP/$n"
	make_rootfs "$LXCP/$n/rootfs"
	ok "$n: render the config" sh -c "'$RENDER' --name $n --rootfs '$LXCP/$n/rootfs' \
	    --seccomp '$TMP/seccomp.policy' --log '$LXCP/$n/lxc.log' \
	    --console '$LXCP/$n/console.log' $* >'$LXCP/$n/config'"
	STARTED+=("$n")
	ok "$n: lxc-start accepts the config" lxc-start -P "$LXCP" -n "$n"
	ok "$n: reaches RUNNING" lxc-wait -P "$LXCP" -n "$n" -s RUNNING -t 15
	# init needs a moment to set up before attach sees a settled container
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		lxc-attach -P "$LXCP" -n "$n" -- true >/dev/null 2>&1 && break
		sleep 0.3
	done
	if [ -s "$LXCP/$n/lxc.log" ] && ! lxc-info -P "$LXCP" -n "$n" -s | grep -q RUNNING; then
		sed 's/^/# lxc.log: /' "$LXCP/$n/lxc.log" | tail -20
	fi
}

in_ct() {
	local n=$1
	shift
	lxc-attach -P "$LXCP" -n "$n" -- "$@" 2>&1
}

cg_v1() {	# cg_v1 NAME CONTROLLER FILE: read it from the host
	local pid path
	pid=$(lxc-info -P "$LXCP" -n "$1" -p -H)
	path=$(awk -F: -v c="$2" '$2 ~ "(^|,)"c"(,|$)" {print $3}' "/proc/$pid/cgroup")
	cat "/sys/fs/cgroup/$2$path/$3" 2>&1
}

# seccomp_checks NAME: init and its children run under the seccomp policy.
# Module loading is denied by the policy with ENOSYS (errno 38, which busybox
# words "kernel does not support requested operation") before any capability
# check could answer EPERM.
seccomp_checks() {
	like "$1: init runs under seccomp filter mode" \
	    "$(in_ct "$1" grep Seccomp: /proc/self/status)" '^Seccomp:[[:space:]]+2'
	like "$1: ... and so does init" "$(in_ct "$1" grep Seccomp: /proc/1/status)" \
	    '^Seccomp:[[:space:]]+2'
	like "$1: init_module is denied by the policy" \
	    "$(in_ct "$1" sh -c 'echo x >/tmp/m.ko; insmod /tmp/m.ko')" \
	    '(kernel does not support requested operation|Function not implemented)'
}

# The devices both containers get: a host directory and a second /dev/null.
SHARE=(-d "share:type=disk" -d "share:source=$TMP/share" -d "share:path=/mnt/share")
NULL2=(-d "null2:type=unix-char" -d "null2:source=/dev/null" -d "null2:path=/dev/null2")

# --- privileged -------------------------------------------------------------
P=lxdeck-cfg-priv-$$
start "$P" --privileged -c security.privileged=true -c limits.memory=64MiB \
    -c limits.processes=100 -c environment.GREETING=hi \
    "${SHARE[@]}" -d "share:readonly=true" "${NULL2[@]}"
seccomp_checks "$P"
like "$P: no user namespace" "$(in_ct "$P" cat /proc/self/uid_map)" \
    '^ +0 +0 +4294967295'
capbnd=$(in_ct "$P" grep CapBnd: /proc/self/status | awk '{print $2}')
# sys_module is bit 16, sys_time 25, sys_rawio 17
ok "$P: sys_module, sys_rawio and sys_time are dropped" \
    test $(( (0x$capbnd >> 16) & 1 )) -eq 0 -a $(( (0x$capbnd >> 25) & 1 )) -eq 0 \
    -a $(( (0x$capbnd >> 17) & 1 )) -eq 0
is "$P: memory limit applied" "$(cg_v1 "$P" memory memory.limit_in_bytes)" 67108864
is "$P: pids limit applied" "$(cg_v1 "$P" pids pids.max)" 100
is "$P: environment reaches init's children" \
    "$(in_ct "$P" sh -c 'tr "\0" "\n" </proc/1/environ | grep ^GREETING=')" "GREETING=hi"
is "$P: disk device is bind-mounted" "$(in_ct "$P" cat /mnt/share/greeting)" \
    "hello from the host"
nok "$P: ... read-only" lxc-attach -P "$LXCP" -n "$P" -- touch /mnt/share/x
ok "$P: unix-char device works" lxc-attach -P "$LXCP" -n "$P" -- sh -c 'echo x >/dev/null2'
like "$P: device cgroup allows it" "$(cg_v1 "$P" devices devices.list)" 'c 1:3 rwm'
ok "$P: lxc-stop -k" lxc-stop -P "$LXCP" -n "$P" -k

# --- unprivileged, idmapped rootfs -----------------------------------------
U=lxdeck-cfg-unpriv-$$
start "$U" --idmap 1000000:65536 --rootfs-idmap -c limits.memory=128MiB \
    -c limits.cpu=1 \
    "${SHARE[@]}" -d "share:shift=true" "${NULL2[@]}"
seccomp_checks "$U"
like "$U: root is mapped to 1000000" "$(in_ct "$U" cat /proc/self/uid_map)" \
    '^ +0 +1000000 +65536'
is "$U: files of the rootfs stay uid 0 on disk" \
    "$(stat -c %u "$LXCP/$U/rootfs/bin/busybox")" 0
is "$U: ... and show uid 0 inside" "$(in_ct "$U" stat -c %u /bin/busybox)" 0
is "$U: memory limit applied" "$(cg_v1 "$U" memory memory.limit_in_bytes)" 134217728
is "$U: cpuset applied" "$(cg_v1 "$U" cpuset cpuset.cpus)" 0
is "$U: shifted disk shows host uid 0 as uid 0" \
    "$(in_ct "$U" stat -c %u /mnt/share/greeting)" 0
ok "$U: unix-char device works" lxc-attach -P "$LXCP" -n "$U" -- sh -c 'echo x >/dev/null2'
like "$U: device cgroup is deny-by-default" "$(cg_v1 "$U" devices devices.list)" \
    'c 1:3 rwm'
unlike_all() { ! grep -q '^a \*:\* rwm' <<<"$1"; }
ok "$U: ... not allow-all" unlike_all "$(cg_v1 "$U" devices devices.list)"
ok "$U: lxc-stop -k" lxc-stop -P "$LXCP" -n "$U" -k

# --- unprivileged with security.nesting ------------------------------------
N=lxdeck-cfg-nest-$$
start "$N" --idmap 1000000:65536 --rootfs-idmap -c security.nesting=true
like "$N: init runs under seccomp filter mode" "$(in_ct "$N" grep Seccomp: /proc/1/status)" \
    '^Seccomp:[[:space:]]+2'
like "$N: nesting.conf's extra /proc is mounted" "$(in_ct "$N" mount)" \
    'proc on /dev/.lxc/proc type proc'
ok "$N: lxc-stop -k" lxc-stop -P "$LXCP" -n "$N" -k

done_testing
