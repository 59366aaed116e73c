#!/bin/bash
# The screen follows the terminal size live (SIGWINCH): bars move to the new
# last rows and nothing is left over from the old size.
. "$(dirname "$0")/screen-lib.bash"

out=$(SIZE=120x40 vt 'wait-text web2; row 39; resize 80 24; sleep 300; dump')
like "hint bar at the bottom of 120x40" "$(echo "$out" | sed -n 1p)" "^s start"
like "after resize: title on row 0" "$(echo "$out" | sed -n 2p)" "lxdeck  local:"
like "after resize: hint on row 23" "$(echo "$out" | sed -n 25p)" "^s start  S stop"
like "after resize: rows intact" "$out" "web1 +Running +10\.0\.3\.3"
long=$(echo "$out" | sed -n '2,25p' | awk 'length($0) > 80' | wc -l)
is "no line wider than 80" "$long" "0"

out=$(vt 'wait-text web2; resize 100 30; sleep 300; row 29; resize 60 12; sleep 300; row 11; row 2')
like "grown to 100x30: hint on row 29" "$(echo "$out" | sed -n 1p)" "^s start"
like "shrunk to 60x12: hint on row 11" "$(echo "$out" | sed -n 2p)" "^s start"
like "shrunk: list still there" "$(echo "$out" | sed -n 3p)" "^  build"

out=$(VT_TERM=screen vt 'wait-text web2; dump')
like "TERM=screen works" "$out" "web1 +Running"
out=$(VT_TERM=linux vt 'wait-text web2; dump')
like "TERM=linux works" "$out" "web1 +Running"
out=$(VT_TERM=tmux-256color vt 'wait-text web2; dump')
like "TERM=tmux-256color works" "$out" "web1 +Running"
out=$(VT_LANG=C vt 'wait-text web2; row 1')
like "ASCII fallback without UTF-8" "$out" "NAME\^"
done_testing
