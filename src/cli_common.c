/* cli_common — what the verbs share: the one option parser (the same error
 * words for every verb), failing with a message, joining arguments, --at, and
 * the help, completion and man page synopsis written from the verb table the
 * caller passes. It calls no verb and knows no verb's name. */
#include "warroom/cli.h"

#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <math.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/config.h"
#include "warroom/outbox.h"
#include "warroom/event.h"
#include "warroom/stamp.h"

/* ---- options ---- */

/* Every option the command line knows: its name, where it lands in struct
 * cli_options, whether it is a flag. Which verb takes which is the verb's own
 * business (its row in the verb table); the global ones go with any. */
struct option_spec {
    const char *name;
    size_t offset;      /* of the const char * (value) or bool (flag) in struct cli_options */
    bool flag;
    bool global;
};

#define OPT(field) offsetof(struct cli_options, field)
static const struct option_spec option_specs[] = {
    {"--dir", OPT(dir), false, true},
    {"--incident", OPT(incident), false, true},
    {"--repo", OPT(repo), false, true},
    {"--config", OPT(config), false, true},
    {"--theme", OPT(theme), false, true},
    {"--as", OPT(as), false, false},
    {"--at", OPT(at), false, false},
    {"--sev", OPT(sev), false, false},
    {"--title", OPT(title), false, false},
    {"--impact", OPT(impact), false, false},
    {"--data-exposed", OPT(data_exposed), true, false},
    {"--type", OPT(type), false, false},
    {"--why", OPT(why), false, false},
    {"--owner", OPT(owner), false, false},
    {"--due", OPT(due), false, false},
    {"--priority", OPT(priority), false, false},
    {"--kind", OPT(kind), false, false},
    {"--status", OPT(status), false, false},
    {"--text", OPT(text), false, false},
    {"--time", OPT(time), false, false},
    {"--json", OPT(json), true, false},
    {"--sync", OPT(sync_tickets), true, false},
    {"--builtin", OPT(builtin), true, false},
    {"--out", OPT(out), false, false},
    {"--template", OPT(template_path), false, false},
    {"--edit", OPT(edit), true, false},
    {"--commit", OPT(commit), true, false},
    {"--push", OPT(push), true, false},
    {"--force", OPT(force), true, false},
    {"--wait", OPT(wait), false, false},
    {"--remote", OPT(remote), true, false},
    {"--all", OPT(all), true, false},
    {"--since", OPT(since), false, false},
    {"--until", OPT(until), false, false},
    {"--format", OPT(format), false, false},
    {"--output", OPT(output), false, false},
    {"--drills", OPT(drills), true, false},
    {"--name", OPT(name), false, false},
    {"--service", OPT(service), false, false},
    {"--send", OPT(send), true, false},
    {"--addr", OPT(addr), false, false},
    {"--speed", OPT(speed), false, false},
    {"--publish", OPT(publish), false, false},
};

/* What a recording verb takes besides its own options, and what one that
 * publishes takes. */
static const char *const recording_options[] = {"--as", "--at", NULL};
static const char *const publishing_options[] = {"--wait", NULL};

