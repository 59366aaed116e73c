# screen-lib.bash - shared set-up for the screen tests (sourced, not run).
#
#   vt SCRIPT [LXDECK ARGS...]   runs build/lxdeck --fake in an 80x24 pty under
#                                vtscreen with SCRIPT, prints what it prints
# Environment knobs: SIZE (COLSxROWS), VT_TERM (TERM, default xterm-256color),
# VT_ENV (extra VAR=VAL words), LXDECK_CMD (default: "$BUILD/lxdeck --fake").
# Every test runs with its own HOME/XDG_CONFIG_HOME so a user's config never
# leaks in, and with the repository's themes/.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
VTSCREEN=$BUILD/tools/vtscreen
SCREEN_TMP=$(mktemp -d /tmp/lxdeck-screen.XXXXXX)
# searchable (not listable): a LXDECK_DIR made below it must be reachable by
# the containers' root, or the engine refuses to open (engine_open)
chmod 0711 "$SCREEN_TMP"
trap 'rm -rf "$SCREEN_TMP"' EXIT
mkdir -p "$SCREEN_TMP/config/lxdeck"

# Each wait of a script gives up after VT_TIMEOUT ms: a bound for a hang,
# not a timing goal (a wait returns as soon as the screen shows it), so it
# is generous: 15 s as over the real engine (real-lib.bash), not 4 s.
vt() {
	local script=$1
	shift
	# shellcheck disable=SC2086
	"$VTSCREEN" -s "${SIZE:-80x24}" -t "${VT_TIMEOUT:-15000}" -c "$script" -- \
	    env -i PATH="$PATH" TERM="${VT_TERM:-xterm-256color}" \
	    LANG="${VT_LANG:-C.UTF-8}" HOME="$SCREEN_TMP" \
	    XDG_CONFIG_HOME="$SCREEN_TMP/config" \
	    LXDECK_THEME_DIR="$LXDECK_SRC/themes" $VT_ENV \
	    ${LXDECK_CMD:-$BUILD/lxdeck --fake} "$@" 2>&1
}
