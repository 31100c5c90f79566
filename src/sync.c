#include "warroom/sync.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/file.h"
#include "warroom/host.h"
#include "warroom/incident.h"
#include "warroom/log.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

#define REF_PREFIX "refs/warroom/"
#define FETCHED_PREFIX "refs/fetched/"
#define SEEN_PREFIX "refs/seen/"
#define BUCKET_SIZE 1000u

/* ---- messages ----------------------------------------------------------- */

/* MSG with its secrets taken out (repo_redact), cleaned to one printable line. */
static void redact(struct buf *out, const char *msg)
{
    struct buf raw = BUF_INIT;
    repo_redact(&raw, msg);
    text_clean(out, buf_str(&raw), raw.len < 400 ? raw.len : 400, 0);
    buf_free(&raw);
}

static int fail_git(const char *what)
{
    struct buf m = BUF_INIT;
    redact(&m, repo_git_message());
    error_set("%s: %s", what, buf_str(&m));
    buf_free(&m);
    return -1;
}

static void say(struct sync_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sync_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&res->said, fmt, ap);
    va_end(ap);
    buf_addc(&res->said, '\n');
}

void sync_result_free(struct sync_result *r)
{
    buf_free(&r->said);
}

/* ---- settings ----------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

/* A path from the config, "~/" meaning the home directory as a shell has it. */
static char *path_dup(const char *s)
{
    const char *home = getenv("HOME");
    if (!s || !*s)
        return NULL;
    if (strncmp(s, "~/", 2) != 0 || !home)
        return xstrdup(s);
    struct buf p = BUF_INIT;
    buf_printf(&p, "%s/%s", home, s + 2);
    return buf_detach(&p);
}

/* The URL of remote NAME of the platform repository, as git would use it. */
static int platform_remote_url(char **out, const char *repo_path, const char *name)
{
    git_repository *g = NULL;
    git_remote *remote = NULL;
    int rc = repo_path ? git_repository_open(&g, repo_path)
                       : git_repository_open_ext(&g, ".", 0, NULL);
    if (rc < 0)
        return error_set("sync: no sync.url in the config, and no platform repository to take remote %s from "
                         "(--repo, WARROOM_REPO or the working directory)",
                         name);
    if (git_remote_lookup(&remote, g, name) < 0) {
        rc = error_set("sync: the platform repository has no remote %s; set sync.remote or sync.url", name);
    } else {
        const char *url = git_remote_pushurl(remote) ? git_remote_pushurl(remote) : git_remote_url(remote);
        *out = dup_or_null(url);
        rc = *out ? 0 : error_set("sync: remote %s has no URL", name);
    }
    git_remote_free(remote);
    git_repository_free(g);
    return rc;
}

int sync_settings_load(struct sync_settings *s, const struct config *c, const struct store *store,
                       const char *repo_path)
{
    memset(s, 0, sizeof *s);
    s->store = store;
    if (repo_git_start() < 0)
        return fail_git("cannot start libgit2");
    s->configured = config_value(c, "sync") != NULL;
    const char *url = getenv("WARROOM_SYNC_URL");
    if (!url || !*url)
        url = config_string(c, "sync.url");
    if (url && *url) {
        s->url = xstrdup(url);
    } else {
        const char *name = config_string(c, "sync.remote");
        if (platform_remote_url(&s->url, repo_path, name && *name ? name : "origin") < 0)
            return -1;
    }
    struct buf w = BUF_INIT;
    redact(&w, s->url);
    s->where = buf_detach(&w);
    const char *key = getenv("WARROOM_SSH_KEY");
    s->ssh_key = path_dup(key && *key ? key : config_string(c, "sync.ssh_key"));
    const char *kh = getenv("WARROOM_KNOWN_HOSTS");
    if (!kh || !*kh)
        kh = config_string(c, "sync.known_hosts");
    if (kh && *kh) {
        s->known_hosts = path_dup(kh);
    } else {
        struct buf p = BUF_INIT;
        const char *home = getenv("HOME");
        buf_printf(&p, "%s/.ssh/known_hosts", home ? home : "");
        s->known_hosts = buf_detach(&p);
    }
    return 0;
}

void sync_settings_free(struct sync_settings *s)
{
    free(s->url);
    free(s->where);
    free(s->ssh_key);
    free(s->known_hosts);
    memset(s, 0, sizeof *s);
}

/* ---- the remote: credentials and host keys ------------------------------ */

struct remote_state {
    const struct sync_settings *s;
    unsigned credential_calls;
    bool rejected;
    char status[128];
};

static int credentials_acquire(git_credential **out, const char *url, const char *user_from_url,
                               unsigned int allowed, void *payload)
{
    struct remote_state *st = payload;
    (void)url;
    const char *user = user_from_url && *user_from_url ? user_from_url : "git";
    /* libgit2 asks again after each refusal; a wrong key must not loop */
    if (++st->credential_calls > 2) {
        git_error_set_str(GIT_ERROR_NET, "authentication failed");
        return GIT_EAUTH;
    }
    if (allowed & GIT_CREDENTIAL_SSH_KEY) {
        if (st->s->ssh_key) {
            const char *pass = getenv("WARROOM_SSH_PASSPHRASE");
            return git_credential_ssh_key_new(out, user, NULL, st->s->ssh_key, pass);
        }
        return git_credential_ssh_key_from_agent(out, user);
    }
    if (allowed & GIT_CREDENTIAL_USERNAME)
        return git_credential_username_new(out, user);
    const char *token = getenv("WARROOM_GIT_TOKEN");
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && token && *token && st->credential_calls == 1)
        return git_credential_userpass_plaintext_new(out, user_from_url && *user_from_url ? user_from_url
                                                                                          : "x-access-token",
                                                     token);
    git_error_set_str(GIT_ERROR_NET, "no credentials: set WARROOM_GIT_TOKEN (https) or sync.ssh_key (ssh)");
    return GIT_EAUTH;
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static size_t b64_decode(unsigned char *out, size_t max, const char *in, size_t len)
{
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len && in[i] != '='; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0)
            return 0;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == max)
                return 0;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

/* The host and port the URL names, as known_hosts writes them. */
static void url_known_name(char *out, size_t size, const char *url, const char *host)
{
    const char *p = strstr(url, "://");
    long port = 22;
    if (p) {
        p += 3;
        const char *at = strchr(p, '@'), *slash = strchr(p, '/');
        if (at && (!slash || at < slash))
            p = at + 1;
        const char *colon = strchr(p, ':');
        if (colon && (!slash || colon < slash))
            port = strtol(colon + 1, NULL, 10);
    }
    if (port == 22)
        snprintf(out, size, "%s", host);
    else
        snprintf(out, size, "[%s]:%ld", host, port);
}

static bool pattern_has(const char *patterns, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && patterns[j] != ',')
            j++;
        if (j - i == nlen && memcmp(patterns + i, name, nlen) == 0)
            return true;
        i = j + 1;
    }
    return false;
}

/* ssh: the server's key must be the one known_hosts has for it (plain host
 * names; `ssh-keyscan` without -H writes them). */
static int certificate_check(git_cert *cert, int valid, const char *host, void *payload)
{
    struct remote_state *st = payload;
    if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
        return valid ? 0 : GIT_PASSTHROUGH;   /* https: the system's trust store decides */
    const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
    if (!(hk->type & GIT_CERT_SSH_RAW) || !hk->hostkey) {
        git_error_set_str(GIT_ERROR_SSH, "the ssh server's host key cannot be checked");
        return GIT_ECERTIFICATE;
    }
    char name[300];
    url_known_name(name, sizeof name, st->s->url, host);
    FILE *f = fopen(st->s->known_hosts, "re");
    if (!f) {
        git_error_set(GIT_ERROR_SSH, "no known_hosts file to check the host key of %s against", name);
        return GIT_ECERTIFICATE;
    }
    char line[16384];
    bool known = false, matched = false;
    unsigned char *key = xmalloc(sizeof line);
    while (!matched && fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '@')
            continue;
        size_t plen = strcspn(p, " \t");
        if (!pattern_has(p, plen, name))
            continue;
        known = true;
        char *type = p + plen + strspn(p + plen, " \t");
        char *b64 = type + strcspn(type, " \t");
        b64 += strspn(b64, " \t");
        size_t blen = strcspn(b64, " \t\r\n");
        size_t klen = b64_decode(key, sizeof line, b64, blen);
        matched = klen == hk->hostkey_len && memcmp(key, hk->hostkey, klen) == 0;
    }
    free(key);
    fclose(f);
    if (matched)
        return 0;
    git_error_set(GIT_ERROR_SSH, known ? "the host key of %s is not the one in %s: refusing to connect"
                                       : "%s is not in %s: add its host key (ssh-keyscan) before syncing",
                  name, st->s->known_hosts);
    return GIT_ECERTIFICATE;
}

static int push_on_update(const char *refname, const char *status, void *data)
{
    struct remote_state *st = data;
    (void)refname;
    if (status) {
        st->rejected = true;
        size_t n = 0;
        for (; *status && n < sizeof st->status - 1; status++)
            st->status[n++] = (*status >= 0x20 && *status < 0x7f) ? *status : '?';
        st->status[n] = '\0';
    }
    return 0;
}

