#!/bin/bash
# console.sh - console and shell panes on real containers (root): a shell
# and the console of a busybox container, commands and their output read
# from the screen, colours and wide characters, full-screen programs (vi,
# top), Ctrl-C, the pane's size reaching the container (stty size), zoom,
# scrollback and copy, detach to the list and back, the pane surviving other
# views, two panes at once, the bell, and the instance stopping under the
# pane (from lxdeck and from outside) with a reconnect after it starts.
. "$(dirname "$0")/screen-lib.bash"
[ "$(id -u)" = 0 ] || skip_all "needs root"
export LXDECK_DIR=$(mktemp -d /tmp/lxdeck-console.XXXXXX)
E=$BUILD/tools/engctl
cleanup() {
	engine_remove "$LXDECK_DIR"
	rm -rf --one-file-system "$SCREEN_TMP"
}
trap cleanup EXIT

ok "build the busybox image" "$LXDECK_SRC/scripts/build-image" busybox "$LXDECK_DIR/bb.tar.gz"
ok "import it" $E image-import "$LXDECK_DIR/bb.tar.gz" busybox
ok "launch c1" $E launch busybox c1
ok "create c2 (stopped)" $E init busybox c2
COPY=$SCREEN_TMP/copy.txt

# vts: the real lxdeck on $LXDECK_DIR under vtscreen, script on stdin
# (one command a line, so shell commands may hold ';').
vts() {
	"$VTSCREEN" -s "${SIZE:-80x24}" -t "${VT_TIMEOUT:-8000}" -- \
	    env -i PATH="$PATH" TERM="${VT_TERM:-xterm-256color}" LANG=C.UTF-8 \
	    TERMINFO="$SCREEN_TMP/terminfo" \
	    HOME="$SCREEN_TMP" XDG_CONFIG_HOME="$SCREEN_TMP/config" \
	    LXDECK_THEME_DIR="$LXDECK_SRC/themes" LXDECK_DIR="$LXDECK_DIR" \
	    LXDECK_COPY_FILE="$COPY" "$BUILD/lxdeck" 2>&1
}

# A shell: prompt, a command's output, TERM, the size, colours, wide chars.
out=$(vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
row 9
keys echo hello-$((6*7)) term=$TERM\r
wait-text hello-42
keys stty size\r
wait-text 12 80
keys printf '\\033[1;31m%sRED\\033[0m \\033[38;5;208m%sORANGE\\033[0m \\033[38;2;10;200;30m%sGREEN\\033[0m \\033[4m%sUL\\033[0m \\033[7m%sREV\\033[0m \\344\\275\\240\\345\\245\\275|\\n' X X X X X\r
wait-text XGREEN
attr XRED
attr XORANGE
attr XGREEN
attr XUL
attr XREV
dump
EOF
)
like "shell: e opens a pane with the detach key on its title bar" "$(echo "$out" | sed -n 1p)" "^ 1 shell c1 \[running\] +C-a q detach"
like "shell: a command's output" "$out" "hello-42 term=xterm-256color"
like "shell: the pty has the pane's size" "$out" $'\n12 80'
like "colour: bold red (SGR 31)" "$(echo "$out" | grep -m1 '^fg=')" "fg=idx:1 .*bold=1"
like "colour: 256-colour index 208" "$(echo "$out" | grep '^fg=' | sed -n 2p)" "fg=idx:208 "
like "colour: 24-bit green mapped to the 256 palette" "$(echo "$out" | grep '^fg=' | sed -n 3p)" "fg=idx:(34|40|41|35|28) "
like "underline" "$(echo "$out" | grep '^fg=' | sed -n 4p)" "underline=1"
like "reverse" "$(echo "$out" | grep '^fg=' | sed -n 5p)" "reverse=1"
like "wide characters take two cells" "$out" "XREV 你好\|"
like "list stays on screen above the pane" "$out" "c1 +Running"

# Truecolour terminals get the colour as it is (a terminfo entry of our own:
# ncurses-term may not be installed).
mkdir -p "$SCREEN_TMP/terminfo"
printf '%s\n' 'xterm-direct|xterm with direct colour,' \
    '	RGB, colors#0x1000000, pairs#0x10000,' \
    '	setab=\E[%?%p1%{8}%<%t4%p1%d%e48;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,' \
    '	setaf=\E[%?%p1%{8}%<%t3%p1%d%e38;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,' \
    '	use=xterm-256color,' >"$SCREEN_TMP/terminfo/xd.src"
