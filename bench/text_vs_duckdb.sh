#!/usr/bin/env bash
# text_vs_duckdb.sh - issue 13: `slagg fold` reading the request logs
# themselves (CSV and NDJSON text, not shards), next to DuckDB computing
# the same availability from the same files, and slagg's memory as the
# logs grow. Run by `./run bench-text`.
#
#   bench/text_vs_duckdb.sh
#   BENCH_TEXT_RECORDS="200000 400000" BENCH_NO_RESULTS=1 ./run bench-text   # a quick try
#
# The targets (issue 13): on CSV and NDJSON logs of 5 M and 50 M records
# (20 k accounts), `slagg fold` at least 2x as fast as DuckDB reading the
# same files, its peak RSS at most 1 GiB, growing at most 1.2x when the
# records double. Everyone runs with the same thread count.
#
# 1. builds slagg when $SLAGG is missing (`./run build` into
#    $BENCH_BUILD_DIR) and DuckDB's Node API (bench/setup.sh);
# 2. for each format and each record count makes the fleet, `slagg gen
#    --files 2 --seed 1 [--format ndjson] [--compress]`, in
#    bench/data/text-<format>-<records>-<accounts>[-zst] (kept: skipped when
#    present);
# 3. waits for an idle machine (1-minute load < $BENCH_IDLE_LOAD, polled
#    every 30 s, up to $BENCH_IDLE_WAIT s, once before each fleet), warms
#    the page cache with the fleet's logs, then with $BENCH_THREADS threads
#    measures
#      `slagg fold --threads T -q --out TMP --contracts --fees --maintenance
#              --holidays LOGS` (the whole command, all four tables; under
#              /usr/bin/time -v: best wall of $BENCH_REPEAT runs, the
#              highest peak RSS of them; a watchdog kills it above
#              $BENCH_FOLD_RSS_LIMIT_MB),
#      DuckDB computing the same per-account, per-period availability
#              from the same files (bench/duckdb_fold.mjs fold --input
#              csv|ndjson: read_csv / read_json with explicit columns; the
#              SQL's time alone, reading the text included, best of
#              $BENCH_DUCKDB_RUNS; Node's start and loading DuckDB not
#              counted);
# 4. checks that DuckDB and slagg's finance.csv agree on every (account,
#    period_start) (bench/duckdb_fold.mjs check: same tier, same
#    availability_pct, 0.0001 off only where DuckDB's double sits on a
#    truncation boundary) and that DuckDB read every record;
# 5. prints the figures and puts them into bench/RESULTS.md under
#    "## Text logs vs DuckDB (issue 13)", replacing only that section
#    (not with BENCH_NO_RESULTS=1). A disagreement (or DuckDB reading
#    another number of records) fails the run (exit 1) and writes nothing;
#    a `slagg fold` that failed or was killed is reported in the section
#    as such (its fleet not checked), and the run then exits 1.
#
# Environment: BENCH_TEXT_RECORDS ("5000000 50000000", ascending),
# BENCH_TEXT_ACCOUNTS (20000), BENCH_TEXT_FORMATS ("csv ndjson"),
# BENCH_TEXT_COMPRESS (0; 1: zstd logs, `gen --compress`), BENCH_TEXT_SCAN
# (once: DuckDB reads the text into a temporary table first; each: its
# plan reads the files at each of its scans), BENCH_THREADS (2),
# BENCH_REPEAT (2), BENCH_DUCKDB_RUNS (2), BENCH_IDLE_LOAD (1.5),
# BENCH_IDLE_WAIT (900), SLAGG (the binary; default
# $BENCH_BUILD_DIR/slagg, BENCH_BUILD_DIR default build),
# BENCH_FOLD_RSS_LIMIT_MB (a third of memory), BENCH_NO_RESULTS (1: print
# only, leave RESULTS.md alone), BENCH_NOTE (a line added to the report).
# Delete bench/data/text-* to start from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RECORDS_LIST=${BENCH_TEXT_RECORDS:-5000000 50000000}
ACCOUNTS=${BENCH_TEXT_ACCOUNTS:-20000}
FORMATS=${BENCH_TEXT_FORMATS:-csv ndjson}
COMPRESS=${BENCH_TEXT_COMPRESS:-0}
TEXT_SCAN=${BENCH_TEXT_SCAN:-once}
THREADS=${BENCH_THREADS:-2}
REPEAT=${BENCH_REPEAT:-2}
DUCKDB_RUNS=${BENCH_DUCKDB_RUNS:-2}
IDLE_LOAD=${BENCH_IDLE_LOAD:-1.5}
IDLE_WAIT=${BENCH_IDLE_WAIT:-900}
BUILD=${BENCH_BUILD_DIR:-build}
SLAGG_GIVEN=${SLAGG:+yes}
SLAGG=${SLAGG:-$BUILD/slagg}
NO_RESULTS=${BENCH_NO_RESULTS:-0}
FOLD_LIMIT_MB=${BENCH_FOLD_RSS_LIMIT_MB:-$(awk '/MemTotal/ {printf "%d", $2 / 1024 / 3}' /proc/meminfo)}
FOLD_LIMIT_KB=$((FOLD_LIMIT_MB * 1024))
SEED=1
FILES=2

