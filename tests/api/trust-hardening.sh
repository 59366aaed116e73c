#!/bin/bash
# trust-hardening.sh - what an untrusted or a no-longer-trusted HTTPS caller
# can do (issue 13, parts 3-5), against lxdeckd and, where LXD 5.0.2 does
# the same, against the reference LXD (scripts/lxd-ref --https):
#   - GET /1.0/operations/ID/wait?secret= of an exec: right websocket
#     secret, wrong secret, no secret, a missing operation: 403, never the
#     operation (its websocket secrets are a shell); a token's own secret
#     opens its token operation;
#   - removing a certificate ends its client's `lxc monitor` and `lxc exec`;
#   - trust tokens expire (core.remote_token_expiry, validated), are listed
#     and revoked with the stock lxc, and are refused once revoked or
#     expired; the token's name wins;
#   - names with control characters are refused (400), and a name carrying
#     a newline and a PEM block cannot swap the trusted certificate across
#     a restart;
#   - wrong passwords from one address are answered 429 while it backs off
#     (scrypt runs off the loop: the unix socket answers meanwhile), and the
#     right password works once the back-off is over.
# Loopback only.  Needs root (real containers).
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/api/api-lib.inc"
api_need_lxc
command -v openssl >/dev/null || skip_all "no openssl"
command -v python3 >/dev/null || skip_all "no python3"
api_tmp /tmp/lxdeck-th.XXXXXX
P=th$$
DPID=
MONPID=
EXECPID=
REFINST=
cleanup() {
	[ -n "$MONPID" ] && kill "$MONPID" 2>/dev/null
	[ -n "$EXECPID" ] && kill "$EXECPID" 2>/dev/null
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	if [ -n "$REFINST" ]; then
		LXD_CONF=$T/ref timeout 60 lxc delete -f "ref:$REFINST" >/dev/null 2>&1
	fi
	engine_purge "$T/d"
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
api_engine_in "$T" d u a ref
start_daemon() {
	lxdeckd_https "$T" d "$PORT"
}
start_daemon
api_conf_write "$T/u" "$T/d.sock"
U() { LXD_CONF=$T/u timeout 60 lxc "$@"; }
A() { LXD_CONF=$T/a timeout 60 lxc "$@"; }
newcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.crt" -days 2 -subj "/CN=$1" 2>/dev/null
}
fpof() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
# as CERT BASE PATH [curl args]: an HTTPS request with a client certificate;
# prints the body, then the status on a line of its own.
as() {
	local c=$1 base=$2 path=$3
	shift 3
	curl -sk --max-time 60 --cert "$T/$c.crt" --key "$T/$c.key" "$@" \
	    -w '\n%{http_code}\n' "https://$base$path"
}
status() { tail -1 <<<"$1"; }
body() { sed '$d' <<<"$1"; }
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }
newcert stranger
newcert friend
newcert other

