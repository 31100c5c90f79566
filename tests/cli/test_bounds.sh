# Numbers from the command line and the log are bounded before they are used,
# and a bad option is refused before anything is recorded.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2025-03-15T15:00:00Z
inc=$(wr open --sev 2 --title "Bounds")
export WARROOM_INCIDENT="$inc"
log=$WARROOM_DIR/$inc/events.jsonl
lines() { wc -l < "$log"; }

# an action item numbered at the end of a long (crafted, or another tool's)
printf '%s\n' '{"v":1,"id":"big-item","ts":"2025-03-15T14:59:00Z","type":"action","item":"A9223372036854775807","text":"huge","status":"open"}' >> "$log"
wr action add "Canary config changes" --owner dave --due 2025-03-22 > "$scratch/out" 2> "$scratch/err"
check "action add after A9223372036854775807: succeeds" test $? -eq 0
check "action add after A9223372036854775807: a sane next id" test "$(cat "$scratch/out")" = A1
wr action add "Alert on handshake latency" --owner frank --due 2025-03-29 > "$scratch/out" 2> /dev/null
check "action add: then A2" test "$(cat "$scratch/out")" = A2

# severities past what an int holds
before=$(lines)
expect_status 1 "sev 4294967297 is refused, not SEV1" wr sev 4294967297
check "  ... saying it is not on the ladder" grep -q 'severity "4294967297" is not on the ladder' "$scratch/err"
expect_status 1 "sev -4294967295 is refused" wr sev -- -4294967295
expect_status 1 "sev 99999999999999999999 is refused" wr sev 99999999999999999999
expect_status 1 "open --sev 4294967297 is refused" wr open --sev 4294967297 --title "Wrapped"
check "no severity change recorded" test "$(lines)" -eq "$before"
check "the incident is still SEV2" test "$(wr show --json | jq -r .sev)" = 2

# --wait is checked before the event is recorded
for bad in nan inf -1 1e9 abc ""; do
    expect_status 2 "log --wait '$bad' is a usage error" wr log --wait "$bad" "not recorded"
done
check "  ... and nothing was recorded" test "$(lines)" -eq "$before"
check "  ... the usage error names --wait" grep -q -- '--wait is a number of seconds' "$scratch/err"
expect_status 0 "log --wait 0 records" wr log --wait 0 "recorded"
check "  ... once" test "$(lines)" -eq $((before + 1))
