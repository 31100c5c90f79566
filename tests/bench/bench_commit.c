/* bench_commit — commits one file with repo_commit_file, for
 * tests/bench/bench_commit.sh to time against `git add && git commit`.
 * usage: bench_commit REPO BRANCH|- PATH FILE [MESSAGE]
 * Prints the commit id and the time spent inside the library (ms). */
#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int file_read(struct buf *out, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set_errno("cannot open %s", path);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len <= REPO_FILE_MAX)
        buf_add(out, chunk, n);
    int bad = ferror(f);
    fclose(f);
    return bad ? error_set("cannot read %s", path) : 0;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: bench_commit REPO BRANCH|- PATH FILE [MESSAGE]\n");
        return 2;
    }
    struct buf content = BUF_INIT;
    struct repo *r = NULL;
    int rc = 1;
    if (file_read(&content, argv[4]) < 0)
        goto done;
    double start = now_ms();
    if (repo_open(&r, argv[1]) < 0)
        goto done;
    struct repo_commit_request req = {
        .branch = strcmp(argv[2], "-") == 0 ? NULL : argv[2],
        .path = argv[3],
        .content = content.data,
        .len = content.len,
        .message = argc == 6 ? argv[5] : "postmortem: bench (SEV2, inc-bench)\n\nIncident: inc-bench\n",
        .author_name = "bench",
        .author_email = "bench@example.com",
    };
    struct repo_commit_result res;
    if (repo_commit_file(&res, r, &req) < 0)
        goto done;
    double spent = now_ms() - start;
    printf("%s %s %.2f\n", res.commit, res.changed ? "committed" : "unchanged", spent);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "bench_commit: %s\n", error_last());
    repo_free(r);
    buf_free(&content);
    return rc;
}