# --- 3. /1.0/operations/ID/wait for an untrusted caller -----------------
# wait_cases NAME BASE SOCKET INSTANCE: the cases over HTTPS, each on a new
# exec operation (LXD drops one whose websockets do not come within 5 s).
wait_case() {	# wait_case FDKEY|"" QUERY: sets id, sec, out
	local js try
	for try in 1 2 3 4 5; do
		js=$(exec_op "$sock" "$inst")
		id=$(jget metadata.id <<<"$js")
		sec=$(jget metadata.metadata.fds.0 <<<"$js")
		ctl=$(jget metadata.metadata.fds.control <<<"$js")
		case $1 in
		0) q="secret=$sec&" ;;
		control) q="secret=$ctl&" ;;
		wrong) q="secret=0123abcd&" ;;
		empty) q="secret=&" ;;
		none) q="" ;;
		esac
		out=$(as stranger "$base" "/1.0/operations/$id$2?${q}timeout=0")
		# still there after the answer: it was there for it (a busy
		# machine can take LXD's 5 s for the handshake)
		[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
		    "http://x/1.0/operations/$id")" = 200 ] && break
		echo "# the operation ended before the answer; again"
	done
}
wait_cases() {
	local who=$1 base=$2 sock=$3 inst=$4 id sec ctl out q
	wait_case 0 /wait
	is "$who: the right websocket secret does not open an exec's /wait (403)" \
	    "$(status "$out")" 403
	unlike "$who: ... and the answer holds no websocket secret" "$out" "$sec|$ctl"
	HIDDEN=$(body "$out")
	wait_case control /wait
	is "$who: the control secret neither (403)" "$(status "$out")" 403
	wait_case wrong /wait
	is "$who: a wrong secret is refused (403)" "$(status "$out")" 403
	wait_case none /wait
	is "$who: no secret is refused (403)" "$(status "$out")" 403
	wait_case empty /wait
	is "$who: an empty secret is refused (403)" "$(status "$out")" 403
	wait_case 0 ""
	is "$who: GET of the operation itself is refused (403)" "$(status "$out")" 403
	MISSING=$(as stranger "$base" "/1.0/operations/7b0f1a42-0000-4000-8000-000000000000/wait?secret=$sec&timeout=0")
}
exec_op() {	# exec_op SOCKET INSTANCE: a waiting exec operation's JSON
	curl -s --max-time 30 --unix-socket "$1" -X POST -H 'Content-Type: application/json' \
	    -d '{"command":["sleep","300"],"wait-for-websocket":true,"interactive":false,"environment":{}}' \
	    "http://x/1.0/instances/$2/exec"
}
ok "launch a container" U launch busybox "$P-c"
like "an exec operation waits for its websockets" "$(exec_op "$T/d.sock" "$P-c")" '"fds"'
wait_cases lxdeckd "$ADDR" "$T/d.sock" "$P-c"
is "lxdeckd: a missing operation answers as a hidden one" "$(body "$MISSING")" "$HIDDEN"
is "lxdeckd: ... 403" "$(status "$MISSING")" 403
# a trust token's own secret opens its token operation
tok=$(U config trust add --name "$P-w" | tail -1)
tsec=$(base64 -d <<<"$tok" | jget secret)
tid=$(curl -s --unix-socket "$T/d.sock" "http://x/1.0/operations?recursion=1" |
    python3 -c 'import json,sys; print([o["id"] for o in json.load(sys.stdin)["metadata"]["running"] if o["class"]=="token" and o["metadata"]["request"]["name"]==sys.argv[1]][0])' "$P-w" 2>/dev/null)
out=$(as stranger "$ADDR" "/1.0/operations/$tid/wait?secret=$tsec&timeout=0")
is "lxdeckd: a token's secret opens its token operation's /wait" "$(status "$out")" 200
miss=${tsec%?}; [ "${tsec: -1}" = 0 ] && miss=${miss}1 || miss=${miss}0
out=$(as stranger "$ADDR" "/1.0/operations/$tid/wait?secret=$miss&timeout=0")
is "lxdeckd: ... not a near miss" "$(status "$out")" 403
U config trust revoke-token "$P-w" >/dev/null

if [ -n "$NO_LXD" ] || ! command -v lxd >/dev/null; then
	skip "the reference LXD answers the same" "lxd not installed or NO_LXD"
elif ! ref=$("$LXDECK_SRC/scripts/lxd-ref" --https 2>"$T/ref.log"); then
	tap_result 1 "the reference LXD starts (scripts/lxd-ref)"
else
	RSOCK=$(head -1 <<<"$ref")
	RADDR=$(sed -n 2p <<<"$ref")
	printf 'default-remote: ref\nremotes:\n  ref:\n    addr: unix://%s\n    public: false\n' \
	    "$RSOCK" > "$T/ref/config.yml"
	REFINST=$P-r
	LXD_CONF=$T/ref timeout 120 lxc launch busybox "ref:$REFINST" >/dev/null 2>&1
	wait_cases "reference LXD" "$RADDR" "$RSOCK" "$REFINST"
	echo "# reference LXD, a missing operation with a secret: $(status "$MISSING") $(body "$MISSING")"
	tok=$(LXD_CONF=$T/ref timeout 60 lxc config trust add --name "$P-w" | tail -1)
	tsec=$(base64 -d <<<"$tok" | jget secret)
	tid=$(curl -s --unix-socket "$RSOCK" "http://x/1.0/operations?recursion=1" |
	    python3 -c 'import json,sys; print([o["id"] for o in json.load(sys.stdin)["metadata"]["running"] if o["class"]=="token" and o["metadata"]["request"]["name"]==sys.argv[1]][0])' "$P-w" 2>/dev/null)
	out=$(as stranger "$RADDR" "/1.0/operations/$tid/wait?secret=$tsec&timeout=0")
	is "reference LXD: a token's secret opens its token operation's /wait" "$(status "$out")" 200
	ok "reference LXD: lxc config trust revoke-token" \
	    env LXD_CONF=$T/ref timeout 60 lxc config trust revoke-token "$P-w"