static void callbacks_set(git_remote_callbacks *cb, struct remote_state *st)
{
    cb->credentials = credentials_acquire;
    cb->certificate_check = certificate_check;
    cb->push_update_reference = push_on_update;
    cb->payload = st;
}

/* ---- the local object store --------------------------------------------- */

struct local {
    git_repository *g;
    int lock_fd;
    char *dir;
};

/* Lock files a killed sync left behind: only sync holds this repository, and
 * it holds the data directory's sync lock while it writes, so any lock file
 * found under that lock is stale. */
static void stale_locks_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        struct buf p = BUF_INIT;
        buf_printf(&p, "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        struct stat st;
        if (lstat(buf_str(&p), &st) == 0) {
            if (S_ISDIR(st.st_mode))
                stale_locks_remove(buf_str(&p));
            else if (n > 5 && strcmp(e->d_name + n - 5, ".lock") == 0)
                unlink(buf_str(&p));
        }
        buf_free(&p);
    }
    closedir(d);
}

static int local_open(struct local *l, const struct sync_settings *s, bool lock)
{
    memset(l, 0, sizeof *l);
    l->lock_fd = -1;
    if (repo_git_start() < 0)
        return fail_git("cannot start libgit2");
    struct buf p = BUF_INIT;
    if (lock) {
        buf_printf(&p, "%s/sync.lock", s->store->dir);
        l->lock_fd = open(buf_str(&p), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (l->lock_fd < 0) {
            error_set_errno("cannot open %s", buf_str(&p));
            buf_free(&p);
            return -1;
        }
        while (flock(l->lock_fd, LOCK_EX) < 0) {
            if (errno != EINTR) {
                error_set_errno("cannot lock %s", buf_str(&p));
                buf_free(&p);
                return -1;
            }
        }
        buf_reset(&p);
    }
    buf_printf(&p, "%s/sync.git", s->store->dir);
    l->dir = buf_detach(&p);
    struct stat st;
    if (lstat(l->dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return error_set("%s is not a directory", l->dir);
    if (lock) {
        struct buf refs = BUF_INIT;
        buf_printf(&refs, "%s/refs", l->dir);
        stale_locks_remove(buf_str(&refs));
        buf_reset(&refs);
        buf_printf(&refs, "%s/packed-refs.lock", l->dir);
        unlink(buf_str(&refs));
        buf_free(&refs);
    }
    if (git_repository_open_bare(&l->g, l->dir) == 0)
        return 0;
    if (!lock)
        return error_set("nothing synced yet (%s does not exist): run 'warroom sync'", l->dir);
    if (git_repository_init(&l->g, l->dir, 1) < 0)
        return fail_git("cannot create the sync repository");
    chmod(l->dir, 0700);              /* incident data is nobody else's business */
    return 0;
}

static void local_close(struct local *l)
{
    git_repository_free(l->g);
    if (l->lock_fd >= 0)
        close(l->lock_fd);
    free(l->dir);
    memset(l, 0, sizeof *l);
    l->lock_fd = -1;
}

static int ref_oid(git_oid *out, git_repository *g, const char *name)
{
    int rc = git_reference_name_to_id(out, g, name);
    if (rc == GIT_ENOTFOUND)
        return 0;
    return rc < 0 ? fail_git("cannot read a ref of the sync repository") : 1;
}

/* Our own commits say how many of our records and batches the chain holds,
 * and the id of the last record. */
struct chain_tip {
    unsigned long events, batches;
    char last[EVENT_ID_MAX + 1];
};

static void trailer(const char *msg, const char *key, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = strstr(msg, key);
    if (!p)
        return;
    p += strlen(key);
    size_t n = strcspn(p, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void chain_tip_read(struct chain_tip *t, git_repository *g, const git_oid *id)
{
    git_commit *c = NULL;
    char num[32];
    memset(t, 0, sizeof *t);
    if (!id || git_commit_lookup(&c, g, id) < 0)
        return;
    const char *msg = git_commit_message(c);
    trailer(msg, "\nWarroom-Events: ", num, sizeof num);
    t->events = strtoul(num, NULL, 10);
    trailer(msg, "\nWarroom-Batches: ", num, sizeof num);
    t->batches = strtoul(num, NULL, 10);
    trailer(msg, "\nWarroom-Last: ", t->last, sizeof t->last);
    git_commit_free(c);
}

/* ---- reading batches ----------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Called with each batch blob of a chain's tree not in the tree of SEEN. */
typedef int (*batch_fn)(void *ctx, const git_oid *blob);

/* Walks the batches of TREE (e/<bucket>/<batch>) in order, skipping those
 * SEEN (the tree last read, or NULL) has. A batch SEEN has with other content
 * means the history was rewritten: refused. */
static int batches_walk(git_repository *g, git_tree *tree, git_tree *seen, const char *ref, batch_fn fn, void *ctx)
{
    git_tree *e = NULL, *seen_e = NULL;
    const git_tree_entry *ent = git_tree_entry_byname(tree, "e");
    int rc = 0;
    if (!ent)
        return 0;
    if (git_tree_entry_type(ent) != GIT_OBJECT_TREE || git_tree_lookup(&e, g, git_tree_entry_id(ent)) < 0)
        return error_set("%s: damaged tree (e is not a directory of batches)", ref);
    const git_tree_entry *sent = seen ? git_tree_entry_byname(seen, "e") : NULL;
    if (sent && git_tree_entry_type(sent) == GIT_OBJECT_TREE)
        git_tree_lookup(&seen_e, g, git_tree_entry_id(sent));
    for (size_t i = 0; rc == 0 && i < git_tree_entrycount(e); i++) {
        const git_tree_entry *b = git_tree_entry_byindex(e, i);
        const git_tree_entry *sb = seen_e ? git_tree_entry_byname(seen_e, git_tree_entry_name(b)) : NULL;
        if (sb && git_oid_equal(git_tree_entry_id(sb), git_tree_entry_id(b)))
            continue;
        git_tree *bucket = NULL, *seen_bucket = NULL;
        if (!digits(git_tree_entry_name(b), 6) || git_tree_entry_type(b) != GIT_OBJECT_TREE ||
            git_tree_lookup(&bucket, g, git_tree_entry_id(b)) < 0) {
            rc = error_set("%s: damaged tree (a bucket that is not one)", ref);
            break;
        }
        if (sb && git_tree_entry_type(sb) == GIT_OBJECT_TREE)
            git_tree_lookup(&seen_bucket, g, git_tree_entry_id(sb));
        for (size_t k = 0; rc == 0 && k < git_tree_entrycount(bucket); k++) {
            const git_tree_entry *blob = git_tree_entry_byindex(bucket, k);
            const git_tree_entry *sblob =
                seen_bucket ? git_tree_entry_byname(seen_bucket, git_tree_entry_name(blob)) : NULL;
            if (!digits(git_tree_entry_name(blob), 9) || git_tree_entry_type(blob) != GIT_OBJECT_BLOB) {
                rc = error_set("%s: damaged tree (a batch that is not one)", ref);
            } else if (sblob) {
                if (!git_oid_equal(git_tree_entry_id(sblob), git_tree_entry_id(blob)))
                    rc = error_set("%s: batch %s was rewritten after it was read: history rewritten, refused",
                                   ref, git_tree_entry_name(blob));
            } else {
                rc = fn(ctx, git_tree_entry_id(blob));
            }
        }
        git_tree_free(bucket);
        git_tree_free(seen_bucket);
    }
    git_tree_free(e);
    git_tree_free(seen_e);
    return rc;
}

/* Reads blob ID, refusing it unread when it is larger than any batch. */
static int blob_read(git_blob **out, git_repository *g, const git_oid *id, const char *ref)
{
    git_odb *odb = NULL;
    size_t len = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    *out = NULL;
    if (git_repository_odb(&odb, g) < 0)
        return fail_git("cannot open the sync repository's objects");
    int rc = git_odb_read_header(&len, &type, odb, id);
    git_odb_free(odb);
    if (rc < 0)
        return error_set("%s: damaged batch (%s)", ref, repo_git_message());
    if (type != GIT_OBJECT_BLOB)
        return error_set("%s: damaged batch (not a blob)", ref);
    if (len > SYNC_BLOB_MAX)
        return error_set("%s: a batch of %zu MiB, over the limit of %u MiB: refused unread", ref, len >> 20,
                         SYNC_BLOB_MAX >> 20);
    if (git_blob_lookup(out, g, id) < 0)
        return error_set("%s: damaged batch (%s)", ref, repo_git_message());
    return 0;
}

/* ---- ids already here ---------------------------------------------------- */

struct id_table {
    char **slots;
    size_t cap, n;
};

static uint64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool id_table_add(struct id_table *t, const char *id)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        char **slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i])
                continue;
            size_t k = id_hash(t->slots[i]) & (cap - 1);
            while (slots[k])
                k = (k + 1) & (cap - 1);
            slots[k] = t->slots[i];
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    size_t k = id_hash(id) & (t->cap - 1);
    for (; t->slots[k]; k = (k + 1) & (t->cap - 1))
        if (strcmp(t->slots[k], id) == 0)
            return false;
    t->slots[k] = xstrdup(id);
    t->n++;
    return true;
}

static void id_table_free(struct id_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i]);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- importing another host's chain -------------------------------------- */

struct import {
    struct sync_result *res;
    git_repository *g;
    struct incident_log *log;
    struct id_table *ids;
    const char *ref, *host;
    struct buf pending;     /* records checked, not yet appended */
    struct arena *arena;
};

static int import_flush(struct import *im)
{
    if (!im->pending.len)
        return 0;
    int rc = log_append_lines(im->log, im->pending.data, im->pending.len);
    buf_reset(&im->pending);
    return rc;
}

static int import_batch(void *ctx, const git_oid *id)
{
    struct import *im = ctx;
    git_blob *blob;
    if (blob_read(&blob, im->g, id, im->ref) < 0)
        return -1;
    const char *data = git_blob_rawcontent(blob);
    size_t len = (size_t)git_blob_rawsize(blob);
    int rc = 0;
    for (size_t pos = 0; rc == 0 && pos < len;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        const char *line = data + pos;
        pos += n + 1;
        struct event ev;
        if (!nl) {
            rc = error_set("%s: damaged batch (its last record has no end)", im->ref);
            break;
        }
        if (n + 1 > EVENT_RECORD_MAX || event_parse(&ev, im->arena, line, n) < 0) {
            say(im->res, "%s: a record that is not one was refused (%s)", im->ref,
                n + 1 > EVENT_RECORD_MAX ? "too long" : error_last());
            im->res->refused++;
            continue;
        }
        const char *claims = event_str(&ev, "host");
        if (!claims || strcmp(claims, im->host) != 0 || ev.type == EVENT_TORN) {
            struct buf c = BUF_INIT;
            text_clean(&c, claims ? claims : "no host", claims ? strnlen(claims, 40) : 7, 0);
            say(im->res, "%s: record %.40s claims host %s, not the ref's: refused", im->ref, ev.id, buf_str(&c));
            buf_free(&c);
            im->res->refused++;
            continue;
        }
        if (!id_table_add(im->ids, ev.id))
            continue;                   /* here already: ids make a round idempotent */
        if (im->pending.len + n + 1 > LOG_APPEND_LINES_MAX)
            rc = import_flush(im);
        buf_add(&im->pending, line, n + 1);
        im->res->appended++;
    }
    git_blob_free(blob);
    return rc;
}

static int ref_name(struct buf *out, const char *prefix, const char *id, const char *host)
{
    buf_reset(out);
    buf_printf(out, "%s%s/%s", prefix, id, host);
    return 0;
}

/* Appends what host HOST's fetched chain holds that we have not read. */
static int import_host(struct sync_result *res, git_repository *g, const char *id, const char *host,
                       struct incident_log *log, struct id_table *ids)
{
    struct buf fetched = BUF_INIT, seen = BUF_INIT, shown = BUF_INIT;
    git_oid f, s;
    git_commit *fc = NULL, *sc = NULL;
    git_tree *ft = NULL, *st = NULL;
    int rc = -1, have_seen;
    ref_name(&fetched, FETCHED_PREFIX, id, host);
    ref_name(&seen, SEEN_PREFIX, id, host);
    ref_name(&shown, REF_PREFIX, id, host);
    struct import im = {.res = res, .g = g, .log = log, .ids = ids, .ref = buf_str(&shown), .host = host,
                        .arena = arena_new()};
    if (ref_oid(&f, g, buf_str(&fetched)) <= 0 || (have_seen = ref_oid(&s, g, buf_str(&seen))) < 0)
        goto done;
    if (have_seen && git_oid_equal(&f, &s)) {
        rc = 0;
        goto done;
    }
    if (git_commit_lookup(&fc, g, &f) < 0 || git_commit_tree(&ft, fc) < 0) {
        error_set("%s: damaged commit (%s)", buf_str(&shown), repo_git_message());
        goto done;
    }
    if (have_seen) {
        int d = git_graph_descendant_of(g, &f, &s);
        if (d < 0) {
            error_set("%s: damaged history (%s)", buf_str(&shown), repo_git_message());
            goto done;
        }
        if (d == 0) {
            error_set("%s: not a fast-forward of what was read before: its history was rewritten, refused",
                      buf_str(&shown));
            goto done;
        }
        if (git_commit_lookup(&sc, g, &s) == 0)
            git_commit_tree(&st, sc);
    }
    rc = batches_walk(g, ft, st, buf_str(&shown), import_batch, &im);
    if (import_flush(&im) < 0)
        rc = -1;
    if (rc == 0) {
        git_reference *r = NULL;
        if (git_reference_create(&r, g, buf_str(&seen), &f, 1, "read") < 0)
            rc = fail_git("cannot record what was read");
        git_reference_free(r);
    }
done:
    git_tree_free(ft);
    git_tree_free(st);
    git_commit_free(fc);
    git_commit_free(sc);
    buf_free(&im.pending);
    arena_free(im.arena);
    buf_free(&fetched);
    buf_free(&seen);
    buf_free(&shown);
    return rc;
}

/* ---- publishing our own records ------------------------------------------ */

struct collect {
    git_repository *g;
    struct id_table *ids;
    struct arena *arena;
};

static int collect_batch(void *ctx, const git_oid *id)
{
    struct collect *c = ctx;
    git_blob *blob;
    if (blob_read(&blob, c->g, id, "our own ref") < 0)
        return -1;
    const char *data = git_blob_rawcontent(blob);
    size_t len = (size_t)git_blob_rawsize(blob);
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        struct event ev;
        if (event_parse(&ev, c->arena, data + pos, n) == 0)
            id_table_add(c->ids, ev.id);
        pos += n + 1;
    }
    git_blob_free(blob);
    return 0;
}

