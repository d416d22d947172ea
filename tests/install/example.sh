#!/bin/sh
# example.sh BUILD_DIR SOURCE_DIR CC - ctest install_example (docs/DESIGN.md
# "The job API"): `cmake --install` into a temporary prefix, the example
# docs/example/fold_example.c built from that prefix with pkg-config only
# (no source-tree include path), run on a small fleet, and its five
# outputs compared byte for byte (cmp) with the installed CLI's.
set -eu
build=$1 src=$2 cc=${3:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/slagg lib/libslagg.a include/slagg/slagg.h include/slagg/fold.h include/slagg/shard.h \
         lib/pkgconfig/slagg.pc; do
    [ -e "$prefix/$f" ] || { echo "not installed: $f" >&2; exit 1; }
done
# only the public API is installed
if ls "$prefix/include" | grep -qv '^slagg$' || ls "$prefix/include/slagg" | grep -qv '^\(slagg\|fold\|shard\)\.h$'; then
    echo "more than the public headers installed:" >&2; ls -R "$prefix/include" >&2; exit 1
fi
cd "$tmp"
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs slagg)
"$cc" -std=c11 -Wall -Wextra -Werror "$src/docs/example/fold_example.c" $flags -o fold_example
"$prefix/bin/slagg" gen --out fleet --records 20000 --accounts 12 --seed 5 >/dev/null
"$prefix/bin/slagg" pack --out shards fleet/records-* >/dev/null
for inputs in text shards; do
    if [ $inputs = text ]; then set -- fleet/records-*; else set -- shards; fi
    "$prefix/bin/slagg" fold --quiet --out "cli-$inputs" --contracts fleet/contracts.csv --fees fleet/fees.csv \
        --maintenance fleet/maintenance.csv --holidays fleet/holidays.csv "$@" 2>/dev/null
    [ $inputs = shards ] && set -- shards/*
    ./fold_example "api-$inputs" fleet/contracts.csv fleet/fees.csv fleet/maintenance.csv fleet/holidays.csv \
        "$@" >"api-$inputs.out" 2>/dev/null
    grep -q "^fold_example (libslagg 0.1.0): 20000 records from 2 inputs" "api-$inputs.out"
    for f in finance.csv finance.jsonl summary.json availability.slagg manifest.json; do
        cmp "cli-$inputs/$f" "api-$inputs/$f"
    done
done
echo "install_example: the installed API's outputs equal the CLI's"
