/* lazy_gss — GSSAPI (MIT Kerberos), loaded when a git server over https
 * first asks libgit2 for Negotiate authentication (see lazy.h and
 * src/lazy_ssh2.c): Kerberos and the six libraries under it are mapped only
 * then. The list is every GSSAPI function Debian's libgit2 calls. When the
 * library cannot load, each call answers GSS_S_FAILURE and libgit2 reports
 * the Negotiate authentication as failed. */
#include <stddef.h>

#include <gssapi/gssapi.h>

#include "lazy_table.h"

#define GSS_FUNCTIONS(FN, VOID_FN) \
    FN(OM_uint32, gss_delete_sec_context, (OM_uint32 *minor, gss_ctx_id_t *context, gss_buffer_t output), (minor, context, output), GSS_S_FAILURE) \
    FN(OM_uint32, gss_display_status, (OM_uint32 *minor, OM_uint32 status, int status_type, gss_OID mech, OM_uint32 *message_context, gss_buffer_t text), (minor, status, status_type, mech, message_context, text), GSS_S_FAILURE) \
    FN(OM_uint32, gss_import_name, (OM_uint32 *minor, gss_buffer_t name, gss_OID name_type, gss_name_t *output), (minor, name, name_type, output), GSS_S_FAILURE) \
    FN(OM_uint32, gss_indicate_mechs, (OM_uint32 *minor, gss_OID_set *mechs), (minor, mechs), GSS_S_FAILURE) \
    FN(OM_uint32, gss_init_sec_context, (OM_uint32 *minor, gss_cred_id_t cred, gss_ctx_id_t *context, gss_name_t target, gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req, gss_channel_bindings_t bindings, gss_buffer_t input, gss_OID *actual_mech, gss_buffer_t output, OM_uint32 *ret_flags, OM_uint32 *time_rec), (minor, cred, context, target, mech, req_flags, time_req, bindings, input, actual_mech, output, ret_flags, time_rec), GSS_S_FAILURE) \
    FN(OM_uint32, gss_release_buffer, (OM_uint32 *minor, gss_buffer_t buffer), (minor, buffer), GSS_S_FAILURE) \
    FN(OM_uint32, gss_release_name, (OM_uint32 *minor, gss_name_t *name), (minor, name), GSS_S_FAILURE) \
    FN(OM_uint32, gss_release_oid_set, (OM_uint32 *minor, gss_OID_set *set), (minor, set), GSS_S_FAILURE)
#define GSS_BY_HAND(FN, VOID_FN)
#define GSS_ALL(FN, VOID_FN) GSS_FUNCTIONS(FN, VOID_FN) GSS_BY_HAND(FN, VOID_FN)

LAZY_LIBRARY(gss, "libgssapi_krb5.so.2", "libgssapi-krb5-2", GSS_ALL)

/* as LAZY_DEFINE, and a failure's minor status is 0, for libgit2 prints it */
#define FN(ret, name, params, args, fail)                                                           \
    ret(name) params                                                                                \
    {                                                                                               \
        if (lazy_load(&lazy_gss) < 0) {                                                             \
            if (minor)                                                                              \
                *minor = 0;                                                                         \
            return fail;                                                                            \
        }                                                                                           \
        return LAZY_SLOT(gss, name) args;                                                           \
    }
#define VOID_FN(name, params, args) LAZY_VOID_DEFINE(gss, name, params, args)
GSS_FUNCTIONS(FN, VOID_FN)

/* The one variable libgit2 reads: the name type of "HTTP@host". It is read
 * before the first call could load the library, so it is ours, the OID the
 * standard fixes (RFC 2743, 4.1: 1.2.840.113554.1.2.1.4); GSSAPI compares
 * name types by value. */
static gss_OID_desc hostbased_service = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;
