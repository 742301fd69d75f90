#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "pathrule.h"
#include "textbuf.h"

static const char *home_directory(void)
{
    const char *home = getenv("HOME");
    struct passwd *pw;

    if (home != NULL && home[0] != '\0')
        return home;
    pw = getpwuid(getuid());
    return pw != NULL ? pw->pw_dir : NULL;
}

/* Expand the variable whose reference starts at `*cursor` (just after '$'). */
static int expand_variable(const char **cursor, struct textbuf *out, const char *text,
                           struct hermetic_error *err)
{
    const char *s = *cursor, *name_start, *name_end, *fallback = NULL, *close = NULL;
    char name[256];
    const char *value;
    bool braced = *s == '{';

    if (braced)
        s++;
    name_start = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')
        s++;
    name_end = s;
    if (name_end == name_start || (size_t)(name_end - name_start) >= sizeof(name))
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "invalid variable reference in \"%s\" (expected $NAME or ${NAME})", text);
    if (braced) {
        if (s[0] == ':' && s[1] == '-')
            fallback = s + 2;
        close = strchr(s, '}');
        if (close == NULL || (fallback == NULL && close != s))
            return error_set(err, HERMETIC_EXIT_USAGE,
                             "invalid variable reference in \"%s\" (expected ${NAME} or ${NAME:-default})",
                             text);
    }
    memcpy(name, name_start, (size_t)(name_end - name_start));
    name[name_end - name_start] = '\0';
    value = getenv(name);
    if (value != NULL && value[0] != '\0') {
        textbuf_append(out, value);
    } else if (fallback != NULL) {
        char *def = xstrndup(fallback, (size_t)(close - fallback));
        textbuf_append(out, def);
        free(def);
    } else {
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "$%s in \"%s\" is not set or empty (set it, or write ${%s:-DEFAULT})", name, text, name);
    }
    *cursor = braced ? close + 1 : name_end;
    return 0;
}

char *pathrule_expand(const char *text, struct hermetic_error *err)
{
    struct textbuf out = {0};
    const char *s = text;

    if (s[0] == '~' && (s[1] == '/' || s[1] == '\0')) {
        const char *home = home_directory();

        if (home == NULL) {
            error_set(err, HERMETIC_EXIT_USAGE, "cannot expand ~ in \"%s\": no home directory", text);
            return NULL;
        }
        textbuf_append(&out, home);
        s++;
    }
    while (*s != '\0') {
        if (s[0] == '$' && s[1] == '$') {
            textbuf_append(&out, "$");
            s += 2;
            continue;
        }
        if (*s == '$') {
            s++;
            if (expand_variable(&s, &out, text, err) != 0) {
                free(textbuf_take(&out));
                return NULL;
            }
            continue;
        }
        char one[2] = {*s++, '\0'};
        textbuf_append(&out, one);
    }
    return textbuf_take(&out);
}

void pathrule_normalize(char *path)
{
    bool absolute = path[0] == '/';
    char *out = path, *s = path;
    size_t poppable = 0;   /* components in `out` that a ".." may remove */

    /* Each component is written after at most one separator, and the input
     * had at least one before it (none before a relative path's first), so
     * the text never grows and `out` never passes `s`. */
    while (*s != '\0') {
        while (*s == '/')
            s++;
        char *start = s;
        while (*s != '\0' && *s != '/')
            s++;
        size_t len = (size_t)(s - start);
        bool dotdot = len == 2 && start[0] == '.' && start[1] == '.';
        if (len == 0 || (len == 1 && start[0] == '.'))
            continue;
        if (dotdot && poppable > 0) {
            while (out > path && *--out != '/')
                ;
            poppable--;
            continue;
        }
        if (dotdot && absolute)
            continue;   /* "/.." is "/" */
        if (absolute || out > path)
            *out++ = '/';
        memmove(out, start, len);
        out += len;
        if (!dotdot)
            poppable++;
    }
    if (out == path && absolute)
        *out++ = '/';
    else if (out == path && path[0] != '\0')
        *out++ = '.';
    *out = '\0';
}

bool pathrule_is_pattern(const char *path)
{
    return strpbrk(path, "*?[") != NULL;
}

