#!/usr/bin/env bash
# bench/suite.sh: times whole sockscope commands over busy-host traces and writes a Markdown table.
# Run with --help for the options.
set -euo pipefail
export LC_ALL=C            # decimal points and sort order the same on every machine

usage() {
    cat <<'EOF'
Usage: bench/suite.sh [options]

Times whole `sockscope` commands (process start to exit) over synthetic busy-host traces and writes
a Markdown table of the results.

Options:
  --sizes "N ..."       trace sizes in events          (default: "1000000 10000000 50000000")
  --runs N              timed runs per command/trace   (default: 3; one warm-up run comes first)
  --dir DIR             where the traces go            (default: /tmp/sockscope-bench)
  --out FILE            the Markdown results           (default: bench/results/suite-YYYYMMDD-HHMM.md)
  --commands "C ..."    any of: info dump sockets report (default: all four)
  --kinds "K ..."       any of: plain xpress           (default: both)
  --sockscope PATH      the sockscope executable to time (default: build
                        `dotnet build -c Release src/Sockscope.Cli` in this repository and use
                        src/Sockscope.Cli/bin/Release/net10.0/sockscope)
  -h, --help            this text

Traces are DIR/bh-N-plain.etl and DIR/bh-N-xpress.etl (XPRESS-compressed buffers), written with
`sockscope synth --scenario busy-host --events N [--compress]` when missing and reused when present.

For every trace and command: one warm-up run, then --runs timed runs under
`/usr/bin/time -f '%e %U %S %M'`, alternating with as many timed `cat FILE > /dev/null` runs so the
`cat` figure comes from the same moment. The commands:
  info     sockscope info FILE --json > /dev/null
  dump     sockscope dump FILE --format jsonl -o /dev/null
  sockets  sockscope sockets FILE -o DIR/sockets.jsonl
  report   sockscope report FILE -o DIR/report.html
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
COMMANDS="info dump sockets report"
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
    case "$c" in info|dump|sockets|report) ;; *) die "--commands: unknown command '$c' (info dump sockets report)" ;; esac
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
    rm -f "$DIR/sockets.jsonl" "$DIR/report.html" "$OUT.tmp"
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

# events_of FILE: the trace's event count from `sockscope info FILE --json` (top-level "events").
events_of() {
    local json=$TMP/info.json
    "$SOCKSCOPE" info "$1" --json >"$json" 2>"$TMP/info.err" || { echo "?"; return 0; }
    if command -v jq >/dev/null 2>&1; then
        jq -r '.events' "$json"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["events"])' "$json"
    else
        # the top-level "events" comes before the providers' own "events" fields
        grep -o '"events"[[:space:]]*:[[:space:]]*[0-9]*' "$json" | head -n 1 | grep -o '[0-9]*$'
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

# the argument list of one command over FILE
command_args() {
    local cmd=$1 file=$2
    case "$cmd" in
        info) CMD_ARGS=("$SOCKSCOPE" info "$file" --json) ;;
        dump) CMD_ARGS=("$SOCKSCOPE" dump "$file" --format jsonl -o /dev/null) ;;
        sockets) CMD_ARGS=("$SOCKSCOPE" sockets "$file" -o "$DIR/sockets.jsonl") ;;
        report) CMD_ARGS=("$SOCKSCOPE" report "$file" -o "$DIR/report.html") ;;
    esac
}
command_text() {
    case "$1" in
        info) echo 'sockscope info FILE --json > /dev/null' ;;
        dump) echo 'sockscope dump FILE --format jsonl -o /dev/null' ;;
        sockets) echo 'sockscope sockets FILE -o DIR/sockets.jsonl' ;;
        report) echo 'sockscope report FILE -o DIR/report.html' ;;
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

TABLE_HEAD='| command | trace | file MB | events | wall median (min–max) | events/s (M) | file MB/s | cpu user+sys median | peak RSS median (MiB) | `cat` median | ratio to `cat` |
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
        echo "- Runs: one warm-up, then $RUNS timed runs per command and trace, each under \`/usr/bin/time -f '%e %U %S %M'\`, alternating with $RUNS timed \`cat FILE > /dev/null\` runs (cat first in odd runs, the command first in even runs)"
        echo "- Traces in \`$DIR\`: \`bh-N-plain.etl\` from \`sockscope synth --scenario busy-host --events N -o FILE\`, \`bh-N-xpress.etl\` with \`--compress\` as well"
        echo
        echo "Commands (FILE is the trace, DIR is \`$DIR\`):"
        echo
        local c
        for c in "${COMMAND_LIST[@]}"; do echo "- $c: \`$(command_text "$c")\`"; done
        echo
        echo "Columns: events is the trace's count from \`sockscope info FILE --json\`; MB are 10^6 bytes; events/s and file MB/s are from the wall median;"
        echo "cpu is user + sys seconds of the process; peak RSS is GNU time's %M; \`cat\` median is the wall median of the interleaved \`cat\` runs;"
        echo "ratio to \`cat\` is the command's wall median over the \`cat\` median. GNU time reports wall time in 10 ms steps, so figures from"
        echo "runs of a few tens of milliseconds (small traces, \`cat\` of files in the page cache) are coarse; GNU time cuts the fraction off, so a"
        echo "\`cat\` median of 0.00 s is shown as \"< 0.01 s\" and its ratio as a lower bound (the command's median over 0.01 s)."
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

