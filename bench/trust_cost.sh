#!/usr/bin/env bash
# bench/trust_cost.sh OLD_SLAGG NEW_SLAGG - what the trust and house work
# (coverage bit per record, generation commit, manifest hashing, bounded
# shard pool) cost the fold: the same fleets folded by two binaries,
# interleaved, best of N, on the fleets issues 13 and 14 start from
# (5x10^7 records / 20 k accounts as shards; 5x10^6 records / 20 k
# accounts as CSV). Prints wall seconds and peak RSS. Run on an idle
# machine (uptime is printed before and after).
set -euo pipefail
old=$1 new=$2 n=${BENCH_REPEAT:-3}
dir=${BENCH_DIR:-bench/data/trust}
mkdir -p "$dir"
uptime
[ -f "$dir/sh/contracts.csv" ] || "$new" gen --shards --records 50000000 --accounts 20000 --seed 1 --out "$dir/sh" --quiet
[ -f "$dir/csv/contracts.csv" ] || "$new" gen --files 2 --records 5000000 --accounts 20000 --seed 1 --out "$dir/csv" --quiet
run() { # BIN FLEET GLOB THREADS -> "seconds maxrss_kb"
    local bin=$1 f=$2 glob=$3 th=$4 out
    out=$(mktemp -d)
    /usr/bin/time -f "%e %M" -o "$out/t" "$bin" fold --quiet --threads "$th" --out "$out/o" \
        --contracts "$f/contracts.csv" --fees "$f/fees.csv" --maintenance "$f/maintenance.csv" \
        --holidays "$f/holidays.csv" $f/$glob >/dev/null 2>&1
    cat "$out/t"; rm -rf "$out"
}
for case in "shards 2 sh records-*.shard" "shards 1 sh records-*.shard" "csv 2 csv records-*.csv"; do
    set -- $case
    best_o=999999 best_n=999999 rss_o=0 rss_n=0
    for ((i = 0; i < n; i++)); do
        read -r s m < <(run "$old" "$dir/$3" "$4" "$2")
        awk -v a="$s" -v b="$best_o" 'BEGIN{exit !(a<b)}' && best_o=$s rss_o=$m
        read -r s m < <(run "$new" "$dir/$3" "$4" "$2")
        awk -v a="$s" -v b="$best_n" 'BEGIN{exit !(a<b)}' && best_n=$s rss_n=$m
    done
    printf '%-7s threads %s: old %6.2f s %7d KB   new %6.2f s %7d KB   new/old %.3f\n' \
        "$1" "$2" "$best_o" "$rss_o" "$best_n" "$rss_n" "$(awk -v a="$best_n" -v b="$best_o" 'BEGIN{print a/b}')"
done
uptime
