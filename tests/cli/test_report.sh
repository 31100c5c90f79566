# `warroom report` over 50 incidents recorded through the real binary with
# timestamps chosen by tests/cli/report_fixture.py, which also works out the
# expected counts, medians and 90th percentiles on its own (Python's
# statistics module, not warroom's code). Incidents missing a moment are
# listed and not counted; a drill is left out unless --drills; the Markdown
# passes markdownlint and renders with cmark-gfm, its SVG beside it parses;
# the CSV reads back with Python's csv module with the documented columns;
# and an incident only the sync remote holds is in the report, while the
# store it ran in gains nothing.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/sync_lib.sh"
export WARROOM_NOW=2025-04-15T00:00:00Z

python3 "$src/tests/cli/report_fixture.py" plan "$scratch/plan.sh" "$scratch/expected.json" || not_ok "the fixture plans"
# the plan runs `wr ARGS...` lines: each incident declared, then its moments
. "$scratch/plan.sh" >"$scratch/plan.log" 2>&1
check "the 50 incidents and a drill are recorded" test "$(ls "$WARROOM_DIR" | grep -c '^inc-')" = 51

wr report --format json >"$scratch/report.json" 2>"$scratch/err"
check "report --format json" test -s "$scratch/report.json"
python3 "$src/tests/cli/report_fixture.py" compare "$scratch/expected.json" "$scratch/report.json" >"$scratch/cmp.out" 2>&1
check "counts, medians and p90 per severity and month match the hand-computed ones" sh -c "grep -q '^all match' '$scratch/cmp.out'"
sed 's/^/#   /' "$scratch/cmp.out" | grep -v '^#   all match' | head -10
check "incidents missing a moment are listed with the figures they lack" \
    python3 "$src/tests/cli/report_fixture.py" missing "$scratch/expected.json" "$scratch/report.json"
check "the drill is left out" sh -c "! grep -q game-day '$scratch/report.json'"
sh -c 'ulimit -n 24 && exec "$@"' sh "$WARROOM" report --format json >"$scratch/few-fds.json" 2>"$scratch/few-fds.err"
check "a report over more incidents than it may open files leaves none out" \
    test "$(jq .incidents "$scratch/few-fds.json" 2>/dev/null)" = 50
wr report --format json --drills >"$scratch/drills.json" 2>/dev/null
check "  ... and in with --drills" test "$(jq .incidents "$scratch/drills.json")" = 51
wr report --format json --since 2025-02-01 --until 2025-02-28 >"$scratch/feb.json" 2>/dev/null
check "--since/--until: February only" test "$(jq -r '.months | join(" ")' "$scratch/feb.json")" = 2025-02
check "  ... as many as the fixture declared in February" \
    test "$(jq .incidents "$scratch/feb.json")" = "$(jq '[.incidents[] | select(.month == "2025-02")] | length' "$scratch/expected.json")"
expect_status 2 "--since that is not a date is a usage error" wr report --since yesterday
expect_status 2 "--format that is not known is a usage error" wr report --format pdf

# ---- the terminal ----
wr report >"$scratch/table.txt" 2>/dev/null
check "the table has a row per severity and one for all" sh -c "grep -q '^SEV1 ' '$scratch/table.txt' && grep -q '^all ' '$scratch/table.txt'"
check "  ... and sparklines of the monthly medians" grep -q 'TTR [▁▂▃▄▅▆▇█·]\{3\}' "$scratch/table.txt"
check "  ... and the incidents not counted" grep -q 'not acknowledged' "$scratch/table.txt"

# ---- CSV ----
wr report --format csv >"$scratch/report.csv" 2>/dev/null
check "the CSV reads back with the documented columns and the JSON's figures" \
    python3 "$src/tests/cli/report_fixture.py" csv "$scratch/report.csv" "$scratch/report.json"

# ---- Markdown and its chart ----
src_root=$src
markdownlint="$src_root/build/npm/node_modules/.bin/markdownlint"
check "markdownlint-cli is installed (tools/npm-deps.sh)" sh -c "'$src_root/tools/npm-deps.sh' >'$scratch/npm.log' 2>&1"
check "cmark-gfm is installed (tools/deps.sh)" sh -c "command -v cmark-gfm >/dev/null"
mkdir -p "$scratch/platform/reports"
expect_status 0 "report --format markdown --output FILE.md" \
    wr report --format markdown --output "$scratch/platform/reports/2025-q1.md"
check "  ... writes FILE.svg beside it" test -s "$scratch/platform/reports/2025-q1.svg"
check "  ... a well-formed SVG" python3 -c "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(r.tag != '{http://www.w3.org/2000/svg}svg')" "$scratch/platform/reports/2025-q1.svg"
check "  ... with a line per severity" test "$(grep -c '<polyline' "$scratch/platform/reports/2025-q1.svg")" -ge 3
check "  ... files 0600" test "$(stat -c %a "$scratch/platform/reports/2025-q1.md")" = 600
if "$markdownlint" --disable MD013 -- "$scratch/platform/reports/2025-q1.md" >"$scratch/lint.out" 2>&1; then
    ok "the Markdown passes markdownlint"