/* The log's bytes and where each line starts, to publish records as written. */
struct log_bytes {
    struct buf data;
    size_t *starts;
    size_t nlines;
};

static int log_bytes_read(struct log_bytes *lb, const char *path)
{
    memset(lb, 0, sizeof *lb);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return error_set_errno("cannot open %s", path);
    for (;;) {
        buf_grow(&lb->data, 1 << 20);
        ssize_t n = read(fd, lb->data.data + lb->data.len, 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return error_set_errno("cannot read %s", path);
        }
        if (n == 0)
            break;
        lb->data.len += (size_t)n;
    }
    close(fd);
    size_t cap = 1024;
    lb->starts = xmalloc(cap * sizeof *lb->starts);
    for (size_t pos = 0; pos < lb->data.len;) {
        const char *nl = memchr(lb->data.data + pos, '\n', lb->data.len - pos);
        if (!nl)
            break;
        if (lb->nlines + 2 > cap) {
            cap *= 2;
            lb->starts = xrealloc(lb->starts, cap * sizeof *lb->starts);
        }
        lb->starts[lb->nlines++] = pos;
        pos = (size_t)(nl - lb->data.data) + 1;
        lb->starts[lb->nlines] = pos;
    }
    return 0;
}

static void log_bytes_free(struct log_bytes *lb)
{
    buf_free(&lb->data);
    free(lb->starts);
}

static int tree_put(git_treebuilder *tb, const char *name, const git_oid *id, git_filemode_t mode)
{
    return git_treebuilder_insert(NULL, tb, name, id, mode) < 0 ? fail_git("cannot build a tree") : 0;
}

/* Adds batch number BATCH holding DATA to ROOT's tree, into *OUT. */
static int tree_add_batch(git_oid *out, git_repository *g, git_tree *root, unsigned long batch, const char *data,
                          size_t len)
{
    char bucket_name[24], batch_name[24];
    snprintf(bucket_name, sizeof bucket_name, "%06lu", batch / BUCKET_SIZE);
    snprintf(batch_name, sizeof batch_name, "%09lu", batch);
    git_oid blob, bucket_id, e_id;
    git_tree *e = NULL, *bucket = NULL;
    git_treebuilder *tb = NULL;
    int rc = -1;
    if (git_blob_create_from_buffer(&blob, g, data, len) < 0) {
        fail_git("cannot write a batch");
        goto done;
    }
    const git_tree_entry *ent = root ? git_tree_entry_byname(root, "e") : NULL;
    if (ent)
        git_tree_lookup(&e, g, git_tree_entry_id(ent));
    ent = e ? git_tree_entry_byname(e, bucket_name) : NULL;
    if (ent)
        git_tree_lookup(&bucket, g, git_tree_entry_id(ent));
    if (git_treebuilder_new(&tb, g, bucket) < 0 || tree_put(tb, batch_name, &blob, GIT_FILEMODE_BLOB) < 0 ||
        git_treebuilder_write(&bucket_id, tb) < 0)
        goto fail;
    git_treebuilder_free(tb);
    tb = NULL;
    if (git_treebuilder_new(&tb, g, e) < 0 || tree_put(tb, bucket_name, &bucket_id, GIT_FILEMODE_TREE) < 0 ||
        git_treebuilder_write(&e_id, tb) < 0)
        goto fail;
    git_treebuilder_free(tb);
    tb = NULL;
    if (git_treebuilder_new(&tb, g, root) < 0 || tree_put(tb, "e", &e_id, GIT_FILEMODE_TREE) < 0 ||
        git_treebuilder_write(out, tb) < 0)
        goto fail;
    rc = 0;
    goto done;
fail:
    if (!*error_last())
        fail_git("cannot build a tree");
done:
    git_treebuilder_free(tb);
    git_tree_free(e);
    git_tree_free(bucket);
    return rc;
}

