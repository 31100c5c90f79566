# The customer email's clock in the console: the real binary in tmux, a
# resolved SEV2 whose email is due, then sent from another terminal through a
# real SMTP relay on 127.0.0.1 (tests/smtp_server.py): the console follows
# the log and shows the clock met, and the sent email in the timeline.
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$console_dir/tmux.sh"
src=${WARROOM_SOURCE_DIR:-$(cd "$console_dir/../.." && pwd)}
export TERM=xterm-256color LANG=C.UTF-8
export WARROOM_NOW=2025-03-15T15:00:00Z

"/usr/bin/python3" "$src/tests/smtp_server.py" "$scratch/box" --port-file "$scratch/port" --lifetime 120 \
    >/dev/null 2>"$scratch/smtp.err" &
relay=$!
trap 'kill "$relay" 2>/dev/null; T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the relay is up" test -s "$scratch/port"

id=$(wr open --sev 2 --title "Logins failing" --at 13:00 --as carol)
wr --incident "$id" resolve "Fixed" --at 14:30 --as carol >/dev/null
T -f /dev/null new-session -d -s email -x 120 -y 36 \
    "env WARROOM_DIR='$WARROOM_DIR' WARROOM_CONFIG=/dev/null WARROOM_NOW=$WARROOM_NOW HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM' --incident '$id'; sleep 600"
check "the console shows the customer email clock" wait_for email "customer email due"
screen email > "$scratch/before"
check "  ... with its deadline, 24 h after the resolution" grep -q "23h30m  customer email due" "$scratch/before"

WARROOM_SMTP_URL="smtp://127.0.0.1:$(cat "$scratch/port")/?starttls=no" WARROOM_EMAIL_FROM=status@example.com \
    WARROOM_EMAIL_TO=ops@customer.example "$WARROOM" --incident "$id" email --send >/dev/null 2>"$scratch/send.err"
check "the email was sent" test -s "$scratch/box/msg-1.eml"
check "the console shows it sent" wait_for email "Customer email sent to 1 recipient"
screen email > "$scratch/after"
check "  ... and the clock met" sh -c "grep 'customer email due' '$scratch/after' | grep -q met"
check "  ... no longer counting down" sh -c "! grep -q '23h30m  customer email due' '$scratch/after'"
