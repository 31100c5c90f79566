# The command line, end to end, against the real binary.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2025-03-15T15:00:00Z

expect_status 2 "no arguments to open is a usage error" wr open
expect_status 2 "an unknown verb is a usage error" wr frobnicate
expect_status 2 "an option of another verb is a usage error" wr ack --title x
expect_status 1 "show with no incident fails" wr show
check "  ... and says how to declare one" grep -q 'warroom open --sev N --title TEXT' "$scratch/err"

id=$(wr open --sev 2 --title "Order processing failing" --impact "orders stuck" --at 14:25 --as carol)
check "open prints the id" test "$id" = "inc-20250315-order-processing-failing"
check "the data directory is 0700" test "$(stat -c %a "$WARROOM_DIR")" = 700
check "the incident directory is 0700" test "$(stat -c %a "$WARROOM_DIR/$id")" = 700
check "the log is 0600" test "$(stat -c %a "$WARROOM_DIR/$id/events.jsonl")" = 600
id2=$(wr open --sev 3 --title "Order processing failing" --at 14:30)
check "a second incident with the same title gets a suffix" test "$id2" = "inc-20250315-order-processing-failing-2"

expect_status 1 "with two open incidents, a verb needs --incident" wr log hello
check "  ... and the error lists both" sh -c "grep -q '$id ' '$scratch/err' && grep -q '$id2 ' '$scratch/err'"
expect_status 0 "resolve the second" wr --incident "$id2" resolve "false alarm"
expect_status 1 "resolving twice is refused" wr --incident "$id2" resolve

expect_status 0 "log a note" wr log deploy "#4521" pushed --as dave
expect_status 0 "log a back-dated alert" wr log --type alert --at 14:20 "checkout 5xx > 5%"
expect_status 0 "mark the start of impact" wr log --type impact --at 14:10:30 "first failed order"
expect_status 0 "sev 1" wr sev 1 --why "all regions"
expect_status 1 "sev 7 is off the ladder" wr sev 7
check "  ... and says which levels exist" grep -q 'use 1 to 4' "$scratch/err"
expect_status 0 "role ic" wr role ic carol --at 14:26
expect_status 0 "role hand-off" wr role ic erin --at 14:50
expect_status 0 "role sme (several)" wr role sme frank
expect_status 0 "role sme again" wr role sme grace
expect_status 2 "unknown role" wr role boss zed
expect_status 0 "ack" wr ack --as bob --at 14:28
expect_status 0 "update" wr update identified "Bad config in deploy #4521"
expect_status 2 "update with a bad state" wr update fixed "x"
expect_status 0 "page" wr page db-oncall --why "replication lag"
expect_status 0 "mitigate" wr mitigate "rolled back" --at 14:55
expect_status 0 "action add" wr action add "Alert on config drift" --owner dave --due 2025-03-22 --priority P1 --kind prevent
check "  ... prints the item id" grep -qx A1 "$scratch/out"
expect_status 0 "action add without owner warns" wr action add "Write runbook"
check "  ... the warning names what is missing" grep -q 'A2 has no owner' "$scratch/err"
expect_status 0 "action set" wr action set A2 --owner erin --due 2025-03-29 --status done
expect_status 2 "action with a bad priority" wr action add x --priority P9
expect_status 1 "--at in the future is refused" wr log --at 2025-03-16T10:00:00Z "later"
expect_status 2 "--at with a bad time is a usage error" wr log --at 25:99 "x"

