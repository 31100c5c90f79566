# The postmortem's Markdown, read by a real CommonMark/GFM renderer (Debian's
# cmark-gfm, tools/deps.sh). What people search for stays as written, so grep
# finds it in the committed file; and hostile text in every field is inert:
# the HTML has exactly the elements it has with plain words in the same
# fields (no heading, list, quote, code, emphasis, link, image, footnote, raw
# HTML, table row or cell that the template did not write), and every table
# row keeps its header's number of cells.
src_root=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)
[ -f "$src_root/tools/npm-deps.sh" ] || src_root=${WARROOM_SOURCE_DIR:-}
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2025-03-15T16:00:00Z
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE EDITOR VISUAL
git config --global user.name "Test Author"
git config --global user.email "author@example.test"
git config --global init.defaultBranch main

check "cmark-gfm is installed (tools/deps.sh)" command -v cmark-gfm
# markdownlint-cli as test_postmortem.sh installs it (tools/npm-deps.sh)
markdownlint="$src_root/build/npm/node_modules/.bin/markdownlint"
check "markdownlint-cli is installed (tools/npm-deps.sh)" sh -c "'$src_root/tools/npm-deps.sh' >'$scratch/npm.log' 2>&1"
lint() {  # FILE: markdownlint's default rules but MD013 (line length)
    "$markdownlint" --disable MD013 -- "$1" >"$scratch/lint.out" 2>&1 && return 0
    sed 's/^/#   /' "$scratch/lint.out" | head -20
    return 1
}
# --unsafe: raw HTML is passed through rather than hidden, so any that got
# into the Markdown shows; the extensions are GitHub's.
html() {  # FILE.md -> FILE.html
    cmark-gfm --unsafe -e table -e strikethrough -e autolink -e tagfilter -e footnotes "$1" >"${1%.md}.html"
}
# The element structure of an HTML file: its tags, in order, text dropped.
skeleton() {  # FILE.html
    grep -o '<[^>]*>' "$1"
}
# Every row of every table has as many cells as its header row.
cells_ok() {  # FILE.html
    awk '
        /^<table>/ { header = -1 }
        /^<tr>/ { n = 0 }
        /^<t[hd][ >]/ { n++ }
        /^<\/tr>/ { if (header < 0) header = n; else if (n != header) { bad = 1; print "#   a row of " n " cells under a header of " header } }
        END { exit bad }' "$1"
}

# record TITLE TEXT NAME: one incident with TEXT in every field and NAME in
# every name; the id on stdout
record() {
    id=$(wr open --sev 2 --title "$1" --impact "$2" --at 14:25 --as "$3") || return 1
    {
        wr --incident "$id" log --at 14:20 --as "$3" --type alert "$2"
        wr --incident "$id" log --at 14:30 --as "$3" "$2"
        wr --incident "$id" role ic "$3" --at 14:31
        wr --incident "$id" role comms "$3" --at 14:31
        wr --incident "$id" sev 1 --why "$2" --at 14:32
        wr --incident "$id" update identified "$2" --at 14:40
        wr --incident "$id" page "$2" --why "$2" --at 14:41
        wr --incident "$id" mitigate "$2" --at 14:50
        wr --incident "$id" action add "$2" --owner "$3" --due 2025-03-22 --at 14:51
        wr --incident "$id" resolve "$2" --at 15:00
    } >"$scratch/record.log" 2>&1 || return 1
    echo "$id"
}

# ---- grep finds what people search for ----
seeded() {  # DIR
    git init -q "$1" && echo "runbooks" >"$1/README" && git -C "$1" add README && git -C "$1" commit -q -m initial
}
seeded "$scratch/platform"
words="HighErrorBudgetBurnRate_Fast fired after Deploy #4521; p99 went 30s -> 3s, kube_pod_status_ready <= 2"
id=$(record "Checkout latency" "$words" "dave")
check "an incident with identifiers in every field is recorded" test -n "$id"
expect_status 0 "its postmortem is committed" wr --incident "$id" --repo "$scratch/platform" postmortem --commit
cd "$scratch/platform" || exit 1
check "grep -r HighErrorBudgetBurnRate_Fast postmortems/ finds it" sh -c "grep -r HighErrorBudgetBurnRate_Fast postmortems/ >'$scratch/grep.out'"
check "  ... on the timeline's rows and in the impact" test "$(grep -c 'HighErrorBudgetBurnRate_Fast fired after Deploy #4521; p99 went 30s -> 3s, kube_pod_status_ready <= 2' "$scratch/grep.out")" -ge 10
check "  ... 'Deploy #4521' and '30s -> 3s' are found as written" sh -c "grep -rqF 'Deploy #4521' postmortems/ && grep -rqF '30s -> 3s' postmortems/"
check "  ... and no backslash was put into them" sh -c "! grep -rqE 'Rate\\\\_|\\\\#4521|-\\\\>|\\\\<=' postmortems/"
cd "$scratch" || exit 1
git -C "$scratch/platform" show main:postmortems/2025-03-15-checkout-latency.md >"$scratch/words.md"
html "$scratch/words.md"
check "  ... and the renderer shows them as written, too" sh -c "grep -qF 'HighErrorBudgetBurnRate_Fast fired after Deploy #4521; p99 went 30s -&gt; 3s, kube_pod_status_ready &lt;= 2' '$scratch/words.html'"

