#!/bin/bash
# image-copy.sh - lxdeckd as an image server for other hosts and as the
# target of `lxc image copy` (lxd-api.md 2.12, 4.2, 4.4), with the stock
# lxc client, two lxdeckd (d1 serves, d2 pulls) and the reference LXD 5.0.2
# on loopback HTTPS:
#   - untrusted callers (no or an unknown client certificate) see d1's
#     public images only, and get the same statuses as from the real LXD
#     for private ones; a download secret opens a private image, and dies
#     a few seconds after its first use;
#   - `lxc remote add --public` lists and copies public images; a trusted
#     remote (token) copies private ones (secret);
#   - lxc image copy d1 -> ref LXD, ref LXD -> lxdeckd, d1 -> d2, with
#     --alias, --copy-aliases, --auto-update and --public; the fingerprint
#     is the same everywhere; lxc launch on d2 from d1 and from the ref;
#   - the engine (engctl) pulls from d1 over HTTPS with its certificate;
#   - POST /1.0/images from a simplestreams server (aliases in the body);
#   - bad input: LXD-style errors, an unreachable server fails fast, the
#     daemons survive.
# Needs root (containers) and the reference LXD.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for real containers"
command -v lxc >/dev/null || skip_all "no lxc client"
command -v lxd >/dev/null || skip_all "lxd not installed"
REF=$("$LXDECK_SRC/scripts/lxd-ref" --https) ||
    { echo "not ok 1 - reference LXD starts with HTTPS"; exit 1; }
REF_ADDR=$(echo "$REF" | sed -n 2p)
T=$(mktemp -d /tmp/lxdeck-imgcp.XXXXXX)
chmod 755 "$T"	# the containers' root must traverse it
P=icp$$
P1=$((20000 + RANDOM % 20000))
P2=$((P1 + 1))
E=$BUILD/tools/engctl
export LXD_CONF=$T/conf
mkdir -p "$LXD_CONF" "$T/d1" "$T/d2" "$T/e"
cat > "$LXD_CONF/config.yml" <<EOF
default-remote: u1
remotes:
  u1:
    addr: unix://$T/d1.sock
    public: false
  u2:
    addr: unix://$T/d2.sock
    public: false
  ref:
    addr: unix:///var/lib/lxd/unix.socket
    public: false
