#!/bin/sh
# layers.sh - keeps the house as built (docs/DESIGN.md "House"): reads every
# `#include "..."` line of core/ io/ cli/ include/ bench/ tests/ and fails
# (exit 1, naming FILE:LINE and the rule) when
#   (a) the SLA rules (core/, not core/engine/) include io/, cli/ or core/engine/;
#   (b) io/ includes cli/ or core/engine/;
#   (c) include/slagg/ includes anything outside include/;
#       (and core/engine/ includes cli/; no library room includes tests/ or bench/)
#   (d) modules form a cycle, a module being a .c and its .h together
#       (core/fleet.c + core/fleet.h): file -> included file, as modules;
#   (e) a header of core/ io/ cli/ declares a function that is defined
#       neither in its own .c nor in a .c named after it plus "_..."
#       (io/shard.h: io/shard_reader.c, io/shard_writer.c). A header that
#       declares another module's functions would hide a cycle from (d).
# An include resolves as the compiler does: next to the including file,
# then from the repository root, then from include/; others are ignored.
#
#   tests/layers.sh [ROOT]       check the tree at ROOT (default: this repository)
#   tests/layers.sh --self-test  check tests/layers/fixture-bad/, which breaks every
#                                rule, and compare with its expected.txt
# POSIX sh and awk only (mawk is enough).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = "--self-test" ]; then
    fixture="$here/layers/fixture-bad"
    rc=0
    got=$(sh "$0" "$fixture") || rc=$?
    if [ "$rc" -ne 1 ]; then
        printf 'layers.sh --self-test: exit %s on the bad tree, want 1; output:\n%s\n' "$rc" "$got"
        exit 1
    fi
    if [ "$got" != "$(cat "$fixture/expected.txt")" ]; then
        printf 'layers.sh --self-test: output differs from %s\n' "$fixture/expected.txt"
        printf '%s\n' "$got" | diff "$fixture/expected.txt" - || true
        exit 1
    fi
    echo "layers.sh --self-test: every break of the bad tree found"
    exit 0
fi

root=${1:-$here/..}
cd "$root"
dirs=
for d in core io cli include bench tests; do [ -d "$d" ] && dirs="$dirs $d"; done
[ -n "$dirs" ] || { echo "layers.sh: no core/ io/ cli/ include/ bench/ tests/ in $root"; exit 2; }
# shellcheck disable=SC2086
files=$(find $dirs -type f \( -name '*.c' -o -name '*.h' \) | grep -v '^tests/layers/' | LC_ALL=C sort)
[ -n "$files" ] || { echo "layers.sh: no .c or .h file under $root"; exit 2; }