static bool listed(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

bool cli_verb_takes(const struct cli_verb *v, const char *option)
{
    return listed(v->options, option) || (v->records && listed(recording_options, option)) ||
           (v->publishes && listed(publishing_options, option));
}

static const char usage_head[] =
    "usage: warroom [options] VERB [args]\n"
    "       warroom [options]                  the console (a picker when several are open)\n"
    "\n";
static const char usage_tail[] =
    "\n"
    "Recording verbs take --at TIME (HH:MM[:SS] UTC today, or ISO 8601) and --as NAME.\n"
    "Global: --dir DIR (WARROOM_DIR), --incident ID (WARROOM_INCIDENT), --repo PATH (WARROOM_REPO),\n"
    "        --config FILE (WARROOM_CONFIG), --theme NAME (WARROOM_THEME). See warroom(1).\n"
    "warroom --version prints the version.\n";

void cli_help(struct buf *out, const struct cli_verb *table, size_t n)
{
    buf_adds(out, usage_head);
    for (size_t i = 0; i < n; i++)
        if (table[i].help)
            buf_adds(out, table[i].help);
    buf_adds(out, usage_tail);
}

void cli_completion_bash(struct buf *out, const struct cli_verb *table, size_t n)
{
    buf_adds(out, "# bash completion for warroom, generated from its verb table\n"
                  "# (tools/gen-cli-docs.sh; tests/cli/test_layout.sh checks it agrees).\n"
                  "_warroom()\n{\n"
                  "    local cur=${COMP_WORDS[COMP_CWORD]} verb= i\n"
                  "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                  "        case ${COMP_WORDS[i]} in\n"
                  "        --*) ;;\n"
                  "        *) verb=${COMP_WORDS[i]}; break ;;\n"
                  "        esac\n"
                  "    done\n"
                  "    local global=\"");
    bool first = true;
    for (size_t k = 0; k < sizeof option_specs / sizeof *option_specs; k++)
        if (option_specs[k].global) {
            buf_printf(out, "%s%s", first ? "" : " ", option_specs[k].name);
            first = false;
        }
    buf_adds(out, "\"\n    local words\n    case $verb in\n    '') words=\"");
    first = true;
    for (size_t i = 0; i < n; i++)
        if (table[i].help) {
            buf_printf(out, "%s%s", first ? "" : " ", table[i].name);
            first = false;
        }
    buf_adds(out, " help\" ;;\n");
    for (size_t i = 0; i < n; i++) {
        if (!table[i].help)
            continue;
        buf_printf(out, "    %s) words=\"", table[i].name);
        first = true;
        for (size_t k = 0; k < sizeof option_specs / sizeof *option_specs; k++)
            if (!option_specs[k].global && cli_verb_takes(&table[i], option_specs[k].name)) {
                buf_printf(out, "%s%s", first ? "" : " ", option_specs[k].name);
                first = false;
            }
        buf_adds(out, "\" ;;\n");
    }
    buf_adds(out, "    esac\n"
                  "    COMPREPLY=($(compgen -W \"$words $global\" -- \"$cur\"))\n"
                  "}\n"
                  "complete -F _warroom warroom\n");
}

/* The same words as the bash script, for zsh's completion system: a file
 * named _warroom in a directory of $fpath (autoloaded by compinit), or
 * sourced after compinit (then it registers itself). */
void cli_completion_zsh(struct buf *out, const struct cli_verb *table, size_t n)
{
    buf_adds(out, "#compdef warroom\n"
                  "# zsh completion for warroom, generated from its verb table\n"
                  "# (tools/gen-cli-docs.sh; tests/cli/test_layout.sh checks it agrees).\n"
                  "_warroom()\n{\n"
                  "    local verb= i\n"
                  "    local -a global opts\n"
                  "    for ((i = 2; i < CURRENT; i++)); do\n"
                  "        case ${words[i]} in\n"
                  "        --*) ;;\n"
                  "        *) verb=${words[i]}; break ;;\n"
                  "        esac\n"
                  "    done\n"
                  "    global=(");
    bool first = true;
    for (size_t k = 0; k < sizeof option_specs / sizeof *option_specs; k++)
        if (option_specs[k].global) {
            buf_printf(out, "%s%s", first ? "" : " ", option_specs[k].name);
            first = false;
        }
    buf_adds(out, ")\n    case $verb in\n    '') opts=(");
    first = true;
    for (size_t i = 0; i < n; i++)
        if (table[i].help) {
            buf_printf(out, "%s%s", first ? "" : " ", table[i].name);
            first = false;
        }
    buf_adds(out, " help) ;;\n");
    for (size_t i = 0; i < n; i++) {
        if (!table[i].help)
            continue;
        buf_printf(out, "    %s) opts=(", table[i].name);
        first = true;
        for (size_t k = 0; k < sizeof option_specs / sizeof *option_specs; k++)
            if (!option_specs[k].global && cli_verb_takes(&table[i], option_specs[k].name)) {
                buf_printf(out, "%s%s", first ? "" : " ", option_specs[k].name);
                first = false;
            }
        buf_adds(out, ") ;;\n");
    }
    buf_adds(out, "    esac\n"
                  "    compadd -- $opts $global\n"
                  "}\n"
                  "if [[ $funcstack[1] == _warroom ]]; then\n"
                  "    _warroom \"$@\"\n"
                  "else\n"
                  "    compdef _warroom warroom\n"
                  "fi\n");
}

void cli_man_synopsis(struct buf *out, const struct cli_verb *table, size_t n)
{
    buf_adds(out, ".\\\" The verbs' synopsis: generated from the verb table by tools/gen-cli-docs.sh.\n.nf\n");
    for (size_t i = 0; i < n; i++) {
        if (!table[i].usage)
            continue;
        buf_adds(out, "\\fBwarroom\\fR [\\fIoptions\\fR] ");
        for (const char *c = table[i].usage; *c; c++) {
            if (*c == '\n' && c[1])
                buf_adds(out, "\n\\fBwarroom\\fR [\\fIoptions\\fR] ");
            else if (*c == '-')
                buf_adds(out, "\\-");
            else if (*c == '\\')
                buf_adds(out, "\\e");
            else
                buf_addc(out, *c);
        }
        buf_addc(out, '\n');
    }
    buf_adds(out, ".fi\n");
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_setv(fmt, ap);                  /* the arguments quoted are the user's: made safe there */
    va_end(ap);
    fprintf(stderr, "warroom: %s\nRun 'warroom help' for the verbs and options.\n", error_last());
    return EXIT_USAGE;
}

int cli_fail(void)
{
    fprintf(stderr, "warroom: %s\n", error_last());
    return EXIT_FAILURE;
}

static enum verb verb_from_name(const char *name, const struct cli_verb *table, size_t n)
{
    for (size_t v = 1; v < n; v++)
        if (table[v].name && strcmp(name, table[v].name) == 0)
            return table[v].verb;
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return VERB_HELP;
    if (strcmp(name, "--version") == 0)
        return VERB_VERSION;
    return VERB_NONE;
}

int cli_parse_args(struct cli_options *o, enum verb *verb, const struct cli_verb *table, size_t n, int argc,
                   char **argv)
{
    bool only_args = false;
    *verb = VERB_NONE;
    /* first pass: find the verb, so options can be checked against it */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (a[0] == '-' && a[1] == '-' && strcmp(a, "--help") != 0 && strcmp(a, "--version") != 0) {
            for (size_t k = 0; k < sizeof option_specs / sizeof *option_specs; k++)
                if (strcmp(a, option_specs[k].name) == 0 && !option_specs[k].flag)
                    i++;
            continue;
        }
        *verb = verb_from_name(a, table, n);
        if (*verb == VERB_NONE)
            return cli_usage_error("unknown verb \"%.40s\"", a);
        break;
    }
    bool verb_seen = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_args && strcmp(a, "--") == 0) {
            only_args = true;
            continue;
        }
        if (!only_args && a[0] == '-' && a[1] == '-' && strcmp(a, "--help") != 0 && strcmp(a, "--version") != 0) {
            const struct option_spec *spec = NULL;
            for (size_t k = 0; k < sizeof option_specs / sizeof *option_specs; k++)
                if (strcmp(a, option_specs[k].name) == 0)
                    spec = &option_specs[k];
            if (!spec)
                return cli_usage_error("unknown option %.40s", a);
            if (!spec->global && !cli_verb_takes(&table[*verb], a))
                return cli_usage_error("%s does not go with '%s'", a, *verb ? table[*verb].name : "(no verb)");
            if (spec->flag) {
                *(bool *)((char *)o + spec->offset) = true;
            } else {
                if (i + 1 >= argc)
                    return cli_usage_error("%s needs a value", a);
                *(const char **)((char *)o + spec->offset) = argv[++i];
            }
            continue;
        }
        if (!verb_seen && *verb != VERB_NONE) {
            verb_seen = true;             /* the verb itself */
            continue;
        }
        if (o->nargs == (int)(sizeof o->args / sizeof *o->args))
            return cli_usage_error("too many arguments");
        o->args[o->nargs++] = a;
    }
    return 0;
}

