/* cli_policy — the team's files: `warroom policy` checks and prints the
 * policy in force (or FILE, or the built-in one), `warroom people` the people
 * directory. Rows of the verb table (src/cli_main.c). */
#include "warroom/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>
#include <jansson.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/check.h"
#include "warroom/clock.h"
#include "warroom/config.h"
#include "warroom/describe.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/file.h"
#include "warroom/incident.h"
#include "warroom/log.h"
#include "warroom/outbox.h"
#include "warroom/people.h"
#include "warroom/policy.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/text.h"


int cli_policy(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    int rc;
    if (o->nargs > 1)
        return cli_usage_error("policy takes at most one FILE");
    if (o->builtin) {
        rc = policy_builtin(&c->s.policy);
    } else if (o->nargs == 1) {
        struct buf text = BUF_INIT;
        rc = session_read_file(&text, o->args[0], 1024 * 1024);
        if (rc == 0)
            rc = policy_parse(&c->s.policy, buf_str(&text), text.len, o->args[0]);
        buf_free(&text);
    } else {
        rc = session_load_policy(&c->s);
    }
    if (rc < 0)
        return cli_fail();
    c->s.have_policy = true;
    if (o->json)
        return cli_print_json(policy_to_json(&c->s.policy)) < 0 ? EXIT_FAILURE : 0;
    printf("policy: %s\n", c->s.policy.source);
    for (size_t i = 0; i < c->s.policy.nlevels; i++) {
        const struct severity_level *l = &c->s.policy.levels[i];
        char a[32], u[32], m[32];
        printf("  %-6s %-10s ack %-7s update %-7s mitigate %s\n", l->name, l->label ? l->label : "",
               l->ack_within ? stamp_format_span(a, sizeof a, l->ack_within) : "-",
               l->update_every ? stamp_format_span(u, sizeof u, l->update_every) : "-",
               l->mitigate_within ? stamp_format_span(m, sizeof m, l->mitigate_within) : "-");
    }
    for (size_t i = 0; i < c->s.policy.nrules; i++)
        printf("  rule %-18s %s\n", c->s.policy.rules[i].id, c->s.policy.rules[i].label);
    const struct intake_policy *in = &c->s.policy.intake;
    printf("  intake: the open incident of label %s, else declare by label %s:", in->service_label,
           in->severity_label);
    for (size_t i = 0; i < in->ndeclare; i++) {
        const struct severity_level *l = policy_level(&c->s.policy, in->declare[i].sev);
        printf("%s %s %s", i ? "," : "", in->declare[i].value, l ? l->name : "?");
    }
    printf("%s; else %s\n", in->ndeclare ? "" : " none", in->record ? "the current incident" : "ignore");
    return 0;
}


static json_t *person_json(const struct person *who)
{
    json_t *o = json_object();
    if (who->display)
        json_object_set_new(o, "name", json_string(who->display));
    for (int s = 0; s < PEOPLE_SYSTEM_COUNT; s++)
        if (who->id[s])
            json_object_set_new(o, people_system_name((enum people_system)s), json_string(who->id[s]));
    return o;
}

static void person_print(const struct person *who, int width)
{
    printf("  %-*s", width, who->name);
    if (who->display)
        printf("  \"%s\"", who->display);
    for (int s = 0; s < PEOPLE_SYSTEM_COUNT; s++)
        if (who->id[s])
            printf("  %s %s", people_system_name((enum people_system)s), who->id[s]);
    putchar('\n');
}

int cli_people(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    struct people p;
    if (o->nargs > 1)
        return cli_usage_error("people takes at most one NAME");
    if (session_load_people(&c->s, &p) < 0)
        return cli_fail();
    int rc = 0;
    if (o->nargs == 1) {
        const struct person *who = people_find(&p, o->args[0]);
        if (!who) {
            error_set("%.64s is not in the people directory (%s)", o->args[0],
                      p.source ? p.source : "none: .warroom/people.json in the platform repo, or \"people\" in the config");
            rc = cli_fail();
        } else if (o->json) {
            rc = cli_print_json(person_json(who)) < 0 ? EXIT_FAILURE : 0;
        } else {
            person_print(who, (int)strlen(who->name));
        }
    } else if (o->json) {
        json_t *all = json_object();
        for (size_t i = 0; i < p.n; i++)
            json_object_set_new(all, p.list[i].name, person_json(&p.list[i]));
        json_t *doc = json_pack("{s:o?,s:o}", "source", p.source ? json_string(p.source) : NULL, "people", all);
        rc = cli_print_json(doc) < 0 ? EXIT_FAILURE : 0;
    } else if (!p.source) {
        printf("people: none (add .warroom/people.json to the platform repo, or \"people\" to the config)\n");
    } else {
        int width = 0;
        for (size_t i = 0; i < p.n; i++)
            if ((int)strlen(p.list[i].name) > width)
                width = (int)strlen(p.list[i].name);
        printf("people: %s\n", p.source);
        for (size_t i = 0; i < p.n; i++)
            person_print(&p.list[i], width);
    }
    people_free(&p);
    return rc;
}