DATA=bench/data
RESULTS=bench/RESULTS.md
SECTION="## Text logs vs DuckDB (issue 13)"

die() { printf 'text_vs_duckdb.sh: %s\n' "$*" >&2; exit 1; }
json_field() { node -p "JSON.parse(process.argv[1]).$2" "$1"; }
mrps() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.2f M", n / 1e6 / s}'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }

for v in ACCOUNTS THREADS REPEAT DUCKDB_RUNS FOLD_LIMIT_MB; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer (got '${!v}')"
done
[[ $IDLE_WAIT =~ ^[0-9]+$ ]] || die "BENCH_IDLE_WAIT must be a number of seconds (got '$IDLE_WAIT')"
prev=0
for r in $RECORDS_LIST; do
    [[ $r =~ ^[1-9][0-9]*$ ]] || die "BENCH_TEXT_RECORDS holds positive integers (got '$r')"
    [ "$r" -gt "$prev" ] || die "BENCH_TEXT_RECORDS must be ascending (got '$RECORDS_LIST')"
    prev=$r
done
[ -n "$RECORDS_LIST" ] || die "BENCH_TEXT_RECORDS is empty"
for f in $FORMATS; do
    [ "$f" = csv ] || [ "$f" = ndjson ] || die "BENCH_TEXT_FORMATS holds csv and/or ndjson (got '$f')"
done
[ -n "$FORMATS" ] || die "BENCH_TEXT_FORMATS is empty"
[ "$COMPRESS" = 0 ] || [ "$COMPRESS" = 1 ] || die "BENCH_TEXT_COMPRESS is 0 or 1 (got '$COMPRESS')"
[ "$TEXT_SCAN" = once ] || [ "$TEXT_SCAN" = each ] || die "BENCH_TEXT_SCAN is once or each (got '$TEXT_SCAN')"
[ "$NO_RESULTS" = 0 ] || [ "$NO_RESULTS" = 1 ] || die "BENCH_NO_RESULTS is 0 or 1 (got '$NO_RESULTS')"

COMMANDS=()
# qcmd CMD...: CMD quoted for the report, on one line
qcmd() { local q; q=$(printf '%q ' "$@"); printf '%s' "${q% }"; }

# ------------------------------------------------------------------ 1. build
if [ ! -x "$SLAGG" ]; then
    [ -z "$SLAGG_GIVEN" ] || die "SLAGG=$SLAGG is not an executable"
    say "building $SLAGG (./run build, $BUILD)"
    SLAGG_BUILD_DIR=$BUILD ./run build
    [ -x "$SLAGG" ] || die "$SLAGG was not built (set SLAGG to the binary, or BENCH_BUILD_DIR)"
fi
bench/setup.sh
command -v /usr/bin/time >/dev/null || die "/usr/bin/time is missing (apt-get install time)"

# ------------------------------------------------------------------ disk
# bytes/record of `slagg gen` text (5 columns; NDJSON adds keys and an IP),
# with margin: CSV ~63, NDJSON ~130; zstd about a fifth of that
fleet_dir() { echo "$DATA/text-$1-$2-$ACCOUNTS$([ "$COMPRESS" = 0 ] || echo -zst)"; }
need=$((1 << 30))
for f in $FORMATS; do
    for r in $RECORDS_LIST; do
        [ -f "$(fleet_dir "$f" "$r")/.complete" ] && continue
        b=70; [ "$f" = ndjson ] && b=140
        [ "$COMPRESS" = 0 ] || b=$((b / 4))
        need=$((need + r * b))
    done
