#!/bin/sh
# byte_order.sh - io/mem.h gives the same bytes on big- and little-endian
# targets (docs/FORMAT.md: files move between machines). No big-endian
# machine or emulator is needed: clang compiles tests/mem/probe.c for each
# target to LLVM IR at -O2, where every check_* must fold to `ret i32 1`.
#
#   tests/mem/byte_order.sh CLANG ROOT
# Exit 0: all hold on every target; 1: one does not (named); 77: CLANG
# cannot build for these targets (ctest: skipped).
set -eu
clang=$1 root=$2
here=$root/tests/mem
res=$("$clang" -print-resource-dir 2>/dev/null) || exit 77
want=$(grep -c '^int check_' "$here/probe.c")
rc=0
for t in aarch64_be-linux-gnu s390x-linux-gnu powerpc64-linux-gnu aarch64-linux-gnu x86_64-linux-gnu; do
    ir=$("$clang" --target=$t -ffreestanding -nostdinc -isystem "$res/include" -isystem "$here/include" \
        -I"$root" -std=c11 -O2 -S -emit-llvm -o - "$here/probe.c" 2>&1) || {
        echo "byte_order: $clang cannot build for $t"; exit 77; }
    bad=$(printf '%s\n' "$ir" | awk '
        /^define .*@check_/ { name = $0; sub(/^.*@/, "", name); sub(/\(.*$/, "", name); body = ""; next }
        name != "" && /^}/ { if (body != "ret i32 1;") print name; name = ""; next }
        name != "" && /^[ \t]+[^ \t]/ { l = $0; gsub(/^[ \t]+|[ \t]+$/, "", l); body = body l ";" }')
    got=$(printf '%s\n' "$ir" | grep -c '^define .*@check_' || true)
    if [ -n "$bad" ] || [ "$got" -ne "$want" ]; then
        echo "byte_order: $t: wrong bytes from io/mem.h in:" $bad "($got of $want checks compiled)"
        rc=1
    fi
done
[ $rc -eq 0 ] && echo "byte_order: $want checks hold on big- and little-endian targets"
exit $rc