# shellcheck disable=SC2086
exec awk '
function layer(p) {
    if (p ~ /^include\//) return "api"
    if (p ~ /^core\/engine\//) return "engine"
    if (p ~ /^core\//) return "rules"
    if (p ~ /^io\//) return "io"
    if (p ~ /^cli\//) return "cli"
    if (p ~ /^(tests|bench)\//) return "tool"
    return "other"
}
function module(p) { sub(/\.[ch]$/, "", p); return p }
function dirof(p) { if (!sub(/\/[^\/]*$/, "", p)) return ""; return p "/" }
function resolve(from, x,   d) {
    d = dirof(from)
    if ((d x) in known) return d x
    if (x in known) return x
    if (("include/" x) in known) return "include/" x
    return ""
}
function report(msg) { nbad++; bad[nbad] = msg }
function dfs(u,   k, v, i, s) {
    color[u] = 1
    sp++
    stk[sp] = u
    pos[u] = sp
    for (k = 1; k <= nadj[u]; k++) {
        v = adj[u, k]
        if (color[v] == 1) {
            s = "cycle: " stk[pos[v]]
            for (i = pos[v] + 1; i <= sp; i++) s = s " -> " stk[i]
            s = s " -> " v
            for (i = pos[v]; i < sp; i++) s = s "\n  " stk[i] " -> " stk[i + 1] ": " eloc[stk[i], stk[i + 1]]
            s = s "\n  " u " -> " v ": " eloc[u, v]
            report(s)
        } else if (color[v] == 0) {
            dfs(v)
        }
    }
    color[u] = 2
    sp--
}
BEGIN {
    for (i = 1; i < ARGC; i++) known[ARGV[i]] = 1
    may["api"] = " api ";                        say["api"] = "include/slagg/ may include only include/"
    may["rules"] = " rules api ";                say["rules"] = "core/ (the SLA rules) may include only core/ (not core/engine/) and include/"
    may["io"] = " io rules api ";                say["io"] = "io/ may include only io/, core/ (not core/engine/) and include/"
    may["engine"] = " engine io rules api ";     say["engine"] = "core/engine/ may include only core/, io/ and include/"
    may["cli"] = " cli engine io rules api ";    say["cli"] = "cli/ may include only cli/, core/, io/ and include/"
}
FNR == 1 { incomment = 0; nfiles++ }
{
    line = $0
    if (incomment) {
        if (index(line, "*/") == 0) next
        incomment = 0
        line = substr(line, index(line, "*/") + 2)
    }
    # a block comment opened and not closed on this line
    if ((c = index(line, "/*")) > 0 && index(substr(line, c + 2), "*/") == 0) {
        incomment = 1
        line = substr(line, 1, c - 1)
    }
}
line ~ /^[ \t]*#[ \t]*include[ \t]*"/ {
    x = line
    sub(/^[^"]*"/, "", x)
    sub(/".*$/, "", x)
    t = resolve(FILENAME, x)
    if (t == "") next
    nincl++
    lf = layer(FILENAME)
    lt = layer(t)
    if ((lf in may) && index(may[lf], " " lt " ") == 0)
        report(FILENAME ":" FNR ": includes " t ": " say[lf])
    a = module(FILENAME)
    b = module(t)
    if (a != b && !((a, b) in eloc)) {
        eloc[a, b] = FILENAME ":" FNR
        nadj[a]++
        adj[a, nadj[a]] = b
    }
    next
}
# (e): column-0 function declarations of headers, definitions of sources
FILENAME ~ /^(core|io|cli)\// && line ~ /^[A-Za-z_]/ && line !~ /^(static|typedef|struct|enum|union|extern)[ \t]/ &&
    match(line, /slagg_[A-Za-z0-9_]*\(/) {
    name = substr(line, RSTART, RLENGTH - 1)
    if (FILENAME ~ /\.h$/) {
        nd++
        dname[nd] = name
        dfile[nd] = FILENAME
        dline[nd] = FNR
    } else if (line !~ /;[ \t]*$/) {
        def[name] = def[name] " " FILENAME
    }
}
END {
    for (k = 1; k <= nd; k++) {
        name = dname[k]
        if (!(name in def)) continue
        h = module(dfile[k])
        n = split(def[name], ds, " ")
        ok = 0
        for (i = 1; i <= n; i++) {
            m = module(ds[i])
            if (m == h || index(m, h "_") == 1) ok = 1
        }
        if (!ok)
            report(dfile[k] ":" dline[k] ": declares " name ", defined in " ds[1] \
                   ": a header declares only what its own .c (or a " h "_*.c) defines")
    }
    for (i = 1; i < ARGC; i++) {
        m = module(ARGV[i])
        if (!(m in color)) { color[m] = 0; nmod++; mods[nmod] = m }
    }
    for (i = 1; i <= nmod; i++) if (color[mods[i]] == 0) dfs(mods[i])
    for (i = 1; i <= nbad; i++) print bad[i]
    if (nbad) {
        printf "layers: %d break(s) of the layers (docs/DESIGN.md \"House\")\n", nbad
        exit 1
    }
    printf "layers: %d files, %d includes, %d modules: no layer broken, no cycle\n", nfiles, nincl, nmod
}
' $files
