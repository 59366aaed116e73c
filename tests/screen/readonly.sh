#!/bin/bash
# --read-only: destructive keys are refused with a clear message and nothing
# changes.
. "$(dirname "$0")/screen-lib.bash"

out=$(vt 'wait-text web2; row 0; keys jjjjS; wait-text "Read-only"; row 22; expect-not "[y/N]"; keys d; sleep 100; row 22; keys s; sleep 50; keys n; sleep 50; row 22; dump' --read-only)
like "title says read-only" "$(echo "$out" | sed -n 1p)" "\[read-only\]"
like "stop refused" "$(echo "$out" | sed -n 2p)" "Read-only mode: stop is disabled"
like "delete refused" "$(echo "$out" | sed -n 3p)" "Read-only mode: delete is disabled"
like "launch refused" "$(echo "$out" | sed -n 4p)" "Read-only mode: launch is disabled"
like "web1 still running" "$out" "web1 +Running"
like "still six instances" "$out" "Instances \(6\)"
nok "hint bar does not offer stop" grep -q "S stop" <<<"$out"
done_testing
