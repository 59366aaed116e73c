#!/bin/bash
# Sorting: by name by default, > / < pick the column, = or the same F-key
# again reverses; the header shows the sort column.
. "$(dirname "$0")/screen-lib.bash"

out=$(vt 'wait-text web2; row 0; row 1; row 2; row 7')
like "sorted by name" "$out" "sort: NAME"
like "arrow on the NAME header" "$out" "NAME▲"
like "first row build" "$(echo "$out" | sed -n 3p)" "^  build "
like "last row web2" "$(echo "$out" | sed -n 4p)" "^  web2 "

out=$(vt 'wait-text web2; keys >; wait-text "sort: STATE"; row 1; row 2; row 7')
like "header shows STATE" "$(echo "$out" | sed -n 1p)" "STATE▲"
like "Frozen sorts first" "$(echo "$out" | sed -n 2p)" "^  cache1 +Frozen"
like "Stopped sorts last" "$(echo "$out" | sed -n 3p)" "Stopped"

out=$(vt 'wait-text web2; keys =; wait-text "(reversed)"; row 2; row 7')
like "reversed: web2 first" "$(echo "$out" | sed -n 1p)" "^  web2 "
like "reversed: build last" "$(echo "$out" | sed -n 2p)" "^  build "

# F7 = MEMORY (F2 is the first column); F7 again reverses.
out=$(vt 'wait-text web2; key F7; wait-text "sort: MEMORY"; row 2; row 7; key F7; wait-text "MEMORY (reversed)"; row 2')
like "memory ascending: stopped (no memory) first" "$(echo "$out" | sed -n 1p)" "^  build "
like "memory ascending: biggest last" "$(echo "$out" | sed -n 2p)" "^  cache1 .*160\.0MiB"
like "memory descending: biggest first" "$(echo "$out" | sed -n 3p)" "^  cache1 "

out=$(vt 'wait-text web2; keys <; wait-text "sort: PROFILES"; row 2')
like "< wraps to the last column" "$out" "^  build .*default,docker|^  cache1"
done_testing
