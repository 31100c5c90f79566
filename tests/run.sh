#!/bin/sh
# Runs every test: the cmocka units, then the command-line and integration
# scripts, first against the normal build, then against the AddressSanitizer +
# UndefinedBehaviorSanitizer build; then the units once more under valgrind.
# Ends with one line: "N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
results=$(mktemp)
trap 'rm -f "$results"' EXIT
export TZ=UTC LC_ALL=C.UTF-8 WARROOM_SOURCE_DIR="$root"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_unit() {  # binary [label], with $wrap (e.g. valgrind) in front when set
    name=$1
    out=$(CMOCKA_MESSAGE_OUTPUT=stdout $wrap "$name" 2>&1)
    status=$?
    passed=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | tail -1)
    failed=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' | tail -1)
    passed=${passed:-0}; failed=${failed:-0}
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1             # crashed, or a sanitizer stopped it
    fi
    if [ "$failed" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^\[ \(RUN\|      OK\) ' | tail -40
    fi
    echo "$passed $failed" >> "$results"
    printf '%-40s %4s passed %4s failed\n' "$name${2:+ ($2)}" "$passed" "$failed"
}
wrap=

run_script() {  # script, binary under test, label
    out=$(WARROOM="$2" WARROOM_TOOLS="$3" sh "$1" 2>&1)
    status=$?
    passed=$(printf '%s\n' "$out" | grep -c '^ok ')
    failed=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1
    fi
    if [ "$failed" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^ok ' | tail -40
    fi
    echo "$passed $failed" >> "$results"
    printf '%-40s %4s passed %4s failed\n' "$1 ($4)" "$passed" "$failed"
}

for t in build/test/test_*; do [ -x "$t" ] && run_unit "$t"; done
for t in tests/cli/test_*.sh tests/console/test_*.sh; do [ -f "$t" ] && run_script "$t" "$root/build/warroom" "$root/build/tools" normal; done
for t in build/san/test/test_*; do [ -x "$t" ] && run_unit "$t"; done
for t in tests/cli/test_*.sh tests/console/test_*.sh; do [ -f "$t" ] && run_script "$t" "$root/build/san/warroom" "$root/build/san/tools" sanitizers; done

wrap="valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite -q"
for t in build/test/test_*; do [ -x "$t" ] && run_unit "$t" valgrind; done

awk '{p += $1; f += $2} END {printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0)}' "$results"
