/* cli_main — the command line's entry: the verb table, the session a verb
 * runs in, and cli_main, which parses, opens the session and runs the verb's
 * row. The verbs live in their files (src/cli.c, src/cli_show.c,
 * src/cli_policy.c, src/cli_postmortem.c, src/cli_publish.c, src/cli_sync.c); what they
 * share in src/cli_common.c. */
#include "warroom/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/checkpoint.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/outbox.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"

#define WARROOM_VERSION "0.1"

int (*cli_console)(struct session *s);

/* ---- the verb table ---- */

/* One row per verb, in the order `warroom help` lists them: its name, its
 * handler, its lines of help and its one-line synopsis (the man page's),
 * whether it records an event (then it takes --at and --as) and publishes
 * it (then --wait), and its own options. Adding a verb: its file, its value
 * in enum verb, its row here. */
#define OPTIONS(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct cli_verb cli_verbs[VERB_COUNT] = {
    [VERB_NONE] = {.verb = VERB_NONE, .name = ""},
    [VERB_OPEN] = {.verb = VERB_OPEN, .name = "open", .run = cli_open, .records = true, .publishes = true,
                   .usage = "open --sev N --title TEXT [--impact TEXT] [--service NAME] [--data-exposed]",
                   .help = "  open --sev N --title TEXT [--impact TEXT] [--service NAME] [--data-exposed]\n"
                           "                                          declare; prints the id (--service: the service\n"
                           "                                          it concerns, whose alerts intake attaches to it)\n",
                   .options = OPTIONS("--sev", "--title", "--impact", "--service", "--data-exposed")},
    [VERB_LOG] = {.verb = VERB_LOG, .name = "log", .run = cli_record_verb, .records = true, .publishes = true,
                  .usage = "log [--type note|alert|impact] [--name ALERT] [--service NAME] TEXT",
                  .help = "  log [--type note|alert|impact] [--name ALERT] [--service NAME] TEXT\n"
                          "                                          a timeline entry (TEXT \"-\": read standard input;\n"
                          "                                          --name: the alert's name, which picks its runbook;\n"
                          "                                          --service: the alert's service)\n",
                  .options = OPTIONS("--type", "--name", "--service")},
    [VERB_SEV] = {.verb = VERB_SEV, .name = "sev", .run = cli_record_verb, .records = true, .publishes = true,
                  .usage = "sev N [--why TEXT] [--data-exposed]",
                  .help = "  sev N [--why TEXT] [--data-exposed]     change the severity\n",
                  .options = OPTIONS("--why", "--data-exposed")},
    [VERB_ROLE] = {.verb = VERB_ROLE, .name = "role", .run = cli_record_verb, .records = true, .publishes = true,
                   .usage = "role ROLE NAME",
                   .help = "  role ROLE NAME                          ROLE: ic comms ops scribe sme (sme -NAME removes)\n"},
    [VERB_ACK] = {.verb = VERB_ACK, .name = "ack", .run = cli_record_verb, .records = true, .publishes = true,
                  .usage = "ack",
                  .help = "  ack                                     acknowledge\n"},
    [VERB_UPDATE] = {.verb = VERB_UPDATE, .name = "update", .run = cli_record_verb, .records = true, .publishes = true,
                     .usage = "update STATE [TEXT]",
                     .help = "  update STATE [TEXT]                     STATE: investigating identified monitoring resolved\n"
                             "                                          (no TEXT: the state's template)\n"},
    [VERB_PAGE] = {.verb = VERB_PAGE, .name = "page", .run = cli_record_verb, .records = true, .publishes = true,
                   .usage = "page TARGET [--why TEXT]",
                   .help = "  page TARGET [--why TEXT]                page someone\n",
                   .options = OPTIONS("--why")},
    [VERB_MITIGATE] = {.verb = VERB_MITIGATE, .name = "mitigate", .run = cli_record_verb, .records = true,
                       .publishes = true, .usage = "mitigate [TEXT]",
                       .help = "  mitigate [TEXT]                         the impact is stopped\n"},
    [VERB_RESOLVE] = {.verb = VERB_RESOLVE, .name = "resolve", .run = cli_record_verb, .records = true,
                      .publishes = true, .usage = "resolve [TEXT]",
                      .help = "  resolve [TEXT]                          the incident is over\n"},
    [VERB_REOPEN] = {.verb = VERB_REOPEN, .name = "reopen", .run = cli_record_verb, .records = true,
                     .publishes = true, .usage = "reopen [TEXT]",
                     .help = "  reopen [TEXT]                           it is not over after all\n"},
    [VERB_ACTION] = {.verb = VERB_ACTION, .name = "action", .run = cli_action, .records = true, .publishes = true,
                     .usage = "action add TEXT --owner NAME --due DATE [--priority P1|P2|P3] [--kind mitigate|prevent]\n"
                              "action set ID [--status open|done|wontfix] [--owner NAME] [--due DATE] [--priority P] [--text TEXT]",
                     .help = "  action add TEXT --owner NAME --due DATE [--priority P1|P2|P3] [--kind mitigate|prevent]\n"
                             "  action set ID [--status open|done|wontfix] [--owner ..] [--due ..] [--priority ..] [--text ..]\n",
                     .options = OPTIONS("--owner", "--due", "--priority", "--kind", "--status", "--text")},
    [VERB_EDIT] = {.verb = VERB_EDIT, .name = "edit", .run = cli_record_verb, .records = true, .publishes = true,
                   .usage = "edit EVENT-ID [--text TEXT] [--time TIME]",
                   .help = "  edit EVENT-ID [--text TEXT] [--time TIME]   correct an entry (the original is kept);\n"
                           "                                          the id as 'show' prints it (a unique prefix)\n",
                   .options = OPTIONS("--text", "--time")},
    [VERB_SHOW] = {.verb = VERB_SHOW, .name = "show", .run = cli_show, .usage = "show [--json]",
                   .help = "  show [--json]                           the replayed state and its clocks\n",
                   .options = OPTIONS("--json")},
    [VERB_LIST] = {.verb = VERB_LIST, .name = "list", .run = cli_list, .usage = "list [--json] [--remote [--all]]",
                   .help = "  list [--json] [--remote [--all]]        incidents, open first (--remote: the remote's; --all: past too)\n",
                   .options = OPTIONS("--json", "--remote", "--all", "--wait")},
    [VERB_POLICY] = {.verb = VERB_POLICY, .name = "policy", .run = cli_policy, .usage = "policy [--builtin] [FILE]",
                     .help = "  policy [--builtin] [FILE]               check and print the policy in force\n",
                     .options = OPTIONS("--json", "--builtin")},
    [VERB_HELP] = {.verb = VERB_HELP, .name = "help"},
    [VERB_POSTMORTEM] = {.verb = VERB_POSTMORTEM, .name = "postmortem", .run = cli_postmortem,
                         .usage = "postmortem [--out FILE] [--json] [--template FILE] [--edit] [--commit] [--push] [--force]",
                         .help = "  postmortem [--out FILE] [--json] [--template FILE] [--edit] [--commit] [--push] [--force]\n",
                         .options = OPTIONS("--json", "--out", "--template", "--edit", "--commit", "--push", "--force")},
    [VERB_FLUSH] = {.verb = VERB_FLUSH, .name = "flush", .run = cli_flush, .usage = "flush [--wait SECONDS]",
                    .help = "  flush [--wait SECONDS]                  deliver what is still to publish to the sinks\n",
                    .options = OPTIONS("--wait")},
    [VERB_VERSION] = {.verb = VERB_VERSION, .name = "version"},
    [VERB_SYNC] = {.verb = VERB_SYNC, .name = "sync", .run = cli_sync, .usage = "sync [--wait SECONDS]",
                   .help = "  sync [--wait SECONDS]                   one round with the other hosts: push ours, fetch theirs\n",
                   .options = OPTIONS("--wait")},
    [VERB_JOIN] = {.verb = VERB_JOIN, .name = "join", .run = cli_join, .usage = "join ID",
                   .help = "  join ID                                 follow an incident declared on another host\n",
                   .options = OPTIONS("--wait")},
    [VERB_PEOPLE] = {.verb = VERB_PEOPLE, .name = "people", .run = cli_people, .usage = "people [--json] [NAME]",
                     .help = "  people [--json] [NAME]                  check and print the people directory\n",
                     .options = OPTIONS("--json")},
    [VERB_REPORT] = {.verb = VERB_REPORT, .name = "report", .run = cli_report,
                     .usage = "report [--since DATE] [--until DATE] [--format table|markdown|json|csv] [--output FILE] [--drills] [--remote]",
                     .help = "  report [--since DATE] [--until DATE] [--format table|markdown|json|csv] [--output FILE] [--drills] [--remote]\n"
                             "                                          time to detect/ack/mitigate/resolve across incidents\n",
                     .options = OPTIONS("--since", "--until", "--format", "--output", "--drills", "--remote", "--wait")},
    [VERB_STATUS] = {.verb = VERB_STATUS, .name = "status", .run = cli_status,
                     .usage = "status [--format tmux|plain|json]",
                     .help = "  status [--format tmux|plain|json]       one line for tmux's status-right\n",
                     .options = OPTIONS("--format")},
    [VERB_RUNBOOK] = {.verb = VERB_RUNBOOK, .name = "runbook", .run = cli_runbook, .usage = "runbook [NAME]",
                      .help = "  runbook [NAME]                          the runbook for the incident's alerts, or for NAME\n"},
    [VERB_EMAIL] = {.verb = VERB_EMAIL, .name = "email", .run = cli_email,
                    .usage = "email [--json] [--template FILE] [--edit] [--send [--force]]",
                    .help = "  email [--json] [--template FILE] [--edit] [--send [--force]]   the customer email: print, edit, send once\n",
                    .options = OPTIONS("--json", "--template", "--edit", "--send", "--force", "--as")},
    [VERB_INTAKE] = {.verb = VERB_INTAKE, .name = "intake", .run = cli_intake, .publishes = true,
                     .usage = "intake [--format alertmanager|grafana|pagerduty] FILE|-",
                     .help = "  intake [--format alertmanager|grafana|pagerduty] FILE|-   record a webhook payload's alerts\n",
                     .options = OPTIONS("--format")},
    [VERB_LISTEN] = {.verb = VERB_LISTEN, .name = "listen", .run = cli_listen, .usage = "listen [--addr HOST:PORT]",
                     .help = "  listen [--addr HOST:PORT]               receive alert webhooks (default 127.0.0.1:9095)\n",
                     .options = OPTIONS("--addr")},
    [VERB_ACTIONS] = {.verb = VERB_ACTIONS, .name = "actions", .run = cli_actions, .records = true,
                      .usage = "actions [--sync]",
                      .help = "  actions [--sync]                        the action items and their tickets (--sync: read the\n"
                              "                                          tickets' states back from Linear)\n",
                      .options = OPTIONS("--sync", "--wait")},
    [VERB_DRILL] = {.verb = VERB_DRILL, .name = "drill", .run = cli_drill,
                    .usage = "drill INCIDENT|FILE [--speed N] [--publish SINK,...]",
                    .help = "  drill INCIDENT|FILE [--speed N] [--publish SINK,...]\n"
                            "                                          a game day: an incident or scenario played again\n",
                    .options = OPTIONS("--speed", "--publish", "--as", "--wait")},
};

