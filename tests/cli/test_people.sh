# The people directory: found where the policy is (the platform repo's working
# tree, else its branch, so a bare clone works), or named by the config; a
# mistake in it is an error that names the file and the key, never a silent
# miss; nothing in it reaches the terminal unchecked.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"

team='{"people": {"carol": {"name": "Carol Diaz", "slack": "U024BE7LH", "email": "carol@example.com"},
                  "Dan": {"pagerduty": "PDAN01", "linear": "8f5c2d9e-1b3a-4c6d-9e8f-0a1b2c3d4e5f"}}}'

mkdir -p "$scratch/none"
cd "$scratch/none" || exit 1
expect_status 0 "no platform repo: an empty directory, not an error" wr people
check "  ... which says where one goes" grep -q "add .warroom/people.json" "$scratch/out"
wr people --json > "$scratch/none.json"
check "  ... and is empty in JSON" sh -c "jq -e '.people == {} and .source == null' '$scratch/none.json' > /dev/null"

git init -q "$scratch/repo" && mkdir -p "$scratch/repo/.warroom" "$scratch/repo/sub"
printf '%s\n' "$team" > "$scratch/repo/.warroom/people.json"
cd "$scratch/repo/sub" || exit 1
expect_status 0 "the working tree's .warroom/people.json is read" wr people
check "  ... every person, names aligned, sorted" sh -c "sed -n 2,3p '$scratch/out' | tr -s ' ' | grep -c . | grep -qx 2 &&
    sed -n 2p '$scratch/out' | grep -q '^  carol  \"Carol Diaz\"  slack U024BE7LH  email carol@example.com\$' &&
    sed -n 3p '$scratch/out' | grep -q '^  Dan    linear 8f5c2d9e-1b3a-4c6d-9e8f-0a1b2c3d4e5f  pagerduty PDAN01\$'"
check "  ... naming its source" sh -c "head -1 '$scratch/out' | grep -q '^people: .*repo/.warroom/people.json\$'"
wr people DAN --json > "$scratch/dan.json"
check "one person, the name matched without regard to case" \
    sh -c "jq -e '.pagerduty == \"PDAN01\" and (.slack | not)' '$scratch/dan.json' > /dev/null"
expect_status 1 "someone not in it is an error for 'people NAME'" wr people frank
check "  ... that names the directory" grep -q "frank is not in the people directory (.*people.json)" "$scratch/err"

git -C "$scratch/repo" add .warroom && git -C "$scratch/repo" -c user.name=t -c user.email=t@t commit -qm people
git clone -q --bare "$scratch/repo" "$scratch/bare.git"
cd "$scratch/bare.git" || exit 1
expect_status 0 "a bare clone: the branch's copy is read" wr people carol
check "  ... and says so" sh -c "'$WARROOM' people | head -1 | grep -q 'people: .warroom/people.json (master\|main)'"

# a working-tree change wins over the committed file, so a team can try it
cd "$scratch/repo/sub" || exit 1
printf '{"people": {"carol": {"slak": "U1"}}}\n' > "$scratch/repo/.warroom/people.json"
expect_status 1 "a typo in a key is an error" wr people
check "  ... naming the file, the person and the key" \
    grep -q "repo/.warroom/people.json: people.carol: unknown key \"slak\"" "$scratch/err"
printf '{"people": {"carol": {"slack": "<!channel>"}}}\n' > "$scratch/repo/.warroom/people.json"
expect_status 1 "an id not of its system's form is refused (no mention smuggled in)" wr people
check "  ... saying what was expected" grep -q "people.carol.slack is not a Slack user id" "$scratch/err"
printf '{"people": {"ca\033[2Jrol": {}}}\n' > "$scratch/repo/.warroom/people.json"
expect_status 1 "a name with an escape sequence is refused" wr people
check "  ... and the error shows no raw escape" sh -c "! grep -q \"\$(printf '\\033')\" '$scratch/err'"
mkfifo "$scratch/repo/.warroom/fifo.json"
rm "$scratch/repo/.warroom/people.json" && ln -s fifo.json "$scratch/repo/.warroom/people.json"
expect_status 1 "a FIFO in its place fails at once instead of hanging" timeout 10 "$WARROOM" people

# the config overrides the repo: the map itself, or a file's path
printf '{"people": {"erin": {"phone": "+493012345678"}}}\n' > "$scratch/conf-inline.json"
WARROOM_CONFIG="$scratch/conf-inline.json" wr people > "$scratch/inline.out" 2>&1
check "the config's people map replaces the repo's" grep -q "^  erin  phone +493012345678\$" "$scratch/inline.out"
printf '%s\n' "$team" > "$scratch/team.json"
printf '{"people": "%s"}\n' "$scratch/team.json" > "$scratch/conf-path.json"
WARROOM_CONFIG="$scratch/conf-path.json" wr people carol > "$scratch/path.out" 2>&1
check "  ... or a file the config names" grep -q "slack U024BE7LH" "$scratch/path.out"
printf '{"people": 7}\n' > "$scratch/conf-bad.json"
WARROOM_CONFIG="$scratch/conf-bad.json" expect_status 1 "people in the config that is neither is an error" wr people
check "  ... saying what it must be" grep -q "people must be an object or a file path" "$scratch/err"
