#!/bin/bash
# The other views: detail, help, ops, profiles, images, remotes, snapshots;
# the command bar with completion and history; keys remapped in the config.
. "$(dirname "$0")/screen-lib.bash"

out=$(SIZE=100x60 vt 'wait-text web2; keys jjjj; key Enter; wait-text "Instance web1"; dump; keys q; wait-text "Instances (6)"')
like "detail: status" "$out" "Status: +Running"
like "detail: pid" "$out" "PID: +[1-9][0-9]*"
like "detail: processes" "$out" "Processes: +[0-9]+"
like "detail: address" "$out" "inet +10\.0\.3\.3/24"
like "detail: expanded config" "$out" "Expanded config"
like "detail: devices from the profile" "$out" "parent: lxdeckbr0"
like "detail: snapshots" "$out" "Snapshots \(1\)"
like "detail: profiles" "$out" "Profiles: +default"

out=$(SIZE=100x50 vt 'wait-text web2; keys ?; wait-text "Keys"; dump')
like "help lists stop" "$out" "S +stop"
like "help explains the filter" "$out" "Filter"

out=$(vt 'wait-text web2; keys P; wait-text "Profiles ("; dump')
like "profiles: default and docker" "$out" "docker +Profile supporting docker"
like "profiles: users and devices" "$out" "default +Default lxdeck profile +6 +eth0\(nic\) root\(disk\)"
out=$(vt 'wait-text web2; keys i; wait-text "Images ("; dump')
like "images: busybox alias" "$out" "busybox +3f1a9c2e8b7d"
out=$(vt 'wait-text web2; keys R; wait-text "Remotes"; dump')
like "remotes: local:" "$out" "local: +fake"
out=$(vt 'wait-text web2; keys t; wait-text "Snapshots of build"; dump; keys n; wait-text "as: snap"; row 22; key Enter; wait-text "snap2 "; dump')
like "timeline: axis with now" "$out" "o-+o?-*\|"
like "timeline: snapshot rows with relative times" "$out" "snap1 +20[0-9-]+ [0-9:]+ +[0-9]+d ago"
like "timeline: now row" "$out" "now +20[0-9-]+ [0-9:]+ +Stopped"
like "n offers the next free name" "$out" "Snapshot build on local: as: snap2"
like "Enter takes it" "$out" "snap2 +20[0-9-]+ [0-9:]+ +[0-9]+s ago"
out=$(SIZE=100x40 vt 'wait-text web2; keys t; wait-text "Snapshots of build"; key Enter; wait-text "Files changed since"; dump')
like "timeline diff: the files section" "$out" "Files changed since snap1"
like "timeline diff: the backend's lines" "$out" "M /etc/hostname.*A /root/notes.txt.*D /tmp/build.log"

out=$(vt 'wait-text web2; keys :pro; key Tab; sleep 50; row 22; key Enter; wait-text "Profiles ("; keys q; sleep 50; keys :; key Up; sleep 50; row 22')
like "Tab completes the command" "$(echo "$out" | sed -n 1p)" "^:profiles"
like "Up recalls history" "$(echo "$out" | sed -n 2p)" "^:profiles"

out=$(vt 'wait-text web2; keys ":remote nowhere\r"; wait-text "not found"; row 22; dump')
like ":remote unknown is an error" "$out" 'Remote "nowhere" not found'
out=$(vt 'wait-text web2; keys ":remote nowhere\r"; wait-text "not found"; keys ":remote local\r"; wait-text "web2"; row 0')
like ":remote local comes back" "$out" "local:  Instances \(6\)"
out=$(vt 'wait-text web2; keys ":bogus\r"; wait-text "Unknown command"; row 22')
like "unknown command" "$out" 'Unknown command "bogus"'

printf 'key.stop = x\nkey.help = F1\n' >"$SCREEN_TMP/config/lxdeck/config"
out=$(vt 'wait-text web2; row 23; keys jjjjx; wait-text "[y/N]"; row 22; keys n; key F1; wait-text "Keys"; dump')
rm -f "$SCREEN_TMP/config/lxdeck/config"
like "remapped key in the hint bar" "$(echo "$out" | sed -n 1p)" "x stop"
like "remapped key stops" "$(echo "$out" | sed -n 2p)" 'Stop instance "web1"'
like "help shows the remapped key" "$out" "x +stop"
done_testing
