/* repo — see include/warroom/repo.h.
 *
 * The commit never goes through the index: a postmortem must land as a commit
 * holding that one file even when the user has half a refactoring staged, so
 * the tree is the branch tip's tree with one path replaced. The index and the
 * working tree are only brought along, one entry and one file, when the branch
 * is the one checked out here. */
#include "warroom/repo.h"
#include "warroom/file.h"

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/lazy.h"
#include "warroom/text.h"

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COMMIT_ATTEMPTS 5
#define MESSAGE_MAX (64u << 10)
#define BRANCH_MAX 255
#define CREDENTIAL_OUTPUT_MAX (16u << 10)
#define STATUS_MAX 200
#define PUSH_ATTEMPTS_MAX 10

struct repo {
    git_repository *git;
    char *branch; /* what repo_current_branch last returned */
};

/* One command asks for the same repository several times (the postmortem's
 * commit, the policy, the runbooks): while one handle on it is open, opening
 * it again shares that handle's git_repository instead of reading its config
 * files and listing its packs once more. Each handle keeps its own branch
 * string. The last repo_free closes it, so nothing is kept between commands
 * and a later open sees the repository as it is then. */
struct shared_open {
    git_repository *git;
    char *path;      /* as given; NULL: found from the environment */
    char *cwd;       /* where a NULL path was searched from */
    char *git_dir;   /* GIT_DIR then, NULL when unset */
    unsigned users;
};
static struct shared_open shared;
static unsigned long repo_opens;

/* ---- errors ---------------------------------------------------------- */

const char *repo_git_message(void)
{
    static _Thread_local char text[1024];
    const git_error *e = git_error_last();
    const char *m = e && e->message ? e->message : "unknown libgit2 error";
    /* libgit2 says only that the session or the authentication failed */
    const char *why = "";
    if (*lazy_message(&lazy_ssh2) && (strcasestr(m, "ssh") || (e && e->klass == GIT_ERROR_SSH)))
        why = lazy_message(&lazy_ssh2);
    else if (*lazy_message(&lazy_gss) && (strcasestr(m, "gssapi") || strcasestr(m, "negotiate")))
        why = lazy_message(&lazy_gss);
    if (!*why)
        return m;
    snprintf(text, sizeof text, "%s: %s", m, why);
    return text;
}

/* Turns a libgit2 failure into ours: keeps libgit2's explanation, and keeps
 * "someone else holds the lock" distinguishable because the user's remedy
 * (wait, or remove a stale lock) differs from every other failure. */
static int fail_git(int code, const char *what)
{
    error_set("%s: %s", what, repo_git_message());
    return code == GIT_ELOCKED ? REPO_ELOCKED : -1;
}

/* ---- starting libgit2, TLS put off ----------------------------------- */

/* libgit2 built on mbedTLS parses the whole CA bundle when it starts (3.5 ms,
 * more than all the rest of a local commit), though only a push or fetch over
 * https ever uses it. libgit2 and mbedTLS are linked in whole, and the link
 * wraps libgit2's calls to the functions below (-Wl,--wrap, Makefile): while
 * repo_git_start starts libgit2, the parse is only noted, with the chain
 * libgit2 hands over and already gave its TLS configuration; the first TLS
 * session set up does the parse into that chain before it exists, so no
 * handshake ever runs without the CAs. Any other parse of a file goes
 * straight through. A parse of a directory (GIT_OPT_SET_SSL_CERT_LOCATIONS)
 * calls mbedTLS's file parse from inside mbedTLS, where no wrap reaches: its
 * own wrap drops the parse put off, whose chain libgit2 is about to free. */
int __real_mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain, const char *path);
int __wrap_mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain, const char *path);
int __real_mbedtls_x509_crt_parse_path(mbedtls_x509_crt *chain, const char *path);
int __wrap_mbedtls_x509_crt_parse_path(mbedtls_x509_crt *chain, const char *path);
int __real_mbedtls_ssl_setup(mbedtls_ssl_context *ssl, const mbedtls_ssl_config *conf);
int __wrap_mbedtls_ssl_setup(mbedtls_ssl_context *ssl, const mbedtls_ssl_config *conf);

/* recursive: repo_git_start holds it while libgit2 starts, and libgit2's
 * start calls the wrapped parse and libssh2_init, which take it too */
static pthread_mutex_t tls_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static bool tls_starting;         /* inside repo_git_start's git_libgit2_init */
static mbedtls_x509_crt *tls_chain; /* the parse put off: into this chain */
static char *tls_path;            /* from this file */
static unsigned long tls_ca_loads;

/* The real parse; every CA bundle read is counted. */
static int ca_parse(mbedtls_x509_crt *chain, const char *path)
{
    tls_ca_loads++;
    return __real_mbedtls_x509_crt_parse_file(chain, path);
}

/* Forgets the parse put off; under tls_lock. */
static void put_off_drop(void)
{
    free(tls_path);
    tls_path = NULL;
    tls_chain = NULL;
}

int __wrap_mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain, const char *path)
{
    int rc = 0;
    pthread_mutex_lock(&tls_lock);
    put_off_drop();
    if (tls_starting && path && (tls_path = strdup(path)))
        tls_chain = chain;
    else
        rc = ca_parse(chain, path);
    pthread_mutex_unlock(&tls_lock);
    return rc;
}

int __wrap_mbedtls_x509_crt_parse_path(mbedtls_x509_crt *chain, const char *path)
{
    pthread_mutex_lock(&tls_lock);
    put_off_drop();
    tls_ca_loads++;
    int rc = __real_mbedtls_x509_crt_parse_path(chain, path);
    pthread_mutex_unlock(&tls_lock);
    return rc;
}

int __wrap_mbedtls_ssl_setup(mbedtls_ssl_context *ssl, const mbedtls_ssl_config *conf)
{
    /* held over the parse, so a second session waits for the CAs too */
    pthread_mutex_lock(&tls_lock);
    if (tls_chain) {
        mbedtls_x509_crt *chain = tls_chain;
        char *path = tls_path;
        tls_chain = NULL;
        tls_path = NULL;
        /* a bundle that no longer parses leaves the chain empty or short:
         * certificates then fail to verify, as they would have at start */
        ca_parse(chain, path);
        free(path);
    }
    pthread_mutex_unlock(&tls_lock);
    return __real_mbedtls_ssl_setup(ssl, conf);
}

/* libgit2 also starts libssh2 as it starts, which would load libssh2 and
 * OpenSSL (src/lazy_ssh2.c) and start them (2 ms in all), though only an ssh
 * URL uses them. libssh2 starts itself, if it has not been, whenever a
 * session is made, through this same entry point (exported, so libssh2's own
 * call finds it, and libcurl's as it starts): while repo_git_start starts
 * libgit2 it is left for then. A libssh2 that cannot be loaded is left for
 * then too: failing here would leave libgit2 half started, and the session
 * that needs it fails saying what to install. (libssh2_exit on a libssh2
 * never started does nothing.) */
int libssh2_init(int flags);
typedef int ssh_init_fn(int flags);
static unsigned long ssh_starts;

int libssh2_init(int flags)
{
    pthread_mutex_lock(&tls_lock);
    bool later = tls_starting;
    if (!later)
        ssh_starts++;
    pthread_mutex_unlock(&tls_lock);
    if (later || lazy_load(&lazy_ssh2) < 0)
        return 0;
    ssh_init_fn *real = (ssh_init_fn *)dlsym(lazy_ssh2.handle, "libssh2_init");
    return real ? real(flags) : -1;
}

unsigned long repo_count_ssh_starts(void)
{
    pthread_mutex_lock(&tls_lock);
    unsigned long n = ssh_starts;
    pthread_mutex_unlock(&tls_lock);
    return n;
}

int repo_git_start(void)
{
    pthread_mutex_lock(&tls_lock);
    tls_starting = true;
    int rc = git_libgit2_init();
    tls_starting = false;
    pthread_mutex_unlock(&tls_lock);
    return rc;
}

unsigned long repo_count_ca_loads(void)
{
    pthread_mutex_lock(&tls_lock);
    unsigned long n = tls_ca_loads;
    pthread_mutex_unlock(&tls_lock);
    return n;
}

/* ---- validation ------------------------------------------------------ */

/* Bytes that some filesystems ignore in names (HFS+ drops these code points),
 * so ".g\u200cit" would open ".git" there. Returns their UTF-8 length or 0. */
static size_t ignorable_len(const unsigned char *p, size_t left)
{
    if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
        ((p[2] >= 0x8c && p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae)))
        return 3;
    if (left >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xaa && p[2] <= 0xaf)
        return 3;
    if (left >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        return 3;
    return 0;
}

/* ".git" as any filesystem might see it: any case, NTFS trailing dots and
 * spaces, its 8.3 short name, HFS+ ignorable characters. */
static bool component_is_dotgit(const char *s, size_t len)
{
    char folded[16];
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t skip = ignorable_len((const unsigned char *)s + i, len - i);
        if (skip) {
            i += skip;
            continue;
        }
        if (n == sizeof folded - 1)
            return false;
        char c = s[i++];
        folded[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    folded[n] = '\0';
    while (n > 0 && (folded[n - 1] == '.' || folded[n - 1] == ' '))
        folded[--n] = '\0';
    return strcmp(folded, ".git") == 0 || strcmp(folded, "git~1") == 0;
}

int repo_check_path(const char *path)
{
    if (!path || !*path)
        return error_set("empty path for the file in the repository");
    size_t n = strlen(path);
    if (n > REPO_PATH_MAX)
        return error_set("path in the repository is longer than %u bytes", REPO_PATH_MAX);
    if (path[0] == '/')
        return error_set("path in the repository must be relative: %s", path);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return error_set("path in the repository contains a control character or a backslash");
    }
    for (const char *p = path;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0)
            return error_set("path in the repository has an empty component: %s", path);
        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return error_set("path in the repository may not contain \".\" or \"..\": %s", path);
        if (component_is_dotgit(p, len))
            return error_set("path in the repository may not enter .git: %s", path);
        if (!slash)
            break;
        p = slash + 1;
    }
    return 0;
}

/* A commit message is shown by every git tool on the user's terminal, so it
 * may not carry controls that steer it. */
static int message_check(const char *msg)
{
    if (!msg || !*msg)
        return error_set("empty commit message");
    size_t n = strlen(msg);
    if (n > MESSAGE_MAX)
        return error_set("commit message is longer than %u bytes", MESSAGE_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)msg[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return error_set("commit message contains a control character");
    }
    return 0;
}

int repo_check_branch(const char *branch)
{
    if (!branch || !*branch)
        return error_set("empty branch name");
    size_t n = strlen(branch);
    if (n > BRANCH_MAX)
        return error_set("branch name is longer than %d bytes", BRANCH_MAX);
    const char *name = strncmp(branch, "refs/heads/", 11) == 0 ? branch + 11 : branch;
    int valid = 0;
    /* git_branch_name_is_valid is check-ref-format --branch (it refuses HEAD
     * and a leading '-' too); "@" is git's own name for HEAD. libgit2 is
     * initialised here too: a config is checked before any repository opens.
     * libgit2 lets DEL through, git does not. */
    if (!memchr(branch, 0x7f, n) && repo_git_start() >= 0) {
        if (strcmp(name, "@") != 0 && git_branch_name_is_valid(&valid, name) < 0)
            valid = 0;
        git_libgit2_shutdown();
    }
    if (valid)
        return 0;
    struct buf shown = BUF_INIT;
    text_clean(&shown, branch, n, 0);
    error_set("invalid branch name: %s", buf_str(&shown));
    buf_free(&shown);
    return -1;
}

/* Full ref name of BRANCH ("main" or "refs/heads/main"); NULL means the
 * branch HEAD points to. */
static int branch_refname(struct buf *out, struct repo *r, const char *branch)
{
    if (!branch) {
        branch = repo_current_branch(r);
        if (!branch)
            return -1;
    }
    if (repo_check_branch(branch) < 0)
        return -1;
    buf_reset(out);
    if (strncmp(branch, "refs/heads/", 11) != 0)
        buf_adds(out, "refs/heads/");
    buf_adds(out, branch);
    return 0;
}

/* ---- opening --------------------------------------------------------- */

/* Whether a search from the working directory can find a repository: some
 * directory on the way up holds a .git or a HEAD (a bare repository), or
 * GIT_DIR names one. When none can, libgit2 (2-3 ms of start-up, most of it
 * reading the CA bundle) is not started at all: a command that only reads a
 * log pays nothing for git. Anything that might be a repository is left to
 * libgit2 to decide. */
