# `warroom status`: the line tmux's status-right shows, read back through a
# real tmux server (its own -L socket) with display-message -p of the
# expanded status-right, at the moments that matter: a clock pending, a clock
# overdue, the update that restarts it, the incident resolved. Text from the
# log cannot open a tmux style or run a command; the clocks are those `show
# --json` computes after a full replay; and a status line that runs every
# second replays nothing while the log is unchanged (WARROOM_STATS).
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"

check "tmux is installed (tools/deps.sh)" command -v tmux >/dev/null
# the built-in ladder without escalation steps: which clock is next is then
# the acknowledgement, the update or the mitigation alone
jq '{policy: (. + {escalation: []})}' "$src/docs/policy.json" >"$scratch/config.json"
export WARROOM_CONFIG="$scratch/config.json"

export TMUX_TMPDIR="$scratch"
unset TMUX
sock="warroom-status-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tmux -L "$sock-outer" kill-server 2>/dev/null; tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
tm -f /dev/null new-session -d -s status -x 200 -y 5 -c "$scratch" "sleep 3600"
tm set -g status-interval 1
tm set -g status-right-length 200
# a real client draws the status line: attached from a pane of a second
# server, whose capture-pane shows the line as tmux drew it
tmux -L "$sock-outer" -f /dev/null new-session -d -x 200 -y 6 "env -u TMUX tmux -L '$sock' attach -t status"
# a control-mode client stays attached, so tmux keeps the output of a
# #(command) it ran for it and display-message -p shows it once it is done
mkfifo "$scratch/ctl.in"
tm -C attach -t status <"$scratch/ctl.in" >"$scratch/ctl.out" 2>&1 &
exec 3>"$scratch/ctl.in"

# display: display-message -p of the expanded status-right, through that client
display() {
    before=$(grep -c '^%end' "$scratch/ctl.out")
    echo "display-message -p '#{E:status-right}'" >&3
    n=0
    while [ "$(grep -c '^%end' "$scratch/ctl.out")" -le "$before" ] && [ $n -lt 200 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    awk '/^%begin/ { out = ""; inside = 1; next } /^%end/ { last = out; inside = 0; next }
         inside { out = out $0 } END { print last }' "$scratch/ctl.out"
}
# shown AT: the status line with the clock at AT (a new command per moment,
# so tmux runs it afresh), once the job has finished
shown() {
    tm set -g status-right "#(WARROOM_NOW=$1 '$WARROOM' status --format tmux)"
    n=0
    while [ $n -lt 100 ]; do
        out=$(display)
        [ -n "$out" ] && { printf '%s\n' "$out"; return 0; }
        sleep 0.05
        n=$((n + 1))
    done
    echo "#   tmux never showed the status line" >&2
    return 1
}
# drawn TEXT: the drawn status line comes to hold TEXT (tmux redraws it every second)
drawn() {
    n=0
    while [ $n -lt 100 ]; do
        last=$(tmux -L "$sock-outer" capture-pane -p | tail -n 1)
        case $last in *"$1"*) return 0 ;; esac
        sleep 0.1
        n=$((n + 1))
    done
    echo "#   drawn: $last"
    return 1
}
has() { case $1 in *"$2"*) return 0 ;; esac; echo "#   got: $1"; return 1; }
hasnt() { case $1 in *"$2"*) echo "#   got: $1"; return 1 ;; esac; return 0; }

# same_clocks HH:MM: status's next and overdue clocks are those show --json
# computes after a full replay (time only moves forward: a cached summary
# describes the log as of its last replay)
same_clocks() {
    now=2025-03-15T$1:00Z
    WARROOM_NOW=$now wr status --format json >"$scratch/status.json"
    WARROOM_NOW=$now wr --incident "$id" show --json >"$scratch/show.json"
    want=$(jq -c '[([.clocks[] | select(.state == "pending")][0].deadline), [.clocks[] | select(.state == "overdue") | .deadline]]' "$scratch/show.json")
    got=$(jq -c '[.next.deadline, [.overdue[].deadline]]' "$scratch/status.json")
    [ "$got" = "$want" ] && return 0
    echo "#   status $got, show $want"
    return 1
}

shown 2025-03-15T13:00:00Z >"$scratch/calm"
check "nothing declared: a short calm line" has "$(cat "$scratch/calm")" "#[fg=colour34]no open incident#[default]"

# at: run a verb with the clock at HH:MM, as people record things as they happen
at() { _t=$1; shift; WARROOM_NOW=2025-03-15T$_t:00Z "$WARROOM" "$@"; }
id=$(at 14:00 open --sev 2 --title '#(touch pwned)#{host}#[fg=blue]x %H' --as carol)
at 14:05 --incident "$id" ack >/dev/null 2>&1

line=$(shown 2025-03-15T14:10:00Z)
check "pending: the severity, styled" has "$line" "#[fg=colour231,bg=colour166,bold] SEV2 #[default]"
check "  ... the time since the declaration" has "$line" " 10m00s "
check "  ... the next clock and its countdown" has "$line" "next status update in 20m00s"
check "  ... and no overdue mark" hasnt "$line" "!"
check "  ... the clocks show --json computes" same_clocks 14:10
check "the title's '#[' is doubled: tmux draws it as text, not a style" has "$line" "##[fg=blue]x %H |"
check "  ... its '#(' and '#{' reach tmux as text, not a command or a format" \
    has "$line" "#[default] 10m00s #(touch pwned)#{host}##[fg=blue]x %H |"
