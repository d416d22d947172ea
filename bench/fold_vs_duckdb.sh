#!/usr/bin/env bash
# fold_vs_duckdb.sh - issue 4: how fast is the fold over shards, next to
# decompressing them and next to DuckDB computing the same availability
# from Parquet, and how much memory does it take? Run by `./run bench`.
#
#   bench/fold_vs_duckdb.sh
#   BENCH_RECORDS=20000000 BENCH_ACCOUNTS=20000 ./run bench     # a smaller run
#
# 1. builds slagg and build/fold_bench (Release, -DSLAGG_BUILD_BENCH=ON, in
#    $BENCH_BUILD_DIR) and DuckDB's Node API (bench/setup.sh);
# 2. makes the standard fleet, `slagg gen --shards` (one month, seed 1), in
#    bench/data/fleet-<records>-<accounts> (kept: skipped when present);
# 3. makes the same records as Parquet (zstd) for DuckDB: `slagg cat
#    --format csv` of the shards through a named pipe into DuckDB
#    (bench/duckdb_fold.mjs parquet), kept beside the fleet; timed, but not
#    counted against DuckDB;
# 4. waits for an idle machine (1-minute load < $BENCH_IDLE_LOAD, polled
#    every 30 s, up to $BENCH_IDLE_WAIT s), warms the page cache, then with
#    $BENCH_THREADS threads measures
#      (a)+(b) fold_bench: a decompress-only pass and the fold with each
#              kernel (best of $BENCH_REPEAT),
#      the whole `slagg fold` command (/usr/bin/time -v: wall, peak RSS;
#              outputs to a temporary directory),
#      (c)     DuckDB computing the same per-account, per-period
#              availability from the Parquet file (bench/duckdb_fold.mjs
#              fold; the SQL's time alone, best of $BENCH_DUCKDB_RUNS),
#      and `slagg fold` again on a fleet of half the records (RSS check:
#              does peak RSS stay flat when the records double?);
#    (d) checks that DuckDB and slagg's finance.csv agree on every
#    (account, period_start): same tier, same availability_pct (a 0.0001
#    difference only where DuckDB's double sits on a truncation boundary).
#    Any disagreement fails the run with a listing and writes nothing;
# 5. prints the figures and puts them into bench/RESULTS.md under
#    "## Fold benchmark (issue 4)", replacing only that section.
#
# Environment: BENCH_RECORDS (1000000000), BENCH_ACCOUNTS (100000),
# BENCH_RSS_RECORDS (records of the second RSS point: BENCH_RECORDS / 2),
# BENCH_THREADS (2), BENCH_REPEAT (3), BENCH_DUCKDB_RUNS (2),
# BENCH_IDLE_LOAD (1.5), BENCH_IDLE_WAIT (900), BENCH_SECTION (the RESULTS.md
# section replaced: "## Fold benchmark (issue 4)"), BENCH_BUILD_DIR
# (build-bench), BENCH_FOLD_RSS_LIMIT_MB (a third of memory: a watchdog
# kills `slagg fold` above it; the run is then reported as such, without
# the agreement check, and fails), BENCH_NOTE (a line added to the
# report). Delete bench/data/fleet-* to start from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RECORDS=${BENCH_RECORDS:-1000000000}
ACCOUNTS=${BENCH_ACCOUNTS:-100000}
RSS_RECORDS=${BENCH_RSS_RECORDS:-$((RECORDS / 2))}
THREADS=${BENCH_THREADS:-2}
REPEAT=${BENCH_REPEAT:-3}
DUCKDB_RUNS=${BENCH_DUCKDB_RUNS:-2}
IDLE_LOAD=${BENCH_IDLE_LOAD:-1.5}
IDLE_WAIT=${BENCH_IDLE_WAIT:-900}
BUILD=${BENCH_BUILD_DIR:-build-bench}
# the watchdog's limit on slagg fold's RSS (the machine is shared): a third of memory
FOLD_LIMIT_MB=${BENCH_FOLD_RSS_LIMIT_MB:-$(awk '/MemTotal/ {printf "%d", $2 / 1024 / 3}' /proc/meminfo)}
FOLD_LIMIT_KB=$((FOLD_LIMIT_MB * 1024))
SEED=1