EOF
L() { timeout 60 lxc "$@"; }
fp_of() { sha256sum "$1" | cut -d' ' -f1; }
cleanup() {
	local d c
	for fp in $fp_pub $fp_priv $fp_rpub $fp_rpriv; do
		L image delete "ref:$fp" >/dev/null 2>&1
	done
	ss_stop 2>/dev/null
	for p in $D1PID $D2PID; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for d in d1 d2 e; do
		for c in $($E -d "$T/$d" list 2>/dev/null | awk '{print $1}'); do
			$E -d "$T/$d" stop "$c" -f >/dev/null 2>&1
			$E -d "$T/$d" delete "$c" >/dev/null 2>&1
		done
	done
	umount -R "$T"/*/containers/*/rootfs 2>/dev/null
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT

# Four images with fingerprints of this run's own (the reference LXD is
# shared and keeps what it imports).
epoch=$((1700000000 + ($$ % 100000) * 10))
for n in pub priv rpub rpriv; do
	epoch=$((epoch + 1))
	SOURCE_DATE_EPOCH=$epoch "$LXDECK_SRC/scripts/build-image" busybox \
	    "$T/$n.tar.gz" >/dev/null || { echo "not ok 1 - build image $n"; exit 1; }
done
fp_pub=$(fp_of "$T/pub.tar.gz") fp_priv=$(fp_of "$T/priv.tar.gz")
fp_rpub=$(fp_of "$T/rpub.tar.gz") fp_rpriv=$(fp_of "$T/rpriv.tar.gz")

lxdeckd_https "$T" d1 "$P1"; D1PID=$DPID
lxdeckd_https "$T" d2 "$P2"; D2PID=$DPID
B1=https://127.0.0.1:$P1
BR=https://$REF_ADDR
ok "d1 serves HTTPS" curl -sfk "$B1/1.0"
ok "d1: import a public image" L image import "$T/pub.tar.gz" u1: --alias pubimg --public
ok "d1: import a private image" L image import "$T/priv.tar.gz" u1: --alias privimg
ok "ref: import a public image" L image import "$T/rpub.tar.gz" ref: --alias "$P-rpub" --public
ok "ref: import a private image" L image import "$T/rpriv.tar.gz" ref: --alias "$P-rpriv"

# ---- untrusted callers, side by side with the reference LXD ----
code() { curl -sk -o "$T/body" -w '%{http_code}' "$@"; }
is "untrusted GET /1.0/images: 200" "$(code "$B1/1.0/images")" 200
body=$(cat "$T/body")
like "untrusted list shows the public image" "$body" "/1.0/images/$fp_pub"
nok "untrusted list hides the private image" grep -q "$fp_priv" "$T/body"
is "untrusted recursion=1: 200" "$(code "$B1/1.0/images?recursion=1")" 200
body=$(cat "$T/body")
like "recursion=1 shows the public image's object" "$body" "\"fingerprint\":\"$fp_pub\""
nok "recursion=1 hides the private image" grep -q "$fp_priv" "$T/body"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes \
    -keyout "$T/stranger.key" -out "$T/stranger.crt" -days 2 -subj "/CN=stranger" 2>/dev/null
code --cert "$T/stranger.crt" --key "$T/stranger.key" "$B1/1.0/images?recursion=1" >/dev/null
nok "an unknown client certificate sees no private image either" grep -q "$fp_priv" "$T/body"
like "... but the public one" "$(cat "$T/body")" "$fp_pub"
# Each request against d1 and against the ref, statuses compared.
same() {	# WHAT D1-PATH REF-PATH WANT [curl args]
	local what=$1 a=$2 b=$3 want=$4 got ref
	shift 4
	got=$(code "$@" "$B1$a")
	ref=$(code "$@" "$BR$b")
	is "$what: lxdeckd $want" "$got" "$want"
	is "$what: the reference LXD answers the same" "$ref" "$got"
}
same "untrusted alias list" /1.0/images/aliases /1.0/images/aliases 403
same "untrusted alias of a public image" /1.0/images/aliases/pubimg \
    "/1.0/images/aliases/$P-rpub" 200
like "the alias names its target" "$(code "$B1/1.0/images/aliases/pubimg"; cat "$T/body")" \
    "\"target\":\"$fp_pub\""
same "untrusted alias of a private image" /1.0/images/aliases/privimg \
    "/1.0/images/aliases/$P-rpriv" 404
same "untrusted GET of a private image" "/1.0/images/$fp_priv" "/1.0/images/$fp_rpriv" 404
same "untrusted GET of a private image by prefix" "/1.0/images/${fp_priv:0:12}" \
    "/1.0/images/${fp_rpriv:0:12}" 404
same "untrusted GET of a public image by prefix" "/1.0/images/${fp_pub:0:12}" \
    "/1.0/images/${fp_rpub:0:12}" 200
same "untrusted export of a private image" "/1.0/images/$fp_priv/export" \
    "/1.0/images/$fp_rpriv/export" 404
same "untrusted export of a public image" "/1.0/images/$fp_pub/export" \
    "/1.0/images/$fp_rpub/export" 200
code "$B1/1.0/images/$fp_pub/export" >/dev/null
is "the public export hashes to its fingerprint" "$(fp_of "$T/body")" "$fp_pub"
same "untrusted image secret" "/1.0/images/$fp_pub/secret" "/1.0/images/$fp_rpub/secret" \
    403 -X POST -d '{}'
same "untrusted image delete" "/1.0/images/$fp_pub" "/1.0/images/$fp_rpub" 403 -X DELETE
same "untrusted image PATCH" "/1.0/images/$fp_pub" "/1.0/images/$fp_rpub" 403 \
    -X PATCH -d '{"public":false}'
same "untrusted POST /1.0/images (pull)" /1.0/images /1.0/images 403 -X POST \
    -H 'Content-Type: application/json' -d '{"source":{"type":"image"}}'

# download secrets
uq() { curl -s --unix-socket "$T/d1.sock" "$@"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k] if not k.isdigit() else d[int(k)]
print(d)' "$1"; }
sec=$(uq -X POST -d '{}' "http://x/1.0/images/${fp_priv:0:12}/secret")
is "POST /1.0/images/FP/secret: an operation of class token" "$(json metadata.class <<<"$sec")" token
is "... named after the image" "$(json metadata.resources.images.0 <<<"$sec")" "/1.0/images/$fp_priv"
S=$(json metadata.metadata.secret <<<"$sec")
like "... carrying a 64-digit secret" "$S" '^[0-9a-f]{64}$'
OP=$(json metadata.id <<<"$sec")
is "the token is an operation lxc can GET" "$(uq "http://x/1.0/operations/$OP" | json metadata.status)" Running
is "a wrong secret: 404" "$(code "$B1/1.0/images/$fp_priv?secret=${S//?/0}")" 404
is "the secret opens the private image" "$(code "$B1/1.0/images/$fp_priv?secret=$S")" 200
is "first use cancels the token" "$(uq "http://x/1.0/operations/$OP" | json metadata.status)" Cancelled
is "... which still opens the export right after" \
    "$(code "$B1/1.0/images/$fp_priv/export?secret=$S")" 200
is "the private export hashes to its fingerprint" "$(fp_of "$T/body")" "$fp_priv"
S2=$(uq -X POST -d '{}' "http://x/1.0/images/$fp_pub/secret" | json metadata.metadata.secret)
is "a secret for one image does not open another" \
    "$(code "$B1/1.0/images/$fp_priv?secret=$S2")" 404
sleep 5.5
is "a few seconds later the used secret is dead" "$(code "$B1/1.0/images/$fp_priv?secret=$S")" 404
sec=$(uq -X POST -d '{}' "http://x/1.0/images/$fp_priv/secret")
OP=$(json metadata.id <<<"$sec")
like "DELETE of the token operation" "$(uq -X DELETE "http://x/1.0/operations/$OP")" '"status_code":200'

# ---- the stock lxc client ----
ok "lxc remote add --public (d1)" L remote add d1pub "$B1" --public --accept-certificate
out=$(L image list d1pub: --format csv -c lf)
like "lxc image list on a --public remote shows the public image" "$out" "pubimg,${fp_pub:0:12}"
nok "... and not the private one" grep -q privimg <<<"$out"
out=$(L image info d1pub:privimg 2>&1)
like "lxc image info of a private image: not found" "$out" 'not found'

out=$(L image copy d1pub:pubimg ref: 2>&1)
is "lxc image copy d1pub:pubimg ref: (lxdeckd -> reference LXD)" "$?" 0
like "ref: the copy has the same fingerprint" "$(L image info "ref:$fp_pub" 2>&1)" \
    "Fingerprint: $fp_pub"
like "ref: it remembers d1 and the alias it came by" "$(L image info "ref:$fp_pub")" \
    "Server: $B1.*Alias: pubimg"

out=$(L image copy d1pub:pubimg u2: --copy-aliases --auto-update --public 2>&1)
is "lxc image copy d1pub:pubimg u2: (lxdeckd -> lxdeckd)" "$?" 0
like "... with download progress from the operation" "$out" "rootfs: 100%"
info=$(L image info "u2:$fp_pub" 2>&1)
like "d2: same fingerprint" "$info" "Fingerprint: $fp_pub"
like "d2: --public landed" "$info" "Public: yes"
like "d2: --auto-update landed" "$info" "Auto update: enabled"
like "d2: --copy-aliases landed" "$info" "Aliases:.*- pubimg"
like "d2: source is d1 over lxd, by alias (auto-update can follow it)" "$info" \
    "Server: $B1.*Protocol: lxd.*Alias: pubimg"
like "d2: a copy is not a cached image" "$info" "Cached: no"

tok=$(L config trust add --name "$P" | tail -1)	# default remote: u1 (d1)
ok "lxc remote add d1 with a trust token (trusted HTTPS remote)" L remote add d1t "$tok"
like "the trusted remote lists the private image" "$(L image list d1t: --format csv -c l)" privimg
out=$(L image copy d1t:privimg ref: --alias "$P-fromd1" 2>&1)
is "lxc image copy of a private image d1t: -> ref: (secret)" "$?" 0
like "ref: same fingerprint, alias given" "$(L image info "ref:$P-fromd1" 2>&1)" \
    "Fingerprint: $fp_priv"
like "d1 handed out a download token for it" "$(grep -c "download token for image \"$fp_priv\"" "$T/d1.log")" '^[1-9]'
out=$(L image copy u1:privimg u2: --alias p2 2>&1)
is "lxc image copy u1:privimg u2: (private, lxdeckd -> lxdeckd)" "$?" 0
like "d2: private copy, same fingerprint, alias" "$(L image info u2:p2 2>&1)" \
    "Fingerprint: $fp_priv"
like "d2: the copy stays private" "$(L image info u2:p2 2>&1)" "Public: no"

out=$(L image copy "ref:$P-rpub" u1: --alias extra --copy-aliases --auto-update 2>&1)
is "lxc image copy ref:public u1: (reference LXD -> lxdeckd)" "$?" 0
info=$(L image info "u1:$fp_rpub" 2>&1)
like "d1: same fingerprint as on the ref" "$info" "Fingerprint: $fp_rpub"
like "d1: --alias and --copy-aliases landed" "$info" "Aliases:.*- extra.*- $P-rpub|Aliases:.*- $P-rpub.*- extra"
like "d1: auto-update on, source the ref by alias" "$info" \
    "Auto update: enabled.*Server: $BR.*Protocol: lxd.*Alias: $P-rpub"
out=$(L image copy "ref:$P-rpriv" u1: --public 2>&1)
is "lxc image copy ref:private u1: --public (secret from the ref)" "$?" 0
info=$(L image info "u1:$fp_rpriv" 2>&1)
like "d1: same fingerprint" "$info" "Fingerprint: $fp_rpriv"
like "d1: --public landed" "$info" "Public: yes"
nok "d1: copied by fingerprint, no source to follow" grep -q "Server:" <<<"$info"

# launch across hosts: the client has d2 pull from d1 (secret) and the ref
ok "lxc image delete u2:p2" L image delete u2:p2
out=$(L launch d1t:privimg u2:c1 2>&1)
is "lxc launch d1t:privimg u2:c1 (d2 pulls a private image from d1)" "$?" 0
like "... with progress" "$out" "rootfs: 100%"
like "d2 has d1's private image again" "$(L image list u2: --format csv -c f)" "${fp_priv:0:12}"
ok "lxc launch d1pub:pubimg u2:c2 (public remote)" L launch d1pub:pubimg u2:c2
out=$(L launch "ref:$P-rpriv" u2:c3 2>&1)
is "lxc launch ref:private u2:c3 (d2 pulls from the ref with a secret)" "$?" 0
[ "$?" = 0 ] || echo "$out" | sed 's/^/# /'
out=$(L list u2: -c ns --format csv)
like "c1, c2, c3 running on d2" "$(echo $out)" "c1,RUNNING c2,RUNNING c3,RUNNING"
like "d2 has the ref's private image now" "$(L image list u2: --format csv -c f)" "${fp_rpriv:0:12}"
for c in c1 c2 c3; do L delete -f "u2:$c" >/dev/null 2>&1; done

# ---- the engine pulling from d1 over HTTPS ----
out=$($E -d "$T/e" image-remote-list "$B1" --protocol lxd --cert "$T/d1/server.crt" 2>&1)
like "engine lists d1's public images (lxd protocol, certificate pinned)" "$out" "^$fp_pub "
nok "... not its private ones" grep -q "$fp_priv" <<<"$out"
out=$($E -d "$T/e" init pubimg e1 --server "$B1" --protocol lxd \
    --cert "$T/d1/server.crt" --show-op 2>&1)
is "engine: init from d1's image over HTTPS" "$?" 0
like "... with download progress" "$out" "download_progress: rootfs: 100%"
like "engine: cached with d1's fingerprint" "$($E -d "$T/e" image-info "$fp_pub")" \
    "cached: true"
out=$($E -d "$T/e" image-remote-list "$B1" --protocol lxd 2>&1)
like "engine without d1's certificate: a clear TLS error" "$out" \
    "^Error: .*$B1.*certificate"

# ---- POST /1.0/images from a simplestreams server ----
. "$LXDECK_SRC/tests/lxc/image-server.inc"
ok "simplestreams test server: publish an image" ss_publish 20240101_00:00 1700000000
ss_start
d=$SS_DIR/images/busybox/1.36/amd64/default/20240101_00:00
fp_ss=$(cat "$d/lxd.tar.xz" "$d/rootfs.squashfs" | sha256sum | cut -d' ' -f1)
res=$(curl -s --unix-socket "$T/d2.sock" -X POST -H 'Content-Type: application/json' \
    -d '{"auto_update":true,"source":{"type":"image","mode":"pull","server":"'"$SS_URL"'","protocol":"simplestreams","alias":"bbtest"},"aliases":[{"name":"ssbb"}]}' \
    http://x/1.0/images | json metadata.id)
res=$(curl -s --unix-socket "$T/d2.sock" "http://x/1.0/operations/$res/wait?timeout=60")
is "copy from a simplestreams server into d2" "$(json metadata.status <<<"$res")" Success
is "... the op names the fingerprint (meta||squashfs)" \
    "$(json metadata.metadata.fingerprint <<<"$res")" "$fp_ss"
info=$(L image info u2:ssbb 2>&1)
like "... the aliases of the request landed" "$info" "Fingerprint: $fp_ss"
like "... with the simplestreams source and auto-update" "$info" \
    "Auto update: enabled.*Protocol: simplestreams.*Alias: bbtest"
ss_stop

# ---- bad input ----
pq() { curl -s --unix-socket "$T/d2.sock" -X POST -H 'Content-Type: application/json' \
    -d "$1" http://x/1.0/images; }
out=$(pq '{"source":{"type":"bogus"}}')
like "bad source type: 501 naming it" "$out" '"error_code":501.*bogus'
out=$(pq '{"source":{"type":"image","server":"'"$B1"'","protocol":"gopher","fingerprint":"ab"}}')
like "bad protocol: 400 naming it" "$out" '"error_code":400.*gopher'
out=$(pq '{"source":{"type":"image","mode":"push","server":"'"$B1"'","fingerprint":"ab"}}')
like "push mode: 501" "$out" '"error_code":501.*push'
out=$(pq '{"source":{"type":"image","server":"'"$B1"'"}}')
like "no fingerprint or alias: 400" "$out" '"error_code":400.*alias or fingerprint'
out=$(pq '{"source":{"type":"image","server":"ftp://x","fingerprint":"ab"}}')
like "not an image server URL: 400" "$out" '"error_code":400.*ftp://x'
out=$(pq '{"source":{"type":"image","server":"'"$B1"'","fingerprint":"ab"},"aliases":"x"}')
like "aliases not a list: 400" "$out" '"error_code":400.*aliases'
opwait() { curl -s --unix-socket "$T/d2.sock" "http://x/1.0/operations/$1/wait?timeout=30"; }
# A refused port: the operation ends within the wait's 30 s (a bound for a
# hang: a Running operation fails the status check) and by the refusal,
# not by waiting for a timeout.
op=$(pq '{"source":{"type":"image","server":"https://127.0.0.1:1","protocol":"lxd","fingerprint":"'"$fp_pub"'"}}' | json metadata.id)
res=$(opwait "$op")
is "unreachable server: the operation fails" "$(json metadata.status <<<"$res")" Failure
like "... saying it could not connect" "$(json metadata.err <<<"$res")" "127.0.0.1:1.*(connect|Connect)"
unlike "... refused at once, not a timeout" "$(json metadata.err <<<"$res")" "[Tt]imed? ?out"
cert=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$T/d1/server.crt")
op=$(pq '{"source":{"type":"image","server":"'"$B1"'","protocol":"lxd","certificate":'"$cert"',"fingerprint":"'"${fp_pub//?/0}"'"}}' | json metadata.id)
res=$(opwait "$op")
is "wrong fingerprint: the operation fails" "$(json metadata.status <<<"$res")" Failure
like "... naming the image as not found on d1" "$(json metadata.err <<<"$res")" \
    "not found on \"$B1\""
op=$(pq '{"source":{"type":"image","server":"'"$B1"'","protocol":"lxd","certificate":'"$cert"',"fingerprint":"'"$fp_priv"'"}}' | json metadata.id)
res=$(opwait "$op")
like "a private image without a secret: not found" "$(json metadata.err <<<"$res")" "not found"
out=$(L image copy d1pub:nosuch u2: 2>&1)
like "lxc image copy of a missing image: an error" "$out" "Error:"
ok "d1 still serves" kill -0 "$D1PID"
ok "d2 still serves" kill -0 "$D2PID"
ok "lxc info u2: works" L info u2:
if [ "$TAP_FAILED" -gt 0 ]; then
	for d in d1 d2; do echo "# $d log (tail):"; tail -15 "$T/$d.log" | sed 's/^/# /'; done
fi
done_testing
