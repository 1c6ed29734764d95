#!/usr/bin/env bash
# tools/publish-aot.sh: publishes sockscope with native AOT for one runtime and checks the binary: the publish must
# report no warning at all (the trim and AOT analysis of every dependency included), and the binary must say on the
# shipped sample, byte for byte, what the JIT build says. Optionally also packs the tool packages and installs one.
#
# Usage: tools/publish-aot.sh [--full] [--pack] [RID [OUT_DIR]]
#   RID      the runtime to publish for (default: this machine's, e.g. linux-x64); AOT compiles on that OS only
#   OUT_DIR  where the binary goes (default artifacts/aot/RID)
#   --full   compare every output of tools/behaviour-snapshot.sh (every scenario and real trace) instead of the sample's
#   --pack   also write the three tool packages to OUT_DIR/packages (the pointer package, the framework-dependent
#            'any' package and this RID's AOT package) and install the tool from them into OUT_DIR/tool
#
# Needs the .NET 10 SDK and the platform's native tool chain (Linux: clang and zlib's headers). On the project's
# 2-core machine the publish took 4-5 minutes and the whole script with --pack 16, under load from other builds;
# --full adds the two snapshots (the AOT binary's 3 minutes, the JIT build's up to 12 under that load).
set -euo pipefail
export LC_ALL=C TZ=UTC NO_COLOR=1 TERM=dumb DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

full=0 pack=0
while [ $# -gt 0 ]; do
    case $1 in
        --full) full=1; shift ;;
        --pack) pack=1; shift ;;
        -h|--help) sed -n 2,15p "$0"; exit 0 ;;
        *) break ;;
    esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
RID=${1:-$(dotnet --info | awk '$1 == "RID:" {print $2; exit}')}
OUT=${2:-$here/artifacts/aot/$RID}
mkdir -p "$OUT"; OUT=$(realpath "$OUT")
cli=$here/src/Sockscope.Cli
started=$SECONDS

fail() { echo "publish-aot: $*" >&2; exit 1; }

# A publish that builds but warns may trim away what a command needs at run time: any warning fails the check, but
# for three that Parquet.Net 6.1.0 brings, each named below in full. They sit in its CLR-class schema helpers
# (ParquetClrSchemaExtensions: reflection over a class's interfaces, MakeGenericType for Nullable<T>), which the
# Parquet export never calls with a type its own code does not name: it builds its schema from DataField<T> of fixed
# types. The check below runs `export --parquet` with both binaries and compares the files.
echo "publish-aot: publishing for $RID to $OUT"
log=$OUT/publish.log
dotnet publish "$cli" -c Release -r "$RID" -o "$OUT" -p:TrimmerSingleWarn=false >"$log" 2>&1 \
    || { tail -30 "$log" >&2; fail "the publish failed (log: $log)"; }
known='^(IL2070: Parquet\.Extensions\.ParquetClrSchemaExtensions\.IsGenericIDictionary\(Type\)|IL2070: Parquet\.Extensions\.ParquetClrSchemaExtensions\.TryExtractIEnumerableType\(Type,Type&\)|IL3050: Parquet\.Extensions\.ParquetClrSchemaExtensions\.GetNullable\(Type\)):'
unknown=$(grep -E ': (warning|error) [A-Z]+[0-9]+' "$log" | sed -E 's/.*: (warning|error) //' | grep -vE "$known" | sort -u || true)
if [ -n "$unknown" ]; then
    echo "$unknown" >&2
    fail "the publish reported warnings (log: $log)"
fi
exe=$OUT/sockscope; [ -f "$OUT/sockscope.exe" ] && exe=$OUT/sockscope.exe
[ -x "$exe" ] || fail "no executable in $OUT"
echo "publish-aot: $(basename "$exe"): $(stat -c %s "$exe") bytes, no warnings but the three known ($((SECONDS - started)) s)"

# The JIT build is the reference the AOT binary must agree with.
dotnet build "$cli" -c Release >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; fail "the JIT build failed"; }
jit=$cli/bin/Release/net10.0/sockscope

if [ $full = 1 ]; then
    rm -rf "$OUT/snapshot-jit" "$OUT/snapshot-aot"
    "$here/tools/behaviour-snapshot.sh" "$jit" "$OUT/snapshot-jit" >/dev/null
    "$here/tools/behaviour-snapshot.sh" "$exe" "$OUT/snapshot-aot" >/dev/null
    diff -r "$OUT/snapshot-jit" "$OUT/snapshot-aot" >&2 || fail "the AOT binary's outputs differ from the JIT build's"
    echo "publish-aot: behaviour snapshot identical ($(ls "$OUT/snapshot-aot" | wc -l) files)"
