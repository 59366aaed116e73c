#!/bin/bash
# console-fake.sh - console and shell keys without containers (the fake
# backend has no sessions): the error names the instance, nothing else
# changes; read-only refuses; the keys are in the help view and remappable.
. "$(dirname "$0")/screen-lib.bash"

out=$(vt 'wait-text web2; keys c; wait-text "no consoles"; row 22; dump')
like "c: the backend's error, naming the instance" "$out" 'Failed to attach to the console of "[a-z0-9-]+": the fake backend has no consoles'
like "c: no pane, the list stays" "$(echo "$out" | sed -n 2p)" "^ lxdeck  local:  Instances \(6\)"
out=$(vt 'wait-text web2; keys e; wait-text "Failed to exec"; row 22; keys j; sleep 50; keys :q\r; wait-exit')
like "e: the backend's error" "$out" 'Failed to exec in instance "[a-z0-9-]+"'
like "the list keeps working and quits cleanly" "$out" "exit 0"
out=$(vt 'wait-text web2; keys c; wait-text "Read-only"; row 22' --read-only)
like "read-only: no console" "$out" 'Read-only: no console in "[a-z0-9-]+"'

out=$(SIZE=100x60 vt 'wait-text web2; keys ?; wait-text "Keys"; dump')
like "help: console key" "$out" "c +console +attach the instance's console"
like "help: shell key" "$out" "e +shell +open a shell"
like "help: prefix and detach" "$out" "C-a +console_prefix.*"$'\n'".*q +console_detach"

printf 'key.console_prefix = C-b\nkey.console_detach = d\nkey.console = C\n' \
    >"$SCREEN_TMP/config/lxdeck/config"
out=$(SIZE=100x60 vt 'wait-text web2; keys ?; wait-text "Keys"; dump')
rm -f "$SCREEN_TMP/config/lxdeck/config"
like "config: prefix remapped" "$out" "C-b +console_prefix"
like "config: detach remapped" "$out" "d +console_detach"
like "config: console key remapped" "$out" "C +console "
done_testing
