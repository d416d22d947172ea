#!/usr/bin/env bash
# tests/crash/crash.sh BUILD_DIR - `./run crash`: the one-generation commit
# (SPEC 4, docs/RELIABILITY.md section 2) against random SIGKILLs while a
# loader polls the directory.
#
#   - KILLS (default 200) folds into one --out, each killed with SIGKILL at
#     a random instant of its run (uniform over twice the slowest of three
#     full runs, so about half finish even on a busy machine), alternating two --through dates so consecutive generations
#     differ; after each kill `crash_poll --once` checks that DIR/current
#     names one whole generation matching its manifest and that DIR/NAME
#     shows its files, and that those are one run's outputs, whole;
#   - meanwhile `crash_poll --reads READS` (default 100000) reads the
#     directory through one resolution of DIR/current at a time and checks
#     every file against the manifest: 0 mixed snapshots required;
#   - a last full run leaves no temporary and at most two generations.
#
# Takes about a minute on two cores. SLAGG_CRASH_KILLS, SLAGG_CRASH_READS
# and SLAGG_CRASH_SEED change the defaults.
set -euo pipefail
build=${1:-build}
bin=$(cd "$build" && pwd)/slagg
poll=$(cd "$build" && pwd)/crash_poll
kills=${SLAGG_CRASH_KILLS:-200}
reads=${SLAGG_CRASH_READS:-100000}
RANDOM=${SLAGG_CRASH_SEED:-4242}
work=$(mktemp -d /tmp/slagg-crash-XXXXXX)
poller=
cleanup() {
    [ -n "$poller" ] && kill "$poller" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "crash: FAILED: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

"$bin" gen --out fleet --records 60000 --accounts 40 --files 2 --seed 3 >/dev/null
# (an array, not a function: `fold &` must be the slagg process itself,
# so that kill -KILL hits it and not a subshell)
fold_cmd=("$bin" fold --quiet --contracts fleet/contracts.csv --fees fleet/fees.csv
    --maintenance fleet/maintenance.csv --holidays fleet/holidays.csv --threads 2
    fleet/records-000.csv fleet/records-001.csv)
fold() { "${fold_cmd[@]}" --out "$1" --through "$2"; } # fold OUT THROUGH
fold refa 2026-03-20
fold refb 2026-03-31
cmp -s refa/finance.csv refb/finance.csv && fail "the two reference runs should differ"
# a full run's time: the slowest of three (the machine may be busy; kills
# drawn over twice that land on both sides of the commit either way)
full=1
for _ in 1 2 3; do
    t0=$(now_ms); fold out 2026-03-20; t=$(( $(now_ms) - t0 ))
    [ "$t" -le "$full" ] || full=$t
done
echo "crash: a full fold takes ${full} ms; $kills kills, $reads polling reads" >&2

"$poll" --reads "$reads" --until "$work/stop" "$work/out" >"$work/poll.out" 2>"$work/poll.err" &
poller=$!

whose() { # which run's outputs out/ shows: a, b, or fail
    local w=
    for f in finance.csv finance.jsonl summary.json availability.slagg manifest.json; do
        local x=
        cmp -s "out/$f" "refa/$f" && x=a
        cmp -s "out/$f" "refb/$f" && x=${x}b
        case "$x" in a|b) ;; *) fail "kill $1: out/$f is neither run's ($x)" ;; esac
        [ -z "$w" ] || [ "$w" = "$x" ] || fail "kill $1: a mix of two runs"
        w=$x
    done
    echo "$w"
}

n_a=0 n_b=0
for ((i = 1; i <= kills; i++)); do
    if ((i % 2)); then through=2026-03-31; else through=2026-03-20; fi
    delay=$(( (RANDOM * 32768 + RANDOM) % (full * 2 + 1) ))
    "${fold_cmd[@]}" --out out --through "$through" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    "$poll" --once out || fail "kill $i (after ${delay} ms of ${full}): DIR is not one whole generation"
    w=$(whose "$i") || exit 1
    case "$w" in a) n_a=$((n_a + 1)) ;; b) n_b=$((n_b + 1)) ;; esac
done
echo "crash: $kills kills: $n_a left the 03-20 run's generation, $n_b the 03-31 run's" >&2

touch "$work/stop"
poll_rc=0
wait "$poller" || poll_rc=$?
poller=
cat "$work/poll.out" >&2
cat "$work/poll.err" >&2
[ "$poll_rc" -eq 0 ] || fail "the polling reader saw mixed snapshots (exit $poll_rc)"

fold out 2026-03-31
"$poll" --once out || fail "after the last run"
w=$(whose last) || exit 1
[ "$w" = b ] || fail "the last run's outputs are not current"
temps=$(find out -maxdepth 1 -name '.*.tmp-*' | wc -l)
gens=$(find out -maxdepth 1 -name '.gen-*' | wc -l)
[ "$temps" -eq 0 ] || fail "$temps temporaries left after a whole run"
[ "$gens" -le 2 ] || fail "$gens generation folders left after a whole run"
[ "$n_a" -gt 0 ] && [ "$n_b" -gt 0 ] || fail "the kills never landed on both sides of a commit"
echo "crash: OK" >&2
