#!/bin/bash
# dos-untrusted.sh - unauthenticated HTTPS callers cannot lock the local
# admin out, nor make lxdeckd hold much for them (issue 13, section 4):
#   - 2,100 slow unauthenticated HTTPS clients (TLS done, a head that never
#     ends, one byte every 3 s) plus 400 stuck in the TLS handshake, from 60
#     loopback addresses, all coming back when closed: meanwhile `lxc list`
#     over the unix socket answers, right; the daemon's fds stay bounded; the
#     refusals are logged, rate-limited; once they leave, a trusted
#     `lxc list` over HTTPS works;
#   - an untrusted 1 MiB body gets a 413 (LXD error envelope) at once, with
#     Content-Length before any of it is read, chunked after 64 KiB, while
#     the client still holds most of it; a trusted client sends 1 MiB fine;
#   - one source address gets 16 untrusted connections and 16 handshakes;
#   - a head trickling one byte a second is closed at the deadline (10 s);
#     a handshake trickling one byte a second is cut (10 s).
# Uses lxdeckd --fake (the HTTP side is what is tested).  Needs python3.
# run-tests: alone (a flood of 2,500 clients would stretch the other suites'
# waits, and their load its deadlines)
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LXDECK_SRC/tests/lib.sh"
command -v lxc >/dev/null || skip_all "no lxc client"
command -v python3 >/dev/null || skip_all "no python3"
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge 6000 ] || skip_all "needs 6000 file descriptors (ulimit -n)"
T=$(mktemp -d /tmp/lxdeck-dos.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
[ -n "$KEEP" ] && trap - EXIT
mkdir -p "$T/d" "$T/u" "$T/h"
"$BUILD/lxdeckd" --fake --dir "$T/d" --socket "$T/d.sock" --listen "127.0.0.1:$PORT" \
    >/dev/null 2>"$T/d.log" </dev/null &
DPID=$!
for i in $(seq 1 100); do
	[ -S "$T/d.sock" ] && curl -sk "https://127.0.0.1:$PORT/1.0" >/dev/null && break
	sleep 0.1
done
printf 'default-remote: u\nremotes:\n  u:\n    addr: unix://%s\n    public: false\n' \
    "$T/d.sock" > "$T/u/config.yml"
U() { LXD_CONF=$T/u timeout 120 lxc "$@"; }
H() { LXD_CONF=$T/h timeout 120 lxc "$@"; }
ms() { date +%s%3N; }
fds() { ls "/proc/$DPID/fd" 2>/dev/null | wc -l; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$DPID/status"; }

ok "lxc remote add over HTTPS with a token" H remote add h "$(U config trust add --name dos | tail -1)"
want=$(U list -c n --format csv)
like "lxc list over the unix socket" "$want" "web1"
ok "trusted lxc list over HTTPS" H list h: -c n --format csv
fd0=$(fds)

# --- A flood of slow strangers -----------------------------------------------
FLOOD_S=45
python3 "$LXDECK_SRC/tests/api/dos-flood.py" "$PORT" 2100 400 60 "$FLOOD_S" "$T/ready" \
    > "$T/flood.json" 2>"$T/flood.err" &
FPID=$!
for i in $(seq 1 600); do [ -s "$T/ready" ] && break; sleep 0.1; done
echo "# $(cat "$T/ready" 2>/dev/null) flood clients have tried at least once"
good=0 n=0 maxms=0 maxfd=0 maxrss=0 https_ok=0
while kill -0 "$FPID" 2>/dev/null && [ "$n" -lt 8 ]; do
	t0=$(ms)
	out=$(U list -c n --format csv 2>&1)
	t=$(( $(ms) - t0 ))
	[ "$out" = "$want" ] && good=$((good + 1))
	[ "$t" -gt "$maxms" ] && maxms=$t
	f=$(fds); [ "$f" -gt "$maxfd" ] && maxfd=$f
	r=$(rss); [ "${r:-0}" -gt "$maxrss" ] && maxrss=$r
	H list h: -c n --format csv >/dev/null 2>&1 && https_ok=$((https_ok + 1))
	n=$((n + 1))
	sleep 2
done
echo "# during the flood: $good/$n unix lxc list right (slowest $maxms ms), trusted HTTPS" \
    "lxc list ok $https_ok/$n, daemon fds <= $maxfd (before: $fd0), RSS <= $maxrss kB"
ok "the flood was still on while we listed" test "$n" -ge 3
is "every lxc list over the unix socket answered right during the flood" "$good" "$n"
# handshakes 256 x 1 fd + untrusted connections 256 x 3 (TCP, socketpair)
ok "the daemon's fds stay bounded ($maxfd <= $fd0 + 256 + 3 x 256 + 64)" \
    test "$maxfd" -le $((fd0 + 256 + 768 + 64))
wait "$FPID"
FPID=
flood=$(cat "$T/flood.json")
echo "# flood client: $flood"
jf() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$T/flood.json" "$1"; }
# (how the load splits between refused handshakes, evictions and 503s
# depends on how fast this busy machine runs the clients: not asserted)
is "all 2,500 flood clients tried while the flood lasted" "$(cat "$T/ready")" 2500
ok "the flood held more connections than the daemon takes ($(jf max_alive) > 256 + 256)" \
    test "$(jf max_alive)" -gt 512
like "the refusals are logged" "$(cat "$T/d.log")" "Connection limits: .*refused"
like "the untrusted limit was reached" "$(cat "$T/d.log")" \
    "untrusted connections at the limit|slow untrusted requests evicted"
nlog=$(grep -c "Connection limits:" "$T/d.log")
echo "# $nlog 'Connection limits' warnings in ~$FLOOD_S s"
ok "rate-limited: at most one warning per 10 s (+2)" test "$nlog" -le $((FLOOD_S / 10 + 3))
ok "HTTPS serves again: trusted lxc list over HTTPS" H list h: -c n --format csv
ok "... and an untrusted GET /1.0" curl -skf -o /dev/null "https://127.0.0.1:$PORT/1.0"

# --- Per source address -------------------------------------------------------
# per_addr MODE: 40 connections from one address, each a slow head after the
# handshake (tls) or a bare TCP connection (tcp); after 2 s, how many are
# still open and how many got a 503 or were closed.
per_addr() {
	python3 - "$PORT" "$1" <<'EOF'
import select, socket, ssl, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
src = '127.0.0.200' if mode == 'tls' else '127.0.0.201'
socks, refused = [], 0
for i in range(40):
    raw = socket.create_connection(('127.0.0.1', port), source_address=(src, 0))
    if mode == 'tls':
        try:
            s = ctx.wrap_socket(raw)
            s.sendall(b'GET /1.0 HTTP/1.1\r\nHost: x\r\n')
        except Exception:
            refused += 1
            continue
    else:
        s = raw
    socks.append(s)
time.sleep(2)
held = 0
for s in socks:
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        held += 1
        continue
    try:
        d = s.recv(4096)
    except Exception:
        d = b''
    refused += 1
    if mode == 'tls' and b' 503 ' not in d[:20]:
        print('not a 503: %r' % d[:40])
print(held, refused)
EOF
}
is "16 slow untrusted requests held from one address, 24 more get a 503" \
    "$(per_addr tls)" "16 24"
is "16 TLS handshakes in flight from one address, 24 more closed at once" \
    "$(per_addr tcp)" "16 24"

# --- Bodies --------------------------------------------------------------------
# big_body MODE: an untrusted POST /1.0/certificates of 1 MiB (MODE length or
# chunked); the client sends 128 KiB, then waits for the answer.  Prints the
# status line, the error code of the body and how much was sent.
big_body() {
	python3 - "$PORT" "$1" <<'EOF'
import json, socket, ssl, sys
port, mode = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port)))
s.settimeout(30)
size = 1024 * 1024
if mode == 'length':
    s.sendall(b'POST /1.0/certificates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
              b'Content-Length: %d\r\n\r\n' % size)
    sent = 0