SLAGG=$BUILD/slagg
DATA=bench/data
FLEET=$DATA/fleet-$RECORDS-$ACCOUNTS
RSS_FLEET=$DATA/fleet-$RSS_RECORDS-$ACCOUNTS
PARQUET=$FLEET.parquet
RESULTS=bench/RESULTS.md
SECTION=${BENCH_SECTION:-"## Fold benchmark (issue 4)"}

die() { printf 'fold_vs_duckdb.sh: %s\n' "$*" >&2; exit 1; }
json_field() { node -p "JSON.parse(process.argv[1]).$2" "$1"; }
mrps() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.1f M", n / 1e6 / s}'; }

for v in RECORDS ACCOUNTS RSS_RECORDS THREADS REPEAT DUCKDB_RUNS IDLE_WAIT FOLD_LIMIT_MB; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer (got '${!v}')"
done

COMMANDS=()
# run CMD...: logs the command for the report, then runs it
run() {
    local q
    q=$(printf '%q ' "$@")
    COMMANDS+=("${q% }")
    "$@"
}

# ------------------------------------------------------------------ 1. build
say "building slagg and fold_bench ($BUILD, Release, SLAGG_BUILD_BENCH=ON)"
./run setup
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSLAGG_BUILD_BENCH=ON -DSLAGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null
[ -x "$BUILD/fold_bench" ] || die "$BUILD/fold_bench was not built"
"$SLAGG" gen --help 2>&1 | grep -q -- '--shards' || die "$SLAGG gen has no --shards yet"
bench/setup.sh
command -v /usr/bin/time >/dev/null || die "/usr/bin/time is missing (apt-get install time)"

# ------------------------------------------------------------------ disk
# bytes/record, from issue 3 with margin: shards ~3.1, Parquet ~3.5
need=$((1 << 30))
[ -f "$FLEET/.complete" ] || need=$((need + RECORDS * 7 / 2))
[ -f "$PARQUET" ] || need=$((need + RECORDS * 4))
[ -f "$RSS_FLEET/.complete" ] || [ "$RSS_FLEET" = "$FLEET" ] || need=$((need + RSS_RECORDS * 7 / 2))
mkdir -p "$DATA"
avail=$(df --output=avail -B1 "$DATA" | tail -n 1 | tr -d ' ')
if [ "$avail" -lt "$need" ]; then
    die "not enough free disk in $DATA: $((avail >> 20)) MiB free, about $((need >> 20)) MiB needed for $RECORDS records (delete old bench/data/fleet-*, or set BENCH_RECORDS lower)"
fi
say "disk: $((avail >> 30)) GiB free, about $((need >> 30)) GiB needed"

# ------------------------------------------------------------------ 2. fleets
# fleet DIR RECORDS: `slagg gen --shards` into DIR unless already complete
fleet() {
    local dir=$1 n=$2 t0 t1
    if [ -f "$dir/.complete" ]; then
        say "using the fleet in $dir (delete it to regenerate)"
        COMMANDS+=("$SLAGG gen --shards --threads $(nproc) --records $n --accounts $ACCOUNTS --seed $SEED --out $dir   # cached")
        return
    fi
    say "generating $n records, $ACCOUNTS accounts into $dir"
    rm -rf "$dir"
    t0=$(now)
    run "$SLAGG" gen --shards --threads "$(nproc)" --records "$n" --accounts "$ACCOUNTS" --seed "$SEED" --out "$dir"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f\n", b - a}' > "$dir/.gen_seconds"
    touch "$dir/.complete"
}
fleet "$FLEET" "$RECORDS"
SHARDS=("$FLEET"/records-*.shard)
GEN_S=$(cat "$FLEET/.gen_seconds" 2>/dev/null || echo '?')
TABLES=(--contracts "$FLEET/contracts.csv" --maintenance "$FLEET/maintenance.csv")
NIGHTLY=(--contracts "$FLEET/contracts.csv" --fees "$FLEET/fees.csv" --maintenance "$FLEET/maintenance.csv"
         --holidays "$FLEET/holidays.csv")

