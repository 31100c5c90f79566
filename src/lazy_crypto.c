/* lazy_crypto — libcrypto (SHA-256 for alert ids, HMAC for webhook
 * signatures), loaded when intake or listen first needs it (see lazy.h).
 * Their entry points call lazy_load first, so a missing library is refused
 * there with its message, never hashed as nothing. */
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lazy_table.h"

#define CRYPTO_FUNCTIONS(FN, VOID_FN) \
    FN(int, EVP_Digest, (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, ENGINE *impl), (data, count, md, size, type, impl), 0) \
    FN(const EVP_MD *, EVP_sha256, (void), (), NULL) \
    FN(unsigned char *, HMAC, (const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *data, size_t data_len, unsigned char *md, unsigned int *md_len), (evp_md, key, key_len, data, data_len, md, md_len), NULL)
#define CRYPTO_BY_HAND(FN, VOID_FN) \
    VOID_FN(OPENSSL_cleanse, (void *ptr, size_t len), (ptr, len))
#define CRYPTO_ALL(FN, VOID_FN) CRYPTO_FUNCTIONS(FN, VOID_FN) CRYPTO_BY_HAND(FN, VOID_FN)

#define CRYPTO_STR(x) #x
#define CRYPTO_SONAME(v) "libcrypto.so." CRYPTO_STR(v)
LAZY_LIBRARY(crypto, CRYPTO_SONAME(OPENSSL_SHLIB_VERSION), "libssl3", CRYPTO_ALL)

#define FN(ret, name, params, args, fail) LAZY_DEFINE(crypto, ret, name, params, args, fail)
#define VOID_FN(name, params, args) LAZY_VOID_DEFINE(crypto, name, params, args)
CRYPTO_FUNCTIONS(FN, VOID_FN)

/* a secret is wiped whether or not libcrypto is there */
void OPENSSL_cleanse(void *ptr, size_t len)
{
    if (lazy_load(&lazy_crypto) == 0) {
        LAZY_SLOT(crypto, OPENSSL_cleanse)(ptr, len);
        return;
    }
    volatile unsigned char *p = ptr;
    while (len--)
        *p++ = 0;
}