# ---- hostile text is inert ----
# Each text ends in a word of its own: a renderer drops a table row's excess
# cells, so a broken row shows as text that went missing, not as extra cells.
plain=$(record "Plain title TEXTEND" "plain words TEXTEND" "plain NAMEEND")
wr --incident "$plain" postmortem >"$scratch/plain.md" 2>/dev/null
html "$scratch/plain.md"
skeleton "$scratch/plain.html" >"$scratch/plain.tags"
check "the plain postmortem renders with its tables" test "$(grep -c '^<table>' "$scratch/plain.html")" -eq 4
check "  ... whose rows keep their cells" cells_ok "$scratch/plain.html"
check "  ... and show each field's text" test "$(grep -o TEXTEND "$scratch/plain.html" | wc -l)" -ge 10


n=0
hostile_case() {  # TEXT NAME: renders, compares with the plain skeleton
    n=$((n + 1))
    h=$(record "$1 TEXTEND" "$1 TEXTEND" "$2 NAMEEND")
    wr --incident "$h" postmortem >"$scratch/h$n.md" 2>/dev/null
    html "$scratch/h$n.md"
    skeleton "$scratch/h$n.html" >"$scratch/h$n.tags"



    check "hostile text $n: the HTML has exactly the plain postmortem's elements" sh -c "
        diff '$scratch/plain.tags' '$scratch/h$n.tags' >'$scratch/diff' && exit 0
        sed 's/^/#   /' '$scratch/diff' | head -10; exit 1"
    check "  ... every table row keeps its cells" cells_ok "$scratch/h$n.html"
    check "  ... and all of its text: each field's last word is there" sh -c "
        test \$(grep -o TEXTEND '$scratch/h$n.html' | wc -l) -eq \$(grep -o TEXTEND '$scratch/plain.html' | wc -l) &&
        test \$(grep -o NAMEEND '$scratch/h$n.html' | wc -l) -eq \$(grep -o NAMEEND '$scratch/plain.html' | wc -l)"
    check "  ... no script, image, link out or raw HTML" sh -c "
        ! grep -Eqi '<script|<img|<iframe|<b>|<a href=\"[^#]|<!--' '$scratch/h$n.html'"

    check "  ... passes markdownlint" lint "$scratch/h$n.md"
    check "  ... no ESC or BEL" sh -c "! grep -q \"\$(printf '\\033')\" '$scratch/h$n.md' && ! grep -q \"\$(printf '\\007')\" '$scratch/h$n.md'"
}
hostile_case "$(printf '| pipe | cell\n# heading\n<script>alert(1)</script> [x](http://evil.example/a) ![i](http://evil.example/i.png) \033[31mred\033[0m \033]0;title\007 *em* `code` ~~s~~ &amp; $x$\n---\n1. list\n> quote |')" \
    "$(printf '<b>|eve|</b> [x](http://evil) # \033[2J')"
hostile_case "$(printf 'a*b*c _x_ **y** __z__ ~one~ <http://evil> <b>bold</b> <!-- c --> <?php ?> &#x3c; &lt;\n![i](u) [^ttd] [l][r] [r]: http://evil\nx\\\\ \\\\* \\\\\n- item\n+ item\n* item\n2) item\n===\n~~~\ncode\n```')" \
    "$(printf '* eve_ <i>x</i>')"
hostile_case "$(printf 'a | b\n--- | ---\n| c | d |\n#\n-\n1.\n>\nend \\\\')" \
    "$(printf '#')"
hostile_case "$(printf 'www.evil.example me@evil.example mailto:me@evil.example https://evil.example/x?y=1 ftp://evil\n<a href=\"http://evil\">x</a> <img src=x onerror=alert(1)>\n*emph*_under_ ***x*** a **b** c \\\\_ \\\\|')" \
    "$(printf 'ev|il')"
