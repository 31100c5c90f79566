# Paying only for what a command uses, seen from outside: `log` maps none of
# the libraries loaded on first use (libcurl, libssh2, GSSAPI, libmicrohttpd,
# libcrypto) and a local commit none at all; `log` reads no event already
# summarised; `list` opens no log whose summary still describes it; and a
# library that cannot be loaded is a clear error from the command that needs
# it, never a crash, while the commands that do not need it carry on (the
# nolib shim makes its dlopen fail).
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
src_root=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export WARROOM_NOW=2025-03-15T15:00:00Z

# traced OUT CMD...: what CMD opened and read, descriptors shown as paths
# (LeakSanitizer cannot run under ptrace: what it says then goes to stderr, not checked)
traced() { out=$1; shift; strace -f -qq -y -e trace=openat,open,read,pread64 -o "$out" "$@"; }
# bytes CMD read from files whose path holds NAME, in trace OUT
bytes_read() { grep -E "^[0-9]+ +(read|pread64)\([0-9]+<[^>]*$2[^>]*>" "$1" | sed 's/.*= //' | awk '{ n += $1 } END { print n + 0 }'; }

id=$(wr open --sev 2 --title "Lazy" --as carol)
# a log of some size, so that reading it would show
"$WARROOM_TOOLS/genlog" "$scratch/gen.jsonl" 3000 notes
tail -n +2 "$scratch/gen.jsonl" >> "$WARROOM_DIR/$id/events.jsonl"
log_bytes=$(wc -c < "$WARROOM_DIR/$id/events.jsonl")
wr log "the first note: the summary is written" > /dev/null

# ---- log: no library it does not use, no replay ----
traced "$scratch/log.trace" "$WARROOM" log "a note" > /dev/null 2>&1
check "log is recorded" sh -c "wr() { \"\$WARROOM\" \"\$@\"; }; \"$WARROOM\" show --json | jq -e '[.timeline[] | select(.text == \"a note\")] | length == 1' > /dev/null"
for lib in libcurl libssh2 libgssapi libmicrohttpd libcrypto; do
    check "log does not load $lib" sh -c "! grep -q '$lib' '$scratch/log.trace'"
done
got=$(bytes_read "$scratch/log.trace" events.jsonl)
check "log reads none of the $log_bytes bytes of events before it (read $got)" test "$got" -lt 65536
rm -f "$scratch/stats"
WARROOM_STATS="$scratch/stats" wr log "another note" > /dev/null
check "  ... and WARROOM_STATS counts no load and no derive" grep -qx "loads 0 derives 0" "$scratch/stats"

# log needs no policy: inside a repository it neither loads libgit2 nor
# reads the repository's policy (a broken one stops show, not a note)
mkdir -p "$scratch/repo/.warroom"
git init -q "$scratch/repo"
echo '{ not a policy' > "$scratch/repo/.warroom/policy.json"
(cd "$scratch/repo" && traced "$scratch/repolog.trace" "$WARROOM" --incident "$id" log "from a repository" > /dev/null 2> "$scratch/repolog.err")
check "log inside a repository with a broken policy is recorded" sh -c "\"$WARROOM\" --incident $id show --json | jq -e '[.timeline[] | select(.text == \"from a repository\")] | length == 1' > /dev/null"
check "  ... without loading libgit2" sh -c "! grep -q 'libgit2' '$scratch/repolog.trace'"
check "  ... nor reading the policy" sh -c "! grep -q 'policy.json' '$scratch/repolog.trace'"
(cd "$scratch/repo" && "$WARROOM" --incident "$id" show > /dev/null 2>&1)
check "  ... while show there still reads it, and refuses it" test $? -ne 0