static bool repo_may_be_found(void)
{
    if (getenv("GIT_DIR"))
        return true;
    char dir[PATH_MAX];
    if (!getcwd(dir, sizeof dir - 8))
        return true;
    for (;;) {
        size_t n = strlen(dir);
        struct stat st;
        bool root = n == 1;
        snprintf(dir + n, sizeof dir - n, "%s.git", root ? "" : "/");
        if (lstat(dir, &st) == 0)
            return true;
        snprintf(dir + n, sizeof dir - n, "%sHEAD", root ? "" : "/");
        if (lstat(dir, &st) == 0)
            return true;
        dir[n] = '\0';
        if (root)
            return false;
        char *slash = strrchr(dir, '/');
        if (!slash)
            return true;
        slash[slash == dir] = '\0';
    }
}

/* ---- counting what is read ------------------------------------------ */

/* A commit must cost the same in a repository of ten files or of a million:
 * only the trees on the postmortem's path are read, never the whole tree.
 * This backend, consulted before the real ones, counts every object read
 * from the object database (libgit2's cache answers repeats first) and
 * passes each on to them, for the tests that hold a commit to its path. */
static unsigned long objects_read;

static int count_read(void **data, size_t *len, git_object_t *type, git_odb_backend *b,
                      const git_oid *id)
{
    (void)data, (void)len, (void)type, (void)b, (void)id;
    objects_read++;
    return GIT_PASSTHROUGH;
}

static int count_read_header(size_t *len, git_object_t *type, git_odb_backend *b,
                             const git_oid *id)
{
    (void)len, (void)type, (void)b, (void)id;
    objects_read++;
    return GIT_PASSTHROUGH;
}

static void count_free(git_odb_backend *b)
{
    free(b);
}

/* Best effort: a repository without the counter works the same. */
static void counter_add(git_repository *g)
{
    git_odb *odb = NULL;
    git_odb_backend *b = xcalloc(1, sizeof *b);
    if (git_odb_init_backend(b, GIT_ODB_BACKEND_VERSION) < 0 || git_repository_odb(&odb, g) < 0) {
        free(b);
        return;
    }
    b->read = count_read;
    b->read_header = count_read_header;
    b->free = count_free;
    if (git_odb_add_backend(odb, b, 1000) < 0)
        free(b);
    git_odb_free(odb);
}

unsigned long repo_count_objects_read(void)
{
    return objects_read;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The handle already open on the repository PATH names, or NULL. */
static git_repository *shared_find(const char *path)
{
    if (!shared.users || !same_text(shared.path, path))
        return NULL;
    if (!path) {
        char dir[PATH_MAX];
        if (!getcwd(dir, sizeof dir) || !same_text(shared.cwd, dir) ||
            !same_text(shared.git_dir, getenv("GIT_DIR")))
            return NULL;
    }
    return shared.git;
}

static void shared_keep(git_repository *g, const char *path)
{
    if (shared.users)
        return;   /* another repository is shared already: this one is not */
    char dir[PATH_MAX];
    const char *git_dir = getenv("GIT_DIR");
    if (!path && !getcwd(dir, sizeof dir))
        return;
    shared.git = g;
    shared.path = path ? xstrdup(path) : NULL;
    shared.cwd = path ? NULL : xstrdup(dir);
    shared.git_dir = !path && git_dir ? xstrdup(git_dir) : NULL;
    shared.users = 1;
}

/* Drops one user of G: false when G is the shared handle and others still
 * use it. */
static bool shared_release(git_repository *g)
{
    if (!shared.users || shared.git != g)
        return true;
    if (--shared.users)
        return false;
    free(shared.path);
    free(shared.cwd);
    free(shared.git_dir);
    memset(&shared, 0, sizeof shared);
    return true;
}

unsigned long repo_count_opens(void)
{
    return repo_opens;
}

int repo_open(struct repo **out, const char *path)
{
    *out = NULL;
    git_repository *open = shared_find(path);
    if (open) {
        shared.users++;
        struct repo *r = xcalloc(1, sizeof *r);
        r->git = open;
        *out = r;
        return 0;
    }
    if (!path && !repo_may_be_found()) {
        error_set("no git repository in the working directory or any directory above it "
                  "(name one with --repo or WARROOM_REPO)");
        return REPO_ENOTFOUND;
    }
    if (repo_git_start() < 0)
        return error_set("cannot initialise libgit2: %s", repo_git_message());
    /* A commit reported as made must survive a power cut: libgit2 then
     * fsyncs each object, ref and reflog it writes, and their directories. */
    if (git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0) {
        error_set("cannot make libgit2 write durably: %s", repo_git_message());
        git_libgit2_shutdown();
        return -1;
    }

    git_repository *g = NULL;
    int rc = path ? git_repository_open_ext(&g, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)
                  : git_repository_open_ext(&g, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
    if (rc == GIT_ENOTFOUND) {
        if (path)
            error_set("no git repository at %s", path);
        else
            error_set("no git repository in the working directory or any directory above it "
                      "(name one with --repo or WARROOM_REPO)");
        git_libgit2_shutdown();
        return REPO_ENOTFOUND;
    }
    if (rc < 0) {
        rc = fail_git(rc, path ? path : "cannot open the git repository");
        git_libgit2_shutdown();
        return rc;
    }
    counter_add(g);
    repo_opens++;
    shared_keep(g, path);
    struct repo *r = xcalloc(1, sizeof *r);
    r->git = g;
    *out = r;
    return 0;
}

void repo_free(struct repo *r)
{
    if (!r)
        return;
    bool last = shared_release(r->git);
    if (last)
        git_repository_free(r->git);
    free(r->branch);
    free(r);
    if (last)
        git_libgit2_shutdown();
}

bool repo_is_bare(const struct repo *r)
{
    return git_repository_is_bare(r->git) == 1;
}

const char *repo_workdir(const struct repo *r)
{
    return git_repository_workdir(r->git);
}

/* The full ref name HEAD points to, or NULL (with a message) when detached. */
static char *head_target(git_repository *g)
{
    git_reference *head = NULL;
    char *target = NULL;
    int rc = git_reference_lookup(&head, g, "HEAD");
    if (rc < 0) {
        fail_git(rc, "cannot read HEAD");
        goto done;
    }
    if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC) {
        error_set("HEAD is detached: name the branch to use");
        goto done;
    }
    const char *t = git_reference_symbolic_target(head);
    if (strncmp(t, "refs/heads/", 11) != 0) {
        error_set("HEAD points outside refs/heads: name the branch to use");
        goto done;
    }
    target = xstrdup(t);
done:
    git_reference_free(head);
    return target;
}

const char *repo_current_branch(struct repo *r)
{
    char *target = head_target(r->git);
    if (!target)
        return NULL;
    free(r->branch);
    r->branch = xstrdup(target + 11);
    free(target);
    return r->branch;
}

/* The branch tip; *found is false for a branch with no commits yet. */
static int tip_read(git_oid *id, bool *found, git_repository *g, const char *refname)
{
    git_reference *ref = NULL;
    *found = false;
    int rc = git_reference_lookup(&ref, g, refname);
    if (rc == GIT_ENOTFOUND)
        return 0;
    if (rc < 0)
        return fail_git(rc, refname);
    if (git_reference_type(ref) != GIT_REFERENCE_DIRECT) {
        git_reference_free(ref);
        return error_set("%s is a symbolic reference", refname);
    }
    git_oid_cpy(id, git_reference_target(ref));
    *found = true;
    git_reference_free(ref);
    return 0;
}

/* ---- reading --------------------------------------------------------- */

/* The commit to read from: BRANCH's tip, or with no BRANCH whatever is
 * checked out, a branch or a detached commit (reading needs no branch, only
 * writing does). REFNAME gets its name, for messages. REPO_ENOTFOUND when it
 * has no commits. */
static int read_tip(git_oid *tip, struct buf *refname, struct repo *r, const char *branch)
{
    bool found;
    int rc;
    if (branch) {
        if ((rc = branch_refname(refname, r, branch)) < 0 || (rc = tip_read(tip, &found, r->git, buf_str(refname))) < 0)
            return rc;
    } else {
        buf_adds(refname, "HEAD");
        rc = git_reference_name_to_id(tip, r->git, "HEAD");
        found = rc == 0;
        if (rc < 0 && rc != GIT_ENOTFOUND && rc != GIT_EUNBORNBRANCH)
            return fail_git(rc, "cannot read HEAD");
    }
    if (!found) {
        error_set("%s has no commits", buf_str(refname));
        return REPO_ENOTFOUND;
    }
    return 0;
}

int repo_read_file(struct buf *out, struct repo *r, const char *branch, const char *path)
{
    struct buf refname = BUF_INIT;
    git_commit *commit = NULL;
    git_tree *tree = NULL;
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    git_odb *odb = NULL;
    git_oid tip;
    int rc;

    if ((rc = repo_check_path(path)) < 0)
        goto done;
    if ((rc = read_tip(&tip, &refname, r, branch)) < 0)
        goto done;
    if ((rc = git_commit_lookup(&commit, r->git, &tip)) < 0 ||
        (rc = git_commit_tree(&tree, commit)) < 0) {
        rc = fail_git(rc, "cannot read the branch tip");
        goto done;
    }
    rc = git_tree_entry_bypath(&entry, tree, path);
    if (rc == GIT_ENOTFOUND) {
        rc = REPO_ENOTFOUND;
        error_set("%s is not on %s", path, buf_str(&refname));
        goto done;
    }
    if (rc < 0) {
        rc = fail_git(rc, path);
        goto done;
    }
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
        rc = error_set("%s is not a file on %s", path, buf_str(&refname));
        goto done;
    }
    /* The size comes from the object header so a huge blob is refused
     * before it is inflated. */
    size_t size;
    git_object_t type;
    if ((rc = git_repository_odb(&odb, r->git)) < 0 ||
        (rc = git_odb_read_header(&size, &type, odb, git_tree_entry_id(entry))) < 0) {
        rc = fail_git(rc, path);
        goto done;
    }
    if (size > REPO_FILE_MAX) {
        rc = error_set("%s is larger than %u bytes", path, REPO_FILE_MAX);
        goto done;
    }
    if ((rc = git_blob_lookup(&blob, r->git, git_tree_entry_id(entry))) < 0) {
        rc = fail_git(rc, path);
        goto done;
    }
    buf_reset(out);
    buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
    rc = 0;
done:
    git_blob_free(blob);
    git_odb_free(odb);
    git_tree_entry_free(entry);
    git_tree_free(tree);
    git_commit_free(commit);
    buf_free(&refname);
    return rc;
}

int repo_list_dir(char ***names, size_t *n, struct repo *r, const char *branch, const char *dir)
{
    struct buf refname = BUF_INIT;
    git_commit *commit = NULL;
    git_tree *tree = NULL, *sub = NULL;
    git_tree_entry *entry = NULL;
    git_oid tip;
    int rc;
    *names = NULL;
    *n = 0;
    if ((rc = repo_check_path(dir)) < 0)
        goto done;
    if ((rc = read_tip(&tip, &refname, r, branch)) < 0)
        goto done;
    if ((rc = git_commit_lookup(&commit, r->git, &tip)) < 0 || (rc = git_commit_tree(&tree, commit)) < 0) {
        rc = fail_git(rc, "cannot read the branch tip");
        goto done;
    }
    rc = git_tree_entry_bypath(&entry, tree, dir);
    if (rc == GIT_ENOTFOUND || (rc == 0 && git_tree_entry_type(entry) != GIT_OBJECT_TREE)) {
        rc = REPO_ENOTFOUND;
        error_set("%s is not a directory on %s", dir, buf_str(&refname));
        goto done;
    }
    if (rc < 0 || (rc = git_tree_lookup(&sub, r->git, git_tree_entry_id(entry))) < 0) {
        rc = fail_git(rc, dir);
        goto done;
    }
    size_t count = git_tree_entrycount(sub);
    *names = xcalloc(count ? count : 1, sizeof **names);
    for (size_t i = 0; i < count; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(sub, i);
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB && git_tree_entry_filemode(e) != GIT_FILEMODE_LINK)
            (*names)[(*n)++] = xstrdup(git_tree_entry_name(e));
    }
    rc = 0;
done:
    git_tree_free(sub);
    git_tree_entry_free(entry);
    git_tree_free(tree);
    git_commit_free(commit);
    buf_free(&refname);
    return rc;
}

