#!/bin/bash
# The images view and the launch picker over an lxd-protocol image server
# with its certificates: a second lxdeckd on loopback HTTPS (self-signed)
# holds a public and a private image and is added twice, as a trusted
# remote with `lxdeck remote add NAME TOKEN` (lxdeck's config) and as a
# public image server with `lxc remote add --public` (the lxc client's
# config).  In the TUI (real engine, real binary in a pty):
#   - `s d1:` (trusted) lists both images, `s d1pub:` the public one only;
#   - `/` searches that list; the URL of d1 typed as is uses its pin;
#   - the picker `n` launches on local: from d1: the private image (by
#     fingerprint with a download secret) and, from d1pub:, the public
#     one: both run (engctl) from cached images;
#   - the same server under a name no remote pins is refused at once with
#     what to do (`lxdeck remote add`), never a hang or an empty list.
. "$(dirname "$0")/real-lib.bash"
command -v lxc >/dev/null || skip_all "no lxc client"
T=$(mktemp -d /tmp/lxdeck-screen-imgrem.XXXXXX)
chmod 755 "$T"
P1=$((20000 + RANDOM % 20000))
export LXD_CONF=$T/lxc XDG_CONFIG_HOME=$SCREEN_TMP/config INCUS_CONF=$T/noincus
mkdir -p "$LXD_CONF" "$T/d1"
cat > "$LXD_CONF/config.yml" <<EOF
default-remote: u1
remotes:
  u1:
    addr: unix://$T/d1.sock
    public: false
EOF
L() { timeout 60 lxc "$@"; }
imgrem_cleanup() {
	[ -n "$D1PID" ] && kill -TERM "$D1PID" 2>/dev/null && wait "$D1PID" 2>/dev/null
	rm -rf --one-file-system "$T"
	real_cleanup
}
trap imgrem_cleanup EXIT

epoch=$((1700000000 + ($$ % 100000) * 10))
for n in pub priv; do
	epoch=$((epoch + 1))
	SOURCE_DATE_EPOCH=$epoch "$LXDECK_SRC/scripts/build-image" busybox \
	    "$T/$n.tar.gz" >/dev/null || { echo "not ok - build image $n"; exit 1; }
done
fp_pub=$(sha256sum "$T/pub.tar.gz" | cut -d' ' -f1)
fp_priv=$(sha256sum "$T/priv.tar.gz" | cut -d' ' -f1)

lxdeckd_https "$T" d1 "$P1"; D1PID=$DPID
B1=https://127.0.0.1:$P1
ok "d1 serves HTTPS" curl -sfk "$B1/1.0"
ok "d1: a public image" L image import "$T/pub.tar.gz" u1: --alias pubimg --public
ok "d1: a private image" L image import "$T/priv.tar.gz" u1: --alias privimg
ok "lxc remote add d1pub --public (pinned, untrusted)" \
    L remote add d1pub "$B1" --public --accept-certificate
tok=$(L config trust add --name imgrem | tail -1)
ok "lxdeck remote add d1 TOKEN (pinned, trusted)" "$BUILD/lxdeck" remote add d1 "$tok"
like "lxdeck remote list shows both, pinned" "$("$BUILD/lxdeck" remote list 2>&1)" \
    "d1 +$B1 +lxd +lxdeck +yes.*d1pub +$B1 +lxd +lxc +yes|d1pub +$B1 +lxd +lxc +yes.*d1 +$B1 +lxd +lxdeck +yes"

export VT_ENV="LXD_CONF=$LXD_CONF INCUS_CONF=$INCUS_CONF"
browse() {	# SPEC [more script]: the images view browsing SPEC
	SIZE=140x30 rvt "wait-text 'No instances'; keys i; wait-text 'Images (1)'; keys s; wait-text 'Image server'; key C-u; keys '$1\\r'; wait-text 'Images on'; sleep 100; dump${2:+; $2}"
}

out=$(browse d1:)
like "trusted remote: title says so" "$out" "Images on d1: \\(2\\) - trusted: private images too"
like "trusted remote: the public image (P)" "$out" "pubimg +${fp_pub:0:12} +busybox .* --P "
like "trusted remote: the private image too" "$out" "privimg +${fp_priv:0:12} +busybox .* --- "

out=$(browse d1pub:)
like "public remote: title says public only" "$out" "Images on d1pub: \\(1\\) - public images only"
like "public remote: the public image" "$out" "pubimg +${fp_pub:0:12}"
unlike "public remote: no private image" "$out" "privimg|${fp_priv:0:12}"

out=$(browse "$B1")
like "d1's URL typed: its pin is used, public images" "$out" "Images on $B1 \\(1\\) - public images only"
like "... the public image" "$out" "pubimg +${fp_pub:0:12}"

