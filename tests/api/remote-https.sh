#!/bin/bash
# remote-https.sh - lxdeckd over HTTPS, and lxdeck's remotes, with the stock
# tools: core.https_address set through the API as in LXD; TLS 1.1 and
# CBC / RSA-key-exchange suites refused (openssl s_client); an untrusted
# certificate sees only the public GET /1.0 and gets 403 elsewhere; a wrong
# password or token is refused; `lxc remote add NAME TOKEN` then `lxc list`
# and `lxc exec` over HTTPS; `lxdeck remote add/list` pin the certificate
# and a changed certificate is refused.  Loopback only.  Needs root.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/api/api-lib.inc"
api_need_lxc
command -v openssl >/dev/null || skip_all "no openssl"
api_tmp /tmp/lxdeck-rh.XXXXXX
P=rh$$
trap 'api_daemon_cleanup dir' EXIT
api_engine_in "$T" dir u a home
"$BUILD/lxdeckd" --dir "$T/dir" --socket "$T/unix.socket" 2>"$T/lxdeckd.log" &
DPID=$!
api_wait_socket "$T/unix.socket"
api_conf_write "$T/u" "$T/unix.socket"
U() { LXD_CONF=$T/u timeout 60 lxc "$@"; }
A() { LXD_CONF=$T/a timeout 60 lxc "$@"; }

# core.https_address through the API
ok "lxc config set core.https_address" U config set core.https_address "$ADDR"
for i in $(seq 1 50); do
	curl -sk "https://$ADDR/1.0" >/dev/null 2>&1 && break; sleep 0.1
done
out=$(curl -sk "https://$ADDR/1.0")
like "HTTPS answers GET /1.0" "$out" '"api_version":"1.0"'
like "an untrusted caller is told so" "$out" '"auth":"untrusted"'
nok "untrusted GET /1.0 hides the environment" grep -q environment <<<"$out"
ok "server certificate written" test -s "$T/dir/server.crt"
txt=$(openssl x509 -in "$T/dir/server.crt" -noout -text)
like "server certificate is ECDSA P-384" "$txt" "NIST CURVE: P-384"
like "server certificate has a DNS SAN and loopback IP SANs" "$txt" \
    "DNS:[^,]+, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"

# TLS policy
s_client() { echo | timeout 10 openssl s_client -connect "$ADDR" "$@" 2>&1; }
out=$(s_client -tls1_3)
like "TLS 1.3 accepted" "$out" "New, TLSv1.3"
out=$(s_client -tls1_1)
nok "TLS 1.1 refused" grep -q "New, TLSv1" <<<"$out"
out=$(s_client -tls1_2 -cipher AES128-SHA)
nok "TLS 1.2 with a CBC, RSA key exchange suite refused" grep -q "New, TLSv1.2" <<<"$out"
out=$(s_client -tls1_2 -cipher AES256-GCM-SHA384)
nok "TLS 1.2 with RSA key exchange (no ECDHE) refused" grep -q "New, TLSv1.2" <<<"$out"
out=$(s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA)
nok "TLS 1.2 ECDHE with CBC refused" grep -q "New, TLSv1.2" <<<"$out"
out=$(s_client -tls1_2)
like "TLS 1.2 with ECDHE + AEAD accepted" "$out" "Cipher is ECDHE-ECDSA-(AES...-GCM|CHACHA20)"

# untrusted certificates
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes \
    -keyout "$T/stranger.key" -out "$T/stranger.crt" -days 2 -subj "/CN=stranger" 2>/dev/null
code=$(curl -sk -o "$T/body" -w '%{http_code}' --cert "$T/stranger.crt" \
    --key "$T/stranger.key" "https://$ADDR/1.0/instances")
is "an untrusted certificate gets 403 on /1.0/instances" "$code" 403
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://$ADDR/1.0/profiles")
is "no certificate gets 403 on /1.0/profiles" "$code" 403
code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST --cert "$T/stranger.crt" \
    --key "$T/stranger.key" -H 'Content-Type: application/json' \
    -d '{"type":"client","password":"wrong"}' "https://$ADDR/1.0/certificates")
is "a wrong trust password is refused (403)" "$code" 403

# tokens: a forged one is refused, a real one works with the stock lxc
tok=$(U config trust add --name "$P-lxc" | tail -1)
like "lxc config trust add prints a token" "$tok" '^[A-Za-z0-9+/=]{40,}$'
forged=$(printf '%s' "$tok" | base64 -d | sed 's/"secret":"[0-9a-f]*"/"secret":"0000000000000000000000000000000000000000000000000000000000000000"/' | base64 -w0)
if [ -n "$tok" ] && [ -n "$forged" ]; then
	nok "lxc remote add with a wrong token is refused" A remote add bad "$forged"
	ok "lxc remote add NAME TOKEN" A remote add h "$tok"
	out=$(A list h: --format csv)
	ok "lxc list over HTTPS" test "$?" -eq 0
	ok "lxc launch over HTTPS" A launch h:busybox h:$P-a
	is "lxc exec over HTTPS" "$(A exec h:$P-a -- echo over-https)" "over-https"
	is "lxc exec stdin over HTTPS" "$(echo piped | A exec h:$P-a -- cat)" "piped"
	A exec h:$P-a -- sh -c 'exit 5'; is "lxc exec exit status over HTTPS" "$?" 5
	out=$(A list h: -c n --format csv)
	like "the instance is listed over HTTPS" "$out" "$P-a"
	ok "lxc delete -f over HTTPS" A delete -f h:$P-a
	out=$(U config trust list --format csv)
	like "the lxc client certificate is in the trust store" "$out" "$P-lxc"
