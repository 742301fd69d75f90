#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "textbuf.h"
#include "violations.h"

static uint64_t fnv1a(const char *text)
{
    uint64_t hash = 0xcbf29ce484222325ull;

    for (const unsigned char *s = (const unsigned char *)text; *s; s++)
        hash = (hash ^ *s) * 0x100000001b3ull;
    return hash;
}

/* The hashes form an open-addressing set (zero marks a free slot), kept at
 * most half full so lookups stay short. */
static bool insert_hash(struct violations *v, uint64_t hash)
{
    size_t mask, i;

    hash |= 1;  /* never zero */
    if (v->cap == 0 || (v->len + 1) * 2 > v->cap) {
        size_t new_cap = v->cap ? v->cap * 2 : 64;
        uint64_t *old = v->hashes;
        size_t old_cap = v->cap;

        v->hashes = xcalloc(new_cap, sizeof(*v->hashes));
        v->cap = new_cap;
        v->len = 0;
        for (size_t k = 0; k < old_cap; k++)
            if (old[k] != 0)
                insert_hash(v, old[k]);
        free(old);
    }
    mask = v->cap - 1;
    for (i = hash & mask; v->hashes[i] != 0; i = (i + 1) & mask)
        if (v->hashes[i] == hash)
            return false;
    v->hashes[i] = hash;
    v->len++;
    return true;
}

bool violations_seen(const struct violations *v, const char *message)
{
    uint64_t hash = fnv1a(message) | 1;
    size_t mask, i;

    if (v->cap == 0)
        return false;
    mask = v->cap - 1;
    for (i = hash & mask; v->hashes[i] != 0; i = (i + 1) & mask)
        if (v->hashes[i] == hash)
            return true;
    return false;
}

bool violations_add(struct violations *v, const char *message, bool printed)
{
    if (v->len < VIOLATIONS_HASHES_MAX) {
        if (!insert_hash(v, fnv1a(message)))
            return false;
    }
    if (v->distinct < VIOLATIONS_REPORT_MAX) {
        v->messages[v->distinct] = xstrdup(message);
        v->printed[v->distinct] = printed;
    } else if (printed) {
        v->printed_beyond++;
    }
    v->distinct++;
    return true;
}

void violations_mark_printed(struct violations *v, const char *message)
{
    size_t shown = v->distinct < VIOLATIONS_REPORT_MAX ? v->distinct : VIOLATIONS_REPORT_MAX;

    for (size_t i = 0; i < shown; i++)
        if (strcmp(v->messages[i], message) == 0)
            v->printed[i] = true;
}

char *violations_report(const struct violations *v)
{
    struct textbuf out = {0};
    size_t shown = v->distinct < VIOLATIONS_REPORT_MAX ? v->distinct : VIOLATIONS_REPORT_MAX;
    size_t more = v->distinct - shown - v->printed_beyond;

    for (size_t i = 0; i < shown; i++)
        if (!v->printed[i])
            textbuf_printf(&out, "hermetic: blocked action: %s\n", v->messages[i]);
    if (more > 0)
        textbuf_printf(&out, "hermetic: %zu more blocked action%s (--trace or --log-json shows each one)\n", more,
                       more == 1 ? "" : "s");
    return textbuf_take(&out);
}

void violations_free(struct violations *v)
{
    free(v->hashes);
    for (size_t i = 0; i < VIOLATIONS_REPORT_MAX; i++)
        free(v->messages[i]);
    memset(v, 0, sizeof(*v));
}