wr show --json > "$scratch/show.json"
check "show --json is valid JSON" jq -e . "$scratch/show.json" > /dev/null
j() { jq -r "$1" "$scratch/show.json"; }
check "severity is 1 after the change" test "$(j .sev)" = 1
check "severity history kept" test "$(j '[.severity_history[].sev] | join(",")')" = "2,1"
check "status identified" test "$(j .status)" = identified
check "IC is the latest holder" test "$(j .roles.ic)" = erin
check "role hand-off history kept" test "$(j '[.role_history[] | select(.role=="ic") | .name] | join(",")')" = "carol,erin"
check "SMEs are several" test "$(j '.roles.sme | join(",")')" = "frank,grace"
check "impact start from the impact entry" test "$(j .impact_at)" = "2025-03-15T14:10:30Z"
check "detection from the first alert" test "$(j .detected_at)" = "2025-03-15T14:20:00Z"
check "acknowledged at the back-dated time" test "$(j .acked_at)" = "2025-03-15T14:28:00Z"
check "timeline ordered by when things happened" test "$(j '[.timeline[].type] | .[0:5] | join(",")')" = "impact,alert,declare,role,ack"
check "action item updated in place" test "$(j '.actions[1] | "\(.owner) \(.due) \(.status)"')" = "erin 2025-03-29 done"
check "mitigation clock met" test "$(j '.clocks[] | select(.kind=="mitigate") | .state')" = met
check "update clock pending (SEV1: 15 min after the update)" test "$(j '.clocks[] | select(.kind=="update") | .state')" = pending

# an edit corrects the timeline, the audit trail keeps both
note=$(j '.timeline[] | select(.text=="deploy #4521 pushed") | .id')
expect_status 0 "edit a note" wr edit "$note" --text "deploy #4521 pushed (config change)" --time 14:24
wr show --json > "$scratch/show.json"
check "the timeline shows the corrected text" test "$(j ".timeline[] | select(.id==\"$note\") | .text")" = "deploy #4521 pushed (config change)"
check "the timeline shows the corrected time" test "$(j ".timeline[] | select(.id==\"$note\") | .at")" = "2025-03-15T14:24:00Z"
check "the original is still in the log" grep -q '"text":"deploy #4521 pushed"' "$WARROOM_DIR/$id/events.jsonl"
expect_status 1 "edit of an unknown id" wr edit nope --text x

# hostile text is stored clean or refused, and show stays valid
hostile=$(printf 'esc \033[2J\033]0;owned\007 c1 \302\233 bidi \342\200\256olleh zw \342\200\213x bad \377\376 end')
expect_status 0 "hostile note accepted" wr log "$hostile"
check "no ESC, BEL, C1, bidi or zero-width byte in the log" sh -c "! grep -qP '\x1b|\x07|\xc2\x9b|\xe2\x80\xae|\xe2\x80\x8b' '$WARROOM_DIR/$id/events.jsonl'"
check "invalid UTF-8 replaced" grep -q 'bad \\?��\|bad �� end' "$WARROOM_DIR/$id/events.jsonl"
wr show --json > "$scratch/show.json"
check "show --json valid after hostile text" jq -e . "$scratch/show.json" > /dev/null
wr show > "$scratch/show.txt"
check "show prints no escape sequence" sh -c "! grep -qP '\x1b|\x07|\x9b' '$scratch/show.txt'"
head -c 1048576 /dev/zero | tr '\0' 'x' > "$scratch/big"
expect_status 1 "a 1 MiB line is refused" sh -c "'$WARROOM' log - < '$scratch/big'"
check "  ... with a clear message" grep -q 'over the limit' "$scratch/err"
head -c 70000 /dev/zero | tr '\0' 'y' > "$scratch/big"
expect_status 1 "a 70 KB argument is refused" wr log "$(cat "$scratch/big")"
check "  ... saying the record is over 64 KiB" grep -q 'over the limit of 64 KiB' "$scratch/err"
printf 'line one\nline two\n' > "$scratch/multi"
expect_status 0 "log - reads the text from standard input" sh -c "'$WARROOM' --incident $id log - < '$scratch/multi'"
check "  ... keeping its lines" sh -c "tail -1 '$WARROOM_DIR/$id/events.jsonl' | grep -q 'line one\\\\nline two\"'"
check "  ... and the log stays valid JSON" sh -c "jq -c . '$WARROOM_DIR/$id/events.jsonl' > /dev/null"
title=$(printf 'T\033]2;pwned\007itle')
id3=$(wr open --sev 4 --title "$title")
check "hostile title: slug is clean" test "$id3" = "inc-20250315-title"
id4=$(WARROOM_DIR="$scratch/slugs" wr open --sev 4 --title "Checkout failing for card payments on the payment gateway")
check "a long title's id ends at a whole word" test "$id4" = "inc-20250315-checkout-failing-for-card-payments-on"
wr --incident "$id3" show --json > "$scratch/show3.json"
check "hostile title stored clean" test "$(jq -r .title "$scratch/show3.json")" = "Title"