check "drawn: the styles are applied, the title is shown as typed" \
    drawn " SEV2  10m00s #(touch pwned)#{host}#[fg=blue]x %H | next status update in 20m00s"

line=$(shown 2025-03-15T14:35:00Z)
check "overdue: marked, styled, by how much" has "$line" "#[fg=colour196,bold]! next status update overdue 5m00s#[default]"
check "  ... drawn" drawn "#[fg=blue]x %H | ! next status update overdue 5m00s | mitigate in 3h25m"
check "  ... and the clock after it" has "$line" "mitigate in 3h25m"
check "  ... the clocks show --json computes" same_clocks 14:35

at 14:36 --incident "$id" update identified "found it" >/dev/null 2>&1
line=$(shown 2025-03-15T14:40:00Z)
check "an update restarts the clock: pending again" has "$line" "next status update in 26m00s"
check "  ... no overdue mark" hasnt "$line" "!"
check "  ... the clocks show --json computes" same_clocks 14:40
check "overdue again half an hour on, as show --json says" same_clocks 15:30

rm -f "$scratch/stats"
for i in 1 2 3; do WARROOM_STATS="$scratch/stats" WARROOM_NOW=2025-03-15T15:31:0${i}Z wr status >/dev/null; done
check "every second: the summary is read, nothing replayed" test "$(grep '^loads' "$scratch/stats" | tail -n2 | sort -u)" = "loads 0 derives 0"

at 15:40 --incident "$id" resolve >/dev/null 2>&1
line=$(shown 2025-03-15T15:45:00Z)
check "resolved: the calm line again" has "$line" "#[fg=colour34]no open incident#[default]"
check "  ... drawn" drawn "no open incident"

# several open: the most severe, and how many more
at 15:46 open --sev 3 --title "minor thing" >/dev/null 2>&1
at 15:47 open --sev 1 --title "big thing" >/dev/null 2>&1
line=$(WARROOM_NOW=2025-03-15T15:50:00Z wr status --format plain)
check "several open: the most severe, plus how many more" sh -c "case '$line' in *SEV1*'big thing'*'+1 open'*) exit 0;; esac; exit 1"
check "plain has no tmux styles" hasnt "$line" "#["
expect_status 2 "--format that is not known is a usage error" wr status --format html

# ---- the built-in policy's escalation steps, through the summary ----
# A SEV3 raised to SEV1 with data exposed, one step taken: the clocks status
# reads from the summary (severity history, exposure, steps taken) are those
# a full replay gives.
export WARROOM_CONFIG=/dev/null
at 15:50 --incident "$(ls "$WARROOM_DIR" | grep big-thing)" resolve >/dev/null 2>&1
at 15:50 --incident "$(ls "$WARROOM_DIR" | grep minor-thing)" resolve >/dev/null 2>&1
id=$(at 16:00 open --sev 3 --title "escalating")
at 16:10 --incident "$id" sev 1 --why "worse" >/dev/null 2>&1
at 16:12 --incident "$id" sev 2 --data-exposed --why "data" >/dev/null 2>&1
at 16:14 --incident "$id" sev 1 --why "worse again" >/dev/null 2>&1
# the step a console fired: the escalate event it records
printf '{"v":1,"id":"escalate:%s:ack-secondary","ts":"2025-03-15T16:15:00Z","at":"2025-03-15T16:15:00Z","by":"warroom","type":"escalate","rule":"ack-secondary","due":"2025-03-15T16:05:00Z"}\n' \
    "$id" >>"$WARROOM_DIR/$id/events.jsonl"
for moment in 16:16 16:20 16:31 16:45; do
    WARROOM_NOW=2025-03-15T$moment:00Z wr status >/dev/null   # the summary, as of this moment
    check "escalations at $moment: the clocks from the summary are show --json's" same_clocks "$moment"
done
rm -f "$scratch/stats"
WARROOM_STATS="$scratch/stats" WARROOM_NOW=2025-03-15T16:46:00Z wr status --format json >"$scratch/esc.json"
check "  ... read from the summary, not replayed" test "$(grep '^loads' "$scratch/stats")" = "loads 0 derives 0"
check "  ... the step taken is not overdue" sh -c "! jq -e '.overdue[] | select(.label == \"page secondary\")' '$scratch/esc.json' >/dev/null"
check "  ... the SEV1 step is due from the raise, and overdue" \
    test "$(jq -r '.overdue[] | select(.label | test("VP")) | .deadline' "$scratch/esc.json")" = 2025-03-15T16:14:00Z
# a real clock has milliseconds: the figures are whole seconds, not 41.805999999999997
WARROOM_NOW=2025-03-15T16:46:41.806Z wr status --format json >"$scratch/ms.json" 2>/dev/null
check "json: elapsed and countdowns are whole seconds" \
    sh -c "jq -e '[.elapsed_s, (.overdue[].overdue_s), (.next // {} | .in_s // 0)] | all(. == floor) and (tostring | test(\"[.]\") | not)' '$scratch/ms.json' >/dev/null"
