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
# settle WINDOW FILE: the screen once two looks in a row agree (bounded)
settle() {
    i=0
    screen "$1" > "$2.a"
    while [ $i -lt 30 ]; do
        sleep 0.2
        screen "$1" > "$2"
        cmp -s "$2" "$2.a" && return 0
        cp "$2" "$2.a"; i=$((i + 1))
    done
    return 1
}
# same_screen NAME FILE: FILE against tests/console/screens/NAME.txt
# (WARROOM_SCREENS_UPDATE=1 writes it anew: look at the diff before committing)
same_screen() {
    want="${here:-$console_dir}/screens/$1.txt"
    if [ -n "${WARROOM_SCREENS_UPDATE:-}" ]; then
        cp "$2" "$want"
    fi
    if diff -u "$want" "$2" > "$scratch/diff"; then return 0; fi
    sed 's/^/#   /' "$scratch/diff" >&2
    return 1
}
# start NAME COLSxROWS ENV...: the console in its own window of that size, with
# no config (a script that needs another start defines its own after this)
start() {
    name=$1 size=$2; shift 2
    T new-window -d -n "$name" "env $* WARROOM_DIR='$WARROOM_DIR' \
        WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; \
        echo EXITED \$?; sleep 600"
    T resize-window -t "$name" -x "${size%x*}" -y "${size#*x}" 2>/dev/null
}
