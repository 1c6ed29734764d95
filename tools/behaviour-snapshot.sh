#!/usr/bin/env bash
# tools/behaviour-snapshot.sh: writes what one sockscope build says about a fixed set of traces, so that two builds
# can be compared byte for byte (diff -r) before and after a change that must not change behaviour.
#
# Usage: tools/behaviour-snapshot.sh SOCKSCOPE OUT_DIR [REAL_TRACES_DIR]
#   SOCKSCOPE        the sockscope executable (e.g. src/Sockscope.Cli/bin/Release/net10.0/sockscope)
#   OUT_DIR          created; one file per trace and command
#   REAL_TRACES_DIR  real .etl files to include (default ../shared/etl-samples beside the checkout, when present)
#
# Inputs: the shipped sample, every synthesized scenario (64- and 32-bit, plain and XPRESS-compressed, written by
# the same build: the written bytes are compared too), a busy-host trace of 20,000 events, and the real traces.
# Outputs per input: info --json, dump (JSON lines), dump --all -f csv, sockets, summary --json, summary --json
# --notices, the report page, and the rows of an SQLite export (every table and view, every row, sorted).
set -euo pipefail
export LC_ALL=C TZ=UTC NO_COLOR=1 TERM=dumb

[ $# -ge 2 ] || { sed -n 2,12p "$0"; exit 2; }
S=$(realpath "$1"); OUT=$2
here=$(cd "$(dirname "$0")/.." && pwd)
REAL=${3:-$here/../shared/etl-samples}
mkdir -p "$OUT/inputs"
OUT=$(realpath "$OUT")

inputs=("$here/samples/winsock-mixed.etl")
for scenario in browser dns-client server wow64 failures preexisting legacy mixed; do
    for bits in 8 4; do
        for kind in plain xpress; do
            f="$OUT/inputs/$scenario-$bits-$kind.etl"
            extra=(); [ "$kind" = xpress ] && extra=(--compress)
            build=(); [ "$scenario" = legacy ] && build=(--build 7601)
            "$S" synth --scenario "$scenario" --pointer-size "$bits" "${extra[@]}" "${build[@]}" -o "$f" 2>/dev/null
            inputs+=("$f")
        done
    done
done
"$S" synth --scenario busy-host --events 20000 -o "$OUT/inputs/busy-host-20000.etl" 2>/dev/null
inputs+=("$OUT/inputs/busy-host-20000.etl")
if [ -d "$REAL" ]; then for f in "$REAL"/*.etl; do inputs+=("$f"); done; fi

run() { # name, command...: stdout to the file, stderr and exit code after it
    local name=$1; shift
    { "$@" 2>"$OUT/.err"; echo "exit $?" >>"$OUT/.err"; } >"$OUT/$name" || true
    # Paths and the time a command took are the run's, not the build's.
    sed -E "s|$OUT|OUT|g; s|$here|HERE|g; s/ in [0-9.]+ (s|ms)\$/ in T/" "$OUT/.err" >>"$OUT/$name.stderr"
    sed -i "s|$OUT|OUT|g; s|$here|HERE|g" "$OUT/$name"
}

for f in "${inputs[@]}"; do
    n=$(basename "$f" .etl)
    run "$n.info.json" "$S" info "$f" --json
    run "$n.dump.jsonl" "$S" dump "$f"
    run "$n.dump-all.csv" "$S" dump "$f" --all -f csv
    run "$n.sockets.jsonl" "$S" sockets "$f"
    run "$n.summary.json" "$S" summary "$f" --json
    run "$n.summary-notices.json" "$S" summary "$f" --json --notices
    run "$n.report.html" "$S" report "$f"
    rm -f "$OUT/.db"
    run "$n.export.stdout" "$S" export "$f" --sqlite "$OUT/.db"
    if [ -f "$OUT/.db" ]; then
        python3 - "$OUT/.db" >"$OUT/$n.export.rows" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
# Tables and views alike: a layout may move a table's rows behind a view of the same name. WITHOUT ROWID tables have
# no rowid, so rows are compared as a sorted set, which any layout gives the same way.
for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"):
    print("##", table)
    # The names SELECT * returns: PRAGMA table_info leaves out generated columns, which SELECT * includes.
    cursor = db.execute(f'SELECT * FROM "{table}"')
    columns = [d[0] for d in cursor.description]
    print(columns)
    # When the export ran is the run's, not the build's.
    rows = [repr(tuple("T" if c == "imported_at" else v for c, v in zip(columns, row, strict=True))) for row in cursor]
    for row in sorted(rows):
        print(row)
EOF
    fi
done
rm -f "$OUT/.db" "$OUT/.err"
echo "$(ls "$OUT" | wc -l) files in $OUT"
