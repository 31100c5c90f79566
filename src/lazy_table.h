/* What src/lazy_*.c share. A library's list of functions is a macro
 *   LIST(FN, VOID_FN) with entries
 *   FN(return type, name, (parameters), (arguments), value on failure)
 *   VOID_FN(name, (parameters), (arguments))
 * from which LAZY_LIBRARY makes the slots dlsym fills, the names to resolve
 * and the struct lazy_library, and LAZY_FUNCTIONS a definition of each
 * function, under its own name, that loads the library and calls through its
 * slot. Private to the lazy module. */
#ifndef WARROOM_LAZY_TABLE_H
#define WARROOM_LAZY_TABLE_H

#include <stddef.h>

#include "warroom/lazy.h"

#define LAZY_AT(ret, name, params, args, fail) lazy_at_##name,
#define LAZY_VOID_AT(name, params, args) lazy_at_##name,
#define LAZY_NAME(ret, name, params, args, fail) #name,
#define LAZY_VOID_NAME(name, params, args) #name,
/* the slot of NAME as a pointer to the function NAME is */
#define LAZY_SLOT(lib, name) ((__typeof__(name) *)lib##_slots[lazy_at_##name])

#define LAZY_LIBRARY(lib, SONAME, PACKAGE, LIST)                                                    \
    enum { LIST(LAZY_AT, LAZY_VOID_AT) lib##_count };                                               \
    static void *lib##_slots[lib##_count];                                                          \
    static const char *const lib##_names[] = {LIST(LAZY_NAME, LAZY_VOID_NAME) NULL};                \
    struct lazy_library lazy_##lib = {                                                              \
        .soname = SONAME, .package = PACKAGE, .names = lib##_names, .table = lib##_slots};

/* (name) in parentheses: a header's function-like macro of the same name
 * (curl's type checks) is not expanded in the definition */
#define LAZY_DEFINE(lib, ret, name, params, args, fail)                                             \
    ret(name) params                                                                                \
    {                                                                                               \
        if (lazy_load(&lazy_##lib) < 0)                                                             \
            return fail;                                                                            \
        return LAZY_SLOT(lib, name) args;                                                           \
    }
#define LAZY_VOID_DEFINE(lib, name, params, args)                                                   \
    void(name) params                                                                               \
    {                                                                                               \
        if (lazy_load(&lazy_##lib) == 0)                                                            \
            LAZY_SLOT(lib, name) args;                                                              \
    }

#endif
