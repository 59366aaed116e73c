#!/bin/bash
# console-bench.sh - the console pane against tmux in the same run (root):
#   throughput  cat of a 50 MB text file in the pane (lxdeck: a shell in a
#               busybox container; tmux: the host's busybox sh, the same
#               shell, on the same file)
#   latency     a key's echo, median and 95th percentile over 120 keys
#   idle CPU    clock ticks in 5 s with four idle panes
# Both programs run in an 80x24 pty read as fast as it comes
# (console-drive.py).  BENCH_MB sets the file size (default 50).
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v tmux >/dev/null || skip_all "needs tmux"
export LXDECK_DIR=$(mktemp -d /tmp/lxdeck-bench.XXXXXX)
E=$BUILD/tools/engctl
SOCK=lxdeck-bench-$$
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	engine_remove "$LXDECK_DIR"
}
trap cleanup EXIT
MB=${BENCH_MB:-50}
ok "busybox image" "$LXDECK_SRC/scripts/build-image" busybox "$LXDECK_DIR/bb.tar.gz"
ok "import" $E image-import "$LXDECK_DIR/bb.tar.gz" busybox
ok "launch c1" $E launch busybox c1 -c security.privileged=true
# Text lines of varying length, like a log.
ok "make a $MB MB text file in c1" $E exec c1 -- sh -c \
    "seq 1 2000000 | sed 's/\$/ lorem ipsum dolor sit amet, consectetur adipiscing elit/' | head -c $((MB * 1048576)) >/root/big.txt"
host=$LXDECK_DIR/big.txt
$E exec c1 -- cat /root/big.txt >"$host"
size=$(stat -c %s "$host")
is "the file has $MB MB" "$size" "$((MB * 1048576))"

run() {
	env -i PATH="$PATH" TERM=xterm-256color LANG=C.UTF-8 HOME="$LXDECK_DIR" \
	    XDG_CONFIG_HOME="$LXDECK_DIR/config" LXDECK_DIR="$LXDECK_DIR" \
	    BENCH_SIZE="$size" BENCH_FILE="$1" TMUX_SOCKET="$SOCK" \
	    python3 "$LXDECK_SRC/tests/bench/console-drive.py" "$2" "$host" -- "${@:3}"
}
lx=$(run /root/big.txt lxdeck "$BUILD/lxdeck")
echo "$lx" | sed 's/^/# lxdeck: /'
# The same shell on both sides: the pane runs the container's busybox sh,
# whose line editor echoes each key itself; a host sh without one (dash)
# leaves the echo to the kernel's tty and wakes nobody (0.27 vs 0.34 ms
# measured for tmux alone), so tmux runs the host's busybox sh too.
tsh=sh
command -v busybox >/dev/null && tsh="busybox sh"
tm=$(run "$host" tmux tmux -L "$SOCK" -f /dev/null new-session "$tsh")
echo "$tm" | sed 's/^/# tmux:   /'
like "lxdeck: throughput measured" "$lx" "throughput [0-9.]+ MB/s"
like "tmux: throughput measured" "$tm" "throughput [0-9.]+ MB/s"
lxt=$(echo "$lx" | awk '/^throughput/ {print $2}')
tmt=$(echo "$tm" | awk '/^throughput/ {print $2}')
echo "# throughput lxdeck/tmux: $(awk -v a="$lxt" -v b="$tmt" 'BEGIN {printf "%.2f", a / b}')"
lxl=$(echo "$lx" | awk '/^latency/ {print $3}')
ok "lxdeck: median echo latency under 20 ms ($lxl ms)" awk -v l="$lxl" 'BEGIN {exit !(l < 20)}'
lxc=$(echo "$lx" | awk '/^idle_cpu/ {print $2}')
ok "lxdeck: four idle panes use at most 2 ticks in 5 s ($lxc)" test "$lxc" -le 2
done_testing