# newer versions: unknown types and fields are kept and ignored; repeated ids count once
log=$WARROOM_DIR/$id/events.jsonl
echo '{"v":2,"id":"future-1","ts":"2025-03-15T15:00:30Z","type":"hologram","glow":[1,2],"text":"from the future"}' >> "$log"
echo '{"v":2,"id":"future-2","ts":"2025-03-15T15:00:31Z","type":"note","text":"note with extras","mood":{"calm":true}}' >> "$log"
tail -1 "$log" >> "$log"
expect_status 0 "replay tolerates a newer version" wr --incident "$id" show --json
check "unknown type kept out of the timeline" sh -c "! jq -e '.timeline[] | select(.type==\"hologram\")' '$scratch/out' > /dev/null"
check "a repeated id counts once" test "$(jq '[.timeline[] | select(.id=="future-2")] | length' "$scratch/out")" = 1

wr list --json > "$scratch/list.json"
check "list --json lists every incident" test "$(jq length "$scratch/list.json")" = 3
check "list puts open incidents first" test "$(jq -r '.[-1].status' "$scratch/list.json")" = resolved
expect_status 0 "list" wr list

# resolve then reopen
expect_status 0 "resolve" wr --incident "$id" resolve "fixed"
expect_status 0 "reopen" wr --incident "$id" reopen "it is back"
check "reopened" test "$(wr --incident "$id" show --json | jq -r .status)" = reopened
expect_status 0 "resolve the last open one" wr --incident "$id3" resolve
expect_status 0 "resolve again" wr --incident "$id" resolve
expect_status 0 "with none open, show shows the latest declared" wr show --json
check "  ... which is the most recent" test "$(jq -r .id "$scratch/out")" = "$id3"

# policies: a repo's .warroom/policy.json, validated
mkdir -p repo/.warroom && git -C repo init -q
cat > repo/.warroom/policy.json <<'JSON'
{"severities": [
  {"level": 1, "name": "P1", "ack_within": "10m", "update_every": "20m", "mitigate_within": "2h"},
  {"level": 2, "name": "P2", "ack_within": "30m"},
  {"level": 3, "name": "P3", "ack_within": "2h"}]}
JSON
expect_status 0 "the repo policy is used" wr --repo repo policy
check "  ... three levels" test "$(grep -c '^  P[123] ' "$scratch/out")" = 3
expect_status 1 "sev 4 is off a three-level ladder" wr --repo repo --incident "$id" sev 4
echo '{"severities": [{"level": 1, "name": "P1", "ack_within": "soon"}, {"level": 2, "name": "P2"}]}' > repo/.warroom/policy.json
expect_status 1 "a bad policy is an error" wr --repo repo show --incident "$id"
check "  ... naming the key and what was expected" grep -q 'severities\[0\].ack_within: expected a duration' "$scratch/err"
expect_status 2 "a usage error quoting a hostile argument" wr "$(printf 'lo\033]0;PWNED\007g')"
check "  ... shows it escaped, never the raw ESC" sh -c "grep -qF 'unknown verb \"lo\\x1b]0;PWNED\\x07g\"' '$scratch/err' && ! grep -q \"\$(printf '\\033')\" '$scratch/err'"
printf '{"severities": \033]0;PWNED\007}\n' > repo/.warroom/policy.json
expect_status 1 "a malformed repo policy is an error" wr --repo repo show --incident "$id"
check "  ... whose message shows the raw ESC it quotes as \\x1b, never the byte" sh -c "grep -qF 'near '\''\\x1b'\' '$scratch/err' && ! grep -q \"\$(printf '\\033')\" '$scratch/err'"

