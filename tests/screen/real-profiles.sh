#!/bin/bash
# The profile editor over the real engine: the list, the form (the
# engine's validation error next to the field, the expanded-config preview,
# a concurrent change detected), YAML edit in $EDITOR (round trip, invalid
# YAML re-opens the editor and changes nothing until a valid save, quitting
# unchanged changes nothing), create/copy/rename/delete (refused while in
# use, naming the users), assign/unassign on the list's marked instances.
. "$(dirname "$0")/real-lib.bash"

E profile-create lim >/dev/null && E profile-set lim limits.memory=64MiB >/dev/null &&
    E launch busybox rp-a -p default -p lim >/dev/null && E init busybox rp-b >/dev/null
ok "profile lim used by rp-a" test "$(E profile-list | grep '^lim ')" = "lim 1"
mem() { E profile-show lim | sed -n 's/^  limits.memory: //p'; }

out=$(rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; dump")
like "list: used_by count and devices" "$out" "default +.* 2 +eth0\(nic\) root\(disk\)"
like "list: lim used by one, no devices" "$out" "lim +1 +-"

# Rows of the form: 0 header, 1 description, 2 Config, 3 limits.memory.
out=$(SIZE=100x30 rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys G; key Enter; wait-text 'Profile lim on local:'; keys jj; key Enter; wait-text 'limits.memory = 64MiB'; key C-u; keys 'lots\\r'; wait-text '+ limits.memory: lots'; keys w; wait-text 'not saved'; dump")
like "form: the users by name" "$out" "Profile lim on local: +used by 1 \(rp-a\)"
like "preview: expanded config of a user, before and after" "$out" "Preview: expanded config of rp-a"
like "preview: the change as a diff" "$out" "- limits.memory: 64MiB"
like "engine's validation error next to the field" "$out" "limits.memory = lots +<- .*limits.memory.*lots"
like "title says modified" "$out" "Profile lim +\[modified\]"
is "nothing saved" "$(mem)" "64MiB"

out=$(SIZE=100x30 rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys G; key Enter; wait-text 'Profile lim on local:'; keys jj; key Enter; key C-u; keys '96MiB\\r'; wait-text '+ limits.memory: 96MiB'; keys w; wait-text 'saved on local:'; row 28")
like "valid value saved" "$out" 'Profile "lim" saved on local:'
is "... in the engine" "$(mem)" "96MiB"

out=$(SIZE=100x30 rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys G; key Enter; wait-text 'Profile lim on local:'; shell $ENGCTL profile-set lim user.other=1 >/dev/null; keys a; keys 'user.mine=2\\r'; keys w; wait-text 'changed elsewhere'; row 28; keys R; wait-text 'user.other = 1'; dump")
like "concurrent change detected on save" "$out" 'Profile "lim" was changed elsewhere since it was opened'
like "R reloads theirs" "$out" "user.other = 1"
nok "... the edit was not saved over it" sh -c "$ENGCTL profile-show lim | grep -q user.mine"

# YAML round trip: an "editor" that rewrites the file; a second, that changes
# nothing, sees exactly what the first one saved.
cat >"$SCREEN_TMP/ed-rewrite" <<'ED'
#!/bin/sh
sed -i "s/^  limits.memory: .*/  limits.memory: 128MiB\n  user.note: 'hello: world'/" "$1"
grep -v '^#' "$1" > "$(dirname "$0")/saved.yaml"
ED
cat >"$SCREEN_TMP/ed-look" <<'ED'
#!/bin/sh
grep -v '^#' "$1" > "$(dirname "$0")/looked.yaml"
# what the editor inherited beyond stdin, stdout, stderr (and this script)
ls -l /proc/$$/fd | awk 'NR > 1 && $9 > 2 {print $9, $10, $11}' |
    grep -v 'ed-look$' > "$(dirname "$0")/editor-fds"
exit 0
ED
chmod +x "$SCREEN_TMP"/ed-*
out=$(VT_ENV="EDITOR=$SCREEN_TMP/ed-rewrite" rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys G; keys e; wait-text 'saved on local:'; row 22")
like "e: edited as YAML and saved" "$out" 'Profile "lim" saved on local:'
is "YAML edit applied: limits.memory" "$(mem)" "128MiB"
like "YAML edit applied: a quoted value" "$(E profile-show lim)" "user.note: hello: world"
like "the YAML has lxc's shape" "$(cat "$SCREEN_TMP/saved.yaml")" "^config:
  limits.memory: 128MiB
  user.note: .hello: world.
  user.other: .?1.?
description: .*
devices: \{\}
name: lim
used_by:
- /1.0/instances/rp-a$"
out=$(VT_ENV="EDITOR=$SCREEN_TMP/ed-look" rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys G; keys e; wait-text 'unchanged'; row 22")
like "quit without change: unchanged" "$out" 'Profile "lim" unchanged'
ok "round trip: read back equal to what was saved" cmp "$SCREEN_TMP/saved.yaml" "$SCREEN_TMP/looked.yaml"
is "the editor inherits none of the TUI's fds (sockets, database, loop)" \
    "$(cat "$SCREEN_TMP/editor-fds")" ""

# Invalid YAML: the editor re-opens with the error on top; the profile is
# unchanged until a valid save.
cat >"$SCREEN_TMP/ed-bad" <<ED
#!/bin/sh
n=\$(cat "$SCREEN_TMP/count" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n > "$SCREEN_TMP/count"
cp "\$1" "$SCREEN_TMP/round\$n.yaml"
$ENGCTL profile-show lim > "$SCREEN_TMP/profile\$n.txt"
case \$n in
1) printf 'config: [\n' > "\$1" ;;
2) printf 'config:\n  limits.memory: lots\n' > "\$1" ;;
3) printf 'config:\n  limits.memory: 32MiB\ndescription: fixed\n' > "\$1" ;;
esac
ED
chmod +x "$SCREEN_TMP/ed-bad"
out=$(VT_ENV="EDITOR=$SCREEN_TMP/ed-bad" rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys G; keys e; wait-text 'saved on local:'; row 22")
is "the editor ran three times" "$(cat "$SCREEN_TMP/count")" "3"
like "2nd round: the YAML error on top" "$(head -1 "$SCREEN_TMP/round2.yaml")" "^# Error: YAML error at line"
like "... with what the user wrote under it" "$(cat "$SCREEN_TMP/round2.yaml")" "config: \["
like "3rd round: the engine's validation error on top" "$(head -1 "$SCREEN_TMP/round3.yaml")" "^# Error: .*limits.memory.*lots"
like "profile unchanged while the editor re-opened (2nd)" "$(cat "$SCREEN_TMP/profile2.txt")" "limits.memory: 128MiB"
like "profile unchanged while the editor re-opened (3rd)" "$(cat "$SCREEN_TMP/profile3.txt")" "limits.memory: 128MiB"
is "the valid save applied" "$(mem)" "32MiB"

out=$(rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys G; keys d; wait-text '[y/N]'; row 22; keys y; wait-text 'in use'; row 22")
like "delete asks naming remote and profile" "$out" 'Delete profile "lim" on local:\?'
like "delete refused while in use, naming the users" "$out" 'lim.*in use by.*rp-a'
like "... still there" "$(E profile-list)" "lim 1"

out=$(rvt "wait-text rp-b; keys P; wait-text 'Profiles (3)'; keys n; keys 'newp\\r'; wait-text 'Profiles (4)'; keys G; keys C; keys 'newp2\\r'; wait-text 'Profiles (5)'; keys G; keys m; key C-u; keys 'newp3\\r'; wait-text newp3; keys G; keys d; keys y; wait-text 'Profiles (4)'; dump")
like "create, copy, rename, delete" "$(E profile-list | awk '{print $1}' | tr '\n' ' ')" "^default docker lim newp $"

# Assign lim to the marked rp-b, then unassign it.  List rows: rp-a, rp-b.
out=$(rvt "wait-text rp-b; keys j; keys ' '; wait-text '1 marked'; keys P; wait-text 'Profiles ('; keys jj; keys a; wait-text 'Profiles of \"rp-b\": default,lim'; row 22")
like "assign: the new order shown" "$out" 'Profiles of "rp-b": default,lim'
like "... applied" "$(E show rp-b | grep '^profiles:')" "profiles: default,lim$"
out=$(rvt "wait-text rp-b; keys j; keys ' '; keys P; wait-text 'Profiles ('; keys jj; keys u; wait-text 'Profiles of \"rp-b\": default'; row 22")
like "unassign" "$(E show rp-b | grep '^profiles:')" "profiles: default$"
done_testing
