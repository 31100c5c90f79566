# The runbook in the console: a platform repository holding the team guide's
# runbook (the project's copy, tests/runbooks/) and a malformed one; an
# incident whose alert is HighErrorBudgetBurnRate_Fast. b opens the runbook
# beside the timeline (80x24 and 120x40 compared with the expected screens);
# x marks a step done with its result, which the timeline and the postmortem
# show; y copies a step's command into tmux's paste buffer (never runs it); the
# header carries the running revenue estimate, which the postmortem fills in,
# each marked as an estimate. WARROOM_SCREENS_UPDATE=1 writes the screens anew.
here=$(cd "$(dirname "$0")" && pwd)
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$console_dir/tmux.sh"
src=${WARROOM_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
export TERM=xterm-256color LANG=C.UTF-8
now=2025-03-15T14:30:00Z

repo="$scratch/platform"
git init -q -b main "$repo"
mkdir -p "$repo/runbooks"
cp "$src/tests/runbooks/order-service-high-error-rate.yml" "$repo/runbooks/"
printf 'metadata:\n  title: Payments down\n  alert_names: [PaymentsDown\n' > "$repo/runbooks/payments-down.yml"
git -C "$repo" add runbooks && git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m runbooks
cat > "$scratch/config.json" <<'EOF'
{"name": "carol", "runbook_base_url": "https://git.example.com/platform/blob/main/"}
EOF
export WARROOM_CONFIG="$scratch/config.json" WARROOM_REPO="$repo"

id=$(WARROOM_NOW=$now wr open --sev 1 --title "Checkout errors on order-service" \
    --impact "Users cannot check out" --at 14:05 --as carol)
log="$WARROOM_DIR/$id/events.jsonl"
(
    export WARROOM_NOW=$now WARROOM_INCIDENT=$id
    wr log --type alert --name HighErrorBudgetBurnRate_Fast --at 14:03 --as alertmanager \
        "Error budget burning 14x on order-service" > /dev/null
    wr ack --at 14:07 --as carol > /dev/null
    wr role ic carol --at 14:07 --as carol > /dev/null
    wr log --at 14:10 --as dave "Deploy #812 of order-service went out at 14:01" > /dev/null
)

# start NAME COLSxROWS: the console in its own window, the clock held at $now
start() {
    T new-window -d -n "$1" "env WARROOM_INCIDENT=$id WARROOM_NOW=$now WARROOM_DIR='$WARROOM_DIR' \
        WARROOM_CONFIG='$WARROOM_CONFIG' WARROOM_REPO='$repo' HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 \
        TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
    T resize-window -t "$1" -x "${2%x*}" -y "${2#*x}" 2>/dev/null
}

# open_runbook NAME COLSxROWS: the console started, and b pressed once it is up
open_runbook() {
    start "$1" "$2"
    wait_for "$1" "q quit" > /dev/null
    keys "$1" b
    wait_for "$1" "Runbook Order Service" > /dev/null
}

# --- the runbook at the two design sizes ---
for size in 80x24 120x40; do
    start "s$size" "$size"
    wait_for "s$size" "q quit" > /dev/null
    check "$size: the header carries the running revenue estimate, marked as one" wait_for "s$size" '~\$60,000 est\.'
    keys "s$size" b
    check "$size: b opens the runbook the alert picks" wait_for "s$size" "Runbook Order Service High Error Rate"
    settle "s$size" "$scratch/runbook-$size"
    check "$size: the runbook is as expected" same_screen "runbook-$size" "$scratch/runbook-$size"
    keys "s$size" q
done
check "80x24: the selected step shows its command" grep -q '\$ kubectl -n production rollout history' "$scratch/runbook-80x24"
check "  ... and what to expect" grep -q "expect: If deploy correlates with error onset" "$scratch/runbook-80x24"
check "  ... and the keys line says what lies below the panel's lines" \
    grep -q "j/k step  x done  y copy command  b close   more: 10 lines below" "$scratch/runbook-80x24"
check "120x40: beside the timeline" grep -q "^ Timeline \[all\] 7 entries .*│ Runbook Order Service High Error Rate" "$scratch/runbook-120x40"
check "  ... mitigation options with their when" grep -q "when: Error onset correlates with a deployment" "$scratch/runbook-120x40"
check "  ... and recovery" grep -q "\[ \] 4 Schedule postmortem within 48 hours" "$scratch/runbook-120x40"
check "  ... and under it the clocks stay in sight, the overdue update first" \
    sh -c "grep -A1 '│ Clocks *\$' '$scratch/runbook-120x40' | grep -q '│ +10m00s next status update'"
check "the runbook that did not parse is named with its line and column" \
    grep -q "runbooks: 1 file left out: runbooks/payments-down.yml:4:1:" "$scratch/runbook-120x40"

# --- 100x30: the runbook's column is too narrow for its keys in full ---
open_runbook s100x30 100x30
check "100x30: the keys in short, and what lies out of view said whole" \
    wait_for s100x30 "│ j/k x y b   more: [0-9]* lines below *\$"
check "  ... the clocks under the runbook there too" wait_for s100x30 "│ Clocks *\$"
keys s100x30 q

# --- a resize lays the runbook out again: beside the timeline, or in its place ---
start resize 120x40
wait_for resize "q quit" > /dev/null
keys resize b
wait_for resize "Timeline \[all\].*│ Runbook Order Service" > /dev/null
T resize-window -t resize -x 80 -y 24
check "resized to 80x24 with the runbook open: it takes the timeline's place" wait_for resize "^ Runbook Order Service"
check "  ... the timeline out of the way" sh -c "! tmux -S '$sock' capture-pane -p -t resize | grep -q 'Timeline \[all\]'"
T resize-window -t resize -x 120 -y 40
check "  ... and back at 120x40, beside it again" wait_for resize "Timeline \[all\].*│ Runbook Order Service"
keys resize q

# --- marking steps done, copying a command ---
start work 120x40
wait_for work "q quit" > /dev/null
keys work b
wait_for work "Runbook Order Service" > /dev/null
keys work x
check "x asks for the step's result" wait_for work "diagnosis 1 done: result (optional)"
keys work -l "deploy correlates"
keys work Enter
check "the step is done, with its result, in the runbook" wait_for work "done 14:30 carol: deploy correlates"
check "  ... and the footer says so" wait_for work "marked done: diagnosis 1 Check recent deployments (in the timeline)"
keys work x
check "x on the step already done says so" wait_for work "diagnosis 1 is already done (14:30 by carol); nothing recorded"
keys work Enter
keys work j
keys work y
check "y copies the selected step's command, and says it is not run" \
    wait_for work "copied to the tmux paste buffer (not run)"
check "  ... into tmux's paste buffer, byte for byte" \
    test "$(T show-buffer)" = '{service="order-service"} |= "error" | json | level="error"'
keys work j j j
keys work x Enter
check "a mitigation option marked done with no result" wait_for work "\[x\] 1 Rollback last deployment"
settle work "$scratch/done-120x40"
check "120x40 with two steps done is as expected" same_screen "runbook-done-120x40" "$scratch/done-120x40"
keys work b
check "b closes the runbook; the timeline has both steps" \
    wait_for work "carol      Runbook diagnosis 1 done: Check recent deployments (deploy"
check "  ... the second one too" wait_for work "carol      Runbook mitigation 1 done: Rollback last deployment"
keys work q
check "the console quits" wait_for work "EXITED 0"

check "  ... and records nothing: one runbook event for the step" \
    test "$(jq -s '[.[] | select(.type == "runbook" and .section == "diagnosis" and .number == 1)] | length' "$log")" = 1
WARROOM_NOW=$now wr --incident "$id" show > "$scratch/show"
check "show lists the step done among the entries" \
    grep -q "carol *runbook *Runbook diagnosis 1 done: Check recent deployments (deploy correlates)" "$scratch/show"
check "the log holds the runbook events, with the runbook's link" \
    test "$(jq -r 'select(.type == "runbook") | [.section, .number, .step, .result // "", .url] | @tsv' "$log")" = \
"$(printf 'diagnosis\t1\tCheck recent deployments\tdeploy correlates\thttps://git.example.com/platform/blob/main/runbooks/order-service-high-error-rate.yml\nmitigation\t1\tRollback last deployment\t\thttps://git.example.com/platform/blob/main/runbooks/order-service-high-error-rate.yml')"

# --- the postmortem: the steps in its timeline, the estimate in its impact
# (the template escapes Markdown's ~ and $) ---
WARROOM_NOW=2025-03-15T14:52:00Z wr --incident "$id" mitigate --at 14:50 --as dave > /dev/null
WARROOM_NOW=2025-03-15T15:00:00Z wr --incident "$id" postmortem > "$scratch/pm.md" 2> "$scratch/pm.err"
check "the postmortem's timeline has the step done" \
    grep -q "| 2025-03-15 14:30 | carol | Runbook diagnosis 1 done: Check recent deployments (deploy correlates) |" "$scratch/pm.md"
check "  ... and the option taken" grep -q "| carol | Runbook mitigation 1 done: Rollback last deployment |" "$scratch/pm.md"
check "the revenue-impact row is filled, marked as an estimate (45 min to mitigation at \$2,400/min)" \
    grep -qF '| Revenue impact | \~\$108,000 (estimate: 45 min of impact at \~\$2,400/min, the peak rate in runbooks/order-service-high-error-rate.yml) |' "$scratch/pm.md"

# --- outside tmux, with OSC 52 off: nothing copied, and it says so ---
T new-window -d -n plain "env -u TMUX WARROOM_INCIDENT=$id WARROOM_NOW=$now WARROOM_DIR='$WARROOM_DIR' \
    WARROOM_CONFIG='$WARROOM_CONFIG' WARROOM_REPO='$repo' HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 \
    TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
T resize-window -t plain -x 120 -y 40 2>/dev/null
wait_for plain "q quit" > /dev/null
T set-buffer "untouched"
keys plain b
wait_for plain "Runbook Order Service" > /dev/null
keys plain y
check "outside tmux with OSC 52 off: not copied, and why" wait_for plain "not copied: not inside tmux, and OSC 52 is off"
check "  ... the paste buffer untouched" test "$(T show-buffer)" = untouched
keys plain q

# --- outside tmux with OSC 52 turned on: the terminal (here tmux, which takes
# OSC 52 into a paste buffer with set-clipboard on) gets the command ---
cat > "$scratch/osc52.json" <<'EOF'
{"name": "carol", "clipboard": {"osc52": true}}
EOF
T set-option -s set-clipboard on
T set-buffer "untouched"
T new-window -d -n osc "env -u TMUX WARROOM_INCIDENT=$id WARROOM_NOW=$now WARROOM_DIR='$WARROOM_DIR' \
    WARROOM_CONFIG='$scratch/osc52.json' WARROOM_REPO='$repo' HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 \
    TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
T resize-window -t osc -x 120 -y 40 2>/dev/null
wait_for osc "q quit" > /dev/null
keys osc b
wait_for osc "Runbook Order Service" > /dev/null
keys osc j j y
check "OSC 52 on: copied, and said so" wait_for osc "copied by OSC 52 (not run): curl -s https://payment-service.internal/healthz"
check "  ... the terminal got the command, byte for byte" \
    test "$(T show-buffer)" = 'curl -s https://payment-service.internal/healthz | jq .'
keys osc q

# --- a Markdown runbook, named after its alert, shown as text; what a runbook
# says reaches the terminal cleaned (an OSC title change and a colour here) ---
printf '# Disk \033]0;pwned\007full\n\nFree space: \033[31mdelete old logs\033[0m first.\n' > "$repo/runbooks/DiskFull.md"
disk=$(WARROOM_NOW=$now wr open --sev 3 --title "Disk full on db-1" --as carol)
WARROOM_NOW=$now wr --incident "$disk" log --type alert --name DiskFull --as alertmanager "disk 95%" > /dev/null
T new-window -d -n md "env WARROOM_INCIDENT=$disk WARROOM_NOW=$now WARROOM_DIR='$WARROOM_DIR' \
    WARROOM_CONFIG='$WARROOM_CONFIG' WARROOM_REPO='$repo' HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 \
    TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
T resize-window -t md -x 80 -y 24 2>/dev/null
wait_for md "q quit" > /dev/null
keys md b
check "a Markdown runbook opens as text" wait_for md "Free space: delete old logs first."
check "  ... its heading cleaned" wait_for md "^ Runbook Disk full"
T display -p -t md '#{pane_title}' > "$scratch/title"
T capture-pane -e -p -t md > "$scratch/md-escapes"
check "  ... and the terminal's title untouched" sh -c "! grep -q pwned '$scratch/title'"
check "  ... the escape's colour not drawn" sh -c "! grep 'delete old logs' '$scratch/md-escapes' | grep -q '$(printf '\033')\[31m'"
check "  ... the file left out is still said" wait_for md "runbooks: 1 file left out: runbooks/payments-down.yml"
printf 'metadata:\n  title: Payments down\n  alert_names: [PaymentsDown]\n' > "$repo/runbooks/payments-down.yml"
keys md b
wait_for md "runbook closed" > /dev/null
keys md b
check "  ... and once fixed in the working tree, opening again reads it anew" \
    wait_for md "^runbook runbooks/DiskFull.md *$"
keys md q
check "the console quits" wait_for md "EXITED 0"

# --- at 80 columns the footer names the runbook whole (its keys are on the
# panel's key line), not cut mid-word ---
open_runbook narrow 80x24
check "80x24: the footer names the runbook opened, whole" \
    wait_for narrow "^runbook runbooks/order-service-high-error-rate.yml *$"
keys narrow q
check "the console quits" wait_for narrow "EXITED 0"
