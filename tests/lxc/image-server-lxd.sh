#!/bin/bash
# image-server-lxd.sh - the engine pulling images from another lxdeckd with
# the "lxd" image protocol (lxd-api.md 4.4): GET /1.0/images/aliases/NAME,
# /1.0/images/FP, /1.0/images/FP/export (unified, and multipart for split
# images), /1.0/images?recursion=1.  The serving lxdeckd is reached on its
# unix socket (unix:///path URLs), as a trusted caller; over HTTPS, with
# public-only access for untrusted callers and download secrets, see
# tests/api/image-copy.sh.  Covers list, launch, cache hit, split images,
# auto-update after the alias moves on the server, and a corrupted export
# refused.
# Needs root (containers).
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
T=$(mktemp -d /tmp/lxdeck-imgsrv-lxd.XXXXXX)
chmod 0711 "$T"	# unprivileged containers traverse it
export LXDECK_DIR=$T/eng
E=$BUILD/tools/engctl
IMGTOOL=$BUILD/tools/imgtool
SRV=$T/srv
SOCK=$T/srv.socket
cleanup() {
	engine_purge "$LXDECK_DIR"
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	umount -R "$T"/eng/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT

mkdir -p "$SRV"
ok "build image v1" env SOURCE_DATE_EPOCH=1700000000 \
    "$LXDECK_SRC/scripts/build-image" busybox "$T/v1.tar.gz"
ok "build image v2" env SOURCE_DATE_EPOCH=1710000000 \
    "$LXDECK_SRC/scripts/build-image" busybox "$T/v2.tar.gz"
fp1=$(sha256sum "$T/v1.tar.gz" | cut -d' ' -f1)
fp2=$(sha256sum "$T/v2.tar.gz" | cut -d' ' -f1)
ok "serving side: import v1 as bb" $E -d "$SRV" image-import "$T/v1.tar.gz" bb
# A split image on the server: metadata tarball + rootfs tarball.
mkdir -p "$T/x"
tar -xzf "$T/v2.tar.gz" -C "$T/x"
tar -C "$T/x" -czf "$T/meta.tar.gz" metadata.yaml
tar -C "$T/x/rootfs" --numeric-owner -czf "$T/rootfs.tar.gz" .
fps=$(cat "$T/meta.tar.gz" "$T/rootfs.tar.gz" | sha256sum | cut -d' ' -f1)
is "serving side: import a split image" \
    "$("$IMGTOOL" "$SRV" import "$T/meta.tar.gz" "$T/rootfs.tar.gz")" "$fps"
$E -d "$SRV" alias-create bbsplit "$fps" >/dev/null

"$BUILD/lxdeckd" --dir "$SRV" --socket "$SOCK" 2>"$T/lxdeckd.log" &
DPID=$!
for i in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
ok "second lxdeckd serves" test -S "$SOCK"
URL=unix://$SOCK

list=$($E image-remote-list "$URL" --protocol lxd)
like "list over the lxd protocol" "$list" "$fp1 x86_64 busybox"
like "aliases listed" "$list" "$fp1 .* bb"
like "split image listed" "$list" "$fps "

out=$($E launch bb c1 --server "$URL" --protocol lxd --show-op 2>&1)
rc=$?
is "launch from the lxdeckd image server" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
like "download progress reported" "$out" "op download_progress: rootfs: 100%"
like "c1 running" "$($E list | grep '^c1 ')" "^c1 Running"
info=$($E image-info "$fp1")
like "pulled image has the server's fingerprint" "$info" "fingerprint: $fp1"
like "cached" "$info" "cached: true"
like "update_source protocol lxd" "$info" "protocol: lxd"
like "update_source server" "$info" "server: $URL"
like "update_source alias" "$info" "alias: bb"
like "properties from the server" "$info" "os: busybox"

# Cache hit: lxdeckd is not asked again.  Frozen, it would never answer
# (the 60 s is a bound for that hang); strace shows no connection to its
# socket at all.  How quick a cached launch is: tests/bench/image-bench.sh.
kill -STOP "$DPID"
ok "second launch while the server is frozen (cache hit)" \
    strace -f -qq -e trace=connect -o "$T/c2.strace" \
    timeout 60 $E init bb c2 --server "$URL" --protocol lxd
kill -CONT "$DPID"
unlike "cache hit: no connection to the image server (strace)" \
    "$(grep -F "$SOCK" "$T/c2.strace")" "connect"

ok "split image by alias (multipart export)" \
    $E init bbsplit c3 --server "$URL" --protocol lxd
like "split image imported with its fingerprint" "$($E image-info "$fps")" \
    "fingerprint: $fps"
$E delete c3 >/dev/null
$E image-delete "$fps" >/dev/null

# Auto-update: the server's alias moves to v2.
ok "local alias on the pulled image" $E alias-create mine "$fp1"
ok "serving side: import v2" $E -d "$SRV" image-import "$T/v2.tar.gz"
ok "serving side: move alias bb to v2" sh -c \
    "$E -d '$SRV' image-delete $fp1 && $E -d '$SRV' alias-create bb $fp2"
out=$($E image-refresh)
like "refresh pulls the new version" "$out" "updated: $fp1>$fp2"
like "local alias moved" "$($E image-info mine)" "fingerprint: $fp2"
nok "old version gone" $E image-info "$fp1"

# A server sending other bytes than the fingerprint says is refused.
ok "fresh engine dir" mkdir -p "$T/eng2"
ok "serving side: import v1 again as bad" $E -d "$SRV" image-import "$T/v1.tar.gz" bad
f=$SRV/images/$fp1
printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
out=$($E -d "$T/eng2" init bad x --server "$URL" --protocol lxd 2>&1)
rc=$?
is "corrupted export: launch fails" "$rc" 1
like "the error says so" "$out" "corrupted"
is "nothing cached" "$($E -d "$T/eng2" image-list)" ""
is "no instance left" "$($E -d "$T/eng2" list)" ""

out=$($E init nosuch x --server "$URL" --protocol lxd 2>&1)
like "unknown image: 404 naming it" "$out" 'Image "nosuch" not found'
done_testing
