#!/bin/bash
# lxdeckd-bench.sh - lxdeckd (the engine over the LXD API) side by side with
# the reference LXD 5.0.2, same stock lxc client and the same busybox image,
# in one run.  Not part of make test.
#
#   tests/bench/lxdeckd-bench.sh [N]     (N running containers, default 30)
#
# Measures, on each daemon:
#   GET /1.0/instances?recursion=2 with N running containers, three ways,
#   each the same for both daemons: (a) curl on the unix socket under
#   hyperfine (the old figure: curl's own start-up, ~40 libraries and
#   OpenSSL's initialisation, is several ms of it); (b) build/tools/uxget,
#   a libc-only client, under hyperfine -N: one process and one new
#   connection per request, as lxc does; (c) the request alone: uxget -n
#   sends 200 requests from one process, one connection each, and gives
#   the median.  The list goal is judged on (b); all three are printed.
#   Then `lxc list` (all default columns), `lxc exec C -- true` two
#   ways: one every 100 ms, as a person or a script with work between
#   runs issues them, and back to back.  They differ because of the
#   kernel: moving a process into a cgroup through cgroup.procs takes a
#   global lock whose first taker after a quiet spell waits for an RCU
#   grace period (10-15 ms here); LXD's attach pays it, back to back runs
#   often find the lock still warm from the run before.  lxdeckd's attach
#   never takes it (engine/cgroup-attach.c).  The issue's LXD figure
#   (~36 ms) is the spaced one, so the exec goal is judged there; both
#   are printed.  Then the daemon's RSS when idle, and the memory the manager uses
#   for N running containers: the daemon's RSS growth plus the per-container
#   monitor processes ("[lxc monitor] LXCPATH NAME"), counted both as RSS
#   (what ps shows; shared pages counted in every process) and as PSS
#   (shared pages split between their users, what the machine really
#   pays).  Prints LXD/lxdeckd ratios (higher is better for lxdeckd) and
#   the issue's goals: list >= 9x, exec >= 2x, idle RSS < 10 MB,
#   per-container overhead < 2 MB.  The reference LXD may hold other
#   users' containers: its counts are printed.  Machines here are noisy:
#   compare ratios.
set -e
cd "$(dirname "$0")/../.."
N=${1:-30}
P=ldb		# name prefix on both servers
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
for t in hyperfine curl lxc python3; do
	command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }
done
make -s -j2 build/lxdeckd build/tools/engctl build/tools/uxget >/dev/null

WORK=$(mktemp -d /tmp/lxdeckd-bench.XXXXXX)
chmod 711 "$WORK"
DIR=$WORK/dir
mkdir -p "$DIR"
REF_SOCK=$(scripts/lxd-ref)
REF_CONF=$WORK/ref-conf
LOC_CONF=$WORK/loc-conf
LOC_SOCK=$WORK/unix.socket
mkdir -p "$REF_CONF" "$LOC_CONF"
printf 'default-remote: t\nremotes:\n  t:\n    addr: unix://%s\n    public: false\n' \
	"$REF_SOCK" > "$REF_CONF/config.yml"
printf 'default-remote: t\nremotes:\n  t:\n    addr: unix://%s\n    public: false\n' \
	"$LOC_SOCK" > "$LOC_CONF/config.yml"

scripts/build-image busybox "$WORK/bb.tar.gz" >/dev/null
build/tools/engctl -d "$DIR" image-import "$WORK/bb.tar.gz" busybox >/dev/null
DPID=
cleanup() {
	set +e
	for c in $(LXD_CONF=$REF_CONF lxc list -c n --format csv "^$P-"); do
		LXD_CONF=$REF_CONF lxc delete -f "$c" >/dev/null 2>&1
	done
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID"
	for c in $(build/tools/engctl -d "$DIR" list 2>/dev/null | awk '{print $1}'); do
		build/tools/engctl -d "$DIR" stop "$c" -f >/dev/null 2>&1
		build/tools/engctl -d "$DIR" delete "$c" >/dev/null 2>&1
	done
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

build/lxdeckd --dir "$DIR" --socket "$LOC_SOCK" 2>"$WORK/lxdeckd.log" &
DPID=$!
for i in $(seq 1 100); do [ -S "$LOC_SOCK" ] && break; sleep 0.05; done
LXD_PID=$(pgrep -o -x lxd)	# the daemon: the oldest (lxd forkexec etc. are "lxd" too)

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
# monitors LXCPATH: pids of the [lxc monitor] processes of our containers
monitors() {
	local pid args
	for pid in $(pgrep -f "^\[lxc monitor\] $1 $P-"); do echo "$pid"; done
}
sum() { awk '{s += $1} END {print s + 0}'; }
# hyperfine's median in ms: hf NAME CMD [RUNS]
# (HF_PREPARE: a command run before each timed run, not timed)
hf() {
	hyperfine -N --warmup 3 --runs "${3:-${RUNS:-20}}" ${HF_PREPARE:+--prepare "$HF_PREPARE"} \
	    --export-json "$WORK/$1.json" "$2" >/dev/null 2>&1
	python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$WORK/$1.json"
}
row() { # name unit lxdeckd LXD
	awk -v n="$1" -v u="$2" -v a="$3" -v b="$4" 'BEGIN {
		printf "%-44s %10.1f %10.1f %8.1fx\n", n " (" u ")", a, b, (a > 0 ? b / a : 0) }'
}

