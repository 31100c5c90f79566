# Paying only for what a command uses: with no repository anywhere above the
# working directory, a command that reads a log never starts libgit2 (which
# reads the CA bundle and searches for a repository on its own), while a
# repository there still supplies the policy, found as git finds it.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2025-03-15T15:00:00Z
id=$(wr open --sev 2 --title "Startup" --as carol)
wr log "a note" > /dev/null

# traced OUT CMD...: the files CMD (and its children) opened or looked at
traced() { out=$1; shift; strace -f -qq -e trace=openat,open,stat,newfstatat,lstat -o "$out" "$@"; }

mkdir -p "$scratch/plain/sub"
cd "$scratch/plain/sub" || exit 1
traced "$scratch/show.trace" "$WARROOM" show > "$scratch/show.out" 2>&1
check "show outside any repository works" grep -q "a note" "$scratch/show.out"
check "  ... without reading the CA bundle (libgit2 not started)" sh -c "! grep -q 'ca-certificates\|/certs/' '$scratch/show.trace'"
check "  ... and without libgit2's own repository search" sh -c "! grep -q 'commondir' '$scratch/show.trace'"
traced "$scratch/log.trace" "$WARROOM" log "another" > /dev/null 2>&1
check "log outside any repository: libgit2 not started" sh -c "! grep -q 'ca-certificates\|commondir' '$scratch/log.trace'"

# a repository above the working directory: its policy is still found
policy_repo() {  # policy_repo DIR: a repository whose policy names SEV2 "Repo-level"
    git init -q "$1" && mkdir -p "$1/.warroom" &&
        jq '(.severities[] | select(.level == 2) | .name) = "Repo-level"' "$WARROOM_SOURCE_DIR/docs/policy.json" \
            > "$1/.warroom/policy.json"
}
if policy_repo "$scratch/repo"; then
    mkdir -p "$scratch/repo/deep/er"
    cd "$scratch/repo/deep/er" || exit 1
    wr show > "$scratch/repo.out" 2>&1
    check "a repository above the working directory still supplies the policy" grep -q "Repo-level" "$scratch/repo.out"
    git -C "$scratch/repo" add .warroom && git -C "$scratch/repo" -c user.name=t -c user.email=t@t commit -qm p
    git clone -q --bare "$scratch/repo" "$scratch/bare.git"
    cd "$scratch/bare.git" || exit 1
    wr show > "$scratch/bare.out" 2>&1
    check "  ... and so does a bare repository the command runs in" grep -q "Repo-level" "$scratch/bare.out"
    cd "$scratch/plain/sub" || exit 1
    GIT_DIR="$scratch/bare.git" wr show > "$scratch/gitdir.out" 2>&1
    check "  ... and one GIT_DIR names" grep -q "Repo-level" "$scratch/gitdir.out"
else
    not_ok "git init for the repository cases"
fi
