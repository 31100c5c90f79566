# Shared by the console tests, sourced after tests/lib.sh: a tmux server of
# the test's own (its socket in the scratch directory), and the few words the
# tests drive it with. WAIT_SECONDS (default 5) bounds wait_for.
sock="$scratch/tmux.sock"
T() { tmux -S "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
T -f /dev/null new-session -d -s boot -x 120 -y 40 "sleep 600"
T set-option -g remain-on-exit on >/dev/null
screen() { T capture-pane -p -t "$1"; }
# wait_for WINDOW PATTERN [SECONDS]: until the screen shows PATTERN (bounded)
wait_for() {
    i=0 limit=$(( ${3:-${WAIT_SECONDS:-5}} * 10 ))
    while [ $i -lt $limit ]; do
        screen "$1" | grep -q -- "$2" && return 0
        sleep 0.1; i=$((i + 1))
    done
    screen "$1" | sed 's/^/#   | /' >&2
    return 1
}
keys() { T send-keys -t "$@"; }
# gone WINDOW PATTERN: until the screen no longer shows PATTERN. A key sent
# right after Esc would arrive with it as one sequence (Alt+key) and be
# dropped, so the tests wait for Esc to take effect first.
gone() {
    i=0
    while [ $i -lt 50 ]; do
        screen "$1" | grep -q -- "$2" || return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
