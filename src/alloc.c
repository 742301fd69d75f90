#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "log.h"

static void *check(void *ptr)
{
    if (ptr == NULL)
        log_die(HERMETIC_EXIT_INTERNAL, "out of memory");
    return ptr;
}

void *xmalloc(size_t size)
{
    return check(malloc(size ? size : 1));
}

void *xcalloc(size_t count, size_t size)
{
    return check(calloc(count ? count : 1, size ? size : 1));
}

void *xrealloc(void *ptr, size_t size)
{
    return check(realloc(ptr, size ? size : 1));
}

void *xgrow(void *ptr, size_t *capacity, size_t needed, size_t size)
{
    size_t cap = *capacity;

    if (needed <= cap)
        return ptr;
    if (cap == 0)
        cap = 8;
    while (cap < needed) {
        if (cap > SIZE_MAX / 2 / size)
            log_die(HERMETIC_EXIT_INTERNAL, "out of memory");
        cap *= 2;
    }
    ptr = xrealloc(ptr, cap * size);
    *capacity = cap;
    return ptr;
}

char *xstrdup(const char *text)
{
    return check(strdup(text));
}

char *xstrndup(const char *text, size_t length)
{
    return check(strndup(text, length));
}

char *xasprintf(const char *format, ...)
{
    va_list args;
    char *out = NULL;
    int n;

    va_start(args, format);
    n = vasprintf(&out, format, args);
    va_end(args);
    if (n < 0)
        log_die(HERMETIC_EXIT_INTERNAL, "out of memory");
    return out;
}
