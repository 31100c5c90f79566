/* lazy_mhd — libmicrohttpd, loaded when `warroom listen` starts (see lazy.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "lazy_table.h"

#define MHD_FUNCTIONS(FN, VOID_FN) \
    FN(enum MHD_Result, MHD_add_response_header, (struct MHD_Response *response, const char *header, const char *content), (response, header, content), MHD_NO) \
    FN(char *, MHD_basic_auth_get_username_password, (struct MHD_Connection *connection, char **password), (connection, password), NULL) \
    FN(struct MHD_Response *, MHD_create_response_from_buffer, (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode), NULL) \
    VOID_FN(MHD_destroy_response, (struct MHD_Response *response), (response)) \
    VOID_FN(MHD_free, (void *ptr), (ptr)) \
    FN(const char *, MHD_lookup_connection_value, (struct MHD_Connection *connection, enum MHD_ValueKind kind, const char *key), (connection, kind, key), NULL) \
    FN(enum MHD_Result, MHD_queue_response, (struct MHD_Connection *connection, unsigned int status_code, struct MHD_Response *response), (connection, status_code, response), MHD_NO) \
    VOID_FN(MHD_stop_daemon, (struct MHD_Daemon *daemon), (daemon))

/* slots only: the variadic ones, defined by hand below */
#define MHD_BY_HAND(FN, VOID_FN) \
    FN(struct MHD_Daemon *, MHD_start_daemon_va, (unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap), (flags, port, apc, apc_cls, dh, dh_cls, ap), NULL) \
    FN(const union MHD_DaemonInfo *, MHD_get_daemon_info, (struct MHD_Daemon *daemon, enum MHD_DaemonInfoType info_type, ...), (daemon, info_type), NULL)
#define MHD_ALL(FN, VOID_FN) MHD_FUNCTIONS(FN, VOID_FN) MHD_BY_HAND(FN, VOID_FN)

LAZY_LIBRARY(mhd, "libmicrohttpd.so.12", "libmicrohttpd12", MHD_ALL)

#define FN(ret, name, params, args, fail) LAZY_DEFINE(mhd, ret, name, params, args, fail)
#define VOID_FN(name, params, args) LAZY_VOID_DEFINE(mhd, name, params, args)
MHD_FUNCTIONS(FN, VOID_FN)

/* the options go on as the va_list libmicrohttpd takes them in */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    va_list ap;
    if (lazy_load(&lazy_mhd) < 0)
        return NULL;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = LAZY_SLOT(mhd, MHD_start_daemon_va)(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

/* its variadic part is unused (kept for compatibility in libmicrohttpd) */
const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *daemon, enum MHD_DaemonInfoType info_type, ...)
{
    if (lazy_load(&lazy_mhd) < 0)
        return NULL;
    return LAZY_SLOT(mhd, MHD_get_daemon_info)(daemon, info_type);
}
