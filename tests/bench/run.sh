#!/bin/sh
# `make bench`: every benchmark, figures printed against the tool a user would
# otherwise use. Nothing here is asserted: these machines are shared and noisy.
set -u
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build/bench
status=0
build/bench/bench_replay build/bench/replay-100k.jsonl || status=1
echo
build/bench/bench_append build/bench || status=1
for script in tests/bench/bench_*.sh; do
    [ -f "$script" ] || continue
    echo
    sh "$script" || status=1
done
exit $status
