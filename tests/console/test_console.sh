# The console, driven for real: the binary in tmux, keys sent with send-keys,
# the screen read with capture-pane.
here=$(cd "$(dirname "$0")" && pwd)
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$console_dir/tmux.sh"
export TERM=xterm-256color LANG=C.UTF-8

# start NAME COLSxROWS ENV...: the console in its own window
start() {
    name=$1 size=$2; shift 2
    T new-window -d -n "$name" "env $* WARROOM_DIR='$WARROOM_DIR' WARROOM_CONFIG=/dev/null HOME='$HOME' \
        TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
    T resize-window -t "$name" -x "${size%x*}" -y "${size#*x}" 2>/dev/null
}

# --- no open incident: the console offers to declare one ---
start lobby 120x40
check "with no incident, the console offers to declare one" wait_for lobby "Press d to declare"
keys lobby d
check "declaring asks for the severity first" wait_for lobby "severity:"
keys lobby Right Enter
check "  ... then the title" wait_for lobby "title:"
keys lobby -l "Checkout failing"
keys lobby Enter
check "  ... then the impact" wait_for lobby "impact (who is affected, how):"
keys lobby Enter
check "  ... then when it started" wait_for lobby "started when (Enter: now, or HH:MM):"
keys lobby Enter
check "the console opens on the new incident" wait_for lobby "Checkout failing"
check "  ... at the severity chosen" wait_for lobby "SEV2"
check "an unassigned IC is a warning" wait_for lobby "UNASSIGNED"

# --- roles and notes ---
keys lobby r
check "r asks for the role" wait_for lobby "role:"
keys lobby Enter
keys lobby -l "carol"
keys lobby Enter
check "the IC is shown" wait_for lobby "IC     carol"
keys lobby n
keys lobby -l "first note from the console"
keys lobby Enter
check "a note lands in the timeline" wait_for lobby "first note from the console"
id=$(wr list --json | jq -r '.[0].id')
back=$(date -u -d '-10 minutes' +%H:%M)
# just after midnight ten minutes back is yesterday, which the prompt asks
# about first: stay on today
[ "$(date -u -d '-10 minutes' +%Y%m%d)" = "$(date -u +%Y%m%d)" ] || back=00:00
keys lobby n
keys lobby -l "$back an earlier finding"
keys lobby Enter
# the prompt shows the text too: wait for the outcome, which names the time
check "a back-dated note is recorded" wait_for lobby "recorded note, $back UTC today"
screen lobby > "$scratch/screen"
earlier=$(grep -n "an earlier finding" "$scratch/screen" | cut -d: -f1)
declared=$(grep -n "Declared SEV2" "$scratch/screen" | cut -d: -f1)
check "  ... and lands in its place, before the declaration ($earlier < $declared)" test "${earlier:-99}" -lt "${declared:-0}"

# --- a note from another process appears without a key press ---
wr --incident "$id" log "written by a scribe in another pane" --as scribe
check "a note from 'warroom log' appears without a key press" wait_for lobby "written by a scribe in another pane" 2

# --- hostile text stays inert ---
title_before=$(T display -p -t lobby '#{pane_title}')
wr --incident "$id" log "$(printf 'bad \033]0;pwned\007 \033[2J\033[H clear \342\200\256olleh \302\233 31m end')"
check "hostile note shown, cleaned" wait_for lobby "bad   clear olleh  end" 2
check "the pane title is unchanged" test "$(T display -p -t lobby '#{pane_title}')" = "$title_before"
screen lobby > "$scratch/screen"
check "the screen holds no raw escape or control" sh -c "! grep -q '[[:cntrl:]]' '$scratch/screen'"
check "the screen was not cleared by the note" wait_for lobby "first note from the console" 1

# --- wide characters and emoji keep the columns aligned ---
wr --incident "$id" log "wide: 日本語のテキスト and emoji 🔥🚒 in a long line that has to wrap around the pane at least once"
check "wide text shown" wait_for lobby "emoji" 2
screen lobby > "$scratch/screen"
check "columns stay aligned with wide characters and emoji" python3 "$here/columns.py" "$scratch/screen" > /dev/null

