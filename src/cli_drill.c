/* cli_drill — `warroom drill INCIDENT|FILE`: a game day, run in the
 * foreground. The drill's declaration is recorded at once, then each scripted
 * event of the source when its moment comes (its original pace divided by
 * --speed), a line for each on standard output, while the responders work in
 * the console. Ctrl-C stops it: a note in the drill's timeline says where. */
#include "warroom/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "warroom/drill.h"
#include "warroom/error.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/text.h"

#define EXIT_STOPPED 130       /* stopped by Ctrl-C, as a shell says of it */
#define NAP_MS 100             /* how long one wait lasts before Ctrl-C is looked at again */

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    stop_asked = sig;
}

/* Where the source's events come from: an incident of this machine by its
 * id, else a scenario file; *SCENARIO says which (a file is held to stricter rules). */
static char *source_path(struct cli_context *c, const char *arg, bool *scenario)
{
    struct stat st;
    if (store_valid_id(arg)) {
        char *path = store_log_path(&c->s.store, arg);
        if (lstat(path, &st) == 0) {
            *scenario = false;
            return path;
        }
        free(path);
    }
    if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
        *scenario = true;
        return xstrdup(arg);
    }
    error_set("no incident or scenario file named \"%.80s\" ('warroom list' shows the incidents)", arg);
    return NULL;
}

/* "+8m00s", or "-6m00s" for what came before the declaration */
static void format_offset(char *out, size_t size, int64_t offset)
{
    out[0] = offset < 0 ? '-' : '+';
    stamp_format_span(out + 1, size - 1, offset < 0 ? -offset : offset);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until WAIT_MS past the monotonic moment START: the drill keeps its
 * pace when the wall clock is set (or fixed, WARROOM_NOW) meanwhile. */
static void sleep_until(int64_t start, int64_t wait_ms)
{
    for (int64_t left = start + wait_ms - monotonic_ms(); left > 0 && !stop_asked;
         left = start + wait_ms - monotonic_ms()) {
        int64_t ms = left < NAP_MS ? left : NAP_MS;
        struct timespec nap = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        nanosleep(&nap, NULL);           /* EINTR: Ctrl-C, looked at by the loop */
    }
}

static void say_step(const struct drill_plan *plan, size_t i, int64_t at)
{
    const struct timeline_entry *e = plan->steps[i].entry;
    char off[40], when[STAMP_TEXT_MAX];
    struct buf text = BUF_INIT;
    format_offset(off, sizeof off, plan->steps[i].offset);
    /* the source's words are untrusted: one clean line, bounded */
    text_clean(&text, e->text, strlen(e->text), 0);
    size_t used, fit = text_fit(buf_str(&text), text.len, 60, &used);
    printf("drill: %zu/%zu %s %s (%s in the source): %s %.*s%s\n", i + 1, plan->nsteps, stamp_format_iso_s(when, at),
           event_type_name(e->ev->type), off, *e->ev->by ? e->ev->by : "-", (int)fit, buf_str(&text),
           fit < text.len ? "…" : "");
    fflush(stdout);
    buf_free(&text);
}

/* Ctrl-C: the drill's timeline says where it stopped, for the debrief. */
static void note_stop(struct cli_context *c, const char *id, const struct drill_plan *plan, size_t played)
{
    struct event_draft d;
    char text[256], off[40];
    event_draft_init(&d, EVENT_NOTE, "warroom");
    if (played < plan->nsteps) {
        format_offset(off, sizeof off, plan->steps[played].offset);
        snprintf(text, sizeof text, "Drill stopped after %zu of %zu scripted events; the next was a %s at %s",
                 played, plan->nsteps, event_type_name(plan->steps[played].entry->ev->type), off);
    } else {
        snprintf(text, sizeof text, "Drill stopped after all %zu scripted events", plan->nsteps);
    }
    event_draft_str(&d, "text", text);
    event_draft_str(&d, "drill_stopped", "true");
    if (session_record(&c->s, id, &d) < 0)
        fprintf(stderr, "warroom: the note of where the drill stopped is not recorded: %s\n", error_last());
    fprintf(stderr, "warroom: %s (incident %s stays open)\n", text, id);
    event_draft_free(&d);
}

int cli_drill(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    double speed = 1;
    char publish[DRILL_PUBLISH_MAX] = "", id[STORE_ID_MAX + 1];
    struct drill_plan plan;
    struct event_draft d;
    bool scenario = false;
    int rc = EXIT_FAILURE;
    if (o->nargs != 1)
        return cli_usage_error("drill takes one incident id or scenario file");
    if (o->speed && drill_parse_speed(&speed, o->speed) < 0)
        return cli_usage_error("%s", error_last());
    if (o->publish && drill_parse_publish(publish, sizeof publish, o->publish) < 0)
        return cli_usage_error("%s", error_last());
    if (session_load_policy(&c->s) < 0 || session_who_am_i(&c->s) < 0)
        return cli_fail();
    char *path = source_path(c, o->args[0], &scenario);
    if (!path)
        return cli_fail();
    int lrc = drill_plan_load(&plan, path, scenario);
    free(path);
    if (lrc < 0)
        return cli_fail();

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    /* the drill's times are its declaration's plus each step's offset: the
     * same stamps however the process was scheduled */
    int64_t declared = stamp_now(), started = monotonic_ms();
    drill_draft_declare(&d, &plan, c->s.by, declared, o->args[0], speed, publish);
    int drc = store_declare(&c->s.store, plan.source->title, declared, &d, id);
    event_draft_free(&d);
    if (drc < 0) {
        cli_fail();
        goto done;
    }
    snprintf(c->s.recorded, sizeof c->s.recorded, "%s", id);
    printf("%s\n", id);
    printf("drill: %zu scripted events at %gx speed; %s; the console: warroom --incident %s\n", plan.nsteps, speed,
           *publish ? "publishing to the sinks named (each message marked [DRILL])" : "publishing nothing",
           id);
    fflush(stdout);
    if (*publish)
        cli_publish_after(c, id);
    size_t played = 0;
    for (; played < plan.nsteps && !stop_asked; played++) {
        int64_t at = drill_step_at(&plan, played, declared, speed);
        sleep_until(started, at - declared);
        if (stop_asked)
            break;
        drill_draft_step(&d, &plan, played, at);
        int src = session_record(&c->s, id, &d);
        event_draft_free(&d);
        if (src < 0) {
            fprintf(stderr, "warroom: the drill stops: step %zu is not recorded: %s\n", played + 1, error_last());
            goto done;
        }
        say_step(&plan, played, at);
        if (*publish)
            cli_publish_after(c, id);
    }
    if (stop_asked) {
        note_stop(c, id, &plan, played);
        rc = EXIT_STOPPED;
    } else {
        printf("drill: all %zu scripted events played; the drill goes on until it is resolved\n", plan.nsteps);
        rc = 0;
    }
done:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    drill_plan_free(&plan);
    return rc;
}
