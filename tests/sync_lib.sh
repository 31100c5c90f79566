# Shared by the sync tests: hosts as data directories of their own in
# $scratch, each with a config naming the remote, and helpers that read what
# a host shows.
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid

# host_config NAME URL [EXTRA-JSON]: the host's config (sync on) and a local
# one (sync off: its verbs record without pushing)
host_config() {
    printf '{"sync": {"url": "%s"%s}}\n' "$2" "${3:+, $3}" > "$scratch/conf-$1.json"
    printf '{}\n' > "$scratch/local-$1.json"
}
data_of() { echo "$scratch/h-$1"; }
host_of() { cat "$scratch/h-$1/host-id"; }
on() {
    _h=$1; shift
    WARROOM_DIR="$scratch/h-$_h" WARROOM_HOST="$_h" WARROOM_CONFIG="$scratch/conf-$_h.json" "$WARROOM" "$@"
}
# records without pushing: the host works on while others sync
local_on() {
    _h=$1; shift
    WARROOM_DIR="$scratch/h-$_h" WARROOM_HOST="$_h" WARROOM_CONFIG="$scratch/local-$_h.json" "$WARROOM" "$@"
}
show_json() {  # NAME ID: show --json into $scratch/show-NAME.json
    local_on "$1" show --json --incident "$2" > "$scratch/show-$1.json" 2>/dev/null
}
timeline_texts() { show_json "$1" "$2"; jq -r '.timeline[].text' "$scratch/show-$1.json"; }
timeline_at() { show_json "$1" "$2"; jq -r --arg t "$3" '.timeline[] | select(.text == $t) | .at' "$scratch/show-$1.json"; }
# the replayed incident minus what is local to a host: its clock and its sinks
shared_show() {
    show_json "$1" "$2"
    jq -S 'del(.deliveries, .elapsed_s, .clocks, .warnings)' "$scratch/show-$1.json"
}
same_show() {
    _id=$1; _first=$2; shift 2
    shared_show "$_first" "$_id" > "$scratch/same-$_first"
    for _o in "$@"; do
        shared_show "$_o" "$_id" > "$scratch/same-$_o"
        cmp -s "$scratch/same-$_first" "$scratch/same-$_o" || {
            diff "$scratch/same-$_first" "$scratch/same-$_o" | head -10 | sed 's/^/#   /'; return 1; }
    done
}
no_doubles() {  # NAME ID: every id once in the log and in the timeline
    log="$scratch/h-$1/$2/events.jsonl"
    [ -z "$(jq -r .id "$log" | sort | uniq -d)" ] || return 1
    show_json "$1" "$2"
    [ -z "$(jq -r '.timeline[].id' "$scratch/show-$1.json" | sort | uniq -d)" ]
}
record_claiming() {  # HOST TEXT: a well-formed note that says HOST wrote it
    printf '{"v":1,"id":"%s","ts":"%s","by":"mallory","type":"note","text":"%s","host":"%s"}' \
        "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$2" "$1"
}
# forge_ref REMOTE ID HOST RECORD [fresh]: a ref for HOST written by hand,
# a commit on top of what it had (fresh: a new root, rewriting its history)
forge_ref() {
    r=$1 ref="refs/warroom/$2/$3"
    parent=$(git -C "$r" rev-parse -q --verify "$ref" 2>/dev/null)
    n=$(git -C "$r" ls-tree -r "$ref" 2>/dev/null | grep -c ' e/')
    [ "${5:-}" = fresh ] && { parent=""; n=0; }
    blob=$(printf '%s\n' "$4" | git -C "$r" hash-object -w --stdin)
    bucket_from=${parent:+$(git -C "$r" ls-tree "$ref:e/000000" 2>/dev/null)}
    bucket=$( { [ -n "$bucket_from" ] && printf '%s\n' "$bucket_from"; printf '100644 blob %s\t%09d\n' "$blob" "$n"; } | git -C "$r" mktree)
    e=$(printf '040000 tree %s\t000000\n' "$bucket" | git -C "$r" mktree)
    root=$(printf '040000 tree %s\te\n' "$e" | git -C "$r" mktree)
    commit=$(git -C "$r" commit-tree "$root" -m "by hand" ${parent:+-p "$parent"})
    git -C "$r" update-ref "$ref" "$commit"
}
huge_ref() {  # REMOTE ID HOST: a ref whose one batch is a 100 MiB blob
    r=$1
    blob=$(head -c 100M /dev/zero | git -C "$r" hash-object -w --stdin)
    bucket=$(printf '100644 blob %s\t000000000\n' "$blob" | git -C "$r" mktree)
    e=$(printf '040000 tree %s\t000000\n' "$bucket" | git -C "$r" mktree)
    root=$(printf '040000 tree %s\te\n' "$e" | git -C "$r" mktree)
    git -C "$r" update-ref "refs/warroom/$2/$3" "$(git -C "$r" commit-tree "$root" -m huge)"
}
damaged_ref() {  # REMOTE ID HOST: a ref pointing at a commit whose tree is not there
    r=$1
    c=$(printf 'tree %s\nauthor x <x@example.invalid> 1700000000 +0000\ncommitter x <x@example.invalid> 1700000000 +0000\n\ndamaged\n' \
        "$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')" | git -C "$r" hash-object -t commit --literally -w --stdin)
    mkdir -p "$r/refs/warroom/$2"
    echo "$c" > "$r/refs/warroom/$2/$3"   # git update-ref refuses it, as it should
    damaged_object="$r/objects/$(echo "$c" | cut -c1-2)/$(echo "$c" | cut -c3-)"
}
