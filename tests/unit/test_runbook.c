/* Tests for the runbook loader: the team guide's example (tests/runbooks/, the
 * project's own copy) read whole and matched by its alert names; malformed
 * files named by line and column; hostile input (huge scalars, deep nesting,
 * aliases, non-UTF-8, escape sequences) refused or cleaned and bounded; the
 * rate read from free text; the link; a directory with a bad file in it; the
 * estimate; and steps marked done found from the incident's log. */
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
#include "warroom/incident.h"
#include "warroom/runbook.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

static const char *source_dir(void)
{
    const char *d = getenv("WARROOM_SOURCE_DIR");
    return d && *d ? d : ".";
}

static void read_fixture(struct buf *out, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/runbooks/%s", source_dir(), name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(out, chunk, n);
    fclose(f);
}

static struct runbook *parse(const char *text)
{
    struct runbook *rb = NULL;
    assert_int_equal(runbook_parse_yaml(&rb, text, strlen(text), "runbooks/t.yml"), 0);
    return rb;
}

/* The message of a file that does not load. */
static const char *refused(const char *text, size_t len)
{
    struct runbook *rb = (struct runbook *)1;
    assert_true(runbook_parse_yaml(&rb, text, len, "runbooks/t.yml") < 0);
    assert_null(rb);
    return error_last();
}

static void test_guide_example(void **state)
{
    (void)state;
    struct buf text = BUF_INIT;
    struct runbook *rb;
    read_fixture(&text, "order-service-high-error-rate.yml");
    assert_int_equal(runbook_parse_yaml(&rb, buf_str(&text), text.len, "runbooks/order-service-high-error-rate.yml"), 0);
    assert_string_equal(rb->title, "Order Service High Error Rate");
    assert_string_equal(rb->service, "order-service");
    assert_string_equal(rb->severity, "SEV1/SEV2");
    assert_string_equal(rb->owner, "platform-team");
    assert_int_equal(rb->nalert_names, 2);
    assert_string_equal(rb->alert_names[0], "HighErrorBudgetBurnRate_Fast");
    assert_string_equal(rb->alert_names[1], "HighErrorBudgetBurnRate_Slow");
    assert_string_equal(rb->impact, "Users cannot checkout. Revenue impact ~$2,400/min at peak.");
    /* 4 diagnosis steps, 4 mitigation options, 4 recovery items, in order */
    assert_int_equal(rb->nsteps, 12);
    assert_int_equal(rb->steps[0].section, RUNBOOK_DIAGNOSIS);
    assert_string_equal(rb->steps[0].title, "Check recent deployments");
    assert_string_equal(rb->steps[0].command, "kubectl -n production rollout history deployment/order-service");
    assert_string_equal(rb->steps[0].expected, "If deploy correlates with error onset, proceed to rollback");
    assert_string_equal(rb->steps[1].command, "{service=\"order-service\"} |= \"error\" | json | level=\"error\"");
    assert_string_equal(rb->steps[3].command,
                        "psql -h orders-db -c \"SELECT pid, state, query FROM pg_stat_activity WHERE state != "
                        "'idle' ORDER BY query_start LIMIT 20;\"");
    assert_int_equal(rb->steps[4].section, RUNBOOK_MITIGATION);
    assert_int_equal(rb->steps[4].number, 1);
    assert_string_equal(rb->steps[4].title, "Rollback last deployment");
    assert_string_equal(rb->steps[4].when, "Error onset correlates with a deployment");
    assert_string_equal(rb->steps[4].verify, "Error rate returns to baseline within 5 minutes");
    assert_string_equal(rb->steps[7].title, "Database failover");
    assert_int_equal(rb->steps[8].section, RUNBOOK_RECOVERY);
    assert_string_equal(rb->steps[8].title, "Confirm baseline error rate for 15 minutes");
    assert_string_equal(rb->steps[11].title, "Schedule postmortem within 48 hours");
    assert_int_equal(rb->steps[11].number, 4);
    /* the rate, from the guide's own words */
    assert_true(rb->rate_from_text);
    assert_true(rb->revenue_per_minute == 2400);
    assert_string_equal(rb->currency, "$");
    runbook_free(rb);
    buf_free(&text);
}

