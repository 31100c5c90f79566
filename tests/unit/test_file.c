/* Opening files: never a FIFO waited on, never a link followed for incident
 * data, never a directory others can change; and the lock on a log is waited
 * for a bounded time, naming who holds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/file.h"
#include "warroom/log.h"

struct world {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "/tmp/warroom-file.XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", w->dir);
    assert_int_equal(system(cmd), 0);
    free(w);
    return 0;
}

static const char *in(struct world *w, const char *name)
{
    snprintf(w->path, sizeof w->path, "%s/%s", w->dir, name);
    return w->path;
}

static void test_fifo_refused_not_waited_on(void **state)
{
    struct world *w = *state;
    assert_int_equal(mkfifo(in(w, "policy.json"), 0600), 0);
    /* nobody writes to it: a plain open for reading would block here */
    assert_int_equal(file_open_regular(w->path, O_RDONLY, "the policy"), -1);
    assert_non_null(strstr(error_last(), "is a FIFO, not a regular file"));
    assert_int_equal(file_open_private(w->path, O_RDWR | O_APPEND | O_CREAT, "the incident log"), -1);
    assert_non_null(strstr(error_last(), "is a FIFO"));
}

static void test_regular_file_opens_blocking(void **state)
{
    struct world *w = *state;
    int fd = open(in(w, "config.json"), O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{}", 2), 2);
    close(fd);
    fd = file_open_regular(w->path, O_RDONLY, "the config");
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);   /* the guard is gone once it is known to be a file */
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
}

static void test_private_creates_0600(void **state)
{
    struct world *w = *state;
    int fd = file_open_private(in(w, "events.jsonl"), O_RDWR | O_APPEND | O_CREAT, "the incident log");
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    close(fd);
    /* and opens it again, without creating */
    fd = file_open_private(w->path, O_RDWR | O_APPEND | O_CREAT, "the incident log");
    assert_true(fd >= 0);
    close(fd);
}

static void test_private_never_follows_a_link(void **state)
{
    struct world *w = *state;
    char target[128], link[128];
    snprintf(target, sizeof target, "%s/elsewhere", w->dir);
    snprintf(link, sizeof link, "%s/events.jsonl", w->dir);
    int fd = open(target, O_WRONLY | O_CREAT, 0600);
    close(fd);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(file_open_private(link, O_RDWR | O_APPEND | O_CREAT, "the incident log"), -1);
    assert_non_null(strstr(error_last(), "is a symbolic link"));
    struct stat st;
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_size, 0);
    /* a dangling link is not followed into a new file either */
    unlink(target);
    assert_int_equal(file_open_private(link, O_RDWR | O_APPEND | O_CREAT, "the incident log"), -1);
    assert_int_equal(access(target, F_OK), -1);
}

static void test_private_directory_not_a_link(void **state)
{
    struct world *w = *state;
    char real[128], link[128], path[160];
    snprintf(real, sizeof real, "%s/real", w->dir);
    snprintf(link, sizeof link, "%s/inc-20250101-linked", w->dir);
    assert_int_equal(mkdir(real, 0700), 0);
    assert_int_equal(symlink(real, link), 0);
    snprintf(path, sizeof path, "%s/events.jsonl", link);
    assert_int_equal(file_open_private(path, O_RDWR | O_APPEND | O_CREAT, "the incident log"), -1);
    assert_non_null(strstr(error_last(), "is a symbolic link"));
    snprintf(path, sizeof path, "%s/events.jsonl", real);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_directory_writable_by_others_refused(void **state)
{
    struct world *w = *state;
    assert_int_equal(chmod(w->dir, 0777), 0);
    assert_int_equal(file_open_private(in(w, "events.jsonl"), O_RDWR | O_CREAT, "the incident log"), -1);
    assert_non_null(strstr(error_last(), "writable by everyone (mode 0777)"));
    assert_non_null(strstr(error_last(), "chmod go-w"));
    assert_int_equal(chmod(w->dir, 0770), 0);
    assert_int_equal(file_open_private(w->path, O_RDWR | O_CREAT, "the incident log"), -1);
    assert_non_null(strstr(error_last(), "writable by its group"));
    assert_int_equal(access(w->path, F_OK), -1);
    assert_int_equal(chmod(w->dir, 0700), 0);
}

static void note(struct event_draft *d, const char *text)
{
    event_draft_init(d, EVENT_NOTE, "tester");
    event_draft_str(d, "text", text);
}

static void test_lock_held_fails_after_the_wait_naming_the_holder(void **state)
{
    struct world *w = *state;
    struct incident_log log;
    assert_int_equal(log_open(&log, in(w, "events.jsonl")), 0);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t holder = fork();
    if (holder == 0) {
        int fd = open(w->path, O_RDONLY);
        if (fd < 0 || flock(fd, LOCK_EX) < 0)
            _exit(1);
        (void)!write(ready[1], "x", 1);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    struct event_draft d;
    note(&d, "while locked");
    log.lock_wait_ms = 0;                 /* the console's way: no wait at all */
    assert_int_equal(log_append(&log, &d), LOG_EBUSY);
    char pid[32];
    snprintf(pid, sizeof pid, "locked by pid %d", (int)holder);
    assert_non_null(strstr(error_last(), pid));
    log.lock_wait_ms = 200;               /* the command line's way: a bounded wait */
    assert_int_equal(log_append(&log, &d), LOG_EBUSY);
    assert_non_null(strstr(error_last(), "nothing was recorded"));
    struct stat st;
    assert_int_equal(fstat(log.fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    kill(holder, SIGKILL);
    waitpid(holder, NULL, 0);
    assert_int_equal(log_append(&log, &d), 0);
    event_draft_free(&d);
    log_close(&log);
    close(ready[0]);
    close(ready[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fifo_refused_not_waited_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regular_file_opens_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_creates_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_never_follows_a_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_directory_not_a_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_writable_by_others_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_held_fails_after_the_wait_naming_the_holder, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