# ------------------------------------------------------------------ 3. Parquet
if [ -f "$PARQUET" ] && [ -f "$PARQUET.json" ]; then
    say "using $PARQUET (delete it to remake)"
    COMMANDS+=("$SLAGG cat --format csv $FLEET/records-*.shard > FIFO & node bench/duckdb_fold.mjs parquet --threads $THREADS --out $PARQUET FIFO   # cached")
else
    say "making $PARQUET: slagg cat | named pipe | DuckDB read_csv -> Parquet (zstd)"
    tmpd=$(mktemp -d)
    mkfifo "$tmpd/records.csv"
    t0=$(now)
    "$SLAGG" cat --format csv "${SHARDS[@]}" > "$tmpd/records.csv" &
    cat_pid=$!
    COMMANDS+=("$SLAGG cat --format csv $FLEET/records-*.shard > FIFO & node bench/duckdb_fold.mjs parquet --threads $THREADS --out $PARQUET FIFO")
    if ! node bench/duckdb_fold.mjs parquet --threads "$THREADS" --out "$PARQUET.tmp" "$tmpd/records.csv" > "$tmpd/parquet.json"; then
        kill "$cat_pid" 2>/dev/null || true
        wait "$cat_pid" 2>/dev/null || true
        rm -rf "$tmpd" "$PARQUET.tmp"
        die "DuckDB could not make $PARQUET"
    fi
    wait "$cat_pid" || { rm -rf "$tmpd" "$PARQUET.tmp"; die "slagg cat failed"; }
    t1=$(now)
    rows=$(json_field "$(cat "$tmpd/parquet.json")" rows)
    [ "$rows" -eq "$RECORDS" ] || { rm -rf "$tmpd" "$PARQUET.tmp"; die "DuckDB wrote $rows rows, expected $RECORDS"; }
    node -e 'const j = JSON.parse(process.argv[1]); j.wall_seconds = Number(process.argv[2]); j.output = process.argv[3];
             console.log(JSON.stringify(j))' \
        "$(cat "$tmpd/parquet.json")" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')" "$PARQUET" > "$PARQUET.json"
    mv "$PARQUET.tmp" "$PARQUET"
    rm -rf "$tmpd"
fi
PQ_JSON=$(cat "$PARQUET.json")
PQ_S=$(json_field "$PQ_JSON" wall_seconds)

if [ "$RSS_FLEET" != "$FLEET" ]; then fleet "$RSS_FLEET" "$RSS_RECORDS"; fi
RSS_SHARDS=("$RSS_FLEET"/records-*.shard)