/* ---- the one-file commit -------------------------------------------- */

/* Builds, on top of PARENT (NULL: a root commit), the commit whose only change
 * is PATH = BLOB. *changed is false, and *out PARENT, when PATH already holds
 * BLOB. */
static int commit_build(git_oid *out, bool *changed, git_repository *g, git_commit *parent,
                        const git_oid *blob, const char *path, bool force, const char *message,
                        const git_signature *author, const git_signature *committer)
{
    git_tree *base = NULL, *tree = NULL;
    git_tree_entry *entry = NULL;
    git_oid tree_id;
    int rc;

    *changed = false;
    if (parent && (rc = git_commit_tree(&base, parent)) < 0) {
        rc = fail_git(rc, "cannot read the branch tip's tree");
        goto done;
    }
    if (base) {
        rc = git_tree_entry_bypath(&entry, base, path);
        if (rc == 0) {
            git_object_t type = git_tree_entry_type(entry);
            if (type == GIT_OBJECT_TREE) {
                rc = error_set("%s is a directory on the branch", path);
                goto done;
            }
            if (type == GIT_OBJECT_BLOB && git_oid_equal(git_tree_entry_id(entry), blob) &&
                git_tree_entry_filemode(entry) == GIT_FILEMODE_BLOB) {
                git_oid_cpy(out, git_commit_id(parent));
                rc = 0;
                goto done;
            }
            if (!force) {
                error_set("%s is already on the branch with other content "
                          "(use --force to replace it)", path);
                rc = REPO_EEXISTS;
                goto done;
            }
        } else if (rc != GIT_ENOTFOUND) {
            rc = fail_git(rc, path);
            goto done;
        }
    }

    git_tree_update update = {
        .action = GIT_TREE_UPDATE_UPSERT,
        .filemode = GIT_FILEMODE_BLOB,
        .path = path,
    };
    git_oid_cpy(&update.id, blob);
    if ((rc = git_tree_create_updated(&tree_id, g, base, 1, &update)) < 0 ||
        (rc = git_tree_lookup(&tree, g, &tree_id)) < 0) {
        rc = fail_git(rc, "cannot build the tree");
        goto done;
    }
    const git_commit *parents[1] = { parent };
    if ((rc = git_commit_create(out, g, NULL, author, committer, NULL, message, tree,
                                parent ? 1 : 0, parents)) < 0) {
        rc = fail_git(rc, "cannot write the commit");
        goto done;
    }
    *changed = true;
    rc = 0;
done:
    git_tree_entry_free(entry);
    git_tree_free(tree);
    git_tree_free(base);
    return rc;
}

/* Moves REFNAME from OLD (NULL: it must not exist) to NEW. Returns 1 when
 * someone else moved it first, so the caller rebuilds on the new tip. */
static int ref_swap(git_repository *g, const char *refname, const git_oid *new_id,
                    const git_oid *old_id, const char *message)
{
    struct buf log = BUF_INIT;
    git_reference *ref = NULL;
    size_t subject = strcspn(message, "\n");
    buf_printf(&log, "commit%s: %.*s", old_id ? "" : " (initial)",
               (int)(subject > 200 ? 200 : subject), message);
    int rc = old_id ? git_reference_create_matching(&ref, g, refname, new_id, 1, old_id,
                                                    buf_str(&log))
                    : git_reference_create(&ref, g, refname, new_id, 0, buf_str(&log));
    git_reference_free(ref);
    buf_free(&log);
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ENOTFOUND)
        return 1;
    if (rc < 0)
        return fail_git(rc, "cannot update the branch");
    return 0;
}

/* Puts REFNAME back where it was after a later step failed, but only if it
 * still holds what we put there. */
static void ref_restore(git_repository *g, const char *refname, const git_oid *ours,
                        const git_oid *old_id)
{
    git_reference *ref = NULL;
    if (old_id) {
        if (git_reference_create_matching(&ref, g, refname, old_id, 1, ours,
                                          "warroom: undo postmortem commit") == 0)
            git_reference_free(ref);
    } else if (git_reference_lookup(&ref, g, refname) == 0) {
        if (git_oid_equal(git_reference_target(ref), ours))
            git_reference_delete(ref);
        git_reference_free(ref);
    }
}

static int signature_make(git_signature **out, git_repository *g, const char *name,
                          const char *email)
{
    int rc = git_signature_default(out, g);
    if (rc == 0)
        return 0;
    if (rc != GIT_ENOTFOUND)
        return fail_git(rc, "cannot read user.name and user.email from git config");
    if (!name || !*name)
        return error_set("git config has no user.name and user.email, and no name was given");
    if ((rc = git_signature_now(out, name, email ? email : "")) < 0)
        return fail_git(rc, "invalid author name or email");
    return 0;
}

/* ---- durability ------------------------------------------------------ */

/* fsyncs PATH, or with PARENT the directory that holds it. */
static int path_sync(const char *path, bool parent)
{
    char *copy = NULL;
    const char *target = path;
    if (parent) {
        copy = xstrdup(path);
        char *slash = strrchr(copy, '/');
        if (slash == copy)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        else
            strcpy(copy, ".");
        target = copy;
    }
    int rc = 0, fd = open(target, O_RDONLY | O_CLOEXEC | (parent ? O_DIRECTORY : O_NOFOLLOW));
    if (fd < 0 || fsync(fd) < 0)
        rc = error_set_errno("cannot sync %s to disk", target);
    if (fd >= 0)
        close(fd);
    free(copy);
    return rc;
}

/* libgit2 syncs each object and the fan-out directory it lands in, but not
 * objects/ itself, which holds the names of fan-out directories it has just
 * made: without this, a power cut could keep the branch and lose its commit. */
static int objects_sync(git_repository *g)
{
    struct buf path = BUF_INIT;
    buf_printf(&path, "%sobjects/", git_repository_commondir(g));
    int rc = path_sync(buf_str(&path), false);
    buf_free(&path);
    return rc;
}

/* ---- the working tree ------------------------------------------------ */

/* The process id in a leftover's name: digits only, a plausible pid; -1
 * otherwise. *end is set past the digits. */
static long pid_parse(const char *s, const char **end)
{
    long pid = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && p - s < 10)
        pid = pid * 10 + (*p++ - '0');
    if (p == s || (*p >= '0' && *p <= '9') || pid <= 0 || pid > INT_MAX)
        return -1;
    *end = p;
    return pid;
}

/* A leftover named after PID may go: no such process runs. Our own pid
 * counts as gone too, because nothing of ours is in flight whenever
 * leftovers are looked for: it was an earlier process with the same number. */
static bool pid_gone(long pid)
{
    if (pid == (long)getpid())
        return true;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* NAME in DIR is a file of this user's (never a link, never someone else's
 * in a shared repository). */
static bool file_is_mine(int dir, const char *name)
{
    struct stat st;
    return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
           st.st_uid == geteuid();
}

/* The one rule for every file warroom puts into a working tree, committed or
 * only written: opens the directory holding PATH below ROOT without following
 * a symbolic link on the way (a link in a hostile checkout must not send the
 * file elsewhere); CREATE makes missing directories. Returns the fd, -2 when a
 * directory is missing and CREATE is false, -1 with a message on failure. */
static int dir_open(const char *root, const char *path, bool create, const char **name)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return error_set_errno("cannot open the working tree %s", root);
    const char *p = path;
    for (const char *slash; (slash = strchr(p, '/')); p = slash + 1) {
        char comp[256];
        size_t len = (size_t)(slash - p);
        if (len >= sizeof comp) {
            close(fd);
            return error_set("a directory name in %s is too long", path);
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        if (create && mkdirat(fd, comp, 0755) == 0) {
            /* the new directory's name must be on disk before the file in it */
            if (fsync(fd) < 0) {
                error_set_errno("cannot create directory %.*s", (int)(slash - path), path);
                close(fd);
                return -1;
            }
        } else if (create && errno != EEXIST) {
            error_set_errno("cannot create directory %.*s", (int)(slash - path), path);
            close(fd);
            return -1;
        }
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(fd);
        if (next < 0 && !create && saved == ENOENT)
            return -2;
        if (next < 0 && (saved == ELOOP || saved == ENOTDIR))
            return error_set("%.*s is a symbolic link or not a directory in the working tree; "
                             "warroom writes nothing through it", (int)(slash - path), path);
        if (next < 0) {
            errno = saved;
            return error_set_errno("cannot open directory %.*s in the working tree",
                                   (int)(slash - path), path);
        }
        fd = next;
    }
    *name = p;
    return fd;
}

/* Removes from DIR the ".warroom-PID-N.tmp" files of processes that are gone:
 * a file staged by a warroom killed before it could rename it into place. */
static void tmp_sweep(int dir)
{
    int copy = fcntl(dir, F_DUPFD_CLOEXEC, 0);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d) {
        if (copy >= 0)
            close(copy);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        const char *end, *tail;
        if (strncmp(e->d_name, ".warroom-", 9) != 0)
            continue;
        long pid = pid_parse(e->d_name + 9, &end);
        if (pid < 0 || *end != '-' || pid_parse(end + 1, &tail) < 0 || strcmp(tail, ".tmp") != 0)
            continue;
        if (pid_gone(pid) && file_is_mine(dir, e->d_name))
            unlinkat(dir, e->d_name, 0);
    }
    closedir(d);
}

/* tmp_sweep in the directory that would hold PATH below ROOT, if there is one. */
static void tmp_sweep_at(const char *root, const char *path)
{
    const char *name;
    int dir = dir_open(root, path, false, &name);
    if (dir >= 0) {
        tmp_sweep(dir);
        close(dir);
    }
    error_clear();
}

/* Hashes the working-tree file NAME in DIR as a blob; *same is true when it
 * equals WANT. */
static int file_matches(bool *same, int dir, const char *name, const git_oid *want)
{
    struct buf content = BUF_INIT;
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int rc = 0;
    *same = false;
    if (fd < 0)
        return error_set_errno("cannot read %s in the working tree", name);
    for (;;) {
        buf_grow(&content, 65536);
        ssize_t n = read(fd, content.data + content.len, content.cap - content.len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = error_set_errno("cannot read %s in the working tree", name);
            goto done;
        }
        if (n == 0)
            break;
        content.len += (size_t)n;
        content.data[content.len] = '\0';
        if (content.len > REPO_FILE_MAX)
            goto done; /* larger than anything we commit: it differs */
    }
    git_oid id;
    if (git_odb_hash(&id, content.data ? content.data : "", content.len, GIT_OBJECT_BLOB) < 0) {
        rc = fail_git(-1, name);
        goto done;
    }
    *same = git_oid_equal(&id, want);
done:
    close(fd);
    buf_free(&content);
    return rc;
}

/* Writes CONTENT to a new file in DIR, synced, named in TMP (".warroom-PID-N.tmp",
 * so a leftover says whose it was); *st gets its stat data. TMP is "" when
 * nothing was created. */
static int file_stage(char *tmp, size_t size, int dir, const char *shown, const char *content,
                      size_t len, struct stat *st)
{
    static unsigned serial;
    snprintf(tmp, size, ".warroom-%ld-%u.tmp", (long)getpid(), ++serial);
    int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        tmp[0] = '\0';
        return error_set_errno("cannot create a file beside %s", shown);
    }
    if (file_write_all(fd, content ? content : "", len) < 0 || fsync(fd) < 0 || fstat(fd, st) < 0) {
        error_set_errno("cannot write %s", shown);
        close(fd);
        return -1;
    }
    if (close(fd) < 0)
        return error_set_errno("cannot write %s", shown);
    return 0;
}

/* Renames the staged TMP over NAME in DIR, and syncs the name. */
static int file_publish(char *tmp, int dir, const char *name, const char *shown)
{
    if (renameat(dir, tmp, dir, name) < 0)
        return error_set_errno("cannot write %s in the working tree", shown);
    tmp[0] = '\0';
    if (fsync(dir) < 0)
        return error_set_errno("cannot write %s in the working tree", shown);
    return 0;
}