/* All remaining arguments from FROM on, joined by spaces: `warroom log deploy
 * #4521 pushed` needs no quotes. */
char *cli_join_args(const struct cli_options *o, int from)
{
    struct buf b = BUF_INIT;
    if (o->nargs == from + 1 && strcmp(o->args[from], "-") == 0) {
        /* "-": the text comes from standard input (command output, a file);
         * read a little past the record limit so the limit can say no. */
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0 && b.len <= 2 * EVENT_RECORD_MAX)
            buf_add(&b, chunk, n);
        while (b.len && b.data[b.len - 1] == '\n')
            b.data[--b.len] = '\0';
        return buf_detach(&b);
    }
    for (int i = from; i < o->nargs; i++) {
        if (i > from)
            buf_addc(&b, ' ');
        buf_adds(&b, o->args[i]);
    }
    return buf_detach(&b);
}

int cli_parse_when(const struct cli_context *c, int64_t *at)
{
    *at = STAMP_NONE;
    if (!c->opts->at)
        return 0;
    if (stamp_parse_user(at, c->opts->at, c->s.now) < 0)
        return -1;
    if (*at > c->s.now + STAMP_MINUTE)
        return error_set("--at %s is in the future; the timeline records what has happened", c->opts->at);
    return 0;
}

int cli_print_json(json_t *j)
{
    int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 ? 0 : -1;
    fputc('\n', stdout);
    json_decref(j);
    return rc;
}

int cli_parse_wait(const char *text, double *seconds)
{
    char *end;
    double s = strtod(text, &end);
    if (end == text || *end || !isfinite(s) || s < 0 || s > OUTBOX_WAIT_MAX_S)
        return cli_usage_error("--wait is a number of seconds from 0 to %d", OUTBOX_WAIT_MAX_S);
    *seconds = s;
    return 0;
}

int64_t cli_wait_ms(const struct cli_context *c, const char *key, double fallback)
{
    double s = fallback;
    json_t *conf = config_value(&c->s.config, key);
    if (c->opts->wait) {
        if (cli_parse_wait(c->opts->wait, &s) != 0)
            s = fallback;                 /* not reached: cli_main refused it already */
    } else if (json_is_number(conf) && json_number_value(conf) >= 0 && json_number_value(conf) <= OUTBOX_WAIT_MAX_S) {
        s = json_number_value(conf);
    }
    return (int64_t)(s * 1000);
}
