#!/usr/bin/env bash
# shard_size.sh - issue 3: how small are slagg shards, and how fast is
# `slagg pack`, next to plain CSV, zstd'd CSV and DuckDB's Parquet + zstd?
#
#   bench/shard_size.sh
#
# Builds slagg (./run build), installs DuckDB's Node API (bench/setup.sh),
# generates a fleet of $RECORDS records over $ACCOUNTS accounts into
# bench/data (kept: skipped when present), then on the same record files
# measures bytes/record of
#   (a) the raw CSV (all five columns),
#   (b) the CSV cut to ts,account,status,cause, plain and zstd -3 / -19 /
#       -19 --long=27,
#   (c) Parquet + zstd written by DuckDB (bench/duckdb_parquet.mjs) in each
#       ts encoding x row order x Parquet version, and the smallest again at
#       zstd level 19,
#   (d) slagg shards (`slagg pack`, default level and --level 19),
# and the pack throughput (best of $RUNS, $THREADS threads) of `slagg pack`
# against DuckDB read_csv -> Parquet on the same files. Prints a markdown
# report and puts it into bench/RESULTS.md under "## Shard size and pack
# throughput (issue 3)", replacing only that section.
#
# Environment: RECORDS (5000000), ACCOUNTS (10000), SEED (1), FILES (2),
# THREADS (2), RUNS (3), IDLE_WAIT (seconds to wait for other work on the
# machine to stop before timing, 120). Delete bench/data to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-5000000}
ACCOUNTS=${ACCOUNTS:-10000}
SEED=${SEED:-1}
FILES=${FILES:-2}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
IDLE_WAIT=${IDLE_WAIT:-120}

SLAGG=build/slagg
DATA=bench/data
FLEET=$DATA/fleet-${RECORDS}r-${ACCOUNTS}a-s${SEED}-f${FILES}
COLS4=$FLEET.cols4          # the CSV cut to ts,account,status,cause, and its .zst
PARQUET=$DATA/parquet
SHARDS=$DATA/shards
RESULTS=bench/RESULTS.md
SECTION="## Shard size and pack throughput (issue 3)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

COMMANDS=()
# run CMD...: logs the command for the report, then runs it
run() {
    local q
    q=$(printf '%q ' "$@")
    COMMANDS+=("${q% }")
    "$@"
}

size_of() { stat -c %s "$@" | awk '{s += $1} END {print s + 0}'; }
per_record() { awk -v b="$1" -v n="$RECORDS" 'BEGIN {printf "%.3f", b / n}'; }
ratio() { awk -v b="$1" -v raw="$RAW_BYTES" 'BEGIN {printf "%.1f %%", 100 * b / raw}'; }
json_field() { node -p "JSON.parse(process.argv[1]).$2" "$1"; }

# ------------------------------------------------------------------ build, data
say "building slagg"
./run build
bench/setup.sh

if [ ! -f "$FLEET/.complete" ]; then
    say "generating $RECORDS records, $ACCOUNTS accounts into $FLEET"
    rm -rf "$FLEET" "$COLS4"
    run "$SLAGG" gen --out "$FLEET" --records "$RECORDS" --accounts "$ACCOUNTS" --seed "$SEED" --files "$FILES"
    touch "$FLEET/.complete"
else
    say "using the fleet in $FLEET (delete it to regenerate)"
    COMMANDS+=("$SLAGG gen --out $FLEET --records $RECORDS --accounts $ACCOUNTS --seed $SEED --files $FILES   # cached")
