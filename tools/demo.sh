#!/bin/sh
# `make run`: a demo incident (a checkout outage) played through the command
# line in a scratch platform repo, then the console opens on it (on a
# terminal; elsewhere the incident is printed). Nothing outside build/demo is
# touched.
set -eu
cd "$(dirname "$0")/.."
W=$(pwd)/build/warroom
demo=$(pwd)/build/demo
rm -rf "$demo"
mkdir -p "$demo/platform"
git -C "$demo/platform" init -q
# the team's runbook for the alert that fires below (the guide's format)
mkdir -p "$demo/platform/runbooks"
cp tests/runbooks/order-service-high-error-rate.yml "$demo/platform/runbooks/"
git -C "$demo/platform" add runbooks
git -C "$demo/platform" -c user.name=demo -c user.email=demo@example.com commit -qm "runbooks: order service error rate"
export WARROOM_DIR="$demo/state" WARROOM_CONFIG=/dev/null WARROOM_REPO="$demo/platform"
unset WARROOM_INCIDENT
# the story happened over the last hour; --at puts each entry where it belongs
t() { date -u -d "@$(( $(date -u +%s) - $1 * 60 ))" +%H:%M; }
id=$("$W" open --sev 2 --title "Checkout failing for card payments" \
    --impact "Card checkouts fail with HTTP 502 in EU and US" --at "$(t 52)" --as carol)
export WARROOM_INCIDENT="$id"
"$W" log --type impact --at "$(t 58)" --as scribe-bot "First failed checkout in the payment-gateway logs"
"$W" log --at "$(t 60)" --as dave "Deploy #4521 of payment-gateway pushed (config change)"
"$W" log --type alert --name HighErrorBudgetBurnRate_Fast --at "$(t 55)" --as pagerduty "checkout 5xx rate above 5% for 3 minutes"
"$W" ack --at "$(t 50)" --as carol
"$W" role ic carol --at "$(t 50)" --as carol
"$W" role comms dan --at "$(t 49)" --as carol
"$W" role ops dave --at "$(t 49)" --as carol
"$W" role scribe erin --at "$(t 48)" --as carol
"$W" role sme frank --at "$(t 45)" --as carol
"$W" sev 1 --why "Every card payment fails; revenue impact" --at "$(t 44)" --as carol
"$W" update investigating "We are investigating failed card payments at checkout." --at "$(t 43)" --as dan
"$W" page payments-oncall --why "gateway returns 502" --at "$(t 40)" --as carol
"$W" log --at "$(t 30)" --as frank "Gateway pool exhausted: new TLS config doubles handshake time"
"$W" update identified "The cause is a configuration change; we are rolling it back." --at "$(t 28)" --as dan
"$W" log --at "$(t 22)" --as dave "Rollback of #4521 started"
"$W" mitigate "Rollback complete, error rate back under 0.1%" --at "$(t 15)" --as dave
"$W" update monitoring "A fix is in place and we are monitoring." --at "$(t 14)" --as dan
"$W" action add "Canary config changes for payment-gateway" --owner dave --due "$(date -u -d '+7 days' +%Y-%m-%d)" --priority P1 --kind prevent >/dev/null
"$W" action add "Alert on TLS handshake latency" --owner frank --due "$(date -u -d '+14 days' +%Y-%m-%d)" --priority P2 --kind mitigate >/dev/null
echo "demo incident $id in $WARROOM_DIR (platform repo $demo/platform)"
if [ -t 0 ] && [ -t 1 ]; then
    # the console; q quits, the incident stays open for another look
    exec "$W"
fi
echo
"$W" show