else
    # Every command once on the shipped sample: each dependency (the command line, the tables, SQLite) is exercised.
    sample=$here/samples/winsock-mixed.etl
    check() { # name, arguments...
        local name=$1; shift
        local a b
        a=$("$jit" "$@" 2>&1; echo "exit $?")
        b=$("$exe" "$@" 2>&1; echo "exit $?")
        # A command's closing line says how long it took: the run's, not the build's.
        a=$(sed -E 's/ in [0-9.]+ (s|ms)$/ in T/' <<<"$a"); b=$(sed -E 's/ in [0-9.]+ (s|ms)$/ in T/' <<<"$b")
        [ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b") | head -20 >&2; fail "'$name' differs from the JIT build"; }
    }
    check help --help
    check info info "$sample"
    check info-json info "$sample" --json
    check dump dump "$sample"
    check dump-csv dump "$sample" --all -f csv
    check sockets sockets "$sample"
    check sockets-table sockets "$sample" --format table
    check summary summary "$sample"
    check summary-json summary "$sample" --json --notices
    check report report "$sample"
    check catalog catalog
    check bad-file info "$OUT/no-such.etl"
    for b in "$jit" "$exe"; do
        rm -f "$OUT/check.db"
        "$b" export "$sample" --sqlite "$OUT/check.db" >/dev/null 2>&1 || fail "$b: export failed"
        python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print(sum(db.execute(f"SELECT count(*) FROM \"{t}\"").fetchone()[0] for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type=\"table\"").fetchall()))' \
            "$OUT/check.db" >>"$OUT/check.rows"
    done
    [ "$(sort -u "$OUT/check.rows" | wc -l)" = 1 ] || fail "the SQLite export's rows differ from the JIT build's"
    rm -f "$OUT/check.db" "$OUT/check.rows"
    # The Parquet files are the same bytes but traces.parquet, whose imported_at is the moment of the export.
    rm -rf "$OUT/check-jit" "$OUT/check-aot"
    "$jit" export "$sample" --parquet "$OUT/check-jit" >/dev/null 2>&1 || fail "$jit: export --parquet failed"
    "$exe" export "$sample" --parquet "$OUT/check-aot" >/dev/null 2>&1 || fail "$exe: export --parquet failed"
    for t in events sockets findings processes; do
        cmp -s "$OUT/check-jit/$t.parquet" "$OUT/check-aot/$t.parquet" || fail "the Parquet export's $t.parquet differs from the JIT build's"
    done
    [ -s "$OUT/check-aot/traces.parquet" ] || fail "the AOT binary wrote no traces.parquet"
    rm -rf "$OUT/check-jit" "$OUT/check-aot"
    echo "publish-aot: the sample's outputs are identical to the JIT build's (14 commands)"
fi

if [ $pack = 1 ]; then
    pkg=$OUT/packages; rm -rf "$pkg" "$OUT/tool"
    dotnet pack "$cli" -c Release -o "$pkg" >"$OUT/pack.log" 2>&1 || fail "the pointer package failed (log: $OUT/pack.log)"
    dotnet pack "$cli" -c Release -r any -o "$pkg" >>"$OUT/pack.log" 2>&1 || fail "the 'any' package failed (log: $OUT/pack.log)"
    dotnet pack "$cli" -c Release -r "$RID" -o "$pkg" >>"$OUT/pack.log" 2>&1 || fail "the $RID package failed (log: $OUT/pack.log)"
    ls -l "$pkg"/*.nupkg | awk '{print "publish-aot: " $NF ": " $5 " bytes"}'
    dotnet tool install sockscope --tool-path "$OUT/tool" --add-source "$pkg" >/dev/null || fail "dotnet tool install failed"
    file -L "$OUT/tool/sockscope" | grep -q ELF || [ "${RID%%-*}" != linux ] || fail "the installed tool is not the native binary"
    "$OUT/tool/sockscope" info "$here/samples/winsock-mixed.etl" --json >/dev/null || fail "the installed tool does not run"
    echo "publish-aot: installed from the packages into $OUT/tool and ran"
fi
echo "publish-aot: done in $((SECONDS - started)) s"