done
mkdir -p "$DATA"
avail=$(df --output=avail -B1 "$DATA" | tail -n 1 | tr -d ' ')
if [ "$avail" -lt "$need" ]; then
    die "not enough free disk in $DATA: $((avail >> 20)) MiB free, about $((need >> 20)) MiB needed (delete old bench/data/text-*, or set BENCH_TEXT_RECORDS lower)"
fi
say "disk: $((avail >> 30)) GiB free, about $((need >> 30)) GiB needed"

# ------------------------------------------------------------------ 2. fleets
# fleet FORMAT RECORDS: `slagg gen` of text logs into its directory unless complete
fleet() {
    local f=$1 n=$2 dir t0 t1 opts=()
    dir=$(fleet_dir "$f" "$n")
    [ "$f" = csv ] || opts+=(--format "$f")
    [ "$COMPRESS" = 0 ] || opts+=(--compress)
    if [ -f "$dir/.complete" ]; then
        say "using the fleet in $dir (delete it to regenerate)"
        COMMANDS+=("$(qcmd "$SLAGG" gen --files "$FILES" --seed "$SEED" "${opts[@]}" --records "$n" --accounts "$ACCOUNTS" --out "$dir")   # cached")
        return
    fi
    say "generating $n records, $ACCOUNTS accounts, $f into $dir"
    rm -rf "$dir"
    COMMANDS+=("$(qcmd "$SLAGG" gen --files "$FILES" --seed "$SEED" "${opts[@]}" --records "$n" --accounts "$ACCOUNTS" --out "$dir")")
    t0=$(now)
    "$SLAGG" gen --quiet --files "$FILES" --seed "$SEED" "${opts[@]}" --records "$n" --accounts "$ACCOUNTS" --out "$dir"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f\n", b - a}' > "$dir/.gen_seconds"
    touch "$dir/.complete"
}
for f in $FORMATS; do
    for r in $RECORDS_LIST; do fleet "$f" "$r"; done
done

# ------------------------------------------------------------------ 3. measure
# Waits (up to IDLE_WAIT s, polling every 30 s) for the 1-minute load average
# to drop below IDLE_LOAD: other builds and tests share this machine.
IDLE_OK=yes

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
UPTIME_START=$(uptime)
ROWS=()        # one line per fleet, fields separated by \x1f (see report)
AGREE=()       # one line per fleet
FAILED=()      # why the run fails, if it does: reported, then exit 1
DISAGREE=()    # why the figures cannot stand: nothing written, exit 1

