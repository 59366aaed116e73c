#!/bin/bash
# Themes are data: the default colours, --theme, LXDECK_THEME, the config
# file, :theme at run time, NO_COLOR, and a bad theme file only warns.
. "$(dirname "$0")/screen-lib.bash"

out=$(vt 'wait-text web2; attr Running; attr "lxdeck  local"; attr "Stopped                 0"')
like "default: running is green" "$(echo "$out" | sed -n 1p)" "fg=idx:2 "
like "default: title black on cyan" "$(echo "$out" | sed -n 2p)" "fg=idx:0 bg=idx:6 bold=1"
like "default: stopped is red" "$(echo "$out" | sed -n 3p)" "fg=idx:1 "

out=$(vt 'wait-text web2; attr "lxdeck  local"; attr Running' --theme light)
like "--theme light: title white on blue" "$(echo "$out" | sed -n 1p)" "fg=idx:7 bg=idx:4"
like "--theme light: colour22 for running" "$(echo "$out" | sed -n 2p)" "fg=idx:22 bold=0|fg=idx:22 bg=default bold=1"

out=$(VT_ENV="LXDECK_THEME=high-contrast" vt 'wait-text web2; attr Running')
like "LXDECK_THEME: #00ff00 mapped to 256 colours" "$out" "fg=idx:46 bg=idx:0"

out=$(VT_TERM=xterm vt 'wait-text web2; attr Running' --theme light)
like "8-colour terminal: colour22 maps down" "$out" "fg=idx:[0-7] "

printf 'theme = mono\n' >"$SCREEN_TMP/config/lxdeck/config"
out=$(vt 'wait-text web2; colours; attr "lxdeck  local"')
rm -f "$SCREEN_TMP/config/lxdeck/config"
like "config theme = mono: no colour" "$out" "coloured 0"
like "mono title is reverse" "$out" "reverse=1"

out=$(vt 'wait-text web2; attr Running; keys ":theme mono\r"; wait-text mono"; colours; keys ":theme light\r"; wait-text light"; attr Running')
like "switch at run time: dark first" "$(echo "$out" | sed -n 1p)" "fg=idx:2 "
like ":theme mono: no colour left" "$(echo "$out" | sed -n 2p)" "coloured 0"
like ":theme light: light colours" "$(echo "$out" | sed -n 3p)" "fg=idx:22 "

printf 'running = fg=magenta\nbogus = fg=red\nstopped = fg=nocolour\n' >"$SCREEN_TMP/bad.theme"
out=$(vt 'wait-text web2; dump; attr Running' --theme "$SCREEN_TMP/bad.theme")
like "unknown element is a warning on screen" "$out" 'unknown colour "nocolour"|unknown element "bogus"'
like "the rest of the file applies" "$out" "fg=idx:5 "

out=$(vt 'wait-text web2; row 22; attr Running' --theme nosuch)
like "missing theme: warning, default used" "$out" 'Theme "nosuch" not found'
like "... with default colours" "$out" "fg=idx:2 "

out=$(VT_ENV="NO_COLOR=1" vt 'wait-text web2; colours; attr build; attr "lxdeck  local"')
like "NO_COLOR: no colour attributes at all" "$(echo "$out" | sed -n 1p)" "coloured 0"
like "NO_COLOR: selection still visible (reverse)" "$(echo "$out" | sed -n 2p)" "reverse=1"
like "NO_COLOR: title reverse" "$(echo "$out" | sed -n 3p)" "reverse=1"
done_testing
