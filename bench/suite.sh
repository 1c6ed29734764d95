#!/usr/bin/env bash
# bench/suite.sh: times whole sockscope commands over busy-host traces and writes a Markdown table.
# Run with --help for the options.
set -euo pipefail
export LC_ALL=C            # decimal points and sort order the same on every machine

usage() {
    cat <<'EOF'
Usage: bench/suite.sh [options]

Times whole `sockscope` commands (process start to exit) over synthetic busy-host traces and writes
a Markdown table of the results: each command's time, and its ratio to `sockscope info` (the reader's walk) and
to `cat` over the same file, both timed in the same runs.

Options:
  --sizes "N ..."       trace sizes in events          (default: "1000000 10000000 50000000")
  --runs N              timed runs per command/trace   (default: 3; one warm-up run comes first)
  --dir DIR             where the traces go            (default: /tmp/sockscope-bench)
  --out FILE            the Markdown results           (default: bench/results/suite-YYYYMMDD-HHMM.md)
  --commands "C ..."    any of: dump sockets summary report sqlite parquet jsonl startup
                        (default: all; `info`, the yardstick, is always timed)
  --kinds "K ..."       any of: plain xpress           (default: both)
  --sockscope PATH      the sockscope executable to time (default: build
                        `dotnet build -c Release src/Sockscope.Cli` in this repository and use
                        src/Sockscope.Cli/bin/Release/net10.0/sockscope)
  -h, --help            this text

Traces are DIR/bh-N-plain.etl and DIR/bh-N-xpress.etl (XPRESS-compressed buffers), written with
`sockscope synth --scenario busy-host --events N [--compress]` when missing and reused when present.

Every run times `cat FILE > /dev/null`, `info` and each command once, in an order that rotates from run
to run, so all figures of a trace come from the same minutes; each command's ratios to `info` and to `cat`
are the medians of its per-run ratios (pairing keeps them meaningful when the machine's speed drifts).
One warm-up run of each command comes first. The commands:
  info     sockscope info FILE --json > /dev/null               (the yardstick: the reader's walk)
  dump     sockscope dump FILE --format jsonl -o /dev/null
  sockets  sockscope sockets FILE -o DIR/sockets.jsonl
  summary  sockscope summary FILE --json > /dev/null
  report   sockscope report FILE -o DIR/report.html
  sqlite   sockscope export FILE --sqlite DIR/export.db       (the database is removed before each run)
  parquet  sockscope export FILE --parquet DIR/parquet         (the folder is removed before each run)
  jsonl    sockscope sockets FILE.jsonl -o DIR/sockets.jsonl  (the same events as JSON lines, written once by
           `sockscope dump FILE --format jsonl`; plain traces of at most 10 M events only, as the JSON
           is about 800 bytes an event); its row also gives the ratio to `sockets` on the ETL file
  startup  sockscope info TINY --json > /dev/null  (TINY: 48 events, `sockscope synth --scenario dns-client`):
           start-up, timed once, not per trace
`report` and `jsonl` rows give their ratio to `sockets` as well (the issue's targets are ratios).
A command that exits non-zero is shown as FAILED in its row; the suite carries on, and exits with
status 1 at the end if any row failed (2 for bad options or a failed build).
EOF
}

die() { echo "suite.sh: $*" >&2; exit 2; }
log() { echo "suite.sh: $*" >&2; }

# ---------------------------------------------------------------- options
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

SIZES="1000000 10000000 50000000"
RUNS=3
DIR=/tmp/sockscope-bench
OUT=""
COMMANDS="dump sockets summary report sqlite parquet jsonl startup"
KINDS="plain xpress"
SOCKSCOPE=""
INVOCATION="bench/suite.sh"
for arg in "$@"; do
    if [[ $arg =~ ^[-A-Za-z0-9_./=:+,@%]+$ ]]; then INVOCATION+=" $arg"; else INVOCATION+=" '${arg//\'/\'\\\'\'}'"; fi
done

need_arg() { [[ $# -ge 2 ]] || die "$1 needs a value (see --help)"; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --sizes) need_arg "$@"; SIZES=$2; shift 2 ;;
        --runs) need_arg "$@"; RUNS=$2; shift 2 ;;
        --dir) need_arg "$@"; DIR=$2; shift 2 ;;
        --out) need_arg "$@"; OUT=$2; shift 2 ;;
        --commands) need_arg "$@"; COMMANDS=$2; shift 2 ;;
        --kinds) need_arg "$@"; KINDS=$2; shift 2 ;;
        --sockscope) need_arg "$@"; SOCKSCOPE=$2; shift 2 ;;
        --sizes=*|--runs=*|--dir=*|--out=*|--commands=*|--kinds=*|--sockscope=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

