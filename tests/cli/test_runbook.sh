# Runbooks from the command line: a platform repository with the team guide's
# runbook (the project's copy, tests/runbooks/) and a malformed one beside it;
# `log --type alert --name` records the alert's name and its runbook's link;
# `runbook` prints the runbook the incident's alerts pick, or the one named;
# the malformed file is named with its line and column and left out; from the
# working tree, and from the branch when the working tree has no runbooks/.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
export WARROOM_NOW=2025-03-15T14:30:00Z

repo="$scratch/platform"
git init -q -b main "$repo"
mkdir -p "$repo/runbooks"
cp "$src/tests/runbooks/order-service-high-error-rate.yml" "$repo/runbooks/"
printf 'metadata:\n  title: Payments down\n  alert_names: [PaymentsDown\ndiagnosis: []\n' > "$repo/runbooks/payments-down.yml"
printf '# Incident\n\nDeclare early, hand off roles.\n' > "$repo/runbooks/incident.md"
git -C "$repo" add runbooks
git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m runbooks
export WARROOM_REPO="$repo"
cat > "$scratch/config.json" <<'EOF'
{"runbook_base_url": "https://git.example.com/platform/blob/main/"}
EOF
export WARROOM_CONFIG="$scratch/config.json"

id=$(wr open --sev 1 --title "Checkout errors" --as carol)
log="$WARROOM_DIR/$id/events.jsonl"

expect_status 1 "runbook: no named alert yet says how to give one" wr runbook
check "  ... in words" grep -q "no named alert to pick a runbook by: log one (warroom log --type alert --name NAME TEXT)" "$scratch/err"
expect_status 2 "--name without --type alert is a usage error" wr log --name HighErrorBudgetBurnRate_Fast "x"
expect_status 2 "  ... and so is an empty name" wr log --type alert --name "" "x"
expect_status 2 "  ... and one past 200 bytes" wr log --type alert --name "$(head -c 201 /dev/zero | tr '\0' A)" "x"

expect_status 0 "log --type alert --name records the alert" \
    wr log --type alert --name HighErrorBudgetBurnRate_Fast --at 14:05 "Error budget burning 14x"
alert=$(jq -c 'select(.type == "alert")' "$log")
check "  ... with its name" test "$(printf '%s' "$alert" | jq -r .name)" = HighErrorBudgetBurnRate_Fast
check "  ... the runbook it picks" test "$(printf '%s' "$alert" | jq -r .runbook)" = runbooks/order-service-high-error-rate.yml
check "  ... and that runbook's link (the configured base and its path)" \
    test "$(printf '%s' "$alert" | jq -r .runbook_url)" = "https://git.example.com/platform/blob/main/runbooks/order-service-high-error-rate.yml"

expect_status 0 "runbook: the incident's alerts pick the guide's runbook" wr runbook
check "  ... its title and file" grep -q "^Order Service High Error Rate  (runbooks/order-service-high-error-rate.yml)" "$scratch/out"
check "  ... the alert names it answers" grep -q "^alerts    HighErrorBudgetBurnRate_Fast, HighErrorBudgetBurnRate_Slow" "$scratch/out"
check "  ... diagnosis, numbered, with command and expectation" \
    sh -c "grep -A2 '^   1. \[ \] Check recent deployments' '$scratch/out' | grep -q 'kubectl -n production rollout history deployment/order-service'"
check "  ... mitigation options with their when" \
    sh -c "grep -A1 '^   3. \[ \] Circuit breaker' '$scratch/out' | grep -q 'when:     Payment service is root cause'"
check "  ... recovery" grep -q "^   4. \[ \] Schedule postmortem within 48 hours" "$scratch/out"
check "  ... the rate it reads from the impact text" grep -q '^rate      ~\$2,400/min (read from the impact text)' "$scratch/out"
check "  ... and its link" grep -q "^link      https://git.example.com/platform/blob/main/runbooks/order-service-high-error-rate.yml" "$scratch/out"
check "the malformed runbook is named with its line and column, and left out" \
    grep -q "warroom: warning: runbooks/payments-down.yml:4:10: .* (left out)" "$scratch/err"

expect_status 0 "runbook NAME: by another alert it lists" wr runbook HighErrorBudgetBurnRate_Slow
check "  ... the same runbook" grep -q "^Order Service High Error Rate" "$scratch/out"
expect_status 0 "runbook NAME: a Markdown runbook by its file name, shown as text" wr runbook incident
check "  ... its text" grep -q "^Declare early, hand off roles." "$scratch/out"
expect_status 1 "runbook NAME: the one that did not parse is not there" wr runbook PaymentsDown
check "  ... and the message says where it looked" grep -q 'no runbook for "PaymentsDown" in runbooks/ (the working tree, 2 runbooks)' "$scratch/err"

