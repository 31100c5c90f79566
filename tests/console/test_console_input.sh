# The console's input, driven for real in tmux (issue 9): pasted and typed
# text never runs as commands, one-key actions are guarded, what people type
# is judged as the command line judges it, and back-dating says what it does.
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$console_dir/tmux.sh"
export TERM=xterm-256color LANG=C.UTF-8

# start NAME ENV...: the console in its own 120x40 window
start() {
    name=$1; shift
    T new-window -d -n "$name" "env $* WARROOM_DIR='$WARROOM_DIR' WARROOM_CONFIG=/dev/null HOME='$HOME' \
        TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
    T resize-window -t "$name" -x 120 -y 40 2>/dev/null
}
# paste WINDOW FILE [-p]: the file's bytes as a paste (with -p bracketed, as
# the terminal sends it when the program asked for it); LF stays LF
paste_file() {
    T load-buffer -b hostile "$2"
    T paste-buffer -r -b hostile -t "$1" ${3:-}
}
# raw_keys WINDOW FILE: the file's bytes one by one, as if typed
raw_keys() {
    # shellcheck disable=SC2046
    T send-keys -t "$1" -H $(od -An -v -tx1 "$2")
}
# fence WINDOW N: a bracketed paste of a marker; once it shows, the console
# has read everything sent before it (input is read in order)
fence() {
    printf 'zz-fence-%s' "$2" > "$scratch/fence"
    T load-buffer -b fence "$scratch/fence"
    T paste-buffer -b fence -t "$1" -p
    wait_for "$1" "zz-fence-$2\|a paste goes into"
}

id=$(wr open --sev 2 --title "Input safety" --as carol)
wr --incident "$id" role ic carol > /dev/null
log="$WARROOM_DIR/$id/events.jsonl"
count() { wc -l < "$log" | tr -d ' '; }
# new_since N: the events recorded after the first N lines
new_since() { tail -n +"$(( $1 + 1 ))" "$log"; }
new_since_in() { tail -n +"$(( $2 + 1 ))" "$1"; }
# gone WINDOW PATTERN: until the screen no longer shows PATTERN. A key sent
# right after Esc would arrive with it as one sequence (Alt+key), so the
# test waits for Esc to take effect first.

# --- the hostile texts of the issue, and what a note of each must hold ---
printf 'deploy log: \033[32mOK\033[0m done' > "$scratch/h1"
h1_clean='deploy log: OK done'
printf 'evil \033]0;PWNED\007 ... \033[2J end' > "$scratch/h2"
h2_clean='evil  ...  end'
printf 'bad \033]0;pwned\007 \033[2J\033[H clear \342\200\256olleh \302\233 31m end' > "$scratch/h3"
h3_clean='bad   clear olleh  end'
printf 'a\033Pq#0;2;0;0;0\033\\m\033_apc\033\\ \033[200~R\033[201~ \033Oa tail' > "$scratch/h4"
h4_clean='am R  tail'

