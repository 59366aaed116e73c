#!/bin/bash
# bad-input.sh - lxdeckd against hostile or broken clients: malformed and
# mistyped JSON, huge bodies and headers, broken chunked encoding, slow
# clients, 200 concurrent connections, websocket clients that vanish.
# After each the daemon must still answer.  Also checks the envelope,
# ETag/If-Match, filter and project rules with raw HTTP.
# API_BACKEND=local (bad-input-local.sh) runs the same checks against the
# real engine, with running containers web1 and web2 made first.
LXDECK_SRC=${LXDECK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/api-lib.inc"
command -v curl >/dev/null || skip_all "no curl"
API_BACKEND=${API_BACKEND:-fake}
if [ "$API_BACKEND" = local ]; then
	api_engine_dir /tmp/lxdeck-badin.XXXXXX
	bad_input_cleanup() {
		[ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null && kill -TERM "$API_PID"
		engine_purge "$API_DIR"
		rm -rf --one-file-system "$API_DIR"
	}
	trap bad_input_cleanup EXIT
fi
api_start_lxdeckd || { echo "not ok 1 - lxdeckd starts"; exit 1; }
S=$API_SOCK
C() { curl -s -m 30 --unix-socket "$S" "$@"; }
code() { curl -s -m 30 -o /dev/null -w '%{http_code}' --unix-socket "$S" "$@"; }
alive() { [ "$(code http://unix.socket/1.0)" = 200 ]; }
if [ "$API_BACKEND" = local ]; then
	ok "launch web1 on the real engine" L launch busybox web1
	ok "launch web2 on the real engine" L launch busybox web2
fi

out=$(C http://unix.socket/1.0)
like "sync envelope in LXD's key order" "$out" \
    '^\{"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"","metadata":\{'
out=$(C http://unix.socket/)
is "GET / lists /1.0" "$out" '{"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"","metadata":["/1.0"]}'
is "unknown path is 404" "$(code http://unix.socket/1.0/nope)" 404
out=$(C http://unix.socket/1.0/nope)
like "error envelope" "$out" '^\{"type":"error","status":"","status_code":0,"operation":"","error_code":404,"error":"[^"]+","metadata":null\}'

# malformed and mistyped JSON
is "malformed JSON is 400" "$(code -X POST -d '{"name": ' http://unix.socket/1.0/profiles)" 400
is "JSON that is not an object is 400" "$(code -X POST -d '[1,2]' http://unix.socket/1.0/profiles)" 400
is "empty body is 400" "$(code -X POST -H 'Content-Type: application/json' -d '' http://unix.socket/1.0/instances)" 400
is "wrong type is 400" "$(code -X POST -d '{"name": 5}' http://unix.socket/1.0/profiles)" 400
out=$(C -X POST -d '{"name":"x","config":{"a":1}}' http://unix.socket/1.0/profiles)
like "wrong type names the field" "$out" 'config'
is "unknown fields are ignored (as LXD does)" \
    "$(code -X POST -d '{"name":"bad-p1","bogus":{"x":[1,2]}}' http://unix.socket/1.0/profiles)" 201
is "deeply nested JSON is 400" \
    "$(code -X POST -d "$(printf '%0.s[' $(seq 1 5000))" http://unix.socket/1.0/profiles)" 400
is "bad state action is 400" \
    "$(code -X PUT -d '{"action":"explode"}' http://unix.socket/1.0/instances/web1/state)" 400
ok "daemon alive after bad JSON" alive

# sizes
head -c $((6 * 1024 * 1024)) /dev/zero | tr '\0' 'a' > "$API_TMP/big.json"
is "huge JSON body is 413" "$(code -X POST -H 'Content-Type: application/json' --data-binary @"$API_TMP/big.json" http://unix.socket/1.0/profiles)" 413
is "huge chunked JSON body is 413" "$(code -X PUT -H 'Transfer-Encoding: chunked' --data-binary @"$API_TMP/big.json" http://unix.socket/1.0/profiles/default)" 413
is "huge header is 431" "$(code -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' b)" http://unix.socket/1.0)" 431
ok "daemon alive after huge bodies" alive

# raw protocol abuse (python3 for byte-exact requests)
if command -v python3 >/dev/null; then
	raw() {
		python3 - "$S" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
data = b''
try:
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
except Exception: pass
print(data.split(b'\r\n')[0].decode(errors='replace'))
PY
	}
	like "garbage request line is 400" "$(raw 'HELLO\r\n\r\n')" "^HTTP/1.1 400"
	like "bad chunked encoding is 400" \
	    "$(raw 'PUT /1.0/profiles/default HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')" "^HTTP/1.1 400"
	like "bad Content-Length is 400" \
	    "$(raw 'PUT /1.0 HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n')" "^HTTP/1.1 400"
	like "chunked JSON body works" \
	    "$(raw 'POST /1.0/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"nam\r\nc\r\ne":"bad-p2"}\r\n0\r\n\r\n')" "^HTTP/1.1 201"
	# a slow client holding a half-sent request must not block others
	python3 - "$S" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'GET /1.0 HTTP/1.1\r\nHo'); time.sleep(4); s.close()
PY
	slow=$!
	sleep 0.3
	ok "answers while a slow client dawdles" alive
	# websocket clients that vanish mid-stream
	python3 - "$S" <<'PY'
import socket, sys, os, base64
for path in ['/1.0/events', '/1.0/events?type=lifecycle', '/1.0/operations/x/websocket?secret=y']:
    for i in range(5):
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(('GET %s HTTP/1.1\r\nHost: unix.socket\r\nUpgrade: websocket\r\n'
                   'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
                   'Sec-WebSocket-Version: 13\r\n\r\n' % (path, key)).encode())
        if i % 2: s.recv(100)
        if i == 3: s.sendall(b'\x82\xfe\xff\xff')   # a frame cut short
        s.close()
PY
	ok "answers after vanished websocket clients" alive
	wait "$slow"
fi
is "stopping an instance while events listeners vanished" \
    "$(code -X PUT -d '{"action":"stop","force":true}' http://unix.socket/1.0/instances/web1/state)" 202
ok "daemon alive after vanished listeners" alive

# 200 concurrent connections
pids=()
for i in $(seq 1 200); do
	curl -s -m 30 -o /dev/null -w '%{http_code}\n' --unix-socket "$S" \
	    "http://unix.socket/1.0/instances?recursion=2" >> "$API_TMP/conc.txt" &
	pids+=($!)
done
wait "${pids[@]}"
is "200 concurrent requests all answered 200" "$(grep -c '^200$' "$API_TMP/conc.txt")" 200

# ETag / If-Match
etag=$(curl -s -D - -o /dev/null --unix-socket "$S" http://unix.socket/1.0/profiles/default | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
like "profile GET has a quoted ETag" "$etag" '^"[0-9a-f]{64}"$'
body=$(C http://unix.socket/1.0/profiles/default | python3 -c 'import json,sys; m=json.load(sys.stdin)["metadata"]; print(json.dumps({"config":m["config"],"description":m["description"],"devices":m["devices"]}))' 2>/dev/null)
is "PUT with a stale If-Match is 412" "$(code -X PUT -H 'If-Match: "0000"' -d "$body" http://unix.socket/1.0/profiles/default)" 412
is "PUT with the right If-Match is 200" "$(code -X PUT -H "If-Match: $etag" -d "$body" http://unix.socket/1.0/profiles/default)" 200

# filter and project
out=$(C 'http://unix.socket/1.0/instances?filter=status+eq+running+and+not+name+eq+web2')
ok "filter with and/not excludes" sh -c "! echo '$out' | grep -q web2"
is "unknown filter syntax is 400" "$(code 'http://unix.socket/1.0/instances?filter=status+gt+running')" 400
is "dangling filter is 400" "$(code 'http://unix.socket/1.0/instances?filter=name+eq+web1+and')" 400
out=$(C 'http://unix.socket/1.0/instances?project=nosuch')
like "unknown project lists nothing" "$out" '"metadata":\[\]'
is "unknown project has no instance" "$(code 'http://unix.socket/1.0/instances/web1?project=nosuch')" 404

# operations: wait with a timeout answers 200 with the op as it is
op=$(C -X PUT -d '{"action":"start"}' http://unix.socket/1.0/instances/web1/state | sed -n 's/.*"operation":"\([^"]*\)".*/\1/p')
like "async answer names the operation" "$op" '^/1\.0/operations/[0-9a-f-]{36}$'
out=$(C "http://unix.socket$op/wait?timeout=5")
like "wait returns the final op" "$out" '"status_code":200'
is "wait on unknown op is 404" "$(code 'http://unix.socket/1.0/operations/nope/wait?timeout=1')" 404

# networks, storage pools, warnings (the engine's only): names that are
# not interfaces, volumes that do not exist, warning bodies of every wrong
# shape, changes that are refused
if [ "$API_BACKEND" = local ]; then
	U=http://unix.socket/1.0
	is "network named .. is 404" "$(code "$U/networks/%2e%2e")" 404
	is "network name with a slash is 404" "$(code "$U/networks/lo%2f..%2f..")" 404
	is "overlong network name is 404" \
	    "$(code "$U/networks/$(printf 'x%.0s' $(seq 1 300))")" 404
	is "leases of an unmanaged network are 400" "$(code "$U/networks/lo/leases")" 400
	is "creating a network is 501" "$(code -X POST -d '{"name":' "$U/networks")" 501
	is "deleting a network is 501" "$(code -X DELETE "$U/networks/lo")" 501
	is "unknown pool is 404" "$(code "$U/storage-pools/nosuch/resources")" 404
	is "unknown volume is 404" "$(code "$U/storage-pools/default/volumes/container/nosuch")" 404
	is "unknown snapshot volume is 404" \
	    "$(code "$U/storage-pools/default/volumes/container/web1/snapshots/nosuch")" 404
	is "creating a volume is 501" "$(code -X POST -d '{}' "$U/storage-pools/default/volumes")" 501
fi
# (a kernel without AppArmor gives the engine a warning to work on)
if [ "$API_BACKEND" = local ] &&
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	w=$(C "$U/warnings" | sed -n 's|.*"/1.0/warnings/\([0-9a-f-]*\)".*|\1|p' | head -1)
	like "the engine has a warning to work on" "$w" '^[0-9a-f-]{36}$'
	is "warning PUT with malformed JSON is 400" "$(code -X PUT -d '{"status":' "$U/warnings/$w")" 400
	is "warning PUT that is not an object is 400" "$(code -X PUT -d '["new"]' "$U/warnings/$w")" 400
	is "warning PUT with a number for status is 400" "$(code -X PUT -d '{"status":5}' "$U/warnings/$w")" 400
	is "warning PUT without status is 400" "$(code -X PUT -d '{}' "$U/warnings/$w")" 400
	is "warning PUT with an unknown status is 400" \
	    "$(code -X PUT -d '{"status":"resolved"}' "$U/warnings/$w")" 400
	is "warning PUT on an unknown uuid is 404" \
	    "$(code -X PUT -d '{"status":"new"}' "$U/warnings/nosuch")" 404
	is "warning PATCH acknowledges" \
	    "$(code -X PATCH -d '{"status":"acknowledged"}' "$U/warnings/$w")" 200
	like "... and it says so" "$(C "$U/warnings/$w")" '"status":"acknowledged"'
fi

ok "daemon still answers at the end" alive
api_stop_lxdeckd
done_testing
