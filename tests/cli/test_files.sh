# Files: nobody else's, and never a surprise. Other local users (through
# setpriv, when the suite runs as root), planted symbolic links, FIFOs where a
# plain file belongs, a process holding the log's lock, a full disk, and what
# must reach the disk for a declared incident to survive a power cut.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
root=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
shim=$root/build/shim/enospc_write.so
# like /tmp: anyone may create in it, only owners remove
shared=$(mktemp -d "${TMPDIR:-/tmp}/warroom-files-shared.XXXXXX")
chmod 1777 "$shared"
holder=
release_lock() {   # ends the lock holder below: flock(1) and its child
    [ -n "$holder" ] || return 0
    kill $(ps -o pid= --ppid "$holder") "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    holder=
}
trap 'release_lock; rm -rf "$scratch" "$shared"' EXIT
as_root=false
[ "$(id -u)" -eq 0 ] && as_root=true
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
# fails unless the command is over within a generous bound: a hang is a failure, not a stuck suite
bounded() { timeout 60 "$@"; }

# expect_refusal NAME PATTERN COMMAND...: exits 1 (not a hang), saying PATTERN
expect_refusal() {
    name=$1 pattern=$2; shift 2
    bounded "$@" >"$scratch/out" 2>"$scratch/err"
    got=$?
    if [ "$got" -eq 1 ] && grep -q -- "$pattern" "$scratch/err"; then ok "$name"; else
        not_ok "$name (exit $got, wanted 1 saying \"$pattern\")"; sed 's/^/#   /' "$scratch/err" | head -5
    fi
}

# --- a data directory squatted by another user ---
if $as_root; then
    nobody mkdir -m 0777 "$shared/squat"
    expect_refusal "a data directory pre-created 0777 by another user is refused" \
        "data directory $shared/squat belongs to nobody" env WARROOM_DIR="$shared/squat" "$WARROOM" open --sev 2 --title "Notes for the attacker"
    check "  ... the message says what to do" grep -q "Use a directory of your own" "$scratch/err"
    check "  ... and nothing was written into it" test -z "$(ls -A "$shared/squat")"
    expect_refusal "  ... list refuses it too" "belongs to nobody" env WARROOM_DIR="$shared/squat" "$WARROOM" list
    nobody mkdir -m 0700 "$shared/private"
    expect_refusal "another user's directory is refused even as root (who could write into it)" \
        "belongs to nobody" env WARROOM_DIR="$shared/private" "$WARROOM" open --sev 2 --title "Root too"
    check "  ... nothing written there" test -z "$(ls -A "$shared/private")"
    mkdir -m 0700 "$scratch/mine"
    nobody ln -s "$scratch/mine" "$shared/pointer"
    expect_refusal "a data directory reached through another user's symbolic link is refused" \
        "symbolic link that belongs to uid 65534" env WARROOM_DIR="$shared/pointer" "$WARROOM" list
fi
mkdir -m 0777 "$scratch/open-to-all"
chmod 0777 "$scratch/open-to-all"
expect_refusal "a world-writable data directory is refused" "writable by everyone (mode 0777)" \
    env WARROOM_DIR="$scratch/open-to-all" "$WARROOM" list
check "  ... the message says how to fix it" grep -q "chmod go-w $scratch/open-to-all" "$scratch/err"
mkdir "$scratch/team"
chmod 0770 "$scratch/team"
expect_refusal "a group-writable data directory is refused" "writable by its group" \
    env WARROOM_DIR="$scratch/team" "$WARROOM" list
mkdir -m 0700 "$scratch/real-data"
ln -s "$scratch/real-data" "$scratch/data-link"
expect_status 0 "the user's own symbolic link to the user's own directory is fine" \
    env WARROOM_DIR="$scratch/data-link" "$WARROOM" list
expect_status 0 "a data directory created by warroom is accepted" wr list
check "  ... and is private (0700)" test "$(stat -c %a "$WARROOM_DIR")" = 700

# --- planted symbolic links: never followed for incident data ---
wr open --sev 2 --title "Checkout failing" > "$scratch/id" 2>/dev/null
id=$(cat "$scratch/id")
log=$WARROOM_DIR/$id/events.jsonl
mkdir -m 0755 "$shared/elsewhere"
cp "$log" "$shared/victim.jsonl"
chmod 0666 "$shared/victim.jsonl"
$as_root && chown -R nobody:nogroup "$shared/elsewhere" "$shared/victim.jsonl"
cp "$shared/victim.jsonl" "$scratch/victim.before"

mv "$log" "$scratch/real.jsonl"
ln -s "$shared/victim.jsonl" "$log"
expect_refusal "events.jsonl as a symbolic link: log refuses to append through it" "is a symbolic link" \
    "$WARROOM" --incident "$id" log "secret note through the link"
check "  ... the link's target is unchanged" cmp -s "$shared/victim.jsonl" "$scratch/victim.before"
check "  ... the message says what to do" grep -q "remove the link" "$scratch/err"
expect_refusal "  ... show refuses to read through it" "is a symbolic link" "$WARROOM" --incident "$id" show
rm "$log"
mv "$scratch/real.jsonl" "$log"