/* The host's name and id, for people reading the remote. */
static int tree_add_host(git_oid *out, git_repository *g, const git_oid *tree_id)
{
    git_tree *t = NULL;
    git_treebuilder *tb = NULL;
    git_oid blob;
    struct buf text = BUF_INIT;
    int rc = -1;
    buf_adds(&text, "{\"id\":");
    event_json_string(&text, host_id(), strlen(host_id()));
    buf_adds(&text, ",\"name\":");
    event_json_string(&text, host_name() ? host_name() : "", host_name() ? strlen(host_name()) : 0);
    buf_adds(&text, "}\n");
    if (git_tree_lookup(&t, g, tree_id) < 0 || git_blob_create_from_buffer(&blob, g, text.data, text.len) < 0 ||
        git_treebuilder_new(&tb, g, t) < 0 || tree_put(tb, "host.json", &blob, GIT_FILEMODE_BLOB) < 0 ||
        git_treebuilder_write(out, tb) < 0) {
        if (!*error_last())
            fail_git("cannot build a tree");
        goto done;
    }
    rc = 0;
done:
    git_treebuilder_free(tb);
    git_tree_free(t);
    buf_free(&text);
    return rc;
}

/* A name git accepts in a signature: no angle brackets, no newlines. */
static void signature_name(char *out, size_t size, const char *name)
{
    size_t n = 0;
    for (; name && *name && n + 1 < size; name++)
        out[n++] = (*name == '<' || *name == '>' || (unsigned char)*name < 0x20) ? '_' : *name;
    out[n] = '\0';
    if (!n)
        snprintf(out, size, "warroom");
}

/* Commits our records of INC not yet in our chain: one commit per round. */
static int publish(struct sync_result *res, git_repository *g, const char *id, const struct incident *inc,
                   const char *log_path)
{
    struct buf ref = BUF_INIT, msg = BUF_INIT, batch = BUF_INIT;
    struct log_bytes lb = {0};
    struct id_table published = {0};
    git_oid tip, tree_id, commit_id;
    git_commit *parent = NULL;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    struct chain_tip ct;
    int rc = -1, have;
    const char *me = host_id();
    ref_name(&ref, REF_PREFIX, id, me);
    if ((have = ref_oid(&tip, g, buf_str(&ref))) < 0)
        goto done;
    chain_tip_read(&ct, g, have ? &tip : NULL);
    if (have && (git_commit_lookup(&parent, g, &tip) < 0 || git_commit_tree(&tree, parent) < 0)) {
        fail_git("our own ref is damaged");
        goto done;
    }

    /* our records in file order; those past the count the chain holds are new,
     * as long as the last one it holds is where it says */
    const struct event **ours = xmalloc((inc->nevents + 1) * sizeof *ours);
    size_t nours = 0;
    for (size_t i = 0; i < inc->nevents; i++) {
        const char *h = event_str(inc->events[i], "host");
        if (h && strcmp(h, me) == 0 && inc->events[i]->type != EVENT_TORN)
            ours[nours++] = inc->events[i];
    }
    size_t from = 0;
    bool by_count = ct.events <= nours && (ct.events == 0 ? !have : strcmp(ours[ct.events - 1]->id, ct.last) == 0);
    if (by_count) {
        from = ct.events;
    } else if (tree) {
        struct collect c = {.g = g, .ids = &published, .arena = arena_new()};
        int w = batches_walk(g, tree, NULL, "our own ref", collect_batch, &c);
        arena_free(c.arena);
        if (w < 0) {
            free(ours);
            goto done;
        }
    }
    size_t nnew = 0;
    bool recount = !by_count;         /* the chain's ids, read back, say what is new */
    for (size_t i = from; i < nours; i++)
        if (!recount || id_table_add(&published, ours[i]->id))
            ours[from + nnew++] = ours[i];
    if (nnew == 0) {
        free(ours);
        rc = 0;
        goto done;
    }
    if (log_bytes_read(&lb, log_path) < 0) {
        free(ours);
        goto done;
    }
    unsigned long batches = ct.batches;
    git_oid cur = {{0}};
    bool have_cur = tree != NULL;
    if (tree)
        git_oid_cpy(&cur, git_tree_id(tree));
    for (size_t i = 0; i < nnew;) {
        buf_reset(&batch);
        size_t k = 0;
        for (; i < nnew && k < SYNC_BATCH_EVENTS_MAX; i++, k++) {
            unsigned line = ours[from + i]->line;
            if (line == 0 || line > lb.nlines)
                continue;
            size_t a = lb.starts[line - 1], b = lb.starts[line];
            if (batch.len + (b - a) > SYNC_BLOB_MAX / 2)
                break;
            buf_add(&batch, lb.data.data + a, b - a);
        }
        git_tree *base = NULL;
        if (have_cur && git_tree_lookup(&base, g, &cur) < 0) {
            free(ours);
            fail_git("cannot read a tree");
            goto done;
        }
        int t = tree_add_batch(&cur, g, base, batches++, batch.data ? batch.data : "", batch.len);
        git_tree_free(base);
        if (t < 0) {
            free(ours);
            goto done;
        }
        have_cur = true;
    }
    const char *last_id = ours[from + nnew - 1]->id;
    unsigned long total = recount ? published.n : ct.events + nnew;
    free(ours);
    if (tree_add_host(&tree_id, g, &cur) < 0)
        goto done;
    char name[HOST_NAME_MAX_LEN + 1];
    signature_name(name, sizeof name, host_name());
    struct buf email = BUF_INIT;
    buf_printf(&email, "%s@warroom.invalid", me);
    int64_t now = stamp_now();
    int s = git_signature_new(&sig, name, buf_str(&email), (git_time_t)(now / 1000), 0);
    buf_free(&email);
    if (s < 0) {
        fail_git("cannot sign the commit");
        goto done;
    }
    buf_printf(&msg, "%s: %zu events from %s\n\nWarroom-Host: %s\nWarroom-Events: %lu\nWarroom-Batches: %lu\n"
                     "Warroom-Last: %s\n",
               id, nnew, name, me, total, batches, last_id);
    git_tree *final_tree = NULL;
    if (git_tree_lookup(&final_tree, g, &tree_id) < 0) {
        fail_git("cannot read a tree");
        goto done;
    }
    const git_commit *parents[1] = {parent};
    int c = git_commit_create(&commit_id, g, NULL, sig, sig, NULL, buf_str(&msg), final_tree, parent ? 1 : 0,
                              parents);
    git_tree_free(final_tree);
    if (c < 0) {
        fail_git("cannot commit our records");
        goto done;
    }
    git_reference *r = NULL;
    if (git_reference_create(&r, g, buf_str(&ref), &commit_id, 1, "publish") < 0) {
        fail_git("cannot update our own ref");
        goto done;
    }
    git_reference_free(r);
    res->published += (unsigned)nnew;
    rc = 0;
done:
    git_signature_free(sig);
    git_commit_free(parent);
    git_tree_free(tree);
    id_table_free(&published);
    log_bytes_free(&lb);
    buf_free(&ref);
    buf_free(&msg);
    buf_free(&batch);
    return rc;
}

/* ---- the network ----------------------------------------------------------- */

static int remote_make(git_remote **out, git_repository *g, const struct sync_settings *s)
{
    git_remote_create_options opts;
    git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    opts.repository = g;
    opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    if (git_remote_create_with_opts(out, s->url, &opts) < 0)
        return fail_git("invalid sync URL");
    return 0;
}

static int fetch_specs(git_repository *g, const struct sync_settings *s, char **specs, size_t n)
{
    git_remote *remote = NULL;
    struct remote_state st = {.s = s};
    git_fetch_options fo;
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    callbacks_set(&fo.callbacks, &st);
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo.update_fetchhead = 0;
    fo.prune = GIT_FETCH_NO_PRUNE;
    if (remote_make(&remote, g, s) < 0)
        return -1;
    git_strarray arr = {specs, n};
    int rc = git_remote_fetch(remote, &arr, &fo, "sync");
    if (rc < 0)
        rc = fail_git("fetch failed");
    git_remote_free(remote);
    return rc;
}

