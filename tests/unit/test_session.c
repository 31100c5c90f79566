/* Tests for the session, the core both faces stand on, called as the console
 * calls it (never through cli_main): who is acting (--as, the config's name,
 * the login), which incident (the one named, the one open, none, several),
 * recording an event into the log, and committing the postmortem into a real
 * git repository, checked with git itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/incident.h"
#include "warroom/session.h"
#include "warroom/stamp.h"
#include "warroom/store.h"

struct fixture {
    char dir[64];
    char config[96];
    char repo[96];
    struct session_options opts;
    struct session s;
    int warnings;
};

static struct fixture *current;

static void count_warning(const char *message)
{
    (void)message;
    current->warnings++;
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/warroom-test-session.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->config, sizeof f->config, "%s/config.json", f->dir);
    snprintf(f->repo, sizeof f->repo, "%s/platform", f->dir);
    f->opts.dir = f->dir;
    f->opts.config = f->config;
    FILE *c = fopen(f->config, "w");
    if (!c)
        return -1;
    fputs("{\"name\": \"Carol\"}\n", c);
    fclose(c);
    current = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    session_close(&f->s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void open_session(struct fixture *f)
{
    session_close(&f->s);
    assert_int_equal(session_open(&f->s, &f->opts, true, count_warning), 0);
    assert_int_equal(session_load_policy(&f->s), 0);
}

/* Declares an incident as `warroom open` does, by SESSION's person, as
 * having happened AT (STAMP_NONE: when it is written). */
static void declare_at(struct fixture *f, const char *title, int64_t at, char id[STORE_ID_MAX + 1])
{
    struct event_draft d;
    assert_int_equal(session_who_am_i(&f->s), 0);
    event_draft_init(&d, EVENT_DECLARE, f->s.by);
    d.at = at;
    event_draft_str(&d, "title", title);
    event_draft_int(&d, "sev", 2);
    assert_int_equal(store_declare(&f->s.store, title, f->s.now, &d, id), 0);
    event_draft_free(&d);
}

static void declare(struct fixture *f, const char *title, char id[STORE_ID_MAX + 1])
{
    declare_at(f, title, STAMP_NONE, id);
}

static void resolve(struct fixture *f, const char *id)
{
    struct event_draft d;
    event_draft_init(&d, EVENT_RESOLVE, f->s.by);
    event_draft_str(&d, "text", "fixed");
    assert_int_equal(session_record(&f->s, id, &d), 0);
    event_draft_free(&d);
}

/* ---- who is acting ---- */

static void test_identity_as_then_config_then_login(void **state)
{
    struct fixture *f = *state;
    f->opts.as = "  dave\t ";
    open_session(f);
    assert_int_equal(session_who_am_i(&f->s), 0);
    assert_string_equal(f->s.by, "dave");          /* cleaned and trimmed */

    f->opts.as = NULL;
    open_session(f);
    assert_int_equal(session_who_am_i(&f->s), 0);
    assert_string_equal(f->s.by, "Carol");         /* the config's name */

    char empty[112];
    snprintf(empty, sizeof empty, "%s/empty.json", f->dir);
    FILE *c = fopen(empty, "w");
    assert_non_null(c);
    fputs("{}\n", c);
    fclose(c);
    f->opts.config = empty;                        /* names nobody */
    setenv("USER", "erin", 1);
    open_session(f);
    assert_int_equal(session_who_am_i(&f->s), 0);
    assert_string_equal(f->s.by, "erin");          /* the login */

    f->opts.as = " ";
    open_session(f);
    assert_true(session_who_am_i(&f->s) < 0);
    assert_string_equal(error_last(), "the name (--as) is empty");
    f->opts.as = NULL;
    f->opts.config = f->config;
}

/* ---- which incident ---- */

static void test_pick_none_one_several_named(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = NULL;
    char first[STORE_ID_MAX + 1], second[STORE_ID_MAX + 1];
    open_session(f);

    assert_true(session_pick_incident(&f->s, &inc, false) < 0);
    assert_null(inc);
    assert_non_null(strstr(error_last(), "no open incident in"));

    declare(f, "Checkout failing", first);
    assert_int_equal(session_pick_incident(&f->s, &inc, false), 0);
    assert_string_equal(inc->id, first);
    assert_string_equal(inc->title, "Checkout failing");
    assert_string_equal(inc->declared_by, "Carol");
    incident_free(inc);

    f->s.now += 60 * 1000;       /* declared a minute later: the latest */
    declare(f, "Search slow", second);
    assert_true(session_pick_incident(&f->s, &inc, false) < 0);
    assert_non_null(strstr(error_last(), "2 incidents are open; name one with --incident ID"));

    f->opts.incident = second;   /* the one named wins over the open ones */
    assert_int_equal(session_pick_incident(&f->s, &inc, false), 0);
    assert_string_equal(inc->id, second);
    incident_free(inc);

    f->opts.incident = "../etc/passwd";
    assert_true(session_pick_incident(&f->s, &inc, false) < 0);
    assert_non_null(strstr(error_last(), "is not an incident id"));
    f->opts.incident = NULL;

    /* with both resolved: nothing open, unless looking back at the latest */
    resolve(f, first);
    resolve(f, second);
    assert_true(session_pick_incident(&f->s, &inc, false) < 0);
    assert_int_equal(session_pick_incident(&f->s, &inc, true), 0);
    assert_string_equal(inc->id, second);
    incident_free(inc);
    assert_int_equal(f->warnings, 0);
}

