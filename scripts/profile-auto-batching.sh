#!/bin/bash
# Profiles `tandem-bench onnx --cases auto-batching`: samples every CPU (perf's software
# cpu-clock event, call graphs by frame pointers, monotonic-clock timestamps) while the
# benchmark runs, then keeps the samples of the benchmark's client process and of its
# redis-server processes that fall inside measured rounds, and prints where the CPU goes per
# request for each model and variant (scripts/perf_breakdown.py).
#
# Usage: scripts/profile-auto-batching.sh OUTPUT_DIR [tandem-bench options...]
# Needs: perf (Debian's linux-perf), a release build (.build/release/tandem-bench, or
# TANDEM_BENCH), TANDEM_MODULE_PATH and TANDEM_PYTHON as for the benchmark; PERF_FREQUENCY
# sets the sampling rate (default 2000 per second per CPU). Writes into OUTPUT_DIR:
# bench.json (the benchmark's lines), rounds.txt (its round log), perf.data, perf.txt (perf
# script), breakdown.txt, and folded/*.folded (stacks for flame graph tools) with a flame
# graph of each (folded/*.svg, scripts/flamegraph.py).
set -euo pipefail
out=${1:?usage: $0 OUTPUT_DIR [tandem-bench options...]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${TANDEM_BENCH:-$here/.build/release/tandem-bench}
frequency=${PERF_FREQUENCY:-2000}
rm -f "$out/rounds.txt" "$out/pids.txt"
touch "$out/rounds.txt"

perf record -e cpu-clock -F "$frequency" -g -a -k CLOCK_MONOTONIC -o "$out/perf.data" 2> "$out/perf-record.log" &
perf_pid=$!
sleep 1
TANDEM_BENCH_ROUND_LOG="$out/rounds.txt" "$bench" onnx --cases auto-batching "$@" > "$out/bench.json" &
bench_pid=$!
# The benchmark's redis-server children, as they come and go.
while kill -0 "$bench_pid" 2> /dev/null; do
    pgrep -P "$bench_pid" redis-server >> "$out/pids.txt" || true
    sleep 0.5
done
wait "$bench_pid"
kill -INT "$perf_pid"
wait "$perf_pid" || true
cat "$out/bench.json"

perf script -i "$out/perf.data" -F comm,pid,tid,time,period,ip,sym,dso --ns > "$out/perf.txt" 2> /dev/null
redis_pids=$(sort -u "$out/pids.txt" | paste -sd, -)
# Requests per round of each model, from the benchmark's own lines.
per_round=$(python3 -c '
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
print(",".join("%s=%d" % (r["model"], r["requests_per_round"]) for r in rows if r.get("case") == "auto-batching"))
' "$out/bench.json")
PERF_FREQUENCY=$frequency python3 "$here/scripts/perf_breakdown.py" "$out/perf.txt" "$out/rounds.txt" \
    --bench-pid "$bench_pid" --redis-pids "$redis_pids" --requests-per-round "$per_round" \
    --folded "$out/folded" | tee "$out/breakdown.txt"
for folded in "$out"/folded/*.folded; do
    python3 "$here/scripts/flamegraph.py" "$folded" > "${folded%.folded}.svg"
done
