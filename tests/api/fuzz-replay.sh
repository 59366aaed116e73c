#!/bin/bash
# fuzz-replay.sh - every parser of outside input (HTTP heads and chunked
# bodies, the JSON codecs and per-endpoint fields, the filter language,
# websocket frames the client reads, profile YAML, image metadata.yaml,
# image tarballs' member names, simplestreams catalogs, and whole requests
# through lxdeckd's handlers on the fake backend: tests/fuzz/fuzz-*.c)
# replays the committed fuzz corpus under ASan and UBSan: every input that
# once crashed or was interesting must parse or be refused cleanly.
# tests/fuzz/run-fuzz --libfuzzer fuzzes further (not here).
. "$(dirname "$0")/../lib.sh"
out=$(cd "$LXDECK_SRC" && B=$BUILD tests/fuzz/run-fuzz 2>&1)
rc=$?
n=$(grep -c '^replayed ' <<<"$out")
ok "the fuzzers build and replay the corpus" test "$rc" -eq 0
ok "the corpus is not empty ($n inputs)" test "$n" -gt 0
nok "no sanitizer report" grep -qE 'ERROR: AddressSanitizer|runtime error:' <<<"$out"
[ "$rc" -eq 0 ] || tail -20 <<<"$out" | sed 's/^/# /'
done_testing