# ---------------------------------------------------------------- the timings
FAILED_ROWS=0
echo "$TABLE_HEAD"
for i in "${!TRACES[@]}"; do
    file=${TRACES[$i]}; label=${TRACE_LABELS[$i]}
    mb=${MBYTES[$file]}; events=${EVENTS[$file]}
    for cmd in "${COMMAND_LIST[@]}"; do
        command_args "$cmd" "$file"
        log "$cmd over $(basename "$file"): warm-up + $RUNS runs"
        : >"$TMP/cmd.times"; : >"$TMP/cat.times"
        failed=0; fail_rc=0; fail_runs=0; fail_what=""
        if timed result "${CMD_ARGS[@]}"; then
            echo "$cmd $label warm-up $result 0" >>"$RAW"
        else
            fail_rc=$?
            echo "$cmd $label warm-up $result $fail_rc" >>"$RAW"
            failed=1; fail_what="the warm-up run; timed runs skipped"
            cp "$TMP/cmd.err" "$TMP/fail.err"
        fi
        if (( !failed )); then
            for ((r = 1; r <= RUNS; r++)); do
                for which in $( (( r % 2 )) && echo "cat cmd" || echo "cmd cat"); do
                    if [[ $which == cat ]]; then
                        if timed result cat "$file"; then rc=0; else rc=$?; fi
                        echo "cat $label $r $result $rc" >>"$RAW"
                        (( rc != 0 )) || echo "$result" >>"$TMP/cat.times"
                    else
                        if timed result "${CMD_ARGS[@]}"; then rc=0; else rc=$?; fi
                        echo "$cmd $label $r $result $rc" >>"$RAW"
                        if (( rc == 0 )); then
                            echo "$result" >>"$TMP/cmd.times"
                        else
                            failed=1; fail_rc=$rc; fail_runs=$((fail_runs + 1))
                            cp "$TMP/cmd.err" "$TMP/fail.err"
                        fi
                    fi
                done
            done
            (( !failed )) || fail_what="$fail_runs of $RUNS timed runs"
        fi

        if (( failed )); then
            FAILED_ROWS=$((FAILED_ROWS + 1))
            row="| $cmd | $label | $(fmt '%.1f' "$mb") | $(group "$events") | **FAILED** (exit $fail_rc in $fail_what) | — | — | — | — | — | — |"
            {
                echo "- $cmd over \`$(basename "$file")\`: exit $fail_rc in $fail_what. Last lines of its standard error:"
                echo
                echo '  ```'
                tail -n 5 "$TMP/fail.err" | sed 's/^/  /'
                echo '  ```'
            } >>"$FAILURES"
        else
            read -r wall_med wall_min wall_max < <(cut -d' ' -f1 "$TMP/cmd.times" | stats)
            cpu_med=$(awk '{ print $2 + $3 }' "$TMP/cmd.times" | median)
            rss_med=$(awk '{ print $4 / 1024 }' "$TMP/cmd.times" | median)
            if [[ -s $TMP/cat.times ]]; then cat_med=$(cut -d' ' -f1 "$TMP/cat.times" | median); else cat_med=nan; fi
            row="| $cmd | $label | $(fmt '%.1f' "$mb") | $(group "$events")"
            row+=" | $(fmt '%.2f' "$wall_med") s ($(fmt '%.2f' "$wall_min")–$(fmt '%.2f' "$wall_max"))"
            row+=" | $(rate "$events" "$wall_med" 1e6 '%.2f') | $(rate "$mb" "$wall_med" 1 '%.0f')"
            row+=" | $(fmt '%.2f' "$cpu_med") s | $(fmt '%.1f' "$rss_med")"
            if [[ $cat_med == 0 ]]; then
                # GNU time cuts the wall time to 10 ms: every cat run took under 0.01 s, so the ratio is a lower bound
                row+=" | < 0.01 s | > $(rate "$wall_med" 0.01 1 '%.0f×') |"
            else
                row+=" | $(fmt '%.2f' "$cat_med") s | $(rate "$wall_med" "$cat_med" 1 '%.1f×') |"
            fi
        fi
        echo "$row" >>"$ROWS"
        echo "$row"
        render
    done
done

for f in sockets.jsonl report.html; do
    if [[ -e $DIR/$f ]]; then echo "- Output of the last run: \`$f\` $(group "$(stat -c %s "$DIR/$f")") bytes (removed at the end)" >>"$NOTES"; fi
done
LOAD_END=$(loadavg)
END_DATE=$(date '+%Y-%m-%d %H:%M:%S %z')
render
log "results written to $OUT"
if (( FAILED_ROWS > 0 )); then
    log "$FAILED_ROWS command(s) failed: see the Failures section of $OUT"
    exit 1
fi
