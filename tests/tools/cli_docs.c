/* cli_docs — prints what is written from the verb table: `completion` (the
 * bash completion script), `zsh` (zsh's), `synopsis` (the man page's block of
 * verbs) or `verbs` (each verb with the options it takes, one verb a line), so
 * tools/gen-cli-docs.sh can write them and tests/cli/test_layout.sh can check
 * that the files shipped agree with the binary. */
#include <stdio.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/cli.h"

static const char *const all_options[] = {
    "--as", "--at", "--sev", "--title", "--impact", "--data-exposed", "--type", "--why", "--owner", "--due",
    "--priority", "--kind", "--status", "--text", "--time", "--json", "--builtin", "--out", "--template",
    "--edit", "--commit", "--push", "--force", "--wait", "--speed", "--publish", NULL,
};

int main(int argc, char **argv)
{
    struct buf out = BUF_INIT;
    const char *what = argc == 2 ? argv[1] : "";
    if (strcmp(what, "completion") == 0) {
        cli_completion_bash(&out, cli_verbs, VERB_COUNT);
    } else if (strcmp(what, "zsh") == 0) {
        cli_completion_zsh(&out, cli_verbs, VERB_COUNT);
    } else if (strcmp(what, "synopsis") == 0) {
        cli_man_synopsis(&out, cli_verbs, VERB_COUNT);
    } else if (strcmp(what, "verbs") == 0) {
        for (size_t i = 0; i < VERB_COUNT; i++) {
            if (!cli_verbs[i].help)
                continue;
            buf_adds(&out, cli_verbs[i].name);
            for (size_t k = 0; all_options[k]; k++)
                buf_printf(&out, " %s%s", cli_verb_takes(&cli_verbs[i], all_options[k]) ? "+" : "-",
                           all_options[k]);
            buf_addc(&out, '\n');
        }
    } else {
        fprintf(stderr, "usage: cli_docs completion|zsh|synopsis|verbs\n");
        return 2;
    }
    fputs(buf_str(&out), stdout);
    buf_free(&out);
    return 0;
}
