/* lazy_git2 — libgit2, loaded when a command first touches a repository
 * (see lazy.h). Every libgit2 function warroom calls has its line here; a
 * new one called elsewhere (src/repo.c, src/sync.c) needs its line too, else
 * the link fails naming it. When libgit2 cannot load, git_error_last says
 * why, so the messages built from it (repo.c's git_message) carry it. */
#include <stdarg.h>
#include <stdio.h>

#include <git2.h>
#include <git2/sys/odb_backend.h>

#include "lazy_table.h"

#define GIT2_FUNCTIONS(FN, VOID_FN) \
    FN(int, git_blob_create_from_buffer, (git_oid *id, git_repository *repo, const void *buffer, size_t len), (id, repo, buffer, len), -1) \
    VOID_FN(git_blob_free, (git_blob *blob), (blob)) \
    FN(int, git_blob_lookup, (git_blob **blob, git_repository *repo, const git_oid *id), (blob, repo, id), -1) \
    FN(const void *, git_blob_rawcontent, (const git_blob *blob), (blob), NULL) \
    FN(git_object_size_t, git_blob_rawsize, (const git_blob *blob), (blob), (git_object_size_t)0) \
    FN(int, git_branch_is_checked_out, (const git_reference *branch), (branch), -1) \
    FN(int, git_branch_name_is_valid, (int *valid, const char *name), (valid, name), -1) \
    VOID_FN(git_buf_dispose, (git_buf *buffer), (buffer)) \
    FN(int, git_checkout_options_init, (git_checkout_options *opts, unsigned int version), (opts, version), -1) \
    FN(int, git_checkout_tree, (git_repository *repo, const git_object *treeish, const git_checkout_options *opts), (repo, treeish, opts), -1) \
    FN(const git_signature *, git_commit_author, (const git_commit *commit), (commit), NULL) \
    FN(int, git_commit_create, (git_oid *id, git_repository *repo, const char *update_ref, const git_signature *author, const git_signature *committer, const char *message_encoding, const char *message, const git_tree *tree, size_t parent_count, const git_commit *parents[]), (id, repo, update_ref, author, committer, message_encoding, message, tree, parent_count, parents), -1) \
    VOID_FN(git_commit_free, (git_commit *commit), (commit)) \
    FN(const git_oid *, git_commit_id, (const git_commit *commit), (commit), NULL) \
    FN(int, git_commit_lookup, (git_commit **commit, git_repository *repo, const git_oid *id), (commit, repo, id), -1) \
    FN(const char *, git_commit_message, (const git_commit *commit), (commit), NULL) \
    FN(int, git_commit_parent, (git_commit **out, const git_commit *commit, unsigned int n), (out, commit, n), -1) \
    FN(unsigned int, git_commit_parentcount, (const git_commit *commit), (commit), (unsigned int)0) \
    FN(int, git_commit_tree, (git_tree **tree_out, const git_commit *commit), (tree_out, commit), -1) \
    FN(const git_oid *, git_commit_tree_id, (const git_commit *commit), (commit), NULL) \
    FN(int, git_config_foreach, (const git_config *cfg, git_config_foreach_cb callback, void *payload), (cfg, callback, payload), -1) \
    VOID_FN(git_config_free, (git_config *cfg), (cfg)) \
    FN(int, git_config_get_string, (const char **out, const git_config *cfg, const char *name), (out, cfg, name), -1) \
    FN(int, git_config_snapshot, (git_config **out, git_config *config), (out, config), -1) \
    FN(int, git_credential_ssh_key_from_agent, (git_credential **out, const char *username), (out, username), -1) \
    FN(int, git_credential_ssh_key_new, (git_credential **out, const char *username, const char *publickey, const char *privatekey, const char *passphrase), (out, username, publickey, privatekey, passphrase), -1) \
    FN(int, git_credential_username_new, (git_credential **out, const char *username), (out, username), -1) \
    FN(int, git_credential_userpass_plaintext_new, (git_credential **out, const char *username, const char *password), (out, username, password), -1) \
    FN(int, git_error_set_str, (int error_class, const char *string), (error_class, string), -1) \
    FN(int, git_fetch_options_init, (git_fetch_options *opts, unsigned int version), (opts, version), -1) \
    FN(int, git_graph_descendant_of, (git_repository *repo, const git_oid *commit, const git_oid *ancestor), (repo, commit, ancestor), -1) \
    FN(int, git_index_add, (git_index *index, const git_index_entry *source_entry), (index, source_entry), -1) \
    VOID_FN(git_index_free, (git_index *index), (index)) \
    FN(const git_index_entry *, git_index_get_bypath, (git_index *index, const char *path, int stage), (index, path, stage), NULL) \
    FN(int, git_index_open, (git_index **out, const char *index_path), (out, index_path), -1) \
    FN(int, git_index_write, (git_index *index), (index), -1) \
    FN(int, git_libgit2_init, (void), (), -1) \
    FN(int, git_libgit2_shutdown, (void), (), -1) \
    FN(int, git_odb_add_backend, (git_odb *odb, git_odb_backend *backend, int priority), (odb, backend, priority), -1) \
    FN(int, git_odb_add_disk_alternate, (git_odb *odb, const char *path), (odb, path), -1) \
    VOID_FN(git_odb_free, (git_odb *db), (db)) \
    FN(int, git_odb_hash, (git_oid *out, const void *data, size_t len, git_object_t type), (out, data, len, type), -1) \
    FN(int, git_odb_init_backend, (git_odb_backend *backend, unsigned int version), (backend, version), -1) \
    FN(int, git_odb_read_header, (size_t *len_out, git_object_t *type_out, git_odb *db, const git_oid *id), (len_out, type_out, db, id), -1) \
    FN(int, git_oid_cpy, (git_oid *out, const git_oid *src), (out, src), -1) \
    FN(int, git_oid_equal, (const git_oid *a, const git_oid *b), (a, b), -1) \
    FN(int, git_oid_fromstr, (git_oid *out, const char *str), (out, str), -1) \
    FN(int, git_oid_is_zero, (const git_oid *id), (id), -1) \
    FN(char *, git_oid_tostr, (char *out, size_t n, const git_oid *id), (out, n, id), NULL) \
    FN(int, git_push_options_init, (git_push_options *opts, unsigned int version), (opts, version), -1) \
    FN(int, git_reference_create, (git_reference **out, git_repository *repo, const char *name, const git_oid *id, int force, const char *log_message), (out, repo, name, id, force, log_message), -1) \
    FN(int, git_reference_create_matching, (git_reference **out, git_repository *repo, const char *name, const git_oid *id, int force, const git_oid *current_id, const char *log_message), (out, repo, name, id, force, current_id, log_message), -1) \
    FN(int, git_reference_delete, (git_reference *ref), (ref), -1) \
    VOID_FN(git_reference_free, (git_reference *ref), (ref)) \
    VOID_FN(git_reference_iterator_free, (git_reference_iterator *iter), (iter)) \
    FN(int, git_reference_iterator_glob_new, (git_reference_iterator **out, git_repository *repo, const char *glob), (out, repo, glob), -1) \
    FN(int, git_reference_lookup, (git_reference **out, git_repository *repo, const char *name), (out, repo, name), -1) \
    FN(const char *, git_reference_name, (const git_reference *ref), (ref), NULL) \
    FN(int, git_reference_name_is_valid, (int *valid, const char *refname), (valid, refname), -1) \
    FN(int, git_reference_name_to_id, (git_oid *out, git_repository *repo, const char *name), (out, repo, name), -1) \
    FN(int, git_reference_next, (git_reference **out, git_reference_iterator *iter), (out, iter), -1) \
    FN(int, git_reference_next_name, (const char **out, git_reference_iterator *iter), (out, iter), -1) \
    FN(const char *, git_reference_symbolic_target, (const git_reference *ref), (ref), NULL) \
    FN(const git_oid *, git_reference_target, (const git_reference *ref), (ref), NULL) \
    FN(git_reference_t, git_reference_type, (const git_reference *ref), (ref), (git_reference_t)0) \
    FN(int, git_remote_connect, (git_remote *remote, git_direction direction, const git_remote_callbacks *callbacks, const git_proxy_options *proxy_opts, const git_strarray *custom_headers), (remote, direction, callbacks, proxy_opts, custom_headers), -1) \
    FN(int, git_remote_create_options_init, (git_remote_create_options *opts, unsigned int version), (opts, version), -1) \
    FN(int, git_remote_create_with_opts, (git_remote **out, const char *url, const git_remote_create_options *opts), (out, url, opts), -1) \
    FN(int, git_remote_fetch, (git_remote *remote, const git_strarray *refspecs, const git_fetch_options *opts, const char *reflog_message), (remote, refspecs, opts, reflog_message), -1) \
    VOID_FN(git_remote_free, (git_remote *remote), (remote)) \
    FN(int, git_remote_init_callbacks, (git_remote_callbacks *opts, unsigned int version), (opts, version), -1) \
    FN(int, git_remote_lookup, (git_remote **out, git_repository *repo, const char *name), (out, repo, name), -1) \
    FN(int, git_remote_ls, (const git_remote_head ***out, size_t *size, git_remote *remote), (out, size, remote), -1) \
    FN(int, git_remote_name_is_valid, (int *valid, const char *remote_name), (valid, remote_name), -1) \
    FN(int, git_remote_push, (git_remote *remote, const git_strarray *refspecs, const git_push_options *opts), (remote, refspecs, opts), -1) \
    FN(const char *, git_remote_pushurl, (const git_remote *remote), (remote), NULL) \
    FN(const char *, git_remote_url, (const git_remote *remote), (remote), NULL) \
    FN(const char *, git_repository_commondir, (const git_repository *repo), (repo), NULL) \
    FN(int, git_repository_config, (git_config **out, git_repository *repo), (out, repo), -1) \
    VOID_FN(git_repository_free, (git_repository *repo), (repo)) \
    FN(int, git_repository_init, (git_repository **out, const char *path, unsigned is_bare), (out, path, is_bare), -1) \
    FN(int, git_repository_is_bare, (const git_repository *repo), (repo), -1) \
    FN(int, git_repository_item_path, (git_buf *out, const git_repository *repo, git_repository_item_t item), (out, repo, item), -1) \
    FN(int, git_repository_odb, (git_odb **out, git_repository *repo), (out, repo), -1) \
    FN(int, git_repository_open, (git_repository **out, const char *path), (out, path), -1) \
    FN(int, git_repository_open_bare, (git_repository **out, const char *bare_path), (out, bare_path), -1) \
    FN(int, git_repository_open_ext, (git_repository **out, const char *path, unsigned int flags, const char *ceiling_dirs), (out, path, flags, ceiling_dirs), -1) \
    FN(const char *, git_repository_path, (const git_repository *repo), (repo), NULL) \
    FN(const char *, git_repository_workdir, (const git_repository *repo), (repo), NULL) \
    FN(int, git_signature_default, (git_signature **out, git_repository *repo), (out, repo), -1) \
    VOID_FN(git_signature_free, (git_signature *sig), (sig)) \
    FN(int, git_signature_new, (git_signature **out, const char *name, const char *email, git_time_t time, int offset), (out, name, email, time, offset), -1) \
    FN(int, git_signature_now, (git_signature **out, const char *name, const char *email), (out, name, email), -1) \
    FN(int, git_tree_create_updated, (git_oid *out, git_repository *repo, git_tree *baseline, size_t nupdates, const git_tree_update *updates), (out, repo, baseline, nupdates, updates), -1) \
    FN(const git_tree_entry *, git_tree_entry_byindex, (const git_tree *tree, size_t idx), (tree, idx), NULL) \
    FN(const git_tree_entry *, git_tree_entry_byname, (const git_tree *tree, const char *filename), (tree, filename), NULL) \
    FN(int, git_tree_entry_bypath, (git_tree_entry **out, const git_tree *root, const char *path), (out, root, path), -1) \
    FN(git_filemode_t, git_tree_entry_filemode, (const git_tree_entry *entry), (entry), (git_filemode_t)0) \
    VOID_FN(git_tree_entry_free, (git_tree_entry *entry), (entry)) \
    FN(const git_oid *, git_tree_entry_id, (const git_tree_entry *entry), (entry), NULL) \
    FN(const char *, git_tree_entry_name, (const git_tree_entry *entry), (entry), NULL) \
    FN(git_object_t, git_tree_entry_type, (const git_tree_entry *entry), (entry), (git_object_t)0) \
    FN(size_t, git_tree_entrycount, (const git_tree *tree), (tree), (size_t)0) \
    VOID_FN(git_tree_free, (git_tree *tree), (tree)) \
    FN(const git_oid *, git_tree_id, (const git_tree *tree), (tree), NULL) \
    FN(int, git_tree_lookup, (git_tree **out, git_repository *repo, const git_oid *id), (out, repo, id), -1) \
    VOID_FN(git_treebuilder_free, (git_treebuilder *bld), (bld)) \
    FN(int, git_treebuilder_insert, (const git_tree_entry **out, git_treebuilder *bld, const char *filename, const git_oid *id, git_filemode_t filemode), (out, bld, filename, id, filemode), -1) \
    FN(int, git_treebuilder_new, (git_treebuilder **out, git_repository *repo, const git_tree *source), (out, repo, source), -1) \
    FN(int, git_treebuilder_write, (git_oid *id, git_treebuilder *bld), (id, bld), -1)