# --- search, filter, help, severity, quit ---
keys lobby /
keys lobby -l "scribe"
keys lobby Enter
check "search shows the term" wait_for lobby "search: scribe"
keys lobby Escape
check "Esc ends the search" wait_for lobby "search ended"
keys lobby f
check "f filters to notes" wait_for lobby "Timeline \[notes\]"
keys lobby f f f
keys lobby ?
check "? shows every key" wait_for lobby "Keys (Esc closes)"
keys lobby Escape
gone lobby "Keys (Esc closes)"
keys lobby s
keys lobby c
check "the classification wizard asks the policy's questions" wait_for lobby "completely down"
keys lobby y
check "  ... and proposes a level" wait_for lobby "proposed SEV1"
keys lobby Enter Enter
check "the severity changes" wait_for lobby "SEV1 Critical"
# --- an update, an action item, a page, an edit, a role's history, local time ---
keys lobby u
check "u asks for the status first" wait_for lobby "status:.*investigating"
keys lobby Right
keys lobby Enter
check "  ... then prefills the text for that state" wait_for lobby "update text: We have identified"
keys lobby C-u
keys lobby -l "Config change found; rolling back"
keys lobby Enter
check "the update is in the timeline" wait_for lobby "Status update (identified): Config"
check "  ... and the header shows the status" wait_for lobby "IDENTIFIED"
keys lobby i
keys lobby -l "Add a canary"
keys lobby Enter
wait_for lobby "^owner:" > /dev/null
keys lobby -l "dave"
keys lobby Enter Enter Enter Enter
check "an action item is recorded" wait_for lobby "Action item A1 added: Add a canary"
keys lobby p
keys lobby -l "db-oncall"
keys lobby Enter Enter
check "a page is recorded" wait_for lobby "Paged db-oncall"
keys lobby e
check "e edits the selected entry" wait_for lobby "corrected text: Paged\|corrected text:"
keys lobby C-u
keys lobby -l "the DBA on call"
keys lobby Enter Enter
check "the corrected text shows, marked edited" wait_for lobby "(edited)"
check "  ... and the original is kept in the log" grep -q '"target":"db-oncall"' "$WARROOM_DIR/$id/events.jsonl"
keys lobby Tab
keys lobby Enter
check "Enter on a role shows its hand-offs" wait_for lobby "ic hand-offs"
check "  ... with who took it" wait_for lobby "carol"
keys lobby Escape
gone lobby "ic hand-offs"
keys lobby Tab Tab
keys lobby t
check "t switches to local time" wait_for lobby "local"
keys lobby t
keys lobby R
check "R asks before resolving" wait_for lobby "resolve this incident?"
keys lobby Escape
check "  ... and Esc closes the prompt" wait_for lobby " n note u update"
check "  ... keeping the incident open" test "$(wr --incident "$id" show --json | jq -r .status)" != resolved
keys lobby q
check "q quits and restores the terminal" wait_for lobby "EXITED 0"
check "the incident stays open" test "$(wr --incident "$id" show --json | jq -r .status)" = identified

# --- one entry is "1 entry" ---
one=$(wr open --sev 3 --title "Single" --as carol)
start single 80x24 WARROOM_INCIDENT="$one"
check "one entry: the timeline's title says 1 entry, not 1 entries" wait_for single "Timeline \[all\] 1 entry  (following)"
keys single q
check "  ... and the console quits" wait_for single "EXITED 0"
wr --incident "$one" resolve --as carol >/dev/null

# --- clocks count down and turn overdue; the escalation fires once ---
export WARROOM_NOW=2025-03-15T15:00:00Z
cid=$(wr open --sev 1 --title "Clock test" --at 14:55:00)
unset WARROOM_NOW
start clocks 120x40 WARROOM_INCIDENT="$cid" WARROOM_NOW=2025-03-15T14:59:57Z+
check "the acknowledge clock counts down" wait_for clocks " [1-3]s *acknowledge"
check "  ... and turns overdue" wait_for clocks "+[0-9]*s *acknowledge" 6
check "the escalation step is recorded in the timeline" wait_for clocks "Escalated: page secondary" 3
start clocks2 120x40 WARROOM_INCIDENT="$cid" WARROOM_NOW=2025-03-15T15:00:05Z+
check "a second console sees it as done" wait_for clocks2 "page secondary" 3
sleep 1
check "two consoles record the step once" test "$(grep -c '"rule":"ack-secondary"' "$WARROOM_DIR/$cid/events.jsonl")" -ge 1
check "  ... and replay counts it once" test "$(wr --incident "$cid" show --json | jq '[.timeline[] | select(.rule=="ack-secondary")] | length')" = 1
keys clocks a
check "a asks when it was acknowledged" wait_for clocks "acknowledge? when (Enter: now"
keys clocks Enter
check "a acknowledges: the clock is met" wait_for clocks "met *acknowledge"
keys clocks q
keys clocks2 q

# --- several open incidents: a picker comes first ---
start picker 120x40
check "with several open incidents, a picker comes first" wait_for picker "Open incidents"
check "  ... listing them" wait_for picker "$cid"
keys picker Enter
check "Enter opens the one chosen" wait_for picker "Timeline"
keys picker q

# --- resizes ---
start sizes 120x40 WARROOM_INCIDENT="$id"
check "120x40: the full layout with roles" wait_for sizes "Roles"
T resize-window -t sizes -x 80 -y 24
check "80x24: the roles on one line under the timeline" wait_for sizes " IC carol  Comms"
T resize-window -t sizes -x 60 -y 20
check "60x20: the compact layout (no roles column)" sh -c "sleep 0.5; ! tmux -S '$sock' capture-pane -p -t sizes | grep -q 'Roles'"
check "60x20: the timeline and clocks remain" sh -c "tmux -S '$sock' capture-pane -p -t sizes | grep -q Timeline && tmux -S '$sock' capture-pane -p -t sizes | grep -q 'acknowledge'"
T resize-window -t sizes -x 30 -y 8
check "30x8: one line says the terminal is too small" wait_for sizes "terminal too small"
T resize-window -t sizes -x 120 -y 40
check "120x40 again: the full layout is back" wait_for sizes "Roles"
check "  ... with the timeline" wait_for sizes "first note from the console"
keys sizes q
check "the console survived every size" wait_for sizes "EXITED 0"

