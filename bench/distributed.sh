#!/usr/bin/env bash
# distributed.sh - issue 13: `fold --partial` per shard, then `merge`, and
# `mpirun -np 2 ... --threads 1`, next to one `slagg fold --threads 2` on the
# same shards: wall time, peak RSS of every process, partial bytes per
# record, and that every way writes the same bytes. Run by `./run bench-distributed`.
#
#   bench/distributed.sh
#   BENCH_RECORDS=50000000 BENCH_ACCOUNTS=20000 bench/distributed.sh   # a smaller fleet
#
# 1. builds slagg (./run build) when $SLAGG is missing;
# 2. makes the fleet with `slagg gen --shards --seed 1` in
#    bench/data/fleet-<records>-<accounts> (or BENCH_FLEET, or bench/format2.sh's
#    bench/data/f2-<records>-<accounts> where it exists; kept: the same directory as
#    bench/fold_vs_duckdb.sh's);
# 3. waits for an idle machine (bench/lib.sh), warms the page cache, then
#    (a) `slagg fold --threads 2` (best of $BENCH_REPEAT),
#    (b) one `slagg fold --partial --threads 2` per shard, one after the
#        other (all partial runs together are compared with (a)), each
#        process's peak RSS, the partials' bytes,
#    (c) `slagg merge` of the partials,
#    (d) `mpirun -np 2 slagg fold --threads 1` (when mpirun is installed),
#    and compares finance.csv, finance.jsonl, summary.json and
#    availability.slagg of (c) and (d) with (a): any difference fails the run;
# 4. prints the figures and puts them into bench/RESULTS.md under
#    "## Partials, merge and MPI (issue 13)" (BENCH_NO_RESULTS=1: not).
#
# Environment: BENCH_RECORDS (1000000000), BENCH_ACCOUNTS (100000),
# BENCH_REPEAT (2), BENCH_IDLE_LOAD (1.5), BENCH_IDLE_WAIT (900), SLAGG
# (build/slagg), BENCH_NO_RESULTS.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RECORDS=${BENCH_RECORDS:-1000000000}
ACCOUNTS=${BENCH_ACCOUNTS:-100000}
REPEAT=${BENCH_REPEAT:-2}
IDLE_LOAD=${BENCH_IDLE_LOAD:-1.5}
IDLE_WAIT=${BENCH_IDLE_WAIT:-900}
SLAGG=${SLAGG:-build/slagg}
# the fleet: bench/format2.sh's 2.0 shards when it made them, else its own
FLEET=${BENCH_FLEET:-bench/data/fleet-$RECORDS-$ACCOUNTS}
[ -n "${BENCH_FLEET:-}" ] || [ ! -f "bench/data/f2-$RECORDS-$ACCOUNTS/contracts.csv" ] || FLEET=bench/data/f2-$RECORDS-$ACCOUNTS
RESULTS=bench/RESULTS.md
SECTION="## Partials, merge and MPI (issue 13)"
die() { printf 'distributed.sh: %s\n' "$*" >&2; exit 1; }
for v in RECORDS ACCOUNTS REPEAT IDLE_WAIT; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer (got '${!v}')"
done
[ -x "$SLAGG" ] || ./run build
[ -x /usr/bin/time ] || die "GNU time is missing (bench/setup.sh installs it)"

if [ ! -f "$FLEET/contracts.csv" ]; then
    say "making the fleet in $FLEET ($RECORDS records, $ACCOUNTS accounts)"
    "$SLAGG" gen --shards --seed 1 --records "$RECORDS" --accounts "$ACCOUNTS" --out "$FLEET" --quiet
fi
mapfile -t SHARDS < <(ls "$FLEET"/records-*.shard)
TABLES=(--contracts "$FLEET/contracts.csv" --fees "$FLEET/fees.csv" --maintenance "$FLEET/maintenance.csv"
        --holidays "$FLEET/holidays.csv")
OUTS=(finance.csv finance.jsonl summary.json availability.slagg)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
same() {  # same DIR_A DIR_B: every compared output identical
    for o in "${OUTS[@]}"; do cmp -s "$1/$o" "$2/$o" || die "$2/$o differs from $1/$o"; done
}
best() { awk -v a="$1" -v b="$2" 'BEGIN {print (a == "" || b < a) ? b : a}'; }

IDLE_OK=yes
wait_idle
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "warming the page cache"
cat "${SHARDS[@]}" >/dev/null

# (a) one fold
FOLD_S='' FOLD_RSS=0
for _ in $(seq "$REPEAT"); do
    rm -rf "$WORK/one"
    time_v "$WORK/t.log" 0 "$SLAGG" fold --quiet --threads 2 --out "$WORK/one" "${TABLES[@]}" "${SHARDS[@]}"
    [ "$RC" -eq 0 ] || die "slagg fold failed (exit $RC)"
    FOLD_S=$(best "$FOLD_S" "$WALL")
    FOLD_RSS=$RSS_KB
done
say "fold --threads 2: $FOLD_S s, $(mib "$FOLD_RSS")"