/* The remote's refs under PREFIX (connected for fetching). */
static int remote_list(char ***names, size_t *n, git_repository *g, const struct sync_settings *s,
                       const char *prefix)
{
    git_remote *remote = NULL;
    struct remote_state st = {.s = s};
    git_remote_callbacks cb;
    git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
    callbacks_set(&cb, &st);
    *names = NULL;
    *n = 0;
    if (remote_make(&remote, g, s) < 0)
        return -1;
    const git_remote_head **heads;
    size_t nheads;
    int rc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL);
    if (rc == 0)
        rc = git_remote_ls(&heads, &nheads, remote);
    if (rc < 0) {
        rc = fail_git("cannot list the remote's refs");
    } else {
        *names = xcalloc(nheads + 1, sizeof **names);
        for (size_t i = 0; i < nheads; i++)
            if (strncmp(heads[i]->name, prefix, strlen(prefix)) == 0)
                (*names)[(*n)++] = xstrdup(heads[i]->name);
    }
    git_remote_free(remote);
    return rc;
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* A remote on this machine's disk (a path or file://). */
static const char *local_path(const struct sync_settings *s)
{
    if (s->url[0] == '/')
        return s->url;
    if (strncmp(s->url, "file://", 7) == 0)
        return s->url + 7;
    return NULL;
}

/* A remote on disk is read in place: its objects serve as an alternate of
 * ours, and its refs are read without peeling them. libgit2's local
 * transport would parse every ref of the remote on each fetch, so one
 * damaged commit in any host's ref would stop every host's sync. */
