#!/bin/bash
# merged.sh - one list across several remotes: local: (the fake) and dk
# (lxdeckd --fake on a unix socket, from the lxc client's config in a temp
# LXD_CONF).  Both are seeded with the same six names, so only the REMOTE
# column tells them apart.  `:remote local,dk` and `:remote *` merge them;
# the header names both; sorting by REMOTE groups them; a filter on
# remote=dk keeps dk's; `s` on dk's build starts dk's (read back over the
# API with curl) and not local's; the stop confirmation names dk; a stop
# made on dk from outside (the fake's control FIFO) appears unprompted.
. "$(dirname "$0")/screen-lib.bash"

T=$(mktemp -d /tmp/lxdeck-merged.XXXXXX)
chmod 755 "$T"
SOCK=$T/unix.socket
DPID=
cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$T" "$SCREEN_TMP"
}
trap cleanup EXIT

mkdir -p "$T/lxc"
mkfifo "$T/dkctl"
LXDECK_FAKE_CONTROL=$T/dkctl "$BUILD/lxdeckd" --fake --socket "$SOCK" \
    2>"$T/lxdeckd.log" &
DPID=$!
for i in $(seq 1 100); do
	[ -S "$SOCK" ] && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
ok "lxdeckd --fake listens on $SOCK" test -S "$SOCK"
printf 'default-remote: local\nremotes:\n  dk:\n    addr: unix://%s\n    public: false\n' \
    "$SOCK" >"$T/lxc/config.yml"

# dk's view of an instance's status, over the API.
dk_status() {
	curl -s --unix-socket "$SOCK" "http://x/1.0/instances/$1" |
	    sed -n 's/.*"status":"\([A-Za-z]*\)".*/\1/p'
}

VT_ENV="LXD_CONF=$T/lxc"

out=$(vt 'wait-text web2
keys :remote local,dk\r
wait-text Instances (12)
row 0
row 1
row 2
row 3
keys >
wait-text sort: REMOTE
row 1
row 2
row 7
row 8
keys /remote=dk\r
wait-text Instances (6 of 12)
row 0
row 2')
like "header names both remotes" "$out" "lxdeck +local: dk:"
like "12 instances, merged" "$out" "Instances \(12\)"
like "REMOTE column" "$out" "NAME. +REMOTE +STATE +IPV4"
like "same name on both: dk's build" "$out" $'\n  build +dk +Stopped'
like "same name on both: local's build" "$out" $'\n  build +local +Stopped'
like "> sorts by REMOTE (the next column on screen)" "$out" "REMOTE▲"
like "by REMOTE: dk's six, then local's" "$out" \
    $'REMOTE▲[^\n]*\n  build +dk [^\n]*\n  web2 +dk [^\n]*\n  build +local'

like "filter remote=dk" "$out" "Instances \(6 of 12\)  filter: remote=dk"

is "dk's build is stopped before" "$(dk_status build)" "Stopped"
out=$(vt 'wait-text web2
keys :remote local,dk\r
wait-text Instances (12)
keys /remote=dk build\r
wait-text Instances (1 of 12)
keys s
wait-text Running
keys \x1b
wait-text Filter and marks cleared
row 2
row 3
keys /remote=dk build\r
wait-text Instances (1 of 12)
keys S
wait-text [y/N]
row 22
keys n
wait-text Cancelled')
is "s on dk:build started dk's build" "$(dk_status build)" "Running"
like "the list shows dk's build running" "$out" 'build +dk +Running'
like "local's build is still stopped" "$out" $'\n  build +local +Stopped'
like "stop confirmation names dk" "$out" 'Stop instance "build" on dk:\?'

# A change on dk from outside shows up without a key press.
out=$(vt "wait-text web2
keys :remote *\r
wait-text Instances (12)
keys /web1\r
wait-text Instances (2 of 12)
row 0
row 2
row 3
shell echo 'stop web1' > $T/dkctl
wait-match web1 +dk +Stopped
row 2
row 3")
like ":remote * merges the reachable remotes" "$out" "lxdeck +local: dk:"
like "dk's web1 running at first" "$out" 'web1 +dk +Running'
like "outside stop on dk appears" "$out" $'\n  web1 +dk +Stopped'
like "local's web1 keeps running" "$(echo "$out" | tail -1)" "web1 +local +Running"

# A remote that is not there: named, the others still listed.
out=$(vt 'wait-text web2
keys :remote local,nosuch\r
wait-text nosuch
row 0
row 22')
like "one remote left: the single path" "$out" "lxdeck +local:  +Instances \(6\)"
like "the missing remote is named" "$out" "nosuch: Remote \"nosuch\" not found"
done_testing
