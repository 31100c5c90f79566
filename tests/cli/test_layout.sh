# The code's layout, checked: no circle between the files of src/, the sink
# table and the console standing beside the command line (docs/hacking.md's
# rules), and what is written from the verb table (help, completion, the man
# page's synopsis) agreeing with what the binary parses.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
src=$WARROOM_SOURCE_DIR
docs=$WARROOM_TOOLS/cli_docs

# ---- no circle between the files of src/ ----
objdir=$(dirname "$WARROOM")/obj/src
check "no two files of src/ depend on each other in a circle" \
    sh -c "python3 '$src/tools/check-cycles.py' '$objdir' '$src/src' >'$scratch/cycles' 2>&1"
sed 's/^/#   /' "$scratch/cycles"
# the checker itself finds a circle when there is one: two objects that use
# each other's function
cat >"$scratch/a.c" <<'C'
int b(int);
int a(int x) { return x ? b(x - 1) : 0; }
C
cat >"$scratch/b.c" <<'C'
int a(int);
int b(int x) { return x ? a(x - 1) : 1; }
C
mkdir -p "$scratch/circle"
cc -c -o "$scratch/circle/a.o" "$scratch/a.c" && cc -c -o "$scratch/circle/b.o" "$scratch/b.c"
expect_status 1 "  ... and the check fails on a circle" python3 "$src/tools/check-cycles.py" "$scratch/circle"
check "  ... naming both files" grep -q 'circle: src/a.c src/b.c' "$scratch/out"

# ---- the sink table: providers are named in their own files only ----
names='SINK_SLACK\|SINK_PAGERDUTY\|SINK_STATUSPAGE\|SINK_WEBHOOK'
check "only src/sinks/ and the sinks' headers name a provider's value" \
    sh -c "! grep -rl '$names' '$src/src' '$src/ui' '$src/include' | grep -v '/src/sinks/\|/include/warroom/sinks'"
for p in slack pagerduty statuspage webhook slack_channel; do
    P=$(echo "$p" | tr a-z A-Z)
    check "  ... SINK_$P only in $p's files and the table" sh -c \
        "! grep -rlw 'SINK_$P' '$src/src' '$src/ui' '$src/include' |
           grep -v '/src/sinks/$p.c\$\|/include/warroom/sinks/$p.h\$\|/src/sinks/table.c\$\|/include/warroom/sinks.h\$'"
done
check "the outbox and the command line call no provider's function" \
    sh -c "! grep -n 'sink_\(slack\|pagerduty\|statuspage\|webhook\)_' '$src/src/outbox.c' '$src/src/'cli*.c '$src/ui/'*.c"

# ---- the console stands beside the command line ----
check "ui/ calls nothing of the command line" sh -c "! grep -n 'cli_' '$src/ui/'*"
check "ui/ includes no CLI header" sh -c "! grep -n '#include.*cli' '$src/ui/'* '$src/include/warroom/console.h'"

# ---- written from the verb table ----
check "docs/warroom.bash-completion is the table's (tools/gen-cli-docs.sh)" \
    sh -c "'$docs' completion | cmp -s - '$src/docs/warroom.bash-completion'"
check "docs/_warroom (zsh) is the table's (tools/gen-cli-docs.sh)" \
    sh -c "'$docs' zsh | cmp -s - '$src/docs/_warroom'"
sed -n '/^\.\\" BEGIN verbs/,/^\.\\" END verbs/p' "$src/docs/warroom.1" | sed '1d;$d' >"$scratch/synopsis"
check "the man page's synopsis is the table's" sh -c "'$docs' synopsis | cmp -s - '$scratch/synopsis'"

