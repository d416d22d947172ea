#!/usr/bin/env bash
# device_scaling.sh - threads 1 -> 16 on a bigger machine (issues 13 and
# 14): the standard fleet's shards and CSV / NDJSON logs, folded with
# --threads 1 2 4 8 16, then the fold's kernels forced to each ISA.
# Written for the 16-core device machine lent to some sessions, which has
# no package registry: it needs only bash, coreutils and python3 (for the
# wall clock and peak RSS of each fold), and a slagg binary carried there
# with the shared libraries it needs:
#
#   cmake -S . -B build-dev -DCMAKE_BUILD_TYPE=Release -DSLAGG_WITH_MPI=OFF \
#         -DSLAGG_BUILD_TESTS=OFF && cmake --build build-dev -j
#   mkdir -p .dev && cp build-dev/slagg .dev/ && \
#     cp -L $(ldd build-dev/slagg | awk '/jemalloc|zstd/ {print $3}') .dev/
#   (there) SLAGG=.dev/slagg LD_LIBRARY_PATH=.dev bench/device_scaling.sh OUTDIR
#
# Writes OUTDIR/scaling.md (a markdown table per fleet, rows added as
# they are measured, so a run cut short still reports what it did) and
# checks that every thread count and ISA writes the same finance.csv,
# finance.jsonl and summary.json bytes (exit 1 when not).
#
# Environment: SLAGG (.dev/slagg), DATA (/tmp/slagg-scaling: fleets are
# made there, kept when complete), THREADS ("1 2 4 8 16"), REPEAT (2: best
# wall of that many runs), SHARD_RECORDS (1000000000), SHARD_ACCOUNTS
# (100000), TEXT_RECORDS (50000000), TEXT_ACCOUNTS (20000), TEXT_FILES (2),
# FORMATS ("shards csv ndjson"), SLAGG_COMMIT (the commit the binary was
# built from, for the heading).
set -euo pipefail
OUTDIR=${1:?usage: device_scaling.sh OUTDIR}
SLAGG=${SLAGG:-.dev/slagg}
DATA=${DATA:-/tmp/slagg-scaling}
THREADS=${THREADS:-1 2 4 8 16}
REPEAT=${REPEAT:-2}
SHARD_RECORDS=${SHARD_RECORDS:-1000000000}
SHARD_ACCOUNTS=${SHARD_ACCOUNTS:-100000}
TEXT_RECORDS=${TEXT_RECORDS:-50000000}
TEXT_ACCOUNTS=${TEXT_ACCOUNTS:-20000}
TEXT_FILES=${TEXT_FILES:-2}
FORMATS=${FORMATS:-shards csv ndjson}
mkdir -p "$OUTDIR" "$DATA"
MD=$OUTDIR/scaling.md
NPROC=$(nproc)

add() { printf '%s\n' "$*" >> "$MD"; printf '%s\n' "$*"; }
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }

# timed CMD...: runs CMD, sets WALL (s) and RSS (peak of the child, MiB)
timed() {
    local r
    r=$(python3 - "$@" <<'EOF'
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[1:])
w = time.monotonic() - t
print(rc, "%.3f" % w, "%.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
EOF
)
    read -r RC WALL RSS <<< "$r"
    [ "$RC" -eq 0 ] || { echo "device_scaling.sh: failed ($RC): $*" >&2; tail -n 5 "$DATA/fold.stderr" >&2; exit 1; }
}

# best DIR INPUTS THREADS ENV...: best wall of $REPEAT folds into $DATA/out-NAME
best() {
    local name=$1 tables=$2 threads=$3 bw="" br=""
    shift 3
    local envs=() inputs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    inputs=("$@")
    for _ in $(seq "$REPEAT"); do
        rm -rf "$DATA/out-$name"
        timed env "${envs[@]}" "$SLAGG" fold --quiet --threads "$threads" --out "$DATA/out-$name" \
            --contracts "$tables/contracts.csv" --fees "$tables/fees.csv" \
            --holidays "$tables/holidays.csv" --maintenance "$tables/maintenance.csv" "${inputs[@]}" 2> "$DATA/fold.stderr"
        if [ -z "$bw" ] || awk -v a="$WALL" -v b="$bw" 'BEGIN {exit !(a < b)}'; then bw=$WALL; br=$RSS; fi
    done
    WALL=$bw
    RSS=$br
}