# the postmortem's revenue impact: the runbook's rate over the minutes of
# impact, marked as an estimate (the template escapes Markdown's ~ and $)
WARROOM_NOW=2025-03-15T14:35:00Z wr postmortem > "$scratch/open.md" 2>/dev/null
check "postmortem while open: the estimate so far" \
    grep -qF '| Revenue impact | \~\$12,000 (estimate: 5 min of impact so far at \~\$2,400/min, the peak rate in runbooks/order-service-high-error-rate.yml) |' "$scratch/open.md"
WARROOM_NOW=2025-03-15T14:41:00Z wr mitigate --at 14:40 > /dev/null
WARROOM_NOW=2025-03-15T15:00:00Z wr postmortem > "$scratch/pm.md" 2>/dev/null
check "postmortem: impact to mitigation, at the runbook's rate" \
    grep -qF '| Revenue impact | \~\$24,000 (estimate: 10 min of impact at \~\$2,400/min, the peak rate in runbooks/order-service-high-error-rate.yml) |' "$scratch/pm.md"
WARROOM_NOW=2025-03-15T15:00:00Z wr postmortem --json > "$scratch/pm.json" 2>/dev/null
check "  ... in the context as revenue.estimate" test "$(jq -r .revenue.estimate "$scratch/pm.json")" = '~$24,000'
WARROOM_NOW=2025-03-15T15:00:00Z env -u WARROOM_REPO sh -c 'cd / && "$0" postmortem' "$WARROOM" > "$scratch/norb.md" 2>/dev/null
check "  ... and with no runbook, the row asks for the figure" \
    grep -qF '| Revenue impact | _Estimated revenue lost, or none_ |' "$scratch/norb.md"

# the branch, when the working tree has no runbooks/ (a bare clone)
git clone -q --bare "$repo" "$scratch/bare.git"
expect_status 0 "runbook from a bare repository: the branch's runbooks" env WARROOM_REPO="$scratch/bare.git" "$WARROOM" runbook
check "  ... the same runbook" grep -q "^Order Service High Error Rate" "$scratch/out"

# hostile names: cleaned on the way into the log and out to the terminal
expect_status 0 "an alert name with an escape sequence is recorded" \
    wr log --type alert --name "$(printf 'Evil\033[2J\033]0;x\007Name')" "evil"
check "  ... cleaned in the log" sh -c "jq -r 'select(.type == \"alert\") | .name' '$log' | grep -qx EvilName"
expect_status 1 "runbook for a name no runbook lists" wr runbook "$(printf 'No\033[31mSuch')"
check "  ... the message carries no escape" sh -c "! grep -q \"$(printf '\033')\" '$scratch/err'"

# no repository at all: no runbooks, said plainly
unset WARROOM_REPO
mkdir -p "$scratch/norepo" && cd "$scratch/norepo" || exit 1
expect_status 1 "runbook without a platform repository" wr runbook
check "  ... says there is none" grep -q "no runbook in runbooks/ (no platform repository) lists the alerts of $id" "$scratch/err"

# --- the runbook's link in PagerDuty's links: a real receiver on 127.0.0.1 ---
cd "$scratch" || exit 1
export WARROOM_REPO="$repo"
reqlog="$scratch/requests.jsonl"
/usr/bin/python3 "$src/tests/receiver.py" "$reqlog" --port-file "$scratch/port" --lifetime 60 \
    >/dev/null 2>"$scratch/receiver.err" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$scratch/port" 2>/dev/null)
check "the receiver is up" test -n "$port"
cat > "$scratch/pd.json" <<JSON
{"sinks": {"pagerduty": {"routing_key": "pdroutingkey0123456789abcdef0123", "url": "http://127.0.0.1:$port/v2/enqueue"}},
 "runbook_url": "https://runbooks.example.com/general",
 "runbook_base_url": "https://git.example.com/platform/blob/main/"}
JSON
chmod 600 "$scratch/pd.json"
export WARROOM_CONFIG="$scratch/pd.json"
paged=$(WARROOM_NOW=2025-03-15T16:00:00Z wr open --sev 1 --title "Order errors again" --as carol --wait 10)
WARROOM_NOW=2025-03-15T16:01:00Z wr --incident "$paged" log --type alert --name HighErrorBudgetBurnRate_Slow "slow burn" --wait 10 > /dev/null
WARROOM_NOW=2025-03-15T16:02:00Z wr --incident "$paged" page payments-oncall --why "payments" --wait 10 > /dev/null
triggers() { jq -c 'select(.path == "/v2/enqueue") | .body | fromjson | select(.event_action == "trigger")' "$reqlog"; }
check "pagerduty got the declaration and the page" test "$(triggers | wc -l)" -eq 2
check "  ... the declaration, before any alert named a runbook: the config's link" \
    test "$(triggers | head -1 | jq -r '.links[0].href')" = "https://runbooks.example.com/general"
check "  ... the page, after the alert: its runbook's link" \
    test "$(triggers | tail -1 | jq -r '.links[0] | "\(.href) \(.text)"')" = \
    "https://git.example.com/platform/blob/main/runbooks/order-service-high-error-rate.yml Runbook"