tic -x -o "$SCREEN_TMP/terminfo" "$SCREEN_TMP/terminfo/xd.src"
out=$(VT_TERM=xterm-direct vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
keys printf '\\033[38;2;10;200;30m%sGREEN\\033[0m \\033[38;5;208m%sORANGE\\033[0m\\n' X X\r
wait-text XGREEN
attr XGREEN
attr XORANGE
EOF
)
like "colour: 24-bit on a direct-colour terminal" "$out" "fg=rgb:0ac81e"
like "colour: index 208 as RGB on a direct-colour terminal" "$out" "fg=rgb:ff8700"

# Full-screen programs, Ctrl-C, zoom, resize.
out=$(vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
keys echo before-vi\r
wait-text before-vi
keys vi /tmp/f\r
wait-text /tmp/f
keys ihello from vi\e
wait-text hello from vi
sleep 300
expect-not before-vi
dump
keys :wq\r
wait-gone hello from vi
wait-text before-vi
keys cat /tmp/f\r
wait-text hello from vi
dump
keys top\r
wait-text PPID
expect Mem:
dump
keys q
sleep 300
keys sleep 100\r
sleep 300
keys \x03
sleep 300
keys echo after-$((2+3))\r
wait-text after-5
keys \x01z
sleep 200
keys stty size\r
wait-text 20 80
dump
resize 100 30
sleep 300
keys stty size\r
wait-text 26 100
keys \x01z
sleep 200
keys stty size\r
wait-text 16 100
dump
EOF
)
like "vi runs in the pane (alternate screen)" "$out" "hello from vi"
like "vi's status line" "$out" "/tmp/f"
like "leaving vi restores the shell's screen" "$out" "before-vi"$'\n'"c1:~# vi /tmp/f"$'\n'"c1:~# cat /tmp/f"
like "top runs and quits" "$out" "PPID"
like "Ctrl-C reaches the shell, lxdeck keeps running" "$out" "after-5"
like "zoom: the pane takes the body (20 rows)" "$out" $'\n20 80\n'
like "zoom: the pane's title is on row 1" "$out" "Shell in c1  \[zoomed\]"$'\n'" 1 shell c1"
like "split again: the list is back above the pane" "$(echo "$out" | tail -30)" "c1 +Running"
like "resize reaches the container (zoomed: 26x100)" "$out" "26 100"
like "unzoom and resized: 16x100" "$out" "16 100"

