#!/bin/bash
# The instance list over the real engine: real containers with their state
# and the address DHCP gave them on lxdeckbr0, sorting, filtering, details.
. "$(dirname "$0")/real-lib.bash"

E launch busybox rt-web >/dev/null && E launch busybox rt-db >/dev/null &&
    E init busybox rt-idle >/dev/null
ok "three real containers (two running)" test "$(E list | wc -l)" = 3
ok "rt-web got an address" wait_ipv4 rt-web
ok "rt-db got an address" wait_ipv4 rt-db
NET=$(real_subnet)
ip_web=$(E state rt-web | sed -n 's/^ipv4: //p')

out=$(rvt "wait-match 'rt-web +Running +$NET'; wait-match 'rt-db +Running +$NET'; dump")
like "title counts the real containers" "$out" "lxdeck  local:  Instances \(3\)"
like "running with its DHCP address" "$out" "rt-web +Running +${ip_web//./\\.} +0 +[0-9.]+s +[0-9.]+[KM]iB +default"
like "second running one has an address too" "$out" "rt-db +Running +$NET[0-9]+ "
like "stopped: no address, no usage" "$out" "rt-idle +Stopped +0 +- +- +default"

out=$(rvt "wait-text rt-idle; row 2; row 4; keys '>'; wait-text 'sort: STATE'; row 2; row 4; keys =; wait-text '(reversed)'; row 2")
like "sorted by name: rt-db first" "$(echo "$out" | sed -n 1p)" "^  rt-db "
like "sorted by name: rt-web last" "$(echo "$out" | sed -n 2p)" "^  rt-web "
like "by state: Running first" "$(echo "$out" | sed -n 3p)" "^  rt-db +Running"
like "by state: Stopped last" "$(echo "$out" | sed -n 4p)" "^  rt-idle +Stopped"
like "reversed: Stopped first" "$(echo "$out" | sed -n 5p)" "^  rt-idle +Stopped"

out=$(rvt "wait-text rt-idle; keys /status=running\\r; wait-text 'filter:'; dump")
like "filter status=running: 2 of 3" "$out" "Instances \(2 of 3\)"
nok "... rt-idle hidden" grep -q "^  rt-idle" <<<"$out"
out=$(rvt "wait-text rt-idle; keys /ipv4=~^$NET\\r; wait-text 'filter:'; dump")
like "filter on the address field" "$out" "Instances \(2 of 3\)"
out=$(rvt "wait-text rt-idle; keys '/!rt-db\\r'; wait-text 'filter:'; dump")
like "negation" "$out" "Instances \(2 of 3\)"
nok "... rt-db hidden" grep -q "^  rt-db " <<<"$out"

out=$(SIZE=100x50 rvt "wait-text rt-idle; keys jj; key Enter; wait-text 'Instance rt-web'; wait-match 'inet +$NET'; dump")
like "detail: running" "$out" "Status: +Running"
like "detail: init's pid" "$out" "PID: +[1-9][0-9]*"
like "detail: eth0's address" "$out" "inet +${ip_web//./\\.}/24"
like "detail: nic from the default profile" "$out" "network: lxdeckbr0"
done_testing
