#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "fspolicy.h"
#include "pathrule.h"

/* Symlinks followed at most while resolving a dangling last component,
 * as the kernel's own limit (MAXSYMLINKS is 40). */
#define SYMLINK_HOPS_MAX 40

static bool has_dotdot(const char *path)
{
    for (const char *s = path; (s = strstr(s, "..")) != NULL; s += 2)
        if ((s == path || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
            return true;
    return false;
}

static char *absolute(const char *path, const char *base)
{
    char cwd[PATH_MAX];

    if (path[0] == '/')
        return xstrdup(path);
    if (base == NULL) {
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            return NULL;
        base = cwd;
    }
    return xasprintf("%s/%s", base, path);
}

char *fspolicy_resolve(const char *path, const char *base, bool follow_last)
{
    char resolved[PATH_MAX], target[PATH_MAX];
    char *full = absolute(path, base), *slash, *result;
    struct stat st;

    if (full == NULL)
        return NULL;
    for (int hop = 0; hop <= SYMLINK_HOPS_MAX; hop++) {
        /* The directory part must exist; the kernel resolves it the same way. */
        char *name;

        slash = strrchr(full, '/');
        name = slash + 1;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || *name == '\0') {
            result = realpath(full, resolved) ? xstrdup(resolved) : NULL;
            free(full);
            return result;
        }
        *slash = '\0';
        if (realpath(slash == full ? "/" : full, resolved) == NULL) {
            free(full);
            return NULL;
        }
        *slash = '/';
        result = xasprintf("%s/%s", strcmp(resolved, "/") == 0 ? "" : resolved, name);
        free(full);
        if (!follow_last || lstat(result, &st) != 0 || !S_ISLNK(st.st_mode))
            return result;
        /* Follow the last component: realpath for a live link, by hand for a
         * dangling one (which O_CREAT would create at its target). */
        if (realpath(result, resolved) != NULL) {
            free(result);
            return xstrdup(resolved);
        }
        ssize_t n = readlink(result, target, sizeof(target) - 1);
        if (n < 0) {
            free(result);
            return NULL;
        }
        target[n] = '\0';
        *strrchr(result, '/') = '\0';
        full = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", result[0] ? result : "", target);
        free(result);
    }
    free(full);
    errno = ELOOP;
    return NULL;
}

static bool within_any(const char *path, const struct strlist *dirs)
{
    for (size_t i = 0; dirs != NULL && i < dirs->len; i++)
        if (pathrule_within(path, dirs->items[i]))
            return true;
    return false;
}

/* True if an --allow-write path and a trusted directory overlap, so the
 * program could plant symlinks in a trusted directory. */
static bool trust_is_sound(const struct fspolicy_view *view)
{
    const struct strlist *writable = &view->policy->filesystem.allow_write;

    for (size_t i = 0; i < writable->len; i++)
        for (size_t t = 0; view->trusted != NULL && t < view->trusted->len; t++)
            if (pathrule_within(writable->items[i], view->trusted->items[t]) ||
                pathrule_within(view->trusted->items[t], writable->items[i]))
                return false;
    return true;
}

static bool read_allowed(const struct fspolicy_view *view, const char *real)
{
    const struct hermetic_policy *p = view->policy;

    return pathrule_within(real, p->filesystem.root) || within_any(real, &p->filesystem.allow_read) ||
           within_any(real, &p->filesystem.allow_write) || within_any(real, view->trusted) ||
           within_any(real, view->readable) || within_any(real, view->devices);
}

bool fspolicy_allows(const struct fspolicy_view *view, const char *path, const char *base,
                     enum fs_access access, bool follow_last, char **resolved)
{
    const struct hermetic_policy *p = view->policy;
    char *real;
    bool allowed;

    *resolved = NULL;
    if (access == FS_WRITE && !p->filesystem.readonly)
        return true;
    if (access == FS_READ && p->filesystem.root == NULL)
        return true;
    if (access == FS_READ && !has_dotdot(path)) {
        /* Fast path for imports: a path whose text lies in a trusted
         * directory is allowed without a system call. */
        char *lexical = absolute(path, base);

        if (lexical != NULL) {
            pathrule_normalize(lexical);
            if (within_any(lexical, view->trusted) && trust_is_sound(view)) {
                *resolved = lexical;
                return true;
            }
            free(lexical);
        }
    }
    real = fspolicy_resolve(path, base, follow_last);
    if (real == NULL) {
        /* The directory part does not resolve, so the call fails anyway;
         * decide on the text, which cannot widen anything. */
        real = absolute(path, base);
        if (real == NULL)
            real = xstrdup(path);
        pathrule_normalize(real);
    }
    if (access == FS_WRITE)
        allowed = within_any(real, &p->filesystem.allow_write) || within_any(real, view->devices);
    else
        allowed = read_allowed(view, real);
    *resolved = real;
    return allowed;
}

bool fspolicy_cacheable(const struct fspolicy_view *view, const char *path)
{
    const struct hermetic_policy *p = view->policy;

    return p->filesystem.readonly && path[0] == '/' && !has_dotdot(path) &&
           !within_any(path, &p->filesystem.allow_write);
}

bool fspolicy_is_write_open(const char *mode, int flags)
{
    if (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND))
        return true;
    return mode != NULL && strpbrk(mode, "waxWAX+") != NULL;
}

