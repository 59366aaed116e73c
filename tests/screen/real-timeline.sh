#!/bin/bash
# The snapshot timeline over the real engine: take one (snapN offered),
# expiry and snapshots.schedule ticks shown, the config diff against now,
# restore (confirmed) reverts a file changed after the snapshot, rename,
# copy to a new instance, publish as an image, delete (confirmed).
. "$(dirname "$0")/real-lib.bash"

E launch busybox rt-s -c snapshots.expiry=2d -c snapshots.schedule=@hourly >/dev/null
E exec rt-s -- sh -c 'echo before > /root/f'
is "file written" "$(E exec rt-s -- cat /root/f)" "before"

out=$(SIZE=100x30 rvt "wait-text rt-s; keys t; wait-text 'Snapshots of rt-s (0)'; dump; keys n; wait-text 'as: snap0'; row 28; key Enter; wait-text 'Snapshots of rt-s (1)'; wait-match 'snap0 +20'; dump")
like "timeline: no snapshots yet" "$out" "No snapshots yet"
like "schedule ticks ahead of now" "$out" "\(scheduled\) +20[0-9-]+ [0-9:]+ +[0-9]+[mh] from now"
like "legend names the schedule and expiry" "$out" "\+ scheduled \(@hourly\) +expiry: 2d"
like "axis: now then the ticks" "$out" "\|-*\+"
like "n offers snap0" "$out" "Snapshot rt-s on local: as: snap0"
like "taken: relative time and expiry" "$out" "snap0 +20[0-9-]+ [0-9:]+ +[0-9]+s ago +in 1d"
is "... in the engine" "$(E snapshots rt-s)" "snap0 expires"

E exec rt-s -- sh -c 'echo after > /root/f'
E config-set rt-s user.later=1 >/dev/null
out=$(SIZE=100x30 rvt "wait-text rt-s; keys t; wait-match 'snap0 +20'; key Enter; wait-text 'Config: snapshot snap0 -> now'; dump")
like "diff: config added since the snapshot" "$out" "\+ user.later: 1"

out=$(SIZE=100x30 rvt "wait-text rt-s; keys t; wait-match 'snap0 +20'; keys r; wait-text '[y/N]'; row 28; keys y; wait-match 'Restoring instance \"rt-s\" to snapshot \"snap0\": done'; row 28")
like "restore asks, naming instance, remote and snapshot" "$out" 'Restore instance "rt-s" on local: to snapshot "snap0"'
like "restore done" "$out" 'Restoring instance "rt-s" to snapshot "snap0": done'
is "restore reverted the file" "$(E exec rt-s -- cat /root/f)" "before"

out=$(SIZE=100x30 rvt "wait-text rt-s; keys t; wait-match 'snap0 +20'; keys m; key C-u; keys 'keep\\r'; wait-match 'keep +20'; keys C; keys 'rt-copy\\r'; wait-match 'Copying.*: done'; keys p; keys 'from keep\\r'; wait-match 'Publishing.*: done'; row 28")
is "renamed" "$(E snapshots rt-s)" "keep expires"
like "copied to a new instance" "$(E list | awk '{print $1}' | tr '\n' ' ')" "rt-copy rt-s"
is "published as an image" "$(E image-list | wc -l)" "2"

out=$(SIZE=100x30 rvt "wait-text rt-s; keys j; keys t; wait-match 'keep +20'; keys d; wait-text '[y/N]'; row 28; keys y; wait-text 'Snapshots of rt-s (0)'; dump")
like "delete asks, naming snapshot, instance and remote" "$out" 'Delete snapshot "keep" of instance "rt-s" on local:\?'
is "deleted" "$(E snapshots rt-s)" ""
done_testing
