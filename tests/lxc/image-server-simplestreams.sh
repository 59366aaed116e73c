#!/bin/bash
# image-server-simplestreams.sh - the engine pulling images from a
# simplestreams server (lxd-api.md 4.3): a static server on loopback built
# from busybox images; list, launch, cache hit, split/unified/squashfs and
# root.tar.xz downloads, progress, auto-update moving aliases, expiry with
# the injectable clock (LXDECK_NOW), a corrupted download refused with
# nothing cached, and the preconfigured public remotes failing fast here.
# Needs root (containers).  Own LXDECK_DIR; the bridge lxdeckbr0 is shared.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v python3 >/dev/null || skip_all "needs python3 (the test server)"
command -v mksquashfs >/dev/null || skip_all "needs squashfs-tools"
T=$(mktemp -d /tmp/lxdeck-imgsrv.XXXXXX)
chmod 0711 "$T"	# unprivileged containers traverse it
export LXDECK_DIR=$T/eng
E=$BUILD/tools/engctl
. "$(dirname "$0")/image-server.inc"
cleanup() {
	local d c
	for d in "$T/eng" "$T/eng2"; do
		for c in $($E -d "$d" list 2>/dev/null | awk '{print $1}'); do
			$E -d "$d" stop "$c" -f >/dev/null 2>&1
			$E -d "$d" delete "$c" >/dev/null 2>&1
		done
	done
	ss_stop
	umount -R "$T"/eng*/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT

ok "publish version 1 on the test server" ss_publish 20240101_00:00 1700000000
ss_start
ok "test server answers" curl -sf "$SS_URL/streams/v1/index.json" -o /dev/null

list=$($E image-remote-list "$SS_URL")
is "three container images listed (squashfs, root.tar.xz, unified)" \
    "$(echo "$list" | wc -l)" 3
like "the newest image carries the aliases" "$list" \
    "x86_64 Busybox 1.36 bbtest,bbtest/amd64,bbtest/1.36,bbtest/1.36/amd64"
nok "unknown architecture skipped" grep -q bbsparc <<<"$list"
d=$SS_DIR/images/busybox/1.36/amd64/default/20240101_00:00
fp1=$(cat "$d/lxd.tar.xz" "$d/rootfs.squashfs" | sha256sum | cut -d' ' -f1)
fp1x=$(cat "$d/lxd.tar.xz" "$d/rootfs.tar.xz" | sha256sum | cut -d' ' -f1)
fp1u=$(sha256sum "$d/lxd_combined.tar.gz" | cut -d' ' -f1)
like "the alias names the squashfs pair, fp = sha256(meta||squashfs)" \
    "$(echo "$list" | grep bbtest)" "^$fp1 "

# Launch: download, verify, import as cached, create, start.
: > "$SS_LOG"
out=$($E launch bbtest c1 --server "$SS_URL" --show-op 2>&1)
rc=$?
is "launch from the server" "$rc" 0
[ "$rc" = 0 ] || echo "$out" | sed "s/^/# /"
like "download progress reported through the operation" "$out" \
    "op download_progress: rootfs: 100%"
like "c1 running" "$($E list | grep '^c1 ')" "^c1 Running"
is "c1 answers exec" "$($E exec c1 -- echo hi 2>&1)" "hi"
is "metadata downloaded once" "$(ss_requests 'lxd.tar.xz$')" 1
is "squashfs rootfs downloaded once" "$(ss_requests 'rootfs.squashfs$')" 1
info=$($E image-info "$fp1")
like "image cached" "$info" $'cached: true'
like "auto_update on (images.auto_update_cached)" "$info" $'auto_update: true'
like "update_source server" "$info" "server: $SS_URL"
like "update_source protocol" "$info" "protocol: simplestreams"
like "update_source alias" "$info" "alias: bbtest"
like "properties from the catalog" "$info" "description: Busybox 1.36 amd64 \\(20240101_00:00\\)"
like "instance records the base image" "$($E show c1)" "volatile.base_image: $fp1"
like "instance has image.* keys" "$($E show c1)" "image.os: Busybox"

# Second launch: a cache hit, no request at all.
: > "$SS_LOG"
ok "second launch of the alias" $E init bbtest c2 --server "$SS_URL"
is "cache hit: nothing downloaded" "$(ss_requests 'images/')" 0
is "cache hit: the server was not even asked" "$(wc -l < "$SS_LOG")" 0
like "c2 from the cached image" "$($E show c2)" "volatile.base_image: $fp1"
ok "launch by the full fingerprint uses the cache" $E init "$fp1" c3 --server "$SS_URL"
is "still nothing downloaded" "$(ss_requests 'images/')" 0

# The other shapes: root.tar.xz pair and the unified tarball, by prefix.
ok "init by fingerprint prefix: root.tar.xz pair" $E init "${fp1x:0:12}" c4 --server "$SS_URL"
is "root.tar.xz downloaded" "$(ss_requests 'rootfs.tar.xz$')" 1
ok "its fingerprint is sha256(meta||root.tar.xz)" grep -q "^$fp1x " <<<"$($E image-list)"
ok "init by fingerprint prefix: unified" $E init "${fp1u:0:12}" c5 --server "$SS_URL"
is "lxd_combined.tar.gz downloaded" "$(ss_requests 'lxd_combined.tar.gz$')" 1
ok "its fingerprint is sha256 of the file" grep -q "^$fp1u " <<<"$($E image-list)"
for c in c3 c4 c5; do $E delete $c >/dev/null; done
$E image-delete "$fp1x" >/dev/null
$E image-delete "$fp1u" >/dev/null

# Auto-update: a newer version on the server replaces the cached image.
ok "a local alias on the cached image" $E alias-create mybb "$fp1"
out=$($E image-refresh)
like "refresh with nothing new updates nothing" "$out" $'updated: $'
ok "publish version 2" ss_publish 20240201_00:00 1710000000
d2=$SS_DIR/images/busybox/1.36/amd64/default/20240201_00:00
fp2=$(cat "$d2/lxd.tar.xz" "$d2/rootfs.squashfs" | sha256sum | cut -d' ' -f1)
: > "$SS_LOG"
out=$($E image-refresh)
like "refresh reports the update" "$out" "updated: $fp1>$fp2"
is "the new version was downloaded" "$(ss_requests '20240201_00:00/rootfs.squashfs$')" 1
like "alias mybb moved to the new image" "$($E image-info mybb)" "fingerprint: $fp2"
nok "old image gone" $E image-info "$fp1"
info=$($E image-info "$fp2")
like "new image cached" "$info" "cached: true"
like "new image keeps auto_update" "$info" "auto_update: true"
like "new image keeps the source alias" "$info" "alias: bbtest"
like "running c1 unaffected" "$($E list | grep '^c1 ')" "^c1 Running"
: > "$SS_LOG"
ok "launch after the update" $E init bbtest c6 --server "$SS_URL"
like "uses the new image" "$($E show c6)" "volatile.base_image: $fp2"
is "from the cache" "$(ss_requests 'images/')" 0
$E delete c6 >/dev/null

# Expiry: unused for images.remote_cache_expiry days (default 10).
now=$(date +%s)
out=$(LXDECK_NOW=$((now + 9 * 86400)) $E image-refresh)
like "9 days unused: kept" "$out" $'expired: \n'
ok "still there" $E image-info "$fp2"
ok "images.remote_cache_expiry = 30" $E server-set images.remote_cache_expiry=30
out=$(LXDECK_NOW=$((now + 11 * 86400)) $E image-refresh)
like "11 days with a 30-day expiry: kept" "$out" $'expired: \n'
ok "images.remote_cache_expiry back to the default" $E server-set images.remote_cache_expiry=10
out=$(LXDECK_NOW=$((now + 11 * 86400)) $E image-refresh)
like "11 days unused: expired" "$out" "expired: $fp2"
nok "expired image gone" $E image-info "$fp2"
like "c1 still running on its copy" "$($E list | grep '^c1 ')" "^c1 Running"

# A corrupted download is refused; nothing is cached.
printf 'garbage' | dd of="$d2/rootfs.squashfs" bs=1 seek=4096 conv=notrunc 2>/dev/null
out=$($E -d "$T/eng2" init bbtest bad --server "$SS_URL" 2>&1)
rc=$?
is "corrupted rootfs: launch fails" "$rc" 1
like "the error says so" "$out" "corrupted"
is "no image cached" "$($E -d "$T/eng2" image-list)" ""
is "no instance left" "$($E -d "$T/eng2" list)" ""
is "no download left behind" "$(ls -A "$T/eng2/images" | grep -v '^\.update' | wc -l)" 0

# Bad input and dead servers.
out=$($E init bbtest x --server "$SS_URL" --protocol gopher 2>&1)
like "unknown protocol refused" "$out" 'Unknown image server protocol "gopher"'
out=$($E init nosuch x --server "$SS_URL" 2>&1)
like "unknown alias: 404 naming it" "$out" 'Image "nosuch" not found'
ss_stop
for r in images ubuntu ubuntu-daily; do
	start=$(date +%s%N)
	out=$(timeout 120 $E init "$r:debian/12" dead 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	is "$r: unreachable fails" "$rc" 1
	# A bound for a hang only (timeout's 124 above): the failure
	# comes from the resolver or the connect, never from a wait.
	ok "$r: fails, not a hang (${ms} ms < 120 s)" test "$ms" -lt 120000
	like "$r: the message names the server" "$out" "Failed to create instance \"dead\": Failed to fetch \"https://"
done
out=$($E init bbtest dead --server "$SS_URL" 2>&1)
like "stopped test server: connection refused" "$out" "Couldn't connect|Connection refused"
is "no instance left by the failures" "$($E list | awk '{print $1}' | tr '\n' ' ')" "c1 c2 "
done_testing