static int fetch_local(git_repository *g, const struct sync_settings *s, const char *prefix)
{
    git_repository *r = NULL;
    git_odb *odb = NULL;
    git_reference_iterator *it = NULL;
    git_reference *ref;
    struct buf objects = BUF_INIT, local = BUF_INIT, glob = BUF_INIT;
    int rc = -1;
    if (git_repository_open_ext(&r, local_path(s), GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
        fail_git("cannot open the remote");
        goto done;
    }
    buf_printf(&objects, "%sobjects", git_repository_path(r));
    if (git_repository_odb(&odb, g) < 0 || git_odb_add_disk_alternate(odb, buf_str(&objects)) < 0) {
        fail_git("cannot read the remote's objects");
        goto done;
    }
    buf_printf(&glob, "%s*", prefix);
    if (git_reference_iterator_glob_new(&it, r, buf_str(&glob)) < 0) {
        fail_git("cannot list the remote's refs");
        goto done;
    }
    while (git_reference_next(&ref, it) == 0) {
        const git_oid *target = git_reference_target(ref);
        buf_reset(&local);
        buf_printf(&local, FETCHED_PREFIX "%s", git_reference_name(ref) + strlen(REF_PREFIX));
        git_reference *made = NULL;
        if (target && git_reference_create(&made, g, buf_str(&local), target, 1, "fetch") == 0)
            git_reference_free(made);
        git_reference_free(ref);
    }
    rc = 0;
done:
    git_reference_iterator_free(it);
    git_odb_free(odb);
    git_repository_free(r);
    buf_free(&objects);
    buf_free(&local);
    buf_free(&glob);
    return rc;
}

/* Fetches every host's ref of incident ID (or of every incident, ID NULL).
 * One fetch for all; when that fails for a reason other than the network
 * (a damaged object in one ref), ref by ref, so one bad ref stops only
 * itself. */
static int fetch_refs(struct sync_result *res, git_repository *g, const struct sync_settings *s, const char *id)
{
    struct buf spec = BUF_INIT, prefix = BUF_INIT;
    if (id) {
        buf_printf(&spec, "+" REF_PREFIX "%s/*:" FETCHED_PREFIX "%s/*", id, id);
        buf_printf(&prefix, REF_PREFIX "%s/", id);
    } else {
        buf_printf(&spec, "+" REF_PREFIX "*:" FETCHED_PREFIX "*");
        buf_printf(&prefix, REF_PREFIX);
    }
    if (local_path(s)) {
        int lrc = fetch_local(g, s, buf_str(&prefix));
        if (lrc < 0)
            error_set("cannot reach %s: %s", s->where, error_last());
        buf_free(&spec);
        buf_free(&prefix);
        return lrc;
    }
    char *specs[1] = {spec.data};
    int rc = fetch_specs(g, s, specs, 1);
    if (rc < 0) {
        char first[600];
        snprintf(first, sizeof first, "%s", error_last());
        char **names;
        size_t n;
        if (remote_list(&names, &n, g, s, buf_str(&prefix)) < 0) {
            error_set("cannot reach %s: %s", s->where, first);
            buf_free(&spec);
            buf_free(&prefix);
            return -1;              /* the network: offline */
        }
        rc = 0;
        for (size_t i = 0; i < n; i++) {
            buf_reset(&spec);
            buf_printf(&spec, "+%s:" FETCHED_PREFIX "%s", names[i], names[i] + strlen(REF_PREFIX));
            specs[0] = spec.data;
            if (fetch_specs(g, s, specs, 1) < 0) {
                struct buf c = BUF_INIT;
                text_clean(&c, names[i], strnlen(names[i], 200), 0);
                say(res, "%s: cannot be fetched, refused: %s", buf_str(&c), error_last());
                buf_free(&c);
                res->refused++;
            }
        }
        names_free(names, n);
    }
    buf_free(&spec);
    buf_free(&prefix);
    return rc;
}

static void reached_write(const char *dir, int64_t now)
{
    struct buf p = BUF_INIT, t = BUF_INIT;
    buf_printf(&p, "%s/reached", dir);
    buf_printf(&t, "%lld\n", (long long)now);
    int fd = open(buf_str(&p), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        file_write_all(fd, t.data, t.len);
        close(fd);
    }
    buf_free(&p);
    buf_free(&t);
}

static int64_t reached_read(const char *dir)
{
    struct buf p = BUF_INIT;
    char text[32] = "";
    buf_printf(&p, "%s/reached", dir);
    int fd = open(buf_str(&p), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    buf_free(&p);
    if (fd < 0)
        return STAMP_NONE;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return STAMP_NONE;
    text[n] = '\0';
    return strtoll(text, NULL, 10);
}

static int push_ours(struct sync_result *res, git_repository *g, const struct sync_settings *s, const char *id)
{
    struct buf ref = BUF_INIT, fetched = BUF_INIT, spec = BUF_INIT;
    git_oid mine, theirs;
    int rc = 0, have_mine, have_theirs;
    ref_name(&ref, REF_PREFIX, id, host_id());
    ref_name(&fetched, FETCHED_PREFIX, id, host_id());
    if ((have_mine = ref_oid(&mine, g, buf_str(&ref))) <= 0 || (have_theirs = ref_oid(&theirs, g, buf_str(&fetched))) < 0) {
        rc = have_mine < 0 ? -1 : 0;
        goto done;
    }
    if (have_theirs && git_oid_equal(&mine, &theirs))
        goto done;
    if (have_theirs && git_graph_descendant_of(g, &mine, &theirs) != 1) {
        say(res, "%s on %s has records this host did not write: another data directory uses host id %s "
                 "(a copy?); nothing was pushed, nothing forced",
            buf_str(&ref), s->where, host_id());
        res->refused++;
        goto done;
    }
    git_remote *remote = NULL;
    struct remote_state st = {.s = s};
    git_push_options po;
    git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
    callbacks_set(&po.callbacks, &st);
    if (remote_make(&remote, g, s) < 0) {
        rc = -1;
        goto done;
    }
    buf_printf(&spec, "%s:%s", buf_str(&ref), buf_str(&ref));
    char *specs[1] = {spec.data};
    git_strarray arr = {specs, 1};
    int p = git_remote_push(remote, &arr, &po);
    git_remote_free(remote);
    bool not_ff = p == GIT_ENONFASTFORWARD ||
                  (p == 0 && st.rejected && (strstr(st.status, "fast-forward") || strstr(st.status, "fetch first") ||
                                             strstr(st.status, "stale")));
    if (p == 0 && st.rejected && !not_ff) {
        say(res, "the remote refused %s: %s", buf_str(&ref), st.status);
        res->refused++;
        goto done;
    }
    if (not_ff) {
        say(res, "the remote refused %s (%s): another machine publishes as host %s (a copied data "
                 "directory?); nothing forced",
            buf_str(&ref), p == 0 ? st.status : "non-fast-forward", host_id());
        res->refused++;
        goto done;
    }
    if (p < 0) {
        rc = fail_git("push failed");
        res->offline = true;
        goto done;
    }
    git_reference *r = NULL;
    if (git_reference_create(&r, g, buf_str(&fetched), &mine, 1, "pushed") == 0)
        git_reference_free(r);
done:
    buf_free(&ref);
    buf_free(&fetched);
    buf_free(&spec);
    return rc;
}

static unsigned unpushed_count(git_repository *g, const char *id)
{
    struct buf ref = BUF_INIT, fetched = BUF_INIT;
    git_oid mine, theirs;
    struct chain_tip a, b;
    ref_name(&ref, REF_PREFIX, id, host_id());
    ref_name(&fetched, FETCHED_PREFIX, id, host_id());
    int m = ref_oid(&mine, g, buf_str(&ref)), t = ref_oid(&theirs, g, buf_str(&fetched));
    chain_tip_read(&a, g, m > 0 ? &mine : NULL);
    chain_tip_read(&b, g, t > 0 ? &theirs : NULL);
    buf_free(&ref);
    buf_free(&fetched);
    return a.events > b.events ? (unsigned)(a.events - b.events) : 0;
}

/* Our records in the log not yet in our chain: they wait for the next round. */
static unsigned unpublished_count(const struct incident *inc, git_repository *g, const char *id)
{
    struct buf ref = BUF_INIT;
    git_oid mine;
    struct chain_tip a;
    ref_name(&ref, REF_PREFIX, id, host_id());
    int m = ref_oid(&mine, g, buf_str(&ref));
    chain_tip_read(&a, g, m > 0 ? &mine : NULL);
    buf_free(&ref);
    unsigned long n = 0;
    for (size_t i = 0; i < inc->nevents; i++) {
        const char *h = event_str(inc->events[i], "host");
        n += h && strcmp(h, host_id()) == 0;
    }
    return n > a.events ? (unsigned)(n - a.events) : 0;
}

/* ---- a round ---------------------------------------------------------------- */

/* Host ids with a fetched ref for incident ID. */
struct host_list {
    char (*ids)[HOST_ID_LEN + 1];
    size_t n;
};

static int hosts_fetched(struct host_list *hl, git_repository *g, const char *id)
{
    git_reference_iterator *it = NULL;
    struct buf glob = BUF_INIT;
    const char *name;
    size_t cap = 0;
    memset(hl, 0, sizeof *hl);
    buf_printf(&glob, FETCHED_PREFIX "%s/*", id);
    if (git_reference_iterator_glob_new(&it, g, buf_str(&glob)) < 0) {
        buf_free(&glob);
        return fail_git("cannot list the fetched refs");
    }
    size_t skip = strlen(FETCHED_PREFIX) + strlen(id) + 1;
    while (git_reference_next_name(&name, it) == 0) {
        if (strlen(name) <= skip || !host_valid_id(name + skip))
            continue;                   /* not a host's ref: ignored, never a path */
        if (hl->n == cap) {
            cap = cap ? cap * 2 : 16;
            hl->ids = xrealloc(hl->ids, cap * sizeof *hl->ids);
        }
        memcpy(hl->ids[hl->n++], name + skip, HOST_ID_LEN + 1);
    }
    git_reference_iterator_free(it);
    buf_free(&glob);
    return 0;
}

static int round_run(struct sync_result *res, const struct sync_settings *s, const char *id, enum sync_mode mode)
{
    struct local l;
    struct incident *inc = NULL;
    struct incident_log log = {.fd = -1};
    struct id_table ids = {0};
    struct host_list hl = {0};
    int rc = -1;
    if (!host_id())
        return error_set("sync needs a data directory (its host id)");
    if (!store_valid_id(id))
        return error_set("\"%.80s\" is not an incident id", id);
    char *path = store_log_path(s->store, id);
    if (local_open(&l, s, true) < 0)
        goto done;
    if (incident_load(&inc, id, path) < 0)
        goto done;
    if (publish(res, l.g, id, inc, path) < 0)
        goto done;
    res->last_reached = reached_read(l.dir);
    bool reached = false;
    if (mode == SYNC_ROUND) {
        if (fetch_refs(res, l.g, s, id) < 0) {
            res->offline = true;
            say(res, "%s", error_last());
        } else {
            reached = true;
            if (log_open(&log, path) < 0 || hosts_fetched(&hl, l.g, id) < 0)
                goto done;
            for (size_t i = 0; i < inc->nevents; i++)
                id_table_add(&ids, inc->events[i]->id);
            for (size_t i = 0; i < hl.n; i++) {
                if (strcmp(hl.ids[i], host_id()) == 0)
                    continue;
                res->hosts++;
                if (import_host(res, l.g, id, hl.ids[i], &log, &ids) < 0) {
                    say(res, "%s", error_last());
                    res->refused++;
                }
            }
        }
    }
    if (!res->offline) {
        if (push_ours(res, l.g, s, id) < 0) {
            if (res->offline)
                say(res, "cannot reach %s: %s", s->where, error_last());
            else
                goto done;
        } else {
            reached = true;
        }
    }
    if (reached && !res->offline) {
        res->last_reached = stamp_now();
        reached_write(l.dir, res->last_reached);
    }
    res->unpushed = unpushed_count(l.g, id) + unpublished_count(inc, l.g, id);
    rc = 0;
done:
    free(hl.ids);
    id_table_free(&ids);
    log_close(&log);
    incident_free(inc);
    local_close(&l);
    free(path);
    return rc;
}

int sync_incident(struct sync_result *res, const struct sync_settings *s, const char *id, enum sync_mode mode)
{
    memset(res, 0, sizeof *res);
    res->last_reached = STAMP_NONE;
    return round_run(res, s, id, mode);
}

/* ---- bounded: in a child ------------------------------------------------------ */

static void result_send(int fd, int rc, const struct sync_result *res)
{
    struct buf out = BUF_INIT;
    buf_printf(&out, "%d %u %u %u %u %u %d %lld\n", rc, res->appended, res->published, res->unpushed, res->hosts,
               res->refused, res->offline, (long long)res->last_reached);
    buf_adds(&out, rc < 0 ? error_last() : "");
    buf_addc(&out, '\n');
    buf_add(&out, res->said.data ? res->said.data : "", res->said.len);
    file_write_all(fd, out.data, out.len);
    buf_free(&out);
}

static int result_receive(struct sync_result *res, const char *text)
{
    int rc, offline;
    long long reached;
    if (sscanf(text, "%d %u %u %u %u %u %d %lld", &rc, &res->appended, &res->published, &res->unpushed, &res->hosts,
               &res->refused, &offline, &reached) != 8)
        return error_set("sync stopped before it could say how it went");
    res->offline = offline != 0;
    res->last_reached = reached;
    const char *msg = strchr(text, '\n');
    msg = msg ? msg + 1 : "";
    const char *end = strchr(msg, '\n');
    size_t mlen = end ? (size_t)(end - msg) : strlen(msg);
    if (end)
        buf_adds(&res->said, end + 1);
    if (rc < 0)
        return error_set("%.*s", (int)mlen, msg);
    return 0;
}

typedef int (*child_fn)(struct sync_result *res, const struct sync_settings *s, const char *id, void *arg);

static int bounded(struct sync_result *res, const struct sync_settings *s, const char *id, int64_t wait_ms,
                   child_fn fn, void *arg)
{
    int fds[2];
    memset(res, 0, sizeof *res);
    res->last_reached = STAMP_NONE;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return error_set_errno("cannot start sync");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return error_set_errno("cannot start sync");
    }
    if (pid == 0) {
        close(fds[0]);
        /* a sync never outlives the verb that started it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        struct sync_result r;
        memset(&r, 0, sizeof r);
        r.last_reached = STAMP_NONE;
        int rc = fn(&r, s, id, arg);
        result_send(fds[1], rc, &r);
        _exit(0);
    }
    close(fds[1]);
    struct buf text = BUF_INIT;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool timed_out = false;
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        int64_t spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= wait_ms) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int n = poll(&p, 1, (int)(wait_ms - spent));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            timed_out = true;
            break;
        }
        buf_grow(&text, 4096);
        ssize_t got = read(fds[0], text.data + text.len, 4096);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        text.len += (size_t)got;
        text.data[text.len] = '\0';
    }
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    int rc;
    if (timed_out) {
        res->offline = true;
        char span[32];
        say(res, "no answer from %s within %s", s->where, stamp_format_span(span, sizeof span, wait_ms));
        /* what stays unpushed, from the local refs alone */
        struct local l;
        struct incident *inc = NULL;
        char *path = store_log_path(s->store, id ? id : "");
        if (id && local_open(&l, s, false) == 0) {
            res->unpushed = unpushed_count(l.g, id);
            if (incident_load(&inc, id, path) == 0)
                res->unpushed += unpublished_count(inc, l.g, id);
            res->last_reached = reached_read(l.dir);
            incident_free(inc);
            local_close(&l);
        }
        free(path);
        rc = 0;
    } else {
        rc = result_receive(res, buf_str(&text));
    }
    buf_free(&text);
    return rc;
}

static int child_round(struct sync_result *res, const struct sync_settings *s, const char *id, void *arg)
{
    return round_run(res, s, id, *(enum sync_mode *)arg);
}

int sync_incident_bounded(struct sync_result *res, const struct sync_settings *s, const char *id,
                          enum sync_mode mode, int64_t wait_ms)
{
    return bounded(res, s, id, wait_ms, child_round, &mode);
}

int sync_join(struct sync_result *res, const struct sync_settings *s, const char *id, int64_t wait_ms)
{
    if (!store_valid_id(id))
        return error_set("\"%.80s\" is not an incident id (they look like inc-20250315-checkout-down)", id);
    struct buf dir = BUF_INIT;
    buf_printf(&dir, "%s/%s", s->store->dir, id);
    bool made = mkdir(buf_str(&dir), 0700) == 0;
    if (!made && errno != EEXIST) {
        error_set_errno("cannot create %s", buf_str(&dir));
        buf_free(&dir);
        return -1;
    }
    char *path = store_log_path(s->store, id);
    struct incident_log log;
    int rc = log_open(&log, path);
    if (rc == 0)
        log_close(&log);
    if (rc == 0)
        rc = sync_incident_bounded(res, s, id, SYNC_ROUND, wait_ms);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size == 0) {
        if (rc == 0)
            rc = error_set(res->offline ? "%s could not be fetched: %s is out of reach"
                                        : "no incident %s on %s ('warroom list --remote' shows them)",
                           id, s->where);
        if (made) {
            unlink(path);
            rmdir(buf_str(&dir));
        }
    }
    free(path);
    buf_free(&dir);
    return rc;
}

