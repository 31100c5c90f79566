/* Tests for the checkpoint: the records it restores are the records the log
 * holds, field by field (every kind of field, short strings kept once and
 * long ones not, a value holding a NUL-free UTF-8 text, records stamped
 * out of order), and one that is changed, cut, of another version or
 * claiming more than it holds is not used, the load giving what a fresh
 * replay gives; and a restore leaves notes' texts out of memory until they
 * are read. Run under valgrind too: the restore reads a mapped file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/checkpoint.h"
#include "warroom/incident.h"

static char dir[64], log_path[128], ck_path[128];

static void remove_dir(void)
{
    unlink(ck_path);
    unlink(log_path);
    rmdir(dir);
}

/* A log of N records: notes (some back-dated, some long), alerts with
 * nested and array fields, updates, actions with numbers and booleans. */
static void write_log(int n)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/warroom-ckpt.XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(log_path, sizeof log_path, "%s/events.jsonl", dir);
        snprintf(ck_path, sizeof ck_path, "%s/checkpoint", dir);
        atexit(remove_dir);
    }
    unlink(ck_path);
    FILE *f = fopen(log_path, "w");
    assert_non_null(f);
    fprintf(f, "{\"v\":1,\"id\":\"d0\",\"ts\":\"2025-03-15T14:00:00.000Z\",\"by\":\"carol\",\"type\":\"declare\","
               "\"title\":\"Checkout\",\"sev\":2}\n");
    for (int i = 1; i < n; i++) {
        int s = i % 60, m = i / 60 % 60, h = 14 + i / 3600;
        fprintf(f, "{\"v\":1,\"id\":\"e%06d\",\"ts\":\"2025-03-15T%02d:%02d:%02d.000Z\",", i, h, m, s);
        if (i % 13 == 0)
            fprintf(f, "\"at\":\"2025-03-15T%02d:%02d:%02d.500Z\",", h - 1, m, s);
        fprintf(f, "\"by\":\"%s\",", i % 3 ? "dave" : "erin");
        switch (i % 5) {
        case 0:
            fprintf(f, "\"type\":\"alert\",\"name\":\"HighLatency\",\"labels\":{\"region\":\"eu\"},"
                       "\"values\":[1,2,3],\"text\":\"alert %d\"}\n", i);
            break;
        case 1:
            fprintf(f, "\"type\":\"update\",\"state\":\"identified\",\"text\":\"caf\\u00e9 %d\"}\n", i);
            break;
        case 2:
            fprintf(f, "\"type\":\"action\",\"item\":\"A%d\",\"owner\":\"dave\",\"count\":%d,\"urgent\":true,"
                       "\"due\":null}\n", i % 40, i);
            break;
        default:
            fprintf(f, "\"type\":\"note\",\"text\":\"note %d%s\"}\n", i,
                    i % 7 ? "" : " that runs on well past the length of any key, type, author or state");
        }
    }
    assert_int_equal(fclose(f), 0);
    chmod(log_path, 0600);
}

/* A log of a declare and N notes of LEN bytes of text each. */
static void write_notes_log(int n, int len)
{
    write_log(1);
    FILE *f = fopen(log_path, "a");
    assert_non_null(f);
    for (int i = 1; i <= n; i++) {
        fprintf(f, "{\"v\":1,\"id\":\"n%06d\",\"ts\":\"2025-03-15T14:%02d:%02d.000Z\",\"by\":\"dave\","
                   "\"type\":\"note\",\"text\":\"", i, i / 60 % 60, i % 60);
        for (int k = 0; k < len; k++)
            fputc('a' + (i + k) % 26, f);
        fputs("\"}\n", f);
    }
    assert_int_equal(fclose(f), 0);
}

/* This process's resident pages of mapped files, in KiB. */
static long rss_file_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "RssFile:", 8) == 0)
            kib = atol(line + 8);
    fclose(f);
    assert_true(kib >= 0);
    return kib;
}

