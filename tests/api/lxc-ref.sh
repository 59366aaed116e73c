#!/bin/bash
# lxc-ref.sh - the same lxc scenario against the reference LXD 5.0.2
# (scripts/lxd-ref starts and prepares it), so the scenario itself is
# checked against the real thing.  Needs root.
. "$(dirname "$0")/api-lib.inc"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for the reference LXD"
command -v lxd >/dev/null || skip_all "lxd not installed"
sock=$("$LXDECK_SRC/scripts/lxd-ref") || { echo "not ok 1 - reference LXD starts"; exit 1; }
api_conf "$sock"
API_PREFIX=tref api_scenario
rm -rf "$API_CONF"
done_testing
