/* Tests for showstream's set of ids: exact (ids whose tags collide are told
 * apart by reading the earlier record back), about 16 bytes an id, offsets
 * of any size kept, and a record that cannot be read back an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/showstream.h"

/* A log of ids: record I holds id I and stands at offset I * SPACING. */
struct fake_log {
    char (*ids)[24];
    size_t n;
    uint64_t spacing;
    unsigned long reads, misses;   /* records read back; those whose id differed */
    bool broken;
};

static int id_at(void *ctx, uint64_t offset, char *id, size_t size)
{
    struct fake_log *log = ctx;
    log->reads++;
    if (log->broken)
        return error_set("cannot read");
    size_t i = (size_t)(offset / log->spacing);
    assert_true(i < log->n && offset % log->spacing == 0);
    snprintf(id, size, "%s", log->ids[i]);
    return 0;
}

static void fill(struct fake_log *log, size_t n, uint64_t spacing)
{
    log->ids = calloc(n, sizeof *log->ids);
    log->n = n;
    log->spacing = spacing;
    for (size_t i = 0; i < n; i++)
        snprintf(log->ids[i], sizeof log->ids[i], "%016zx%04zx", i * 2654435761u, i % 9973);
}

static void test_exact(void **state)
{
    (void)state;
    enum { N = 300000 };
    struct fake_log log = {0};
    fill(&log, N, 100);
    struct showstream_ids *set = showstream_ids_new(16, id_at, &log);   /* grows many times */
    for (size_t i = 0; i < N; i++)
        assert_int_equal(showstream_ids_add(set, log.ids[i], i * 100), 1);
    /* 300,000 ids in 32-bit tags: some share one, and both were added */
    unsigned long shared = log.reads;
    assert_true(shared > 0);
    assert_true(shared < N / 100);
    for (size_t i = 0; i < N; i += 7) {
        uint64_t offset = 0;
        assert_int_equal(showstream_ids_add(set, log.ids[i], 5), 0);   /* a repeat: the first stays */
        assert_int_equal(showstream_ids_find(set, log.ids[i], &offset), 1);
        assert_int_equal(offset, i * 100);
    }
    uint64_t offset = 0;
    assert_int_equal(showstream_ids_find(set, "not-there", &offset), 0);
    showstream_ids_free(set);
    free(log.ids);
}

static void test_small(void **state)
{
    (void)state;
    enum { N = 1000000 };
    struct fake_log log = {0};
    fill(&log, N, 220);
    struct showstream_ids *set = showstream_ids_new(N, id_at, &log);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(showstream_ids_add(set, log.ids[i], i * 220), 1);
    size_t bytes = showstream_ids_bytes(set);
    print_message("%zu bytes for %d ids\n", bytes, N);
    assert_true(bytes <= (size_t)N * 17);
    showstream_ids_free(set);
    free(log.ids);
}

static void test_far_offsets(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct fake_log log = {0};
    fill(&log, N, 3000000000ULL);           /* 15 TB of log: steps past 32 bits */
    struct showstream_ids *set = showstream_ids_new(N, id_at, &log);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(showstream_ids_add(set, log.ids[i], i * log.spacing), 1);
    for (size_t i = 0; i < N; i++) {
        uint64_t offset = 0;
        assert_int_equal(showstream_ids_find(set, log.ids[i], &offset), 1);
        assert_true(offset == i * log.spacing);
    }
    showstream_ids_free(set);
    free(log.ids);
}

static void test_unreadable(void **state)
{
    (void)state;
    struct fake_log log = {0};
    fill(&log, 2, 100);
    struct showstream_ids *set = showstream_ids_new(4, id_at, &log);
    assert_int_equal(showstream_ids_add(set, log.ids[0], 0), 1);
    log.broken = true;
    /* the same id again: its tag matches, and the record cannot be read */
    assert_int_equal(showstream_ids_add(set, log.ids[0], 100), -1);
    showstream_ids_free(set);
    free(log.ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_far_offsets),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