out=$(browse d1: "keys /; wait-text Search; keys 'os=busybox arch=x86_64 privimg\\r'; wait-text matching; dump; keys /; key C-u; keys 'release=nosuch\\r'; wait-text 'Nothing matches'; dump")
like "search on the remote: os, arch and an alias" "$out" "Images on d1: \\(1\\) matching os=busybox arch=x86_64 privimg"
like "... finds the private image" "$out" "privimg +${fp_priv:0:12}"
like "search with no match says so" "$out" "Images on d1: \\(0\\) matching release=nosuch"

# The same server under a name no remote pins: refused, saying what to do.
U=https://localhost:$P1
start=$(date +%s)
out=$(browse "$U lxd")
S='[[:space:]]+'
like "unpinned self-signed server (lxd): names the server, says why" "$out" \
    "Failed to list images on $U: its certificate is not trusted"
like "... and what to do" "$out" "lxdeck${S}remote${S}add${S}NAME${S}$U"
out=$(browse "$U")
like "unpinned self-signed server (simplestreams): the same" "$out" \
    "Failed to list images on $U: its certificate is not trusted.*lxdeck${S}remote${S}add"
# A bound for a hang only, not a timing goal: a refusal needs no timeout,
# while every wait in browse gives up after VT_TIMEOUT (15 s) and the
# client's request timeout is 30 s; the two browses take a few seconds.
ok "... at once, not a hang (bound 90 s)" test $(($(date +%s) - start)) -lt 90
out=$(SIZE=140x30 rvt "wait-text 'No instances'; keys i; wait-text 'Images (1)'; keys s; wait-text 'Image server'; key C-u; keys 'nosuch:\\r'; wait-text 'Unknown image server'; dump")
like "unknown server: a clear error" "$out" "Unknown image server \"nosuch:\": neither a remote"

# Launch on local: from d1: (private: secret) and from d1pub: (public).
out=$(SIZE=140x30 rvt "wait-text 'No instances'; keys n; wait-text 'pick an image'; keys s; wait-text 'Image server'; key C-u; keys 'd1:\\r'; wait-text 'Images on d1:'; keys /; wait-text Search; keys 'privimg\\r'; wait-text matching; key Enter; wait-text 'generated name'; keys 'ir-priv\\r'; wait-text 'Profiles for ir-priv'; key Enter; wait-text 'Launching \"ir-priv\"'; row 28; wait-match 'ir-priv +Running'; dump")
like "picker: launch the private image from the trusted remote" "$out" "ir-priv +Running"
like "status line names the server and the image" "$out" "Launching \"ir-priv\" from d1:${fp_priv:0:12}"
like "... really running (engctl)" "$(E list | grep '^ir-priv ')" "^ir-priv Running"
like "... from the private image, now cached" "$(E image-info "$fp_priv" 2>&1)" "cached: true"
like "d1 handed out a download secret for it" "$(grep -c "download token for image \"$fp_priv\"" "$T/d1.log")" '^[1-9]'

out=$(SIZE=140x30 rvt "wait-text 'ir-priv'; keys n; wait-text 'pick an image'; keys s; wait-text 'Image server'; key C-u; keys 'd1pub:\\r'; wait-text 'Images on d1pub:'; key Enter; wait-text 'generated name'; keys 'ir-pub\\r'; wait-text 'Profiles for ir-pub'; key Enter; wait-text 'Launching \"ir-pub\"'; row 28; wait-match 'ir-pub +Running'; dump")
like "picker: launch the public image from the public remote" "$out" "ir-pub +Running"
like "... really running (engctl)" "$(E list | grep '^ir-pub ')" "^ir-pub Running"
like "... from the public image, now cached" "$(E image-info "$fp_pub" 2>&1)" "cached: true"

out=$(SIZE=140x30 rvt "wait-text ir-pub; keys i; wait-text 'Images (3)'; dump")
like "local images: both pulled ones flagged cached" "$out" "${fp_priv:0:12} .* C.- .*${fp_pub:0:12} .* C.- |${fp_pub:0:12} .* C.- .*${fp_priv:0:12} .* C.- "

# On a remote host, a unix:// image server is a socket on this machine: the
# launch is refused before anything is asked of d1.
out=$(SIZE=140x30 rvt "wait-text ir-pub; keys ':remote d1\\r'; wait-text 'd1:'; wait-text 'No instances'; keys n; wait-text 'pick an image'; keys s; wait-text 'Image server'; key C-u; keys 'u1:\\r'; wait-text 'Images on u1:'; key Enter; wait-text 'generated name'; keys 'ir-sock\\r'; wait-text 'Profiles for ir-sock'; key Enter; wait-text 'socket on this machine'; dump")
like "a unix:// image server on a remote host is refused, saying why" "$out" \
    "Failed to launch from unix://.* on d1: that image server is a socket on this machine"
is "... and d1 created nothing" "$(L list u1: -c n --format csv)" ""
done_testing
