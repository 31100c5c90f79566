# Stamps against the real binary: a clock step on one writer, the ends of the
# calendar, and the times automatic steps record.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
j() { jq -r "$1" "$scratch/out"; }
day=2025-03-15

# --- one clock step poisons nothing: a record written 3 h ahead ---
export WARROOM_DIR="$scratch/skew"
inc=$(WARROOM_NOW=${day}T14:00:00Z wr open --sev 2 --title "Clock step")
export WARROOM_INCIDENT="$inc"
WARROOM_NOW=${day}T17:00:00Z wr log "written where the clock is 3 h ahead"
WARROOM_NOW=${day}T14:03:00Z wr ack --as carol
WARROOM_NOW=${day}T14:05:00Z wr log "after the ack"
WARROOM_NOW=${day}T14:20:00Z wr show --json > "$scratch/out" 2> "$scratch/err"
check "clock step: the ack keeps its own time" test "$(j .acked_at)" = "${day}T14:03:00Z"
check "clock step: the next entry keeps its own time" test "$(j '.timeline[] | select(.text == "after the ack") | .ts')" = "${day}T14:05:00Z"
check "clock step: the acknowledge clock is met" test "$(j '.clocks[] | select(.kind == "ack") | .state')" = met
check "clock step: no escalation of an acknowledged incident" test "$(j '[.clocks[] | select(.kind == "escalation" and .action == "if not acknowledged" and .state == "overdue")] | length')" -eq 0
check "clock step: the record ahead is flagged" sh -c "jq -r '.warnings[]' '$scratch/out' | grep -q 'line 2: stamped ${day}T17:00:00Z, 2h40m ahead of this machine.s clock'"
check "clock step: the record ahead stays where it says" test "$(j '.timeline[-1].text')" = "written where the clock is 3 h ahead"
WARROOM_NOW=${day}T14:20:00Z wr show > /dev/null 2> "$scratch/err"
check "clock step: show warns about it" grep -q 'warning: line 2: stamped .* ahead of this machine' "$scratch/err"
WARROOM_NOW=${day}T14:30:00Z wr resolve
WARROOM_NOW=${day}T14:31:00Z wr postmortem --json > "$scratch/out" 2> /dev/null
check "clock step: the postmortem's time to acknowledge is 3 min" test "$(j .figures.tta)" = "3 min"
# the record ahead is an ack itself: it has happened by now, so it holds no clock open
inc2=$(WARROOM_NOW=${day}T14:00:00Z wr open --sev 2 --title "Ack from a clock ahead")
export WARROOM_INCIDENT="$inc2"
WARROOM_NOW=${day}T17:00:00Z wr ack --as dave
WARROOM_NOW=${day}T14:20:00Z wr show --json > "$scratch/out" 2> /dev/null
check "ack ahead: acknowledged as of now, not in 3 h" test "$(j .acked_at)" = "${day}T14:20:00Z"
check "ack ahead: the acknowledge escalations are met, not overdue" test "$(j '[.clocks[] | select(.kind == "escalation" and .action == "if not acknowledged" and .state != "met")] | length')" -eq 0
unset WARROOM_INCIDENT