int repo_write_file(struct repo *r, const char *path, const char *content, size_t len)
{
    const char *root = git_repository_workdir(r->git), *name = NULL;
    char tmp[64] = "";
    struct stat st;
    int rc = -1, dir = -1;
    if (repo_check_path(path) < 0)
        return -1;
    if (!root)
        return error_set("the repository is bare: there is no working tree to write %s into", path);
    if (len > REPO_FILE_MAX)
        return error_set("%s would be larger than %u bytes", path, REPO_FILE_MAX);
    if ((dir = dir_open(root, path, true, &name)) < 0)
        return -1;
    tmp_sweep(dir);
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
        error_set("%s is %s in the working tree; warroom writes nothing through it", path,
                  S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(st.st_mode) ? "a directory"
                                                                 : "not a regular file");
        goto done;
    }
    if (file_stage(tmp, sizeof tmp, dir, path, content, len, &st) < 0 ||
        file_publish(tmp, dir, name, path) < 0)
        goto done;
    rc = 0;
done:
    if (tmp[0])
        unlinkat(dir, tmp, 0);
    close(dir);
    return rc;
}

/* Copies SRC to DST when a hard link is not possible on this filesystem. */
static int file_copy(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    char chunk[65536];
    if (in < 0)
        return error_set_errno("cannot read %s", src);
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        error_set_errno("cannot create %s", dst);
        goto done;
    }
    for (;;) {
        ssize_t n = read(in, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n > 0 && file_write_all(out, chunk, (size_t)n) < 0)) {
            error_set_errno("cannot copy the index");
            goto done;
        }
        if (n == 0)
            break;
    }
    rc = 0;
done:
    if (out >= 0)
        close(out);
    close(in);
    return rc;
}

/* Where the index and what goes beside it live. */
struct gitpaths {
    struct buf gitdir;    /* journals: the repository's own directory, with a slash */
    struct buf index;     /* the index file; empty in a bare repository */
    struct buf lock;      /* index.lock */
    struct buf index_tmp; /* index.warroom-PID: the next index, renamed over the index */
};

static int gitpaths_init(struct gitpaths *p, git_repository *g)
{
    memset(p, 0, sizeof *p);
    buf_adds(&p->gitdir, git_repository_path(g));
    if (git_repository_is_bare(g))
        return 0;
    git_buf path = GIT_BUF_INIT;
    int rc = git_repository_item_path(&path, g, GIT_REPOSITORY_ITEM_INDEX);
    if (rc < 0)
        return fail_git(rc, "cannot locate the index");
    buf_adds(&p->index, path.ptr);
    git_buf_dispose(&path);
    buf_printf(&p->lock, "%s.lock", buf_str(&p->index));
    buf_printf(&p->index_tmp, "%s.warroom-%ld", buf_str(&p->index), (long)getpid());
    return 0;
}

static void gitpaths_free(struct gitpaths *p)
{
    buf_free(&p->gitdir);
    buf_free(&p->index);
    buf_free(&p->lock);
    buf_free(&p->index_tmp);
}

/* Makes the next index a copy of the index. It cannot change while
 * index.lock is held, so a hard link is an exact copy that libgit2 then
 * rewrites under its own temporary name. */
static int index_copy(const struct gitpaths *p)
{
    unlink(buf_str(&p->index_tmp));
    if (link(buf_str(&p->index), buf_str(&p->index_tmp)) == 0 || errno == ENOENT)
        return 0;
    return file_copy(buf_str(&p->index), buf_str(&p->index_tmp));
}

/* Writes INDEX (opened on the next index), syncs it and renames it over the
 * index, the name synced too. */
static int index_publish(git_index *index, const struct gitpaths *p)
{
    int rc = git_index_write(index);
    if (rc < 0)
        return fail_git(rc, "cannot update the index");
    /* libgit2 does not sync an index it was given by path */
    if (path_sync(buf_str(&p->index_tmp), false) < 0)
        return -1;
    if (rename(buf_str(&p->index_tmp), buf_str(&p->index)) < 0)
        return error_set_errno("cannot write the index");
    return path_sync(buf_str(&p->index), true);
}

/* An index entry for PATH = BLOB. With ST, the file's stat data, so git sees
 * it as clean without hashing it again; without, none, so git looks. */
static void index_entry_fill(git_index_entry *e, const struct stat *st, const char *path,
                             const git_oid *blob)
{
    memset(e, 0, sizeof *e);
    if (st) {
        e->ctime.seconds = (int32_t)st->st_ctim.tv_sec;
        e->ctime.nanoseconds = (uint32_t)st->st_ctim.tv_nsec;
        e->mtime.seconds = (int32_t)st->st_mtim.tv_sec;
        e->mtime.nanoseconds = (uint32_t)st->st_mtim.tv_nsec;
        e->dev = (uint32_t)st->st_dev;
        e->ino = (uint32_t)st->st_ino;
        e->uid = (uint32_t)st->st_uid;
        e->gid = (uint32_t)st->st_gid;
        e->file_size = (uint32_t)st->st_size;
    }
    e->mode = GIT_FILEMODE_BLOB;
    git_oid_cpy(&e->id, blob);
    e->path = path;
}

/* ---- interrupted commits --------------------------------------------- */

/* A commit writes down what it is doing before it touches anything, in
 * <gitdir>/warroom-PID.journal: who is committing (host, boot, pid and the
 * process's start time, so that a pid reused after a crash is not taken for
 * the writer), the branch and path, the path's index entry before, and the
 * commit about to be published (written and synced before the branch moves).
 * When the branch is checked out, index.lock is a hard link of the journal,
 * or where a filesystem has none a copy carrying its token: that is how a
 * later run tells the lock of a warroom that is gone from a live git's, which
 * it never touches.
 *
 * A run that finds the journal of a writer that is gone takes it over (a
 * rename to a name of its own, so no two runs finish it at once), finishes
 * the commit when the branch points at it (the index entry and the file, as
 * the writer would have), removes the writer's files, the lock, and only then
 * the journal: killed at any point in between, the next run does it again.
 * A rewrite is the whole record, at the same length, in one write, so it never
 * leaves the tail of an older one behind. */

#define JOURNAL_MAGIC "warroom postmortem commit 1\n"
#define JOURNAL_MAX 4096
#define TOKEN_HEX 32
#define HOST_MAX 64
#define BOOT_MAX 36
#define HEX_CHARS "0123456789abcdef"

struct record {
    char token[TOKEN_HEX + 1];
    char host[HOST_MAX + 1];
    char boot[BOOT_MAX + 1];   /* "-" when unknown */
    long pid;
    unsigned long long start;  /* in clock ticks since boot; 0 when unknown */
    bool worktree;             /* the branch was checked out: index and file follow */
    char refname[BRANCH_MAX + 12];
    char path[REPO_PATH_MAX + 1];
    git_oid was;               /* the path's index entry before; zero: none */
    git_oid commit;            /* the commit being published; zero: none yet */
};

