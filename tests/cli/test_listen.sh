# `warroom listen` under a real curl client: PagerDuty signatures good, bad
# and rotated, bearer and basic auth, bodies over the bound, a slow client
# that cannot hold the server, SIGTERM, and the durability rule: a 2xx only
# for what is on disk; killed (SIGKILL, through tests/shim/killat.c) at each
# step of a request and restarted, the sender's retry records it exactly once.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
src_root=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
specs=$src_root/tests/specs
shim_dir=$(dirname "$WARROOM_TOOLS")/shim
case $WARROOM in */san/*) shim_dir=$(dirname "$(dirname "$WARROOM_TOOLS")")/shim ;; esac
export WARROOM_NOW=2025-03-15T14:09:00Z WARROOM_LISTEN_TIMEOUT=2
export WARROOM_PAGERDUTY_SECRET=current-secret WARROOM_LISTEN_TOKEN=t0ken-for-alertmanager
unset WARROOM_LISTEN_BASIC

same() {  # NAME WANT GOT
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (wanted $2, got $3)"; fi
}
hmac() {  # SECRET FILE: the hex HMAC-SHA256 of FILE, as PagerDuty signs
    openssl dgst -sha256 -hmac "$1" -r <"$2" | cut -d' ' -f1
}
logs() { cat "$WARROOM_DIR"/inc-*/events.jsonl 2>/dev/null; }
facts() { logs | jq -c "select($1)" | wc -l | tr -d ' '; }

pid=
start() {  # [ENV=VALUE...]: starts listen on a free port; $port, $pid
    : >"$scratch/listen.out"
    # the sanitizer build's runtime wants to be first of the libraries; the
    # fault shims come before it here, which is harmless for what they wrap
    env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@" "$WARROOM" listen --addr 127.0.0.1:0 >"$scratch/listen.out" 2>>"$scratch/listen.err" &
    pid=$!
    tries=0
    until grep -q '^listening on ' "$scratch/listen.out" 2>/dev/null; do
        tries=$((tries + 1))
        if [ $tries -gt 200 ] || ! kill -0 $pid 2>/dev/null; then break; fi
        sleep 0.1
    done
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$scratch/listen.out")
}
stop() {  # SIGNAL: stops the listener; its exit status in $stopped
    kill -"${1:-TERM}" $pid 2>/dev/null
    wait $pid
    stopped=$?
}
post() {  # PATH FILE [curl options]: the status code (000: no answer)
    p=$1 f=$2; shift 2
    curl -s -o "$scratch/reply" -w '%{http_code}' "$@" --data-binary @"$f" "http://127.0.0.1:$port$p"
}
am() { post /alertmanager "$1" -H "Authorization: Bearer $WARROOM_LISTEN_TOKEN"; }
pd() { post /pagerduty "$1" -H "X-PagerDuty-Signature: v1=$(hmac "${2:-$WARROOM_PAGERDUTY_SECRET}" "$1")"; }

# ---- refusing to start without a credential, and on a bad address ----
expect_status 1 "listen needs a credential" env -u WARROOM_PAGERDUTY_SECRET -u WARROOM_LISTEN_TOKEN "$WARROOM" listen
check "  ... and says which" grep -q 'WARROOM_PAGERDUTY_SECRET' "$scratch/err"
expect_status 1 "an address by name is refused (no lookups)" "$WARROOM" listen --addr localhost:9095
expect_status 1 "a port out of range is refused" "$WARROOM" listen --addr 127.0.0.1:70000

start
check "listen binds loopback and says the port" test -n "$port"
expect_status 1 "a second listener on the same port is refused" "$WARROOM" listen --addr "127.0.0.1:$port"
check "  ... saying so" grep -q "cannot listen on 127.0.0.1 port $port" "$scratch/err"

# ---- PagerDuty signatures ----
same "a good PagerDuty signature: 200" 200 "$(pd "$specs/pagerduty/incident.triggered.json")"
same "  ... recorded" 1 "$(facts '.source == "pagerduty" and .status == "firing"')"
same "a bad signature: 401" 401 "$(pd "$specs/pagerduty/incident.resolved.json" not-the-secret)"
same "  ... nothing recorded" 0 "$(facts '.source == "pagerduty" and .status == "resolved"')"
same "no signature: 401" 401 "$(post /pagerduty "$specs/pagerduty/incident.resolved.json")"
sed 's/Tenex Engineer/Someone Else/' "$specs/pagerduty/incident.acknowledged.json" >"$scratch/tampered.json"
same "a body changed after signing: 401" 401 \
    "$(post /pagerduty "$scratch/tampered.json" -H "X-PagerDuty-Signature: v1=$(hmac "$WARROOM_PAGERDUTY_SECRET" "$specs/pagerduty/incident.acknowledged.json")")"