# ---- list: one small summary per incident, no log opened ----
for t in one two three; do wr open --sev 3 --title "List $t" --as carol > /dev/null; done
wr list > "$scratch/list1.out"
traced "$scratch/list.trace" "$WARROOM" list > "$scratch/list2.out" 2> "$scratch/list2.err"
check "list with valid summaries opens no events.jsonl" sh -c "! grep -q 'events.jsonl' '$scratch/list.trace'"
check "  ... and reads each incident's summary" test "$(grep -c 'openat(.*/summary>' "$scratch/list.trace")" -eq 4
check "  ... and lists the same as before" cmp -s "$scratch/list1.out" "$scratch/list2.out"
# a summary that no longer describes its log: that log, and only it, is read
printf '%s\n' "$(tail -n 1 "$scratch/gen.jsonl" | sed 's/"id":"[0-9a-f]*"/"id":"00112233445566778899aabbccddeeff"/')" >> "$WARROOM_DIR/$id/events.jsonl"
traced "$scratch/stale.trace" "$WARROOM" list > /dev/null 2>&1
check "a log changed behind the summary's back is read again" test "$(grep -c "openat(.*$id/events.jsonl" "$scratch/stale.trace")" -ge 1
check "  ... and no other log" test "$(grep 'openat(.*events.jsonl' "$scratch/stale.trace" | grep -vc "$id/")" -eq 0

# an earlier version's JSON summary: replaced, and the old file removed
old=$(ls -d "$WARROOM_DIR"/inc-*-list-one)
mv "$old/summary" "$old/summary.json"
wr list > "$scratch/list3.out"
check "an earlier version's summary.json is replaced by a summary" test -f "$old/summary" -a ! -e "$old/summary.json"
check "  ... the list unchanged" cmp -s "$scratch/list1.out" "$scratch/list3.out"

# ---- a library that cannot be loaded ----
# The shim sits in front of libc; ASan wants to be first in the library list,
# so the sanitizer build is told not to insist (the shim only wraps dlopen).
shim=$src_root/build/shim/nolib.so
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
without() { lib=$1; shift; LD_PRELOAD=$shim WARROOM_SHIM_NOLIB=$lib "$WARROOM" "$@"; }
not_crashed() { [ "$1" -lt 128 ]; }   # a signal (abort, segfault) exits 128 + N

cat > "$scratch/hooks.json" <<EOT
{"sinks": {"webhook": {"url": "http://127.0.0.1:9/hook"}}, "delivery": {"wait_seconds": 1}}
EOT
chmod 600 "$scratch/hooks.json"
WARROOM_CONFIG="$scratch/hooks.json" without libcurl --incident "$id" log "no curl needed" > "$scratch/out" 2> "$scratch/err"
check "without libcurl, log still works" test $? -eq 0
WARROOM_CONFIG="$scratch/hooks.json" without libcurl --incident "$id" update monitoring "fix deployed" > "$scratch/out" 2> "$scratch/err"
st=$?
check "without libcurl, an update is recorded, not crashed (exit $st)" not_crashed "$st"
check "  ... the update is in the log" sh -c "\"$WARROOM\" --incident $id show --json | jq -e '[.timeline[] | select(.type == \"update\")] | length == 1' > /dev/null"
check "  ... and the delivery says libcurl cannot be loaded" grep -q "cannot deliver: cannot load libcurl.so.4 (.*): install libcurl4" "$scratch/err"
WARROOM_CONFIG="$scratch/hooks.json" without libcurl --incident "$id" flush > "$scratch/out" 2> "$scratch/err"
st=$?
check "without libcurl, flush fails (exit $st)" test "$st" -eq 1
check "  ... saying why" grep -q "cannot load libcurl.so.4" "$scratch/err"

# libgit2 is linked in: a local commit maps no library of its own, and the
# two it loads on first use (libssh2 for ssh remotes, GSSAPI for Negotiate)
# are needed only by a remote that uses them
git init -q --bare "$scratch/bare.git"
wr --incident "$id" resolve > /dev/null 2>&1
traced "$scratch/commit.trace" "$WARROOM" --repo "$scratch/bare.git" --incident "$id" postmortem --commit > "$scratch/out" 2> "$scratch/err"
check "postmortem --commit into a local repository succeeds" grep -q " committed to " "$scratch/out"
for lib in libgit2 libssh2 libcrypto libgssapi libkrb5 libmbed libcurl; do
    check "  ... without mapping $lib" sh -c "! grep -q '$lib' '$scratch/commit.trace'"
done
check "  ... git fsck --strict is clean" git -C "$scratch/bare.git" fsck --strict --no-progress
# a server that greets as ssh servers do, so that libgit2 makes its session
python3 "$src_root/tests/ssh_greeter.py" > "$scratch/ssh.port" 2> /dev/null &
greeter=$!
i=0
while [ ! -s "$scratch/ssh.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
git -C "$scratch/bare.git" remote add origin "ssh://git@127.0.0.1:$(cat "$scratch/ssh.port")/team/platform.git"
without libssh2 --repo "$scratch/bare.git" --incident "$id" postmortem --commit --push > "$scratch/out" 2> "$scratch/err"
st=$?
kill $greeter 2> /dev/null
check "without libssh2, a push over ssh fails (exit $st)" test "$st" -eq 1
check "  ... saying libssh2 cannot be loaded" grep -q "cannot load libssh2.so.1 (.*): install libssh2-1" "$scratch/err"
without libssh2 --repo "$scratch/bare.git" --incident "$id" postmortem > "$scratch/out" 2> "$scratch/err"
check "  ... while the local repository is still read" test $? -eq 0 -a -s "$scratch/out"
# sync through a repository on disk needs no libssh2 either: libgit2 still
# starts, libssh2's start being left for a session that needs it
git init -q --bare "$scratch/sync.git"
printf '{"sync": {"url": "%s"}}\n' "$scratch/sync.git" > "$scratch/sync.json"
WARROOM_CONFIG="$scratch/sync.json" without libssh2 --incident "$id" sync > "$scratch/out" 2> "$scratch/err"
st=$?
check "without libssh2, sync through a repository on disk works (exit $st)" test "$st" -eq 0
check "  ... and published the incident" sh -c "git -C '$scratch/sync.git' for-each-ref 'refs/warroom/$id/' | grep -q ."

WARROOM_LISTEN_TOKEN=tok0123456789abcdef timeout 20 env LD_PRELOAD=$shim WARROOM_SHIM_NOLIB=libmicrohttpd "$WARROOM" listen --addr 127.0.0.1:0 > "$scratch/out" 2> "$scratch/err"
st=$?
check "without libmicrohttpd, listen fails (exit $st)" test "$st" -eq 1
check "  ... saying libmicrohttpd cannot be loaded" grep -q "cannot listen: cannot load libmicrohttpd.so" "$scratch/err"

without libcrypto intake "$src_root/tests/specs/alertmanager/firing.json" > "$scratch/out" 2> "$scratch/err"
st=$?
check "without libcrypto, intake fails (exit $st)" test "$st" -eq 1
check "  ... saying libcrypto cannot be loaded" grep -q "cannot load libcrypto.so" "$scratch/err"
check "  ... and records nothing" test "$(cat "$WARROOM_DIR"/inc-*/events.jsonl | grep -c '"type":"alert"')" -eq 0