/* When process PID started (clock ticks since boot), 0 when unknown. */
static unsigned long long process_start(long pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    /* after the command name in parentheses, field 3 on; the start is 22 */
    char *p = strrchr(text, ')');
    for (int field = 2; p && field < 22; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

/* Copies IN into OUT keeping only ALLOWED characters ('_' for others). */
static void chars_keep(char *out, size_t size, const char *in, const char *allowed)
{
    size_t n = 0;
    for (; *in && n + 1 < size; in++)
        out[n++] = strchr(allowed, *in) ? *in : '_';
    out[n] = '\0';
    if (n == 0 && size > 1)
        strcpy(out, "-");
}

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"

/* This process as a journal names its writer. */
static void identity_read(struct record *self)
{
    char host[HOST_MAX + 1] = "", boot[BOOT_MAX + 2] = "";
    if (gethostname(host, sizeof host) < 0)
        host[0] = '\0';
    host[HOST_MAX] = '\0';
    chars_keep(self->host, sizeof self->host, host, HOST_CHARS);
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, boot, sizeof boot - 1) : -1;
    if (fd >= 0)
        close(fd);
    boot[n > 0 ? n : 0] = '\0';
    boot[strcspn(boot, "\n")] = '\0';
    if (strlen(boot) == BOOT_MAX && boot[strspn(boot, HEX_CHARS "-")] == '\0')
        strcpy(self->boot, boot);
    else
        strcpy(self->boot, "-");
    self->pid = (long)getpid();
    self->start = process_start(self->pid);
}

/* A token that tells this run's lock from any other's. */
static void token_make(char out[TOKEN_HEX + 1])
{
    unsigned char raw[TOKEN_HEX / 2];
    if (getrandom(raw, sizeof raw, GRND_NONBLOCK) != (ssize_t)sizeof raw) {
        /* unique enough to tell two runs apart, which is all it is for */
        static unsigned counter;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t mix[2] = { (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                            ((uint64_t)getpid() << 32) ^ ++counter };
        memcpy(raw, mix, sizeof raw);
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static void record_format(struct buf *out, const struct record *rec)
{
    char was[GIT_OID_HEXSZ + 1], commit[GIT_OID_HEXSZ + 1];
    git_oid_tostr(was, sizeof was, &rec->was);
    git_oid_tostr(commit, sizeof commit, &rec->commit);
    buf_reset(out);
    buf_printf(out,
               "%stoken %s\nhost %s\nboot %s\nprocess %010ld %020llu\nworktree %s\n"
               "branch %s\npath %s\nwas %s\ncommit %s\nend\n",
               JOURNAL_MAGIC, rec->token, rec->host, rec->boot, rec->pid, rec->start,
               rec->worktree ? "yes" : "no", rec->refname, rec->path, was, commit);
}

/* Reads the line "KEY VALUE\n" at *P into OUT. */
static bool record_field(const char **p, const char *key, char *out, size_t size)
{
    size_t k = strlen(key);
    if (strncmp(*p, key, k) != 0 || (*p)[k] != ' ')
        return false;
    const char *value = *p + k + 1, *nl = strchr(value, '\n');
    if (!nl || nl == value || (size_t)(nl - value) >= size)
        return false;
    memcpy(out, value, (size_t)(nl - value));
    out[nl - value] = '\0';
    *p = nl + 1;
    return true;
}

static bool oid_field(git_oid *id, const char *hex)
{
    return strlen(hex) == GIT_OID_HEXSZ && hex[strspn(hex, HEX_CHARS)] == '\0' &&
           git_oid_fromstr(id, hex) == 0;
}

/* Parses TEXT (NUL-terminated, LEN bytes) as a journal. Everything in it is
 * checked again: a file in .git is no more trusted than any other. */
static int record_parse(struct record *rec, const char *text, size_t len)
{
    char process[40], worktree[8], was[48], commit[48];
    const char *p = text;
    memset(rec, 0, sizeof *rec);
    if (strlen(text) != len || strncmp(p, JOURNAL_MAGIC, strlen(JOURNAL_MAGIC)) != 0)
        return -1;
    p += strlen(JOURNAL_MAGIC);
    if (!record_field(&p, "token", rec->token, sizeof rec->token) ||
        !record_field(&p, "host", rec->host, sizeof rec->host) ||
        !record_field(&p, "boot", rec->boot, sizeof rec->boot) ||
        !record_field(&p, "process", process, sizeof process) ||
        !record_field(&p, "worktree", worktree, sizeof worktree) ||
        !record_field(&p, "branch", rec->refname, sizeof rec->refname) ||
        !record_field(&p, "path", rec->path, sizeof rec->path) ||
        !record_field(&p, "was", was, sizeof was) ||
        !record_field(&p, "commit", commit, sizeof commit) || strcmp(p, "end\n") != 0)
        return -1;
    if (strlen(rec->token) != TOKEN_HEX || rec->token[strspn(rec->token, HEX_CHARS)] ||
        rec->host[strspn(rec->host, HOST_CHARS)] || rec->boot[strspn(rec->boot, HEX_CHARS "-")])
        return -1;
    if (strlen(process) != 31 || process[10] != ' ' || strspn(process, "0123456789") != 10 ||
        strspn(process + 11, "0123456789") != 20)
        return -1;
    rec->pid = strtol(process, NULL, 10);
    rec->start = strtoull(process + 11, NULL, 10);
    if (rec->pid <= 0 || rec->pid > INT_MAX)
        return -1;
    if (strcmp(worktree, "yes") != 0 && strcmp(worktree, "no") != 0)
        return -1;
    rec->worktree = worktree[0] == 'y';
    if (!oid_field(&rec->was, was) || !oid_field(&rec->commit, commit))
        return -1;
    int ok = strncmp(rec->refname, "refs/heads/", 11) == 0 && repo_check_branch(rec->refname) == 0 &&
             repo_check_path(rec->path) == 0;
    error_clear();
    return ok ? 0 : -1;
}

/* Reads and parses the journal open on FD. */
static int record_read_fd(struct record *rec, int fd)
{
    char text[JOURNAL_MAX + 2];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0 || n > JOURNAL_MAX)
        return -1;
    text[n] = '\0';
    return record_parse(rec, text, (size_t)n);
}

/* Reads and parses the journal at PATH, which must be a regular file. */
static int record_read(struct record *rec, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? record_read_fd(rec, fd) : -1;
    close(fd);
    return rc;
}

/* The writer of a journal named after PID (REC: its content, when it parses)
 * is gone: no process of that pid runs on this machine since this boot, or
 * the one that does started later than the writer did. A journal written on
 * another host is never judged. */
static bool writer_gone(long pid, const struct record *rec, const struct record *self)
{
    if (rec) {
        if (strcmp(rec->host, self->host) != 0)
            return false;
        if (strcmp(rec->boot, "-") != 0 && strcmp(self->boot, "-") != 0 &&
            strcmp(rec->boot, self->boot) != 0)
            return true;
    }
    if (pid == self->pid)
        return true;   /* see pid_gone */
    if (kill((pid_t)pid, 0) == 0 || errno == EPERM) {
        if (rec && rec->pid == pid && rec->start) {
            unsigned long long now = process_start(pid);
            return now && now != rec->start;
        }
        return false;
    }
    return errno == ESRCH;
}

struct journal {
    int fd;               /* -1: none */
    struct buf path;
    struct record rec;
    bool dir_synced;
};

static void journal_init(struct journal *j)
{
    memset(j, 0, sizeof *j);
    j->fd = -1;
}

static int journal_write(struct journal *j)
{
    struct buf text = BUF_INIT;
    record_format(&text, &j->rec);
    ssize_t n = pwrite(j->fd, text.data, text.len, 0);
    if (n >= 0 && (size_t)n != text.len)
        errno = EIO;
    int rc = n >= 0 && (size_t)n == text.len ? 0 : error_set_errno("cannot write %s", buf_str(&j->path));
    buf_free(&text);
    return rc;
}

/* Puts the journal on disk, content and name, before the step it speaks of. */
static int journal_sync(struct journal *j)
{
    if (fdatasync(j->fd) < 0)
        return error_set_errno("cannot write %s", buf_str(&j->path));
    if (!j->dir_synced && path_sync(buf_str(&j->path), true) < 0)
        return -1;
    j->dir_synced = true;
    return 0;
}

/* Closes the journal; REMOVE deletes it, which is always the last step. */
static void journal_close(struct journal *j, bool remove)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    if (remove && j->path.len)
        unlink(buf_str(&j->path));
    buf_free(&j->path);
}

/* True when the file at LOCK is the lock J's writer took: J's own file (a
 * hard link), or a copy carrying J's token (VALID: J's record parsed). */
static bool lock_is_journals(const char *lock, const struct journal *j, bool valid)
{
    struct stat a, b;
    struct record other;
    if (lstat(lock, &a) < 0 || !S_ISREG(a.st_mode))
        return false;
    if (j->fd >= 0 && fstat(j->fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return true;
    return valid && record_read(&other, lock) == 0 && strcmp(other.token, j->rec.token) == 0;
}

/* Takes LOCK (index.lock) for J's writer as git takes it, by creating it:
 * 0, 1 when someone else holds it, -1 with a message. */
static int lock_take(const char *lock, struct journal *j)
{
    if (link(buf_str(&j->path), lock) == 0)
        return 0;
    if (errno == EEXIST)
        return 1;
    if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK && errno != ENOSYS &&
        errno != EXDEV)
        return error_set_errno("cannot create %s", lock);
    /* No hard links here: a lock of our own carrying the journal's token. */
    int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST)
        return 1;
    if (fd < 0)
        return error_set_errno("cannot create %s", lock);
    struct buf text = BUF_INIT;
    record_format(&text, &j->rec);
    int rc = file_write_all(fd, text.data, text.len);
    buf_free(&text);
    if (close(fd) < 0 || rc < 0) {
        error_set_errno("cannot write %s", lock);
        unlink(lock);
        return -1;
    }
    return 0;
}

/* The branch REC names is checked out here and points at REC's commit: the
 * commit was published, and its index entry and file may not have followed. */
static bool journal_unfinished(git_repository *g, const struct record *rec)
{
    git_oid tip;
    bool found = false;
    char *head = head_target(g);
    bool here = head && strcmp(head, rec->refname) == 0;
    free(head);
    bool moved = here && tip_read(&tip, &found, g, rec->refname) == 0 && found &&
                 git_oid_equal(&tip, &rec->commit);
    error_clear();
    return moved;
}

/* The last entry of the reflog at PATH moved the branch to WANT (40 hex);
 * *when gets the reflog's modification time. */
static bool reflog_ends_with(const char *path, const char *want, struct timespec *when)
{
    char tail[1024];
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        off_t from = st.st_size > (off_t)sizeof tail - 1 ? st.st_size - (off_t)sizeof tail + 1 : 0;
        ssize_t n = pread(fd, tail, sizeof tail - 1, from);
        if (n > 0 && tail[n - 1] == '\n') {
            tail[n - 1] = '\0';
            char *last = strrchr(tail, '\n');
            last = last ? last + 1 : (from == 0 ? tail : NULL);
            /* "<old> <new> <committer> <time> <tz>\t<message>" */
            ok = last && strlen(last) > 2 * GIT_OID_HEXSZ + 1 && last[GIT_OID_HEXSZ] == ' ' &&
                 strncmp(last + GIT_OID_HEXSZ + 1, want, GIT_OID_HEXSZ) == 0;
            *when = st.st_mtim;
        }
    }
    close(fd);
    return ok;
}

/* Clears the branch lock a writer left when it was killed while libgit2 was
 * moving the branch to REC's commit. It is that writer's when it holds
 * exactly the commit's id (written by no one else), or when it is still
 * empty and the reflog's last entry is that move, written after the lock was
 * made: libgit2 appends the reflog while it holds the lock, and no one could
 * have made the lock since, for it was there. */
static void ref_lock_clear(git_repository *g, const struct record *rec)
{
    struct buf lock = BUF_INIT, log = BUF_INIT;
    char want[GIT_OID_HEXSZ + 2], got[GIT_OID_HEXSZ + 3];
    struct stat st;
    struct timespec logged;
    git_oid_tostr(want, GIT_OID_HEXSZ + 1, &rec->commit);
    buf_printf(&lock, "%s%s.lock", git_repository_commondir(g), rec->refname);
    buf_printf(&log, "%slogs/%s", git_repository_commondir(g), rec->refname);
    int fd = open(buf_str(&lock), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, got, sizeof got - 1) : -1;
        close(fd);
        got[n > 0 ? n : 0] = '\0';
        bool ours = n == GIT_OID_HEXSZ + 1 && strncmp(got, want, GIT_OID_HEXSZ) == 0 &&
                    got[GIT_OID_HEXSZ] == '\n';
        if (!ours && n == 0 && reflog_ends_with(buf_str(&log), want, &logged))
            ours = st.st_mtim.tv_sec < logged.tv_sec ||
                   (st.st_mtim.tv_sec == logged.tv_sec && st.st_mtim.tv_nsec <= logged.tv_nsec);
        if (ours)
            unlink(buf_str(&lock));
    }
    buf_free(&lock);
    buf_free(&log);
}

/* Brings the index entry and the working-tree file of REC's path along to
 * REC's commit, as its writer would have. An entry or a file that someone
 * changed since is left as it is. Holds index.lock. */
static int journal_finish(bool *finished, git_repository *g, const struct gitpaths *gp,
                          const struct record *rec)
{
    git_commit *commit = NULL;
    git_tree *tree = NULL;
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    git_index *index = NULL;
    const char *root = git_repository_workdir(g), *name = NULL;
    char tmp[64] = "";
    bool index_ready = false, current = false, old = false, absent = false;
    struct stat st;
    int dir = -1, rc;

    if ((rc = git_commit_lookup(&commit, g, &rec->commit)) < 0 ||
        (rc = git_commit_tree(&tree, commit)) < 0) {
        rc = fail_git(rc, "cannot read the interrupted commit");
        goto done;
    }
    if ((rc = git_tree_entry_bypath(&entry, tree, rec->path)) == GIT_ENOTFOUND) {
        rc = 0;   /* not a commit of that file: nothing to bring along */
        goto done;
    }
    if (rc < 0) {
        rc = fail_git(rc, "cannot read the interrupted commit");
        goto done;
    }
    const git_oid *want = git_tree_entry_id(entry);
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
        git_tree_entry_filemode(entry) != GIT_FILEMODE_BLOB) {
        rc = 0;   /* not a file this module wrote */
        goto done;
    }
    if ((rc = git_blob_lookup(&blob, g, want)) < 0) {
        rc = fail_git(rc, "cannot read the interrupted commit");
        goto done;
    }
    if (git_blob_rawsize(blob) > REPO_FILE_MAX) {
        rc = 0;   /* larger than anything this module commits */
        goto done;
    }

    /* the file: written when it is missing or still what it was before */
    if ((dir = dir_open(root, rec->path, true, &name)) < 0) {
        rc = -1;
        goto done;
    }
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT) {
            rc = error_set_errno("cannot examine %s in the working tree", rec->path);
            goto done;
        }
        absent = true;
    } else if (S_ISREG(st.st_mode)) {
        if ((rc = file_matches(&current, dir, name, want)) < 0)
            goto done;
        if (!current && !git_oid_is_zero(&rec->was) &&
            (rc = file_matches(&old, dir, name, &rec->was)) < 0)
            goto done;
    }
    if (absent || old) {
        if ((rc = file_stage(tmp, sizeof tmp, dir, rec->path, git_blob_rawcontent(blob),
                             (size_t)git_blob_rawsize(blob), &st)) < 0 ||
            (rc = file_publish(tmp, dir, name, rec->path)) < 0)
            goto done;
        current = true;
        *finished = true;
    }
    if (current && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        current = false;

    /* the index entry: set when it is still what it was before */
    if ((rc = index_copy(gp)) < 0)
        goto done;
    index_ready = true;
    if ((rc = git_index_open(&index, buf_str(&gp->index_tmp))) < 0) {
        rc = fail_git(rc, "cannot read the index");
        goto done;
    }
    const git_index_entry *staged = git_index_get_bypath(index, rec->path, 0);
    bool conflicted = false;
    for (int stage = 1; stage <= 3; stage++)
        conflicted = conflicted || git_index_get_bypath(index, rec->path, stage);
    bool untouched = staged ? git_oid_equal(&staged->id, &rec->was) : git_oid_is_zero(&rec->was);
    if (!conflicted && untouched && !(staged && git_oid_equal(&staged->id, want))) {
        git_index_entry next;
        index_entry_fill(&next, current ? &st : NULL, rec->path, want);
        if ((rc = git_index_add(index, &next)) < 0) {
            rc = fail_git(rc, "cannot update the index");
            goto done;
        }
        if ((rc = index_publish(index, gp)) < 0)
            goto done;
        index_ready = false;
        *finished = true;
    }
    rc = 0;
done:
    if (tmp[0])
        unlinkat(dir, tmp, 0);
    if (dir >= 0)
        close(dir);
    if (index_ready)
        unlink(buf_str(&gp->index_tmp));
    git_index_free(index);
    git_blob_free(blob);
    git_tree_entry_free(entry);
    git_tree_free(tree);
    git_commit_free(commit);
    return rc;
}

/* Finishes and clears the journal NAME (of the writer PID) when its writer
 * is gone; leaves it for a later run while a live git holds the index. */
