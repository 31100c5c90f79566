# The console fires an escalation step when it runs out: the step records when
# it was done and when it was due, and the postmortem shows both.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export TERM=xterm-256color LANG=C.UTF-8
sock="$scratch/tmux.sock"
T() { tmux -S "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
T -f /dev/null new-session -d -s boot -x 120 -y 40 "sleep 600"
T set-option -g remain-on-exit on >/dev/null
# until FILE holds PATTERN (bounded, not a timing assertion)
wait_in() {
    i=0
    while [ $i -lt 100 ]; do
        grep -q -- "$2" "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

# make run's story: declared SEV2 at 13:52, raised to SEV1 at 14:00, the
# console opened at 14:44
day=2025-03-15
export WARROOM_NOW=${day}T14:44:00Z
inc=$(wr open --sev 2 --title "Checkout failing" --at 13:52)
export WARROOM_INCIDENT="$inc"
wr ack --at 13:53
wr sev 1 --at 14:00 --why "every card payment fails"
log=$WARROOM_DIR/$inc/events.jsonl
T new-window -d -n esc "env WARROOM_NOW=$WARROOM_NOW WARROOM_INCIDENT=$inc WARROOM_DIR='$WARROOM_DIR' \
    WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; sleep 600"
check "the console fires the SEV1 step" wait_in "$log" '"rule":"sev1-executives"'
# a record written where the clock is 3 h ahead arrives while the console follows
printf '%s\n' '{"v":1,"id":"ahead","ts":"2025-03-15T17:44:00Z","by":"dave","type":"note","text":"from a clock ahead"}' >> "$log"
T capture-pane -p -t esc > "$scratch/screen"
i=0
until grep -q "stamped 2025-03-15T17:44:00Z, 3h00m ahead" "$scratch/screen" || [ $i -ge 50 ]; do
    sleep 0.1; i=$((i + 1)); T capture-pane -p -t esc > "$scratch/screen"
done
check "the console flags a record stamped ahead of its clock as it arrives" grep -q "stamped 2025-03-15T17:44:00Z, 3h00m ahead" "$scratch/screen"
T send-keys -t esc q
grep '"rule":"sev1-executives"' "$log" | head -1 > "$scratch/step"
check "  ... recorded when it was done (14:44), not when it was due" test "$(jq -r '.at // .ts' "$scratch/step")" = "${day}T14:44:00.000Z"
check "  ... with the time it was due: when the SEV1 began" test "$(jq -r .due "$scratch/step")" = "${day}T14:00:00Z"
check "  ... once" test "$(grep -c '"rule":"sev1-executives"' "$log")" -eq 1
WARROOM_NOW=${day}T14:55:00Z wr resolve --at 14:50
WARROOM_NOW=${day}T14:56:00Z wr postmortem > "$scratch/pm.md" 2> "$scratch/err"
check "the postmortem's timeline shows when it was due and when it was done" \
    grep -q 'notify VP Eng + CTO (due 14:00, done 14:44)' "$scratch/pm.md"
WARROOM_NOW=${day}T14:56:00Z wr postmortem --json > "$scratch/pm.json" 2> /dev/null
check "  ... and so does its data" test "$(jq -r '.timeline[] | select(.type == "escalate" and (.text | startswith("Escalated: notify VP Eng"))) | "\(.due) \(.time)"' "$scratch/pm.json")" = "14:00 14:44"
