#!/bin/sh
# Sync benchmarks (issue #11), printed, never asserted:
#  - a note recorded on host A until it is in the log host B's console shows
#    (B's console syncs continuously; A's verb pushes before it exits):
#    p50/p99 over BENCH_NOTES notes (200) over ssh on 127.0.0.1 and over a
#    remote on disk. Target: p99 under 2 s.
#  - one idle round (nothing new) against a remote holding 10, 1,000 and
#    10,000 other refs: time, and bytes over smart HTTP;
#  - `warroom list` with 100 incidents on the remote.
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
W=$root/build/warroom
notes=${BENCH_NOTES:-200}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/warroom-bench-sync.XXXXXX")
sock=$scratch/tmux.sock
export HOME=$scratch/home TZ=UTC LC_ALL=C.UTF-8
mkdir -p "$HOME"
. tests/sync_lib.sh
sshd= httpd=
trap 'tmux -S "$sock" kill-server 2>/dev/null; kill $sshd $httpd 2>/dev/null; rm -rf "$scratch"' EXIT
trap 'exit 1' INT TERM    # the servers go with the EXIT trap when the run is stopped too
WARROOM=$W

ms() { date +%s%3N; }
pct() {
    sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
        i = int((NR - 1) * p / 100) + 1; printf "%d", v[i] }'
}

# ---- servers: sshd and git http-backend on 127.0.0.1 ----
ssh_dir=$scratch/ssh
mkdir -p "$ssh_dir" && chmod 700 "$ssh_dir"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/user_key"
cp "$ssh_dir/user_key.pub" "$ssh_dir/authorized_keys"
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nLogLevel ERROR\n' \
    "$port" "$ssh_dir/host_key" "$ssh_dir/authorized_keys" "$ssh_dir/pid" > "$ssh_dir/sshd_config"
/usr/sbin/sshd -f "$ssh_dir/sshd_config" -D -e 2>/dev/null &
sshd=$!
/usr/bin/python3 tests/git_http.py "$scratch" --port-file "$scratch/http-port" --lifetime 3600 --log "$scratch/http.log" &
httpd=$!
i=0
while { [ ! -s "$scratch/http-port" ] || ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; } && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")" > "$ssh_dir/known_hosts"
ssh_extra="\"ssh_key\": \"$ssh_dir/user_key\", \"known_hosts\": \"$ssh_dir/known_hosts\""
tmux -S "$sock" -f /dev/null new-session -d -s boot -x 120 -y 40 "sleep 3600"

# ---- a note on A until it is on B's console ----
note_latency() {  # LABEL URL EXTRA
    r=$scratch/notes-$1.git
    git init -q --bare "$r"
    url=$2; [ "$url" = disk ] && url=$r
    host_config a$1 "$url" "$3"
    host_config b$1 "$url" "$3"
    id=$(on a$1 open --sev 2 --title "bench $1")
    on b$1 join "$id" >/dev/null 2>&1
    tmux -S "$sock" new-window -d -n "b$1" "env WARROOM_DIR='$(data_of b$1)' WARROOM_CONFIG='$scratch/conf-b$1.json' \
        WARROOM_INCIDENT=$id HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 '$W'; sleep 3600"
    sleep 1
    log=$(data_of b$1)/$id/events.jsonl
    : > "$scratch/lat-$1"
    n=0
    while [ $n -lt "$notes" ]; do
        t0=$(ms)
        on a$1 log "bench note $n" >/dev/null 2>&1
        while ! grep -q "\"bench note $n\"" "$log"; do sleep 0.01; done
        echo $(( $(ms) - t0 )) >> "$scratch/lat-$1"
        n=$((n + 1))
        # notes come at random moments, not in step with B's rounds
        sleep "$(awk -v s=$n 'BEGIN { srand(s); printf "%.3f", rand() }')"
    done
    tmux -S "$sock" kill-window -t "b$1"
    printf '  %-6s p50 %5s ms  p99 %5s ms  (%s notes)\n' "$1" "$(pct 50 "$scratch/lat-$1")" "$(pct 99 "$scratch/lat-$1")" "$notes"
}
echo "sync: a note on host A until it is in the log host B's console shows"
note_latency ssh "ssh://$(id -un)@127.0.0.1:$port$scratch/notes-ssh.git" "$ssh_extra"
note_latency disk disk ""

# ---- one idle round against many other refs ----
echo
echo "sync: one idle round (nothing new) with other refs on the remote"
for refs in 10 1000 10000; do
    r=$scratch/refs-$refs.git
    git init -q --bare "$r"
    git -C "$r" config http.receivepack true
    host_config i$refs "http://127.0.0.1:$(cat "$scratch/http-port")/refs-$refs.git"
    host_config s$refs "ssh://$(id -un)@127.0.0.1:$port$r" "$ssh_extra"
    id=$(on i$refs open --sev 3 --title "idle $refs")
    commit=$(git -C "$r" rev-parse "refs/warroom/$id/$(host_of i$refs)")
    seq 1 $refs | awk -v c="$commit" '{ printf "create refs/warroom/inc-20250101-other-%d/00000000000000aa %s\n", $1, c }' |
        git -C "$r" update-ref --stdin
    on s$refs join "$id" >/dev/null 2>&1
    on i$refs sync >/dev/null 2>&1
    : > "$scratch/http.log"
    t0=$(ms); on i$refs sync >/dev/null 2>&1; t_http=$(( $(ms) - t0 ))
    bytes=$(awk '{ i += $3; o += $4 } END { printf "%d B sent, %d B received in %d requests", i, o, NR }' "$scratch/http.log")
    t0=$(ms); on s$refs sync >/dev/null 2>&1; t_ssh=$(( $(ms) - t0 ))
    printf '  %5d other refs: http %5d ms (%s), ssh %5d ms\n' "$refs" "$t_http" "$bytes" "$t_ssh"
done
echo "  idle, a console starts one round a second (sync.period_seconds): 60 fetches a minute, a push only when it has something"

# ---- warroom list with 100 incidents on the remote ----
echo
r=$scratch/list.git
git init -q --bare "$r"
host_config la "$r"
host_config lb "$r"
host_config lc "ssh://$(id -un)@127.0.0.1:$port$r" "$ssh_extra"
n=0
while [ $n -lt 100 ]; do on la open --sev 3 --title "listed $n" >/dev/null 2>&1; n=$((n + 1)); done
t0=$(ms); on lb list >/dev/null 2>&1; t_first=$(( $(ms) - t0 ))
t0=$(ms); on lb list >/dev/null 2>&1; t_again=$(( $(ms) - t0 ))
t0=$(ms); on lc list --remote --all >/dev/null 2>&1; t_ssh=$(( $(ms) - t0 ))
echo "sync: warroom list with 100 incidents on the remote: disk $t_first ms (first), $t_again ms (again), ssh $t_ssh ms (--remote --all, first)"
