/* Allocation helpers that end hermetic with exit status 70 when memory runs
 * out: a sandbox host that cannot allocate its policy must not go on. */
#ifndef HERMETIC_ALLOC_H
#define HERMETIC_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grow an array to hold at least `needed` elements of `size` bytes. */
void *xgrow(void *ptr, size_t *capacity, size_t needed, size_t size);
char *xstrdup(const char *text);
char *xstrndup(const char *text, size_t length);
char *xasprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
