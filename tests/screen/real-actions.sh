#!/bin/bash
# Lifecycle actions over the real engine: start at once, stop and delete
# only after a confirmation naming the remote and the instance, n cancels,
# the engine's own refusals in the status line, --read-only refuses and
# changes nothing.  engctl checks what really happened.
. "$(dirname "$0")/real-lib.bash"

E launch busybox ra-run >/dev/null && E init busybox ra-off >/dev/null &&
    E init busybox ra-gone >/dev/null
ok "containers made" test "$(E list | wc -l)" = 3
# Rows by name: ra-gone ra-off ra-run.

out=$(rvt "wait-text ra-run; keys j; keys s; wait-match 'ra-off +Running'; row 3")
like "s starts the selected container" "$out" "ra-off +Running"
like "... really running (engctl)" "$(E list | grep '^ra-off ')" "^ra-off Running"
ok "... and it gets an address" wait_ipv4 ra-off
NET=$(real_subnet)

out=$(rvt "wait-text ra-run; keys jj; keys S; wait-text '[y/N]'; row 22; keys n; wait-text Cancelled; sleep 300; row 4")
like "stop asks, naming remote and instance" "$(echo "$out" | sed -n 1p)" 'Stop instance "ra-run" on local:\? \[y/N\]'
like "n cancels: still running" "$(echo "$out" | sed -n 2p)" "ra-run +Running"
like "... really (engctl)" "$(E list | grep '^ra-run ')" "^ra-run Running"

out=$(rvt "wait-text ra-run; keys jj; keys S; wait-text '[y/N]'; keys y; wait-text 'Stopping instance'; row 22; wait-match 'ra-run +Stopped'; row 4")
like "status line follows the stop operation" "$(echo "$out" | sed -n 1p)" 'Stopping instance "ra-run"'
like "y stops it" "$(echo "$out" | sed -n 2p)" "ra-run +Stopped +0 +- +-"
like "... really stopped (engctl)" "$(E list | grep '^ra-run ')" "^ra-run Stopped"

out=$(rvt "wait-text ra-run; keys j; keys d; wait-text '[y/N]'; keys y; wait-text 'Failed to delete'; row 22")
like "deleting a running container: the engine's refusal, naming it" "$out" 'ra-off.*(running|Running)'
like "... still there (engctl)" "$(E list | grep -c '^ra-off ')" "^1$"

out=$(rvt "wait-text ra-run; keys d; wait-text '[y/N]'; row 22; keys y; wait-gone ra-gone; dump")
like "delete asks, naming remote and instance" "$out" 'Delete instance "ra-gone" on local:\? \[y/N\]'
like "deleted: gone from the list" "$out" "Instances \(2\)"
is "... and from the engine" "$(E list | grep -c '^ra-gone ')" "0"
nok "... and from the disk" test -e "$LXDECK_DIR/containers/ra-gone"

out=$(rvt "wait-text ra-run; row 0; keys jS; wait-text Read-only; row 22; expect-not '[y/N]'; keys d; sleep 100; row 22; keys k; keys s; sleep 100; row 22; dump" --read-only)
like "read-only: title says so" "$(echo "$out" | sed -n 1p)" "\[read-only\]"
like "read-only: stop refused" "$(echo "$out" | sed -n 2p)" "Read-only mode: stop is disabled"
like "read-only: delete refused" "$(echo "$out" | sed -n 3p)" "Read-only mode: delete is disabled"
like "read-only: start refused" "$(echo "$out" | sed -n 4p)" "Read-only mode: start is disabled"
like "read-only: nothing changed (engctl)" "$(E list | awk '{print $1, $2}' | tr '\n' ' ')" "^ra-off Running ra-run Stopped $"
done_testing
