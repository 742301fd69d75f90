/* A cache of allowed reads under a read root, so a program that opens the
 * same files again and again pays for resolving each path once. Pure C.
 *
 * Only paths that cannot change under the program are cached: absolute,
 * already in canonical form (no symlink, "." or ".." anywhere, so the text
 * is its own real path), and outside every --allow-write path, so no
 * component's directory is writable and no write the policy allows can
 * turn a component into a symlink. The cache is emptied when the policy
 * changes and stopped for good once the program starts another process,
 * which may not be under the same policy. */
#ifndef HERMETIC_FSCACHE_H
#define HERMETIC_FSCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FSCACHE_SLOTS 1024

struct fscache_entry {
    uint64_t hash;
    unsigned long generation;
    bool follow_last;
    size_t len;
    char *path;
};

struct fscache {
    struct fscache_entry slots[FSCACHE_SLOTS];
    unsigned long generation;   /* entries of older generations are stale */
    bool stopped;
};

/* True if a read of `path` (len bytes) was allowed before and still is. */
bool fscache_contains(const struct fscache *cache, const char *path, size_t len, bool follow_last);

/* Remember that reading `path` is allowed. The caller has checked that
 * the path qualifies (see above). */
void fscache_add(struct fscache *cache, const char *path, size_t len, bool follow_last);

/* Forget every entry: the policy changed. */
void fscache_invalidate(struct fscache *cache);

/* Forget every entry and add none from now on. */
void fscache_stop(struct fscache *cache);

void fscache_free(struct fscache *cache);

#endif