static void test_match(void **state)
{
    (void)state;
    struct runbook_set set = {0};
    struct buf text = BUF_INIT;
    read_fixture(&text, "order-service-high-error-rate.yml");
    struct runbook *guide, *other, *md;
    assert_int_equal(runbook_parse_yaml(&guide, buf_str(&text), text.len, "runbooks/order-service-high-error-rate.yml"), 0);
    other = parse("metadata:\n  title: Payments down\n  alert_names: [PaymentsDown]\n");
    assert_int_equal(runbook_parse_markdown(&md, "# Disk full\n\nFree space.\n", 25, "runbooks/DiskFull.md"), 0);
    struct runbook *books[] = {other, guide, md};
    set.books = books;
    set.n = 3;
    const char *fast[] = {"SomethingElse", "HighErrorBudgetBurnRate_Fast"};
    assert_ptr_equal(runbook_set_match(&set, fast, 2), guide);
    const char *none[] = {"highErrorBudgetBurnRate_fast"};   /* names are exact */
    assert_null(runbook_set_match(&set, none, 1));
    const char *disk[] = {"DiskFull"};
    assert_ptr_equal(runbook_set_match(&set, disk, 1), md);
    assert_string_equal(md->title, "Disk full");
    assert_ptr_equal(runbook_set_find(&set, "HighErrorBudgetBurnRate_Slow"), guide);
    assert_ptr_equal(runbook_set_find(&set, "order-service-high-error-rate"), guide);
    assert_ptr_equal(runbook_set_find(&set, "order-service-high-error-rate.yml"), guide);
    assert_ptr_equal(runbook_set_find(&set, "runbooks/order-service-high-error-rate.yml"), guide);
    assert_null(runbook_set_find(&set, "nothing"));
    for (size_t i = 0; i < set.n; i++)
        runbook_free(books[i]);
    buf_free(&text);
}

static void test_malformed_line_and_column(void **state)
{
    (void)state;
    /* a key without its colon on line 3 */
    const char *bad = "metadata:\n  title: x\n  service order\n  owner: y\n";
    const char *msg = refused(bad, strlen(bad));
    assert_non_null(strstr(msg, "runbooks/t.yml:4:"));
    /* an unclosed quote: where the scanner gave up */
    const char *quote = "metadata:\n  title: \"open\ndiagnosis: []\n";
    msg = refused(quote, strlen(quote));
    assert_non_null(strstr(msg, "runbooks/t.yml:"));
    /* wrong shapes, named where they stand */
    const char *shape = "metadata:\n  title: x\ndiagnosis:\n  - step: a\n  - just text\n";
    msg = refused(shape, strlen(shape));
    assert_string_equal(msg, "runbooks/t.yml:5:5: a diagnosis item should be a mapping with \"step:\"");
    const char *nostep = "metadata:\n  title: x\nmitigation:\n  - when: always\n";
    msg = refused(nostep, strlen(nostep));
    assert_string_equal(msg, "runbooks/t.yml:4:5: a mitigation item has no \"option:\"");
    const char *list = "metadata:\n  title:\n    - a\n";
    msg = refused(list, strlen(list));
    assert_string_equal(msg, "runbooks/t.yml:3:5: title is a list; it should be text");
    const char *rate = "metadata:\n  title: x\n  revenue_per_minute: lots\n";
    msg = refused(rate, strlen(rate));
    assert_string_equal(msg, "runbooks/t.yml:3:23: revenue_per_minute should be an amount, such as 2400");
    msg = refused("", 0);
    assert_non_null(strstr(msg, "runbooks/t.yml:1:1:"));
    msg = refused("- a\n- b\n", 8);
    assert_non_null(strstr(msg, "a runbook is a mapping"));
}

static void test_aliases_refused(void **state)
{
    (void)state;
    /* the billion laughs, in small */
    const char *laughs = "a: &a [\"lol\", \"lol\"]\n"
                         "b: &b [*a, *a, *a, *a]\n"
                         "metadata:\n  title: *b\n";
    const char *msg = refused(laughs, strlen(laughs));
    assert_string_equal(msg, "runbooks/t.yml:2:8: an alias (*name): runbooks may not use aliases, write the text out");
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    for (int i = 0; i < 100000; i++)
        buf_addc(&b, '[');
    const char *msg = refused(b.data, b.len);
    assert_non_null(strstr(msg, "nested more than 8 levels deep"));
    assert_non_null(strstr(msg, "runbooks/t.yml:1:9:"));
    buf_reset(&b);
    buf_adds(&b, "metadata:\n  title: x\n");
    for (int i = 0; i < 12; i++)
        buf_printf(&b, "%*sk%d:\n", 2 * i, "", i);
    msg = refused(b.data, b.len);
    assert_non_null(strstr(msg, "nested more than 8 levels deep"));
    buf_free(&b);
}