static void assert_same_events(const struct incident *a, const struct incident *b)
{
    assert_int_equal(a->nevents, b->nevents);
    for (size_t i = 0; i < a->nevents; i++) {
        const struct event *x = a->events[i], *y = b->events[i];
        assert_string_equal(x->id, y->id);
        assert_string_equal(x->type_name, y->type_name);
        assert_string_equal(x->by, y->by);
        assert_int_equal(x->type, y->type);
        assert_true(x->ts == y->ts && x->at == y->at);
        assert_int_equal(x->version, y->version);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->nfields, y->nfields);
        for (unsigned f = 0; f < x->nfields; f++) {
            assert_string_equal(x->fields[f].key, y->fields[f].key);
            assert_int_equal(x->fields[f].len, y->fields[f].len);
            assert_memory_equal(x->fields[f].value, y->fields[f].value, x->fields[f].len + 1);
            assert_int_equal(x->fields[f].kind, y->fields[f].kind);
        }
    }
    assert_int_equal(a->ntimeline, b->ntimeline);
    for (size_t i = 0; i < a->ntimeline; i++) {
        assert_string_equal(a->timeline[i].ev->id, b->timeline[i].ev->id);
        assert_string_equal(a->timeline[i].text, b->timeline[i].text);
    }
    assert_int_equal(a->nactions, b->nactions);
}

/* A load, and whether it restored a checkpoint and wrote one. */
static struct incident *load(bool *restored, bool *written)
{
    unsigned long r = checkpoint_count_restores(), w = checkpoint_count_writes();
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-20250315-ckpt", log_path), 0);
    *restored = checkpoint_count_restores() > r;
    *written = checkpoint_count_writes() > w;
    return inc;
}

static void poke(off_t at, const void *bytes, size_t n)
{
    int fd = open(ck_path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, at), (ssize_t)n);
    close(fd);
}

static void test_restored_records_are_the_logs(void **state)
{
    (void)state;
    bool restored, written;
    write_log(12000);   /* the last ~650 KB are not final: see LOG_TORN_SCAN_MAX */
    struct incident *fresh = load(&restored, &written);
    assert_false(restored);
    assert_true(written);
    struct incident *again = load(&restored, &written);
    assert_true(restored);
    assert_false(written);
    assert_same_events(fresh, again);
    incident_free(again);
    incident_free(fresh);
}

static void test_bad_checkpoints_are_not_used(void **state)
{
    (void)state;
    bool restored, written;
    write_log(10000);
    struct incident *fresh = load(&restored, &written);
    struct stat st;
    assert_int_equal(stat(ck_path, &st), 0);
    const off_t size = st.st_size;

    /* a byte changed in the records, then in the strings */
    for (int k = 0; k < 2; k++) {
        struct incident *again = load(&restored, &written);   /* a good one again */
        incident_free(again);
        poke(k ? 200 : size - 2000, "\x7f", 1);
        again = load(&restored, &written);
        assert_false(restored);
        assert_true(written);
        assert_same_events(fresh, again);
        incident_free(again);
    }
    /* another version: rebuilt */
    poke(19, "\x01\0\0\0", 4);
    struct incident *again = load(&restored, &written);
    assert_false(restored);
    assert_true(written);
    assert_same_events(fresh, again);
    incident_free(again);
    /* four billion records claimed */
    poke(75, "\xf0\xff\xff\xff\0\0\0\0", 8);
    again = load(&restored, &written);
    assert_false(restored);
    assert_same_events(fresh, again);
    incident_free(again);
    /* cut short */
    assert_int_equal(truncate(ck_path, size / 3), 0);
    again = load(&restored, &written);
    assert_false(restored);
    assert_same_events(fresh, again);
    incident_free(again);
    again = load(&restored, &written);
    assert_true(restored);
    assert_same_events(fresh, again);
    incident_free(again);
    incident_free(fresh);
}

/* A console that shows forty lines must not hold a million notes' texts: the
 * restore reads them (to check them) and lets their pages go, and nothing in
 * a load reads them back. 16 MiB of texts; the rest of the checkpoint's
 * strings (ids, authors, keys) are a fraction of one. */
static void test_notes_texts_are_let_go(void **state)
{
    (void)state;
    bool restored, written;
    write_notes_log(4000, 4096);
    struct incident *fresh = load(&restored, &written);
    assert_true(written);
    long before = rss_file_kib();
    struct incident *again = load(&restored, &written);
    assert_true(restored);
    long grew = rss_file_kib() - before;
    print_message("resident file pages after a restore of 16 MiB of notes: %+ld KiB\n", grew);
    assert_true(grew < 4 * 1024);
    /* and what the screen reads is there, read from the file again */
    assert_same_events(fresh, again);
    incident_free(again);
    incident_free(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restored_records_are_the_logs),
        cmocka_unit_test(test_bad_checkpoints_are_not_used),
        cmocka_unit_test(test_notes_texts_are_let_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