# Scrollback (> 5,000 lines) and copy.
rm -f "$COPY"
out=$(vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
keys seq 1 6000\r
wait-text 6000
keys \x01[
wait-text copy mode
key Up
keys vkk
keys y
wait-text Copied 3 lines
row 22
keys \x01[
keys g
sleep 200
dump
key PgDn
sleep 100
keys q
wait-gone copy mode
keys echo live-again\r
wait-text live-again
dump
EOF
)
is "copy: three lines into the file" "$(cat "$COPY" 2>/dev/null)" "$(printf '5998\n5999\n6000')"
like "copy: status names the file" "$out" "Copied 3 lines to $COPY"
like "scrollback: g reaches the top (line 1 of more than 6000)" "$out" "copy mode, line 1 of (6[0-9]{3})"
like "scrollback: the first lines are kept" "$out" "BusyBox v"
like "leaving copy mode goes back to live output" "$(echo "$out" | tail -24)" "live-again"$'\n'"c1:~# +"$'\n'".*Copied 3 lines"

# Detach, browse other views, come back; C-a a sends C-a.
out=$(vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
keys echo first-$((1+1))\r
wait-text first-2
keys \x01q
wait-text Tab pane
row 0
keys jk
key Enter
wait-text Instance c1
row 0
keys q
wait-text first-2
keys o
wait-text Operations
row 0
key Esc
wait-text first-2
dump
key Tab
keys echo back-$((2+2))\r
wait-text back-4
keys read -r x; printf '%s' "$x" | od -An -tx1\r
sleep 200
keys \x01a\r
wait-text  01
dump
EOF
)
like "detach: the list has the keys, the top bar says so" "$out" "Instances \(2\).*\[1 pane\]"
like "detach: Enter on the list opens the detail view" "$out" "Instance c1"
like "the pane survives other views" "$out" "Operations.*"$'\n'" lxdeck  local:  Instances.*first-2"
like "Tab gives the keys back to the pane" "$out" "back-4"
like "C-a a sends a literal C-a" "$out" " 01"

# Two panes: console and shell, output in the unfocused one, the bell.
out=$(vts <<'EOF'
wait-text c1
keys c
wait-text Enter for a prompt
keys \x03\r
wait-text c1:/#
keys \x01q
keys e
wait-text c1:~#
keys sleep 1; echo late-output; printf '\\a'\r
keys \x01n
sleep 100
row 0
wait-text late-output
wait-text bell!
dump
EOF
)
like "two panes: the console and the shell" "$out" "1 console c1.*"$'\n'".*2 shell c1"
like "the unfocused shell's output shows" "$out" "late-output"
like "the bell shows on the unfocused pane's title" "$out" "2 shell c1 \[bell!"

# Instance stopped from lxdeck: the pane says so; start, reconnect.
out=$(VT_TIMEOUT=40000 vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
keys \x01q
keys S
wait-text [y/N]
keys y
wait-text exited 137, Stopped]
dump
keys s
wait-text Starting instance "c1": done
key Tab
keys r
wait-text Reconnected
keys echo again-$((3+4))\r
wait-text again-7
dump
EOF
)
like "stopped: the title bar says why" "$out" '1 shell c1 \[exited 137, Stopped\]  r reconnect  x close  C-a q detach'
like "stopped: the pane says the instance stopped" "$out" '\[instance "c1" is Stopped\]'
like "stopped: the message is in the pane too" "$out" '\[shell exited with status [0-9]+.*: r reconnects, x closes\]'
like "stopped: the pane offers to reconnect" "$out" "r reconnect"
like "stopped: the list shows it" "$out" "c1 +Stopped"
like "reconnect after start" "$out" "again-7"

# Instance stopped from outside while its console is attached.
$E start c1 >/dev/null 2>&1
out=$(VT_TIMEOUT=20000 vts <<EOF
wait-text c1
keys c
wait-text Enter for a prompt
shell $E stop c1 -f
wait-text console closed
wait-text closed, Stopped]
dump
keys \x01q
keys jk
sleep 100
row 0
EOF
)
like "console: stopping from outside closes it with a message" "$out" "console closed; instance \"c1\" is Stopped"
like "console: the title bar too" "$out" "1 console c1 \[closed, Stopped\]"
like "the list still works after the session ended" "$(echo "$out" | tail -1)" "Instances \(2\)"
$E start c1 >/dev/null 2>&1

# Errors: a stopped instance, read-only.
out=$(vts <<'EOF'
wait-text c2
keys jc
wait-text not running
row 22
keys e
wait-text not running
row 22
dump
EOF
)
like "console of a stopped instance: an error naming it" "$out" 'Instance "c2" is not running'
like "no pane opened for it" "$(echo "$out" | tail -24 | sed -n 1p)" "Instances \(2\)"
# Four idle panes cost no CPU (no timer runs when nothing prints).
$E start c1 >/dev/null 2>&1
out=$(vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
keys \x01q
keys e
sleep 400
keys \x01q
keys e
sleep 400
keys \x01q
keys e
sleep 400
keys \x01q
sleep 500
row 0
cpu-ticks
sleep 3000
cpu-ticks
EOF
)
like "four panes open" "$out" "\[4 panes\]"
t0=$(echo "$out" | sed -n 's/^cpu //p' | sed -n 1p)
t1=$(echo "$out" | sed -n 's/^cpu //p' | sed -n 2p)
ok "four idle panes: at most 2 clock ticks in 3 s (got $((t1 - t0)))" test $((t1 - t0)) -le 2

# The prefix and detach keys come from the config file.
printf 'key.console_prefix = C-b\nkey.console_detach = d\n' >"$SCREEN_TMP/config/lxdeck/config"
out=$(vts <<'EOF'
wait-text c1
keys e
wait-text c1:~#
row 9
keys \x02d
wait-text Tab pane
row 0
EOF
)
rm -f "$SCREEN_TMP/config/lxdeck/config"
like "config: the title bar shows the remapped detach key" "$out" "C-b d detach"
like "config: C-b d detaches" "$out" "\[1 pane\]"
done_testing
