/* cli_intake — the verbs that take alerts from monitoring: `intake` reads one
 * webhook payload from a file or standard input, `listen` receives them over
 * HTTP until SIGTERM or SIGINT. Both record through intake_route, so a
 * payload read either way lands the same. */
#include "warroom/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/intake.h"
#include "warroom/intake_route.h"
#include "warroom/listen.h"
#include "warroom/log.h"

static int read_payload(struct buf *out, const char *path)
{
    if (strcmp(path, "-") != 0)
        return session_read_file(out, path, INTAKE_PAYLOAD_MAX);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        buf_add(out, chunk, n);
        if (out->len > INTAKE_PAYLOAD_MAX)
            return error_set("the payload on standard input is larger than %d KiB: nothing was read",
                             INTAKE_PAYLOAD_MAX / 1024);
    }
    if (ferror(stdin))
        return error_set_errno("cannot read standard input");
    return 0;
}

int cli_intake(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    enum intake_format format = INTAKE_DETECT;
    if (o->nargs != 1)
        return cli_usage_error("intake needs one FILE (or - for standard input) holding a webhook payload");
    if (o->format) {
        int f = intake_format_from_name(o->format);
        if (f <= INTAKE_DETECT)
            return cli_usage_error("--format is alertmanager, grafana or pagerduty, not \"%.20s\"", o->format);
        format = (enum intake_format)f;
    }
    struct buf body = BUF_INIT;
    struct intake_batch batch;
    struct intake_report report;
    int rc = EXIT_FAILURE;
    if (read_payload(&body, o->args[0]) < 0 || session_load_policy(&c->s) < 0) {
        buf_free(&body);
        return cli_fail();
    }
    struct intake_labels labels = {c->s.policy.intake.service_label, c->s.policy.intake.severity_label};
    if (intake_parse(&batch, buf_str(&body), body.len, format, &labels) < 0) {
        buf_free(&body);
        return cli_fail();
    }
    buf_free(&body);
    if (intake_route_batch(&c->s, &batch, &report) < 0) {
        intake_batch_free(&batch);
        return cli_fail();
    }
    size_t bad = 0;
    for (size_t i = 0; i < report.n; i++) {
        const struct intake_alert *a = &batch.alerts[i];
        const struct intake_result *res = &report.results[i];
        /* every string here was cleaned by intake */
        printf("%-8s %-12s %-8s %s%s%s%s", intake_outcome_name(res->outcome), a->source,
               a->status == INTAKE_ACKNOWLEDGED ? "acked" : intake_status_name(a->status), a->name,
               *a->service ? " [" : "", a->service, *a->service ? "]" : "");
        if (*res->incident)
            printf(" in %s", res->incident);
        if (a->cut)
            printf(" (%u label%s cut or left out)", a->cut, a->cut == 1 ? "" : "s");
        putchar('\n');
        if (res->outcome == INTAKE_FAILED || res->outcome == INTAKE_UNPLACED) {
            fprintf(stderr, "warroom: %s %s not recorded: %s\n", intake_status_name(a->status), a->name,
                    res->message ? res->message : "");
            bad++;
        }
    }
    /* an incident declared here is announced as `open` announces one */
    for (size_t i = 0; i < report.n; i++)
        if (report.results[i].outcome == INTAKE_DECLARED)
            cli_publish_pending(c, report.results[i].incident);
    if (batch.skipped)
        printf("skipped  %zu event%s that %s no alert\n", batch.skipped, batch.skipped == 1 ? "" : "s",
               batch.skipped == 1 ? "is" : "are");
    if (batch.cut)
        fprintf(stderr, "warroom: %zu alerts past the first %d were left out\n", batch.cut, INTAKE_ALERTS_MAX);
    rc = bad ? EXIT_FAILURE : 0;
    intake_report_free(&report);
    intake_batch_free(&batch);
    return rc;
}

static void say_stderr(const char *line)
{
    fprintf(stderr, "warroom: listen: %s\n", line);
}

int cli_listen(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    struct listen_settings ls;
    struct listener *l = NULL;
    unsigned port = 0;
    if (o->nargs)
        return cli_usage_error("listen takes no arguments (--addr HOST:PORT says where)");
    if (listen_settings_load(&ls, o->addr) < 0 || session_load_policy(&c->s) < 0) {
        listen_settings_free(&ls);
        return cli_fail();
    }
    /* a log locked by another writer costs a 503 the sender retries, in time
     * for PagerDuty's 5 s, rather than a reply that comes too late */
    if (c->s.lock_wait_ms > LISTEN_LOCK_WAIT_MS) {
        c->s.lock_wait_ms = LISTEN_LOCK_WAIT_MS;
        log_set_lock_wait(LISTEN_LOCK_WAIT_MS);
    }
    /* SIGTERM and SIGINT are taken by sigwait here, blocked before the
     * server's thread starts so that it inherits the mask and never sees them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (listen_start(&l, &c->s, &ls, say_stderr, &port) < 0) {
        listen_settings_free(&ls);
        return cli_fail();
    }
    if (!ls.loopback)
        fprintf(stderr, "warroom: listen: %s is not a loopback address: anyone who can reach it can try\n", ls.host);
    printf("listening on %s%s%s:%u\n", strchr(ls.host, ':') ? "[" : "", ls.host, strchr(ls.host, ':') ? "]" : "",
           port);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    listen_stop(l);                       /* what is in progress finishes first */
    fprintf(stderr, "warroom: listen: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    listen_settings_free(&ls);
    return 0;
}
