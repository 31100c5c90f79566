# The console's layouts, compared as screens: the incident of tools/demo.sh at
# a fixed time (TZ, LANG, the clock and the size fixed, as tig's and tmux's
# suites do), in the panes people use. The expected screens are in
# tests/console/screens/; WARROOM_SCREENS_UPDATE=1 writes them anew from what
# the console shows (look at the diff before committing it).
here=$(cd "$(dirname "$0")" && pwd)
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$console_dir/tmux.sh"
. "$here/demo_incident.sh"
export TERM=xterm-256color LANG=C.UTF-8

# keys WINDOW KEY...: a key right after Esc would arrive with it as one
# sequence (Alt+key) and be dropped, so each Esc gets a moment of its own
keys() {
    w=$1; shift
    if [ "${1:-}" = -l ]; then T send-keys -t "$w" "$@"; return; fi
    for k in "$@"; do
        T send-keys -t "$w" "$k"
        if [ "$k" = Escape ]; then sleep 0.1; fi
    done
}

export WARROOM_NOW=$demo_now
id=$(demo_incident)
unset WARROOM_NOW
pinned="WARROOM_INCIDENT=$id WARROOM_NOW=$demo_now"

# --- the first console takes the step the policy says is due ---
start first 80x24 $pinned
check "the due escalation step is announced with what to do" \
    wait_for first "notify VP Eng + CTO: no sink configured, do it by hand"
check "  ... and the clocks say it is for a person to do" wait_for first "by hand notify VP Eng + CTO"
keys first q
wait_for first "EXITED 0" > /dev/null
WARROOM_NOW=$demo_now wr --incident "$id" show > "$scratch/show"
check "show: the step taken is done, not OVERDUE and counting" grep -q "^  done  *notify VP Eng + CTO  *done" "$scratch/show"
check "  ... and sorts below the clock still running" \
    sh -c "grep -A1 '^clocks' '$scratch/show' | grep -q 'pending  next status update'"

# --- the same incident at each size ---
for size in 80x24 100x30 120x40 160x24 160x48; do
    start "s$size" "$size" $pinned
    wait_for "s$size" "q quit" > /dev/null
    settle "s$size" "$scratch/screen-$size"
    check "$size: the screen is as expected" same_screen "demo-$size" "$scratch/screen-$size"
    check "$size: no word cut, nothing out of its column, following fills the pane, the header whole" \
        python3 "$here/columns.py" --layout "${size%x*}" "${size#*x}" "$scratch/show" "$scratch/screen-$size"
    keys "s$size" q
done
check "a page no sink took says so in the timeline" \
    grep -q "Paged payments-oncall.*" "$scratch/screen-120x40"
check "  ... under the page: no pager configured, do it by hand" \
    grep -A1 "Paged payments-oncall" "$scratch/screen-120x40" | grep -q "not sent anywhere: no pager configured, do it by hand"
check "action items: each with owner and due date, the overdue one marked first" \
    sh -c "grep -q '!A2  frank overdue Alert on TLS' '$scratch/screen-120x40' && grep -q ' A1  dave  03-22   Canary' '$scratch/screen-120x40'"
check "  ... at 80x24 in one line: how many, and the overdue one" \
    grep -q "Action items  2 open, 1 overdue:  A2 frank overdue Alert" "$scratch/screen-80x24"
check "the timeline says who owns an action item and when it is due" \
    grep -q "Alert on TLS handshake latency (owner frank, due 2025-03-14)" "$scratch/screen-160x24"
check "80x24: roles compress to one line, every role there" grep -q "^ IC carol  Comms dan  Ops dave  Scribe erin  SMEs frank" "$scratch/screen-80x24"
check "80x24: help and quit stay in the key bar" sh -c "tail -1 '$scratch/screen-80x24' | grep -q '? help q quit'"

# --- the help overlay scrolls where it does not fit; too small says so whole ---
start help 80x24 $pinned
wait_for help "q quit" > /dev/null
keys help ?
check "80x24: the help says it scrolls" wait_for help "Keys 1-20 of 28: j/k scroll, Esc closes"
check "  ... long lines fold under their description" wait_for help "^│              start) "
keys help j j j j j j j j j j
check "  ... and j scrolls to its last line" wait_for help "to start / a word; Up/Down history"
keys help Escape
keys help q
start tiny 30x8 $pinned
check "30x8: the too-small message is whole, folded" wait_for tiny "^need 40x10; q quits"
keys tiny q
check "  ... and q quits from there" wait_for tiny "EXITED 0"