# config: name, and a warning when secrets sit in a file others can read
mkdir -p "$HOME/.config/warroom"
echo '{"name": "zoe", "sinks": {"slack": {"webhook_url": "https://hooks.example/T/B/SECRET"}}}' > "$HOME/.config/warroom/config.json"
chmod 644 "$HOME/.config/warroom/config.json"
WARROOM_CONFIG= wr --incident "$id" log "from zoe" 2> "$scratch/err"
check "the config name is the author" sh -c "tail -1 '$log' | grep -q '\"by\":\"zoe\"'"
check "a readable config with secrets draws a warning" grep -q 'readable by others' "$scratch/err"
check "  ... without showing the secret" sh -c "! grep -q SECRET '$scratch/err'"

# a bare platform repo: the policy is read from its branch
git -C repo add .warroom/policy.json
git -C repo -c user.name=t -c user.email=t@example.com commit -qm policy
cat > repo/.warroom/policy.json <<'JSON'
{"severities": [{"level": 1, "name": "Q1"}, {"level": 2, "name": "Q2"}]}
JSON
git -C repo -c user.name=t -c user.email=t@example.com commit -qam "two levels"
git clone -q --bare repo bare.git
expect_status 0 "a bare repo's policy is read from its branch" wr --repo bare.git policy
check "  ... the committed two-level ladder" test "$(grep -c '^  Q[12] ' "$scratch/out")" = 2
expect_status 1 "a named repo that does not exist is an error" wr --repo nowhere policy

# ---- input people get wrong (issue 9): refused with a clear message, the same rules as the console ----
in9=$(WARROOM_NOW=2025-03-15T00:05:00Z wr open --sev 2 --title "Input checks" --at 00:05)
lines() { wc -l < "$WARROOM_DIR/$in9/events.jsonl"; }
before=$(lines)
expect_status 2 "log with an empty text is refused" wr --incident "$in9" log ""
check "  ... saying the entry is empty" grep -q 'the text of the entry is empty' "$scratch/err"
expect_status 2 "log with only spaces is refused" wr --incident "$in9" log "   "
check "  ... saying it is only spaces" grep -q 'empty (only spaces)' "$scratch/err"
check "  ... and nothing was recorded" test "$(lines)" = "$before"
expect_status 1 "a title of only spaces is refused" wr open --sev 2 --title "   "
expect_status 2 "a due date that does not exist is refused" wr --incident "$in9" action add "x" --owner a --due 2025-02-30
check "  ... naming the date" grep -q '2025-02-30' "$scratch/err"
expect_status 0 "role names are case-insensitive" wr --incident "$in9" role IC carol
check "  ... stored as the role" test "$(wr --incident "$in9" show --json | jq -r .roles.ic)" = carol
expect_status 0 "a note from the day before" wr --incident "$in9" log --at 2025-03-14T23:58:00Z "the night before"
WARROOM_NOW=2025-03-15T00:10:00Z wr --incident "$in9" show > "$scratch/show9.txt"
check "show dates an entry on another day than the declaration" grep -q '^  2025-03-14 23:58:00 .*the night before' "$scratch/show9.txt"
check "  ... and keeps the declaration's column" grep -q '^             00:05:00 .*Declared SEV2' "$scratch/show9.txt"
note9=$(wr --incident "$in9" show --json | jq -r '.timeline[] | select(.text=="the night before") | .id')
check "show prints short event ids" grep -q "  $(echo "$note9" | cut -c1-8)  .*the night before" "$scratch/show9.txt"
expect_status 0 "edit takes the short id show prints" wr --incident "$in9" edit "$(echo "$note9" | cut -c1-8)" --text "the night before (edited)"
check "  ... and corrects that entry" test "$(wr --incident "$in9" show --json | jq -r ".timeline[] | select(.id==\"$note9\") | .text")" = "the night before (edited)"
expect_status 1 "edit with a prefix too short is refused" wr --incident "$in9" edit "$(echo "$note9" | cut -c1-2)" --text x
expect_status 0 "warroom --version" wr --version
check "  ... prints the version" grep -q '^warroom [0-9]' "$scratch/out"
