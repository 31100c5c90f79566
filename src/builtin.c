#include "warroom/builtin.h"

#include <string.h>

const struct builtin_file *builtin_find(const char *path)
{
    for (const struct builtin_file *f = builtin_files; f->path; f++)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}