/* slots only: defined by hand below */
#define GIT2_BY_HAND(FN, VOID_FN) \
    FN(const git_error *, git_error_last, (void), (), NULL) \
    FN(int, git_libgit2_opts, (int option, ...), (option), -1)
#define GIT2_ALL(FN, VOID_FN) GIT2_FUNCTIONS(FN, VOID_FN) GIT2_BY_HAND(FN, VOID_FN)

LAZY_LIBRARY(git2, "libgit2.so." LIBGIT2_SOVERSION, "libgit2-" LIBGIT2_SOVERSION, GIT2_ALL)

#define FN(ret, name, params, args, fail) LAZY_DEFINE(git2, ret, name, params, args, fail)
#define VOID_FN(name, params, args) LAZY_VOID_DEFINE(git2, name, params, args)
GIT2_FUNCTIONS(FN, VOID_FN)

/* libgit2 missing: its "last error" is why, for every message that asks */
const git_error *git_error_last(void)
{
    static git_error missing;
    if (lazy_load(&lazy_git2) < 0) {
        missing.message = lazy_git2.message;
        missing.klass = GIT_ERROR_OS;
        return &missing;
    }
    return LAZY_SLOT(git2, git_error_last)();
}

/* printf-style on our side; libgit2 is given the finished text */
void git_error_set(int error_class, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    git_error_set_str(error_class, text);
}

