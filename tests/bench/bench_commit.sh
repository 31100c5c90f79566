#!/bin/sh
# bench_commit — committing one postmortem into a repository of 100,000 files,
# warroom's libgit2 path against `git add FILE && git commit` of the same file
# in an identical copy.
#
# usage: tests/bench/bench_commit.sh [DRIVER]
#   DRIVER  the bench_commit binary (default build/bench/bench_commit, which
#           `make bench` builds from tests/bench/bench_commit.c); when it is
#           missing, make builds it.
# environment: BENCH_FILES (default 100000), BENCH_RUNS (default 5),
#              BENCH_DIR (scratch parent, default $TMPDIR or /tmp),
#              BENCH_KEEP (a directory: the generated repository is kept there
#              and reused by the next run with the same BENCH_FILES, which
#              saves its ~10 s of building),
#              WARROOM (default build/warroom: also timed as a user runs it,
#              `warroom postmortem --commit` into the bare copy).
#
# Prints medians and ratios; asserts nothing (machines are shared and noisy).
# Scenarios:
#   (a) bare:        ours commits into a bare copy;
#       not checked out: ours commits to branch `pm` while HEAD is on main;
#       both against git add+commit in a checked-out copy (git cannot commit
#       one file into a bare repository or an unchecked-out branch without
#       plumbing, so a user would do exactly that).
#   (b) checked out: ours (file + one index entry + commit) against git
#       add+commit, each in its own identical checked-out copy.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
driver=${1:-$root/build/bench/bench_commit}
files=${BENCH_FILES:-100000}
runs=${BENCH_RUNS:-5}

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/warroom-bench-commit.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if [ ! -x "$driver" ]; then
    echo "bench_commit: $driver not built; building it" >&2
    make -C "$root" --no-print-directory build/bench/bench_commit > /dev/null || exit 1
    driver=$root/build/bench/bench_commit
fi

# Neither the user's git config nor their identity takes part.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
mkdir -p "$HOME"
git config --global user.name "Bench Person"
git config --global user.email bench@example.com
git config --global init.defaultBranch main
git config --global gc.auto 0
git config --global maintenance.auto false

