# One incident, many machines, over real transports on 127.0.0.1: OpenSSH's
# sshd (own config, generated host and user keys, known_hosts checked) and
# git's http-backend behind tests/git_http.py. The servers are started and
# stopped here.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/sync_lib.sh"

remote="$scratch/remote.git"
git init -q --bare "$remote"
git -C "$remote" config http.receivepack true

# ---- sshd: a high port, our own keys, nothing from the system's config ----
ssh_dir="$scratch/ssh"
mkdir -p "$ssh_dir" && chmod 700 "$ssh_dir"
ssh-keygen -q -t ed25519 -N '' -C host -f "$ssh_dir/host_key"
ssh-keygen -q -t ed25519 -N '' -C user -f "$ssh_dir/user_key"
ssh-keygen -q -t ed25519 -N '' -C other -f "$ssh_dir/other_host_key"
cp "$ssh_dir/user_key.pub" "$ssh_dir/authorized_keys"
# sshd started by root wants its privilege separation directory, which the
# service manager would make (RuntimeDirectory=sshd)
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$ssh_dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $ssh_dir/host_key
AuthorizedKeysFile $ssh_dir/authorized_keys
PidFile $ssh_dir/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel ERROR
EOF
/usr/sbin/sshd -f "$ssh_dir/sshd_config" -D -e 2> "$ssh_dir/sshd.log" &
sshd=$!
/usr/bin/python3 "$src/tests/git_http.py" "$scratch" --port-file "$scratch/http-port" --lifetime 600 2> "$scratch/http.log" &
httpd=$!
trap 'kill "$sshd" "$httpd" 2>/dev/null; rm -rf "$scratch"' EXIT
trap 'exit 1' INT TERM    # the servers go with the EXIT trap when the run is stopped too
i=0
while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
while [ ! -s "$scratch/http-port" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check "sshd is up" kill -0 "$sshd"
check "the http server is up" test -s "$scratch/http-port"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")" > "$ssh_dir/known_hosts"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$ssh_dir/other_host_key.pub")" > "$ssh_dir/wrong_known_hosts"
ssh_url="ssh://$(id -un)@127.0.0.1:$port$remote"
ssh_extra="\"ssh_key\": \"$ssh_dir/user_key\", \"known_hosts\": \"$ssh_dir/known_hosts\""
for h in a b; do host_config "$h" "$ssh_url" "$ssh_extra"; done
# c: the key named from the home directory, the default known_hosts
mkdir -p "$HOME/.ssh" && cp "$ssh_dir/user_key" "$HOME/.ssh/id_test" && cp "$ssh_dir/known_hosts" "$HOME/.ssh/"
host_config c "$ssh_url" '"ssh_key": "~/.ssh/id_test"'

# ---- host keys are checked ----
host_config w "$ssh_url" "\"ssh_key\": \"$ssh_dir/user_key\", \"known_hosts\": \"$ssh_dir/wrong_known_hosts\""
wid=$(local_on w open --sev 3 --title "probe")
expect_status 1 "a host key other than known_hosts has is refused" on w sync --incident "$wid"
check "saying so" grep -q "host key .* is not the one in" "$scratch/err"
host_config w "$ssh_url" "\"ssh_key\": \"$ssh_dir/user_key\", \"known_hosts\": \"$scratch/none\""
expect_status 1 "no known_hosts entry: refused" on w sync --incident "$wid"
check "the remote got nothing" test -z "$(git -C "$remote" for-each-ref "refs/warroom/$wid")"

# ---- three hosts over ssh, 200 events each while the others sync ----
id=$(on a open --sev 1 --title "payments down") || not_ok "open over ssh"
check "the declaration was pushed over ssh" git -C "$remote" rev-parse -q --verify --no-revs "refs/warroom/$id/$(host_of a)"
expect_status 0 "b joins over ssh" on b join "$id"
expect_status 0 "c joins over ssh" on c join "$id"
record_many() {  # HOST: 200 notes, a sync round every 25
    n=0
    while [ $n -lt 200 ]; do
        local_on "$1" log "$1 note $n" >/dev/null 2>&1 || echo "lost $1 $n" >> "$scratch/lost"
        n=$((n + 1))
        [ $((n % 25)) -eq 0 ] && on "$1" sync >/dev/null 2>> "$scratch/sync-$1.err"
    done
}
record_many a & pa=$!
record_many b & pb=$!
record_many c & pc=$!
wait $pa $pb $pc
check "every note was recorded" test ! -s "$scratch/lost"
for h in a b c a b; do on $h sync >/dev/null 2>> "$scratch/sync-$h.err"; done
for h in a b c; do
    check "$h has all 600 notes" test "$(timeline_texts $h "$id" | grep -c '^[abc] note [0-9]*$')" = 600
    check "$h has every event once" no_doubles $h "$id"
done
check "every host's show --json is identical" same_show "$id" a b c
check "no sync round failed" sh -c "! grep -v 'events to push' '$scratch'/sync-*.err | grep -q ."

# ---- SIGKILL during push and during fetch, 50 rounds ----
killed=0
i=0
while [ $i -lt 50 ]; do
    local_on a log "kill $i" >/dev/null 2>&1
    who=a; [ $((i % 2)) -eq 1 ] && who=b        # a pushes its note, b fetches it
    on $who sync >/dev/null 2>&1 &
    p=$!
    sleep "$(awk -v s=$i 'BEGIN { srand(s); printf "%.3f", rand() * 0.4 }')"
    kill -0 $p 2>/dev/null && killed=$((killed + 1))
    kill -KILL $p 2>/dev/null
    wait $p 2>/dev/null
    i=$((i + 1))
done
echo "# $killed of 50 rounds were killed before they finished"
for h in a b a b; do on $h sync >/dev/null 2>&1; done
check "after 50 killed rounds b has every note of a" test "$(timeline_texts b "$id" | grep -c '^kill [0-9]*$')" = 50
check "nothing doubled on a" no_doubles a "$id"
check "nothing doubled on b" no_doubles b "$id"
check "a and b agree" same_show "$id" a b
check "no ref left half-written on the remote" test -z "$(find "$remote/refs" -name '*.lock')"
check "git fsck --strict is clean on the remote" git -C "$remote" fsck --strict --no-progress

# ---- a damaged commit in one ref over a real upload-pack: the others go on ----
bad=00000000000000f4
damaged_ref "$remote" "$id" "$bad"    # a commit whose tree is not there
local_on b log "past the damage" >/dev/null 2>&1
on b sync >/dev/null 2>&1
on a sync > /dev/null 2> "$scratch/err"
check "the damaged ref is refused, named" grep -q "$bad" "$scratch/err"
check "the other hosts keep syncing over ssh" test "$(timeline_texts a "$id" | grep -c 'past the damage')" = 1
rm -f "$remote/refs/warroom/$id/$bad" "$damaged_object"

# ---- smart HTTP: git http-backend ----
http_url="http://127.0.0.1:$(cat "$scratch/http-port")/remote.git"
host_config d "$http_url"
host_config e "$http_url"
expect_status 0 "d joins over http" on d join "$id"
on d log "from d over http" >/dev/null 2>"$scratch/err"
check "recording over http pushes" test "$(git -C "$remote" rev-list --count "refs/warroom/$id/$(host_of d)")" -ge 1
check "with nothing said" test ! -s "$scratch/err"
on e join "$id" >/dev/null 2>&1
check "e, a new host over http, has d's note" test "$(timeline_texts e "$id" | grep -c 'from d over http')" = 1
on a sync >/dev/null 2>&1
check "a over ssh has it too" test "$(timeline_texts a "$id" | grep -c 'from d over http')" = 1
on d sync >/dev/null 2>&1; on e sync >/dev/null 2>&1
check "ssh and http hosts show the same incident" same_show "$id" a d e
check "git fsck --strict is clean at the end" git -C "$remote" fsck --strict --no-progress
