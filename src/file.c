#include "warroom/file.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/text.h"

int file_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static const char *kind_of(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a regular file";
}

static int not_regular(const char *path, const char *what, mode_t mode)
{
    errno = EINVAL;
    return error_set("%s %s is %s, not a regular file: warroom reads and writes only plain files; "
                     "remove it or name another file",
                     what, path, kind_of(mode));
}

static int symlink_refused(const char *path, const char *what)
{
    errno = ELOOP;
    return error_set("%s %s is a symbolic link: warroom never follows links for incident data; "
                     "remove the link (and move the real file or directory there instead)",
                     what, path);
}

/* The file open at FD is a regular file: the open's O_NONBLOCK (there only so
 * a FIFO could not hang it) is dropped, unless the caller asked for it. */
static int settle(int fd, int flags, const char *path, const char *what)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return error_set_errno("cannot read %s %s", what, path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return not_regular(path, what, st.st_mode);
    }
    if (!(flags & O_NONBLOCK)) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return error_set_errno("cannot open %s %s", what, path);
        }
    }
    return fd;
}

/* Why an open of NAME in DFD (or of PATH when DFD is AT_FDCWD) failed. */
static int open_failed(int dfd, const char *name, const char *path, const char *what)
{
    int saved = errno;
    struct stat st;
    if (saved == ELOOP)
        return symlink_refused(path, what);
    if (saved == ENXIO && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return not_regular(path, what, st.st_mode);   /* a FIFO nobody reads, a socket */
    errno = saved;
    return error_set_errno("cannot open %s %s", what, path);
}

int file_open_regular(const char *path, int flags, const char *what)
{
    int fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
    if (fd < 0)
        return open_failed(AT_FDCWD, path, path, what);
    return settle(fd, flags, path, what);
}

static void owner_name(struct buf *out, uid_t uid)
{
    struct passwd *pw = getpwuid(uid);
    if (pw && pw->pw_name)
        text_clean(out, pw->pw_name, strnlen(pw->pw_name, 64), 0);
    buf_printf(out, "%suid %u%s", pw ? " (" : "", (unsigned)uid, pw ? ")" : "");
}

int file_check_private_dir(int fd, const char *path, const char *what)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return error_set_errno("cannot read %s %s", what, path);
    if (!S_ISDIR(st.st_mode))
        return error_set("%s %s is not a directory", what, path);
    /* root's own directories are as safe as the user's: root can do anything anyway */
    uid_t me = geteuid();
    if (st.st_uid != me && st.st_uid != 0) {
        struct buf owner = BUF_INIT;
        owner_name(&owner, st.st_uid);
        error_set("%s %s belongs to %s, not to you: its owner can read and change what warroom keeps "
                  "there. Use a directory of your own (--dir DIR or WARROOM_DIR), or remove this one",
                  what, path, buf_str(&owner));
        buf_free(&owner);
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        return error_set("%s %s is writable by %s (mode %04o): they could plant or replace files in it. "
                         "Run: chmod go-w %s",
                         what, path, (st.st_mode & S_IWOTH) ? "everyone" : "its group",
                         (unsigned)(st.st_mode & 07777), path);
    }
    return 0;
}

int file_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return error_set_errno("cannot open the directory %s to flush it", dir);
    int rc = 0;
    if (fsync(fd) < 0 && errno != EINVAL)    /* EINVAL: a file system that has nothing to flush */
        rc = error_set_errno("cannot flush the directory %s to disk", dir);
    close(fd);
    return rc;
}

int file_open_private(const char *path, int flags, const char *what)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    int fd = -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        int saved = errno;
        struct stat st;
        if ((saved == ELOOP || saved == ENOTDIR) && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
            symlink_refused(dir, "the directory");
        } else {
            errno = saved;
            error_set_errno("cannot open %s %s", what, path);
        }
        goto done;
    }
    if (file_check_private_dir(dfd, dir, "the directory") < 0)
        goto done;
    int base = (flags & ~O_CREAT) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    fd = openat(dfd, name, base);
    if (fd < 0 && errno == ENOENT && (flags & O_CREAT)) {
        /* Create it ourselves to know it is new: its name lives in the
         * directory, which must reach the disk too. */
        fd = openat(dfd, name, base | O_CREAT | O_EXCL, 0600);
        if (fd >= 0 && fsync(dfd) < 0 && errno != EINVAL) {
            error_set_errno("cannot flush the directory %s to disk", dir);
            close(fd);
            unlinkat(dfd, name, 0);
            fd = -1;
            goto done;
        }
        if (fd < 0 && errno == EEXIST)
            fd = openat(dfd, name, base);       /* another writer created it meanwhile */
    }
    if (fd < 0) {
        open_failed(dfd, name, path, what);
        goto done;
    }
    fd = settle(fd, flags, path, what);
done:
    if (dfd >= 0)
        close(dfd);
    free(dir);
    return fd;
}