/* ---- context: the session a verb runs in ---- */

static void warn_stderr(const char *message)
{
    fprintf(stderr, "warroom: warning: %s\n", message);
}

static int context_open(struct cli_context *c, struct cli_options *o, bool need_store)
{
    memset(c, 0, sizeof *c);
    c->opts = o;
    c->common = (struct session_options){
        .dir = o->dir, .incident = o->incident, .repo = o->repo, .config = o->config, .as = o->as,
        .template_path = o->template_path, .theme = o->theme, .force = o->force, .push = o->push,
    };
    return session_open(&c->s, &c->common, need_store, warn_stderr);
}

static void context_free(struct cli_context *c)
{
    session_close(&c->s);
}

/* WARROOM_STATS=FILE: how much replaying this process did, appended to FILE
 * for the tests that hold it to none (see incident_count_loads). */
void cli_write_stats(void)
{
    const char *path = getenv("WARROOM_STATS");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    /* first: scripts take the last line for the loads */
    fprintf(f, "repositories opened %lu\n", repo_count_opens());
    fprintf(f, "outbox builds %lu scans %lu\n", outbox_count_builds(), outbox_count_scans());
    fprintf(f, "checkpoints restored %lu written %lu\n", checkpoint_count_restores(), checkpoint_count_writes());
    fprintf(f, "loads %lu derives %lu\n", incident_count_loads(), incident_count_derives());
    fclose(f);
}