"$docs" verbs >"$scratch/verbs"
check "the table lists the verbs" test "$(wc -l <"$scratch/verbs")" -ge 17
# Every option the completion offers a verb, the parser takes with it; every
# other one it refuses with the same words.
bad=0
while read -r verb rest; do
    wr help | grep -q "^  $verb " || { echo "# $verb is not in warroom help"; bad=1; }
    for o in $rest; do
        name=${o#?}
        "$WARROOM" "$verb" "$name" >/dev/null 2>"$scratch/opt-err" </dev/null
        if grep -q 'does not go with' "$scratch/opt-err"; then taken=-; else taken=+; fi
        case $o in
        "$taken"*) ;;
        *) echo "# $verb $name: the table says ${o%%-*}, the parser ${taken}"; bad=1 ;;
        esac
        if [ "$taken" = - ] && ! grep -qx "warroom: $name does not go with '$verb'" "$scratch/opt-err"; then
            echo "# $verb $name: unexpected words: $(head -1 "$scratch/opt-err")"; bad=1
        fi
    done
done <"$scratch/verbs"
check "each verb takes exactly the options the table gives it, with the same error words" test "$bad" = 0

# the completion script, run by bash: the verbs, then the verb's own options
if command -v bash >/dev/null; then
    out=$(bash -c ". '$src/docs/warroom.bash-completion'; COMP_WORDS=(warroom po); COMP_CWORD=1; _warroom; echo \"\${COMPREPLY[*]}\"")
    check "completion offers the verbs (po: policy postmortem)" test "$out" = "policy postmortem"
    out=$(bash -c ". '$src/docs/warroom.bash-completion'; COMP_WORDS=(warroom open --t); COMP_CWORD=2; _warroom; echo \"\${COMPREPLY[*]}\"")
    check "completion offers a verb's own options (open --t: --title --theme)" test "$out" = "--title --theme"
fi

# ---- installed: both completions where bash-completion and zsh look ----
root="$scratch/root"
make -C "$src" --no-print-directory -s install DESTDIR="$root" PREFIX=/usr >"$scratch/install" 2>&1
check "make install puts the bash completion in bash-completion's directory under DESTDIR/PREFIX" \
    cmp -s "$src/docs/warroom.bash-completion" "$root/usr/share/bash-completion/completions/warroom"
check "  ... and the zsh one in zsh's site-functions" \
    cmp -s "$src/docs/_warroom" "$root/usr/share/zsh/site-functions/_warroom"
if command -v zsh >/dev/null; then
    # compinit finds the installed function through fpath and loads it; its
    # words are the table's (compadd stands in for the completion widget)
    zsh -f -c "fpath=('$root/usr/share/zsh/site-functions' \$fpath)
        autoload -Uz compinit && compinit -u -d '$scratch/zcompdump' || exit 3
        [[ \${_comps[warroom]} == _warroom ]] || exit 4
        autoload +X _warroom || exit 5
        compadd() { shift; print -r -- \"\$*\"; }
        words=(warroom ''); CURRENT=2; _warroom
        words=(warroom drill --s); CURRENT=3; _warroom" >"$scratch/zsh" 2>"$scratch/zsh-err"
    zrc=$?
    check "zsh loads the installed completion without error (exit $zrc)" \
        sh -c "[ $zrc = 0 ] && [ ! -s '$scratch/zsh-err' ]"
    sed 's/^/#   /' "$scratch/zsh-err"
    want=$(awk '{print $1}' "$scratch/verbs" | tr '\n' ' ')
    check "  ... offering every verb of the table" \
        test "$(sed -n 1p "$scratch/zsh")" = "${want}help --dir --incident --repo --config --theme"
    check "  ... and a verb's own options (drill)" \
        test "$(sed -n 2p "$scratch/zsh")" = "--as --wait --speed --publish --dir --incident --repo --config --theme"
else
    not_ok "zsh is not installed (tools/deps.sh lists it)"
fi
out=$(bash -c ". '$root/usr/share/bash-completion/completions/warroom'; COMP_WORDS=(warroom dr); COMP_CWORD=1; _warroom; echo \"\${COMPREPLY[*]}\"")
check "bash completes a verb from the installed script (dr: drill)" test "$out" = "drill"
out=$(bash -c ". '$root/usr/share/bash-completion/completions/warroom'; COMP_WORDS=(warroom drill --sp); COMP_CWORD=2; _warroom; echo \"\${COMPREPLY[*]}\"")
check "  ... and the drill's options (--sp: --speed)" test "$out" = "--speed"
