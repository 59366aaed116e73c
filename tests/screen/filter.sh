#!/bin/bash
# The / filter: substring, regex (~re and automatic), ! negation, key=value on
# fields and config; Esc clears it.
. "$(dirname "$0")/screen-lib.bash"

rows() { echo "$1" | grep -cE '^  [a-z][a-z0-9-]* +(Running|Stopped|Frozen) '; }

out=$(vt 'wait-text web2; keys /web\r; wait-text "filter: web"; dump')
is "substring: two rows" "$(rows "$out")" "2"
like "substring: title counts" "$out" "Instances \(2 of 6\)"
like "substring keeps web1" "$out" "  web1 "

out=$(vt 'wait-text web2; keys /~^(db|cache)\r; wait-text "filter:"; dump')
is "regex: two rows" "$(rows "$out")" "2"
like "regex: db1" "$out" "  db1 "
like "regex: cache1" "$out" "  cache1 "

out=$(vt 'wait-text web2; keys "/^web[0-9]$\r"; wait-text "filter:"; dump')
is "automatic regex" "$(rows "$out")" "2"

out=$(vt 'wait-text web2; keys /!web\r; wait-text "filter:"; dump')
is "negation: four rows" "$(rows "$out")" "4"
nok "negation: no web1" grep -q "  web1 " <<<"$out"

out=$(vt 'wait-text web2; keys /user.role=db\r; wait-text "filter:"; dump')
is "config key=value: one row" "$(rows "$out")" "1"
like "config key=value: db1" "$out" "  db1 "

out=$(vt 'wait-text web2; keys /status=stopped\r; wait-text "filter:"; dump')
is "status=stopped: two rows" "$(rows "$out")" "2"
like "status=stopped: build" "$out" "  build +Stopped"

out=$(vt 'wait-text web2; keys "/security.nesting=true !status=running\r"; wait-text "filter:"; dump')
is "expanded config from a profile, ANDed with a negation" "$(rows "$out")" "1"
like "... is build" "$out" "  build "

out=$(vt 'wait-text web2; keys /zzz\r; wait-text "filter:"; dump')
like "nothing matches" "$out" "No instance matches the filter"

out=$(vt 'wait-text web2; keys /~[\r; sleep 100; row 22')
like "bad regex is an error in the status line" "$out" "Invalid filter regex"

out=$(vt 'wait-text web2; keys /web\r; wait-text "filter:"; key Esc; wait-text "Instances (6)"; dump')
is "Esc clears the filter" "$(rows "$out")" "6"
done_testing