/* Resolve a path with glob characters: the components before the first
 * pattern component must exist and are resolved; the rest stays a pattern. */
static char *resolve_pattern(const char *path, int status, struct hermetic_error *err)
{
    const char *glob = strpbrk(path, "*?["), *cut = glob;
    char *head, *real, *result;

    while (cut > path && cut[-1] != '/')
        cut--;
    /* ".." there would be removed lexically below, with no check that the
     * directory it leads to exists, or that it is where the kernel goes. */
    for (const char *s = cut; (s = strstr(s, "..")) != NULL; s += 2) {
        if ((s == cut || s[-1] == '/') && (s[2] == '\0' || s[2] == '/')) {
            error_set(err, status, "invalid path pattern \"%s\": \"..\" after a component with glob "
                      "characters (*, ?, [) is not supported", path);
            return NULL;
        }
    }
    head = xstrndup(path, (size_t)(cut - path));
    if (head[0] == '\0') {
        free(head);
        head = xstrdup(".");
    }
    real = pathrule_resolve(head, PATH_MUST_EXIST, status, err);
    free(head);
    if (real == NULL)
        return NULL;
    result = xasprintf("%s/%s", strcmp(real, "/") == 0 ? "" : real, cut);
    free(real);
    pathrule_normalize(result);
    return result;
}

char *pathrule_resolve(const char *path, enum pathrule_existence existence, int status,
                       struct hermetic_error *err)
{
    char cwd[PATH_MAX], resolved[PATH_MAX];
    char *absolute, *slash, *name, *result;

    if (path[0] == '\0') {
        error_set(err, status, "empty path");
        return NULL;
    }
    if (pathrule_is_pattern(path))
        return resolve_pattern(path, status, err);
    if (path[0] == '/') {
        absolute = xstrdup(path);
    } else {
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            error_set_errno(err, status, errno, "cannot resolve \"%s\": no current directory", path);
            return NULL;
        }
        absolute = xasprintf("%s/%s", cwd, path);
    }
    if (realpath(absolute, resolved) != NULL) {
        free(absolute);
        return xstrdup(resolved);
    }
    if (errno != ENOENT || existence == PATH_MUST_EXIST) {
        error_set_errno(err, status, errno, "cannot resolve \"%s\"", path);
        free(absolute);
        return NULL;
    }
    /* The last component may be missing: resolve the directory above it.
     * realpath follows a symlink before the ".." after it, as the kernel
     * does, so link/../new ends up beside the link's target. */
    for (size_t len = strlen(absolute); len > 1 && absolute[len - 1] == '/'; len--)
        absolute[len - 1] = '\0';
    slash = strrchr(absolute, '/');
    name = slash + 1;
    *slash = '\0';
    if (realpath(slash == absolute ? "/" : absolute, resolved) == NULL) {
        error_set_errno(err, status, errno, "cannot resolve the parent directory of \"%s\"", path);
        free(absolute);
        return NULL;
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        /* The directory exists, so only a race could make DIR/. missing. */
        error_set_errno(err, status, ENOENT, "cannot resolve \"%s\"", path);
        free(absolute);
        return NULL;
    }
    result = xasprintf("%s/%s", strcmp(resolved, "/") == 0 ? "" : resolved, name);
    free(absolute);
    return result;
}

/* Match a pattern entry: the first components of `path`, as many as the
 * pattern has, must match it with fnmatch (a * stays within a component
 * and does not match a leading dot). */
static bool within_pattern(const char *path, const char *pattern)
{
    size_t components = 0, slashes = 0, length;
    char prefix[PATH_MAX];

    for (const char *s = pattern; *s != '\0'; s++)
        if (*s == '/')
            components++;
    for (length = 0; path[length] != '\0'; length++)
        if (path[length] == '/' && ++slashes > components)
            break;
    if (length >= sizeof(prefix))
        return false;
    memcpy(prefix, path, length);
    prefix[length] = '\0';
    return fnmatch(pattern, prefix, FNM_PATHNAME | FNM_PERIOD) == 0;
}

bool pathrule_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    if (pathrule_is_pattern(dir))
        return within_pattern(path, dir);

    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
