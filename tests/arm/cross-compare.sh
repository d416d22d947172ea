#!/usr/bin/env bash
# cross-compare.sh X86_SLAGG ARM_SLAGG [WORKDIR] - issue 6 (docs/ARM.md):
# the x86-64 binary and the aarch64 binary (under $SLAGG_EMULATOR, default
# qemu-aarch64 -L /usr/aarch64-linux-gnu) give the same bytes, and read
# each other's files:
#   1. gen: the same fleet (CSV logs, zstd NDJSON logs, gen --shards)
#   2. fold of CSV logs, of zstd NDJSON logs, of shards (packed on either
#      side, gen --shards): finance.csv, finance.jsonl, summary.json and
#      availability.slagg byte for byte; on ARM also SLAGG_FORCE_ISA=scalar
#      and =neon
#   3. pack on x86 -> cat / inspect --blocks / fold on ARM, and the reverse
#   4. fold on x86 -> inspect --periods / export on ARM, and the reverse
# Prints one line per comparison and "N passed, N failed".
set -uo pipefail
X86=$(realpath "$1")
ARM=$(realpath "$2")
W=${3:-$(mktemp -d /tmp/slagg-xarch-XXXXXX)}
mkdir -p "$W"
W=$(realpath "$W")
read -r -a EMU <<<"${SLAGG_EMULATOR:-qemu-aarch64 -L /usr/aarch64-linux-gnu}"
RECORDS=${SLAGG_XARCH_RECORDS:-300000}
ACCOUNTS=${SLAGG_XARCH_ACCOUNTS:-150}
pass=0 fail=0 known=0
GEN_STRICT=${SLAGG_XARCH_STRICT_GEN:-0}

