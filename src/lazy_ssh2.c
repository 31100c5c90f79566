/* lazy_ssh2 — libssh2, loaded when libgit2 first makes an ssh session (see
 * lazy.h), or when libcurl, which depends on it, starts. libgit2 is linked
 * into warroom whole (the Makefile says why); its ssh transport calls the
 * functions below, which load libssh2, and with it OpenSSL, only then: a
 * local commit never maps either. The list is every libssh2 function
 * Debian's libgit2 calls; one it newly calls fails the link, naming it.
 * libssh2_init is src/repo.c's, which puts libssh2's start off while libgit2
 * starts. When libssh2 cannot load, the call fails the way the function
 * reports failure and libgit2 says the session could not be made. */
#include <stddef.h>
#include <sys/types.h>

#include <libssh2.h>

#include "lazy_table.h"

#define SSH2_FUNCTIONS(FN, VOID_FN) \
    FN(int, libssh2_agent_connect, (LIBSSH2_AGENT *agent), (agent), -1) \
    FN(int, libssh2_agent_disconnect, (LIBSSH2_AGENT *agent), (agent), -1) \
    VOID_FN(libssh2_agent_free, (LIBSSH2_AGENT *agent), (agent)) \
    FN(int, libssh2_agent_get_identity, (LIBSSH2_AGENT *agent, struct libssh2_agent_publickey **store, struct libssh2_agent_publickey *prev), (agent, store, prev), -1) \
    FN(LIBSSH2_AGENT *, libssh2_agent_init, (LIBSSH2_SESSION *session), (session), NULL) \
    FN(int, libssh2_agent_list_identities, (LIBSSH2_AGENT *agent), (agent), -1) \
    FN(int, libssh2_agent_userauth, (LIBSSH2_AGENT *agent, const char *username, struct libssh2_agent_publickey *identity), (agent, username, identity), -1) \
    FN(int, libssh2_channel_close, (LIBSSH2_CHANNEL *channel), (channel), -1) \
    FN(int, libssh2_channel_free, (LIBSSH2_CHANNEL *channel), (channel), -1) \
    FN(LIBSSH2_CHANNEL *, libssh2_channel_open_ex, (LIBSSH2_SESSION *session, const char *channel_type, unsigned int channel_type_len, unsigned int window_size, unsigned int packet_size, const char *message, unsigned int message_len), (session, channel_type, channel_type_len, window_size, packet_size, message, message_len), NULL) \
    FN(int, libssh2_channel_process_startup, (LIBSSH2_CHANNEL *channel, const char *request, unsigned int request_len, const char *message, unsigned int message_len), (channel, request, request_len, message, message_len), -1) \
    FN(ssize_t, libssh2_channel_read_ex, (LIBSSH2_CHANNEL *channel, int stream_id, char *buf, size_t buflen), (channel, stream_id, buf, buflen), -1) \
    VOID_FN(libssh2_channel_set_blocking, (LIBSSH2_CHANNEL *channel, int blocking), (channel, blocking)) \
    FN(ssize_t, libssh2_channel_write_ex, (LIBSSH2_CHANNEL *channel, int stream_id, const char *buf, size_t buflen), (channel, stream_id, buf, buflen), -1) \
    FN(const char *, libssh2_hostkey_hash, (LIBSSH2_SESSION *session, int hash_type), (session, hash_type), NULL) \
    FN(int, libssh2_knownhost_checkp, (LIBSSH2_KNOWNHOSTS *hosts, const char *host, int port, const char *key, size_t keylen, int typemask, struct libssh2_knownhost **knownhost), (hosts, host, port, key, keylen, typemask, knownhost), LIBSSH2_KNOWNHOST_CHECK_FAILURE) \
    VOID_FN(libssh2_knownhost_free, (LIBSSH2_KNOWNHOSTS *hosts), (hosts)) \
    FN(LIBSSH2_KNOWNHOSTS *, libssh2_knownhost_init, (LIBSSH2_SESSION *session), (session), NULL) \
    FN(int, libssh2_knownhost_readfile, (LIBSSH2_KNOWNHOSTS *hosts, const char *filename, int type), (hosts, filename, type), -1) \
    FN(void **, libssh2_session_abstract, (LIBSSH2_SESSION *session), (session), NULL) \
    FN(int, libssh2_session_disconnect_ex, (LIBSSH2_SESSION *session, int reason, const char *description, const char *lang), (session, reason, description, lang), -1) \
    FN(int, libssh2_session_free, (LIBSSH2_SESSION *session), (session), -1) \
    FN(int, libssh2_session_handshake, (LIBSSH2_SESSION *session, libssh2_socket_t sock), (session, sock), -1) \
    FN(const char *, libssh2_session_hostkey, (LIBSSH2_SESSION *session, size_t *len, int *type), (session, len, type), NULL) \
    FN(LIBSSH2_SESSION *, libssh2_session_init_ex, (LIBSSH2_ALLOC_FUNC((*my_alloc)), LIBSSH2_FREE_FUNC((*my_free)), LIBSSH2_REALLOC_FUNC((*my_realloc)), void *abstract), (my_alloc, my_free, my_realloc, abstract), NULL) \
    FN(int, libssh2_session_last_error, (LIBSSH2_SESSION *session, char **errmsg, int *errmsg_len, int want_buf), (session, errmsg, errmsg_len, want_buf), -1) \
    FN(int, libssh2_session_method_pref, (LIBSSH2_SESSION *session, int method_type, const char *prefs), (session, method_type, prefs), -1) \
    VOID_FN(libssh2_session_set_blocking, (LIBSSH2_SESSION *session, int blocking), (session, blocking)) \
    FN(int, libssh2_userauth_authenticated, (LIBSSH2_SESSION *session), (session), 0) \
    FN(int, libssh2_userauth_keyboard_interactive_ex, (LIBSSH2_SESSION *session, const char *username, unsigned int username_len, LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC((*response_callback))), (session, username, username_len, response_callback), -1) \
    FN(char *, libssh2_userauth_list, (LIBSSH2_SESSION *session, const char *username, unsigned int username_len), (session, username, username_len), NULL) \
    FN(int, libssh2_userauth_password_ex, (LIBSSH2_SESSION *session, const char *username, unsigned int username_len, const char *password, unsigned int password_len, LIBSSH2_PASSWD_CHANGEREQ_FUNC((*passwd_change_cb))), (session, username, username_len, password, password_len, passwd_change_cb), -1) \
    FN(int, libssh2_userauth_publickey, (LIBSSH2_SESSION *session, const char *username, const unsigned char *pubkeydata, size_t pubkeydata_len, LIBSSH2_USERAUTH_PUBLICKEY_SIGN_FUNC((*sign_callback)), void **abstract), (session, username, pubkeydata, pubkeydata_len, sign_callback, abstract), -1) \
    FN(int, libssh2_userauth_publickey_fromfile_ex, (LIBSSH2_SESSION *session, const char *username, unsigned int username_len, const char *publickey, const char *privatekey, const char *passphrase), (session, username, username_len, publickey, privatekey, passphrase), -1) \
    FN(int, libssh2_userauth_publickey_frommemory, (LIBSSH2_SESSION *session, const char *username, size_t username_len, const char *publickeyfiledata, size_t publickeyfiledata_len, const char *privatekeyfiledata, size_t privatekeyfiledata_len, const char *passphrase), (session, username, username_len, publickeyfiledata, publickeyfiledata_len, privatekeyfiledata, privatekeyfiledata_len, passphrase), -1)
/* slots only: libssh2_init is src/repo.c's, libssh2_exit is below */
#define SSH2_BY_HAND(FN, VOID_FN) \
    FN(int, libssh2_init, (int flags), (flags), -1) \
    VOID_FN(libssh2_exit, (void), ())
#define SSH2_ALL(FN, VOID_FN) SSH2_FUNCTIONS(FN, VOID_FN) SSH2_BY_HAND(FN, VOID_FN)

LAZY_LIBRARY(ssh2, "libssh2.so.1", "libssh2-1", SSH2_ALL)

#define FN(ret, name, params, args, fail) LAZY_DEFINE(ssh2, ret, name, params, args, fail)
#define VOID_FN(name, params, args) LAZY_VOID_DEFINE(ssh2, name, params, args)
SSH2_FUNCTIONS(FN, VOID_FN)

/* libssh2_exit on a libssh2 never loaded has nothing to end */
void libssh2_exit(void)
{
    if (lazy_loaded(&lazy_ssh2))
        LAZY_SLOT(ssh2, libssh2_exit)();
}