/* The options that take one int or one size_t are forwarded; any other is
 * refused with a message until it gets its case here. */
int git_libgit2_opts(int option, ...)
{
    va_list ap;
    int rc;
    if (lazy_load(&lazy_git2) < 0)
        return -1;
    va_start(ap, option);
    switch (option) {
    case GIT_OPT_ENABLE_CACHING:
    case GIT_OPT_ENABLE_STRICT_OBJECT_CREATION:
    case GIT_OPT_ENABLE_STRICT_SYMBOLIC_REF_CREATION:
    case GIT_OPT_ENABLE_OFS_DELTA:
    case GIT_OPT_ENABLE_FSYNC_GITDIR:
    case GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION:
    case GIT_OPT_ENABLE_UNSAVED_INDEX_SAFETY:
    case GIT_OPT_DISABLE_PACK_KEEP_FILE_CHECKS:
    case GIT_OPT_ENABLE_HTTP_EXPECT_CONTINUE:
    case GIT_OPT_SET_OWNER_VALIDATION:
        rc = LAZY_SLOT(git2, git_libgit2_opts)(option, va_arg(ap, int));
        break;
    case GIT_OPT_SET_MWINDOW_SIZE:
    case GIT_OPT_SET_MWINDOW_MAPPED_LIMIT:
    case GIT_OPT_SET_MWINDOW_FILE_LIMIT:
    case GIT_OPT_SET_PACK_MAX_OBJECTS:
        rc = LAZY_SLOT(git2, git_libgit2_opts)(option, va_arg(ap, size_t));
        break;
    default:
        git_error_set_str(GIT_ERROR_INVALID, "this libgit2 option is not forwarded (src/lazy_git2.c)");
        rc = -1;
        break;
    }
    va_end(ap);
    return rc;
}
