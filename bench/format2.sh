#!/usr/bin/env bash
# format2.sh - issue 14: shard format 2.0 and the sparse fold against 1.0
# and the ring engine, on the same records, same binary. Run by
# `./run bench-format2`.
#
#   bench/format2.sh [SHAPE...]     SHAPE = RECORDS/ACCOUNTS (default: the
#                                   three of issue 14: 1000000000/100000,
#                                   50000000/20000, 200000000/1000)
#
# Per shape (fleets in bench/data/f1-R-A (1.0) and f2-R-A (2.0), made by
# `slagg gen --shards --shard-format N --seed 1`, kept):
#   - bytes of both formats, and gen's time for each;
#   - `slagg fold` (the whole command, best of $BENCH_REPEAT, 2 and 1
#     threads): 1.0 shards (the ring engine), 2.0 shards (the sparse fold),
#     2.0 with SLAGG_NO_SPARSE=1 (the ring engine reading 2.0 blocks), and
#     the sparse fold under SLAGG_FORCE_ISA=scalar and =avx2 (=avx512 where
#     the CPU has it); every output compared with the 1.0 fold's bytes;
#   - one shard's `fold --partial` (1.0 and 2.0: the ring engine either way);
#   - `slagg pack` of 5x10^6 CSV records (bench/data/c5m) into 1.0 and 2.0.
# Waits for an idle machine first; prints one Markdown report (load before
# and after each figure) and writes it to bench/RESULTS.md under
# "## Shard format 2.0 and the sparse fold (issue 14)".
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