x86() { "$X86" "$@"; }
arm() { "${EMU[@]}" "$ARM" "$@"; }
ok() { printf '  ok    %s\n' "$*"; pass=$((pass + 1)); }
bad() { printf '  FAIL  %s\n' "$*"; fail=$((fail + 1)); }
# same FILE_A FILE_B WHAT
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3 ($1 vs $2)"; fi; }
# same_dir DIR_A DIR_B WHAT: every file of DIR_A, byte for byte, and no other file
same_dir() {
    local f n=0 diffs=()
    local strict=${4:-1}
    for f in "$1"/*; do
        n=$((n + 1))
        cmp -s "$f" "$2/$(basename "$f")" || diffs+=("$(basename "$f")")
    done
    [ "$(ls "$1" | wc -l)" = "$(ls "$2" | wc -l)" ] || diffs+=("(file count)")
    if [ "$n" -gt 0 ] && [ ${#diffs[@]} -eq 0 ]; then ok "$3 ($n files)"
    elif [ "$strict" = 1 ]; then bad "$3: ${diffs[*]:-empty}"
    else printf '  KNOWN %s: %s differ (docs/ARM.md "Known differences"; SLAGG_XARCH_STRICT_GEN=1 fails on it)\n' "$3" "${diffs[*]}"; known=$((known + 1)); fi
}
OUTS=(finance.csv finance.jsonl summary.json availability.slagg)
# same_outs OUT_A OUT_B WHAT [N]: the four outputs of a fold (N=3: the
# three that export writes)
same_outs() {
    local f diffs=() OUTS=("${OUTS[@]:0:${4:-4}}")
    for f in "${OUTS[@]}"; do cmp -s "$1/$f" "$2/$f" || diffs+=("$f"); done
    if [ ${#diffs[@]} -eq 0 ]; then ok "$3 (${OUTS[*]})"; else bad "$3: ${diffs[*]} differ"; fi
}
run() { # run SIDE LOG ARGS...: fails the comparison set on a non-zero exit
    local side=$1 log=$2; shift 2
    "$side" "$@" >"$log" 2>&1
    local rc=$?
    if [ $rc -ne 0 ]; then bad "$side $* (exit $rc, see $W/$log)"; return 1; fi
}
tables() { echo --contracts "$1/contracts.csv" --fees "$1/fees.csv" --maintenance "$1/maintenance.csv" --holidays "$1/holidays.csv"; }

cd "$W" || exit 3
echo "cross-architecture comparison in $W ($RECORDS records, $ACCOUNTS accounts)"
echo "x86-64:  $X86"
echo "aarch64: ${EMU[*]} $ARM"

echo "-- gen"
G=(--records "$RECORDS" --accounts "$ACCOUNTS" --seed 6)
run x86 gen-x86.log gen --out x86/fleet "${G[@]}"
run arm gen-arm.log gen --out arm/fleet "${G[@]}"
same_dir x86/fleet arm/fleet "gen CSV fleet: x86 == arm" "$GEN_STRICT"
run x86 gen-x86-nd.log gen --out x86/fleet-nd --format ndjson --compress "${G[@]}" --seed 8
run arm gen-arm-nd.log gen --out arm/fleet-nd --format ndjson --compress "${G[@]}" --seed 8
same_dir x86/fleet-nd arm/fleet-nd "gen zstd NDJSON fleet: x86 == arm" "$GEN_STRICT"
run x86 gen-x86-sh.log gen --out x86/fleet-sh --shards --threads 2 "${G[@]}" --seed 9
run arm gen-arm-sh.log gen --out arm/fleet-sh --shards --threads 2 "${G[@]}" --seed 9
same_dir x86/fleet-sh arm/fleet-sh "gen --shards fleet: x86 == arm" "$GEN_STRICT"

F=x86/fleet
echo "-- fold of logs"
# shellcheck disable=SC2046
run x86 f1.log fold --quiet --out x86/out-csv $(tables $F) $F/records-*.csv
run arm f2.log fold --quiet --out arm/out-csv $(tables $F) $F/records-*.csv
same_outs x86/out-csv arm/out-csv "fold CSV logs: x86 == arm"
run x86 f3.log fold --quiet --out x86/out-nd $(tables x86/fleet-nd) x86/fleet-nd/records-*
run arm f4.log fold --quiet --out arm/out-nd $(tables x86/fleet-nd) x86/fleet-nd/records-*
same_outs x86/out-nd arm/out-nd "fold zstd NDJSON logs: x86 == arm"

echo "-- pack on one side, read on the other"
run x86 p1.log pack --quiet --out x86/shards --block-records 4096 $F/records-*.csv
run arm p2.log pack --quiet --out arm/shards --block-records 4096 $F/records-*.csv
same_dir x86/shards arm/shards "pack: x86 shards == arm shards"
for s in x86 arm; do
    o=$([ $s = x86 ] && echo arm || echo x86)
    for f in "$s"/shards/*.shard; do
        b=$(basename "$f" .shard)
        run x86 /dev/null cat "$f" >"cat-$s-$b.x86.csv" 2>"cat-$s-$b.x86.err" || bad "x86 cat $f"
        run arm /dev/null cat "$f" >"cat-$s-$b.arm.csv" 2>"cat-$s-$b.arm.err" || bad "arm cat $f"
        same "cat-$s-$b.x86.csv" "cat-$s-$b.arm.csv" "cat of $s-packed $b.shard: on $o == on $s"
        x86 cat --format ndjson --tz +00:00 "$f" >"catnd-$s-$b.x86" 2>&1
        arm cat --format ndjson --tz +00:00 "$f" >"catnd-$s-$b.arm" 2>&1
        same "catnd-$s-$b.x86" "catnd-$s-$b.arm" "cat --format ndjson of $s-packed $b.shard: x86 == arm"
        x86 inspect --blocks "$f" >"insp-$s-$b.x86" 2>&1
        arm inspect --blocks "$f" >"insp-$s-$b.arm" 2>&1
        same "insp-$s-$b.x86" "insp-$s-$b.arm" "inspect --blocks of $s-packed $b.shard: x86 == arm"
    done
    run x86 f5.log fold --quiet --out "x86/out-sh-$s" $(tables $F) "$s/shards"
    run arm f6.log fold --quiet --out "arm/out-sh-$s" $(tables $F) "$s/shards"
    same_outs "x86/out-sh-$s" "arm/out-sh-$s" "fold of $s-packed shards: x86 == arm"
    same_outs x86/out-csv "arm/out-sh-$s" "fold of $s-packed shards on arm == fold of CSV logs on x86"
done
for isa in scalar neon; do
    SLAGG_FORCE_ISA=$isa run arm f7.log fold --quiet --out "arm/out-sh-$isa" $(tables $F) x86/shards
    same_outs x86/out-sh-x86 "arm/out-sh-$isa" "fold of shards, SLAGG_FORCE_ISA=$isa on arm == x86"
done
run x86 f8.log fold --quiet --out x86/out-gsh $(tables x86/fleet-sh) x86/fleet-sh/*.shard
run arm f9.log fold --quiet --out arm/out-gsh $(tables x86/fleet-sh) x86/fleet-sh/*.shard
same_outs x86/out-gsh arm/out-gsh "fold of gen --shards fleet: x86 == arm"

echo "-- compact summary written on one side, read on the other"
printf 'account,period_start,fee,voucher_paid\n' >fees-none.csv
for s in x86 arm; do
    sum="$s/out-csv/availability.slagg"
    x86 inspect --periods "$sum" >"sinsp-$s.x86" 2>&1
    arm inspect --periods "$sum" >"sinsp-$s.arm" 2>&1
    same "sinsp-$s.x86" "sinsp-$s.arm" "inspect --periods of $s summary: x86 == arm"
    run x86 e1.log export --out "x86/exp-$s" "$sum"
    run arm e2.log export --out "arm/exp-$s" "$sum"
    same_outs "x86/exp-$s" "arm/exp-$s" "export of $s summary: x86 == arm" 3
    same_outs "$s/out-csv" "arm/exp-$s" "export of $s summary on arm == its fold" 3
    run x86 e3.log export --out "x86/expf-$s" --fees fees-none.csv --holidays $F/holidays.csv "$sum"
    run arm e4.log export --out "arm/expf-$s" --fees fees-none.csv --holidays $F/holidays.csv "$sum"
    same_outs "x86/expf-$s" "arm/expf-$s" "export --fees (new fees) of $s summary: x86 == arm" 3
done

[ "$known" -eq 0 ] || echo "cross-arch: $known known difference(s) in slagg gen, see above"
echo "cross-arch: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
