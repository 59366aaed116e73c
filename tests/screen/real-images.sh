#!/bin/bash
# The images view and the launch picker over the real engine with an image
# server: `i` lists local images with their flags, `s` browses a
# simplestreams server on loopback (tests/lxc/image-server.inc), `/`
# searches by os, release and architecture, and the picker `n` -> `s`
# launches from the server (downloaded, cached, running).
. "$(dirname "$0")/real-lib.bash"
command -v python3 >/dev/null || skip_all "needs python3 (the test server)"
command -v mksquashfs >/dev/null || skip_all "needs squashfs-tools"
T=$(mktemp -d /tmp/lxdeck-screen-imgsrv.XXXXXX)
. "$LXDECK_SRC/tests/lxc/image-server.inc"
images_cleanup() {
	ss_stop
	rm -rf "$T"
	real_cleanup
}
trap images_cleanup EXIT
ss_publish 20240101_00:00 >/dev/null || { echo "not ok - publish"; exit 1; }
ss_start

out=$(SIZE=120x30 rvt "wait-text 'No instances'; keys i; wait-text 'Images (1)'; dump")
like "local images: alias, os, flags (not cached)" "$out" "busybox +[0-9a-f]{12} +busybox .* --- +BusyBox"

out=$(SIZE=120x30 rvt "wait-text 'No instances'; keys i; wait-text 'Images (1)'; keys s; wait-text 'Image server'; key C-u; keys '$SS_URL\\r'; wait-text 'Images on'; dump")
like "browse: title names the server" "$out" "Images on $SS_URL \\(3\\)"
like "browse: the aliased image" "$out" "bbtest,bbtest/amd64.* +Busybox +1\\.36 +x86_64"

out=$(SIZE=120x30 rvt "wait-text 'No instances'; keys i; keys s; wait-text 'Image server'; key C-u; keys '$SS_URL\\r'; wait-text 'Images on'; keys /; wait-text 'Search'; keys 'os=busy release=1.36 arch=x86_64\\r'; wait-text matching; dump; keys /; key C-u; keys 'debian\\r'; wait-text 'Nothing matches'; dump")
like "search by os, release, arch" "$out" "\\(3\\) matching os=busy release=1.36 arch=x86_64"
like "search with no match says so" "$out" "Images on .* \\(0\\) matching debian"

out=$(SIZE=120x30 rvt "wait-text 'No instances'; keys n; wait-text 'pick an image'; keys s; wait-text 'Image server'; key C-u; keys '$SS_URL\\r'; wait-text 'Images on'; key Enter; wait-text 'generated name'; keys 'rs-one\\r'; wait-text 'Profiles for rs-one'; key Enter; wait-text 'Launching \"rs-one\"'; row 28; wait-match 'rs-one +Running'; dump")
like "picker: launch from the image server" "$out" "rs-one +Running"
like "status line names the server and image" "$out" "Launching \"rs-one\" from $SS_URL bbtest"
like "... really running (engctl)" "$(E list | grep '^rs-one ')" "^rs-one Running"
like "... from a cached image" "$(E image-info bbtest 2>/dev/null || E image-info "$(E show rs-one | sed -n 's/^  volatile.base_image: //p' | head -1)")" "cached: true"

out=$(SIZE=120x30 rvt "wait-text rs-one; keys i; wait-text 'Images (2)'; dump")
like "local images: the pulled one flagged cached + auto-update" "$out" "- +[0-9a-f]{12} +Busybox +1\\.36 .* CA- +Busybox 1\\.36"
done_testing
