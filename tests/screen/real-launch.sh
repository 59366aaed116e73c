#!/bin/bash
# Launch over the real engine: the image picker lists the imported image,
# then a name (empty: generated), then profiles; the create operation and
# then the start show in the status line and the container ends up running
# with an address.
. "$(dirname "$0")/real-lib.bash"

fp=$(sha256sum "$LXDECK_DIR/busybox.tar.gz" | cut -c1-12)
out=$(rvt "wait-text 'No instances'; keys n; wait-text 'pick an image'; dump; key Enter; wait-text 'generated name'; keys rn-one\\r; wait-text 'Profiles for rn-one'; key Enter; wait-text 'Launching \"rn-one\"'; row 22; wait-match 'rn-one +Running'; wait-match 'rn-one +Running +[0-9]+\\.'; dump")
like "picker: alias, fingerprint prefix, os, release, description" "$out" "busybox +$fp +busybox +1\.[0-9.]+ +BusyBox"
like "status line follows the launch" "$out" "Launching \"rn-one\" from busybox"
like "launched and running with an address" "$out" "rn-one +Running +$(real_subnet)[0-9]+ +0 .* default"
like "... really (engctl)" "$(E list | grep '^rn-one ')" "^rn-one Running"
like "... with the default profile" "$(E show rn-one | grep '^profiles:')" "profiles: default$"

out=$(rvt "wait-text rn-one; keys n; wait-text 'pick an image'; key Enter; wait-text 'generated name'; key Enter; wait-text 'Profiles for the new instance'; key C-u; keys '\\r'; wait-text 'Instances (2)'; wait-match 'Running .* -? *$'; dump")
name=$(E list | awk '$1 != "rn-one" {print $1}')
ok "empty name: the engine generated one ($name)" test -n "$name"
like "... started too" "$(E list | grep "^$name ")" "Running"
like "... with no profiles, as asked" "$(E show "$name" | grep '^profiles:')" "^profiles: $"

out=$(rvt "wait-text rn-one; keys n; wait-text 'pick an image'; key Enter; keys 'Bad_Name\\r'; key Enter; wait-text 'Failed to launch'; row 22")
like "invalid name: the engine's message, naming it" "$out" 'Failed to launch "Bad_Name" from "busybox": .*Bad_Name'
is "nothing made" "$(E list | wc -l)" "2"
done_testing
