# `warroom postmortem --commit` pays nothing for TLS it does not use: libgit2
# on mbedTLS would parse the whole CA bundle as it starts, so the parse is put
# off until a push sets up its first TLS session. Traced with strace: a local
# commit opens no CA bundle; a push over https opens it before it connects,
# and a server whose certificate no CA signed is still refused.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
src_root=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export WARROOM_NOW=2025-03-15T16:00:00Z GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
git config --global user.name "Test Author"
git config --global user.email "author@example.test"
git config --global init.defaultBranch main

id=$(wr open --sev 2 --title "Checkout outage" --at 14:25 --as carol)
wr --incident "$id" role ic carol --at 14:26 --as carol >/dev/null 2>&1
wr --incident "$id" resolve "Error rate normal" --at 15:40 --as carol >/dev/null 2>&1
git init -q "$scratch/seed" && echo "runbooks" >"$scratch/seed/README" &&
    git -C "$scratch/seed" add README && git -C "$scratch/seed" commit -q -m initial
git clone -q --bare "$scratch/seed" "$scratch/local.git"
pm=postmortems/2025-03-15-checkout-outage.md
bundle='(/etc/ssl/|/certs/|ca-certificates|ca-bundle|\.crt"|\.pem")'

strace -f -qq -e trace=openat,open,connect -o "$scratch/local.trace" \
    "$WARROOM" --incident "$id" --repo "$scratch/local.git" postmortem --commit >"$scratch/out" 2>"$scratch/err"
check "a local commit into a bare repository succeeds under strace" grep -q "^$pm committed to main" "$scratch/out"
check "  ... and opens no CA bundle" sh -c "! grep -E '$bundle' '$scratch/local.trace'"
check "  ... git fsck --strict is clean" git -C "$scratch/local.git" fsck --strict --no-progress

# A TLS server with a self-signed certificate, as the remote.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$scratch/key.pem" -out "$scratch/cert.pem" -days 1 \
    -subj /CN=127.0.0.1 >/dev/null 2>&1
python3 "$src_root/tests/tls_server.py" "$scratch/cert.pem" "$scratch/key.pem" >"$scratch/port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$scratch/port")
check "the TLS server is up" test -n "$port"
git clone -q --bare "$scratch/seed" "$scratch/push.git"
git -C "$scratch/push.git" remote set-url origin "https://127.0.0.1:$port/team/platform.git"
strace -f -qq -e trace=openat,open,connect -o "$scratch/push.trace" \
    "$WARROOM" --incident "$id" --repo "$scratch/push.git" postmortem --commit --push >"$scratch/out" 2>"$scratch/err"
status=$?
check "a push to a server no CA signed fails" test "$status" -ne 0
check "  ... after the commit was made" grep -q "^$pm committed to main" "$scratch/out"
check "  ... refused for its certificate" grep -q "SSL certificate is invalid" "$scratch/err"
first_of() { grep -n -E -m1 -- "$1" "$scratch/push.trace" | cut -d: -f1; }
ca=$(first_of "$bundle")
conn=$(first_of "connect\\(.*htons\\($port\\)")
check "  ... the CA bundle was read before the connection (lines ${ca:-none}, ${conn:-none})" \
    test -n "$ca" -a -n "$conn" -a "${ca:-0}" -lt "${conn:-0}"
check "  ... git fsck --strict is clean" git -C "$scratch/push.git" fsck --strict --no-progress