# --- without colour the selected entry is still marked ---
start nocolour 100x30 $pinned NO_COLOR=1
# the newest entry is selected while following: the escalation step the
# console records when it opens (the SEV1 step, due since 14:16)
wait_for nocolour "15:00 warroom *Escalated: notify VP Eng" > /dev/null
T capture-pane -e -p -t nocolour > "$scratch/nocolour"
check "NO_COLOR: the selected entry is in reverse video" \
    sh -c "grep 'Escalated: notify VP Eng' '$scratch/nocolour' | grep -q '$(printf '\033')\[[0-9;]*7[;m]'"
keys nocolour q

# --- mitigated while the last update still says identified ---
export WARROOM_NOW=$demo_now
mid=$(wr open --sev 2 --title "Mitigated under IDENTIFIED" --at 14:30 --as carol)
wr --incident "$mid" update identified "Bad config found" --at 14:40 --as dan > /dev/null
wr --incident "$mid" mitigate "rolled back" --at 14:50 --as dave > /dev/null
unset WARROOM_NOW
start mitigated 80x24 WARROOM_INCIDENT="$mid" WARROOM_NOW=$demo_now
check "the header says the impact is mitigated beside IDENTIFIED" wait_for mitigated "SEV2 Major  IDENTIFIED  mitigated "
keys mitigated q

# --- the composer's preview is what is sent, byte for byte ---
start composer 120x40 $pinned USER=dan
wait_for composer "q quit" > /dev/null
# the status picker opens where the incident stands (monitoring): u Enter
# Enter never sends it back to investigating
keys composer u Enter
check "u opens on the status the incident is at" wait_for composer "## 2025-03-15 15:00:00 UTC · monitoring"
keys composer Escape
gone composer "update text:"
keys composer u Left Enter
wait_for composer "update text:" > /dev/null
settle composer "$scratch/preview"
# the file sink's lines: from its heading to the bottom of the box
sed -n '/file: append/,/└/p' "$scratch/preview" | sed '1d;$d' | sed 's/^│ *//; s/ *│$//' > "$scratch/preview.words"
check "the preview shows the update's own time and author" \
    sh -c "grep -q '^## 2025-03-15 15:00:00 UTC · identified$' '$scratch/preview.words' && grep -q '^by dan · SEV1' '$scratch/preview.words'"
keys composer Enter
check "the update is sent" wait_for composer "recorded update"
md="$WARROOM_DIR/$id/updates.md"
# the last section of updates.md, without its marker
awk '/^## /{s=""} {s=s $0 "\n"} END{printf "%s", s}' "$md" | grep -v '^<!-- warroom update' > "$scratch/sent"
check "  ... and updates.md got the words of the preview, in order, none lost at a fold" \
    sh -c "test \"\$(tr -s ' \n' '  ' < '$scratch/preview.words')\" = \"\$(tr -s ' \n' '  ' < '$scratch/sent')\""
keys composer q

# --- resolving: its entry shows at once; the final update is offered ---
export WARROOM_NOW=$demo_now
rid=$(wr open --sev 2 --title "Resolve here" --at 14:30 --as carol)
wr --incident "$rid" role ic carol > /dev/null
unset WARROOM_NOW
start resolve 100x30 WARROOM_INCIDENT="$rid" WARROOM_NOW=$demo_now USER=carol
wait_for resolve "q quit" > /dev/null
keys resolve R y Enter
keys resolve -l "rolled back"
keys resolve Enter
wait_for resolve "resolved when (Enter: now" > /dev/null
keys resolve Enter
check "resolving offers the final status update" wait_for resolve "resolved: post the final status update? Enter sends, Esc skips"
check "  ... prefilled from the resolved template" wait_for resolve "Resolve here is resolved and service is back to normal"
keys resolve Escape
check "Esc skips it: the postmortem draft comes next" wait_for resolve "Postmortem draft"
keys resolve Escape
check "the console's own resolve entry shows without another event" wait_for resolve "Resolved: rolled back"
check "  ... and no update was sent" test "$(wr --incident "$rid" show --json | jq '[.timeline[] | select(.type=="update")] | length')" = 0
keys resolve q

