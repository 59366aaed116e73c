#!/bin/bash
# bad-input-local.sh - bad-input.sh's checks against lxdeckd serving the
# real engine (running containers, real operations).  Needs root.
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root for real containers"; exit 0; }
command -v lxc >/dev/null || { echo "1..0 # SKIP no lxc client"; exit 0; }
API_BACKEND=local exec "$(dirname "$0")/bad-input.sh"
