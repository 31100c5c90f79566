# The console on a drill and on its clocks: the header says DRILL at every
# width (screens compared with tests/console/screens/drill-*.txt;
# WARROOM_SCREENS_UPDATE=1 writes them anew), and z snoozes or dismisses a
# clock: recorded as a reminder event, shown in the timeline and the
# postmortem, and honoured by the next console (a snoozed update clock notes no
# missed update until its time, a dismissed escalation step is never taken
# while the next one is).
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$here/tmux.sh"
. "$here/demo_incident.sh"
export TERM=xterm-256color LANG=C.UTF-8

wait_in() {
    i=0
    while [ $i -lt 100 ]; do
        grep -q -- "$2" "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

# ---- a drill of the seed incident, its clock held at 16:00 ----
export WARROOM_NOW=$demo_now
src_id=$(demo_incident)
drill_now=2025-03-15T16:00:00Z
WARROOM_NOW=$drill_now wr drill "$src_id" --speed 3600 --as gamemaster > "$scratch/drill.out"
drill_id=$(head -1 "$scratch/drill.out")
unset WARROOM_NOW
check "the drill was declared and played whole" grep -q '^drill: all 19 scripted events played' "$scratch/drill.out"
pinned="WARROOM_INCIDENT=$drill_id WARROOM_NOW=2025-03-15T16:01:00Z"
# a first console takes the step the policy says is due, as in the layout test
start first 80x24 $pinned
wait_for first "q quit" >/dev/null
keys first q
wait_for first "EXITED 0" >/dev/null
for size in 80x24 120x40; do
    start "d$size" "$size" $pinned
    wait_for "d$size" "q quit" > /dev/null
    settle "d$size" "$scratch/drill-$size"
    check "$size: the drill's screen is as expected" same_screen "drill-$size" "$scratch/drill-$size"
    check "$size: the header's first word is DRILL" sh -c "head -1 '$scratch/drill-$size' | grep -q '^ DRILL  SEV1 '"
    keys "d$size" q
done
# the narrowest console still says it
start d40 40x12 $pinned
wait_for d40 "DRILL" > /dev/null
screen d40 > "$scratch/d40"
check "40x12: the header still says DRILL" sh -c "head -1 '$scratch/d40' | grep -q '^ DRILL '"
keys d40 q
start real 80x24 "WARROOM_INCIDENT=$src_id WARROOM_NOW=$demo_now"
wait_for real "q quit" > /dev/null
screen real > "$scratch/real"
check "the incident it came from says no such thing" sh -c "! grep -q DRILL '$scratch/real'"
keys real q
# both are open: the picker offers them, the drill's row marked DRILL after its severity
start pick 120x24 "WARROOM_NOW=$demo_now"
wait_for pick "Open incidents" > /dev/null
screen pick > "$scratch/pick"
check "the picker marks the drill's row DRILL, and only that one" \
    sh -c "[ \$(grep -c 'Checkout failing' '$scratch/pick') -eq 2 ] &&
           [ \$(grep -Ec 'SEV1 +DRILL +[a-z]+ +Checkout failing' '$scratch/pick') -eq 1 ] &&
           [ \$(grep -c DRILL '$scratch/pick') -eq 1 ]"
keys pick q

# ---- z: snooze and dismiss, recorded and honoured ----
export WARROOM_NOW=2025-03-15T15:00:00Z
inc=$(wr open --sev 2 --title "Search is slow" --as carol)
unset WARROOM_NOW
log=$WARROOM_DIR/$inc/events.jsonl
# the prompt offers the running clocks in the order show lists them
running() { WARROOM_NOW=2025-03-15T15:00:00Z wr --incident "$inc" show | sed -n '/^clocks/,/^$/p' | grep -E '^  (pending|OVERDUE) '; }
pos() { running | grep -n "$1" | head -1 | cut -d: -f1; }
start z1 100x30 "WARROOM_INCIDENT=$inc WARROOM_NOW=2025-03-15T15:00:00Z"
wait_for z1 "q quit" > /dev/null
keys z1 z
check "z asks which clock, offering the running ones" wait_for z1 "page secondary  acknowledge  page engineering manager"
keys z1 "$(pos 'next status update')" Enter
check "  ... then snooze or dismiss" wait_for z1 "snooze 5m  snooze 15m  snooze 1h  dismiss"
keys z1 3 Enter
check "a snooze is recorded as a reminder event: clock, action, until" \
    wait_in "$log" '"type":"reminder","clock":"update","action":"snooze","until":"2025-03-15T16:00:00Z"'
check "  ... shown in the timeline" wait_for z1 "Reminder snoozed until 16:00 UTC: next status update"
check "  ... and the clock says until when" wait_for z1 "snoozed *next.* until 16:00"
keys z1 z
wait_for z1 "page secondary  acknowledge" > /dev/null
keys z1 "$(pos 'page secondary')" Enter
wait_for z1 "snooze 1h" > /dev/null
keys z1 4 Enter
check "a dismissal is recorded" \
    wait_in "$log" '"type":"reminder","clock":"escalation:ack-secondary","action":"dismiss"'
check "  ... shown in the timeline by the step's name" wait_for z1 "Reminder dismissed: page secondary"
check "  ... and the clock is off" wait_for z1 "off *page secondary"
keys z1 q
wait_for z1 "EXITED 0" > /dev/null

# 15:40: the update is 10 minutes overdue but snoozed; both steps are due,
# the dismissed one is not taken
start z2 100x30 "WARROOM_INCIDENT=$inc WARROOM_NOW=2025-03-15T15:40:00Z"
check "later, a console takes the step that was not dismissed" wait_in "$log" '"rule":"ack-manager"'
wait_for z2 "q quit" > /dev/null
settle z2 "$scratch/z2"
check "  ... and not the dismissed one" sh -c "! grep -q '\"rule\":\"ack-secondary\"' '$log'"
check "  ... notes no missed update while it is snoozed" sh -c "! grep -q missed_update '$log'"
check "  ... and still shows it snoozed" grep -q "snoozed *next.* until 16:00" "$scratch/z2"
keys z2 q
wait_for z2 "EXITED 0" > /dev/null
# at 80x24 the clocks have three lines: a snoozed update is owed, never
# counted among the met ones when it does not fit
start z80 80x24 "WARROOM_INCIDENT=$inc WARROOM_NOW=2025-03-15T15:40:00Z"
wait_for z80 "q quit" > /dev/null
settle z80 "$scratch/z80"
check "80x24: the snoozed update is shown, or named among the clocks left out" \
    grep -q "snoozed *next.* until 16:00\|^ +[0-9]* more clocks:.* [0-9]* snoozed" "$scratch/z80"
check "  ... and none left out is called met unless it is" \
    sh -c "! grep -q 'more clocks, met or done' '$scratch/z80'"
keys z80 q
wait_for z80 "EXITED 0" > /dev/null
# 16:05: the snooze has run out: the missed update is said
start z3 100x30 "WARROOM_INCIDENT=$inc WARROOM_NOW=2025-03-15T16:05:00Z"
check "once the snooze ends the missed update is noted" wait_in "$log" '"missed_update":"2025-03-15T15:30:00Z"'
wait_for z3 "q quit" > /dev/null
keys z3 q
check "  ... and the dismissed step is still never taken" sh -c "! grep -q '\"rule\":\"ack-secondary\"' '$log'"
WARROOM_NOW=2025-03-15T16:10:00Z wr --incident "$inc" postmortem > "$scratch/pm.md" 2>/dev/null
check "the postmortem's timeline has the snooze and the dismissal" \
    sh -c "grep -q 'Reminder snoozed until 16:00 UTC: next status update' '$scratch/pm.md' &&
           grep -q 'Reminder dismissed: page secondary' '$scratch/pm.md'"
