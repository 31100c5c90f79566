#!/bin/sh
# Installs the Node tools the tests use into build/npm, when they are missing:
# markdownlint-cli, which checks that a rendered postmortem is valid Markdown.
# The version is pinned so that the rules a test holds the output to do not
# change under it. Exits non-zero when the tool cannot be installed (no npm, or
# its registry out of reach): a test that needs it then fails, it is not skipped.
#   tools/npm-deps.sh          install what is missing
#   tools/npm-deps.sh --check  exit 0 when everything is present, 1 otherwise
set -u
cd "$(dirname "$0")/.." || exit 1

MARKDOWNLINT_CLI_VERSION=0.45.0
prefix=build/npm
bin=$prefix/node_modules/.bin/markdownlint

present() {
    [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qx "$MARKDOWNLINT_CLI_VERSION"
}

present && exit 0
[ "${1:-}" = "--check" ] && exit 1

if ! command -v npm >/dev/null 2>&1; then
    echo "npm-deps: npm is not installed (Debian: apt-get install npm); it is needed for markdownlint-cli" >&2
    exit 1
fi
mkdir -p "$prefix" || exit 1
echo "npm-deps: installing markdownlint-cli $MARKDOWNLINT_CLI_VERSION into $prefix" >&2
if ! npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
        "markdownlint-cli@$MARKDOWNLINT_CLI_VERSION" >&2; then
    echo "npm-deps: cannot install markdownlint-cli (is the npm registry reachable?)" >&2
    exit 1
fi
if ! present; then
    echo "npm-deps: markdownlint-cli was installed but $bin does not run" >&2
    exit 1
fi
