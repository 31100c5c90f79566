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

# --- the end of the calendar: nothing is written that cannot be read back ---
export WARROOM_DIR="$scratch/y10k"
inc=$(WARROOM_NOW=${day}T14:00:00Z wr open --sev 3 --title "End of time")
export WARROOM_INCIDENT="$inc"
printf '%s\n' '{"v":1,"id":"crafted","ts":"9999-12-31T23:59:59.999Z","type":"note","text":"crafted at the end of time"}' >> "$WARROOM_DIR/$inc/events.jsonl"
WARROOM_NOW=${day}T14:05:00Z wr log "after the crafted record"
check "year 10000: log after a record stamped 9999-12-31T23:59:59.999Z succeeds" test $? -eq 0
check "year 10000: no five-digit year in the log" sh -c "! grep -q '\"10000-' '$WARROOM_DIR/$inc/events.jsonl'"
WARROOM_NOW=${day}T14:06:00Z wr show --json > "$scratch/out" 2> /dev/null
check "year 10000: the incident stays readable" test $? -eq 0
check "year 10000: the new entry keeps its own time" test "$(j '.timeline[] | select(.text == "after the crafted record") | .ts')" = "${day}T14:05:00Z"
WARROOM_NOW=9999-12-31T23:59:59.999Z wr log "the last millisecond"
check "year 10000: the last millisecond can be written" test $? -eq 0
expect_status 1 "year 10000: a WARROOM_NOW past 9999 is refused" env WARROOM_NOW=10000-01-01T00:00:00Z "$WARROOM" log "too late"
check "  ... saying what is wrong with it" grep -q 'WARROOM_NOW: time "10000-01-01T00:00:00Z" is not ISO 8601' "$scratch/err"
expect_status 1 "a WARROOM_NOW that is no time is refused, not ignored" env WARROOM_NOW=yesterday "$WARROOM" log "when?"
expect_status 2 "year 10000: --at past 9999 is refused" wr log --at 10000-01-01T00:00:00Z "too late"
expect_status 2 "year 10000: --at past 9999 through a zone is refused" wr log --at 9999-12-31T23:30:00-01:00 "too late"
check "  ... saying so" grep -q 'outside the years 0001 to 9999' "$scratch/err"
WARROOM_NOW=${day}T14:07:00Z wr show > /dev/null 2>&1
check "year 10000: still readable after all that" test $? -eq 0
unset WARROOM_INCIDENT