static void test_huge_scalars_bounded(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_adds(&b, "metadata:\n  title: \"");
    for (int i = 0; i < 150 * 1024; i++)
        buf_addc(&b, 'x');
    buf_adds(&b, "\"\ndiagnosis:\n  - step: \"");
    for (int i = 0; i < 30000; i++)
        buf_adds(&b, "\xc3\xa9");        /* é: the cut must not split it */
    buf_adds(&b, "\"\n");
    struct runbook *rb;
    assert_int_equal(runbook_parse_yaml(&rb, b.data, b.len, "runbooks/t.yml"), 0);
    assert_true(strlen(rb->title) <= 200 + 3);
    assert_non_null(strstr(rb->title, "\xe2\x80\xa6"));
    assert_true(strlen(rb->steps[0].title) <= RUNBOOK_TEXT_MAX + 3);
    assert_true(text_is_clean(rb->steps[0].title, strlen(rb->steps[0].title), 0));
    runbook_free(rb);
    /* past the file bound: refused whole */
    while (b.len <= RUNBOOK_FILE_MAX)
        buf_adds(&b, "# padding\n");
    const char *msg = refused(b.data, b.len);
    assert_string_equal(msg, "runbooks/t.yml:1:1: larger than 256 KiB");
    buf_free(&b);
}

static void test_not_utf8(void **state)
{
    (void)state;
    const char bad[] = "metadata:\n  title: caf\xe9\n";
    const char *msg = refused(bad, sizeof bad - 1);
    assert_non_null(strstr(msg, "runbooks/t.yml:2:"));
    assert_true(text_is_clean(msg, strlen(msg), 0));
}

static void test_escape_sequences_cleaned(void **state)
{
    (void)state;
    /* YAML's own escapes make ESC, BEL and C1 controls: none survives */
    const char *text = "metadata:\n  title: \"\\e]0;owned\\a\\e[31mRed\\e[0m\"\n"
                       "  alert_names: [\"A\\e[2J\"]\n"
                       "diagnosis:\n  - step: \"x\\u202Ey\\u200Bz\"\n    command: \"rm -rf /\\x9b2J\"\n"
                       "recovery:\n  - \"line\\nbreak\\tand\\0nul\"\n";
    struct runbook *rb = parse(text);
    assert_string_equal(rb->title, "Red");
    assert_string_equal(rb->alert_names[0], "A");
    assert_string_equal(rb->steps[0].title, "xyz");
    assert_string_equal(rb->steps[0].command, "rm -rf /");
    assert_string_equal(rb->steps[1].title, "line break and nul");
    runbook_free(rb);
    /* an escape sequence in a key's place is in the message cleaned */
    const char *key = "metadata:\n  title: x\ndiagnosis: {\"\\e[31m\": 1\n";
    const char *msg = refused(key, strlen(key));
    assert_true(text_is_clean(msg, strlen(msg), 0));
}

static void test_rate_from_text(void **state)
{
    (void)state;
    double r;
    char cur[8];
    assert_true(runbook_rate_from_text("Revenue impact ~$2,400/min at peak.", &r, cur));
    assert_true(r == 2400);
    assert_string_equal(cur, "$");
    assert_true(runbook_rate_from_text("about \xe2\x82\xac" "300 per minute", &r, cur));
    assert_true(r == 300);
    assert_string_equal(cur, "\xe2\x82\xac");
    assert_true(runbook_rate_from_text("$1.2k/min", &r, cur));
    assert_true(r == 1200);
    assert_true(runbook_rate_from_text("$60,000/hour", &r, cur));
    assert_true(r == 1000);
    assert_false(runbook_rate_from_text("costs $2,400 in total", &r, cur));
    assert_false(runbook_rate_from_text("2400/min", &r, cur));
    assert_false(runbook_rate_from_text("$5/minimum order", &r, cur));
    /* a structured rate wins over the text */
    struct runbook *rb = parse("metadata:\n  title: x\n  impact: \"~$2,400/min\"\n  revenue_per_minute: 1500\n");
    assert_true(rb->revenue_per_minute == 1500);
    assert_false(rb->rate_from_text);
    runbook_free(rb);
    rb = parse("metadata:\n  title: x\n  revenue_per_minute: \"\xc2\xa3" "90\"\n");
    assert_true(rb->revenue_per_minute == 90);
    assert_string_equal(rb->currency, "\xc2\xa3");
    runbook_free(rb);
    rb = parse("metadata:\n  title: x\n");
    assert_true(rb->revenue_per_minute < 0);
    runbook_free(rb);
}

