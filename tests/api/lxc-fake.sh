#!/bin/bash
# lxc-fake.sh - the lxc scenario (api-lib.inc) against lxdeckd --fake.
. "$(dirname "$0")/api-lib.inc"
command -v lxc >/dev/null || skip_all "no lxc client"
API_BACKEND=fake api_start_lxdeckd || { echo "not ok 1 - lxdeckd starts"; exit 1; }
api_scenario
api_stop_lxdeckd
done_testing