cp "$scratch/victim.before" "$shared/elsewhere/events.jsonl"
$as_root && chown nobody:nogroup "$shared/elsewhere/events.jsonl"
chmod 0666 "$shared/elsewhere/events.jsonl"
ln -s "$shared/elsewhere" "$WARROOM_DIR/inc-20250101-planted"
expect_refusal "an incident directory that is a symbolic link is not followed" "directory $WARROOM_DIR/inc-20250101-planted is a symbolic link" \
    "$WARROOM" --incident inc-20250101-planted log "secret note into the planted directory"
check "  ... its target is unchanged" cmp -s "$shared/elsewhere/events.jsonl" "$scratch/victim.before"
bounded "$WARROOM" list > "$scratch/out" 2> "$scratch/err"
got=$?
check "  ... list goes on (exit $got) with the real incident" sh -c "test $got -eq 0 && grep -q '^$id ' '$scratch/out'"
check "  ... and warns about the link" grep -q "inc-20250101-planted: .*symbolic link" "$scratch/err"
rm "$WARROOM_DIR/inc-20250101-planted"

if $as_root; then
    mkdir -m 0700 "$WARROOM_DIR/inc-20250102-theirs"
    cp "$scratch/victim.before" "$WARROOM_DIR/inc-20250102-theirs/events.jsonl"
    chown -R nobody:nogroup "$WARROOM_DIR/inc-20250102-theirs"
    expect_refusal "an incident directory owned by another user is refused" "belongs to nobody" \
        "$WARROOM" --incident inc-20250102-theirs log "into someone else's directory"
    check "  ... nothing appended" cmp -s "$WARROOM_DIR/inc-20250102-theirs/events.jsonl" "$scratch/victim.before"
    rm -rf "$WARROOM_DIR/inc-20250102-theirs"
fi
chmod 0777 "$WARROOM_DIR/$id"
expect_refusal "a world-writable incident directory is refused" "writable by everyone" "$WARROOM" --incident "$id" log "exposed"
chmod 0700 "$WARROOM_DIR/$id"
expect_status 0 "  ... and accepted again once private" wr --incident "$id" log "private again"

# --- FIFOs where a plain file belongs never hang a verb ---
wr open --sev 3 --title "Pipe dream" > "$scratch/fifo.id" 2>/dev/null
fid=$(cat "$scratch/fifo.id")
mv "$WARROOM_DIR/$fid/events.jsonl" "$scratch/fifo.saved"
mkfifo -m 0600 "$WARROOM_DIR/$fid/events.jsonl"
bounded "$WARROOM" list > "$scratch/out" 2> "$scratch/err"
got=$?
check "a FIFO as events.jsonl: list does not hang (exit $got, 0 wanted)" test "$got" -eq 0
check "  ... lists the other incidents" grep -q "^$id " "$scratch/out"
check "  ... and says the log is a FIFO" grep -q "$fid: the incident log .* is a FIFO, not a regular file" "$scratch/err"
expect_refusal "  ... log refuses it at once" "is a FIFO" "$WARROOM" --incident "$fid" log "into the pipe"
expect_refusal "  ... show too" "is a FIFO" "$WARROOM" --incident "$fid" show
rm "$WARROOM_DIR/$fid/events.jsonl"
mv "$scratch/fifo.saved" "$WARROOM_DIR/$fid/events.jsonl"

git init -q "$scratch/platform"
mkdir "$scratch/platform/.warroom"
mkfifo "$scratch/platform/.warroom/policy.json"
expect_refusal "a FIFO as the repo's .warroom/policy.json: list fails at once, not hangs" "policy.json is a FIFO" \
    env WARROOM_REPO="$scratch/platform" "$WARROOM" list
expect_refusal "  ... so does policy" "is a FIFO" env WARROOM_REPO="$scratch/platform" "$WARROOM" policy
mkfifo "$scratch/config.json"
expect_refusal "a FIFO as the config is refused, not waited on" "config $scratch/config.json is a FIFO" \
    env WARROOM_CONFIG="$scratch/config.json" "$WARROOM" list
mkfifo "$scratch/policy.fifo"
expect_refusal "a FIFO named to 'policy FILE' is refused" "is a FIFO" "$WARROOM" policy "$scratch/policy.fifo"

# --- another process holding the log's lock ---
flock -o "$log" sleep 600 >/dev/null 2>&1 &   # -o: the lock is flock's own, not its child's
holder=$!
i=0
while flock -n "$log" true 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
lines=$(wc -l < "$log")
expect_refusal "log fails (does not block) while another process holds the lock" "is locked by pid $holder (flock)" \
    env WARROOM_LOCK_WAIT=1 "$WARROOM" --incident "$id" log "while locked"