/* runbook_link's answer, kept until the next call (the caller frees it) */
static const char *link_of(const struct runbook *rb, const char *base)
{
    static char *last;
    free(last);
    last = rb ? runbook_link(rb, base) : NULL;
    return last;
}

static void test_link(void **state)
{
    (void)state;
    struct runbook *rb = parse("metadata:\n  title: x\n");
    assert_null(link_of(rb, NULL));
    assert_string_equal(link_of(rb, "https://git.example.com/platform/blob/main/"),
                        "https://git.example.com/platform/blob/main/runbooks/t.yml");
    assert_null(link_of(rb, "javascript:alert(1)"));
    runbook_free(rb);
    rb = parse("metadata:\n  title: x\n  url: https://wiki.internal/runbooks/order-processing\n");
    assert_string_equal(link_of(rb, "https://git.example.com/"), "https://wiki.internal/runbooks/order-processing");
    runbook_free(rb);
    rb = parse("metadata:\n  title: x\n  url: \"file:///etc/passwd\"\n");
    assert_string_equal(link_of(rb, "https://git.example.com"), "https://git.example.com/runbooks/t.yml");
    runbook_free(rb);
    link_of(NULL, NULL);                 /* frees the last one */
}

static void test_money(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    runbook_format_money(&b, "$", 124800);
    assert_string_equal(b.data, "~$124,800");
    buf_reset(&b);
    runbook_format_money(&b, "$", 0);
    assert_string_equal(b.data, "~$0");
    buf_reset(&b);
    runbook_format_money(&b, "\xe2\x82\xac", 1234567.4);
    assert_string_equal(b.data, "~\xe2\x82\xac" "1,234,567");
    buf_free(&b);
}

/* A directory in a real repository: the good file loads, the bad one is
 * named with its line and column, the postmortem template is no runbook;
 * from the working tree, and from the branch when there is no working tree. */
