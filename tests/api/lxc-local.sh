#!/bin/bash
# lxc-local.sh - the lxc scenario (api-lib.inc) against lxdeckd serving the
# real engine: real containers driven by the stock lxc client.  Needs root.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/api-lib.inc"
api_need_lxc
api_engine_dir /tmp/lxdeck-apidir.XXXXXX
cleanup() {
	engine_purge "$API_DIR"
	rm -rf --one-file-system "$API_DIR"
}
trap cleanup EXIT
# (debug log: each exec that lets liblxc move the process says so)
LXDECK_DEBUG=1 API_BACKEND=local api_start_lxdeckd ||
    { echo "not ok 1 - lxdeckd starts"; exit 1; }
API_PREFIX=tloc api_scenario
ok "every exec attached without liblxc's cgroup move (the first included)" \
    eval '! grep -q "liblxc moves the process" "$API_TMP/lxdeckd.log"'
api_stop_lxdeckd

# The same execs when liblxc moves the process into the cgroups itself
# (what lxdeckd falls back to when the cgroups are not as its own fast
# path needs: engine/cgroup-attach.c).
LXDECK_DEBUG=1 LXDECK_EXEC_LIBLXC=1 API_BACKEND=local api_start_lxdeckd ||
    { echo "not ok - lxdeckd starts (liblxc attach)"; exit 1; }
ok "launch (liblxc attach)" L launch busybox tloc-l
api_exec_checks tloc-l
ok "those execs went through liblxc's cgroup move" \
    grep -q "liblxc moves the process" "$API_TMP/lxdeckd.log"
ok "delete (liblxc attach)" L delete -f tloc-l
api_stop_lxdeckd
done_testing