# PagerDuty rotating its secret signs with both, the old one first
f=$specs/pagerduty/incident.acknowledged.json
same "a rotation (two signatures, ours the second): 200" 200 \
    "$(post /pagerduty "$f" -H "X-PagerDuty-Signature: v1=$(hmac retired-secret "$f"),v1=$(hmac "$WARROOM_PAGERDUTY_SECRET" "$f")")"
same "  ... recorded" 1 "$(facts '.type == "ack"')"
check "no secret in what listen said" sh -c "! grep -q 'current-secret\|t0ken-for' '$scratch/listen.err' '$scratch/listen.out' '$scratch/reply'"

# ---- bearer token for Alertmanager, basic auth for Grafana ----
same "alertmanager with its bearer token: 200" 200 "$(am "$specs/alertmanager/firing.json")"
check "  ... said what it did" grep -q '"declared":1' "$scratch/reply"
same "  ... the same delivery again: 200" 200 "$(am "$specs/alertmanager/firing.json")"
check "  ... a repeat" grep -q '"repeated":1' "$scratch/reply"
same "  ... recorded once" 1 "$(facts '.source == "alertmanager" and .status == "firing"')"
same "a wrong token: 401" 401 "$(post /alertmanager "$specs/alertmanager/resolved.json" -H 'Authorization: Bearer guess')"
same "no token: 401" 401 "$(post /alertmanager "$specs/alertmanager/resolved.json")"
same "a route nobody serves: 404" 404 "$(post /other "$specs/alertmanager/resolved.json" -H "Authorization: Bearer $WARROOM_LISTEN_TOKEN")"
same "a GET: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WARROOM_LISTEN_TOKEN" "http://127.0.0.1:$port/alertmanager")"
printf '{"version":"4","alerts":[{"status":"maybe"}]}' >"$scratch/bad.json"
same "a payload it cannot read: 400" 400 "$(am "$scratch/bad.json")"
check "  ... saying why" grep -q 'alerts\[0\].status' "$scratch/reply"
# another writer holding the incident's log past the wait: 503, in time
am_log=$(grep -l '"source":"alertmanager"' "$WARROOM_DIR"/inc-*/events.jsonl)
python3 -c 'import fcntl, sys, time; f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); print("held", flush=True); time.sleep(120)' \
    "$am_log" >"$scratch/held" &
holder=$!
tries=0
until grep -q held "$scratch/held" 2>/dev/null || [ $tries -gt 100 ]; do sleep 0.1; tries=$((tries + 1)); done
same "the incident's log locked by another writer: 503 (retried), not a late reply" 503 "$(am "$specs/alertmanager/resolved.json")"
check "  ... saying it failed" grep -q '"failed":1' "$scratch/reply"
kill $holder
wait $holder 2>/dev/null
same "  ... the retry once it is free: 200" 200 "$(am "$specs/alertmanager/resolved.json")"
same "  ... recorded once" 1 "$(facts '.source == "alertmanager" and .status == "resolved"')"
same "grafana without basic auth configured: 401" 401 \
    "$(post /grafana "$specs/grafana/resolved.json" -u grafana:pass)"
stop TERM
same "SIGTERM stops it cleanly" 0 "$stopped"
check "  ... saying so" grep -q 'stopped (SIGTERM)' "$scratch/listen.err"

start WARROOM_LISTEN_BASIC=grafana:s3cret-pass
g=$specs/grafana/grafana-docs_webhook-notifier_example_v1.json
# no service or severity label, and two incidents open: nowhere to go
same "grafana with basic auth, nowhere to put its alerts: 503 (retried)" 503 "$(post /grafana "$g" -u grafana:s3cret-pass)"
check "  ... saying so" grep -q '"unplaced":2' "$scratch/reply"
same "  ... nothing recorded" 0 "$(facts '.source == "grafana"')"
stop TERM
am_inc=$(basename "$(dirname "$(grep -l '"source":"alertmanager"' "$WARROOM_DIR"/inc-*/events.jsonl)")")
start WARROOM_LISTEN_BASIC=grafana:s3cret-pass WARROOM_INCIDENT="$am_inc"
same "  ... with WARROOM_INCIDENT naming one: 200" 200 "$(post /grafana "$g" -u grafana:s3cret-pass)"
same "  ... two alerts recorded" 2 "$(facts '.source == "grafana"')"
same "a wrong password: 401" 401 "$(post /grafana "$specs/grafana/resolved.json" -u grafana:wrong)"
check "  ... no password in what listen said" sh -c "! grep -q 's3cret-pass' '$scratch/listen.err'"