static void test_set_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/warroom-test-runbook.XXXXXX", cmd[4096];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd,
             "cd '%s' && git init -q -b main work && mkdir work/runbooks && cp '%s/tests/runbooks/order-service-high-error-rate.yml' "
             "work/runbooks/ && printf 'metadata:\\n  title: [x\\n' > work/runbooks/broken.yaml && "
             "printf '# Incident\\n\\nDeclare early.\\n' > work/runbooks/incident.md && "
             "printf '# Postmortem\\n' > work/runbooks/post-mortem-template.md && "
             "printf 'not a runbook' > work/runbooks/notes.txt && "
             "git -C work add runbooks && git -C work -c user.name=t -c user.email=t@t commit -q -m r && "
             "git clone -q --bare work bare.git",
             dir, source_dir());
    assert_int_equal(system(cmd), 0);
    /* a symbolic link in the working tree's runbooks/ is not followed: a
     * runbook is a file of the repository, not a way to show any file */
    snprintf(cmd, sizeof cmd, "ln -s /etc/passwd '%s/work/runbooks/passwd.md'", dir);
    assert_int_equal(system(cmd), 0);
    for (int pass = 0; pass < 2; pass++) {
        char repo[600];
        snprintf(repo, sizeof repo, "%s/%s", dir, pass == 0 ? "work" : "bare.git");
        struct runbook_set set;
        assert_int_equal(runbook_set_load(&set, repo), 0);
        assert_string_equal(set.source, pass == 0 ? "the working tree" : "main");
        assert_int_equal(set.n, 2);
        assert_string_equal(set.books[0]->path, "runbooks/incident.md");
        assert_string_equal(set.books[1]->path, "runbooks/order-service-high-error-rate.yml");
        assert_int_equal(set.nproblems, pass == 0 ? 2 : 1);
        assert_non_null(strstr(set.problems[0], "runbooks/broken.yaml:3:1:"));
        if (pass == 0)
            assert_non_null(strstr(set.problems[1], "runbooks/passwd.md is not a plain file"));
        const char *names[] = {"HighErrorBudgetBurnRate_Fast"};
        assert_ptr_equal(runbook_set_match(&set, names, 1), set.books[1]);
        runbook_set_free(&set);
    }
    /* more runbooks than are read: the first ones by name, every time, and said */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && git init -q -b main many && mkdir many/runbooks && cd many/runbooks && "
             "for i in $(seq 1000 1299); do printf 'metadata:\\n  title: r%%s\\n' $i > r$i.yml; done",
             dir);
    assert_int_equal(system(cmd), 0);
    char many[600];
    snprintf(many, sizeof many, "%s/many", dir);
    struct runbook_set set;
    assert_int_equal(runbook_set_load(&set, many), 0);
    assert_int_equal(set.n, RUNBOOK_FILES_MAX);
    assert_string_equal(set.books[0]->path, "runbooks/r1000.yml");
    assert_string_equal(set.books[RUNBOOK_FILES_MAX - 1]->path, "runbooks/r1255.yml");
    assert_int_equal(set.nproblems, 1);
    assert_string_equal(set.problems[0], "runbooks/: 300 runbooks, only the first 256 in name order are read");
    runbook_set_free(&set);
    /* a repository named that is not there is an error, as for the policy */
    snprintf(many, sizeof many, "%s/gone", dir);
    assert_true(runbook_set_load(&set, many) < 0);
    assert_int_equal(set.n, 0);
    /* one with no runbooks/ at all: none, and no error */
    snprintf(cmd, sizeof cmd, "git init -q '%s/empty'", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(many, sizeof many, "%s/empty", dir);
    assert_int_equal(runbook_set_load(&set, many), 0);
    assert_int_equal(set.n + set.nproblems, 0);
    runbook_set_free(&set);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_estimate_and_steps_done(void **state)
{
    (void)state;
    char dir[] = "/tmp/warroom-test-runbook-log.XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"v\":1,\"id\":\"d\",\"ts\":\"2025-03-15T14:00:00.000Z\",\"by\":\"carol\",\"type\":\"declare\",\"sev\":1,\"title\":\"t\"}\n"
          "{\"v\":1,\"id\":\"a1\",\"ts\":\"2025-03-15T14:01:00.000Z\",\"type\":\"alert\",\"name\":\"HighErrorBudgetBurnRate_Fast\",\"text\":\"x\"}\n"
          "{\"v\":1,\"id\":\"a2\",\"ts\":\"2025-03-15T14:02:00.000Z\",\"type\":\"alert\",\"name\":\"HighErrorBudgetBurnRate_Fast\",\"text\":\"y\"}\n"
          "{\"v\":1,\"id\":\"a3\",\"ts\":\"2025-03-15T14:03:00.000Z\",\"type\":\"alert\",\"name\":\"Other\",\"text\":\"z\","
          "\"annotations\":{\"runbook_url\":\"https://wiki.internal/runbooks/other\"}}\n"
          "{\"v\":1,\"id\":\"r1\",\"ts\":\"2025-03-15T14:10:00.000Z\",\"by\":\"dave\",\"type\":\"runbook\",\"runbook\":\"runbooks/t.yml\","
          "\"section\":\"diagnosis\",\"number\":1,\"step\":\"Check recent deployments\",\"result\":\"deploy correlates\"}\n",
          f);
    fclose(f);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-t", path), 0);
    assert_int_equal(inc->nalert_names, 2);
    assert_string_equal(inc->alert_names[0], "HighErrorBudgetBurnRate_Fast");
    assert_string_equal(inc->alert_names[1], "Other");
    /* Alertmanager's runbook_url annotation is the incident's link when
     * nothing warroom matched says otherwise */
    assert_string_equal(inc->runbook_url, "https://wiki.internal/runbooks/other");
    struct runbook *rb = parse("metadata:\n  title: x\n  revenue_per_minute: 2400\n"
                               "diagnosis:\n  - step: Check recent deployments\n  - step: Check error logs\n");
    assert_non_null(runbook_step_done(inc, rb, &rb->steps[0]));
    assert_null(runbook_step_done(inc, rb, &rb->steps[1]));
    double amount;
    int64_t minutes;
    int64_t now;
    assert_int_equal(stamp_parse_iso(&now, "2025-03-15T14:52:30Z"), 0);
    assert_true(runbook_estimate(rb, inc, now, &amount, &minutes));
    assert_int_equal(minutes, 52);
    assert_true(amount == 52 * 2400.0);
    struct buf out = BUF_INIT;
    runbook_describe(&out, rb, inc);
    assert_non_null(strstr(out.data, " 1. [x] Check recent deployments"));
    assert_non_null(strstr(out.data, "done 2025-03-15T14:10:00Z by dave: deploy correlates"));
    assert_non_null(strstr(out.data, " 2. [ ] Check error logs"));
    buf_free(&out);
    runbook_free(rb);
    incident_free(inc);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guide_example),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_malformed_line_and_column),
        cmocka_unit_test(test_aliases_refused),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_huge_scalars_bounded),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_escape_sequences_cleaned),
        cmocka_unit_test(test_rate_from_text),
        cmocka_unit_test(test_link),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_set_load),
        cmocka_unit_test(test_estimate_and_steps_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