else
	tap_result 1 "token for lxc remote add"
fi
# the stock incus client joins with a token too (it sends it as trust_token)
if command -v incus >/dev/null; then
	itok=$(U config trust add --name "$P-incus" | tail -1)
	mkdir -p "$T/ic"
	ok "incus remote add NAME TOKEN" env INCUS_CONF="$T/ic" timeout 60 \
	    incus remote add ih "$itok"
	out=$(env INCUS_CONF="$T/ic" timeout 60 incus list ih: -c n --format csv 2>&1)
	ok "incus list over HTTPS" test "$?" -eq 0
	out=$(U config trust list --format csv)
	like "the incus client certificate is in the trust store" "$out" "$P-incus"
fi
ok "the trust store is a directory of PEMs named by fingerprint" \
    sh -c "ls $T/dir/trust/ | grep -qE '^[0-9a-f]{64}\.crt$'"

# lxdeck remote add/list: its own config, pinning
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config LXD_CONF=$T/nolxc
tok=$(U config trust add --name "$P-deck" | tail -1)
ok "lxdeck remote add NAME TOKEN" "$BUILD/lxdeck" remote add d1 "$tok"
ok "lxdeck's client certificate generated" test -s "$XDG_CONFIG_HOME/lxdeck/client.crt"
txt=$(openssl x509 -in "$XDG_CONFIG_HOME/lxdeck/client.crt" -noout -text 2>&1)
like "lxdeck's client certificate is ECDSA P-384" "$txt" "NIST CURVE: P-384"
ok "the server certificate is pinned" cmp "$XDG_CONFIG_HOME/lxdeck/servercerts/d1.crt" "$T/dir/server.crt"
out=$("$BUILD/lxdeck" remote list 2>&1)
like "lxdeck remote list shows it" "$out" "d1 +https://$ADDR"
out=$("$BUILD/tools/rctl" -r d1 list 2>&1)
ok "the remote works through lxdeck's config" test "$?" -eq 0
# a new identity (its own client certificate) for the password checks
X() { XDG_CONFIG_HOME=$T/home/other "$BUILD/lxdeck" "$@"; }
nok "lxdeck remote add without --accept-certificate does not trust blindly" \
    X remote add d2 "https://$ADDR" --password nope </dev/null
nok "lxdeck remote add with a wrong password is refused" \
    X remote add d3 "https://$ADDR" --accept-certificate --password nope
U config set core.trust_password s3cret >/dev/null
ok "lxdeck remote add with core.trust_password" \
    X remote add d4 "https://$ADDR" --accept-certificate --password s3cret
out=$(U config get core.trust_password)
nok "core.trust_password is not stored in clear" test "$out" = s3cret
# --public: an image server read as anyone, pinned but never asked to trust us
ntrust=$(U config trust list --format csv | wc -l)
ok "lxdeck remote add --public" \
    env XDG_CONFIG_HOME=$T/home/pub "$BUILD/lxdeck" remote add p1 "https://$ADDR" \
    --public --accept-certificate
is "--public adds no certificate to the server's trust store" \
    "$(U config trust list --format csv | wc -l)" "$ntrust"
like "lxdeck remote list marks it public" \
    "$(XDG_CONFIG_HOME=$T/home/pub "$BUILD/lxdeck" remote list)" "p1 +https://$ADDR .* yes \\(public\\)"
like "remotes.yml keeps public: true" "$(cat "$T/home/pub/lxdeck/remotes.yml")" "public: true"
ok "... and its certificate pinned" test -s "$T/home/pub/lxdeck/servercerts/p1.crt"
nok "--public with a trust token is refused" \
    env XDG_CONFIG_HOME=$T/home/pub "$BUILD/lxdeck" remote add p2 "$(U config trust add --name "$P-pubtok" | tail -1)" --public
# a changed server certificate is refused, loudly, naming the remote
U config set core.https_address "" >/dev/null
mv "$T/dir/server.crt" "$T/dir/server.crt.old"; mv "$T/dir/server.key" "$T/dir/server.key.old"
U config set core.https_address "$ADDR" >/dev/null
sleep 0.3
nok "the new certificate differs" cmp -s "$T/dir/server.crt" "$T/dir/server.crt.old"
out=$("$BUILD/tools/rctl" -r d1 list 2>&1)
rc=$?
ok "a changed certificate is refused" test "$rc" -ne 0
like "the refusal names the remote and says CHANGED" "$out" 'certificate of remote "d1" has CHANGED'
kill -0 "$DPID" 2>/dev/null
tap_result $? "lxdeckd still running"
if [ "$TAP_FAILED" -gt 0 ]; then
	echo "# lxdeckd log (tail):"; tail -15 "$T/lxdeckd.log" | sed 's/^/# /'
fi
done_testing