check "  ... says nothing was recorded and what to do" grep -q "nothing was recorded: retry once it lets go" "$scratch/err"
check "  ... and nothing was" test "$(wc -l < "$log")" -eq "$lines"
expect_refusal "  ... the default wait is bounded too" "is locked by pid $holder" "$WARROOM" --incident "$id" ack
expect_status 0 "  ... reading is not held up by it" wr --incident "$id" show
expect_refusal "WARROOM_LOCK_WAIT must be seconds" "WARROOM_LOCK_WAIT is \"soon\"" env WARROOM_LOCK_WAIT=soon "$WARROOM" list
release_lock
expect_status 0 "once the lock is let go, log records" wr --incident "$id" log "after the lock"
check "  ... exactly once" test "$(grep -c 'after the lock' "$log")" -eq 1

# --- a full disk: no phantom incident, no burned id ---
before=$(ls "$WARROOM_DIR" | sort)
# The sanitizer runtime wants to come first in the library list; the shim is
# put before it on purpose, so its order check is turned off here.
expect_refusal "open on a full disk fails" "No space left on device" \
    env LD_PRELOAD="$shim" WARROOM_SHIM_ENOSPC=/inc- ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    "$WARROOM" open --sev 1 --title "Disk full"
check "  ... says the incident was not declared" grep -q "the incident was not declared" "$scratch/err"
check "  ... leaves no directory behind" test "$(ls "$WARROOM_DIR" | sort)" = "$before"
wr list > "$scratch/out" 2>&1
check "  ... list shows no phantom (SEV0, no title)" sh -c "! grep -q 'SEV0\\|disk-full' '$scratch/out'"
wr open --sev 1 --title "Disk full" > "$scratch/out" 2>&1
check "  ... and the id was not burned" grep -qx "inc-$(date -u +%Y%m%d)-disk-full" "$scratch/out"

# the same with a real full file system, where one can be mounted
if $as_root && unshare -m true 2>/dev/null; then
    cat > "$scratch/full.sh" <<'EOF'
set -u
d=$1/tmpfs
mkdir -p "$d"
mount -t tmpfs -o size=512k,mode=0700 tmpfs "$d" || exit 3
export WARROOM_DIR=$d/data
"$WARROOM" list > /dev/null || exit 4
dd if=/dev/zero of="$d/fill" bs=4k 2>/dev/null
"$WARROOM" open --sev 1 --title "Tmpfs full" > "$1/full.out" 2> "$1/full.err"
echo "exit $?" >> "$1/full.out"
# the data directory keeps its host id; no incident may be left
ls -A "$WARROOM_DIR" | grep -v -x host-id > "$1/full.ls"
rm "$d/fill"
"$WARROOM" open --sev 1 --title "Tmpfs full" >> "$1/full.out" 2>> "$1/full.err"
"$WARROOM" list >> "$1/full.out" 2>> "$1/full.err"
EOF
    WARROOM="$WARROOM" bounded unshare -m sh "$scratch/full.sh" "$scratch"
    got=$?
    check "a full tmpfs: the script ran (exit $got)" test "$got" -eq 0
    check "  ... open failed with the real cause" sh -c "grep -qx 'exit 1' '$scratch/full.out' && grep -q 'No space left on device' '$scratch/full.err'"
    check "  ... nothing left in the data directory" test ! -s "$scratch/full.ls"
    check "  ... after space is freed, the same id is declared" grep -qx "inc-$(date -u +%Y%m%d)-tmpfs-full" "$scratch/full.out"
    check "  ... and listed with its title, no phantom" sh -c "grep -q 'SEV1 .*Tmpfs full' '$scratch/full.out' && ! grep -q SEV0 '$scratch/full.out'"
fi

# --- what a declaration needs on disk to survive a power cut ---
strace -f -y -e trace=mkdir,rename,fsync -o "$scratch/trace" "$WARROOM" open --sev 3 --title "Durable" > "$scratch/out" 2>&1
did=$(head -1 "$scratch/out")
check "open under strace declares ($did)" test -n "$did" -a -f "$WARROOM_DIR/$did/events.jsonl"
# the line numbers of: the incident directory made, the data directory flushed
# after it, the log given its name, the incident directory flushed after that
made=$(grep -n "mkdir(\"$WARROOM_DIR/$did\"" "$scratch/trace" | head -1 | cut -d: -f1)
named=$(grep -n "rename(.*\"$WARROOM_DIR/$did/events.jsonl\")" "$scratch/trace" | head -1 | cut -d: -f1)
data_synced=$(grep -n "fsync([0-9]*<$WARROOM_DIR>)" "$scratch/trace" | cut -d: -f1 | awk -v m="${made:-999999}" '$1 > m' | head -1)
dir_synced=$(grep -n "fsync([0-9]*<$WARROOM_DIR/$did>)" "$scratch/trace" | cut -d: -f1 | awk -v m="${named:-999999}" '$1 > m' | head -1)
check "  ... the data directory is flushed after the incident directory is made" test -n "$made" -a -n "$data_synced"
check "  ... the incident directory is flushed after events.jsonl appears in it" test -n "$named" -a -n "$dir_synced"
check "  ... the log is private (0600)" test "$(stat -c %a "$WARROOM_DIR/$did/events.jsonl")" = 600
