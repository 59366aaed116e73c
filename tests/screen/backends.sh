#!/bin/bash
# backends.sh - the engine and the REST client are loaded when first used
# (tui/backends.c): a session on the fake backend maps none of liblxc,
# libcurl, OpenSSL, libwebsockets or lxdeck-backends.so; opening the
# remotes view loads them; without the library the fake still works, and
# local: says why it cannot start while the UI stays up.
. "$(dirname "$0")/screen-lib.bash"

HEAVY='liblxc|libcurl|libssl|libcrypto|libwebsockets|libsqlite3|lxdeck-backends'
out=$(VT_ENV="LXDECK_FAKE_INSTANCES=1000" vt "wait-text c0020
shell ! grep -qE '$HEAVY' /proc/\$VT_CHILD/maps
rss
keys R
wait-text Remotes
shell grep -q lxdeck-backends.so /proc/\$VT_CHILD/maps
shell grep -q libcurl /proc/\$VT_CHILD/maps
row 2")
is "fake: none of the heavy libraries mapped, then R loads them" "$?" "0"
like "the remotes view lists local:" "$out" "local"
echo "# $(echo "$out" | grep '^rss')"

out=$(VT_ENV="LXDECK_BACKENDS=/nonexistent/lxdeck-backends.so" vt 'wait-text web1
keys R
wait-text Remotes
dump')
is "fake without the library: the list and the remotes view work" "$?" "0"
like "the remotes view says why there are no others" "$out" \
    "Failed to load the engine and REST client"

out=$(LXDECK_CMD="$BUILD/lxdeck" VT_ENV="LXDECK_BACKENDS=/nonexistent/lxdeck-backends.so LXDECK_DIR=$SCREEN_TMP/none" \
    vt 'wait-text Failed to load the engine
keys ?
wait-text Help
dump')
is "local: without the library says so, the UI keeps working" "$?" "0"
like "the loader's reason is shown" "$out" "nonexistent"

# make install: PREFIX/bin/lxdeck finds PREFIX/lib/lxdeck/lxdeck-backends.so
inst=$SCREEN_TMP/inst
make -s -C "$LXDECK_SRC" install DESTDIR="$inst" PREFIX=/usr >/dev/null
out=$(env -i PATH="$PATH" HOME="$SCREEN_TMP" XDG_CONFIG_HOME="$SCREEN_TMP/config" \
    "$inst/usr/bin/lxdeck" remote list 2>&1)
like "installed: lxdeck lists local:" "$out" "local +\\(embedded engine\\)"
unlike "installed: the library under lib/lxdeck is found" "$out" "Failed to load"
rm "$inst/usr/lib/lxdeck/lxdeck-backends.so"
out=$(env -i PATH="$PATH" HOME="$SCREEN_TMP" XDG_CONFIG_HOME="$SCREEN_TMP/config" \
    "$inst/usr/bin/lxdeck" remote list 2>&1)
like "installed without the library: says so" "$out" "Failed to load the engine"
done_testing
