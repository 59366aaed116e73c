#!/bin/bash
# remote-incus.sh - Incus as a remote beyond its unix socket (the unix
# socket is remote-contract.sh's (d)): the reference Incus
# (scripts/incus-ref) listens on loopback HTTPS for the length of the test;
#   - the stock incus client adds it with a trust token into its own
#     config ($INCUS_CONF); lxdeck lists that remote (SOURCE incus, pinned)
#     and its `local` (INCUS_SOCKET), writes nothing there, and the
#     contract suite runs over HTTPS with the incus client's certificate
#     (websockets over HTTP/1.1 although Incus offers h2);
#   - `lxdeck remote add NAME TOKEN` with an Incus token (trust_token)
#     pins the certificate and becomes trusted;
#   - the TUI's remotes view shows the Incus remote as "incus 6.x".
# Needs root.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/api/api-lib.inc"
api_need_rctl
api_tmp /tmp/lxdeck-ri.XXXXXX
P=ri$$
ISOCK=
HTTPS_SET=
# the incus client on the reference daemon, with a config of its own
iref() { INCUS_CONF="$T/iref" INCUS_SOCKET="$ISOCK" timeout 60 incus "$@" 2>>"$T/iref.err"; }
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	    tr 'A-F' 'a-f'
}
cleanup() {
	if [ -n "$ISOCK" ]; then
		iref delete -f "${P}h-a" "${P}h-a-c" >/dev/null 2>&1
		iref profile delete "${P}h-p" >/dev/null 2>&1
		for c in "$T/ic/client.crt" "$T"/xdg*/lxdeck/client.crt; do
			[ -f "$c" ] && iref config trust remove "$(fingerprint "$c")" >/dev/null 2>&1
		done
		[ -n "$HTTPS_SET" ] && iref config unset core.https_address >/dev/null 2>&1
	fi
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
mkdir -p "$T/iref" "$T/ic" "$T/lxc" "$T/xdg" "$T/home/config"

if ! ISOCK=$("$LXDECK_SRC/scripts/incus-ref" 2>"$T/incus.log"); then
	ISOCK=
	tail -3 "$T/incus.log" | sed 's/^/# /'
	tap_result 1 "reference Incus starts"
	done_testing
	exit 1
fi
ok "the reference Incus answers on $ISOCK" test -S "$ISOCK"
if [ -z "$(iref config get core.https_address)" ]; then
	ok "it listens on https://127.0.0.1:$PORT" iref config set core.https_address "127.0.0.1:$PORT"
	HTTPS_SET=1
else
	PORT=$(iref config get core.https_address | sed 's/.*://')
	echo "# already listening on port $PORT"
fi

# The stock incus client adds it with a token, into its own config.
tok=$(iref config trust add "${P}-incus" --quiet | tail -1)
ok "incus remote add with a token" env INCUS_CONF="$T/ic" timeout 60 incus remote add ir "$tok"
ok "the incus client made its certificate and pinned the server's" \
    test -f "$T/ic/client.crt" -a -f "$T/ic/servercerts/ir.crt"
cp "$T/ic/config.yml" "$T/config.before"

E=(env INCUS_CONF="$T/ic" INCUS_SOCKET="$ISOCK" LXD_CONF="$T/lxc" XDG_CONFIG_HOME="$T/xdg")
out=$("${E[@]}" "$BUILD/lxdeck" remote list 2>&1)
like "lxdeck remote list: ir from the incus config, pinned" "$out" \
    $'\n''ir +https://127\.0\.0\.1:'"$PORT"' +lxd +incus +yes'
like "lxdeck remote list: incus's local as \"incus\" on its socket" "$out" \
    $'\n''incus +unix://'"$ISOCK"' +lxd +incus '
like "lxdeck remote list: the public image server" "$out" $'\n''images +https://[^ ]+ +simplestreams +incus'
out=$("${E[@]}" "$RCTL" -r incus info 2>&1)
like "the incus remote on the unix socket is Incus" "$out" "server: incus"

# The contract over HTTPS, with the incus client's certificate.
api_tap_of "Incus https" "${E[@]}" "$RCTL" -r ir contract "${P}h" busybox
ok "the incus client's config is untouched" cmp "$T/config.before" "$T/ic/config.yml"

# lxdeck remote add with an Incus token (POST /1.0/certificates trust_token).
tok=$(iref config trust add "${P}-lxdeck" --quiet | tail -1)
ok "lxdeck remote add NAME TOKEN (Incus)" "${E[@]}" "$BUILD/lxdeck" remote add ih "$tok"
out=$("${E[@]}" "$RCTL" -r ih info 2>&1)
like "the added remote answers over HTTPS as Incus" "$out" "server: incus"
# (a client already trusted never shows the token again: another identity)
nok "the used token is refused a second time" env XDG_CONFIG_HOME="$T/xdg2" \
    LXD_CONF="$T/lxc" INCUS_CONF="$T/none" "$BUILD/lxdeck" remote add ih2 "$tok"

# The TUI's remotes view.
out=$("$BUILD/tools/vtscreen" -s 120x30 -t 8000 -c 'keys :remote ir\r
wait-text Instances
keys R
wait-text connected,
dump
keys q
keys q
keys q' -- env -i PATH="$PATH" TERM=xterm-256color HOME="$T/home" \
    XDG_CONFIG_HOME="$T/xdg" LXD_CONF="$T/lxc" INCUS_CONF="$T/ic" INCUS_SOCKET="$ISOCK" \
    LXDECK_THEME_DIR="$LXDECK_SRC/themes" "$BUILD/lxdeck" --fake 2>&1)
like "remotes view: ir connected, incus and its version" "$out" \
    'ir: +https://127\.0\.0\.1:[0-9]+ +incus +connected, incus 6\.[0-9.]+, [0-9]+ instances'
like "remotes view: ih (lxdeck's) is listed" "$out" 'ih: +https://127\.0\.0\.1:[0-9]+ +lxdeck '
done_testing
