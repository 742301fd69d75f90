#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fscache.h"

/* FNV-1a: paths differ mostly in their last bytes, which it mixes in last. */
static uint64_t hash_path(const char *path, size_t len, bool follow_last)
{
    uint64_t h = 14695981039346656037ull ^ (uint64_t)follow_last;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)path[i];
        h *= 1099511628211ull;
    }
    return h;
}

bool fscache_contains(const struct fscache *cache, const char *path, size_t len, bool follow_last)
{
    uint64_t h;
    const struct fscache_entry *e;

    if (cache->stopped)
        return false;
    h = hash_path(path, len, follow_last);
    e = &cache->slots[h % FSCACHE_SLOTS];
    return e->path != NULL && e->hash == h && e->generation == cache->generation && e->len == len &&
           e->follow_last == follow_last && memcmp(e->path, path, len) == 0;
}

void fscache_add(struct fscache *cache, const char *path, size_t len, bool follow_last)
{
    uint64_t h;
    struct fscache_entry *e;

    if (cache->stopped)
        return;
    h = hash_path(path, len, follow_last);
    e = &cache->slots[h % FSCACHE_SLOTS];
    free(e->path);
    e->path = xmalloc(len + 1);
    memcpy(e->path, path, len);
    e->path[len] = '\0';
    e->len = len;
    e->hash = h;
    e->generation = cache->generation;
    e->follow_last = follow_last;
}

void fscache_invalidate(struct fscache *cache)
{
    cache->generation++;
}

void fscache_stop(struct fscache *cache)
{
    cache->stopped = true;
    cache->generation++;
}

void fscache_free(struct fscache *cache)
{
    for (size_t i = 0; i < FSCACHE_SLOTS; i++) {
        free(cache->slots[i].path);
        cache->slots[i].path = NULL;
    }
}