# ---- bodies over the bound ----
head -c 2000000 /dev/zero | tr '\0' ' ' >"$scratch/big.json"
same "a body over 1 MiB with its length: 413" 413 "$(am "$scratch/big.json")"
same "  ... sent chunked, without a length: 413" 413 \
    "$(post /alertmanager "$scratch/big.json" -H "Authorization: Bearer $WARROOM_LISTEN_TOKEN" -H 'Transfer-Encoding: chunked')"
same "  ... and listen still serves" 200 "$(am "$specs/alertmanager/resolved.json")"

# ---- a slow client: sends its headers, then nothing ----
mkfifo "$scratch/slow"
curl -s -o "$scratch/slow.reply" -w '%{http_code}' -H "Authorization: Bearer $WARROOM_LISTEN_TOKEN" \
    -T "$scratch/slow" "http://127.0.0.1:$port/alertmanager" >"$scratch/slow.code" 2>/dev/null &
slow=$!
exec 3>"$scratch/slow"                  # held open, never written: the upload never ends
same "while a slow client holds a connection, another is served" 200 \
    "$(pd "$specs/pagerduty/incident.resolved.json")"
tries=0
while kill -0 $slow 2>/dev/null && [ $tries -lt 600 ]; do sleep 0.1; tries=$((tries + 1)); done
check "  ... and the slow one is cut off by the idle timeout (WARROOM_LISTEN_TIMEOUT)" sh -c "! kill -0 $slow 2>/dev/null"
kill $slow 2>/dev/null
wait $slow 2>/dev/null
exec 3>&-
check "  ... without a 2xx" sh -c "! grep -q '^2' '$scratch/slow.code'"
same "  ... and listen still serves" 200 "$(am "$specs/alertmanager/firing.json")"
# one that sends a byte every half second never sits idle, but its body
# may take three idle timeouts in all
python3 "$src_root/tests/cli/trickle.py" "$port" "$WARROOM_LISTEN_TOKEN" 0.5 60 >"$scratch/trickle" 2>&1
check "a client trickling its body a byte at a time is cut off" grep -q '^closed [0-9]*$' "$scratch/trickle"
check "  ... before it sent the whole body" sh -c "! grep -q ' 1000\$' '$scratch/trickle'"
check "  ... saying so" grep -q 'the body took longer than 6 s: connection closed' "$scratch/listen.err"
same "  ... and listen still serves" 200 "$(am "$specs/alertmanager/resolved.json")"
stop INT
same "SIGINT stops it cleanly" 0 "$stopped"

# ---- a 2xx only for what is on disk ----
export WARROOM_DIR="$scratch/eio"
start LD_PRELOAD="$shim_dir/logfault.so" LOGFAULT_FDATASYNC=1
same "the log's fdatasync fails: no 2xx (503, the sender retries)" 503 "$(am "$specs/alertmanager/firing.json")"
check "  ... saying it failed" grep -q '"failed":1' "$scratch/reply"
stop TERM
start
same "  ... the retry, once the disk works: 200" 200 "$(am "$specs/alertmanager/firing.json")"
same "  ... recorded once (replayed)" 1 \
    "$(wr show --json | jq '[.timeline[] | select(.type == "alert")] | length')"
stop TERM

# killed at each file-system step of a request that declares an incident and
# records its alert; then restarted, and the sender tries again
n=1
while [ $n -le 12 ]; do
    export WARROOM_DIR="$scratch/kill$n"
    start LD_PRELOAD="$shim_dir/killat.so" KILLAT_N=$n
    code=$(am "$specs/alertmanager/firing.json")
    if [ "$code" = 200 ]; then
        # it lived through the request: what it acknowledged must be on disk
        on_disk=$(facts '.type == "alert"')
        stop TERM
        same "killat $n: past the last step, the 200 came with the record on disk" 1 "$on_disk"
        break
    fi
    wait $pid 2>/dev/null
    same "killat $n: killed mid-request, no 2xx" 000 "$code"
    start
    same "killat $n: restarted, the retry: 200" 200 "$(am "$specs/alertmanager/firing.json")"
    same "killat $n: the alert is on disk exactly once" 1 "$(facts '.type == "alert"')"
    same "killat $n: one incident declared" 1 "$(facts '.type == "declare"')"
    same "killat $n: and a second retry changes nothing" "200 1" "$(am "$specs/alertmanager/firing.json") $(facts '.type == "alert"')"
    stop TERM
    n=$((n + 1))
done
check "the kill loop reached a request that completes" test "$n" -le 12