# (b) one partial per shard, one after the other
PART_S=0 PART_RSS=0 PART_BYTES=0
for s in "${SHARDS[@]}"; do
    p=$WORK/$(basename "$s" .shard).part
    time_v "$WORK/t.log" 0 "$SLAGG" fold --quiet --threads 2 --partial "$p" "${TABLES[@]}" "$s"
    [ "$RC" -eq 0 ] || die "slagg fold --partial $s failed (exit $RC)"
    PART_S=$(awk -v a="$PART_S" -v b="$WALL" 'BEGIN {printf "%.3f", a + b}')
    [ "$RSS_KB" -gt "$PART_RSS" ] && PART_RSS=$RSS_KB
    PART_BYTES=$((PART_BYTES + $(stat -c %s "$p")))
done
say "${#SHARDS[@]} partials: $PART_S s in all, largest $(mib "$PART_RSS"), $PART_BYTES bytes"

# (c) merge
time_v "$WORK/t.log" 0 "$SLAGG" merge --quiet --out "$WORK/merged" "$WORK"/*.part
[ "$RC" -eq 0 ] || die "slagg merge failed (exit $RC)"
MERGE_S=$WALL MERGE_RSS=$RSS_KB
same "$WORK/one" "$WORK/merged"
say "merge: $MERGE_S s, $(mib "$MERGE_RSS"); the same bytes as the fold"

# (d) mpirun -np 2 --threads 1
MPI_S='' MPI_LINE="mpirun not installed"
if command -v mpirun >/dev/null && "$SLAGG" --version | grep -q "mpirun support: yes"; then
    export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl_base_warn_component_unused=0
    for _ in $(seq "$REPEAT"); do
        rm -rf "$WORK/mpi"
        time_v "$WORK/t.log" 0 mpirun --allow-run-as-root -np 2 "$SLAGG" fold --threads 1 --out "$WORK/mpi" \
            "${TABLES[@]}" "${SHARDS[@]}" >"$WORK/mpi.out" 2>/dev/null
        [ "$RC" -eq 0 ] || die "mpirun failed (exit $RC)"
        MPI_S=$(best "$MPI_S" "$WALL")
        same "$WORK/one" "$WORK/mpi"
    done
    MPI_LINE=$(sed -n '/^  mpi:/,$p' "$WORK/mpi.out" | sed 's/^ *//' | tr '\n' ' ')
    say "mpirun -np 2 --threads 1: $MPI_S s (best of $REPEAT); the same bytes as the fold"
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
REPORT=$(cat <<EOF
$SECTION

\`bench/distributed.sh\` (\`./run bench-distributed\`), $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD),
$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; load average before: $LOAD_BEFORE,
after: $LOAD_AFTER$([ "$IDLE_OK" = yes ] || echo " (NOT idle: figures pessimistic)"). Fleet: \`slagg gen --shards --seed 1
--records $RECORDS --accounts $ACCOUNTS\` (${#SHARDS[@]} shards). Every way wrote the same finance.csv,
finance.jsonl, summary.json and availability.slagg as the one fold.

| run | wall | peak RSS (largest process) | vs one fold |
|---|---:|---:|---:|
| \`slagg fold --threads 2\` (best of $REPEAT) | $FOLD_S s | $(mib "$FOLD_RSS") | 1.00x |
| \`slagg fold --partial --threads 2\`, one per shard, in turn (sum) | $PART_S s | $(mib "$PART_RSS") | $(ratio "$PART_S" "$FOLD_S")x |
| \`slagg merge\` of the ${#SHARDS[@]} partials | $MERGE_S s | $(mib "$MERGE_RSS") | |
| partial runs + merge | $(awk -v a="$PART_S" -v b="$MERGE_S" 'BEGIN {printf "%.3f", a + b}') s | | $(awk -v a="$PART_S" -v b="$MERGE_S" -v f="$FOLD_S" 'BEGIN {printf "%.2f", (a + b) / f}')x |
| \`mpirun -np 2 slagg fold --threads 1\` (best of $REPEAT) | ${MPI_S:-n/a} s | (below) | $([ -n "$MPI_S" ] && ratio "$MPI_S" "$FOLD_S")x |

MPI ranks fold 2.0 shards with the sparse fold and the two-phase exchange (docs/DISTRIBUTED.md): only the keys of
the error cells and then the union's V and E cross; \`fold --partial\` files keep the ring engine, since a file
must carry every cell's V for a merge that cannot ask back.

Partials: $PART_BYTES bytes in all, $(awk -v b="$PART_BYTES" -v n="$RECORDS" 'BEGIN {printf "%.3f", b / n}') B per record.
mpirun's own line: $MPI_LINE
EOF
)
printf '%s\n' "$REPORT"
if [ "${BENCH_NO_RESULTS:-0}" = 1 ]; then say "BENCH_NO_RESULTS=1: $RESULTS left alone"; exit 0; fi
write_section "$RESULTS" "$SECTION" "$REPORT"