export WARROOM_NOW=$demo_now
rid2=$(wr open --sev 2 --title "Resolve and say so" --at 14:30 --as carol)
unset WARROOM_NOW
start resolve2 100x30 WARROOM_INCIDENT="$rid2" WARROOM_NOW=$demo_now USER=carol
wait_for resolve2 "q quit" > /dev/null
keys resolve2 R y Enter Enter
wait_for resolve2 "resolved when (Enter: now" > /dev/null
keys resolve2 Enter
wait_for resolve2 "post the final status update" > /dev/null
keys resolve2 Enter
check "Enter sends the final update, then the postmortem draft" wait_for resolve2 "Postmortem draft"
check "  ... a resolved update, in the log" test "$(wr --incident "$rid2" show --json | jq -r '[.timeline[] | select(.type=="update")][0].state')" = resolved
check "  ... and in updates.md" grep -q "Resolve and say so is resolved and service is back to normal" "$WARROOM_DIR/$rid2/updates.md"
keys resolve2 Escape q

# --- a status update that goes overdue is said, once ---
export WARROOM_NOW=$demo_now
uid=$(wr open --sev 1 --title "Quiet comms" --at 14:30 --as carol)
wr --incident "$uid" ack --at 14:31 --as carol > /dev/null
wr --incident "$uid" update investigating "Looking" --at 14:40 --as dan > /dev/null
unset WARROOM_NOW
start missed 100x30 WARROOM_INCIDENT="$uid" WARROOM_NOW=$demo_now
check "an overdue status update is announced in the footer" wait_for missed "status update missed (due 14:55 UTC): u sends one"
check "  ... and in the timeline, at the time it was due" \
    wait_for missed "^14:55 warroom    Status update missed: one was due at 14:55 UTC"
start missed2 100x30 WARROOM_INCIDENT="$uid" WARROOM_NOW=$demo_now
check "a second console sees it and keeps saying it in the footer" wait_for missed2 "status update overdue (due 14:55 UTC): u sends one"
keys missed q
keys missed2 q
wait_for missed2 "EXITED 0" > /dev/null
check "  ... recorded once, under one id, however many consoles" \
    test "$(wr --incident "$uid" show --json | jq '[.timeline[] | select(.missed_update)] | length')" = 1
check "  ... show lists it among the entries (the postmortem's timeline is the same list)" \
    sh -c "WARROOM_NOW=$demo_now '$WARROOM' --incident '$uid' show | grep -q 'warroom    note       Status update missed: one was due at 14:55 UTC'"

# --- 80x24: a classification question is asked whole ---
start classify 80x24 $pinned
wait_for classify "q quit" > /dev/null
keys classify s c n n n
check "80x24: the classification question keeps all its words" \
    wait_for classify "^Is a core revenue feature broken for more than 10% of users?:  no  yes"
keys classify Escape q

# every console quit cleanly (a sanitizer's report would end it otherwise)
sleep 1
for w in first s80x24 s100x30 s120x40 s160x24 s160x48 help tiny nocolour mitigated composer resolve resolve2 \
         missed missed2 classify; do
    check "the console in $w exited cleanly" wait_for "$w" "EXITED 0" 3
done

# --- following with only the date of the oldest entry left in the pane ---
export WARROOM_NOW=$demo_now
did=$(wr open --sev 3 --title "Dated" --at 14:00 --as carol)
# acknowledged and mitigated at once: no escalation step adds entries
wr --incident "$did" ack --at 14:00 --as carol > /dev/null
wr --incident "$did" mitigate --at 14:00 --as carol > /dev/null
for m in 01 02 03 04 05 06 07 08 09 10 11; do
    wr --incident "$did" log "note $m" --at "14:$m" --as erin > /dev/null
done
WARROOM_NOW=$demo_now wr --incident "$did" show > "$scratch/show-dated"
unset WARROOM_NOW
start dated 80x24 WARROOM_INCIDENT="$did" WARROOM_NOW=$demo_now
wait_for dated "note 11" > /dev/null
wait_for dated "q quit" > /dev/null   # the whole frame, not a part of it
settle dated "$scratch/screen-dated"
check "80x24: the newest entry on the last row, the oldest's date on the first" \
    sh -c "sed -n 4p '$scratch/screen-dated' | grep -q '^03-15 *$' && sed -n 17p '$scratch/screen-dated' | grep -q 'note 11'"
check "  ... and the structure holds" python3 "$here/columns.py" --layout 80 24 "$scratch/show-dated" "$scratch/screen-dated"
keys dated q