now_ns() { date +%s%N; }
ms() { echo "$1 $2" | awk '{ printf "%.1f", ($2 - $1) / 1e6 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

t0=$(now_ns)
keep=${BENCH_KEEP:-}
if [ -n "$keep" ] && [ -f "$keep/base-$files/.git/refs/heads/pm" ]; then
    cp -a "$keep/base-$files" "$work/base"
else
# One commit of $files files: 100 directories, as in a real repository, plus
# a postmortems/ directory that already holds a few.
python3 - "$files" > "$work/stream" <<'EOF'
import sys
n = int(sys.argv[1])
dirs = 100
out = sys.stdout.buffer
out.write(b"commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\ndata 5\nbase\n")
for i in range(n):
    body = b"// file %d\nint f%d(void) { return %d; }\n" % (i, i, i)
    path = b"src/mod%03d/file%05d.c" % (i % dirs, i)
    out.write(b"M 100644 inline " + path + b"\ndata %d\n" % len(body) + body + b"\n")
for i in range(20):
    body = b"# Postmortem %d\n\nOld.\n" % i
    out.write(b"M 100644 inline postmortems/2024-01-%02d-old.md\ndata %d\n" % (i + 1, len(body)) + body + b"\n")
out.write(b"\n")
EOF
git init -q "$work/base"
git -C "$work/base" fast-import --quiet < "$work/stream"
rm "$work/stream"
git -C "$work/base" reset -q --hard main
git -C "$work/base" branch pm
    if [ -n "$keep" ]; then
        mkdir -p "$keep" && rm -rf "$keep/base-$files" && cp -a "$work/base" "$keep/base-$files"
    fi
fi
git clone -q --bare --no-hardlinks "$work/base" "$work/bare.git"
git clone -q --bare --no-hardlinks "$work/base" "$work/bare-cli.git"
for copy in wt-ours wt-git; do
    cp -a "$work/base" "$work/$copy"
    # A copy has new inodes; refresh so git's index is as warm as a user's.
    git -C "$work/$copy" update-index -q --refresh || true
    git -C "$work/$copy" status --porcelain > /dev/null
done
count=$(git -C "$work/base" ls-files | wc -l)
t1=$(now_ns)
echo "bench_commit: repository of $count files ready in $(ms "$t0" "$t1") ms"

pm="$work/postmortem.md"
awk 'BEGIN { print "# Checkout outage"; for (i = 0; i < 120; i++) print "| " i " | line of the postmortem |" }' > "$pm"
msg="postmortem: Checkout outage (SEV1, inc-bench)

Incident: inc-bench
"

ours() { # REPO BRANCH RUN
    s=$(now_ns)
    "$driver" "$1" "$2" "postmortems/2025-03-15-run-$3.md" "$pm" "$msg" > /dev/null
    e=$(now_ns)
    ms "$s" "$e"
}
# The same as a user runs it: a resolved incident, its postmortem rendered and
# committed into the bare copy, each run into its own postmortem.dir.
warroom=${WARROOM:-$root/build/warroom}
export WARROOM_DIR="$work/data" WARROOM_NOW=2025-03-15T16:00:00Z
inc=
if [ -x "$warroom" ]; then
    inc=$(WARROOM_CONFIG=/dev/null "$warroom" open --sev 1 --title "Checkout outage" --at 14:25 --as carol) &&
        WARROOM_CONFIG=/dev/null "$warroom" --incident "$inc" role ic carol --at 14:26 --as carol > /dev/null &&
        WARROOM_CONFIG=/dev/null "$warroom" --incident "$inc" resolve "Error rate normal" --at 15:40 --as carol > /dev/null ||
        inc=
fi
cli() { # RUN
    printf '{"postmortem": {"dir": "postmortems/run-%s"}}\n' "$1" > "$work/config-$1.json"
    s=$(now_ns)
    WARROOM_CONFIG="$work/config-$1.json" "$warroom" --incident "$inc" --repo "$work/bare-cli.git" \
        postmortem --commit > /dev/null
    e=$(now_ns)
    ms "$s" "$e"
}
theirs() { # RUN
    s=$(now_ns)
    (cd "$work/wt-git" && cp "$pm" "postmortems/2025-03-15-run-$1.md" &&
        git add "postmortems/2025-03-15-run-$1.md" && git commit -q -m "$msg")
    e=$(now_ns)
    ms "$s" "$e"
}

: > "$work/bare" ; : > "$work/pm" ; : > "$work/wt" ; : > "$work/git" ; : > "$work/cli"
# Run 0 warms the caches and is not counted.
i=0
while [ "$i" -le "$runs" ]; do
    b=$(ours "$work/bare.git" main "$i")
    p=$(ours "$work/wt-ours" pm "p$i")
    w=$(ours "$work/wt-ours" main "$i")
    g=$(theirs "$i")
    c=
    [ -n "$inc" ] && c=$(cli "$i")
    if [ "$i" -gt 0 ]; then
        [ -n "$c" ] && echo "$c" >> "$work/cli"
        echo "$b" >> "$work/bare"; echo "$p" >> "$work/pm"
        echo "$w" >> "$work/wt"; echo "$g" >> "$work/git"
    fi
    i=$((i + 1))
done

# Each copy must still be sound, and ours committed what git committed.
for repo in "$work/bare.git" "$work/bare-cli.git" "$work/wt-ours" "$work/wt-git"; do
    git -C "$repo" fsck --strict --no-progress > /dev/null 2>&1 || { echo "bench_commit: fsck failed in $repo" >&2; exit 1; }
done
[ "$(git -C "$work/wt-ours" rev-parse main^{tree})" = "$(git -C "$work/wt-git" rev-parse main^{tree})" ] ||
    { echo "bench_commit: ours and git's trees differ" >&2; exit 1; }

mb=$(median < "$work/bare"); mp=$(median < "$work/pm")
mw=$(median < "$work/wt"); mg=$(median < "$work/git")
ratio() { echo "$1 $2" | awk '{ printf "%.1f", $2 / $1 }'; }
echo "bench_commit: one postmortem into $count files, median of $runs runs (ms, whole process)"
echo "  git add + commit (checked out)      $mg"
echo "  (a) ours, bare repository           $mb   git/ours = $(ratio "$mb" "$mg")x   (target >= 20x)"
echo "  (a) ours, branch not checked out    $mp   git/ours = $(ratio "$mp" "$mg")x   (target >= 20x)"
echo "  (b) ours, branch checked out        $mw   git/ours = $(ratio "$mw" "$mg")x   (target >= 1x)"
if [ -s "$work/cli" ]; then
    mc=$(median < "$work/cli")
    echo "  warroom postmortem --commit, bare    $mc   git/ours = $(ratio "$mc" "$mg")x   (replay, render, commit, record)"
fi
