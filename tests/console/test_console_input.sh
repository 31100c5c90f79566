# The console's input, driven for real in tmux (issue 9): pasted and typed
# text never runs as commands, one-key actions are guarded, what people type
# is judged as the command line judges it, and back-dating says what it does.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export TERM=xterm-256color LANG=C.UTF-8
sock="$scratch/tmux.sock"
T() { tmux -S "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
T -f /dev/null new-session -d -s boot -x 120 -y 40 "sleep 600"
T set-option -g remain-on-exit on >/dev/null

# start NAME ENV...: the console in its own 120x40 window
start() {
    name=$1; shift
    T new-window -d -n "$name" "env $* WARROOM_DIR='$WARROOM_DIR' WARROOM_CONFIG=/dev/null HOME='$HOME' \
        TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
    T resize-window -t "$name" -x 120 -y 40 2>/dev/null
}
screen() { T capture-pane -p -t "$1"; }
# wait_for WINDOW PATTERN [SECONDS]: until the screen shows PATTERN (bounded)
wait_for() {
    i=0 limit=$(( ${3:-5} * 10 ))
    while [ $i -lt $limit ]; do
        screen "$1" | grep -q -- "$2" && return 0
        sleep 0.1; i=$((i + 1))
    done
    screen "$1" | sed 's/^/#   | /' >&2
    return 1
}
keys() { T send-keys -t "$@"; }
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