case_no=0
for h in h1 h2 h3 h4; do
    eval "clean=\$${h}_clean"
    for how in bracketed raw typed; do
        # inside a note prompt: the note holds the cleaned text and nothing else happens
        case_no=$((case_no + 1))
        w="in-$h-$how"
        start "$w" WARROOM_INCIDENT="$id"
        wait_for "$w" "Timeline" > /dev/null
        title_before=$(T display -p -t "$w" '#{pane_title}')
        before=$(count)
        keys "$w" n
        wait_for "$w" "^note" > /dev/null
        case $how in
            bracketed) paste_file "$w" "$scratch/$h" -p ;;
            raw) paste_file "$w" "$scratch/$h" ;;
            typed) raw_keys "$w" "$scratch/$h" ;;
        esac
        check "$h $how into a note prompt: the prompt stays open with the cleaned text" \
            wait_for "$w" "^note: $clean"
        keys "$w" Enter
        wait_for "$w" "recorded note" > /dev/null
        check "  ... one event recorded" test "$(new_since "$before" | wc -l)" = 1
        check "  ... a note holding exactly the cleaned text" \
            test "$(new_since "$before" | jq -r '[.type, .text] | join("|")')" = "note|$clean"
        check "  ... the terminal title is unchanged" test "$(T display -p -t "$w" '#{pane_title}')" = "$title_before"
        T kill-window -t "$w"

        # outside any prompt: nothing is recorded, whatever the text holds
        case_no=$((case_no + 1))
        w="out-$h-$how"
        start "$w" WARROOM_INCIDENT="$id"
        wait_for "$w" "Timeline" > /dev/null
        before=$(count)
        case $how in
            bracketed) paste_file "$w" "$scratch/$h" -p ;;
            raw) paste_file "$w" "$scratch/$h" ;;
            typed) raw_keys "$w" "$scratch/$h" ;;
        esac
        fence "$w" "$case_no" > /dev/null
        if [ "$how" = bracketed ]; then
            check "$h bracketed outside a prompt opens a note with the text, unrecorded" wait_for "$w" "^note: $clean"
        fi
        check "$h $how outside a prompt records nothing" test "$(count)" = "$before"
        check "  ... the terminal title is unchanged" test "$(T display -p -t "$w" '#{pane_title}')" = "$title_before"
        check "  ... and the console still runs" sh -c "! tmux -S '$sock' capture-pane -p -t '$w' | grep -q EXITED"
        T kill-window -t "$w"
    done
done

# a paste with lines: one line of text in the prompt, Enter is never pasted
printf 'first line\nsecond line\r\nthird\n' > "$scratch/lines"
start lines WARROOM_INCIDENT="$id"
wait_for lines "Timeline" > /dev/null
before=$(count)
keys lines n
wait_for lines "^note" > /dev/null
paste_file lines "$scratch/lines" -p
check "a bracketed paste of lines stays in the prompt, one line" wait_for lines "^note: first line second line third"
check "  ... and records nothing by itself" test "$(count)" = "$before"
keys lines Enter
wait_for lines "recorded note" > /dev/null
check "  ... Enter records it as one note" test "$(new_since "$before" | jq -r .text)" = "first line second line third"

# a lone Esc still cancels a prompt
keys lines n
wait_for lines "^note" > /dev/null
keys lines -l "never recorded"
keys lines Escape
check "a lone Esc cancels the prompt" wait_for lines "cancelled"
check "  ... recording nothing" test "$(new_since "$before" | wc -l)" = 1

# a paste too long for a prompt says it was cut
python3 -c 'print("x" * 10000, end="")' > "$scratch/long"
before=$(count)
keys lines n
wait_for lines "^note" > /dev/null
paste_file lines "$scratch/long" -p
check "a 10,000-character paste says it was cut" wait_for lines "the paste was cut: 6000 characters left out"
keys lines Enter
wait_for lines "recorded note" > /dev/null
check "  ... and records what the prompt held" test "$(new_since "$before" | jq -r '.text | length')" = 4000