read -r -a SIZE_LIST <<<"$SIZES"
read -r -a COMMAND_LIST <<<"$COMMANDS"
read -r -a KIND_LIST <<<"$KINDS"
[[ ${#SIZE_LIST[@]} -gt 0 ]] || die "--sizes is empty"
[[ ${#COMMAND_LIST[@]} -gt 0 ]] || die "--commands is empty"
[[ ${#KIND_LIST[@]} -gt 0 ]] || die "--kinds is empty"
for n in "${SIZE_LIST[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "--sizes: '$n' is not a whole number of events"
    (( n >= 1000 )) || die "--sizes: busy-host writes at least 1,000 events (got $n)"
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs: '$RUNS' is not a positive whole number"
for c in "${COMMAND_LIST[@]}"; do
    case "$c" in info) ;; dump|sockets|summary|report|sqlite|parquet|jsonl|startup) ;;
        *) die "--commands: unknown command '$c' (dump sockets summary report sqlite parquet jsonl startup)" ;; esac
done
for k in "${KIND_LIST[@]}"; do
    case "$k" in plain|xpress) ;; *) die "--kinds: unknown kind '$k' (plain xpress)" ;; esac
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed"
/usr/bin/time -f '%e' -o /dev/null true 2>/dev/null || die "/usr/bin/time does not take -f/-o (GNU time is needed)"

[[ -n $OUT ]] || OUT="$ROOT/bench/results/suite-$(date +%Y%m%d-%H%M).md"
mkdir -p "$DIR" "$(dirname "$OUT")"
DIR=$(cd "$DIR" && pwd)

# ---------------------------------------------------------------- temp files and clean-up
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-suite.XXXXXX")
PARTIAL=""          # a trace being written, removed if the suite stops half-way
cleanup() {
    rm -rf "$TMP"
    [[ -z $PARTIAL ]] || rm -f "$PARTIAL"
    rm -rf "$DIR/sockets.jsonl" "$DIR/report.html" "$DIR/export.db" "$DIR/parquet" "$OUT.tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers

# stats: numbers on stdin, one a line -> "median min max" (median of an even count: mean of the middle two).
stats() {
    sort -g | awk '{ a[NR] = $1 }
        END {
            if (NR == 0) { print "nan nan nan"; exit }
            m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "%.10g %.10g %.10g\n", m, a[1], a[NR]
        }'
}
median() { stats | cut -d' ' -f1; }

# calc EXPR [VAR=VALUE ...]: floating-point arithmetic with awk.
calc() { local e=$1; shift; awk "$@" "BEGIN { print $e }" </dev/null; }

# fmt FORMAT VALUE: printf through awk; "—" for a value that is not a number.
fmt() { awk -v f="$1" -v v="$2" 'BEGIN { if (v ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) printf f, v; else printf "—" }'; }

# group 1234567 -> 1,234,567
group() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<<"$1"; }

# short name of a size: 100000 -> 100k, 1000000 -> 1M, 1500000 -> 1.5M
short() {
    awk -v n="$1" 'BEGIN {
        if (n >= 1e6 && n % 1e5 == 0) printf "%gM", n / 1e6
        else if (n >= 1e3 && n % 100 == 0) printf "%gk", n / 1e3
        else printf "%d", n }'
}

# rate A B SCALE FORMAT: A / B / SCALE, "—" when A is not a number or B is not above 0
rate() { awk -v a="$1" -v b="$2" -v s="$3" -v f="$4" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf f, a / b / s; else printf "—" }'; }

# seconds since the epoch, with fractions
now() { date +%s.%N; }

# events_of FILE: the trace's record count from `sockscope info FILE --json` (top-level "records").
events_of() {
    local json=$TMP/info.json
    "$SOCKSCOPE" info "$1" --json >"$json" 2>"$TMP/info.err" || { echo "?"; return 0; }
    if command -v jq >/dev/null 2>&1; then
        jq -r '.records' "$json"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["records"])' "$json"
    else
        # the top-level "records" comes before the providers' own "records" fields
        grep -o '"records"[[:space:]]*:[[:space:]]*[0-9]*' "$json" | head -n 1 | grep -o '[0-9]*$'
    fi
}

# timed OUTVAR CMD...: runs CMD (stdout to /dev/null, stderr kept) under /usr/bin/time;
# sets OUTVAR to "wall user sys maxrss_kb" and returns the command's exit status (or 1 if the times are missing).
timed() {
    local __var=$1; shift
    local tf=$TMP/time.out rc=0 line
    rm -f "$tf"
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >/dev/null 2>"$TMP/cmd.err" || rc=$?
    # GNU time writes "Command exited with non-zero status N" before the format line: keep the last line.
    line=$(tail -n 1 "$tf" 2>/dev/null || true)
    if [[ ! $line =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+\ [0-9]+$ ]]; then
        line="nan nan nan nan"
        (( rc != 0 )) || rc=1
    fi
    printf -v "$__var" '%s' "$line"
    return "$rc"
}

# the argument list of one command over FILE (CMD_ARGS), and what it reads when that is not FILE
command_args() {
    local cmd=$1 file=$2
    case "$cmd" in
        info) CMD_ARGS=("$SOCKSCOPE" info "$file" --json) ;;
        dump) CMD_ARGS=("$SOCKSCOPE" dump "$file" --format jsonl -o /dev/null) ;;
        sockets) CMD_ARGS=("$SOCKSCOPE" sockets "$file" -o "$DIR/sockets.jsonl") ;;
        summary) CMD_ARGS=("$SOCKSCOPE" summary "$file" --json) ;;
        report) CMD_ARGS=("$SOCKSCOPE" report "$file" -o "$DIR/report.html") ;;
        sqlite) CMD_ARGS=(sh -c 'rm -f "$2" "$2-journal" && exec "$0" export "$1" --sqlite "$2"' "$SOCKSCOPE" "$file" "$DIR/export.db") ;;
        parquet) CMD_ARGS=(sh -c 'rm -rf "$2" && exec "$0" export "$1" --parquet "$2"' "$SOCKSCOPE" "$file" "$DIR/parquet") ;;
        jsonl) CMD_ARGS=("$SOCKSCOPE" sockets "${file%.etl}.jsonl" -o "$DIR/sockets.jsonl") ;;
    esac
}
command_text() {
    case "$1" in
        info) echo 'sockscope info FILE --json > /dev/null' ;;
        dump) echo 'sockscope dump FILE --format jsonl -o /dev/null' ;;
        sockets) echo 'sockscope sockets FILE -o DIR/sockets.jsonl' ;;
        summary) echo 'sockscope summary FILE --json > /dev/null' ;;
        report) echo 'sockscope report FILE -o DIR/report.html' ;;
        sqlite) echo 'sockscope export FILE --sqlite DIR/export.db (a new database each run)' ;;
        parquet) echo 'sockscope export FILE --parquet DIR/parquet (a new folder each run)' ;;
        jsonl) echo 'sockscope sockets FILE.jsonl -o DIR/sockets.jsonl (FILE.jsonl: `sockscope dump FILE --format jsonl`)' ;;
        startup) echo 'sockscope info TINY --json > /dev/null (TINY: `sockscope synth --scenario dns-client`, 48 events)' ;;
    esac
}