for f in $FORMATS; do
    for n in $RECORDS_LIST; do
        dir=$(fleet_dir "$f" "$n")
        logs=("$dir"/records-*)
        tables=(--contracts "$dir/contracts.csv" --fees "$dir/fees.csv" --maintenance "$dir/maintenance.csv"
                --holidays "$dir/holidays.csv")
        bytes=$(stat -c %s "${logs[@]}" | awk '{s += $1} END {printf "%.0f\n", s}')
        say "$f, $n records: warming the page cache ($bytes bytes of logs)"
        cat "${logs[@]}" > /dev/null
        wait_idle
        lf=$(load)

        say "$f, $n records: slagg fold ($THREADS threads, best of $REPEAT)"
        COMMANDS+=("$(printf '%q ' /usr/bin/time -v "$SLAGG" fold --threads "$THREADS" -q --out OUT "${tables[@]}")$dir/records-*")
        sf_s='' sf_rss=0 sf_fail=''
        for ((i = 0; i < REPEAT; i++)); do
            rm -rf "$WORK/out"
            time_v "$WORK/fold.time" "$FOLD_LIMIT_KB" "$SLAGG" fold --threads "$THREADS" -q --out "$WORK/out" \
                "${tables[@]}" "${logs[@]}" 2> "$WORK/fold.stderr"
            [ "$RSS_KB" -le "$sf_rss" ] || sf_rss=$RSS_KB
            if [ -n "$KILLED" ]; then sf_fail="killed by the watchdog at $(mib "$KILLED") RSS after $WALL s"; break; fi
            if [ "$RC" -ne 0 ]; then
                sf_fail="failed (exit $RC) after $WALL s: $(tail -n 3 "$WORK/fold.stderr" | tr '\n' ' ')"
                break
            fi
            say "  slagg fold: $WALL s, $(mib "$RSS_KB") (load $(load))"
            if [ -z "$sf_s" ] || lt "$WALL" "$sf_s"; then sf_s=$WALL; fi
        done
        if [ -n "$sf_fail" ]; then
            say "slagg fold: $sf_fail"
            FAILED+=("slagg fold on $dir: $sf_fail")
        fi

        ld=$(load)
        say "$f, $n records: DuckDB, the same availability from the same files ($THREADS threads, best of $DUCKDB_RUNS)"
        COMMANDS+=("$(printf '%q ' node bench/duckdb_fold.mjs fold --input "$f" --text-scan "$TEXT_SCAN" --threads "$THREADS" \
            --contracts "$dir/contracts.csv" --maintenance "$dir/maintenance.csv" --out OUT.csv)$dir/records-*")
        dk_s=
        for ((i = 0; i < DUCKDB_RUNS; i++)); do
            time_v "$WORK/duckdb.time" 0 node bench/duckdb_fold.mjs fold --input "$f" --text-scan "$TEXT_SCAN" \
                --threads "$THREADS" --contracts "$dir/contracts.csv" --maintenance "$dir/maintenance.csv" \
                --out "$WORK/duckdb.csv" "${logs[@]}" > "$WORK/duckdb.json"
            [ "$RC" -eq 0 ] || die "DuckDB failed on $dir (exit $RC)"
            j=$(cat "$WORK/duckdb.json")
            printf '%s\n' "$j"
            s=$(json_field "$j" seconds)
            if [ -z "$dk_s" ] || lt "$s" "$dk_s"; then
                dk_s=$s dk_read=$(json_field "$j" read_seconds) dk_total=$(json_field "$j" total_seconds) dk_rss=$RSS_KB
            fi
            dk_records=$(json_field "$j" records)
            if [ "$dk_records" != null ] && [ "$dk_records" -ne "$n" ]; then
                DISAGREE+=("DuckDB read $dk_records records of $dir, expected $n")
            fi
        done
        DUCKDB_VERSION=$(json_field "$j" duckdb)
        la=$(load)

        if [ -n "$sf_fail" ]; then
            AGREE+=("$f, $n records: not checked (slagg fold did not finish)")
        else
            say "$f, $n records: agreement of DuckDB and slagg's finance.csv"
            COMMANDS+=("node bench/duckdb_fold.mjs check --slagg OUT/finance.csv --duckdb OUT.csv")
            if CHECK=$(node bench/duckdb_fold.mjs check --slagg "$WORK/out/finance.csv" --duckdb "$WORK/duckdb.csv"); then
                printf '%s\n' "$CHECK"
                CK() { json_field "$CHECK" "$1"; }
                AGREE+=("$f, $n records: $(CK rows) rows, $(CK only_slagg) only in slagg, $(CK only_duckdb) only in DuckDB, $(CK tier_diff) with different tiers, $(CK equal) with equal availability_pct, $(CK boundary) 0.0001 apart on a truncation boundary (allowed), $(CK pct_diff) other differences: **they agree**.")
            else
                printf '%s\n' "$CHECK"
                DISAGREE+=("DuckDB and slagg disagree on $dir (listing above)")
                AGREE+=("$f, $n records: **they disagree**: $CHECK")
            fi
        fi
        row=$(printf '%s\x1f' "$f" "$n" "$bytes" "${sf_s:--}" "$sf_rss" "$sf_fail" "$dk_s" "$dk_read" "$dk_total" "$dk_rss" "$lf" "$ld")
        ROWS+=("$row$la")
    done
done
UPTIME_END=$(uptime)

# ------------------------------------------------------------------ 4. report
CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then REV="$REV + uncommitted changes"; fi
SLAGG_REV=$("$SLAGG" --version 2>/dev/null | head -n 1 || true)
mark() { if awk "BEGIN {exit !($1)}"; then echo "**met**"; else echo "**missed**"; fi; }