static int journal_recover_one(bool *finished, git_repository *g, const struct gitpaths *gp,
                               const char *name, long pid, const struct record *self)
{
    struct journal j;
    struct buf old = BUF_INIT;
    struct record rec;
    struct stat st;
    int rc = 0;
    journal_init(&j);
    buf_printf(&old, "%s%s", buf_str(&gp->gitdir), name);
    /* another user's (in a shared repository) is theirs to finish */
    if (lstat(buf_str(&old), &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
        goto done;
    bool valid = record_read(&rec, buf_str(&old)) == 0;
    if (!writer_gone(pid, valid ? &rec : NULL, self))
        goto done;
    for (unsigned n = 1;; n++) {
        buf_reset(&j.path);
        buf_printf(&j.path, "%swarroom-%ld-%u.recovering", buf_str(&gp->gitdir), self->pid, n);
        if (lstat(buf_str(&j.path), &st) < 0 && errno == ENOENT)
            break;
        if (n == 100) {
            rc = error_set("cannot take over %s: too many of our own", buf_str(&old));
            goto done;
        }
    }
    if (rename(buf_str(&old), buf_str(&j.path)) < 0) {
        if (errno != ENOENT)   /* ENOENT: another run took it over first */
            rc = error_set_errno("cannot take over %s", buf_str(&old));
        goto done;
    }
    j.fd = open(buf_str(&j.path), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (j.fd < 0 || fstat(j.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        journal_close(&j, true);   /* not a journal at all */
        goto done;
    }
    valid = record_read_fd(&j.rec, j.fd) == 0;
    if (valid) {
        /* this run is the writer now, should it be killed too */
        j.rec.pid = self->pid;
        j.rec.start = self->start;
        if (journal_write(&j) < 0)
            error_clear();
    }
    if (valid && !git_oid_is_zero(&j.rec.commit))
        ref_lock_clear(g, &j.rec);
    if (valid && gp->index.len)   /* the file it staged, wherever postmortems go now */
        tmp_sweep_at(git_repository_workdir(g), j.rec.path);
    bool need = valid && j.rec.worktree && gp->index.len && !git_oid_is_zero(&j.rec.commit) &&
                journal_unfinished(g, &j.rec);
    bool held = gp->lock.len && lock_is_journals(buf_str(&gp->lock), &j, valid);
    if (need && !held) {
        int taken = lock_take(buf_str(&gp->lock), &j);
        if (taken != 0) {   /* a live git holds the index: finished on a later run */
            rc = taken < 0 ? -1 : 0;
            journal_close(&j, false);
            goto done;
        }
        held = true;
    }
    if (need && journal_finish(finished, g, gp, &j.rec) < 0) {
        char *why = xstrdup(error_last());
        error_set("an interrupted commit of %s could not be finished (%s); the index stays "
                  "locked until it is: fix that and commit the postmortem again",
                  j.rec.path, why);
        free(why);
        journal_close(&j, false);
        rc = -1;
        goto done;
    }
    if (held && lock_is_journals(buf_str(&gp->lock), &j, valid))
        unlink(buf_str(&gp->lock));
    journal_close(&j, true);
done:
    journal_close(&j, false);
    buf_free(&old);
    return rc;
}

#define RECOVER_MAX 32

/* Finishes and clears what warroom runs that are gone left in the
 * repository: their journals (finishing a commit its branch points at),
 * the index.lock each held, their next index and their staged file beside
 * PATH. *finished is set when an index entry or a file was brought along. */
static int journal_recover(bool *finished, git_repository *g, const struct gitpaths *gp,
                           const char *path, const struct record *self)
{
    char names[RECOVER_MAX][64];
    long pids[RECOVER_MAX];
    size_t count = 0;
    int rc = 0;
    DIR *d = opendir(buf_str(&gp->gitdir));
    for (struct dirent *e; d && count < RECOVER_MAX && (e = readdir(d));) {
        const char *end, *tail;
        if (strncmp(e->d_name, "warroom-", 8) != 0 || strlen(e->d_name) >= sizeof names[0])
            continue;
        long pid = pid_parse(e->d_name + 8, &end);
        if (pid < 0 || (strcmp(end, ".journal") != 0 &&
                        !(*end == '-' && pid_parse(end + 1, &tail) > 0 &&
                          strcmp(tail, ".recovering") == 0)))
            continue;
        strcpy(names[count], e->d_name);
        pids[count++] = pid;
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = journal_recover_one(finished, g, gp, names[i], pids[i], self);

    /* the next index (and libgit2's lock for it) of a writer that is gone */
    if (gp->index.len) {
        char *copy = xstrdup(buf_str(&gp->index));
        char *slash = strrchr(copy, '/');
        const char *base = slash ? slash + 1 : copy;
        size_t blen = strlen(base);
        if (slash)
            *slash = '\0';
        int dirfd = open(slash ? (*copy ? copy : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int dupfd = dirfd >= 0 ? fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : -1;
        DIR *id = dupfd >= 0 ? fdopendir(dupfd) : NULL;
        for (struct dirent *e; id && (e = readdir(id));) {
            const char *end;
            if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".warroom-", 9) != 0)
                continue;
            long pid = pid_parse(e->d_name + blen + 9, &end);
            if (pid > 0 && (!*end || strcmp(end, ".lock") == 0) && pid_gone(pid) &&
                file_is_mine(dirfd, e->d_name))
                unlinkat(dirfd, e->d_name, 0);
        }
        if (id)
            closedir(id);
        else if (dupfd >= 0)
            close(dupfd);
        if (dirfd >= 0)
            close(dirfd);
        free(copy);
        tmp_sweep_at(git_repository_workdir(g), path);
    }
    return rc;
}

/* State of one commit: its journal, and when the branch is checked out the
 * one file and one index entry brought along. index.lock is held from the
 * first read of the index to the last write, as git itself does, so no
 * concurrent `git add` is lost. */
struct worktree {
    struct gitpaths paths;
    struct journal journal;
    bool locked;            /* index.lock is ours */
    bool index_ready;       /* paths.index_tmp exists */
    git_oid was;            /* the path's index entry before; zero: none */
    int dir_fd;             /* the file's directory, opened without following links */
    const char *name;       /* the file's last component */
    char file_tmp[64];      /* name of the next file in dir_fd, "" when none */
};

static void worktree_init(struct worktree *wt)
{
    memset(wt, 0, sizeof *wt);
    journal_init(&wt->journal);
    wt->dir_fd = -1;
}

static void worktree_discard(struct worktree *wt)
{
    if (wt->file_tmp[0] && wt->dir_fd >= 0)
        unlinkat(wt->dir_fd, wt->file_tmp, 0);
    wt->file_tmp[0] = '\0';
    if (wt->index_ready)
        unlink(buf_str(&wt->paths.index_tmp));
    wt->index_ready = false;
    if (wt->dir_fd >= 0)
        close(wt->dir_fd);
    wt->dir_fd = -1;
}

/* Undoes what is left of the commit's own files: the lock, then the
 * journal, last. */
static void worktree_end(struct worktree *wt)
{
    worktree_discard(wt);
    if (wt->locked && lock_is_journals(buf_str(&wt->paths.lock), &wt->journal, true))
        unlink(buf_str(&wt->paths.lock));
    wt->locked = false;
    journal_close(&wt->journal, true);
    gitpaths_free(&wt->paths);
}

/* Before anything is written: finishes and clears what runs that are gone
 * left, writes this run's journal and, when the branch is checked out
 * (HERE), takes index.lock as a link to it. */
static int worktree_begin(struct worktree *wt, bool *finished, git_repository *g,
                          const char *refname, const char *path, bool here)
{
    struct journal *j = &wt->journal;
    if (gitpaths_init(&wt->paths, g) < 0)
        return -1;
    identity_read(&j->rec);
    if (journal_recover(finished, g, &wt->paths, path, &j->rec) < 0)
        return -1;
    token_make(j->rec.token);
    j->rec.worktree = here;
    snprintf(j->rec.refname, sizeof j->rec.refname, "%s", refname);
    snprintf(j->rec.path, sizeof j->rec.path, "%s", path);
    buf_printf(&j->path, "%swarroom-%ld.journal", buf_str(&wt->paths.gitdir), j->rec.pid);
    j->fd = open(buf_str(&j->path), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        error_set_errno("cannot create %s", buf_str(&j->path));
        buf_reset(&j->path);   /* not ours: never removed */
        return -1;
    }
    if (journal_write(j) < 0)
        return -1;
    if (!here)
        return 0;
    int taken = lock_take(buf_str(&wt->paths.lock), j);
    if (taken == 1) {
        error_set("%s exists: another git process seems to be running in this repository; "
                  "if none is, remove that file and try again", buf_str(&wt->paths.lock));
        return REPO_ELOCKED;
    }
    if (taken < 0)
        return -1;
    wt->locked = true;
    return 0;
}

/* Writes down the commit about to be published, on disk before the branch
 * moves. */
static int worktree_note(struct worktree *wt, const git_oid *made)
{
    git_oid_cpy(&wt->journal.rec.was, &wt->was);
    git_oid_cpy(&wt->journal.rec.commit, made);
    if (journal_write(&wt->journal) < 0)
        return -1;
    return journal_sync(&wt->journal);
}

/* Checks that the user has no change of their own to PATH (against the tip's
 * TREE, NULL for an unborn branch), then writes the next file and the next
 * index beside the real ones, ready to be renamed into place once the branch
 * update has won. */
static int worktree_prepare(struct worktree *wt, git_repository *g, git_tree *tree,
                            const struct repo_commit_request *req, const git_oid *blob)
{
    git_index *index = NULL;
    git_tree_entry *entry = NULL;
    const char *root = git_repository_workdir(g);
    const char *path = req->path;
    int rc;

    worktree_discard(wt);
    if ((rc = index_copy(&wt->paths)) < 0)
        goto done;
    wt->index_ready = true;
    if ((rc = git_index_open(&index, buf_str(&wt->paths.index_tmp))) < 0) {
        rc = fail_git(rc, "cannot read the index");
        goto done;
    }
    for (int stage = 1; stage <= 3; stage++) {
        if (git_index_get_bypath(index, path, stage)) {
            rc = error_set("%s has an unresolved merge conflict; resolve it first", path);
            rc = REPO_EDIRTY;
            goto done;
        }
    }
    const git_index_entry *staged = git_index_get_bypath(index, path, 0);
    memset(&wt->was, 0, sizeof wt->was);
    if (staged)
        git_oid_cpy(&wt->was, &staged->id);
    if (tree) {
        rc = git_tree_entry_bypath(&entry, tree, path);
        if (rc < 0 && rc != GIT_ENOTFOUND) {
            rc = fail_git(rc, path);
            goto done;
        }
    }
    bool staged_change = (staged != NULL) != (entry != NULL) ||
                         (staged && entry &&
                          (!git_oid_equal(&staged->id, git_tree_entry_id(entry)) ||
                           staged->mode != (uint32_t)git_tree_entry_filemode(entry)));

    const char *why = NULL;
    struct stat st;
    const char *name = NULL;
    int dir = dir_open(root, path, false, &name);
    if (dir == -1) {
        rc = -1;
        goto done;
    }
    if (dir >= 0 && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode)) {
            close(dir);
            rc = error_set("%s is a directory in the working tree", path);
            goto done;
        }
        bool same = false;
        if (S_ISREG(st.st_mode) && staged &&
            (rc = file_matches(&same, dir, name, &staged->id)) < 0) {
            close(dir);
            goto done;
        }
        if (!staged)
            why = "is untracked in the working tree";
        else if (!same)
            why = "has unstaged changes";
    } else if (dir >= 0 && errno != ENOENT) {
        error_set_errno("cannot examine %s in the working tree", path);
        close(dir);
        rc = -1;
        goto done;
    } else if (staged) {
        why = "was deleted in the working tree";
    }
    if (dir >= 0)
        close(dir);
    if (staged_change)
        why = "has staged changes";
    if (why && !req->force) {
        error_set("%s %s; commit or stash them first, or use --force to replace them",
                  path, why);
        rc = REPO_EDIRTY;
        goto done;
    }

    wt->dir_fd = dir_open(root, path, true, &wt->name);
    if (wt->dir_fd < 0) {
        wt->dir_fd = -1;
        rc = -1;
        goto done;
    }
    if ((rc = file_stage(wt->file_tmp, sizeof wt->file_tmp, wt->dir_fd, path, req->content,
                         req->len, &st)) < 0)
        goto done;
    git_index_entry next;
    index_entry_fill(&next, &st, path, blob);
    if ((rc = git_index_add(index, &next)) < 0 || (rc = git_index_write(index)) < 0) {
        rc = fail_git(rc, "cannot update the index");
        goto done;
    }
    /* libgit2 does not sync an index it was given by path */
    if ((rc = path_sync(buf_str(&wt->paths.index_tmp), false)) < 0)
        goto done;
    rc = 0;
done:
    git_tree_entry_free(entry);
    git_index_free(index);
    return rc;
}

/* Renames the prepared file and index into place, each name on disk before
 * success is reported. */
static int worktree_publish(struct worktree *wt)
{
    if (file_publish(wt->file_tmp, wt->dir_fd, wt->name, wt->name) < 0)
        return -1;
    if (rename(buf_str(&wt->paths.index_tmp), buf_str(&wt->paths.index)) < 0)
        return error_set_errno("cannot write the index");
    wt->index_ready = false;
    return path_sync(buf_str(&wt->paths.index), true);
}

/* The branch is checked out here (so its index and files follow it). A branch
 * checked out in another worktree is refused: moving it would leave that
 * worktree's index looking like it undoes the commit. */
static int branch_checked_out(bool *here, git_repository *g, const char *refname)
{
    git_reference *ref = NULL;
    *here = false;
    if (!git_repository_is_bare(g)) {
        char *head = head_target(g);
        *here = head && strcmp(head, refname) == 0;
        free(head);
        error_clear();
    }
    if (*here || git_reference_lookup(&ref, g, refname) < 0)
        return 0;
    int out = git_branch_is_checked_out(ref);
    git_reference_free(ref);
    if (out == 1)
        return error_set("%s is checked out in another worktree; commit from there", refname);
    return 0;
}

int repo_commit_file(struct repo_commit_result *res, struct repo *r,
                     const struct repo_commit_request *req)
{
    struct buf refname = BUF_INIT;
    struct worktree wt;
    git_signature *sig = NULL;
    git_commit *parent = NULL;
    git_tree *tree = NULL;
    git_oid blob, tip, made;
    bool here = false, have_tip = false;
    int rc;

    memset(res, 0, sizeof *res);
    worktree_init(&wt);
    if ((rc = repo_check_path(req->path)) < 0 || (rc = message_check(req->message)) < 0)
        goto done;
    if (req->len && !req->content) {
        rc = error_set("no content given for %s", req->path);
        goto done;
    }
    if (req->len > REPO_FILE_MAX) {
        rc = error_set("the file to commit is larger than %u bytes", REPO_FILE_MAX);
        goto done;
    }
    if ((rc = branch_refname(&refname, r, req->branch)) < 0 ||
        (rc = signature_make(&sig, r->git, req->author_name, req->author_email)) < 0 ||
        (rc = branch_checked_out(&here, r->git, buf_str(&refname))) < 0)
        goto done;
    if ((rc = git_blob_create_from_buffer(&blob, r->git, req->content ? req->content : "",
                                          req->len)) < 0) {
        rc = fail_git(rc, "cannot write the file to the object database");
        goto done;
    }
    if ((rc = worktree_begin(&wt, &res->recovered, r->git, buf_str(&refname), req->path, here)) < 0)
        goto done;

    for (unsigned attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
        res->attempts = attempt;
        git_commit_free(parent);
        git_tree_free(tree);
        parent = NULL;
        tree = NULL;
        if ((rc = tip_read(&tip, &have_tip, r->git, buf_str(&refname))) < 0)
            goto done;
        if (have_tip && ((rc = git_commit_lookup(&parent, r->git, &tip)) < 0 ||
                         (rc = git_commit_tree(&tree, parent)) < 0)) {
            rc = fail_git(rc, "cannot read the branch tip");
            goto done;
        }
        bool changed;
        if ((rc = commit_build(&made, &changed, r->git, parent, &blob, req->path, req->force,
                               req->message, sig, sig)) < 0)
            goto done;
        if (!changed) {
            git_oid_tostr(res->commit, sizeof res->commit, &tip);
            rc = 0;
            goto done;
        }
        if (here && (rc = worktree_prepare(&wt, r->git, tree, req, &blob)) < 0)
            goto done;
        if ((rc = objects_sync(r->git)) < 0 || (rc = worktree_note(&wt, &made)) < 0)
            goto done;
        if (attempt == 1 && req->before_ref_update)
            req->before_ref_update(req->hook_arg);
        rc = ref_swap(r->git, buf_str(&refname), &made, have_tip ? &tip : NULL, req->message);
        if (rc < 0)
            goto done;
        if (rc == 1)
            continue;
        if (here && worktree_publish(&wt) < 0) {
            ref_restore(r->git, buf_str(&refname), &made, have_tip ? &tip : NULL);
            rc = -1;
            goto done;
        }
        res->changed = true;
        res->worktree_updated = here;
        git_oid_tostr(res->commit, sizeof res->commit, &made);
        rc = 0;
        goto done;
    }
    error_set("%s kept moving while committing; gave up after %d attempts",
              buf_str(&refname), COMMIT_ATTEMPTS);
    rc = REPO_ECONFLICT;
done:
    worktree_end(&wt);
    git_tree_free(tree);
    git_commit_free(parent);
    git_signature_free(sig);
    buf_free(&refname);
    return rc;
}

/* ---- pushing --------------------------------------------------------- */

struct push_state {
    git_repository *git;
    unsigned credential_calls;
    bool rejected;
    char status[STATUS_MAX + 1];
};

/* Copies what a server said, keeping only printable ASCII: it ends up in a
 * message on the user's terminal. */
static void status_copy(char *dst, const char *src)
{
    size_t n = 0;
    for (; *src && n < STATUS_MAX; src++)
        dst[n++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
    dst[n] = '\0';
}

static int push_on_update(const char *refname, const char *status, void *data)
{
    struct push_state *st = data;
    (void)refname;
    if (status) {
        st->rejected = true;
        status_copy(st->status, status);
    }
    return 0;
}

void repo_redact(struct buf *out, const char *msg)
{
    const char *token = getenv("WARROOM_GIT_TOKEN");
    size_t tlen = token ? strlen(token) : 0;
    for (const char *p = msg; *p;) {
        if (tlen >= 4 && strncmp(p, token, tlen) == 0) {
            buf_adds(out, "***");
            p += tlen;
            continue;
        }
        if (strncmp(p, "://", 3) == 0) {
            buf_adds(out, "://");
            p += 3;
            size_t auth = strcspn(p, "/ \t\n'\"");
            const char *at = memchr(p, '@', auth);
            if (at) {
                buf_adds(out, "***@");
                p = at + 1;
            }
            continue;
        }
        buf_addc(out, *p++);
    }
}

static int fail_remote(int code, const char *what)
{
    struct buf msg = BUF_INIT;
    repo_redact(&msg, repo_git_message());
    error_set("%s: %s", what, buf_str(&msg));
    buf_free(&msg);
    return code == GIT_ELOCKED ? REPO_ELOCKED : -1;
}

/* Parses an http(s) URL into what `git credential` wants to hear. */
static int url_split(const char *url, struct buf *protocol, struct buf *host, struct buf *path)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url)
        return -1;
    buf_add(protocol, url, (size_t)(sep - url));
    const char *p = sep + 3;
    size_t auth = strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < p + auth; q++)
        if (*q == '@')
            at = q;
    const char *h = at ? at + 1 : p;
    buf_add(host, h, (size_t)(p + auth - h));
    if (p[auth] == '/')
        buf_add(path, p + auth + 1, strcspn(p + auth + 1, "?#"));
    for (const char *s = buf_str(host); *s; s++)
        if ((unsigned char)*s < 0x20)
            return -1;
    for (const char *s = buf_str(path); *s; s++)
        if ((unsigned char)*s < 0x20)
            return -1;
    return buf_str(host)[0] ? 0 : -1;
}

/* Asks git's credential helpers, as `git push` would, without letting git
 * prompt on the terminal the console owns. */
static int credential_fill(struct buf *user, struct buf *pass, const char *url,
                           const char *user_from_url, const char *cwd)
{
    struct buf protocol = BUF_INIT, host = BUF_INIT, path = BUF_INIT, input = BUF_INIT,
               output = BUF_INIT;
    int to_child[2] = { -1, -1 }, from_child[2] = { -1, -1 };
    pid_t pid = -1;
    int rc = -1;
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);

    if (url_split(url, &protocol, &host, &path) < 0)
        goto done;
    buf_printf(&input, "protocol=%s\nhost=%s\n", buf_str(&protocol), buf_str(&host));
    if (path.len)
        buf_printf(&input, "path=%s\n", buf_str(&path));
    if (user_from_url && *user_from_url && !strpbrk(user_from_url, "\n\r"))
        buf_printf(&input, "username=%s\n", user_from_url);
    buf_adds(&input, "\n");

    if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(from_child, O_CLOEXEC) < 0)
        goto done;
    pid = fork();
    if (pid < 0)
        goto done;
    if (pid == 0) {
        if (dup2(to_child[0], 0) < 0 || dup2(from_child[1], 1) < 0 || chdir(cwd) < 0)
            _exit(127);
        setenv("GIT_TERMINAL_PROMPT", "0", 1);
        execlp("git", "git", "credential", "fill", (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    to_child[0] = from_child[1] = -1;

    /* A helper that exits early must not kill us with SIGPIPE. */
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    int wrote = file_write_all(to_child[1], input.data, input.len);
    close(to_child[1]);
    to_child[1] = -1;
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);

    for (;;) {
        buf_grow(&output, 4096);
        ssize_t n = read(from_child[0], output.data + output.len, output.cap - output.len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        output.len += (size_t)n;
        output.data[output.len] = '\0';
        if (output.len > CREDENTIAL_OUTPUT_MAX)
            break;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    if (wrote < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        output.len > CREDENTIAL_OUTPUT_MAX)
        goto done;
    for (char *line = output.data; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (strncmp(line, "username=", 9) == 0) {
            buf_reset(user);
            buf_adds(user, line + 9);
        } else if (strncmp(line, "password=", 9) == 0) {
            buf_reset(pass);
            buf_adds(pass, line + 9);
        }
        line = end ? end + 1 : NULL;
    }
    rc = user->len && pass->len ? 0 : -1;
done:
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    for (int i = 0; i < 2; i++) {
        if (to_child[i] >= 0)
            close(to_child[i]);
        if (from_child[i] >= 0)
            close(from_child[i]);
    }
    if (output.data)
        explicit_bzero(output.data, output.cap);
    buf_free(&output);
    buf_free(&input);
    buf_free(&protocol);
    buf_free(&host);
    buf_free(&path);
    return rc;
}

static int credentials_acquire(git_credential **out, const char *url, const char *user_from_url,
                               unsigned int allowed, void *payload)
{
    struct push_state *st = payload;
    /* libgit2 asks again after each refusal; a wrong secret must not loop. */
    if (++st->credential_calls > 3) {
        git_error_set_str(GIT_ERROR_NET, "authentication failed");
        return GIT_EAUTH;
    }
    if (allowed & GIT_CREDENTIAL_SSH_KEY)
        return git_credential_ssh_key_from_agent(out, user_from_url ? user_from_url : "git");
    if (allowed & GIT_CREDENTIAL_USERNAME)
        return git_credential_username_new(out, user_from_url ? user_from_url : "git");
    if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
        return GIT_PASSTHROUGH;

    const char *token = getenv("WARROOM_GIT_TOKEN");
    if (token && *token && st->credential_calls == 1)
        return git_credential_userpass_plaintext_new(
            out, user_from_url && *user_from_url ? user_from_url : "x-access-token", token);

    struct buf user = BUF_INIT, pass = BUF_INIT;
    const char *cwd = git_repository_workdir(st->git);
    int rc = credential_fill(&user, &pass, url, user_from_url,
                             cwd ? cwd : git_repository_path(st->git));
    if (rc == 0)
        rc = git_credential_userpass_plaintext_new(out, buf_str(&user), buf_str(&pass));
    else {
        git_error_set_str(GIT_ERROR_NET, "no credentials: set WARROOM_GIT_TOKEN or configure "
                                         "a git credential helper");
        rc = GIT_EAUTH;
    }
    if (pass.data)
        explicit_bzero(pass.data, pass.cap);
    buf_free(&user);
    buf_free(&pass);
    return rc;
}

static void callbacks_set(git_remote_callbacks *cb, struct push_state *st)
{
    cb->credentials = credentials_acquire;
    cb->push_update_reference = push_on_update;
    cb->payload = st;
}

/* libgit2 1.5's remote lookup leaks on every config entry its insteadOf
 * pattern does not match, so the remote is made in memory from its URL and
 * the rewrite is done here, as git does it: the longest matching prefix wins,
 * and for a push a pushInsteadOf match wins over an insteadOf one. */
struct url_rewrite {
    const char *url;
    size_t best[2];         /* matched prefix length: [0] insteadOf, [1] pushInsteadOf */
    struct buf base[2];
};

static int url_rewrite_entry(const git_config_entry *e, void *payload)
{
    struct url_rewrite *rw = payload;
    const char *name = e->name;
    if (strncmp(name, "url.", 4) != 0 || !e->value || !*e->value)
        return 0;
    const char *dot = strrchr(name, '.');
    int kind;
    if (strcmp(dot, ".insteadof") == 0)
        kind = 0;
    else if (strcmp(dot, ".pushinsteadof") == 0)
        kind = 1;
    else
        return 0;
    size_t len = strlen(e->value);
    if (dot <= name + 4 || strncmp(rw->url, e->value, len) != 0 || len <= rw->best[kind])
        return 0;
    rw->best[kind] = len;
    buf_reset(&rw->base[kind]);
    buf_add(&rw->base[kind], name + 4, (size_t)(dot - (name + 4)));
    return 0;
}

static int remote_open(git_remote **out, git_repository *g, const char *name)
{
    git_config *cfg = NULL, *snap = NULL;
    struct buf key = BUF_INIT, url = BUF_INIT;
    struct url_rewrite rw = { 0 };
    const char *value = NULL;
    bool push_url = true;
    int rc;

    if ((rc = git_repository_config(&cfg, g)) < 0 ||
        (rc = git_config_snapshot(&snap, cfg)) < 0) {
        rc = fail_git(rc, "cannot read git config");
        goto done;
    }
    buf_printf(&key, "remote.%s.pushurl", name);
    rc = git_config_get_string(&value, snap, buf_str(&key));
    if (rc == GIT_ENOTFOUND) {
        push_url = false;
        buf_reset(&key);
        buf_printf(&key, "remote.%s.url", name);
        rc = git_config_get_string(&value, snap, buf_str(&key));
    }
    if (rc == GIT_ENOTFOUND) {
        error_set("no remote named %s", name);
        rc = REPO_ENOTFOUND;
        goto done;
    }
    if (rc < 0) {
        rc = fail_remote(rc, "cannot read the remote");
        goto done;
    }
    rw.url = value;
    if ((rc = git_config_foreach(snap, url_rewrite_entry, &rw)) < 0) {
        rc = fail_git(rc, "cannot read git config");
        goto done;
    }
    /* git applies pushInsteadOf only to a URL not given as pushurl. */
    if (rw.best[1] && !push_url) {
        buf_add(&url, rw.base[1].data, rw.base[1].len);
        buf_adds(&url, value + rw.best[1]);
    } else if (rw.best[0]) {
        buf_add(&url, rw.base[0].data, rw.base[0].len);
        buf_adds(&url, value + rw.best[0]);
    } else {
        buf_adds(&url, value);
    }
    git_remote_create_options opts;
    git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    opts.repository = g;
    opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    if ((rc = git_remote_create_with_opts(out, buf_str(&url), &opts)) < 0)
        rc = fail_remote(rc, "invalid remote URL");
done:
    for (int i = 0; i < 2; i++)
        buf_free(&rw.base[i]);
    buf_free(&key);
    buf_free(&url);
    git_config_free(snap);
    git_config_free(cfg);
    return rc;
}

/* What `git push` does too: the remote-tracking branch follows a push. */
static void tracking_update(git_repository *g, const char *remote_name, const char *refname,
                            const git_oid *id)
{
    struct buf tracking = BUF_INIT;
    git_reference *ref = NULL;
    int valid = 0;
    buf_printf(&tracking, "refs/remotes/%s/%s", remote_name, refname + 11);
    if (git_reference_name_is_valid(&valid, buf_str(&tracking)) == 0 && valid &&
        git_reference_create(&ref, g, buf_str(&tracking), id, 1, "update by push") == 0)
        git_reference_free(ref);
    buf_free(&tracking);
}

/* One push of REFNAME. Returns 1 when the remote has commits we lack. */
static int push_once(git_remote *remote, struct repo *r, const char *refname)
{
    struct push_state st = { .git = r->git };
    struct buf spec = BUF_INIT;
    git_push_options opts;
    git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
    callbacks_set(&opts.callbacks, &st);
    buf_printf(&spec, "%s:%s", refname, refname);
    char *specs[1] = { spec.data };
    git_strarray array = { specs, 1 };
    int rc = git_remote_push(remote, &array, &opts);
    buf_free(&spec);
    if (rc == GIT_ENONFASTFORWARD)
        return 1;
    if (rc < 0)
        return fail_remote(rc, "push failed");
    if (st.rejected) {
        if (strstr(st.status, "non-fast-forward") || strstr(st.status, "fetch first"))
            return 1;
        error_set("the remote refused %s: %s", refname, st.status);
        return REPO_EREJECTED;
    }
    return 0;
}

/* After a non-fast-forward: fetches the remote branch and re-creates the
 * one-file commit on its tip, then moves the local branch there. The local
 * tip must be exactly that one-file commit on something the remote already
 * has, or other local work would be dropped. */
static int push_replay(struct repo *r, git_remote *remote, const char *remote_name,
                       const char *refname,
                       const struct repo_commit_request *req, bool *replayed)
{
    struct push_state st = { .git = r->git };
    struct buf spec = BUF_INIT, tracking = BUF_INIT;
    git_commit *local = NULL, *base = NULL, *theirs = NULL, *made_commit = NULL;
    git_tree *base_tree = NULL, *made_tree = NULL, *local_tree = NULL;
    git_signature *committer = NULL;
    git_oid local_id, their_id, blob, made, expected_tree;
    bool found, changed, here = false;
    int rc;

    if ((rc = repo_check_path(req->path)) < 0 || (rc = message_check(req->message)) < 0)
        goto done;
    buf_printf(&tracking, "refs/remotes/%s/%s", remote_name, refname + 11);
    buf_printf(&spec, "+%s:%s", refname, buf_str(&tracking));
    char *specs[1] = { spec.data };
    git_strarray array = { specs, 1 };
    git_fetch_options fopts;
    git_fetch_options_init(&fopts, GIT_FETCH_OPTIONS_VERSION);
    callbacks_set(&fopts.callbacks, &st);
    if ((rc = git_remote_fetch(remote, &array, &fopts, "warroom: fetch before push")) < 0) {
        rc = fail_remote(rc, "fetch failed");
        goto done;
    }
    if ((rc = tip_read(&their_id, &found, r->git, buf_str(&tracking))) < 0)
        goto done;
    if (!found) {
        rc = error_set("the remote rejected the push but has no %s", refname);
        goto done;
    }
    if ((rc = tip_read(&local_id, &found, r->git, refname)) < 0)
        goto done;
    if (!found) {
        rc = error_set("%s has no commits", refname);
        goto done;
    }
    if ((rc = git_commit_lookup(&local, r->git, &local_id)) < 0 ||
        (rc = git_commit_lookup(&theirs, r->git, &their_id)) < 0 ||
        (rc = git_blob_create_from_buffer(&blob, r->git, req->content ? req->content : "",
                                          req->len)) < 0) {
        rc = fail_git(rc, "cannot read the commits to replay");
        goto done;
    }
    if (git_commit_parentcount(local) > 1) {
        rc = error_set("%s ends in a merge; push it by hand", refname);
        rc = REPO_ECONFLICT;
        goto done;
    }
    if (git_commit_parentcount(local) == 1) {
        if ((rc = git_commit_parent(&base, local, 0)) < 0 ||
            (rc = git_commit_tree(&base_tree, base)) < 0) {
            rc = fail_git(rc, "cannot read the local branch");
            goto done;
        }
        if (!git_oid_equal(git_commit_id(base), &their_id) &&
            git_graph_descendant_of(r->git, &their_id, git_commit_id(base)) != 1) {
            error_set("%s has other commits the remote lacks; pull and push by hand", refname);
            rc = REPO_ECONFLICT;
            goto done;
        }
    }
    git_tree_update update = { .action = GIT_TREE_UPDATE_UPSERT, .filemode = GIT_FILEMODE_BLOB,
                               .path = req->path };
    git_oid_cpy(&update.id, &blob);
    if ((rc = git_tree_create_updated(&expected_tree, r->git, base_tree, 1, &update)) < 0) {
        rc = fail_git(rc, "cannot build the tree");
        goto done;
    }
    if (!git_oid_equal(&expected_tree, git_commit_tree_id(local))) {
        error_set("the tip of %s is not the commit of %s; pull and push by hand", refname,
                  req->path);
        rc = REPO_ECONFLICT;
        goto done;
    }
    if ((rc = signature_make(&committer, r->git, req->author_name, req->author_email)) < 0)
        goto done;
    if ((rc = commit_build(&made, &changed, r->git, theirs, &blob, req->path, req->force,
                           req->message, git_commit_author(local), committer)) < 0)
        goto done;

    if ((rc = branch_checked_out(&here, r->git, refname)) < 0)
        goto done;
    if (here) {
        /* The working tree and index follow the branch from our old commit to
         * the new one; SAFE refuses, before writing anything, if the remote's
         * changes touch a file the user has changed. */
        git_checkout_options co;
        git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
        co.checkout_strategy = GIT_CHECKOUT_SAFE;
        if ((rc = git_commit_tree(&local_tree, local)) < 0 ||
            (rc = git_commit_lookup(&made_commit, r->git, &made)) < 0 ||
            (rc = git_commit_tree(&made_tree, made_commit)) < 0) {
            rc = fail_git(rc, "cannot read the new commit");
            goto done;
        }
        co.baseline = local_tree;
        rc = git_checkout_tree(r->git, (git_object *)made_tree, &co);
        if (rc == GIT_ECONFLICT) {
            error_set("the remote's new commits change files you have changed here; "
                      "pull and push by hand");
            rc = REPO_ECONFLICT;
            goto done;
        }
        if (rc < 0) {
            rc = fail_git(rc, "cannot bring the working tree to the remote's tip");
            goto done;
        }
    }
    if ((rc = objects_sync(r->git)) < 0)
        goto done;
    rc = ref_swap(r->git, refname, &made, &local_id, req->message);
    if (rc == 1) {
        error_set("%s moved while replaying the commit; try again", refname);
        rc = REPO_ECONFLICT;
        goto done;
    }
    if (rc < 0)
        goto done;
    *replayed = changed;
    rc = 0;
done:
    git_signature_free(committer);
    git_tree_free(local_tree);
    git_tree_free(made_tree);
    git_commit_free(made_commit);
    git_tree_free(base_tree);
    git_commit_free(base);
    git_commit_free(theirs);
    git_commit_free(local);
    buf_free(&spec);
    buf_free(&tracking);
    return rc;
}

int repo_push(struct repo_push_result *res, struct repo *r, const char *remote_name,
              const char *branch, const struct repo_push_options *opts)
{
    struct buf refname = BUF_INIT;
    git_remote *remote = NULL;
    unsigned max = opts && opts->max_attempts ? opts->max_attempts : 3;
    if (max > PUSH_ATTEMPTS_MAX)
        max = PUSH_ATTEMPTS_MAX;
    int rc, valid = 0;

    memset(res, 0, sizeof *res);
    if (!remote_name)
        remote_name = "origin";
    if (git_remote_name_is_valid(&valid, remote_name) < 0 || !valid) {
        rc = error_set("invalid remote name");
        goto done;
    }
    if ((rc = branch_refname(&refname, r, branch)) < 0)
        goto done;
    if ((rc = remote_open(&remote, r->git, remote_name)) < 0)
        goto done;
    for (unsigned attempt = 1; attempt <= max; attempt++) {
        git_oid tip;
        bool found;
        res->attempts = attempt;
        if ((rc = tip_read(&tip, &found, r->git, buf_str(&refname))) < 0)
            goto done;
        if (!found) {
            rc = error_set("%s has no commits to push", buf_str(&refname));
            goto done;
        }
        rc = push_once(remote, r, buf_str(&refname));
        if (rc < 0)
            goto done;
        if (rc == 0) {
            res->pushed = true;
            git_oid_tostr(res->commit, sizeof res->commit, &tip);
            tracking_update(r->git, remote_name, buf_str(&refname), &tip);
            goto done;
        }
        if (!opts || !opts->replay) {
            error_set("the remote has commits on %s that are not here; pull, then push again",
                      buf_str(&refname));
            rc = REPO_ECONFLICT;
            goto done;
        }
        if (attempt == max)
            break;
        bool replayed = false;
        if ((rc = push_replay(r, remote, remote_name, buf_str(&refname), opts->replay,
                              &replayed)) < 0)
            goto done;
        res->replayed = res->replayed || replayed;
    }
    error_set("the remote kept moving; gave up pushing %s after %u attempts",
              buf_str(&refname), max);
    rc = REPO_ECONFLICT;
done:
    git_remote_free(remote);
    buf_free(&refname);
    return rc;
}
