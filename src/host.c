#include "warroom/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/file.h"
#include "warroom/text.h"

static char this_id[HOST_ID_LEN + 1];
static char this_name[HOST_NAME_MAX_LEN + 1];

bool host_valid_id(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
            return false;
    return n == HOST_ID_LEN;
}

static int id_read(int fd, const char *path, char out[HOST_ID_LEN + 1])
{
    char text[HOST_ID_LEN + 2];
    ssize_t n;
    do
        n = pread(fd, text, sizeof text, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return error_set_errno("cannot read the host id %s", path);
    if (n == HOST_ID_LEN + 1 && text[HOST_ID_LEN] == '\n')
        n--;
    text[n] = '\0';
    if (n != HOST_ID_LEN || !host_valid_id(text))
        return error_set("%s is damaged (it should hold %d hex digits); remove it to make this a new host", path,
                         HOST_ID_LEN);
    memcpy(out, text, HOST_ID_LEN + 1);
    return 0;
}

/* Creates the id: written to a file of its own name only once complete, so a
 * crash leaves either no id or a whole one, and two processes racing agree. */
static int id_create(const char *dir, const char *path, char out[HOST_ID_LEN + 1])
{
    unsigned char raw[HOST_ID_LEN / 2];
    static const char hex[] = "0123456789abcdef";
    char text[HOST_ID_LEN + 1];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno != EINTR)
            return error_set_errno("cannot make a host id (getrandom)");
        if (n > 0)
            got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        text[2 * i] = hex[raw[i] >> 4];
        text[2 * i + 1] = hex[raw[i] & 15];
    }
    text[HOST_ID_LEN] = '\n';
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s/.host-id.%ld", dir, (long)getpid());
    int fd = open(buf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd < 0) {
        error_set_errno("cannot create the host id in %s", dir);
        goto done;
    }
    if (file_write_all(fd, text, sizeof text) < 0 || fsync(fd) < 0) {
        error_set_errno("cannot write the host id in %s", dir);
        close(fd);
        unlink(buf_str(&tmp));
        goto done;
    }
    close(fd);
    /* link, not rename: the first host id made stays the host id */
    if (link(buf_str(&tmp), path) < 0 && errno != EEXIST) {
        error_set_errno("cannot create the host id %s", path);
        unlink(buf_str(&tmp));
        goto done;
    }
    unlink(buf_str(&tmp));
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        error_set_errno("cannot open the host id %s", path);
        goto done;
    }
    rc = id_read(fd, path, out);
    close(fd);
done:
    buf_free(&tmp);
    return rc;
}

int host_open(const char *dir, const char *name)
{
    struct buf path = BUF_INIT;
    char id[HOST_ID_LEN + 1];
    int rc;
    buf_printf(&path, "%s/host-id", dir);
    int fd = open(buf_str(&path), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
            rc = error_set("%s is not a regular file", buf_str(&path));
        else
            rc = id_read(fd, buf_str(&path), id);
        close(fd);
    } else if (errno == ENOENT) {
        rc = id_create(dir, buf_str(&path), id);
    } else if (errno == ELOOP) {
        rc = error_set("%s is a symbolic link; the host id is never read through one", buf_str(&path));
    } else {
        rc = error_set_errno("cannot open the host id %s", buf_str(&path));
    }
    buf_free(&path);
    if (rc < 0)
        return rc;
    memcpy(this_id, id, sizeof this_id);

    char sys[256] = "";
    const char *env = getenv("WARROOM_HOST");
    if (env && *env)
        name = env;
    if (!name || !*name) {
        if (gethostname(sys, sizeof sys - 1) != 0 || !sys[0])
            snprintf(sys, sizeof sys, "%s", this_id);
        name = sys;
    }
    /* shown to everyone on the incident: one clean line, bounded */
    struct buf clean = BUF_INIT;
    text_clean(&clean, name, strnlen(name, 4 * HOST_NAME_MAX_LEN), 0);
    size_t n = clean.len < HOST_NAME_MAX_LEN ? clean.len : HOST_NAME_MAX_LEN;
    while (n > 0 && n < clean.len && ((unsigned char)clean.data[n] & 0xc0) == 0x80)
        n--;                          /* never cut a character in half */
    memcpy(this_name, buf_str(&clean), n);
    this_name[n] = '\0';
    buf_free(&clean);
    return 0;
}

const char *host_id(void)
{
    return this_id[0] ? this_id : NULL;
}

const char *host_name(void)
{
    return this_name[0] ? this_name : NULL;
}

bool host_is_ours(const struct event *ev)
{
    const char *h = event_str(ev, "host");
    return !h || !this_id[0] || strcmp(h, this_id) == 0;
}