loadavg() { uptime | sed 's/.*load average[s]*: *//'; }

# ---------------------------------------------------------------- the sockscope to time
if [[ -z $SOCKSCOPE ]]; then
    log "building: dotnet build -c Release src/Sockscope.Cli (in $ROOT)"
    if ! (cd "$ROOT" && DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet build -c Release src/Sockscope.Cli) >"$TMP/build.log" 2>&1; then
        tail -n 30 "$TMP/build.log" >&2
        die "the build failed"
    fi
    SOCKSCOPE="$ROOT/src/Sockscope.Cli/bin/Release/net10.0/sockscope"
    SOCKSCOPE_NOTE="built here with \`dotnet build -c Release src/Sockscope.Cli\`"
else
    SOCKSCOPE_NOTE="given with --sockscope"
fi
[[ -x $SOCKSCOPE ]] || die "not an executable: $SOCKSCOPE"
SOCKSCOPE=$(cd "$(dirname "$SOCKSCOPE")" && pwd)/$(basename "$SOCKSCOPE")

# ---------------------------------------------------------------- the header
START_DATE=$(date '+%Y-%m-%d %H:%M:%S %z')
LOAD_START=$(loadavg)
LOAD_END="(still running)"
END_DATE=""
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $COMMIT != unknown ]] && [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi
BRANCH=$(git -C "$ROOT" rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
CPU=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
MEM=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
DOTNET=$(dotnet --version 2>/dev/null || echo unknown)

ROWS=$TMP/rows.md          # the table's rows so far
NOTES=$TMP/notes.md        # generation times and other notes
FAILURES=$TMP/failures.md  # what the failing commands said
RAW=$TMP/raw.txt           # every timed run
: >"$ROWS"; : >"$NOTES"; : >"$FAILURES"; : >"$RAW"

TABLE_HEAD='| command | trace | file MB | events | wall median (min–max) | events/s (M) | cpu user+sys median | peak RSS median (MiB) | × `info` | × `cat` | × `sockets` |
|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|'

# write the whole results file again (after every row, so a stopped suite leaves what it measured)
render() {
    {
        echo "# sockscope benchmark suite"
        echo
        echo "- Date: $START_DATE${END_DATE:+ to $END_DATE}"
        echo "- Load average (1, 5, 15 min) at start: $LOAD_START; at end: $LOAD_END"
        echo "- nproc: $(nproc)${CPU:+; CPU: $CPU}${MEM:+; memory: $MEM}"
        echo "- Commit: $COMMIT (branch $BRANCH); .NET SDK $DOTNET"
        echo "- sockscope: \`$SOCKSCOPE\` ($SOCKSCOPE_NOTE)"
        echo "- Suite: \`$INVOCATION\`"
        echo "- Runs: one warm-up of each command, then $RUNS runs per trace; each run times \`cat FILE > /dev/null\`, \`info\` and every command once under \`/usr/bin/time -f '%e %U %S %M'\`, in an order that rotates from run to run"
        echo "- Traces in \`$DIR\`: \`bh-N-plain.etl\` from \`sockscope synth --scenario busy-host --events N -o FILE\`, \`bh-N-xpress.etl\` with \`--compress\` as well"
        echo
        echo "Commands (FILE is the trace, DIR is \`$DIR\`):"
        echo
        local c
        for c in "${COMMAND_LIST[@]}"; do echo "- $c: \`$(command_text "$c")\`"; done
        echo
        echo "Columns: events is the trace's record count from \`sockscope info FILE --json\`; MB are 10^6 bytes; events/s is from the wall median;"
        echo "cpu is user + sys seconds of the process; peak RSS is GNU time's %M. × \`info\`, × \`cat\` and × \`sockets\` are the medians of the"
        echo "per-run ratios of the command's wall time to that of \`info FILE --json\`, \`cat FILE\` and \`sockets FILE\` in the same run (× \`sockets\`"
        echo "only for report and jsonl). GNU time reports wall time in 10 ms steps and cuts the fraction off, so runs of a few tens of"
        echo "milliseconds (\`cat\` of a file in the page cache, start-up) are coarse; a \`cat\` of 0.00 s counts as 0.01 s, and its ratio is a"
        echo "lower bound (shown with >)."
        echo
        echo "$TABLE_HEAD"
        cat "$ROWS"
        echo
        echo "## Traces"
        echo
        cat "$NOTES"
        if [[ -s $FAILURES ]]; then
            echo
            echo "## Failures"
            echo
            cat "$FAILURES"
        fi
        echo
        echo "## Raw runs"
        echo
        echo '```'
        echo "# command trace run wall_s user_s sys_s maxrss_kb exit"
        cat "$RAW"
        echo '```'
    } >"$OUT.tmp"
    mv -f "$OUT.tmp" "$OUT"
}

# ---------------------------------------------------------------- the traces
declare -a TRACES=() TRACE_LABELS=()
declare -A EVENTS=() MBYTES=()
for n in "${SIZE_LIST[@]}"; do
    for kind in "${KIND_LIST[@]}"; do
        file="$DIR/bh-$n-$kind.etl"
        label="$(short "$n") $([[ $kind == xpress ]] && echo XPRESS || echo plain)"
        if [[ -s $file ]]; then
            note="existing file reused"
            log "trace $file: exists, reused"
        else
            extra=(); [[ $kind == xpress ]] && extra=(--compress)
            log "trace $file: writing $n events ($kind)"
            PARTIAL="$file.part.etl"
            t0=$(now)
            if "$SOCKSCOPE" synth --scenario busy-host --events "$n" "${extra[@]}" -o "$PARTIAL" 2>"$TMP/synth.err"; then
                t1=$(now)
                mv -f "$PARTIAL" "$file"
                PARTIAL=""
                gen=$(fmt '%.1f' "$(calc 'b - a' -v a="$t0" -v b="$t1")")
                log "trace $file: written in $gen s"
                note="generated in $gen s (\`sockscope synth --scenario busy-host --events $n${extra[*]:+ ${extra[*]}}\`)"
            else
                rc=$?
                rm -f "$PARTIAL"; PARTIAL=""
                echo "- \`bh-$n-$kind.etl\`: **synth failed** (exit $rc): $(tail -n 3 "$TMP/synth.err" | tr '\n' ' ')" >>"$NOTES"
                log "synth failed for $file (exit $rc); skipping this trace"
                cat "$TMP/synth.err" >&2
                continue
            fi
        fi
        bytes=$(stat -c %s "$file")
        MBYTES[$file]=$(calc 'b / 1e6' -v b="$bytes")
        EVENTS[$file]=$(events_of "$file" || true)
        [[ ${EVENTS[$file]} =~ ^[0-9]+$ ]] || EVENTS[$file]="?"
        echo "- \`$(basename "$file")\` ($label): $(group "$bytes") bytes, $(group "${EVENTS[$file]}") events; $note" >>"$NOTES"
        [[ ${EVENTS[$file]} != "?" ]] || log "warning: sockscope info could not count the events of $file: $(tail -n 1 "$TMP/info.err")"
        TRACES+=("$file"); TRACE_LABELS+=("$label")
    done
done
[[ ${#TRACES[@]} -gt 0 ]] || { render; die "no trace to time"; }
render

# ---------------------------------------------------------------- the JSON-lines twins and the tiny trace
has_command() { local c; for c in "${COMMAND_LIST[@]}"; do [[ $c == "$1" ]] && return 0; done; return 1; }
declare -A JSONL_OK=()
if has_command jsonl; then
    for file in "${TRACES[@]}"; do
        [[ $file == *-plain.etl && ${EVENTS[$file]} =~ ^[0-9]+$ ]] || continue
        (( ${EVENTS[$file]} <= 10000001 )) || { log "jsonl: $(basename "$file") is over 10 M events; no JSON-lines twin"; continue; }
        json="${file%.etl}.jsonl"
        if [[ ! -s $json ]]; then
            log "jsonl: writing $json"
            PARTIAL="$json.part"
            if "$SOCKSCOPE" dump "$file" --format jsonl -o "$PARTIAL" 2>"$TMP/dump.err"; then
                mv -f "$PARTIAL" "$json"; PARTIAL=""
            else
                rm -f "$PARTIAL"; PARTIAL=""
                echo "- \`$(basename "$json")\`: **dump failed**: $(tail -n 3 "$TMP/dump.err" | tr '\n' ' ')" >>"$NOTES"
                continue
            fi
        fi
        JSONL_OK[$file]=1
        echo "- \`$(basename "$json")\`: $(group "$(stat -c %s "$json")") bytes of JSON lines, \`sockscope dump $(basename "$file") --format jsonl\`" >>"$NOTES"
    done
fi
if has_command startup; then
    tiny="$DIR/tiny-dns-client.etl"
    if [[ ! -s $tiny ]]; then
        "$SOCKSCOPE" synth --scenario dns-client -o "$tiny" 2>"$TMP/synth.err" || { cat "$TMP/synth.err" >&2; die "synth of the tiny trace failed"; }
    fi
    MBYTES[$tiny]=$(calc 'b / 1e6' -v b="$(stat -c %s "$tiny")")
    EVENTS[$tiny]=$(events_of "$tiny" || true)
    echo "- \`$(basename "$tiny")\` (tiny, for start-up): $(group "$(stat -c %s "$tiny")") bytes, $(group "${EVENTS[$tiny]}") records; \`sockscope synth --scenario dns-client\`" >>"$NOTES"
    TRACES+=("$tiny"); TRACE_LABELS+=("tiny")
fi
render

# ---------------------------------------------------------------- the timings
# ratio_median A_FILE B_FILE: the median of the per-run ratios of A's wall time to B's (lines "run wall ...");
# a B of 0.00 s counts as 0.01 s and the result then carries a ">" (a lower bound).
ratio_median() {
    local lower=""
    if awk 'NR == FNR { b[$1] = $2; next } ($1 in b) && b[$1] + 0 == 0 { found = 1 } END { exit !found }' "$2" "$1"; then lower="> "; fi
    local r
    r=$(awk 'NR == FNR { b[$1] = $2; next } ($1 in b) { d = b[$1] + 0; if (d == 0) d = 0.01; print $2 / d }' "$2" "$1" | median)
    [[ $r =~ ^[0-9.]+(e[-+]?[0-9]+)?$ ]] && echo "$lower$(fmt '%.2f×' "$r")" || echo "—"
}

FAILED_ROWS=0
echo "$TABLE_HEAD"
for i in "${!TRACES[@]}"; do
    file=${TRACES[$i]}; label=${TRACE_LABELS[$i]}
    mb=${MBYTES[$file]}; events=${EVENTS[$file]}
    # what this trace runs: info always; on the tiny trace only info (the start-up row)
    runlist=(info)
    if [[ $label != tiny ]]; then
        for c in "${COMMAND_LIST[@]}"; do
            case "$c" in
                info|startup) ;;
                jsonl) [[ -n ${JSONL_OK[$file]:-} ]] && runlist+=(jsonl) ;;
                *) runlist+=("$c") ;;
            esac
        done
        # report and jsonl are also given as ratios to sockets: time it even when not asked for
        if ! has_command sockets && { has_command report || has_command jsonl; }; then runlist+=(sockets); fi
    fi
    declare -A FAIL_RC=() FAIL_RUNS=()
    for c in "${runlist[@]}"; do : >"$TMP/$c.times"; FAIL_RC[$c]=0; FAIL_RUNS[$c]=0; done
    : >"$TMP/cat.times"
    log "$(basename "$file"): warm-up of ${runlist[*]}"
    for c in "${runlist[@]}"; do
        command_args "$c" "$file"
        if timed result "${CMD_ARGS[@]}"; then rc=0; else rc=$?; cp "$TMP/cmd.err" "$TMP/$c.err"; FAIL_RC[$c]=$rc; FAIL_RUNS[$c]=warm-up; fi
        echo "$c $label warm-up $result $rc" >>"$RAW"
    done
    order=(cat "${runlist[@]}")
    for ((r = 1; r <= RUNS; r++)); do
        log "$(basename "$file"): run $r of $RUNS"
        shift_by=$(( (r - 1) % ${#order[@]} ))
        for ((k = 0; k < ${#order[@]}; k++)); do
            c=${order[$(( (k + shift_by) % ${#order[@]} ))]}
            if [[ $c == cat ]]; then
                if timed result cat "$file"; then rc=0; else rc=$?; fi
            else
                [[ ${FAIL_RUNS[$c]} != warm-up ]] || continue
                command_args "$c" "$file"
                if timed result "${CMD_ARGS[@]}"; then rc=0; else rc=$?; fi
            fi
            echo "$c $label $r $result $rc" >>"$RAW"
            if (( rc == 0 )); then
                echo "$r $result" >>"$TMP/$c.times"
            elif [[ $c != cat ]]; then
                FAIL_RC[$c]=$rc; FAIL_RUNS[$c]=$(( FAIL_RUNS[$c] + 1 )); cp "$TMP/cmd.err" "$TMP/$c.err"
            fi
        done
    done

    for c in "${runlist[@]}"; do
        name=$c; [[ $label == tiny ]] && name=startup
        if [[ ${FAIL_RC[$c]} != 0 ]]; then
            FAILED_ROWS=$((FAILED_ROWS + 1))
            what=${FAIL_RUNS[$c]}; [[ $what == warm-up ]] && what="the warm-up run; timed runs skipped" || what="$what of $RUNS timed runs"
            row="| $name | $label | $(fmt '%.1f' "$mb") | $(group "$events") | **FAILED** (exit ${FAIL_RC[$c]} in $what) | — | — | — | — | — | — |"
            {
                echo "- $name over \`$(basename "$file")\`: exit ${FAIL_RC[$c]} in $what. Last lines of its standard error:"
                echo
                echo '  ```'
                tail -n 5 "$TMP/$c.err" | sed 's/^/  /'
                echo '  ```'
            } >>"$FAILURES"
        else
            read -r wall_med wall_min wall_max < <(cut -d' ' -f2 "$TMP/$c.times" | stats)
            cpu_med=$(awk '{ print $3 + $4 }' "$TMP/$c.times" | median)
            rss_med=$(awk '{ print $5 / 1024 }' "$TMP/$c.times" | median)
            x_info="—"; [[ $c == info || ${FAIL_RC[info]} != 0 ]] || x_info=$(ratio_median "$TMP/$c.times" "$TMP/info.times")
            x_cat=$(ratio_median "$TMP/$c.times" "$TMP/cat.times")
            x_sockets="—"
            if [[ ($c == report || $c == jsonl) && -s $TMP/sockets.times && ${FAIL_RC[sockets]:-1} == 0 ]]; then
                x_sockets=$(ratio_median "$TMP/$c.times" "$TMP/sockets.times")
            fi
            row="| $name | $label | $(fmt '%.1f' "$mb") | $(group "$events")"
            row+=" | $(fmt '%.3f' "$wall_med") s ($(fmt '%.2f' "$wall_min")–$(fmt '%.2f' "$wall_max"))"
            row+=" | $(rate "$events" "$wall_med" 1e6 '%.2f') | $(fmt '%.2f' "$cpu_med") s | $(fmt '%.1f' "$rss_med")"
            row+=" | $x_info | $x_cat | $x_sockets |"
        fi
        echo "$row" >>"$ROWS"
        echo "$row"
    done
    unset FAIL_RC FAIL_RUNS
    render
done

for f in sockets.jsonl report.html export.db; do
    if [[ -e $DIR/$f ]]; then echo "- Output of the last run: \`$f\` $(group "$(stat -c %s "$DIR/$f")") bytes (removed at the end)" >>"$NOTES"; fi
done
[[ ! -d $DIR/parquet ]] || echo "- Output of the last run: \`parquet/\` $(group "$(du -sb "$DIR/parquet" | cut -f1)") bytes (removed at the end)" >>"$NOTES"
LOAD_END=$(loadavg)
END_DATE=$(date '+%Y-%m-%d %H:%M:%S %z')
render
log "results written to $OUT"
if (( FAILED_ROWS > 0 )); then
    log "$FAILED_ROWS command(s) failed: see the Failures section of $OUT"
    exit 1
fi
