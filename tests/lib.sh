# Shared by the shell tests: a scratch world, and TAP-like results that
# tests/run.sh counts. Each test script runs against $WARROOM (the binary under
# test) and $WARROOM_TOOLS (the test drivers built alongside it).
set -u
export TZ=UTC LC_ALL=C.UTF-8
WARROOM=${WARROOM:-$(pwd)/build/warroom}
WARROOM_TOOLS=${WARROOM_TOOLS:-$(pwd)/build/tools}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/warroom-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export WARROOM_DIR="$scratch/data" WARROOM_CONFIG=/dev/null HOME="$scratch/home"
unset WARROOM_INCIDENT WARROOM_REPO WARROOM_NOW
mkdir -p "$HOME"
cd "$scratch" || exit 1

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check NAME COMMAND...: passes when the command succeeds
check() {
    name=$1; shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# expect_status N NAME COMMAND...: passes when the command exits with N
expect_status() {
    want=$1 name=$2; shift 2
    "$@" >"$scratch/out" 2>"$scratch/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else
        not_ok "$name (exit $got, wanted $want)"; sed 's/^/#   /' "$scratch/err" | head -5
    fi
}

wr() { "$WARROOM" "$@"; }