# idle: each daemon answered a request and has no container of ours
curl -s --unix-socket "$LOC_SOCK" http://unix.socket/1.0 >/dev/null
LXD_CONF=$LOC_CONF lxc list >/dev/null
sleep 1
idle_loc=$(rss_kb "$DPID")
idle_ref=$(rss_kb "$LXD_PID")

# N running containers on each (a few at a time)
launch_all() {	# (waits for its own jobs only: lxdeckd is one too)
	local i pids=()
	for i in $(seq -w 1 "$N"); do
		lxc launch busybox "$P-$i" >/dev/null &
		pids+=($!)
		if [ ${#pids[@]} -eq 4 ]; then
			wait "${pids[@]}"
			pids=()
		fi
	done
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
}
LXD_CONF=$REF_CONF launch_all
LXD_CONF=$LOC_CONF launch_all
all_ips() {
	[ "$(lxc list "^$P-" -c 4 --format csv | grep -c 'eth0')" -ge "$N" ]
}
for conf in "$REF_CONF" "$LOC_CONF"; do
	for i in $(seq 1 300); do LXD_CONF=$conf all_ips && break; sleep 0.2; done
done
nloc=$(LXD_CONF=$LOC_CONF lxc list -c n --format csv | wc -l)
nref=$(LXD_CONF=$REF_CONF lxc list -c n --format csv | wc -l)
iploc=$(LXD_CONF=$LOC_CONF lxc list "^$P-" -c 4 --format csv | grep -c eth0)
ipref=$(LXD_CONF=$REF_CONF lxc list "^$P-" -c 4 --format csv | grep -c eth0)
sleep 2

# memory with N running
run_loc=$(rss_kb "$DPID")
run_ref=$(rss_kb "$LXD_PID")
mon_loc=$(monitors "$DIR/containers")
mon_ref=$(monitors /var/lib/lxd/containers)
nmon_loc=$(echo $mon_loc | wc -w)
nmon_ref=$(echo $mon_ref | wc -w)
mrss_loc=$(for p in $mon_loc; do rss_kb "$p"; done | sum)
mrss_ref=$(for p in $mon_ref; do rss_kb "$p"; done | sum)
mpss_loc=$(for p in $mon_loc; do pss_kb "$p"; done | sum)
mpss_ref=$(for p in $mon_ref; do pss_kb "$p"; done | sum)

# the request alone: one uxget process sends 200 requests, a new
# connection each, so no process start is counted (median, ms)
srv_ms() {
	build/tools/uxget -n 200 "$1" "$2" | awk '{print $1}'
}

# timings
URL='http://unix.socket/1.0/instances?recursion=2'
UPATH='/1.0/instances?recursion=2'
s_get_loc=$(srv_ms "$LOC_SOCK" "$UPATH")
s_get_ref=$(srv_ms "$REF_SOCK" "$UPATH")
u_get_loc=$(hf uget-loc "build/tools/uxget -q $LOC_SOCK $UPATH")
u_get_ref=$(hf uget-ref "build/tools/uxget -q $REF_SOCK $UPATH")
t_get_loc=$(hf get-loc "curl -s -o /dev/null --unix-socket $LOC_SOCK $URL")
t_get_ref=$(hf get-ref "curl -s -o /dev/null --unix-socket $REF_SOCK $URL")
t_list_loc=$(LXD_CONF=$LOC_CONF hf list-loc "lxc list --format csv")
t_list_ref=$(LXD_CONF=$REF_CONF hf list-ref "lxc list --format csv")
# exec varies most (see the top): more runs, spaced and back to back
t_exsp_loc=$(LXD_CONF=$LOC_CONF HF_PREPARE="sleep 0.1" hf exsp-loc "lxc exec $P-01 -- true" "${EXEC_RUNS:-40}")
t_exsp_ref=$(LXD_CONF=$REF_CONF HF_PREPARE="sleep 0.1" hf exsp-ref "lxc exec $P-01 -- true" "${EXEC_RUNS:-40}")
t_exec_loc=$(LXD_CONF=$LOC_CONF hf exec-loc "lxc exec $P-01 -- true" "${EXEC_RUNS:-40}")
t_exec_ref=$(LXD_CONF=$REF_CONF hf exec-ref "lxc exec $P-01 -- true" "${EXEC_RUNS:-40}")
t_info_loc=$(LXD_CONF=$LOC_CONF hf info-loc "lxc info $P-01")
t_info_ref=$(LXD_CONF=$REF_CONF hf info-ref "lxc info $P-01")
after_loc=$(rss_kb "$DPID")

echo "lxdeckd: $nloc instances listed ($N ours, $iploc with IPv4), $nmon_loc monitors"
echo "LXD:     $nref instances listed ($N ours, $ipref with IPv4), $nmon_ref monitors"
printf "%-44s %10s %10s %9s\n" "measure (median of ${RUNS:-20}, exec ${EXEC_RUNS:-40})" "lxdeckd" "LXD" "LXD/lxdeckd"
row "GET /1.0/instances?recursion=2, $N running" ms "$u_get_loc" "$u_get_ref"
row "  the same with curl (old figure)" ms "$t_get_loc" "$t_get_ref"
row "  the same, request alone (200 in 1 process)" ms "$s_get_loc" "$s_get_ref"
row "lxc list" ms "$t_list_loc" "$t_list_ref"
row "lxc exec C -- true, one every 100 ms" ms "$t_exsp_loc" "$t_exsp_ref"
row "lxc exec C -- true, back to back" ms "$t_exec_loc" "$t_exec_ref"
row "lxc info C" ms "$t_info_loc" "$t_info_ref"
row "daemon RSS idle" MB "$(echo "$idle_loc / 1024" | bc -l)" "$(echo "$idle_ref / 1024" | bc -l)"
row "daemon RSS with $N running" MB "$(echo "$run_loc / 1024" | bc -l)" "$(echo "$run_ref / 1024" | bc -l)"
row "daemon RSS after the timings" MB "$(echo "$after_loc / 1024" | bc -l)" "$(echo "$(rss_kb "$LXD_PID") / 1024" | bc -l)"
row "monitor RSS per container" MB "$(echo "$mrss_loc / $nmon_loc / 1024" | bc -l)" "$(echo "$mrss_ref / $nmon_ref / 1024" | bc -l)"
row "monitor PSS per container" MB "$(echo "$mpss_loc / $nmon_loc / 1024" | bc -l)" "$(echo "$mpss_ref / $nmon_ref / 1024" | bc -l)"
per_rss_loc=$(echo "(($run_loc - $idle_loc) + $mrss_loc) / $N / 1024" | bc -l)
per_rss_ref=$(echo "(($run_ref - $idle_ref) + $mrss_ref) / $N / 1024" | bc -l)
per_pss_loc=$(echo "(($run_loc - $idle_loc) + $mpss_loc) / $N / 1024" | bc -l)
per_pss_ref=$(echo "(($run_ref - $idle_ref) + $mpss_ref) / $N / 1024" | bc -l)
row "manager per container (daemon+monitor RSS)" MB "$per_rss_loc" "$per_rss_ref"
row "manager per container (daemon+monitor PSS)" MB "$per_pss_loc" "$per_pss_ref"

goal() { # what ok
	if [ "$2" = 1 ]; then echo "goal met:     $1"; else echo "goal NOT met: $1"; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (a > 0 ? b / a : 0) }'; }
goal "list >= 9x faster (recursion=2, uxget): $(ratio "$u_get_loc" "$u_get_ref")" \
    "$(echo "$u_get_ref / $u_get_loc >= 9" | bc -l)"
goal "  the same with curl (old figure): $(ratio "$t_get_loc" "$t_get_ref")" \
    "$(echo "$t_get_ref / $t_get_loc >= 9" | bc -l)"
goal "  the same, request alone: $(ratio "$s_get_loc" "$s_get_ref")" \
    "$(echo "$s_get_ref / $s_get_loc >= 9" | bc -l)"
goal "lxc exec >= 2x faster (one every 100 ms): $(ratio "$t_exsp_loc" "$t_exsp_ref")" \
    "$(echo "$t_exsp_ref / $t_exsp_loc >= 2" | bc -l)"
goal "  the same back to back: $(ratio "$t_exec_loc" "$t_exec_ref")" \
    "$(echo "$t_exec_ref / $t_exec_loc >= 2" | bc -l)"
goal "idle RSS < 10 MB: $(awk -v k="$idle_loc" 'BEGIN { printf "%.1f MB", k / 1024 }')" \
    "$(echo "$idle_loc < 10240" | bc -l)"
goal "per-container overhead < 2 MB (PSS): $(printf '%.2f MB' "$per_pss_loc")" \
    "$(echo "$per_pss_loc < 2" | bc -l)"
goal "per-container overhead < 2 MB (RSS, as ps shows): $(printf '%.2f MB' "$per_rss_loc")" \
    "$(echo "$per_rss_loc < 2" | bc -l)"