/* Two incidents declared at the same moment (a script, alert intake): the
 * latest is the one listed first, the newest by its id, whatever order they
 * were written in. */
static void test_pick_latest_tie_goes_to_the_first_listed(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = NULL;
    char alpha[STORE_ID_MAX + 1], beta[STORE_ID_MAX + 1];
    open_session(f);
    int64_t moment = stamp_now();
    declare_at(f, "Beta queue stuck", moment, beta);
    declare_at(f, "Alpha cache cold", moment, alpha);
    resolve(f, alpha);
    resolve(f, beta);
    assert_int_equal(session_pick_incident(&f->s, &inc, true), 0);
    assert_string_equal(inc->id, beta);   /* "beta" sorts after "alpha": listed first */
    incident_free(inc);
    assert_int_equal(f->warnings, 0);
}

static void test_pick_skips_an_unreadable_log_with_a_warning(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = NULL;
    char id[STORE_ID_MAX + 1], bad[STORE_ID_MAX + 1];
    open_session(f);
    declare(f, "Checkout failing", id);
    declare(f, "Broken log", bad);
    char *path = store_log_path(&f->s.store, bad);
    FILE *w = fopen(path, "w");
    assert_non_null(w);
    fputs("this is not an event\n", w);
    fclose(w);
    free(path);
    assert_int_equal(session_pick_incident(&f->s, &inc, false), 0);
    assert_string_equal(inc->id, id);
    assert_int_equal(f->warnings, 1);   /* said to the face, never printed */
    incident_free(inc);
}

/* ---- recording ---- */

static void test_record_appends_to_the_log(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = NULL;
    char id[STORE_ID_MAX + 1];
    open_session(f);
    declare(f, "Checkout failing", id);
    struct event_draft d;
    event_draft_init(&d, EVENT_NOTE, f->s.by);
    event_draft_str(&d, "text", "rolled back the canary");
    assert_int_equal(session_record(&f->s, id, &d), 0);
    event_draft_free(&d);

    assert_int_equal(session_pick_incident(&f->s, &inc, false), 0);
    assert_int_equal(inc->nevents, 2);
    assert_int_equal(inc->events[1]->type, EVENT_NOTE);
    assert_string_equal(event_str(inc->events[1], "text"), "rolled back the canary");
    assert_string_equal(inc->events[1]->by, "Carol");
    incident_free(inc);
}

/* ---- the postmortem ---- */

/* Runs git with ARGS in REPO; its exit status. */
static int git_in(const char *repo, const char *args)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "git -C '%s' %s", repo, args);
    return system(cmd);
}

static void test_postmortem_commit_records_and_git_agrees(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = NULL;
    char id[STORE_ID_MAX + 1];
    char cmd[256];
    snprintf(cmd, sizeof cmd, "git init -q '%s' && echo runbooks >'%s/README'", f->repo, f->repo);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(git_in(f->repo, "add README"), 0);
    assert_int_equal(git_in(f->repo, "-c user.name=t -c user.email=t@example.invalid commit -q -m initial"), 0);
    f->opts.repo = f->repo;
    open_session(f);
    declare(f, "Checkout failing", id);
    resolve(f, id);
    assert_int_equal(session_pick_incident(&f->s, &inc, true), 0);

    struct buf draft = BUF_INIT, said = BUF_INIT;
    assert_int_equal(session_postmortem_draft(&f->s, inc, &draft), 0);
    assert_non_null(strstr(buf_str(&draft), "Checkout failing"));
    assert_int_equal(session_postmortem_commit_draft(&f->s, inc, &draft, &said), 0);
    assert_non_null(strstr(buf_str(&said), " committed as "));
    incident_free(inc);

    /* the event is in the log, and names the commit git has */
    assert_int_equal(session_pick_incident(&f->s, &inc, true), 0);
    assert_non_null(inc->postmortem);
    const char *commit = event_str(inc->postmortem, "commit");
    assert_non_null(commit);
    snprintf(cmd, sizeof cmd, "test \"$(git -C '%s' rev-parse HEAD)\" = '%s'", f->repo, commit);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(git_in(f->repo, "fsck --strict --no-progress 2>/dev/null"), 0);
    incident_free(inc);

    /* the same content again commits nothing and records nothing new */
    assert_int_equal(session_pick_incident(&f->s, &inc, true), 0);
    size_t before = inc->nevents;
    buf_reset(&said);
    assert_int_equal(session_postmortem_commit_draft(&f->s, inc, &draft, &said), 0);
    assert_non_null(strstr(buf_str(&said), "already committed"));
    incident_free(inc);
    assert_int_equal(session_pick_incident(&f->s, &inc, true), 0);
    assert_int_equal(inc->nevents, before);
    incident_free(inc);
    buf_free(&draft);
    buf_free(&said);
    f->opts.repo = NULL;
}

int main(void)
{
    stamp_check_now();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identity_as_then_config_then_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pick_none_one_several_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pick_latest_tie_goes_to_the_first_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pick_skips_an_unreadable_log_with_a_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_appends_to_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_postmortem_commit_records_and_git_agrees, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