/* The value of hexadecimal digit `c`, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Copy one component of a file: URI from *s to `out` as SQLite's
 * sqlite3ParseUri reads it: %HH decoded, ending before NUL, '#' or a
 * character of `stops`, and a decoded %00 dropping the rest of the
 * component. Advances *s to the character that ended it. Text that does
 * not fit in `out` is cut off.
 */
static void uri_component(const char **s, const char *stops, char *out, size_t size)
{
    const char *p = *s;
    size_t used = 0;
    bool dropped = false;

    while (*p != '\0' && *p != '#' && strchr(stops, *p) == NULL) {
        char c = *p++;
        int high, low;

        if (c == '%' && (high = hex_value(p[0])) >= 0 && (low = hex_value(p[1])) >= 0) {
            c = (char)(high * 16 + low);
            p += 2;
            if (c == '\0')
                dropped = true;
        }
        if (!dropped && used + 1 < size)
            out[used++] = c;
    }
    out[used] = '\0';
    *s = p;
}

int fspolicy_sqlite_target(const char *name, char *path, size_t size, bool *read_only)
{
    const char *s;
    bool memory = false, mode_ro = false, immutable = false, immutable_seen = false;

    *read_only = false;
    if (name[0] == '\0' || strcmp(name, ":memory:") == 0)
        return 1;
    if (strncmp(name, "file:", 5) != 0) {
        snprintf(path, size, "%s", name);
        return 0;
    }
    s = name + 5;
    if (s[0] == '/' && s[1] == '/') {
        /* file://host/path: SQLite accepts an empty host or localhost and
         * fails on any other, so the path is all that matters. */
        s += 2;
        s += strcspn(s, "/");
    }
    uri_component(&s, "?", path, size);
    /* Parameters are read whole, as SQLite does: the last mode counts (a
     * later mode=rwc turns mode=memory back into a file), and the first
     * immutable counts. */
    if (*s == '?')
        s++;
    while (*s != '\0' && *s != '#') {
        char key[16], value[16] = "";

        uri_component(&s, "=&", key, sizeof(key));
        if (*s == '=') {
            s++;
            uri_component(&s, "&", value, sizeof(value));
        }
        if (*s == '&')
            s++;
        if (strcmp(key, "mode") == 0) {
            mode_ro = strcmp(value, "ro") == 0;
            memory = strcmp(value, "memory") == 0;
        } else if (strcmp(key, "immutable") == 0 && !immutable_seen) {
            /* NOTE: SQLite also reads yes, true, on and other non-zero
             * numbers as true. They count as false here, so such a URI
             * gets the stricter write check. */
            immutable_seen = true;
            immutable = strcmp(value, "1") == 0;
        }
    }
    if (memory)
        return 1;
    *read_only = mode_ro || immutable;
    if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
        return 1;
    return 0;
}