/* ---- the remote's incidents ----------------------------------------------------- */

struct replay_collect {
    git_repository *g;
    struct buf *out;
    const char *host;
    struct arena *arena;
    size_t bytes;
};

static int replay_batch(void *ctx, const git_oid *id)
{
    struct replay_collect *rc = ctx;
    git_blob *blob;
    if (blob_read(&blob, rc->g, id, "a ref") < 0)
        return 0;                       /* listed from what can be read */
    const char *data = git_blob_rawcontent(blob);
    size_t len = (size_t)git_blob_rawsize(blob);
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        if (!nl)
            break;
        size_t n = (size_t)(nl - (data + pos));
        struct event ev;
        if (n + 1 <= EVENT_RECORD_MAX && event_parse(&ev, rc->arena, data + pos, n) == 0 &&
            ev.type != EVENT_TORN && event_str(&ev, "host") && strcmp(event_str(&ev, "host"), rc->host) == 0)
            buf_add(rc->out, data + pos, n + 1);
        pos += n + 1;
    }
    git_blob_free(blob);
    return 0;
}

static int child_fetch_all(struct sync_result *res, const struct sync_settings *s, const char *id, void *arg)
{
    struct local l;
    (void)id;
    (void)arg;
    if (local_open(&l, s, true) < 0)
        return -1;
    int rc = fetch_refs(res, l.g, s, NULL);
    if (rc < 0) {
        res->offline = true;
        say(res, "%s", error_last());
        rc = 0;
    } else {
        reached_write(l.dir, stamp_now());
    }
    local_close(&l);
    return rc;
}

static int remote_incident_fill(struct sync_remote_incident *ri, git_repository *g, char (*hosts)[HOST_ID_LEN + 1], size_t nhosts, const char *tmp_path, bool keep)
{
    struct buf records = BUF_INIT, ref = BUF_INIT;
    struct arena *a = arena_new();
    for (size_t h = 0; h < nhosts; h++) {
        git_oid tip;
        git_commit *c = NULL;
        git_tree *t = NULL;
        ref_name(&ref, FETCHED_PREFIX, ri->id, hosts[h]);
        if (ref_oid(&tip, g, buf_str(&ref)) <= 0 || git_commit_lookup(&c, g, &tip) < 0 || git_commit_tree(&t, c) < 0) {
            git_commit_free(c);
            continue;
        }
        struct replay_collect rc = {.g = g, .out = &records, .host = hosts[h], .arena = a};
        batches_walk(g, t, NULL, "a ref", replay_batch, &rc);
        git_tree_free(t);
        git_commit_free(c);
    }
    arena_free(a);
    buf_free(&ref);
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd < 0 || file_write_all(fd, records.data ? records.data : "", records.len) < 0) {
        error_set_errno("cannot write %s", tmp_path);
    } else {
        struct incident *inc;
        if (incident_load(&inc, ri->id, tmp_path) == 0) {
            snprintf(ri->title, sizeof ri->title, "%s", inc->title ? inc->title : "");
            ri->sev = inc->sev;
            ri->open = incident_is_open(inc);
            ri->declared_at = inc->declared_at;
            if (keep) {
                /* read from the objects alone (the store is not touched); its
                 * file is gone, and so goes its descriptor: there may be many */
                close(inc->reader.fd);
                inc->reader.fd = -1;
                ri->replayed = inc;
            } else
                incident_free(inc);
            rc = 0;
        }
    }
    if (fd >= 0)
        close(fd);
    unlink(tmp_path);
    buf_free(&records);
    return rc;
}

static int remote_list_run(struct sync_remote_incident **out, size_t *n, struct sync_result *res,
                           const struct sync_settings *s, bool refresh, int64_t wait_ms, bool keep)
{
    *out = NULL;
    *n = 0;
    if (refresh) {
        if (bounded(res, s, NULL, wait_ms, child_fetch_all, NULL) < 0)
            return -1;
    } else {
        memset(res, 0, sizeof *res);
        res->last_reached = STAMP_NONE;
    }
    struct local l;
    struct buf tmp = BUF_INIT;
    if (local_open(&l, s, false) < 0) {
        error_clear();
        return 0;                       /* nothing fetched yet: no remote incidents known */
    }
    if (local_path(s)) {
        git_odb *odb = NULL;
        struct buf objects = BUF_INIT;
        git_repository *r = NULL;
        if (git_repository_open_ext(&r, local_path(s), GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0) {
            buf_printf(&objects, "%sobjects", git_repository_path(r));
            if (git_repository_odb(&odb, l.g) == 0)
                git_odb_add_disk_alternate(odb, buf_str(&objects));
        }
        git_odb_free(odb);
        git_repository_free(r);
        buf_free(&objects);
    }
    git_reference_iterator *it = NULL;
    const char *name;
    size_t cap = 0;
    int rc = 0;
    if (git_reference_iterator_glob_new(&it, l.g, FETCHED_PREFIX "*") < 0) {
        rc = fail_git("cannot list the fetched refs");
        goto done;
    }
    /* group refs/fetched/<incident>/<host> by incident */
    struct {
        char id[STORE_ID_MAX + 1];
        char (*hosts)[HOST_ID_LEN + 1];
        size_t nhosts;
    } *groups = NULL;
    size_t ngroups = 0, gcap = 0;
    while (git_reference_next_name(&name, it) == 0) {
        const char *p = name + strlen(FETCHED_PREFIX), *slash = strchr(p, '/');
        if (!slash || (size_t)(slash - p) > STORE_ID_MAX || !host_valid_id(slash + 1))
            continue;
        char inc_id[STORE_ID_MAX + 1];
        memcpy(inc_id, p, (size_t)(slash - p));
        inc_id[slash - p] = '\0';
        if (!store_valid_id(inc_id))
            continue;
        size_t g = 0;
        while (g < ngroups && strcmp(groups[g].id, inc_id) != 0)
            g++;
        if (g == ngroups) {
            if (ngroups == gcap) {
                gcap = gcap ? gcap * 2 : 16;
                groups = xrealloc(groups, gcap * sizeof *groups);
            }
            memset(&groups[ngroups], 0, sizeof *groups);
            memcpy(groups[ngroups].id, inc_id, sizeof inc_id);
            ngroups++;
        }
        groups[g].hosts = xrealloc(groups[g].hosts, (groups[g].nhosts + 1) * sizeof *groups[g].hosts);
        memcpy(groups[g].hosts[groups[g].nhosts++], slash + 1, HOST_ID_LEN + 1);
    }
    git_reference_iterator_free(it);
    buf_printf(&tmp, "%s/replay-%ld.jsonl", l.dir, (long)getpid());
    for (size_t g = 0; g < ngroups; g++) {
        struct sync_remote_incident ri;
        memset(&ri, 0, sizeof ri);
        memcpy(ri.id, groups[g].id, sizeof ri.id);
        ri.hosts = (unsigned)groups[g].nhosts;
        char *path = store_log_path(s->store, ri.id);
        ri.local = access(path, F_OK) == 0;
        free(path);
        if (remote_incident_fill(&ri, l.g, groups[g].hosts, groups[g].nhosts, buf_str(&tmp), keep) == 0) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 16;
                *out = xrealloc(*out, cap * sizeof **out);
            }
            (*out)[(*n)++] = ri;
        }
        free(groups[g].hosts);
    }
    free(groups);
done:
    buf_free(&tmp);
    local_close(&l);
    return rc;
}

int sync_remote_list(struct sync_remote_incident **out, size_t *n, struct sync_result *res,
                     const struct sync_settings *s, bool refresh, int64_t wait_ms)
{
    return remote_list_run(out, n, res, s, refresh, wait_ms, false);
}

int sync_remote_replay(struct sync_remote_incident **out, size_t *n, struct sync_result *res,
                       const struct sync_settings *s, bool refresh, int64_t wait_ms)
{
    return remote_list_run(out, n, res, s, refresh, wait_ms, true);
}

