#!/bin/bash
# Lifecycle actions: start without asking, stop/restart/delete with a
# confirmation naming the remote and the instance; n cancels; backend errors
# show in the status line; marks apply an action to several instances.
. "$(dirname "$0")/screen-lib.bash"

# Rows (sorted by name): build cache1 db1 old-test web1 web2.
out=$(vt 'wait-text web2; keys s; wait-text "build    Running"; row 2')
like "s starts the selected instance" "$out" "build +Running +10\.0\.3\."

out=$(vt 'wait-text web2; keys jjjj; keys S; wait-text "[y/N]"; row 22; keys y; wait-text "web1     Stopped"; row 6; sleep 50; row 22')
like "stop asks, naming remote and instance" "$(echo "$out" | sed -n 1p)" 'Stop instance "web1" on local:\? \[y/N\]'
like "y stops it" "$(echo "$out" | sed -n 2p)" "web1 +Stopped"
like "status line reports the operation" "$(echo "$out" | sed -n 3p)" 'Stopping instance "web1"'

out=$(vt 'wait-text web2; keys jjjj; keys S; wait-text "[y/N]"; keys n; wait-text Cancelled; sleep 100; row 6; row 22')
like "n cancels the stop" "$out" "web1 +Running"
like "cancel is reported" "$out" "Cancelled: nothing was changed"

out=$(vt 'wait-text web2; keys jjj; keys d; wait-text "[y/N]"; row 22; keys y; wait-gone old-test; dump')
like "delete names remote and instance" "$out" 'Delete instance "old-test" on local:\? \[y/N\]'
like "deleted instance is gone" "$out" "Instances \(5\)"

out=$(vt 'wait-text web2; keys jjjj; keys d; wait-text "[y/N]"; keys y; wait-text "Instance is running"; row 22')
like "backend error in the status line" "$out" 'Failed to delete instance "web1": Instance is running'

out=$(vt 'wait-text web2; keys jjjjs; wait-text "already running"; row 22')
like "starting a running instance: backend message" "$out" "The instance is already running"

out=$(vt 'wait-text web2; keys jj; keys p; wait-text "db1      Frozen"; keys p; wait-text "db1      Running"; row 4')
like "p freezes and unfreezes" "$out" "db1 +Running"

out=$(vt 'wait-text web2; keys "jjjj  "; wait-text "2 marked"; keys S; wait-text "[y/N]"; row 22; keys y; wait-text "web2     Stopped"; wait-text "web1     Stopped"; dump')
like "bulk stop asks naming both" "$out" 'Stop 2 instances \(web1, web2\) on local:\?'
like "both stopped" "$out" "web1 +Stopped"

out=$(vt 'wait-text web2; keys n; wait-text "pick an image"; dump; key Enter; wait-text "generated name"; row 22; keys web9\r; wait-text "Profiles for web9"; row 22; key Enter; wait-text "web9     Running"; row 8')
like "n opens the image picker: alias, fingerprint, os, release" "$out" "busybox +3f1a9c2e8b7d +busybox +1\.35"
like "then asks for a name" "$out" "Launch busybox on local: as \(empty: generated name\)"
like "then for profiles, default offered" "$out" "Profiles for web9 \(comma separated\): default"
like "n launches (create + start)" "$out" "web9 +Running"

out=$(vt 'wait-text web2; keys n; wait-text "pick an image"; key Enter; wait-text "generated name"; key Enter; wait-text "Profiles for"; keys ",docker\r"; wait-text "Instances (7)"; wait-match "Running .*default,docker"; dump')
like "empty name: the backend picks one and it is started" "$out" "Running .*default,docker"

out=$(vt 'wait-text web2; keys n; wait-text "pick an image"; key Enter; wait-text "generated name"; key Esc; wait-text Cancelled; row 22; keys q; wait-text "Instances ("; dump')
like "Esc cancels the launch" "$out" "Cancelled: nothing was launched"
like "... nothing was made" "$out" "Instances \(6\)"
done_testing
