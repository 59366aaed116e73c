#!/bin/bash
# image-pack.sh - publishing (image_pack) and import keep what a root
# filesystem needs and only root can make: owners, device nodes, hard
# links, xattrs and file capabilities, setuid bits.
. "$(dirname "$0")/../lib.sh"
IMGTOOL=$BUILD/tools/imgtool
[ -x "$IMGTOOL" ] || skip_all "build first (make)"
[ "$(id -u)" = 0 ] || skip_all "needs root (mknod, chown, setcap)"

T=$(mktemp -d /tmp/lxdeck-image-pack.XXXXXX)
trap 'rm -rf "$T"' EXIT
r=$T/rootfs
mkdir -p "$r/bin" "$r/dev" "$r/home/u" "$r/.hidden"
echo data > "$r/bin/a"
ln "$r/bin/a" "$r/bin/b"
ln -s /bin/a "$r/bin/abs"
echo h > "$r/.hidden/f"
mknod "$r/dev/null" c 1 3
chown 1000:1000 "$r/home/u"
cp /bin/true "$r/bin/suid"
chmod 4755 "$r/bin/suid"
setfattr -n user.lxdeck -v yes "$r/bin/a"
have_caps=0
command -v setcap >/dev/null && setcap cap_net_raw+ep "$r/bin/suid" && have_caps=1

for c in gzip xz none zstd; do
	fp=$("$IMGTOOL" "$T/eng" pack "$r" $c)
	like "pack with $c gives a fingerprint" "$fp" '^[0-9a-f]{64}$'
	d=$T/eng/images/$fp.d/rootfs
	is "$c: owner kept" "$(stat -c %u:%g "$d/home/u")" "1000:1000"
	is "$c: device node kept" "$(stat -c '%F %t,%T' "$d/dev/null")" "character special file 1,3"
	is "$c: hard link kept" "$(stat -c %i "$d/bin/a")" "$(stat -c %i "$d/bin/b")"
	is "$c: absolute symlink target untouched" "$(readlink "$d/bin/abs")" "/bin/a"
	ok "$c: dot files kept" test -f "$d/.hidden/f"
	is "$c: setuid kept" "$(stat -c %a "$d/bin/suid")" "4755"
	is "$c: xattr kept" "$(getfattr --only-values -n user.lxdeck "$d/bin/a" 2>/dev/null)" "yes"
	if [ $have_caps = 1 ]; then
		like "$c: file capability kept" "$(getcap "$d/bin/suid")" "cap_net_raw=ep"
	fi
	is "$c: export hashes to the fingerprint" \
		"$(sha256sum "$T/eng/images/$fp" | cut -d' ' -f1)" "$fp"
done
nok "an unknown compression is refused" "$IMGTOOL" "$T/eng" pack "$r" rar
done_testing