fi


# --- 3. removing a certificate ends its client's websockets ------------
tok=$(U config trust add --name "$P-friend" | tail -1)
ok "lxc remote add NAME TOKEN" A remote add h "$tok"
afp=$(fpof "$T/a/client.crt")
A monitor h: >"$T/mon.log" 2>&1 &
MONPID=$!
A exec "h:$P-c" -- sleep 601 </dev/null >/dev/null 2>&1 &
EXECPID=$!
for i in $(seq 1 100); do
	U exec "$P-c" -- ps 2>/dev/null | grep -q "sleep 601" && break
	sleep 0.2
done
sleep 1
ok "lxc monitor over HTTPS runs" kill -0 "$MONPID"
ok "lxc exec over HTTPS runs" kill -0 "$EXECPID"
ok "lxc config trust remove" U config trust remove "$afp"
gone() { ! kill -0 "$1" 2>/dev/null; }
for i in $(seq 1 300); do gone "$MONPID" && gone "$EXECPID" && break; sleep 0.1; done
ok "lxc monitor ends when its certificate is removed" gone "$MONPID"
ok "lxc exec ends when its certificate is removed" gone "$EXECPID"
MONPID= EXECPID=
for i in $(seq 1 50); do
	U exec "$P-c" -- ps 2>/dev/null | grep -q "sleep 601" || break
	sleep 0.2
done
nok "... and the command it ran is gone" sh -c "LXD_CONF=$T/u timeout 60 lxc exec $P-c -- ps | grep -q 'sleep 601'"
out=$(A query h:/1.0 2>&1)
like "... and a new connection of it is untrusted" "$out" '"auth": "untrusted"'


# --- 5. tokens: expiry, list, revoke -----------------------------------
out=$(U config set core.remote_token_expiry bogus 2>&1)
like "core.remote_token_expiry must be an expiry" "$out" "Invalid expiry expression"
ok "core.remote_token_expiry takes LXD's durations (1d 3H)" U config set core.remote_token_expiry "1d 3H"
ok "... and unsets" U config unset core.remote_token_expiry
tok=$(U config trust add --name "$P-def" | tail -1)
exp=$(base64 -d <<<"$tok" | jget expires_at)
unlike "a token expires by default" "$exp" '^0001-'
out=$(U config trust list-tokens --format csv)
like "lxc config trust list-tokens lists it, with its expiry" "$out" "(^|
)$P-def,[A-Za-z0-9+/=]+,[0-9]{4}/"
ok "lxc config trust revoke-token" U config trust revoke-token "$P-def"
out=$(U config trust list-tokens --format csv)
unlike "... and it is no longer listed" "$out" "$P-def"
mkdir -p "$T/b" "$T/c"
nok "a revoked token is refused" env LXD_CONF="$T/b" timeout 60 lxc remote add r1 "$tok"
ok "core.remote_token_expiry 2S" U config set core.remote_token_expiry 2S
tok=$(U config trust add --name "$P-exp" | tail -1)
sleep 3
out=$(LXD_CONF=$T/b timeout 60 lxc remote add r2 "$tok" 2>&1)
rc=$?
ok "an expired token is refused" test "$rc" -ne 0
like "... saying so" "$out" "Token has expired"
U config unset core.remote_token_expiry
out=$(U config trust list --format csv)
unlike "... and nothing was trusted by them" "$out" "$P-def|$P-exp"

# --- 5. names ----------------------------------------------------------
tok=$(U config trust add --name "$P-tokname" | tail -1)
out=$(as other "$ADDR" /1.0/certificates -X POST -H 'Content-Type: application/json' \
    -d "{\"type\":\"client\",\"password\":\"$tok\",\"name\":\"$P-override\"}")
