#!/bin/sh
# Writes what comes from the verb table (src/cli_main.c) into the files that
# ship: docs/warroom.bash-completion, docs/_warroom (zsh) and the verbs' block of the SYNOPSIS in
# docs/warroom.1. Run after changing a row; tests/cli/test_layout.sh fails
# until they agree. Needs `make build-tests` (build/tools/cli_docs).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
docs=${1:-$top/build/tools/cli_docs}
"$docs" completion >"$top/docs/warroom.bash-completion"
"$docs" zsh >"$top/docs/_warroom"
synopsis=$("$docs" synopsis)
export synopsis
awk '
    /^\.\\" BEGIN verbs/ { print; print ENVIRON["synopsis"]; skip = 1; next }
    /^\.\\" END verbs/ { skip = 0 }
    !skip { print }
' "$top/docs/warroom.1" >"$top/docs/warroom.1.tmp"
mv "$top/docs/warroom.1.tmp" "$top/docs/warroom.1"
