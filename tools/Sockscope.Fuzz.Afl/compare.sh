#!/usr/bin/env bash
# Runs afl-fuzz (coverage-guided, through SharpFuzz) and the mutation fuzzer side by side for the same time, on the
# same seeds, checks and instrumentation, then counts what each reached: edges (SharpFuzz's 64 KiB map, afl-fuzz's
# "edges found") and failures by kind (one-buffer violations by signature, crashes by type and frame).
# Needs afl-fuzz (Debian: apt-get install afl++) and the sharpfuzz tool (installed to a temporary folder if absent).
# Usage: tools/Sockscope.Fuzz.Afl/compare.sh [SECONDS=900] [SEED=1] [OUT=/tmp/sockscope-fuzz-compare]
# Nothing is written in the repository: the instrumented build, the seeds and afl-fuzz's findings go to OUT.
set -euo pipefail
seconds=${1:-900}
seed=${2:-1}
out=${3:-/tmp/sockscope-fuzz-compare}
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is missing (apt-get install afl++)"; exit 1; }
sharpfuzz=$(command -v sharpfuzz || true)
if [ -z "$sharpfuzz" ]; then
    dotnet tool install --tool-path "$out/tool" SharpFuzz.CommandLine --version 2.3.0 >/dev/null 2>&1 || true
    sharpfuzz="$out/tool/sharpfuzz"
fi
rm -rf "$out/bin" "$out/seeds" "$out/afl" "$out/real" "$out/work"
mkdir -p "$out/real"
dotnet publish "$repo/tools/Sockscope.Fuzz.Afl" -c Release -o "$out/bin" >/dev/null
# The reader, decoders and analysis: what the input reaches. (All of Sockscope.Core fills most of the 64 KiB map.)
"$sharpfuzz" "$out/bin/Sockscope.Core.dll" Sockscope.Etl Sockscope.Sources Sockscope.Decoding Sockscope.Analysis
# The real traces of ../shared that afl-fuzz takes (1 MiB at most), for both fuzzers.
if [ -d "$repo/../shared/etl-samples" ]; then
    for f in "$repo"/../shared/etl-samples/*.etl; do
        [ "$(stat -c %s "$f")" -le 1048576 ] && ln -s "$(readlink -f "$f")" "$out/real/"
    done
fi
harness=(dotnet "$out/bin/Sockscope.Fuzz.Afl.dll")
"${harness[@]}" seeds "$out/seeds" --real "$out/real"

export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
afl-fuzz -i "$out/seeds" -o "$out/afl" -t 10000 -m none -V "$seconds" -- "${harness[@]}" afl --real "$out/real" --work "$out/work" \
    > "$out/afl.log" 2>&1 &
afl=$!
"${harness[@]}" mutation --seconds "$seconds" --seed "$seed" --real "$out/real" > "$out/mutation.txt" 2> "$out/mutation.log"
wait $afl || true

echo "== mutation fuzzer"
cat "$out/mutation.txt"
echo "== afl-fuzz"
grep -E "^(run_time|execs_done|execs_per_sec|corpus_count|edges_found|total_edges|saved_crashes|saved_hangs|stability)" "$out/afl/default/fuzzer_stats"
echo "first crashes (ms into the run):"
{ ls "$out/afl/default/crashes" | grep -o 'time:[0-9]*' | cut -d: -f2 | sort -n | head -3 | tr '\n' ' '; } || true; echo
echo "afl-fuzz's corpus replayed (edges as the mutation fuzzer counts them):"
"${harness[@]}" replay "$out/afl/default/queue" --real "$out/real" | head -1
echo "afl-fuzz's crashes replayed, by kind:"
"${harness[@]}" replay "$out/afl/default/crashes" --real "$out/real"