int sync_remote_open_ids(char ***ids, size_t *n, const struct config *c, const struct store *store,
                         const char *repo_path, int64_t wait_ms)
{
    struct sync_settings s;
    struct sync_result r;
    struct sync_remote_incident *ris = NULL;
    size_t nris = 0;
    *ids = NULL;
    *n = 0;
    if (!config_value(c, "sync"))
        return 0;
    if (sync_settings_load(&s, c, store, repo_path) < 0) {
        sync_settings_free(&s);
        return -1;
    }
    int rc = sync_remote_list(&ris, &nris, &r, &s, true, wait_ms);
    sync_result_free(&r);
    sync_settings_free(&s);
    if (rc < 0)
        return -1;
    *ids = xcalloc(nris + 1, sizeof **ids);
    for (size_t i = 0; i < nris; i++)
        if (ris[i].open && !ris[i].local)
            (*ids)[(*n)++] = xstrdup(ris[i].id);
    free(ris);
    return 0;
}

void sync_ids_free(char **ids, size_t n)
{
    names_free(ids, n);
}

int sync_join_id(const struct config *c, const struct store *store, const char *repo_path, const char *id,
                 int64_t wait_ms)
{
    struct sync_settings s;
    struct sync_result r;
    if (sync_settings_load(&s, c, store, repo_path) < 0) {
        sync_settings_free(&s);
        return -1;
    }
    int rc = sync_join(&r, &s, id, wait_ms);
    sync_result_free(&r);
    sync_settings_free(&s);
    return rc;
}

/* ---- continuous, for the console ------------------------------------------------ */

struct sync_follow {
    struct sync_settings settings;
    struct store store;
    char id[STORE_ID_MAX + 1];
    pid_t pid;              /* the round running, 0 none */
    int fd;                 /* its result pipe */
    struct buf text;        /* what it said so far */
    int64_t started, next;  /* monotonic ms */
    int64_t wait_ms;        /* a round not done by then is killed */
    int64_t period_ms;      /* from the start of one round to the next */
    bool offline;
    int64_t offline_since;  /* wall clock ms: the first round that failed to reach it */
    unsigned unpushed, refused;
    char problem[200];      /* the last refusal or failure, for the header */
};

static int64_t monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int sync_follow_open(struct sync_follow **out, const struct config *c, const struct store *store,
                     const char *repo_path, const char *id)
{
    *out = NULL;
    if (!config_value(c, "sync"))
        return 0;
    struct sync_follow *f = xcalloc(1, sizeof *f);
    f->store.dir = xstrdup(store->dir);
    if (sync_settings_load(&f->settings, c, &f->store, repo_path) < 0) {
        free(f->store.dir);
        sync_settings_free(&f->settings);
        free(f);
        return -1;
    }
    f->settings.store = &f->store;
    snprintf(f->id, sizeof f->id, "%s", id);
    f->fd = -1;
    f->offline_since = STAMP_NONE;
    json_t *wait = config_value(c, "sync.wait_seconds");
    f->wait_ms = json_is_number(wait) && json_number_value(wait) > 0 && json_number_value(wait) <= 3600
                     ? (int64_t)(json_number_value(wait) * 1000)
                     : SYNC_FOLLOW_WAIT_MS;
    json_t *period = config_value(c, "sync.period_seconds");
    f->period_ms = json_is_number(period) && json_number_value(period) >= 0.2 && json_number_value(period) <= 3600
                       ? (int64_t)(json_number_value(period) * 1000)
                       : SYNC_FOLLOW_PERIOD_MS;
    *out = f;
    return 0;
}

static void follow_start(struct sync_follow *f)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        struct sync_result r;
        int rc = sync_incident(&r, &f->settings, f->id, SYNC_ROUND);
        result_send(fds[1], rc, &r);
        _exit(0);
    }
    close(fds[1]);
    f->pid = pid;
    f->fd = fds[0];
    f->started = monotonic_ms();
    f->next = f->started + f->period_ms;
    buf_reset(&f->text);
}

static void follow_finish(struct sync_follow *f, bool killed, int64_t now)
{
    if (killed)
        kill(f->pid, SIGKILL);
    while (waitpid(f->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    close(f->fd);
    f->fd = -1;
    f->pid = 0;
    struct sync_result r;
    memset(&r, 0, sizeof r);
    int rc = killed ? 0 : result_receive(&r, buf_str(&f->text));
    bool offline = killed || r.offline;
    f->problem[0] = '\0';
    if (rc < 0) {
        snprintf(f->problem, sizeof f->problem, "%s", error_last());
    } else if (!offline) {
        f->unpushed = r.unpushed;
        f->refused = r.refused;
        if (r.refused && r.said.data)
            snprintf(f->problem, sizeof f->problem, "%.*s", (int)strcspn(r.said.data, "\n"), r.said.data);
    } else if (!killed) {
        f->unpushed = r.unpushed;
    }
    if (offline && !f->offline)
        f->offline_since = r.last_reached != STAMP_NONE ? r.last_reached : now;
    f->offline = offline;
    if (killed) {
        /* what stays unpushed, from the local refs alone */
        struct local l;
        struct incident *inc = NULL;
        char *path = store_log_path(&f->store, f->id);
        if (local_open(&l, &f->settings, false) == 0) {
            f->unpushed = unpushed_count(l.g, f->id);
            if (incident_load(&inc, f->id, path) == 0)
                f->unpushed += unpublished_count(inc, l.g, f->id);
            incident_free(inc);
            local_close(&l);
        }
        free(path);
    }
    sync_result_free(&r);
}

bool sync_follow_poll(struct sync_follow *f, int64_t now)
{
    if (!f)
        return false;
    bool was_offline = f->offline;
    unsigned was_unpushed = f->unpushed, was_refused = f->refused;
    if (f->pid) {
        for (;;) {
            struct pollfd p = {.fd = f->fd, .events = POLLIN};
            if (poll(&p, 1, 0) <= 0)
                break;
            buf_grow(&f->text, 4096);
            ssize_t got = read(f->fd, f->text.data + f->text.len, 4096);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                follow_finish(f, false, now);
                break;
            }
            f->text.len += (size_t)got;
            f->text.data[f->text.len] = '\0';
        }
        if (f->pid && monotonic_ms() - f->started > f->wait_ms)
            follow_finish(f, true, now);
    }
    /* callers poll on their own tick: one landing just short of the period
     * would otherwise wait a whole tick more */
    if (!f->pid && monotonic_ms() + 200 >= f->next)
        follow_start(f);
    return was_offline != f->offline || was_unpushed != f->unpushed || was_refused != f->refused;
}

int sync_follow_describe(const struct sync_follow *f, struct buf *out, int64_t now)
{
    char span[32];
    if (!f)
        return 0;
    if (f->offline) {
        int64_t since = f->offline_since != STAMP_NONE ? now - f->offline_since : 0;
        buf_printf(out, "sync: offline %s, %u event%s to push", stamp_format_span(span, sizeof span, since < 0 ? 0 : since),
                   f->unpushed, f->unpushed == 1 ? "" : "s");
        return 1;
    }
    if (f->problem[0]) {
        buf_printf(out, "sync: %s", f->problem);
        return 1;
    }
    return 0;
}

void sync_follow_close(struct sync_follow *f)
{
    if (!f)
        return;
    if (f->pid) {
        kill(f->pid, SIGKILL);
        while (waitpid(f->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        close(f->fd);
    }
    buf_free(&f->text);
    sync_settings_free(&f->settings);
    free(f->store.dir);
    free(f);
}

/* ---- who runs the automatic steps ----------------------------------------------- */

bool sync_on_duty(const struct incident *inc, int64_t now)
{
    const char *me = host_id();
    if (!me)
        return true;
    const char *duty = NULL, *declarer = NULL;
    struct heard {
        const char *id;
        int64_t last;
    } heard[64];
    size_t nheard = 0;
    for (size_t i = 0; i < inc->nevents; i++) {
        const struct event *ev = inc->events[i];
        const char *h = event_str(ev, "host");
        if (!h)
            continue;
        if (ev->type == EVENT_DECLARE && !declarer)
            declarer = h;
        if (ev->type == EVENT_ROLE) {
            const char *role = event_str(ev, "role"), *name = event_str(ev, "name");
            if (role && strcmp(role, "ic") == 0 && name && *name)
                duty = h;
        }
        int64_t when = ev->ahead ? ev->seen : ev->ts;   /* a clock ahead cannot keep a host on duty */
        size_t k = 0;
        while (k < nheard && strcmp(heard[k].id, h) != 0)
            k++;
        if (k == nheard && nheard < sizeof heard / sizeof *heard)
            heard[nheard++] = (struct heard){h, when};
        else if (k < nheard && when > heard[k].last)
            heard[k].last = when;
    }
    if (!duty)
        duty = declarer;
    if (!duty)
        return true;                    /* nothing says where: every host is this one */
    int64_t duty_last = STAMP_NONE;
    const char *lowest = NULL;
    for (size_t k = 0; k < nheard; k++) {
        if (strcmp(heard[k].id, duty) == 0)
            duty_last = heard[k].last;
        if (now - heard[k].last <= SYNC_DUTY_SILENT_MS && (!lowest || strcmp(heard[k].id, lowest) < 0))
            lowest = heard[k].id;
    }
    if (lowest && (duty_last == STAMP_NONE || now - duty_last > SYNC_DUTY_SILENT_MS))
        duty = lowest;
    return strcmp(duty, me) == 0;
}
