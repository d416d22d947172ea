# shellcheck shell=bash disable=SC2034  # sets IDLE_OK, KILLED, RC, WALL, RSS_KB for the scripts that source it
# lib.sh - what the benchmark scripts in bench/ share (sourced, not run):
# messages, the idle wait, a timed run under /usr/bin/time -v with an RSS
# watchdog, and replacing one section of bench/RESULTS.md.
#
#   . bench/lib.sh     # from the repository root, with IDLE_LOAD, IDLE_WAIT set

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
now() { date +%s.%N; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

# waits until the 1-minute load is below IDLE_LOAD (polled every 30 s, up
# to IDLE_WAIT s); IDLE_OK=no when it never was
wait_idle() {
    local waited=0
    while awk -v m="$IDLE_LOAD" '{exit !($1 >= m)}' /proc/loadavg && [ "$waited" -lt "$IDLE_WAIT" ]; do
        [ $((waited % 120)) -eq 0 ] && say "waiting for the machine to go idle (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        sleep 30
        waited=$((waited + 30))
    done
    if awk -v m="$IDLE_LOAD" '{exit !($1 >= m)}' /proc/loadavg; then
        say "warning: the machine is not idle after ${IDLE_WAIT}s (load average $(cut -d' ' -f1-3 /proc/loadavg)); timings may be pessimistic"
        IDLE_OK=no
    fi
}

# time_v LOG LIMIT_KB CMD...: runs CMD under /usr/bin/time -v (log in LOG);
# sets WALL (s), RSS_KB and RC. With LIMIT_KB > 0, a watchdog kills CMD once
# its RSS passes LIMIT_KB (the machine is shared) and sets KILLED to the RSS
# it saw.
time_v() {
    local log=$1 limit=$2 tpid cpid r
    shift 2
    /usr/bin/time -v -o "$log" "$@" &
    tpid=$!
    KILLED=
    while [ "$limit" -gt 0 ] && kill -0 "$tpid" 2>/dev/null; do
        sleep 1
        cpid=$(pgrep -P "$tpid" | head -n 1 || true)
        [ -n "$cpid" ] || continue
        r=$(awk '/^VmRSS:/ {print $2}' "/proc/$cpid/status" 2>/dev/null || true)
        if [ "${r:-0}" -gt "$limit" ]; then
            KILLED=$r
            kill "$cpid" 2>/dev/null || true
            break
        fi
    done
    RC=0
    wait "$tpid" || RC=$?
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f", s}' "$log")
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
}

# write_section FILE SECTION REPORT: replaces (or adds) the section that
# starts with the line SECTION in FILE, leaving the rest alone
write_section() {
    local results=$1 section=$2 report=$3 tmp
    if [ ! -f "$results" ]; then
        printf '%s\n' '# Benchmark results' '' \
            'Measurements made by the scripts in `bench/` (each section names its script' \
            'and how to rerun it). Numbers are from one machine on one day: compare rows' \
            'within a section, not across machines.' > "$results"
    fi
    tmp=$(mktemp "$results.XXXXXX")
    REPORT=$report SECTION=$section awk '
        BEGIN { report = ENVIRON["REPORT"]; section = ENVIRON["SECTION"] }
        $0 == section { skip = 1; if (!done) { print report; done = 1 }; next }
        skip && /^## / { skip = 0; print "" }
        !skip { print }
        END { if (!done) { print ""; print report } }
    ' "$results" > "$tmp"
    mv "$tmp" "$results"
    say "wrote the section to $results"
}