int cli_main(int argc, char **argv)
{
    struct cli_options o = {0};
    enum verb verb;
    struct cli_context c;
    int rc = cli_parse_args(&o, &verb, cli_verbs, VERB_COUNT, argc, argv);
    if (rc)
        return rc;
    if (verb == VERB_HELP) {
        struct buf help = BUF_INIT;
        cli_help(&help, cli_verbs, VERB_COUNT);
        fputs(buf_str(&help), stdout);
        buf_free(&help);
        return 0;
    }
    if (verb == VERB_VERSION) {
        printf("warroom %s\n", WARROOM_VERSION);
        return 0;
    }
    if (stamp_check_now() < 0)
        return cli_fail();
    double wait_s;
    if (o.wait && cli_parse_wait(o.wait, &wait_s) != 0)
        return EXIT_USAGE;                /* checked before anything is recorded */
    if (o.at) {
        int64_t at;
        if (stamp_parse_user(&at, o.at, stamp_now()) < 0)
            return cli_usage_error("--at: %s", error_last());
    }
    bool console = verb == VERB_NONE && cli_console;
    if (verb == VERB_NONE)
        verb = VERB_SHOW;
    bool need_store = verb != VERB_POLICY && verb != VERB_PEOPLE;
    if (context_open(&c, &o, need_store) < 0) {
        rc = cli_fail();
        context_free(&c);
        return rc;
    }
    c.verb = verb;
    rc = console ? cli_console(&c.s) : cli_verbs[verb].run(&c);
    if (c.s.recorded[0])
        cli_sync_after(&c, c.s.recorded);
    context_free(&c);
    cli_write_stats();
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "warroom: cannot write the output: %s\n", strerror(errno));
        rc = EXIT_FAILURE;
    }
    return rc;
}
