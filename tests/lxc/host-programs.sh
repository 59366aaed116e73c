#!/bin/bash
# host-programs.sh - every program lxdeck runs is installed by
# scripts/install-deps and there on the PATH (zstd once was not: "tar
# failed: zstd: not found" on a fresh host).
#
# The programs are read from the sources, not from a list kept by hand:
# the first string of each NULL-terminated array given to util_run,
# util_run_output or util_exec in common/ core/ engine/ remote/ tui/ (a
# #define resolved), the
# first string assigned to argv[n++] in a function, execl()'s path, and
# tar's compressors (tar -I PROG, engine/image.c's { "zstd", "--zstd", ... }
# table).  Each must be in
# install-deps's PROGRAMS table under the file that runs it; every line of
# the table must still be true (the file still runs it, the package ships
# it); each program not marked optional must be on the PATH with its
# package installed.  Needs nothing but the tree and python3.
. "$(dirname "$0")/../lib.sh"
cd "$LXDECK_SRC" || exit 1
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

found=$(python3 - common core engine remote tui <<'PY'
import os, re, sys
seen = set()
for top in sys.argv[1:]:
    for d, _, files in os.walk(top):
        for f in sorted(files):
            if not f.endswith('.c'):
                continue
            path = os.path.join(d, f)
            src = re.sub(r'/\*.*?\*/', ' ', open(path).read(), flags=re.S)
            defs = dict(re.findall(r'#define\s+([A-Z_]+)\s+"([^"]*)"', src))
            progs = []
            run = set(re.findall(r'\butil_(?:run|run_output|exec)\(\s*(\w+)', src))
            for m in re.finditer(r'(\w+)\[\]\s*=\s*\{([^{}]*)\}', src):
                items = [x.strip() for x in m.group(2).split(',')]
                if m.group(1) not in run or items[-1] != 'NULL':
                    continue
                first = items[0]
                if first.startswith('"'):
                    progs.append(first.strip('"'))
                elif first in defs:
                    progs.append(defs[first])
            for fn in re.split(r'\n}\n', src):
                progs += re.findall(r'argv\[n\+\+\]\s*=\s*"([^"-][^"]*)"', fn)[:1]
            progs += re.findall(r'"-I";\s*argv\[n\+\+\]\s*=\s*"(\w+)', src)
            progs += re.findall(r'\bexecl\(\s*"([^"]+)"', src)
            progs += [c for c, o in re.findall(r'\{\s*"(\w+)",\s*"--(\w+)"', src) if c == o]
            for p in progs:
                p = os.path.basename(p)
                if (p, path) not in seen:
                    seen.add((p, path))
                    print(p, path)
PY
)
table=$(scripts/install-deps --programs)
packages=$(scripts/install-deps --packages)
ok "the sources run programs (the extraction works)" test "$(echo "$found" | wc -l)" -ge 10

# Each program the sources run: in the table, under that file.
while read -r prog file; do
	[ -n "$prog" ] || continue
	row=$(awk -v p="$prog" '$1 == p' <<<"$table")
	like "$file runs $prog: install-deps names it" "$row" "^$prog "
done <<<"$found"

# ships PKG PROG: PKG is installed and has PROG in a bin directory, or owns
# what the PATH's PROG resolves to (alternatives: lzma is xz).
ships() {
	local real
	dpkg -L "$1" 2>/dev/null | grep -qE "/s?bin/$2\$" && return 0
	real=$(readlink -f "$(command -v "$2")") && [ -n "$real" ] &&
	    dpkg -S "$real" 2>/dev/null | grep -q "^$1:"
}

# Each line of the table: still true, and on this host.
while read -r prog pkg rest; do
	who=${rest%%optional:*}
	for w in $who; do
		case $w in
		tests)
			ok "$prog (tests): the suites or scripts run it" \
			    grep -rqwE -- "$prog" tests scripts --include='*.sh' --include='*.bash' \
			    --include='*.inc' --include='*.py' --include='run-*' ;;
		liblxc)
			ok "$prog (liblxc): liblxc runs it" grep -qaF "$prog" \
			    "$(ldconfig -p | awk '/liblxc\.so\.1 / {print $NF; exit}')" ;;
		*)
			ok "$prog: $w runs it" grep -qx -- "$prog $w" <<<"$found" ;;
		esac
	done
	if [ "$pkg" = - ]; then
		skip "$prog: installed" "${rest#*optional: }"
		continue
	fi
	ok "$prog: its package $pkg is one install-deps installs" grep -qx -- "$pkg" <<<"$packages"
	ok "$prog: $pkg is installed and ships it" ships "$pkg" "$prog"
	ok "$prog: on the PATH" command -v "$prog"
done <<<"$table"
done_testing
