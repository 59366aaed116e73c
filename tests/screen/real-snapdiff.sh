#!/bin/bash
# The snapshot timeline's diff over the real engine: Enter on a snapshot
# lists, under the config diff, the files changed since it (overlay
# storage: modified, added, deleted); on dir storage the section says why
# it cannot (501) and the config diff is still there.
. "$(dirname "$0")/real-lib.bash"

E launch busybox sd-o -s overlay >/dev/null
E exec sd-o -- sh -c 'echo before > /root/f; echo x > /root/gone'
E snapshot sd-o snap0 >/dev/null
E exec sd-o -- sh -c 'echo after > /root/f; echo n > /root/new; rm /root/gone'
out=$(SIZE=100x40 rvt "wait-text sd-o; keys t; wait-match 'snap0 +20'; key Enter; wait-text 'Files changed since snap0'; wait-text '/root/new'; dump")
like "diff: config section still there" "$out" "Config: snapshot snap0 -> now"
like "diff: files section names the snapshot" "$out" "Files changed since snap0"
like "diff: the modified file" "$out" "M /root/f"
like "diff: the added file" "$out" "A /root/new"
like "diff: the deleted file" "$out" "D /root/gone"
is "... the engine's list has the same lines" \
    "$(E snapshot-diff sd-o snap0 | grep '/root/')" "M /root/f
D /root/gone
A /root/new"

E launch busybox sd-d -s dir >/dev/null
E snapshot sd-d snap0 >/dev/null
out=$(SIZE=100x40 rvt "wait-text sd-d; keys t; wait-match 'snap0 +20'; key Enter; wait-text 'Files changed since snap0'; wait-text 'overlay'; dump")
like "dir storage: the config diff is shown" "$out" "Config: snapshot snap0 -> now"
like "dir storage: the section says why (501)" "$out" "File changes are only tracked cheaply on overlay storage"
done_testing