else:
    s.sendall(b'POST /1.0/certificates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
              b'Transfer-Encoding: chunked\r\n\r\n')
    sent = 0
    for i in range(8):
        s.sendall(b'4000\r\n' + b'a' * 0x4000 + b'\r\n')
        sent += 0x4000
data = b''
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
except Exception:
    pass
head, _, body = data.partition(b'\r\n\r\n')
try:
    code = json.loads(body)['error_code']
except Exception:
    code = None
print(head.split(b'\r\n')[0].decode(errors='replace'), code, sent, json.loads(body)['error'] if code else '')
EOF
}
out=$(big_body length)
echo "# untrusted 1 MiB body (Content-Length): $out"
like "untrusted 1 MiB body with Content-Length: 413 before any of it is sent" "$out" \
    "^HTTP/1.1 413 .* 413 0 Request body too large \(limit 65536 bytes before authentication\)"
out=$(big_body chunked)
echo "# untrusted 1 MiB body (chunked, 128 KiB of it sent): $out"
like "untrusted chunked body: 413 after 64 KiB, while the client holds the rest" "$out" \
    "^HTTP/1.1 413 .* 413 131072 "
python3 -c "import json; print(json.dumps({'description': 'x' * (1024 * 1024)}))" > "$T/big.json"
code=$(curl -sk -o "$T/big.out" -w '%{http_code}' --cert "$T/h/client.crt" --key "$T/h/client.key" \
    -X PATCH -H 'Content-Type: application/json' --data-binary @"$T/big.json" \
    "https://127.0.0.1:$PORT/1.0/instances/web1")
is "a trusted client sends a 1 MiB body (PATCH of an instance)" "$code" 200
desc=$(U query /1.0/instances/web1 | python3 -c "import json,sys; print(len(json.load(sys.stdin)['description']))")
is "... and all of it arrived" "$desc" $((1024 * 1024))

# --- Deadlines -----------------------------------------------------------------
# trickle MODE: one byte a second, a head (tls) or a ClientHello (tcp), until
# the server closes; prints how long that took (s).
trickle() {
	python3 - "$PORT" "$1" <<'EOF'
import socket, ssl, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
raw = socket.create_connection(('127.0.0.1', port))
if mode == 'tls':
    s = ctx.wrap_socket(raw)
    data = b'GET /1.0 HTTP/1.1\r\nHost: x\r\nX-Slow: ' + b'x' * 1000
else:
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = ctx.wrap_bio(inc, out)
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
    s, data = raw, out.read()[:-1]
t0 = time.monotonic()
s.settimeout(1)
for i in range(120):
    try:
        s.send(data[i:i + 1])
        if s.recv(4096) == b'':
            break
    except socket.timeout:
        continue
    except Exception:
        break
print('%.1f' % (time.monotonic() - t0))
EOF
}
# The lower bound is the behaviour (a slow client is given its deadline);
# the upper one is a bound for a hang only: without a deadline the trickle
# goes on for 120 s.
t=$(trickle tls)
echo "# an untrusted head trickling a byte a second was closed after $t s (deadline 10 s)"
ok "a head that never ends is closed at the deadline although bytes keep coming" \
    python3 -c "import sys; sys.exit(not 9 <= $t < 60)"
t=$(trickle tcp)
echo "# a TLS handshake trickling a byte a second was cut after $t s (deadline 10 s)"
ok "a handshake that never ends is cut" python3 -c "import sys; sys.exit(not 9 <= $t < 60)"
ok "lxdeckd is still running" kill -0 "$DPID"
done_testing