same() {
    local f
    for f in finance.csv finance.jsonl summary.json; do
        cmp -s "$DATA/out-$1/$f" "$DATA/out-$2/$f" ||
            { add "**$2/$f differs from $1/$f**"; exit 1; }
    done
}

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
isas=(scalar avx2)
grep -q avx512bw /proc/cpuinfo && isas+=(avx512)
add "Run by \`bench/device_scaling.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC: $NPROC CPUs ($cpu; $(grep -o -m1 -w 'avx512bw' /proc/cpuinfo | head -1) $(grep -o -m1 -w 'avx2' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $("$SLAGG" --version 2>/dev/null | head -1) (commit ${SLAGG_COMMIT:-unknown}). Whole \`slagg fold\` commands (all four tables), best of $REPEAT, page cache warm; load average (1 min) before each row."
add ""

for fmt in $FORMATS; do
    case $fmt in
        shards) R=$SHARD_RECORDS; A=$SHARD_ACCOUNTS; d=$DATA/shards-$R-$A
                gen=(--shards --threads "$NPROC"); pat='records-*.shard' ;;
        csv)    R=$TEXT_RECORDS; A=$TEXT_ACCOUNTS; d=$DATA/csv-$R-$A
                gen=(--files "$TEXT_FILES"); pat='records-*.csv' ;;
        ndjson) R=$TEXT_RECORDS; A=$TEXT_ACCOUNTS; d=$DATA/ndjson-$R-$A
                gen=(--files "$TEXT_FILES" --format ndjson); pat='records-*.ndjson' ;;
        *) echo "device_scaling.sh: unknown format $fmt" >&2; exit 2 ;;
    esac
    if [ ! -f "$d/.complete" ]; then
        rm -rf "$d"
        t0=$(now)
        "$SLAGG" gen --quiet "${gen[@]}" --records "$R" --accounts "$A" --seed 1 --out "$d"
        awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f\n", b - a}' > "$d/.gen_seconds"
        touch "$d/.complete"
    fi
    inputs=("$d"/$pat)
    cat "${inputs[@]}" > /dev/null   # the page cache, warm
    add "### $fmt: $R records, $A accounts (\`slagg gen ${gen[*]} --records $R --accounts $A --seed 1\`, $(cat "${inputs[@]}" | wc -c) bytes in ${#inputs[@]} files, made in $(cat "$d/.gen_seconds") s)"
    add ""
    add "| threads | seconds | M records/s | speed-up vs 1 thread | peak RSS MiB | load before |"
    add "| ---: | ---: | ---: | ---: | ---: | ---: |"
    one=""
    for t in $THREADS; do
        l0=$(load)
        best "$fmt-t$t" "$d" "$t" -- "${inputs[@]}"
        [ -n "$one" ] || one=$WALL
        add "| $t | $WALL | $(awk -v n="$R" -v s="$WALL" 'BEGIN {printf "%.1f", n / 1e6 / s}') | $(awk -v a="$one" -v b="$WALL" 'BEGIN {printf "%.2fx", a / b}') | $RSS | $l0 |"
        [ "$t" = "${THREADS%% *}" ] || same "$fmt-t${THREADS%% *}" "$fmt-t$t"
    done
    add ""
    if [ "$fmt" = shards ]; then
        add "| SLAGG_FORCE_ISA | threads | seconds | M records/s | vs scalar | load before |"
        add "| --- | ---: | ---: | ---: | ---: | ---: |"
        for t in 1 "$NPROC"; do
            sc=""
            for isa in "${isas[@]}"; do
                l0=$(load)
                best "isa-$isa-$t" "$d" "$t" SLAGG_FORCE_ISA="$isa" -- "${inputs[@]}"
                [ -n "$sc" ] || sc=$WALL
                add "| $isa | $t | $WALL | $(awk -v n="$R" -v s="$WALL" 'BEGIN {printf "%.1f", n / 1e6 / s}') | $(awk -v a="$sc" -v b="$WALL" 'BEGIN {printf "%.2fx", a / b}') | $l0 |"
                same "$fmt-t${THREADS%% *}" "isa-$isa-$t"
            done
        done
        add ""
    fi
done
add "Every thread count and ISA above wrote the same finance.csv, finance.jsonl and summary.json bytes."