like "a token adds the caller's certificate" "$(status "$out")" '^20[01]$'
out=$(U config trust list --format csv)
like "... under the token's name" "$out" "$P-tokname"
unlike "... not the one in the request" "$out" "$P-override"
evil=$(python3 -c 'import json,sys; print(json.dumps("x\n" + open(sys.argv[1]).read()))' "$T/friend.crt")
nok "a token's name with a newline is refused" U config trust add --name "$(printf 'a\nb')"
U config set core.trust_password "$P-pw" >/dev/null
tok=$(U config trust add --name "$P-n1" | tail -1)
for how in token password; do
	pw=$tok; [ "$how" = password ] && pw=$P-pw
	out=$(as stranger "$ADDR" /1.0/certificates -X POST -H 'Content-Type: application/json' \
	    -d "{\"type\":\"client\",\"password\":\"$pw\",\"name\":$evil}")
	is "a name with a newline and a PEM block is refused (400, with a $how)" "$(status "$out")" 400
done
like "... LXD-style" "$(body "$out")" '"error_code":400,"error":"Invalid certificate name'
out=$(as stranger "$ADDR" /1.0/certificates -X POST -H 'Content-Type: application/json' \
    -d "{\"type\":\"client\",\"password\":\"$P-pw\",\"name\":\"$(printf '%0300d' 0)\"}")
is "a name of 300 bytes is refused (400)" "$(status "$out")" 400
U config trust revoke-token "$P-n1" >/dev/null
# a store written by an older lxdeckd: the PEM a file holds must be the one
# its name says, whatever its name line carries
sfp=$(fpof "$T/stranger.crt")
{ printf '# name: x\n'; cat "$T/friend.crt" "$T/stranger.crt"; } > "$T/d/trust/$sfp.crt"
kill -TERM "$DPID"; wait "$DPID"
start_daemon
out=$(as friend "$ADDR" /1.0)
like "after a restart, a certificate smuggled in a name line is not trusted" "$out" '"auth":"untrusted"'
out=$(as stranger "$ADDR" /1.0)
like "... nor the one whose file it was" "$out" '"auth":"untrusted"'
rm -f "$T/d/trust/$sfp.crt"
out=$(as other "$ADDR" /1.0)
like "... and the token's certificate still is" "$out" '"auth":"trusted"'

# --- 4. password checks: off the loop, back-off per address ------------
newcert guesser
gpids=()
for i in $(seq 1 20); do
	as guesser "$ADDR" /1.0/certificates -X POST -H 'Content-Type: application/json' \
	    -d '{"type":"client","password":"wrong-'"$i"'"}' >"$T/g.$i" 2>&1 &
	gpids+=($!)
done
unix_ok=0
for i in $(seq 1 10); do
	code=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' --unix-socket "$T/d.sock" http://x/1.0)
	[ "$code" = 200 ] && unix_ok=$((unix_ok + 1))
done
wait "${gpids[@]}"
n403=0 n429=0
for i in $(seq 1 20); do
	case $(tail -1 "$T/g.$i") in
	403) n403=$((n403 + 1)) ;;
	429) n429=$((n429 + 1)) ;;
	esac
done
echo "# 20 wrong passwords at once: $n403 checked (403), $n429 told to wait (429)"
is "the unix socket answers GET /1.0 meanwhile" "$unix_ok" 10
is "every wrong password is refused" "$((n403 + n429))" 20
ok "most wait for the back-off (429) instead of a check" test "$n429" -ge 10
like "... LXD-style" "$(cat "$T"/g.* | grep -m1 '"error_code":429')" '"type":"error".*retry in [0-9]+ s'
st=
for i in $(seq 1 240); do
	out=$(as guesser "$ADDR" /1.0/certificates -X POST -H 'Content-Type: application/json' \
	    -d '{"type":"client","password":"'"$P-pw"'","name":"'"$P-guesser"'"}')
	st=$(status "$out")
	[ "$st" = 429 ] || break
	sleep 0.5
done
like "the right password works once the back-off is over" "$st" '^20[01]$'
like "... and the certificate is trusted" "$(as guesser "$ADDR" /1.0)" '"auth":"trusted"'

kill -0 "$DPID" 2>/dev/null
tap_result $? "lxdeckd still running"
if [ "$TAP_FAILED" -gt 0 ]; then
	echo "# lxdeckd log (tail):"; grep -v DEBUG "$T/d.log" | tail -15 | sed 's/^/# /'
fi
done_testing
