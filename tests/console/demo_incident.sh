# The incident of tools/demo.sh (a checkout outage), played at fixed times
# so that every screen of it can be compared byte for byte. Sourced by the
# console tests after tests/lib.sh; prints nothing, sets $demo_id.
# The story ends at 15:00 UTC on 2025-03-15; WARROOM_NOW holds it there.
demo_now=2025-03-15T15:00:00Z
demo_at() { date -u -d "@$(( $(date -u -d "$demo_now" +%s) - $1 * 60 ))" +%H:%M; }
demo_incident() {
    (
    export WARROOM_NOW=$demo_now
    W() { "$WARROOM" "$@" > /dev/null; }
    id=$("$WARROOM" open --sev 2 --title "Checkout failing for card payments" \
        --impact "Card checkouts fail with HTTP 502 in EU and US" --at "$(demo_at 52)" --as carol)
    export WARROOM_INCIDENT="$id"
    W log --type impact --at "$(demo_at 58)" --as scribe-bot "First failed checkout in the payment-gateway logs"
    W log --at "$(demo_at 60)" --as dave "Deploy #4521 of payment-gateway pushed (config change)"
    W log --type alert --at "$(demo_at 55)" --as pagerduty "checkout 5xx rate above 5% for 3 minutes"
    W ack --at "$(demo_at 50)" --as carol
    W role ic carol --at "$(demo_at 50)" --as carol
    W role comms dan --at "$(demo_at 49)" --as carol
    W role ops dave --at "$(demo_at 49)" --as carol
    W role scribe erin --at "$(demo_at 48)" --as carol
    W role sme frank --at "$(demo_at 45)" --as carol
    W sev 1 --why "Every card payment fails; revenue impact" --at "$(demo_at 44)" --as carol
    W update investigating "We are investigating failed card payments at checkout." --at "$(demo_at 43)" --as dan
    W page payments-oncall --why "gateway returns 502" --at "$(demo_at 40)" --as carol
    W log --at "$(demo_at 30)" --as frank "Gateway pool exhausted: new TLS config doubles handshake time"
    W update identified "The cause is a configuration change; we are rolling it back." --at "$(demo_at 28)" --as dan
    W log --at "$(demo_at 22)" --as dave "Rollback of #4521 started"
    W mitigate "Rollback complete, error rate back under 0.1%" --at "$(demo_at 15)" --as dave
    W update monitoring "A fix is in place and we are monitoring." --at "$(demo_at 14)" --as dan
    W action add "Canary config changes for payment-gateway" --owner dave --due 2025-03-22 --priority P1 --kind prevent --as carol
    W action add "Alert on TLS handshake latency" --owner frank --due 2025-03-14 --priority P2 --kind mitigate --as carol
    echo "$id"
    )
}
