#!/bin/bash
# Changes made by someone else appear without a key press: the fake backend's
# control FIFO plays the other client, the TUI follows the event stream.
. "$(dirname "$0")/screen-lib.bash"

fifo=$SCREEN_TMP/control
mkfifo "$fifo"
out=$(VT_ENV="LXDECK_FAKE_CONTROL=$fifo" vt "wait-text web2; shell echo 'stop web1' > $fifo; wait-text 'web1     Stopped'; row 6; shell echo 'create web9' > $fifo; wait-text web9; shell echo 'start web9' > $fifo; wait-text 'web9     Running'; dump; keys o; wait-text 'instance-started'; dump")
like "outside stop shows up" "$out" "web1 +Stopped"
like "outside create shows up" "$out" "Instances \(7\)"
like "outside start shows up" "$out" "web9 +Running +10\.0\.3\."
like "ops view lists lifecycle events" "$out" "lifecycle instance-started +/1\.0/instances/web9"
like "ops view lists operations" "$out" "Starting instance"
done_testing