# ------------------------------------------------------------------ 4. measure
# Waits (up to IDLE_WAIT s, polling every 30 s) for the 1-minute load average
# to drop below IDLE_LOAD: other builds and tests share this machine.
# after time_v of slagg fold: empty when it succeeded, else why not
fold_failure() {
    if [ -n "$KILLED" ]; then echo "killed by the watchdog at $(mib "$KILLED") RSS after $WALL s"
    elif [ "$RC" -ne 0 ]; then echo "failed (exit $RC) after $WALL s"; fi
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
say "warming the page cache (shards, Parquet)"
cat "${SHARDS[@]}" "$PARQUET" "${RSS_SHARDS[@]}" >/dev/null
IDLE_OK=yes
wait_idle
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

say "(a)+(b) fold_bench: decompress only, then the fold with each kernel ($THREADS threads, best of $REPEAT)"
LOAD_FB=$(load)
run "$BUILD/fold_bench" "${TABLES[@]}" --threads "$THREADS" --repeat "$REPEAT" "${SHARDS[@]}" | tee "$WORK/fold_bench.txt"
FB=$(cat "$WORK/fold_bench.txt")
DEC_S=$(awk '/^decompress only/ {print $3}' <<<"$FB")
KERNEL=$(awk '/^kernel chosen at run time:/ {print $6}' <<<"$FB")
FOLD_S=$(awk -v k="$KERNEL" '$1 == "fold" && $2 == ("(" k ")") {print ($3 == "*" ? $4 : $3); exit}' <<<"$FB")
FB_RSS=$(awk '/^peak RSS:/ {print $3 " " $4}' <<<"$FB")
if [ -z "$DEC_S" ] || [ -z "$KERNEL" ] || [ -z "$FOLD_S" ]; then die "could not read fold_bench's output"; fi

say "the whole slagg fold command ($THREADS threads), under /usr/bin/time -v"
LOAD_SF=$(load)
COMMANDS+=("$(printf '%q ' /usr/bin/time -v "$SLAGG" fold --quiet --threads "$THREADS" --out OUT "${NIGHTLY[@]}")$FLEET/records-*.shard")
time_v "$WORK/slagg_fold.time" "$FOLD_LIMIT_KB" "$SLAGG" fold --quiet --threads "$THREADS" --out "$WORK/out" "${NIGHTLY[@]}" "${SHARDS[@]}"
SF_S=$WALL SF_RSS=$RSS_KB SF_FAIL=$(fold_failure)
[ -z "$SF_FAIL" ] || say "slagg fold: $SF_FAIL"

say "(c) DuckDB: the same availability from $PARQUET ($THREADS threads, best of $DUCKDB_RUNS)"
LOAD_DK=$(load)
COMMANDS+=("$(printf '%q ' node bench/duckdb_fold.mjs fold --threads "$THREADS" "${TABLES[@]}" --out OUT.csv "$PARQUET")")
DK_S=
for ((i = 0; i < DUCKDB_RUNS; i++)); do
    time_v "$WORK/duckdb.time" 0 node bench/duckdb_fold.mjs fold --threads "$THREADS" "${TABLES[@]}" \
        --out "$WORK/duckdb.csv" "$PARQUET" > "$WORK/duckdb.json"
    j=$(cat "$WORK/duckdb.json")
    printf '%s\n' "$j"
    s=$(json_field "$j" seconds)
    if [ -z "$DK_S" ] || awk -v a="$s" -v b="$DK_S" 'BEGIN {exit !(a < b)}'; then
        DK_S=$s DK_TOTAL=$(json_field "$j" total_seconds) DK_RSS=$RSS_KB DK_JSON=$j
    fi
done
DUCKDB_VERSION=$(json_field "$DK_JSON" duckdb)

say "RSS check: slagg fold on $RSS_RECORDS records (and $RECORDS above)"
LOAD_RSS=$(load)
COMMANDS+=("$(printf '%q ' /usr/bin/time -v "$SLAGG" fold --quiet --threads "$THREADS" --out OUT --contracts "$RSS_FLEET/contracts.csv" --fees "$RSS_FLEET/fees.csv" --maintenance "$RSS_FLEET/maintenance.csv" --holidays "$RSS_FLEET/holidays.csv")$RSS_FLEET/records-*.shard")
if [ "$RSS_FLEET" = "$FLEET" ]; then
    RSS2_S=$SF_S RSS2_KB=$SF_RSS RSS2_FAIL=$SF_FAIL
else
    time_v "$WORK/rss.time" "$FOLD_LIMIT_KB" "$SLAGG" fold --quiet --threads "$THREADS" --out "$WORK/out-rss" \
        --contracts "$RSS_FLEET/contracts.csv" --fees "$RSS_FLEET/fees.csv" \
        --maintenance "$RSS_FLEET/maintenance.csv" --holidays "$RSS_FLEET/holidays.csv" "${RSS_SHARDS[@]}"
    RSS2_S=$WALL RSS2_KB=$RSS_KB RSS2_FAIL=$(fold_failure)
    [ -z "$RSS2_FAIL" ] || say "slagg fold ($RSS_RECORDS records): $RSS2_FAIL"
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

say "(d) agreement: DuckDB vs slagg's finance.csv on (account, period_start)"
COMMANDS+=("node bench/duckdb_fold.mjs check --slagg OUT/finance.csv --duckdb OUT.csv")
CK() { json_field "$CHECK" "$1"; }
if [ -n "$SF_FAIL" ]; then
    AGREEMENT="Not checked: \`slagg fold\` did not finish ($SF_FAIL), so there is no finance.csv to compare with."
else
    if ! CHECK=$(node bench/duckdb_fold.mjs check --slagg "$WORK/out/finance.csv" --duckdb "$WORK/duckdb.csv"); then
        printf '%s\n' "$CHECK"
        die "DuckDB and slagg disagree (listing above); nothing written to $RESULTS"
    fi
    printf '%s\n' "$CHECK"
    AGREEMENT="DuckDB's result joined with slagg's finance.csv on (account, period_start): $(CK rows) rows,
$(CK only_slagg) only in slagg, $(CK only_duckdb) only in DuckDB, $(CK tier_diff) with different tiers,
$(CK equal) with equal availability_pct, $(CK boundary) differing by 0.0001 where DuckDB's double sits on a
truncation boundary (allowed), $(CK pct_diff) other differences: **they agree**.
$(CK near_boundary_rows) of DuckDB's rows are within 1e-5 millionths of a truncation boundary."
fi

# ------------------------------------------------------------------ 5. report
CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then REV="$REV + uncommitted changes"; fi
SHARD_BYTES=$(stat -c %s "${SHARDS[@]}" | awk '{s += $1} END {printf "%.0f\n", s}')
PQ_BYTES=$(stat -c %s "$PARQUET")
F=$(awk -v f="$FOLD_S" -v d="$DEC_S" -v k="$DK_S" -v a="$SF_RSS" -v b="$RSS2_KB" -v n="$RECORDS" -v m="$RSS_RECORDS" 'BEGIN {
    big = n >= m ? a : b; small = n >= m ? b : a
    printf "%.2f %.1f %.3f %.0f", f / d, k / f, big / small, n / f }')
read -r FOLD_VS_DEC DUCK_VS_FOLD RSS_GROWTH FOLD_RPS <<<"$F"
if [ -n "$SF_FAIL" ] || [ -n "$RSS2_FAIL" ] || [ "$RSS_FLEET" = "$FLEET" ]; then RSS_GROWTH=; fi
mark() { if awk "BEGIN {exit !($1)}"; then echo "**met**"; else echo "**missed**"; fi; }

report() {
    echo "$SECTION"
    echo
    echo "Run by \`bench/fold_vs_duckdb.sh\` (\`./run bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'):" \
        "$(nproc) CPUs ($CPU), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory;" \
        "slagg $REV, DuckDB $DUCKDB_VERSION (@duckdb/node-api), $THREADS threads for everyone."
    echo "Load average (1 min) before each measurement: fold_bench $LOAD_FB, slagg fold $LOAD_SF," \
        "DuckDB $LOAD_DK, RSS check $LOAD_RSS (start $LOAD_START, end $LOAD_END;" \
        "waited for < $IDLE_LOAD: $([ "$IDLE_OK" = yes ] && echo reached || echo "not reached after ${IDLE_WAIT} s"))."
    [ -z "${BENCH_NOTE:-}" ] || { echo; echo "$BENCH_NOTE"; }
    echo
    echo "The fleet: \`slagg gen --shards\` with $RECORDS records, $ACCOUNTS accounts, one month (2026-03)," \
        "seed $SEED: ${#SHARDS[@]} shards, $SHARD_BYTES bytes ($(awk -v b="$SHARD_BYTES" -v n="$RECORDS" 'BEGIN {printf "%.2f", b / n}') bytes/record)," \
        "generated in $GEN_S s. The same records as Parquet (zstd, V2, ts BIGINT ms) for DuckDB:" \
        "$PQ_BYTES bytes ($(awk -v b="$PQ_BYTES" -v n="$RECORDS" 'BEGIN {printf "%.2f", b / n}') bytes/record)," \
        "made by \`slagg cat --format csv\` through a named pipe into DuckDB read_csv in $PQ_S s (not counted below)."
    echo "Page cache warm; the fold's records/s are records / seconds, for DuckDB too."
    echo
    echo "| what | seconds | records/s | vs decompress-only | peak RSS |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    awk '/^decompress only/ {printf "| (a) decompress only (fold_bench, best of '"$REPEAT"') | %s | %.1f M | 1.00 | |\n", $3, $4 / 1e6}
         $1 == "fold" && ($3 ~ /^[0-9.]+$/ || $3 == "*") {
             star = ($3 == "*"); s = star ? $4 : $3; r = star ? $5 : $4; v = star ? $6 : $5
             k = $2; gsub(/[()]/, "", k)
             printf "| (b) fold, %s kernel%s (fold_bench, best of '"$REPEAT"') | %s | %.1f M | %s | |\n", \
                 k, star ? " (chosen at run time)" : "", s, r / 1e6, v }
         $1 != "fold" && /not on this CPU/ {printf "| (b) fold, %s kernel | not on this CPU | | | |\n", $1}' <<<"$FB"
    if [ -z "$SF_FAIL" ]; then
        echo "| \`slagg fold\`, the whole command (tables, fold, finance.csv/jsonl, summary, availability.slagg) | $SF_S | $(mrps "$RECORDS" "$SF_S") | $(awk -v a="$SF_S" -v b="$DEC_S" 'BEGIN {printf "%.2f", a / b}') | $(mib "$SF_RSS") |"
    else
        echo "| \`slagg fold\`, the whole command | **$SF_FAIL** | | | >= $(mib "$SF_RSS") |"
    fi
    echo "| (c) DuckDB, the same availability from Parquet (SQL alone, best of $DUCKDB_RUNS; $DK_TOTAL s with Node and loading DuckDB) | $DK_S | $(mrps "$RECORDS" "$DK_S") | $(awk -v a="$DK_S" -v b="$DEC_S" 'BEGIN {printf "%.2f", a / b}') | $(mib "$DK_RSS") |"
    echo
    echo "Kernel chosen at run time: **$KERNEL**. fold / decompress-only: **$FOLD_VS_DEC x**;" \
        "DuckDB / fold: **$DUCK_VS_FOLD x**$([ -n "$SF_FAIL" ] || awk -v a="$DK_S" -v b="$SF_S" 'BEGIN {printf " (the whole `slagg fold` command: %.1f x)", a / b}')." \
        "fold_bench's own peak RSS: $FB_RSS."
    echo
    echo "### Peak RSS when the records double"
    echo
    echo "| records | shards | \`slagg fold\` wall s | records/s | peak RSS |"
    echo "| ---: | ---: | ---: | ---: | ---: |"
    { printf '%s\t%s\t%s\t%s\t%s\n' "$RSS_RECORDS" "${#RSS_SHARDS[@]}" "$RSS2_S" "$RSS2_KB" "$RSS2_FAIL"
      [ "$RSS_FLEET" = "$FLEET" ] || printf '%s\t%s\t%s\t%s\t%s\n' "$RECORDS" "${#SHARDS[@]}" "$SF_S" "$SF_RSS" "$SF_FAIL"; } |
        sort -n | while IFS=$'\t' read -r n s w k fail; do
            if [ -z "$fail" ]; then echo "| $n | $s | $w | $(mrps "$n" "$w") | $(mib "$k") |"
            else echo "| $n | $s | $fail | | >= $(mib "$k") |"; fi
        done
    echo
    if [ -n "$RSS_GROWTH" ]; then
        echo "Growth of peak RSS from the smaller to the larger fleet: **$RSS_GROWTH x** ($ACCOUNTS accounts in both)."
    else
        echo "Growth of peak RSS: not measured (a run did not finish, or only one size)."
    fi
    echo
    echo "### Agreement"
    echo
    echo "$AGREEMENT" | tr '\n' ' ' | sed 's/ $//'
    echo
    echo
    echo "### Targets (issue 4)"
    echo
    echo "| target | measured | |"
    echo "| --- | ---: | --- |"
    echo "| fold >= 400 M records/s | $(mrps "$RECORDS" "$FOLD_S") ($KERNEL, $THREADS threads) | $(mark "$FOLD_RPS >= 400e6") |"
    echo "| >= 25x as fast as DuckDB | $DUCK_VS_FOLD x | $(mark "$DUCK_VS_FOLD >= 25") |"
    echo "| fold within 1.25x of decompress-only | $FOLD_VS_DEC x | $(mark "$FOLD_VS_DEC <= 1.25") |"
    if [ -z "$SF_FAIL" ]; then
        echo "| peak RSS of \`slagg fold\` < 1 GiB | $(mib "$SF_RSS") | $(mark "$SF_RSS < 1048576") |"
    else
        echo "| peak RSS of \`slagg fold\` < 1 GiB | >= $(mib "$SF_RSS") ($SF_FAIL) | **missed** |"
    fi
    if [ -n "$RSS_GROWTH" ]; then
        echo "| peak RSS flat when the records double (growth <= 1.10x) | $RSS_GROWTH x | $(mark "$RSS_GROWTH <= 1.10") |"
    else
        echo "| peak RSS flat when the records double (growth <= 1.10x) | not measured | **missed** |"
    fi
    echo
    echo "How DuckDB computes it (bench/duckdb_fold.mjs): the error candidates (5xx with an empty or" \
        "\`provider\` cause, status 0 with \`provider\`) outside notified maintenance windows give E per" \
        "(account, 5-minute window); V is counted only for windows with E > 0 (a join of the records with" \
        "them); E/V is summed per contracted month; availability truncated to 4 decimals, tier from the" \
        "truncated figure. It reads the Parquet file three times (through, candidates, V)."
    echo
    echo "fold_bench said:"
    echo
    echo '```'
    printf '%s\n' "$FB"
    echo '```'
    echo
    echo "### Commands"
    echo
    echo '```sh'
    echo "BENCH_RECORDS=$RECORDS BENCH_ACCOUNTS=$ACCOUNTS BENCH_RSS_RECORDS=$RSS_RECORDS BENCH_THREADS=$THREADS ./run bench"
    echo "# which runs:"
    echo "cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release -DSLAGG_BUILD_BENCH=ON -DSLAGG_BUILD_TESTS=OFF && cmake --build $BUILD && bench/setup.sh"
    local c inq rq
    inq=$(printf '%q ' "${SHARDS[@]}")
    rq=$(printf '%q ' "${RSS_SHARDS[@]}")
    for c in "${COMMANDS[@]}"; do   # the shards, shortened back to their glob
        c=${c//"${inq% }"/$FLEET/records-*.shard}
        printf '%s\n' "${c//"${rq% }"/$RSS_FLEET/records-*.shard}"
    done
    echo '```'
}
REPORT=$(report)
printf '%s\n' "$REPORT"

write_section "$RESULTS" "$SECTION" "$REPORT"
[ -z "$SF_FAIL" ] || die "slagg fold did not finish ($SF_FAIL): agreement not checked"