# --- a resize curses was never told of: SIGWINCH blocked by whatever started
# the console, as one that lands just before curses listens is lost. The
# console asks the pane's size each second and lays out again. ---
cat > "$scratch/deaf" <<SH
#!/bin/sh
exec python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGWINCH])
os.execv(sys.argv[1], sys.argv[1:])' '$WARROOM' "\$@"
SH
chmod +x "$scratch/deaf"
hearing=$WARROOM WARROOM="$scratch/deaf"
start deaf 120x40 WARROOM_INCIDENT="$id"
WARROOM=$hearing
wait_for deaf "Roles" > /dev/null
T resize-window -t deaf -x 80 -y 24
check "SIGWINCH blocked: resized to 80x24, the roles go on one line" wait_for deaf " IC carol  Comms"
check "  ... and the key bar ends on the pane's last line" \
    sh -c "sleep 0.3; tmux -S '$sock' capture-pane -p -t deaf | sed -n 24p | grep -q 'q quit\$'"
keys deaf q
check "  ... and it quits cleanly" wait_for deaf "EXITED 0"

# --- a signal restores the terminal ---
start sig 100x30 WARROOM_INCIDENT="$id"
wait_for sig "Timeline" > /dev/null
pid=$(T list-panes -t sig -F '#{pane_pid}')
pkill -TERM -P "$pid" -x warroom
check "SIGTERM: the console stops and restores the terminal" wait_for sig "EXITED 0"

# --- resolve: confirm, then the postmortem preview, committed from there ---
git init -q "$scratch/platform"
git -C "$scratch/platform" -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m init
pid_inc=$(wr open --sev 2 --title "Resolve flow" --as carol)
wr --incident "$pid_inc" role ic carol > /dev/null
wr --incident "$pid_inc" log --type alert "errors up" > /dev/null
start resolve 120x40 WARROOM_INCIDENT="$pid_inc" WARROOM_REPO="$scratch/platform" GIT_AUTHOR_NAME=carol \
    GIT_AUTHOR_EMAIL=carol@example.com GIT_COMMITTER_NAME=carol GIT_COMMITTER_EMAIL=carol@example.com
wait_for resolve "Resolve flow" > /dev/null
keys resolve R
keys resolve y
keys resolve Enter
keys resolve -l "rolled back"
keys resolve Enter
check "resolving asks when it was resolved" wait_for resolve "resolved when (Enter: now"
keys resolve Enter
# resolving offers the final status update next (Enter sends it)
wait_for resolve "post the final status update" > /dev/null
keys resolve Enter
check "resolving opens the postmortem preview" wait_for resolve "Postmortem draft"
check "  ... showing the rendered postmortem" wait_for resolve "# Postmortem: Resolve flow"
keys resolve NPage
keys resolve c
check "c commits it into the platform repo" wait_for resolve "committed as"
check "  ... one commit with the one file" test "$(git -C "$scratch/platform" show --name-only --format= HEAD)" = "postmortems/$(date -u +%Y-%m-%d)-resolve-flow.md"
check "  ... and the repository is sound" git -C "$scratch/platform" fsck --strict --no-progress
check "the commit id lands in the timeline" wait_for resolve "committed [0-9a-f]\{12\}"
check "the header says resolved" wait_for resolve "RESOLVED"
keys resolve q

# --- themes ---
for theme in default light high-contrast mono; do
    start "th-$theme" 100x30 WARROOM_INCIDENT="$id" WARROOM_THEME="$theme"
    check "theme $theme loads" wait_for "th-$theme" "Timeline"
done
check "the default theme uses colour" sh -c "tmux -S '$sock' capture-pane -e -p -t th-default | grep -q '\[3[0-8]m\|\[4[0-8]m\|38;5\|48;5\|;3[0-8]m\|;4[0-8]m'"
check "the mono theme uses none" sh -c "! tmux -S '$sock' capture-pane -e -p -t th-mono | grep -q '\[3[0-8]m\|\[4[0-8]m\|38;5\|48;5\|;3[0-8]m\|;4[0-8]m\|\[9[0-7]m\|\[10[0-7]m'"
start nocolor 100x30 WARROOM_INCIDENT="$id" NO_COLOR=1
wait_for nocolor "Timeline" > /dev/null
check "NO_COLOR shows no colour" sh -c "! tmux -S '$sock' capture-pane -e -p -t nocolor | grep -q '\[3[0-8]m\|\[4[0-8]m\|38;5\|48;5\|;3[0-8]m\|;4[0-8]m\|\[9[0-7]m\|\[10[0-7]m'"
check "  ... but keeps the screen readable" wait_for nocolor "SEV1"
start badtheme 100x30 WARROOM_INCIDENT="$id" WARROOM_THEME=../../etc/passwd
check "a theme name with a path is refused" wait_for badtheme "EXITED 1"
