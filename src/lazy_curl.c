/* lazy_curl — libcurl, loaded when something first delivers (see lazy.h). */
#include <stdarg.h>

#include <curl/curl.h>

#include "lazy_table.h"

/* curl_easy_setopt and curl_easy_getinfo take one more argument whose type
 * the option's number encodes (CURLOPTTYPE_*, CURLINFO_*): forwarded as that
 * type below; their slots hold the real variadic functions. */
#define CURL_FUNCTIONS(FN, VOID_FN) \
    VOID_FN(curl_easy_cleanup, (CURL *curl), (curl)) \
    FN(char *, curl_easy_escape, (CURL *handle, const char *string, int length), (handle, string, length), NULL) \
    FN(CURL *, curl_easy_init, (void), (), NULL) \
    FN(CURLcode, curl_easy_perform, (CURL *curl), (curl), CURLE_FAILED_INIT) \
    FN(const char *, curl_easy_strerror, (CURLcode code), (code), lazy_curl.message) \
    VOID_FN(curl_free, (void *p), (p)) \
    VOID_FN(curl_global_cleanup, (void), ()) \
    FN(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT) \
    FN(CURLMcode, curl_multi_add_handle, (CURLM *multi_handle, CURL *curl_handle), (multi_handle, curl_handle), CURLM_INTERNAL_ERROR) \
    FN(CURLMcode, curl_multi_cleanup, (CURLM *multi_handle), (multi_handle), CURLM_INTERNAL_ERROR) \
    FN(CURLMsg *, curl_multi_info_read, (CURLM *multi_handle, int *msgs_in_queue), (multi_handle, msgs_in_queue), NULL) \
    FN(CURLM *, curl_multi_init, (void), (), NULL) \
    FN(CURLMcode, curl_multi_perform, (CURLM *multi_handle, int *running_handles), (multi_handle, running_handles), CURLM_INTERNAL_ERROR) \
    FN(CURLMcode, curl_multi_poll, (CURLM *multi_handle, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms, int *ret), (multi_handle, extra_fds, extra_nfds, timeout_ms, ret), CURLM_INTERNAL_ERROR) \
    FN(CURLMcode, curl_multi_remove_handle, (CURLM *multi_handle, CURL *curl_handle), (multi_handle, curl_handle), CURLM_INTERNAL_ERROR) \
    FN(const char *, curl_multi_strerror, (CURLMcode code), (code), lazy_curl.message) \
    FN(CURLMcode, curl_multi_timeout, (CURLM *multi_handle, long *milliseconds), (multi_handle, milliseconds), CURLM_INTERNAL_ERROR) \
    FN(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *data), (list, data), NULL) \
    VOID_FN(curl_slist_free_all, (struct curl_slist *list), (list)) \
    FN(CURLU *, curl_url, (void), (), NULL) \
    VOID_FN(curl_url_cleanup, (CURLU *handle), (handle)) \
    FN(CURLUcode, curl_url_get, (CURLU *handle, CURLUPart what, char **part, unsigned int flags), (handle, what, part, flags), CURLUE_OUT_OF_MEMORY) \
    FN(CURLUcode, curl_url_set, (CURLU *handle, CURLUPart what, const char *part, unsigned int flags), (handle, what, part, flags), CURLUE_OUT_OF_MEMORY)
#define CURL_VARIADIC(FN, VOID_FN) \
    FN(CURLcode, curl_easy_setopt, (CURL *curl, CURLoption option, ...), (curl, option), CURLE_FAILED_INIT) \
    FN(CURLcode, curl_easy_getinfo, (CURL *curl, CURLINFO info, ...), (curl, info), CURLE_FAILED_INIT)
#define CURL_ALL(FN, VOID_FN) CURL_FUNCTIONS(FN, VOID_FN) CURL_VARIADIC(FN, VOID_FN)

LAZY_LIBRARY(curl, "libcurl.so.4", "libcurl4", CURL_ALL)

#define FN(ret, name, params, args, fail) LAZY_DEFINE(curl, ret, name, params, args, fail)
#define VOID_FN(name, params, args) LAZY_VOID_DEFINE(curl, name, params, args)
CURL_FUNCTIONS(FN, VOID_FN)

CURLcode(curl_easy_setopt)(CURL *curl, CURLoption option, ...)
{
    va_list ap;
    CURLcode rc;
    if (lazy_load(&lazy_curl) < 0)
        return CURLE_FAILED_INIT;
    va_start(ap, option);
    if (option < CURLOPTTYPE_OBJECTPOINT)
        rc = LAZY_SLOT(curl, curl_easy_setopt)(curl, option, va_arg(ap, long));
    else if (option < CURLOPTTYPE_FUNCTIONPOINT)
        rc = LAZY_SLOT(curl, curl_easy_setopt)(curl, option, va_arg(ap, void *));
    else if (option < CURLOPTTYPE_OFF_T)
        rc = LAZY_SLOT(curl, curl_easy_setopt)(curl, option, va_arg(ap, void (*)(void)));
    else if (option < CURLOPTTYPE_BLOB)
        rc = LAZY_SLOT(curl, curl_easy_setopt)(curl, option, va_arg(ap, curl_off_t));
    else
        rc = LAZY_SLOT(curl, curl_easy_setopt)(curl, option, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

/* every CURLINFO_* is given a pointer to where the answer goes */
CURLcode(curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)
{
    va_list ap;
    if (lazy_load(&lazy_curl) < 0)
        return CURLE_FAILED_INIT;
    va_start(ap, info);
    CURLcode rc = LAZY_SLOT(curl, curl_easy_getinfo)(curl, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}