else
    not_ok "the Markdown passes markdownlint"; sed 's/^/#   /' "$scratch/lint.out" | head -10
fi
cmark-gfm --unsafe -e table -e strikethrough -e autolink -e tagfilter "$scratch/platform/reports/2025-q1.md" >"$scratch/report.html"
check "  ... renders with cmark-gfm: tables" test "$(grep -c '<table>' "$scratch/report.html")" -ge 5
check "  ... and the chart" grep -q '<img src="2025-q1.svg" alt="Monthly medians per severity"' "$scratch/report.html"
check "  ... the incidents not counted by name" grep -q "$(jq -r '.missing[0].id' "$scratch/report.json")" "$scratch/report.html"

# ---- hostile text from a log stays text ----
hostile=$(wr open --sev 2 --title 'x | <script>alert(1)</script> *y*' --at 2025-03-03T10:00:00Z)
wr --incident "$hostile" action add '=HYPERLINK("http://evil") | `code`' --owner "$(printf 'eve\033[31m')" --due 2025-03-05 --at 2025-03-03T10:05:00Z >/dev/null 2>&1
wr report --format markdown --output "$scratch/hostile.md" 2>/dev/null
cmark-gfm --unsafe -e table -e tagfilter "$scratch/hostile.md" >"$scratch/hostile.html"
check "a title with HTML adds no element" sh -c "! grep -q '<script>' '$scratch/hostile.html'"
check "  ... and every table row keeps its cells" awk '
    /^<table>/ { header = -1 } /^<tr>/ { n = 0 } /^<t[hd][ >]/ { n++ }
    /^<\/tr>/ { if (header < 0) header = n; else if (n != header) bad = 1 }
    END { exit bad }' "$scratch/hostile.html"
"$markdownlint" --disable MD013 -- "$scratch/hostile.md" >"$scratch/lint.out" 2>&1
check "  ... and markdownlint still passes" test $? = 0
wr report >"$scratch/hostile.txt" 2>/dev/null
check "no escape sequence reaches the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$scratch/hostile.txt'"

# ---- an incident only the remote holds ----
remote="$scratch/remote.git"
git init -q --bare "$remote"
host_config a "$remote"
host_config b "$remote"
far=$(on a open --sev 1 --title "far away outage" --at 2025-03-20T10:00:00Z 2>/dev/null)
on a --incident "$far" ack --at 2025-03-20T10:04:00Z >/dev/null 2>&1
on a --incident "$far" resolve --at 2025-03-20T11:00:00Z >/dev/null 2>&1
check "host a pushed its incident" git -C "$remote" rev-parse -q --verify --no-revs "refs/warroom/$far/$(host_of a)"
mkdir -p "$(data_of b)"
on b report --format json >"$scratch/remote-report.json" 2>"$scratch/remote.err"
check "the report on b includes the incident only the remote holds" \
    test "$(jq '[.severities[] | select(.sev == "SEV1") | .count] | add' "$scratch/remote-report.json")" = 1
check "  ... with its figures (acknowledged after 4 min)" \
    test "$(jq '.severities[] | select(.sev == "SEV1") | .figures.tta.median_s' "$scratch/remote-report.json")" = 240
check "  ... and b's store gains nothing" sh -c "! ls '$(data_of b)' | grep -q '^inc-'"
on a report --format json >"$scratch/local-report.json" 2>/dev/null
check "on a, where it is local, it counts once" \
    test "$(jq '[.severities[] | select(.sev == "SEV1") | .count] | add' "$scratch/local-report.json")" = 1

# any clone of the platform repo: no warroom config at all, --remote reads
# the clone's origin
git clone -q "$remote" "$scratch/clone" 2>/dev/null
mkdir -p "$scratch/h-c"
(cd "$scratch/clone" && WARROOM_DIR="$scratch/h-c" WARROOM_CONFIG=/dev/null "$WARROOM" report --format json) \
    >"$scratch/clone-plain.json" 2>/dev/null
check "a clone without a sync section: the remote is not read unasked" test "$(jq .incidents "$scratch/clone-plain.json")" = 0
(cd "$scratch/clone" && WARROOM_DIR="$scratch/h-c" WARROOM_CONFIG=/dev/null "$WARROOM" report --remote --format json) \
    >"$scratch/clone.json" 2>"$scratch/clone.err"
check "  ... with --remote, its origin's incidents are in the report" \
    test "$(jq '[.severities[] | select(.sev == "SEV1") | .figures.tta.median_s] | add' "$scratch/clone.json")" = 240
check "  ... and the clone is untouched" sh -c "test -z \"\$(git -C '$scratch/clone' status --porcelain)\" && ! git -C '$scratch/clone' for-each-ref | grep -q refs/warroom"
expect_status 1 "--remote with no remote to read is an error, not a smaller report" \
    env WARROOM_DIR="$scratch/h-c" WARROOM_CONFIG=/dev/null WARROOM_REPO="$scratch/h-c" "$WARROOM" report --remote