fi
INPUTS=("$FLEET"/records-*.csv)
lines=$(cat "${INPUTS[@]}" | wc -l)
if [ "$lines" -ne $((RECORDS + ${#INPUTS[@]})) ]; then
    echo "shard_size.sh: $FLEET has $lines lines, expected $RECORDS records + ${#INPUTS[@]} headers" >&2
    exit 1
fi

ROWS=()   # markdown rows of the size table
add_row() { ROWS+=("| $1 | $2 | $(per_record "$2") | $(ratio "$2") |"); }

# ------------------------------------------------------------------ (a) raw CSV
RAW_BYTES=$(size_of "${INPUTS[@]}")
add_row "(a) CSV, all 5 columns (ts,account,status,cause,request_id)" "$RAW_BYTES"

# ------------------------------------------------------------------ (b) CSV, 4 columns, zstd
if grep -q '"' "${INPUTS[@]}"; then
    echo "shard_size.sh: the records have quoted fields; cutting columns with 'cut' would be wrong" >&2
    exit 1
fi
mkdir -p "$COLS4"
ZSTD_VARIANTS=("-3" "-19" "-19 --long=27")
for f in "${INPUTS[@]}"; do
    c=$COLS4/$(basename "$f")
    if [ ! -s "$c" ] || [ "$f" -nt "$c" ]; then
        say "cutting $f to 4 columns"
        cut -d, -f1-4 "$f" > "$c.tmp" && mv "$c.tmp" "$c"
    fi
    COMMANDS+=("cut -d, -f1-4 $f > $c")
    for v in "${ZSTD_VARIANTS[@]}"; do
        z=$c.$(tr -d ' =-' <<<"$v").zst
        # shellcheck disable=SC2086  # $v is a list of options
        if [ ! -s "$z" ] || [ "$c" -nt "$z" ]; then
            say "zstd $v -T$THREADS $c (level 19 takes a minute or two)"
            run zstd -q -f $v -T"$THREADS" "$c" -o "$z"
        else
            COMMANDS+=("zstd -q -f $v -T$THREADS $c -o $z   # cached")
        fi
    done
done
COLS4_FILES=()
for f in "${INPUTS[@]}"; do COLS4_FILES+=("$COLS4/$(basename "$f")"); done
add_row "(b) CSV, ts,account,status,cause" "$(size_of "${COLS4_FILES[@]}")"
for v in "${ZSTD_VARIANTS[@]}"; do
    s=$(tr -d ' =-' <<<"$v")
    add_row "(b) CSV, ts,account,status,cause, zstd $v (one .zst per file)" \
        "$(size_of "${COLS4_FILES[@]/%/.$s.zst}")"
done

# ------------------------------------------------------------------ (c) DuckDB Parquet
rm -rf "$PARQUET"
mkdir -p "$PARQUET"
# duckdb VARIANT_NAME OPTIONS...: one Parquet file; its JSON line into $j
duckdb() {
    local name=$1
    shift
    run node bench/duckdb_parquet.mjs --threads "$THREADS" "$@" --out "$PARQUET/$name.parquet" \
        "${INPUTS[@]}" > "$PARQUET/$name.json"
    j=$(cat "$PARQUET/$name.json")
    if [ "$(json_field "$j" rows)" -ne "$RECORDS" ]; then
        echo "shard_size.sh: DuckDB wrote $(json_field "$j" rows) rows, expected $RECORDS" >&2
        exit 1
    fi
}
# shellcheck disable=SC2016  # JavaScript template strings, not shell
describe_duckdb() {  # JSON -> "ts=..., order, Parquet V., zstd level"
    node -p 'const j = JSON.parse(process.argv[1]);
        `ts ${j.ts === "ms" ? "BIGINT ms" : "TIMESTAMPTZ"}, ` +
        `${j.order === "file" ? "file order" : "ORDER BY account, ts"}, ` +
        `Parquet ${j.parquet_version}, zstd level ${j.level}`' "$1"
}
# shellcheck disable=SC2016  # JavaScript template strings, not shell
column_bytes() {  # JSON -> "ts 1.234, account 0.123, ..." (bytes/record)
    node -p 'const j = JSON.parse(process.argv[1]), n = Number(process.argv[2]);
        Object.entries(j.column_bytes).map(([c, b]) => `${c} ${(b / n).toFixed(3)}`).join(", ")' \
        "$1" "$RECORDS"
}
best_duckdb_bytes=
best_duckdb_args=()
for ts in timestamptz ms; do
    for order in file account_ts; do
        for pv in V1 V2; do
            say "DuckDB: ts $ts, order $order, Parquet $pv"
            args=(--ts "$ts" --order "$order" --parquet-version "$pv")
            duckdb "$ts-$order-$pv" "${args[@]}"
            b=$(json_field "$j" bytes)
            add_row "(c) Parquet, DuckDB: $(describe_duckdb "$j")" "$b"
            if [ -z "$best_duckdb_bytes" ] || [ "$b" -lt "$best_duckdb_bytes" ]; then
                best_duckdb_bytes=$b
                best_duckdb_args=("${args[@]}")
                best_duckdb_desc=$(describe_duckdb "$j")
                best_duckdb_json=$j
            fi
        done
    done
done
say "DuckDB: the smallest layout again at zstd level 19"
duckdb best-l19 "${best_duckdb_args[@]}" --level 19
DUCKDB_VERSION=$(json_field "$j" duckdb)
best19_bytes=$(json_field "$j" bytes)
add_row "(c) Parquet, DuckDB: $(describe_duckdb "$j")" "$best19_bytes"
ROWS+=("| **(c) DuckDB's best effort at zstd 3**: $best_duckdb_desc | **$best_duckdb_bytes** | **$(per_record "$best_duckdb_bytes")** | $(ratio "$best_duckdb_bytes") |")

# ------------------------------------------------------------------ (d) slagg shards
HAVE_PACK=0
if "$SLAGG" pack --help >/dev/null 2>&1; then HAVE_PACK=1; fi
PACK_ARGS=()
if [ "$HAVE_PACK" -eq 1 ]; then
    if "$SLAGG" pack --help 2>&1 | grep -q -- '--threads'; then PACK_ARGS+=(--threads "$THREADS"); fi
    # pack_into DIR [OPTIONS]: shards of every input into DIR (emptied first)
    pack_into() {
        local dir=$1
        shift
        rm -rf "$dir"
        run "$SLAGG" pack --out "$dir" "${PACK_ARGS[@]}" "$@" "${INPUTS[@]}"
    }
    shard_records() {  # records in the shards of DIR, read back by `slagg cat`
        "$SLAGG" cat "$1"/*.shard | awk 'NR > 1 || !/^ts,/' | wc -l
    }
    say "slagg pack (default level)"
    pack_into "$SHARDS" > "$DATA/pack.log" 2>&1 || { cat "$DATA/pack.log" >&2; exit 1; }
    PACK_SUMMARY=$(cat "$DATA/pack.log")
    shard_bytes=$(size_of "$SHARDS"/*.shard)
    n=$(shard_records "$SHARDS")
    if [ "$n" -ne "$RECORDS" ]; then
        echo "shard_size.sh: the shards hold $n records, expected $RECORDS" >&2
        exit 1
    fi
    add_row "(d) slagg shards (\`slagg pack\`, default zstd level)" "$shard_bytes"
    if "$SLAGG" pack --help 2>&1 | grep -q -- '--level'; then
        say "slagg pack --level 19"
        pack_into "$SHARDS-l19" --level 19 >/dev/null
        add_row "(d) slagg shards (\`slagg pack --level 19\`)" "$(size_of "$SHARDS-l19"/*.shard)"
    fi
    ROWS+=("| **(d) slagg shards, default level** | **$shard_bytes** | **$(per_record "$shard_bytes")** | $(ratio "$shard_bytes") |")
else
    echo "pack: not available yet"
    ROWS+=("| (d) slagg shards | pack: not available yet | | |")
fi

# ------------------------------------------------------------------ throughput
# cpu_busy: percent of CPU time spent busy (not idle or iowait) over 3 s
cpu_busy() {
    local a b
    a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    sleep 3
    b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {split(a, x); split(b, y); busy = y[1] - x[1]; idle = y[2] - x[2];
        printf "%.0f", (busy + idle > 0) ? 100 * busy / (busy + idle) : 0}'
}
# wait_idle: waits (up to IDLE_WAIT s) until other work on the machine keeps
# the CPUs under 10 % busy, so that the timings are of an otherwise idle
# machine; sets BUSY to the last reading
wait_idle() {
    local waited=0
    BUSY=$(cpu_busy)
    while [ "$BUSY" -ge 10 ] && [ "$waited" -lt "$IDLE_WAIT" ]; do
        waited=$((waited + 3))
        BUSY=$(cpu_busy)
    done
    if [ "$BUSY" -ge 10 ]; then
        say "warning: the machine is not idle (CPUs $BUSY % busy); timings may be pessimistic"
    fi
}
# best_of PREP CMD...: runs PREP (untimed) then CMD, RUNS times; prints
# "WALL CPU": the smallest wall seconds and the smallest CPU seconds
# (user + sys, which other load on the machine disturbs less)
best_of() {
    local prep=$1 tf i
    shift
    tf=$(mktemp)
    for ((i = 0; i < RUNS; i++)); do
        $prep
        /usr/bin/time -f '%e %U %S' -o "$tf" "$@" >/dev/null
        cat "$tf"
    done | awk 'NR == 1 || $1 < w {w = $1} NR == 1 || $2 + $3 < c {c = $2 + $3}
                END {printf "%.2f %.2f\n", w, c}'
    rm -f "$tf"
}
TROWS=()
add_trow() {  # WHAT "WALL CPU" OUTPUT_BYTES
    local wall cpu
    read -r wall cpu <<<"$2"
    TROWS+=("| $1 | $THREADS | $wall | $cpu | $(awk -v b="$RAW_BYTES" -v s="$wall" 'BEGIN {printf "%.0f", b / 1e6 / s}') \
| $(awk -v n="$RECORDS" -v s="$wall" 'BEGIN {printf "%.2f M", n / 1e6 / s}') | $(per_record "$3") |")
}
no_prep() { :; }
rm_shards() { rm -rf "$SHARDS-t"; }

say "timing (best of $RUNS); warming the page cache first"
cat "${INPUTS[@]}" >/dev/null
wait_idle
BUSY_BEFORE=$BUSY
if [ "$HAVE_PACK" -eq 1 ]; then
    COMMANDS+=("$(printf '%q ' "$SLAGG" pack --out "$SHARDS-t" "${PACK_ARGS[@]}" "${INPUTS[@]}")  # timed, after rm -rf $SHARDS-t")
    s=$(best_of rm_shards "$SLAGG" pack --out "$SHARDS-t" "${PACK_ARGS[@]}" "${INPUTS[@]}")
    PACK_S=${s% *}
    add_trow "\`slagg pack\` (default level)" "$s" "$(size_of "$SHARDS-t"/*.shard)"
    rm -rf "$SHARDS-t"
else
    TROWS+=("| \`slagg pack\` | | pack: not available yet | | | | |")
fi
for layout in "ms account_ts V2" "ms file V2"; do
    read -r ts order pv <<<"$layout"
    out=$PARQUET/timed-$ts-$order-$pv.parquet
    cmd=(node bench/duckdb_parquet.mjs --threads "$THREADS" --ts "$ts" --order "$order" --parquet-version "$pv" --out "$out" "${INPUTS[@]}")
    COMMANDS+=("$(printf '%q ' "${cmd[@]}")  # timed")
    s=$(best_of no_prep "${cmd[@]}")
    if [ "$order" = file ]; then DUCK_FILE_S=${s% *}; else DUCK_SORTED_S=${s% *}; fi
    what="DuckDB read_csv -> Parquet zstd 3: ts BIGINT ms, $([ "$order" = file ] && echo 'file order' || echo 'ORDER BY account, ts'), $pv"
    add_trow "$what" "$s" "$(size_of "$out")"
done
BUSY_AFTER=$(cpu_busy)

# ------------------------------------------------------------------ report
CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then REV="$REV + uncommitted changes"; fi
report() {
    echo "$SECTION"
    echo
    echo "Run by \`bench/shard_size.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs ($CPU)," \
        "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory;" \
        "slagg $REV, DuckDB $DUCKDB_VERSION (@duckdb/node-api), $(zstd -V | sed 's/^\*\*\* //; s/ \*\*\*$//; s/, by.*//')."
    echo
    echo "The fleet: \`slagg gen\` with $RECORDS records, $ACCOUNTS accounts, seed $SEED, in ${#INPUTS[@]} files" \
        "($RAW_BYTES bytes of CSV). Bytes/record = file bytes / $RECORDS."
    echo
    echo "### Size"
    echo
    echo "| what | bytes | bytes/record | of raw CSV |"
    echo "| --- | ---: | ---: | ---: |"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Where DuckDB's best effort spends its bytes (compressed bytes/record of each column):" \
        "$(column_bytes "$best_duckdb_json")."
    echo
    echo "DuckDB reads the CSV with an explicit schema (ts TIMESTAMPTZ, account VARCHAR, status SMALLINT," \
        "cause VARCHAR, empty = NULL) and writes ts as TIMESTAMPTZ (INT64 UTC microseconds) or as" \
        "epoch_ms(ts) BIGINT (what a shard stores). Parquet V2 lets DuckDB use DELTA_BINARY_PACKED." \
        "Neither Parquet nor a shard keeps the +08:00 offset of the text."
    echo
    echo "### Pack throughput"
    echo
    echo "Best of $RUNS, page cache warm: wall seconds, and CPU seconds (user + sys, the smallest of the runs);" \
        "MB/s and records/s are of wall time; MB/s = input CSV bytes (all columns) / 10^6 / seconds." \
        "DuckDB's time includes starting Node and loading DuckDB (about 0.3 s)." \
        "Other work kept the CPUs $BUSY_BEFORE % busy just before the timings and $BUSY_AFTER % just after" \
        "(3-second samples of /proc/stat; the timings wait up to IDLE_WAIT s for under 10 %)."
    echo
    echo "| what | threads | wall s | CPU s | MB/s of input CSV | records/s | bytes/record |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${TROWS[@]}"
    if [ "$HAVE_PACK" -eq 1 ]; then
        echo
        awk -v s="$shard_bytes" -v d="$best_duckdb_bytes" -v p="$PACK_S" -v ds="$DUCK_SORTED_S" -v df="$DUCK_FILE_S" 'BEGIN {
            printf "In short: shards are %.1f %% of the size of DuckDB'"'"'s best effort (%s %.1f %%);", \
                100 * s / d, s <= d ? "smaller by" : "larger by", 100 * (s > d ? s - d : d - s) / d
            printf " `slagg pack` is %.1fx as fast as DuckDB writing the same order and %.1fx as fast as DuckDB in file order.\n", \
                ds / p, df / p }'
    fi
    if [ "$HAVE_PACK" -eq 1 ]; then
        echo
        echo "\`slagg pack\` said (its first, untimed run, during the size measurements):"
        echo
        echo '```'
        printf '%s\n' "$PACK_SUMMARY"
        echo '```'
    fi
    echo
    echo "### Commands"
    echo
    echo '```sh'
    echo "./run build && bench/setup.sh"
    local c inq
    inq=$(printf '%q ' "${INPUTS[@]}")
    for c in "${COMMANDS[@]}"; do   # the inputs, shortened back to their glob
        printf '%s\n' "${c//"${inq% }"/$FLEET/records-*.csv}"
    done
    echo '```'
}
REPORT=$(report)
printf '%s\n' "$REPORT"

# replace (or add) the section in RESULTS.md, leaving the rest alone
if [ ! -f "$RESULTS" ]; then
    cat > "$RESULTS" <<'EOF'
# Benchmark results

Measurements made by the scripts in `bench/` (each section names its script
and how to rerun it). Numbers are from one machine on one day: compare rows
within a section, not across machines.
EOF
fi
tmp=$(mktemp "$RESULTS.XXXXXX")
REPORT=$REPORT SECTION=$SECTION awk '
    BEGIN { report = ENVIRON["REPORT"]; section = ENVIRON["SECTION"] }
    $0 == section { skip = 1; if (!done) { print report; done = 1 }; next }
    skip && /^## / { skip = 0; print "" }
    !skip { print }
    END { if (!done) { print ""; print report } }
' "$RESULTS" > "$tmp"
mv "$tmp" "$RESULTS"
say "wrote the section to $RESULTS"