report() {
    local row f n bytes sf_s sf_rss sf_fail dk_s dk_read dk_total dk_rss lf ld la pf pn prss ratio growth
    echo "$SECTION"
    echo
    echo "Run by \`bench/text_vs_duckdb.sh\` (\`./run bench-text\`) on $(date -u '+%Y-%m-%d %H:%M UTC'):" \
        "$(nproc) CPUs ($CPU), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory;" \
        "slagg $REV${SLAGG_REV:+ ($SLAGG_REV)}, DuckDB $DUCKDB_VERSION (@duckdb/node-api), $THREADS threads for everyone."
    echo "Load: \`uptime\` before: \`$UPTIME_START\`; after: \`$UPTIME_END\`" \
        "(waited for a 1-minute load < $IDLE_LOAD before each fleet: $([ "$IDLE_OK" = yes ] && echo reached || echo "not always reached within ${IDLE_WAIT} s"))."
    [ -z "${BENCH_NOTE:-}" ] || { echo; echo "$BENCH_NOTE"; }
    echo
    echo "The fleets: \`slagg gen --files $FILES --seed $SEED\` with $ACCOUNTS accounts, one month (2026-03)," \
        "as CSV (ts,account,status,cause,request_id) and as NDJSON (\`--format ndjson\`: ts, account, status," \
        "cause when there is one, req {id, ip}), the same records in both$([ "$COMPRESS" = 0 ] || echo ", zstd-compressed (\`--compress\`)")." \
        "Page cache warm. slagg: the whole \`slagg fold\` command (all four tables; finance.csv/jsonl, summary," \
        "availability.slagg), wall time best of $REPEAT, peak RSS the highest of them. DuckDB: the SQL alone" \
        "(reading the text included; without starting Node and loading DuckDB, given as \"with Node\")," \
        "best of $DUCKDB_RUNS; its plan: $([ "$TEXT_SCAN" = once ] && echo "read the text once into a temporary table, then the staged query" || echo "the staged query reading the files at each scan")."
    echo
    echo "| format | records | log bytes | \`slagg fold\` s | records/s | slagg peak RSS | DuckDB s (reading) | with Node | DuckDB RSS | DuckDB / slagg | slagg RSS vs the previous size | load before slagg / DuckDB / after |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    pf='' pn='' prss=''
    for row in "${ROWS[@]}"; do
        IFS=$'\x1f' read -r f n bytes sf_s sf_rss sf_fail dk_s dk_read dk_total dk_rss lf ld la <<<"$row"
        growth=
        if [ "$f" = "$pf" ] && [ -z "$sf_fail" ] && [ -n "$prss" ]; then
            growth="$(awk -v a="$sf_rss" -v b="$prss" -v n="$n" -v m="$pn" 'BEGIN {printf "%.3f x (records %.3g x)", a / b, n / m}')"
        fi
        [ "$dk_read" = null ] && dk_read= || dk_read=" ($dk_read)"
        if [ -z "$sf_fail" ]; then
            ratio=$(awk -v a="$dk_s" -v b="$sf_s" 'BEGIN {printf "%.2f", a / b}')
            echo "| $f | $n | $bytes | $sf_s | $(mrps "$n" "$sf_s") | $(mib "$sf_rss") | $dk_s$dk_read | $dk_total | $(mib "$dk_rss") | **$ratio x** | ${growth:--} | $lf / $ld / $la |"
            pf=$f pn=$n prss=$sf_rss
        else
            echo "| $f | $n | $bytes | **$sf_fail** | | >= $(mib "$sf_rss") | $dk_s$dk_read | $dk_total | $(mib "$dk_rss") | | | $lf / $ld / $la |"
            pf=$f pn='' prss=''
        fi
    done
    echo
    echo "DuckDB / slagg is DuckDB's SQL seconds over slagg's whole command (slagg's figure includes starting" \
        "the process, reading the tables and writing the outputs; DuckDB's does not)."
    echo
    echo "### Agreement"
    echo
    printf -- '- %s\n' "${AGREE[@]}"
    echo
    echo "### Targets (issue 13)"
    echo
    echo "| target | format | measured | |"
    echo "| --- | --- | ---: | --- |"
    local fmt first last frss lrss fn ln
    for fmt in $FORMATS; do
        first='' last=''
        for row in "${ROWS[@]}"; do
            IFS=$'\x1f' read -r f n bytes sf_s sf_rss sf_fail dk_s dk_read dk_total dk_rss lf ld la <<<"$row"
            [ "$f" = "$fmt" ] || continue
            if [ -n "$sf_fail" ]; then
                echo "| \`slagg fold\` >= 2x as fast as DuckDB, $n records | $f | slagg did not finish | **missed** |"
                echo "| peak RSS <= 1 GiB, $n records | $f | >= $(mib "$sf_rss") | **missed** |"
                continue
            fi
            ratio=$(awk -v a="$dk_s" -v b="$sf_s" 'BEGIN {printf "%.2f", a / b}')
            echo "| \`slagg fold\` >= 2x as fast as DuckDB, $n records | $f | $ratio x | $(mark "$ratio >= 2") |"
            echo "| peak RSS <= 1 GiB, $n records | $f | $(mib "$sf_rss") | $(mark "$sf_rss <= 1048576") |"
            [ -n "$first" ] || { first=$n; frss=$sf_rss; fn=$n; }
            last=$n lrss=$sf_rss ln=$n
        done
        if [ -n "$first" ] && [ "$first" != "$last" ]; then
            growth=$(awk -v a="$lrss" -v b="$frss" 'BEGIN {printf "%.3f", a / b}')
            # growth over >= 2x the records bounds the growth per doubling (peak RSS does not shrink with more records)
            if awk -v n="$ln" -v m="$fn" 'BEGIN {exit !(n / m >= 2)}'; then
                echo "| peak RSS grows <= 1.2x when the records double | $fmt | $growth x from $fn to $ln records ($(awk -v n="$ln" -v m="$fn" 'BEGIN {printf "%.3g", n / m}') x the records) | $(mark "$growth <= 1.2") |"
            else
                echo "| peak RSS grows <= 1.2x when the records double | $fmt | $growth x from $fn to $ln records (less than 2x the records: not shown) | **missed** |"
            fi
        else
            echo "| peak RSS grows <= 1.2x when the records double | $fmt | not measured (one size, or a fold did not finish) | **missed** |"
        fi
    done
    echo
    echo "A growth of at most 1.2x over 2x the records or more is read as met per doubling (peak RSS does not" \
        "shrink with more records)."
    echo
    echo "How DuckDB computes it (bench/duckdb_fold.mjs fold --input csv|ndjson): read_csv (auto_detect off," \
        "explicit columns, ts TIMESTAMPTZ) or read_json (newline_delimited, explicit columns) of the same" \
        "files; the error candidates outside notified maintenance give E per (account, 5-minute window);" \
        "V only for windows with E > 0; E/V summed per contracted month; availability truncated to 4" \
        "decimals, tier from the truncated figure."
    echo
    echo "### Commands"
    echo
    echo '```sh'
    echo "BENCH_TEXT_RECORDS=\"$RECORDS_LIST\" BENCH_TEXT_ACCOUNTS=$ACCOUNTS BENCH_TEXT_FORMATS=\"$FORMATS\" BENCH_TEXT_COMPRESS=$COMPRESS BENCH_TEXT_SCAN=$TEXT_SCAN BENCH_THREADS=$THREADS BENCH_REPEAT=$REPEAT BENCH_DUCKDB_RUNS=$DUCKDB_RUNS ./run bench-text"
    echo "# which runs:"
    printf '%s\n' "${COMMANDS[@]}"
    echo '```'
}
REPORT=$(report)
printf '%s\n' "$REPORT"

if [ ${#DISAGREE[@]} -gt 0 ]; then
    printf 'text_vs_duckdb.sh: %s\n' "${DISAGREE[@]}" "${FAILED[@]}" >&2
    die "nothing written to $RESULTS"
fi
# finish: exits 1 when a fold failed (after the report is out), else 0
finish() {
    [ ${#FAILED[@]} -eq 0 ] || { printf 'text_vs_duckdb.sh: %s\n' "${FAILED[@]}" >&2; exit 1; }
    exit 0
}
if [ "$NO_RESULTS" = 1 ]; then
    say "BENCH_NO_RESULTS=1: $RESULTS left alone"
    finish
fi

write_section "$RESULTS" "$SECTION" "$REPORT"
finish