REPEAT=${BENCH_REPEAT:-2}
IDLE_LOAD=${BENCH_IDLE_LOAD:-1.5}
IDLE_WAIT=${BENCH_IDLE_WAIT:-600}
IDLE_OK=yes
BUILD=${BENCH_BUILD_DIR:-build-bench}
SLAGG=$BUILD/slagg
DATA=bench/data
SECTION="## Shard format 2.0 and the sparse fold (issue 14)"
SHAPES=("$@")
[ ${#SHAPES[@]} -gt 0 ] || SHAPES=(1000000000/100000 50000000/20000 200000000/1000)

./run setup >/dev/null
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSLAGG_BUILD_BENCH=ON -DSLAGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
REPORT=""
add() { REPORT+="$*"$'\n'; }

# best WALL/RSS of REPEAT runs of `slagg fold` of DIR's shards (env: the
# rest of the arguments) into $OUT/NAME; the tables are always $TABLES's,
# whose paths the outputs name
best_fold() {
    local name=$1 dir=$2 threads=$3 bw="" br=""
    shift 3
    local t=$TABLES
    for _ in $(seq "$REPEAT"); do
        rm -rf "$OUT/$name"
        time_v "$OUT/time.log" 0 env "$@" "$SLAGG" fold --quiet --threads "$threads" --out "$OUT/$name" \
            --contracts "$t/contracts.csv" --fees "$t/fees.csv" --holidays "$t/holidays.csv" \
            --maintenance "$t/maintenance.csv" "$dir"/records-*.shard
        [ "$RC" -eq 0 ] || { echo "format2.sh: fold $name failed" >&2; exit 1; }
        if [ -z "$bw" ] || awk -v a="$WALL" -v b="$bw" 'BEGIN {exit !(a < b)}'; then bw=$WALL; br=$RSS_KB; fi
    done
    WALL=$bw
    RSS_KB=$br
}

same_as() {
    for f in finance.csv finance.jsonl summary.json availability.slagg; do
        cmp -s "$OUT/$1/$f" "$OUT/$2/$f" || { echo "format2.sh: $2/$f differs from $1/$f" >&2; exit 1; }
    done
}

isas=(scalar avx2)
grep -q avx512bw /proc/cpuinfo && isas+=(avx512)
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
add "Run by \`bench/format2.sh\` (\`./run bench-format2\`) on $(date -u '+%Y-%m-%d %H:%M') UTC: $(nproc) CPUs ($cpu; $(grep -o -m1 'avx512bw\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')), slagg $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + uncommitted changes'). Whole \`slagg fold\` commands, best of $REPEAT, page cache warm; load average (1 min) before / after each row."
add ""

for shape in "${SHAPES[@]}"; do
    R=${shape%/*}
    A=${shape#*/}
    for fmt in 1 2; do
        d=$DATA/f$fmt-$R-$A
        if [ ! -f "$d/.complete" ]; then
            say "generating $R records, $A accounts, format $fmt into $d"
            rm -rf "$d"
            t0=$(now)
            "$SLAGG" gen --quiet --shards --shard-format "$fmt" --records "$R" --accounts "$A" --seed 1 --out "$d"
            awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f\n", b - a}' > "$d/.gen_seconds"
            touch "$d/.complete"
        fi
    done
    d1=$DATA/f1-$R-$A
    d2=$DATA/f2-$R-$A
    TABLES=$d1   # the same records and tables in both (gen --seed 1)
    b1=$(cat "$d1"/records-*.shard | wc -c)
    b2=$(cat "$d2"/records-*.shard | wc -c)
    add "### $R records, $A accounts"
    add ""
    add "Shards: 1.0 $b1 bytes ($(awk -v b="$b1" -v r="$R" 'BEGIN {printf "%.3f", b / r}') B/record, gen $(cat "$d1/.gen_seconds") s), 2.0 $b2 bytes ($(awk -v b="$b2" -v r="$R" 'BEGIN {printf "%.3f", b / r}') B/record, gen $(cat "$d2/.gen_seconds") s): 2.0 / 1.0 = **$(awk -v a="$b2" -v b="$b1" 'BEGIN {printf "%.3f", a / b}')x** (gen times are not from an idle machine)."
    add ""
    add "| what | threads | seconds | records/s | peak RSS | load before / after |"
    add "| --- | ---: | ---: | ---: | ---: | --- |"
    wait_idle
    for t in 2 1; do
        for v in "1.0 shards (ring engine)|f1|$d1|" "2.0 shards (sparse fold)|f2|$d2|" \
                 "2.0 shards, SLAGG_NO_SPARSE=1 (ring engine)|f2ring|$d2|SLAGG_NO_SPARSE=1"; do
            IFS='|' read -r label name dir envs <<< "$v"
            l0=$(load)
            best_fold "$name-$t" "$dir" "$t" $envs
            add "| $label | $t | $WALL | $(awk -v n="$R" -v s="$WALL" 'BEGIN {printf "%.1f M", n / 1e6 / s}') | $(mib "$RSS_KB") | $l0 / $(load) |"
            [ "$name" = f1 ] && [ "$t" = 2 ] || same_as f1-2 "$name-$t"
        done
    done
    for isa in "${isas[@]}"; do
        l0=$(load)
        best_fold "isa-$isa" "$d2" 2 SLAGG_FORCE_ISA="$isa"
        add "| 2.0 sparse fold, SLAGG_FORCE_ISA=$isa | 2 | $WALL | $(awk -v n="$R" -v s="$WALL" 'BEGIN {printf "%.1f M", n / 1e6 / s}') | $(mib "$RSS_KB") | $l0 / $(load) |"
        same_as f1-2 "isa-$isa"
    done
    for fmt in 1 2; do
        d=$DATA/f$fmt-$R-$A
        s0=$(ls "$d"/records-*.shard | head -n 1)
        l0=$(load)
        rm -f "$OUT/p.partial"
        time_v "$OUT/time.log" 0 "$SLAGG" fold --quiet --threads 2 --partial "$OUT/p.partial" \
            --contracts "$d/contracts.csv" --maintenance "$d/maintenance.csv" "$s0"
        add "| one shard's \`fold --partial\`, $fmt.0 ($(basename "$s0"), $(stat -c %s "$OUT/p.partial") partial bytes) | 2 | $WALL | | $(mib "$RSS_KB") | $l0 / $(load) |"
    done
    add ""
done

if [ -d "$DATA/c5m" ]; then
    add "### pack: 5x10^6 CSV records (bench/data/c5m, 2 files)"
    add ""
    add "| format | seconds | peak RSS | load before / after |"
    add "| --- | ---: | ---: | --- |"
    wait_idle
    for fmt in 1 2; do
        bw=""
        for _ in $(seq "$REPEAT"); do
            rm -rf "$OUT/pack"
            l0=$(load)
            time_v "$OUT/time.log" 0 "$SLAGG" pack --quiet --shard-format "$fmt" --out "$OUT/pack" "$DATA"/c5m/records-*.csv
            if [ -z "$bw" ] || awk -v a="$WALL" -v b="$bw" 'BEGIN {exit !(a < b)}'; then bw=$WALL; br=$RSS_KB; bl="$l0 / $(load)"; fi
        done
        add "| $fmt.0 | $bw | $(mib "$br") | $bl |"
    done
    add ""
fi
[ "$IDLE_OK" = yes ] || add "Warning: the machine was not idle before every measurement (see the load column)."
printf '%s\n' "$REPORT"
write_section bench/RESULTS.md "$SECTION" "$SECTION"$'\n\n'"$REPORT"