# a paste of lines the terminal did not mark (tmux paste-buffer without -p, a
# terminal without bracketed paste): its line breaks come as Enter, but keys
# that come at once are not typed; they stay in the prompt, one line, and no
# line of them runs as keys (the second line quit the console; the first
# was recorded alone). tmux sends each LF as CR unless told -r: the file's
# LFs come as CR, then as LF with one CR LF among them
printf 'first line\nq\nthird line\n' > "$scratch/unmarked-CR"
printf 'first line\nq\r\nthird line\n' > "$scratch/unmarked-LF"
for how in "CR|" "LF|-r"; do
    label=${how%%|*} flag=${how#*|}
    before=$(count)
    keys lines n
    wait_for lines "^note" > /dev/null
    T load-buffer -b unmarked "$scratch/unmarked-$label"
    # shellcheck disable=SC2086
    T paste-buffer -b unmarked -t lines $flag
    check "an unmarked paste of lines, breaks sent as $label: one line in the prompt" \
        wait_for lines "^note: first line q third line *$"
    check "  ... said so" wait_for lines "lines that came at once stay in the prompt, joined: Enter records them"
    check "  ... nothing recorded, the console still runs" \
        sh -c "test \"\$(wc -l < '$log')\" = $before && ! tmux -S '$sock' capture-pane -p -t lines | grep -q EXITED"
    keys lines Enter
    wait_for lines "recorded note" > /dev/null
    check "  ... Enter records it as one note" test "$(new_since "$before" | jq -r .text)" = "first line q third line"
done

# the cursor stands where the typing goes, on the prompt's line: after the
# text, then where Left took it (it stood at the line's end, after the hints)
cursor() { T display -p -t lines '#{cursor_flag} #{cursor_x} #{cursor_y}'; }
rows=$(T display -p -t lines '#{pane_height}')
keys lines n
wait_for lines "^note" > /dev/null
keys lines -l "hello world"
wait_for lines "^note: hello world" > /dev/null
check "the cursor shows after the text typed" test "$(cursor)" = "1 17 $((rows - 2))"
keys lines Left Left Left
sleep 0.3
check "  ... and where Left takes it" test "$(cursor)" = "1 14 $((rows - 2))"
keys lines -l "X"
check "  ... which is where typing goes" wait_for lines "^note: hello woXrld"
keys lines Escape
wait_for lines "cancelled" > /dev/null
sleep 0.3
check "  ... and hides once the prompt is closed" test "$(cursor | cut -d' ' -f1)" = 0
T kill-window -t lines

# --- bracketed paste is asked for, and given back on the way out ---
# what the terminal was told, byte for byte: the console's output through script(1)
cat > "$scratch/drive.sh" <<EOF
sleep 1; printf q
EOF
sh "$scratch/drive.sh" | WARROOM_INCIDENT="$id" script -qfec "'$WARROOM'" /dev/null > "$scratch/tty.out" 2>&1
check "bracketed paste is turned on" grep -q "$(printf '\033\\[?2004h')" "$scratch/tty.out"
check "  ... and off on the way out, after the last time it was turned on" \
    sh -c "tr -d '\n' < '$scratch/tty.out' | grep -q \"\$(printf '\\033\\\\[?2004h').*\$(printf '\\033\\\\[?2004l')\""
# suspended (Ctrl-Z) it is given back and asked for again on return
printf 'sleep 1; printf "\\032"; sleep 1; printf q\n' > "$scratch/drive.sh"
sh "$scratch/drive.sh" | WARROOM_INCIDENT="$id" script -qfec "'$WARROOM'" /dev/null > "$scratch/tty.out" 2>&1
on=$(grep -o "$(printf '\033\\[?2004h')" "$scratch/tty.out" | wc -l)
off=$(grep -o "$(printf '\033\\[?2004l')" "$scratch/tty.out" | wc -l)
check "Ctrl-Z turns bracketed paste off, and back on after (on $on, off $off)" test "$on" -ge 2 -a "$off" -ge 2
# a fatal signal gives it back too
printf 'sleep 1; kill -ABRT $(cat "%s/pid"); sleep 1\n' "$scratch" > "$scratch/drive.sh"
sh "$scratch/drive.sh" | WARROOM_INCIDENT="$id" script -qfec "echo \$\$ > '$scratch/pid'; exec '$WARROOM'" /dev/null > "$scratch/tty.out" 2>&1
check "a crash turns bracketed paste off" \
    sh -c "tr -d '\n' < '$scratch/tty.out' | grep -q \"\$(printf '\\033\\\\[?2004h').*\$(printf '\\033\\\\[?2004l')\""

# --- one-key actions that cannot be undone: once each, and said so ---
gid=$(wr open --sev 2 --title "Guards" --as carol)
glog="$WARROOM_DIR/$gid/events.jsonl"
of_type() { jq -r .type "$glog" | grep -cx "$1"; }
start guard WARROOM_INCIDENT="$gid"
wait_for guard "Timeline" > /dev/null
keys guard a
check "a asks before acknowledging" wait_for guard "acknowledge? when (Enter: now"
keys guard Escape
wait_for guard "cancelled" > /dev/null
# each a Enter as a person presses them, not at once (keys that come at once
# are pasted text to a prompt: see above)
keys guard a Enter
wait_for guard "recorded ack" > /dev/null
keys guard a
check "a again says it is already done" wait_for guard "already acknowledged at"
keys guard Enter
wait_for guard "already acknowledged at" > /dev/null
keys guard a Enter
fence guard g1 > /dev/null
check "  ... and a Enter pressed three times records one ack" test "$(of_type ack)" = 1
check "  ... and nothing else" test "$(of_type note)" = 0
keys guard Escape
wait_for guard "cancelled" > /dev/null
keys guard m Enter
wait_for guard "recorded mitigate" > /dev/null
keys guard m
check "m again says it is already done" wait_for guard "already mitigated at"
keys guard Enter
wait_for guard "already mitigated at" > /dev/null
keys guard m Enter
fence guard g2 > /dev/null
check "  ... and m Enter pressed three times records one mitigation" test "$(of_type mitigate)" = 1
keys guard Escape
wait_for guard "cancelled" > /dev/null
keys guard R y Enter Enter Enter
# resolving offers the final status update first: skipped here
wait_for guard "post the final status update" > /dev/null
keys guard Escape
check "R, y resolves" wait_for guard "Postmortem draft"
keys guard Escape
gone guard "Postmortem draft"
keys guard R
check "R on a resolved incident offers to reopen it" wait_for guard "already resolved at .*: reopen it?"
keys guard Enter
check "  ... Enter (no) leaves it resolved" wait_for guard "still resolved"
keys guard R y Enter Enter
check "  ... R, y again reopens it instead of resolving twice" wait_for guard "recorded reopen"
check "  ... one resolve recorded" test "$(of_type resolve)" = 1
check "  ... and one reopen" test "$(of_type reopen)" = 1
T kill-window -t guard

# --- Home and End in the forms terminals send: tmux ESC[1~ and ESC[4~
# whatever TERM says, rxvt ESC[7~ and ESC[8~, xterm in keypad mode (its
# terminfo's) ESC O H and ESC O F. ESC[H stays a pasted cursor-home (h3). ---
kid=inc-20250101-keys
mkdir -p "$WARROOM_DIR/$kid"
WARROOM_NOW=2025-03-15T15:00:00Z "$WARROOM_TOOLS/genlog" "$WARROOM_DIR/$kid/events.jsonl" 300 notes
chmod 600 "$WARROOM_DIR/$kid/events.jsonl"
start ends WARROOM_INCIDENT="$kid" WARROOM_NOW=2025-03-15T15:00:00Z
check "a timeline longer than the screen opens following" wait_for ends "(following)"
for form in "1b 5b 31 7e|1b 5b 34 7e|ESC[1~ and ESC[4~" "1b 5b 37 7e|1b 5b 38 7e|ESC[7~ and ESC[8~" \
    "1b 4f 48|1b 4f 46|ESC O H and ESC O F"; do
    home=${form%%|*} rest=${form#*|}
    end=${rest%%|*} form_name=${rest#*|}
    # shellcheck disable=SC2086
    T send-keys -t ends -H $home
    check "$form_name: Home goes to the top" gone ends "(following)"
    # shellcheck disable=SC2086
    T send-keys -t ends -H $end
    check "$form_name: End to the bottom, following again" wait_for ends "(following)"
done
T kill-window -t ends

# --- prose typed after a search, or anywhere outside a prompt, records nothing ---
sid=$(wr open --sev 2 --title "Search prose" --as carol)
wr --incident "$sid" log "database failover started" > /dev/null
slog="$WARROOM_DIR/$sid/events.jsonl"
start prose WARROOM_INCIDENT="$sid"
wait_for prose "Timeline" > /dev/null
before=$(wc -l < "$slog")
keys prose /
keys prose -l "failover"
keys prose Enter
check "search mode says so in the footer" wait_for prose 'searching "failover": n next, N previous, any other key ends the search'
keys prose n
keys prose -l "database failover is underway, am watching it"
check "a letter after the search ends it and ignores the typing" wait_for prose "search ended: typing ignored up to Enter or Esc (n: note, ?: keys)$"
keys prose Enter
for line in "I am on it" "all good so far, monitoring" "sev 1 is right, really" "page me if it gets worse" \
    "rollback is done" "eta is 10 minutes"; do
    keys prose -l "$line"
    keys prose Enter
done
fence prose p1 > /dev/null
check "  ... and the prose records nothing" test "$(wc -l < "$slog")" = "$before"
T kill-window -t prose

# --- what people type is judged as the command line judges it ---
start judge WARROOM_INCIDENT="$sid"
wait_for judge "Timeline" > /dev/null
before=$(wc -l < "$slog")
keys judge n
keys judge -l "   "
keys judge Enter
check "a note of only spaces is refused in the prompt" wait_for judge "^note: \[the note is empty (only spaces)\]"
keys judge Escape
wait_for judge "cancelled" > /dev/null
keys judge i
keys judge -l "Canary config changes"
keys judge Enter Enter
wait_for judge "^due (YYYY-MM-DD):" > /dev/null
keys judge -l "2025-02-30"
keys judge Enter
check "a due date that does not exist is refused, as on the command line" \
    wait_for judge 'due (YYYY-MM-DD): \[due date "2025-02-30" is not a day written YYYY-MM-DD\] 2025-02-30'
T resize-window -t judge -x 80 -y 24
check "  ... at 80 columns cut short with …, its bracket closed before the value" \
    wait_for judge 'due (YYYY-MM-DD): \[due date "2025-02-30" is not a day[^]]*…\] 2025-02-30 *$'
T resize-window -t judge -x 120 -y 40
keys judge C-u
keys judge -l "2025-03-01"
keys judge Enter
check "priorities are listed in order" wait_for judge "priority:  P1  P2  P3"
keys judge 1 Enter Enter
wait_for judge "recorded action" > /dev/null
check "  ... and digit 1 is P1" test "$(jq -r 'select(.type=="action") | .priority' "$slog")" = P1
check "  ... with the corrected due date" test "$(jq -r 'select(.type=="action") | .due' "$slog")" = 2025-03-01
keys judge n
keys judge -l "halfway through"
wait_for judge "^note: halfway through" > /dev/null
keys judge C-c
check "Ctrl-C in a prompt with text asks first" wait_for judge "Ctrl-C again quits and loses what you typed"
check "  ... and the console stays" sh -c "! tmux -S '$sock' capture-pane -p -t judge | grep -q EXITED"
keys judge C-c
check "  ... a second Ctrl-C quits" wait_for judge "EXITED"
check "  ... recording only the action item" test "$(new_since_in "$slog" "$before" | jq -r .type | tr '\n' ' ')" = "action "

# --- back-dating says what it does, refuses what cannot be, asks before another day ---
bid=$(WARROOM_NOW=2025-03-15T14:00:00Z wr open --sev 2 --title "Back-dating" --as carol)
blog="$WARROOM_DIR/$bid/events.jsonl"
start back WARROOM_INCIDENT="$bid" WARROOM_NOW=2025-03-15T14:30:00Z+
wait_for back "Timeline" > /dev/null
before=$(wc -l < "$blog")
keys back n
for bad in "25:99" "14:61"; do
    keys back -l "$bad deploy pushed"
    keys back Enter
    check "a note starting $bad is refused: not a time of day" wait_for back "^note: \[$bad is not a time of day"
    keys back C-u
done
check "  ... and nothing was recorded" test "$(wc -l < "$blog")" = "$before"
keys back -l "14.25 deploy pushed"
check "14.25 shows the time it will carry before recording" wait_for back "^note, back-dated to 14:25 UTC today: 14.25 deploy pushed"
keys back Enter
wait_for back "recorded note" > /dev/null
check "  ... and records it then, without the time in the text" \
    test "$(tail -1 "$blog" | jq -r '[.at, .text] | join("|")')" = "2025-03-15T14:25:00Z|deploy pushed"
keys back n
keys back -l "23:59 typo"
keys back Enter
check "a time that would be yesterday asks first" \
    wait_for back "\[that is 2025-03-14 23:59 UTC, another day: Enter again records it there\]"
check "  ... recording nothing yet" test "$(wc -l < "$blog")" = "$((before + 1))"
keys back Enter
wait_for back "recorded note" > /dev/null
check "  ... Enter again puts it there" test "$(tail -1 "$blog" | jq -r .at)" = "2025-03-14T23:59:00Z"
keys back a
keys back -l "14:05"
check "ack can be back-dated, and says when" wait_for back "back-dated to 14:05 UTC today"
keys back Enter
wait_for back "recorded ack" > /dev/null
check "  ... recorded at that time" test "$(tail -1 "$blog" | jq -r '[.type, .at] | join("|")')" = "ack|2025-03-15T14:05:00Z"

# --- alerts, impact start, roles from the console ---
keys back n Tab
check "Tab makes the note an alert" wait_for back "^alert (detected)"
keys back -l "checkout 5xx above 5%"
keys back Enter
wait_for back "recorded alert" > /dev/null
check "  ... recorded as an alert" test "$(tail -1 "$blog" | jq -r '[.type, .text] | join("|")')" = "alert|checkout 5xx above 5%"
keys back n Tab Tab
check "Tab twice makes it the impact start" wait_for back "^impact started"
keys back -l "14:02 first failed order"
keys back Enter
wait_for back "recorded impact" > /dev/null
check "  ... recorded as the impact start, back-dated" \
    test "$(tail -1 "$blog" | jq -r '[.type, .at] | join("|")')" = "impact|2025-03-15T14:02:00Z"
keys back r Right Right Enter
check "the role prompt names the role" wait_for back "name of the new ops (Tab completes):"
keys back -l "ca"
keys back Tab
check "  ... and Tab completes a name from the incident" wait_for back "name of the new ops (Tab completes): carol"
keys back Enter
wait_for back "recorded role" > /dev/null
check "  ... recorded" test "$(tail -1 "$blog" | jq -r '[.role, .name] | join("|")')" = "ops|carol"
# correcting the text of yesterday's entry keeps its time: nothing to ask
keys back g e
check "e on yesterday's entry offers its text" wait_for back "^corrected text: typo"
keys back C-u
keys back -l "typo fixed"
keys back Enter Enter
check "  ... and records the correction without asking about the day" wait_for back "recorded edit"
check "  ... keeping the time" test "$(wr --incident "$bid" show --json | jq -r '.timeline[] | select(.text=="typo fixed") | .at')" = "2025-03-14T23:59:00Z"
T kill-window -t back

# --- declaring: the title is needed (and said so), the impact and the start are asked ---
export WARROOM_DIR="$scratch/empty"
start declare WARROOM_NOW=2025-03-15T14:30:00Z+
wait_for declare "Press d to declare" > /dev/null
keys declare d Enter
keys declare -l "   "
keys declare Enter
check "an empty title is refused, in the prompt" wait_for declare "title: \[title is empty (only spaces)\]"
keys declare C-u
keys declare -l "Card payments failing"
keys declare Enter
check "declaring asks for the impact" wait_for declare "impact (who is affected, how):"
keys declare -l "EU card payments fail"
keys declare Enter
check "  ... and when it started" wait_for declare "started when (Enter: now, or HH:MM):"
keys declare -l "14:10"
keys declare Enter
check "the console opens on it" wait_for declare "Card payments failing"
did=$(wr list --json | jq -r '.[0].id')
check "  ... declared with the impact" test "$(wr --incident "$did" show --json | jq -r .impact)" = "EU card payments fail"
check "  ... back-dated" test "$(wr --incident "$did" show --json | jq -r .declared_at)" = "2025-03-15T14:10:00Z"
T kill-window -t declare
WARROOM_NOW=2025-03-15T14:20:00Z wr open --sev 1 --title "Second one" > /dev/null
start picker WARROOM_NOW=2025-03-15T14:30:00Z+
check "the picker shows severity, status and title" wait_for picker "SEV1 *investigating *Second one"
check "  ... for each incident" wait_for picker "SEV1 *investigating *Card payments failing"
T kill-window -t picker
