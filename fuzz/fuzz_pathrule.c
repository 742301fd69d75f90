/* Path rules. The input is split at newlines into a path, a directory and
 * a size. It goes through pathrule_expand, pathrule_normalize (on the text
 * as given, and made absolute), pathrule_within, codepolicy_module_from_file
 * and fspolicy_sqlite_target, with output buffers of exactly the given size
 * so that AddressSanitizer reports any write past them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "codepolicy.h"
#include "fspolicy.h"
#include "fuzz.h"
#include "pathrule.h"

static void check_expand(const char *text)
{
    struct hermetic_error err;
    char *expanded;

    err.message[0] = '\0';
    expanded = pathrule_expand(text, &err);
    if (expanded == NULL) {
        if (err.message[0] == '\0')
            fuzz_fail("pathrule_expand(\"%s\") failed without a message", text);
        return;
    }
    if (strchr(text, '$') == NULL && text[0] != '~' && strcmp(expanded, text) != 0)
        fuzz_fail("pathrule_expand(\"%s\") changed text without $ or ~ into \"%s\"", text, expanded);
    free(expanded);
}

/* Normalise a copy of `text` in a buffer of exactly its size. */
static char *normalized(const char *text)
{
    char *path = xstrdup(text);
    size_t before = strlen(path);

    pathrule_normalize(path);
    if (strlen(path) > before && !(before == 0 && strcmp(path, "/") == 0))
        fuzz_fail("pathrule_normalize(\"%s\") grew the path to \"%s\"", text, path);
    return path;
}

static bool has_dot_component(const char *path)
{
    for (const char *s = path; *s != '\0'; s++) {
        if (s != path && s[-1] != '/')
            continue;
        if (s[0] == '.' && (s[1] == '/' || s[1] == '\0'))
            return true;
        if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
            return true;
    }
    return false;
}

/* Normalise "/" + text and check the result is a normal absolute path. */
static char *absolute_normalized(const char *text)
{
    char *path = xasprintf("/%s", text), *again;

    pathrule_normalize(path);
    if (path[0] != '/' || strstr(path, "//") != NULL || has_dot_component(path) ||
        (strlen(path) > 1 && path[strlen(path) - 1] == '/'))
        fuzz_fail("pathrule_normalize(\"/%s\") gave \"%s\", which is not normal", text, path);
    again = normalized(path);
    if (strcmp(again, path) != 0)
        fuzz_fail("pathrule_normalize is not idempotent: \"%s\", then \"%s\"", path, again);
    free(again);
    return path;
}

static void check_within(const char *path, const char *dir)
{
    bool pattern = pathrule_is_pattern(dir);

    if (!pathrule_within(path, "/"))
        fuzz_fail("\"%s\" is not within /", path);
    if (!pathrule_is_pattern(path) && !pathrule_within(path, path))
        fuzz_fail("\"%s\" is not within itself", path);
    if (pathrule_within(path, dir) && !pattern) {
        size_t n = strlen(dir);

        if (strcmp(dir, "/") != 0 && (strncmp(path, dir, n) != 0 || (path[n] != '\0' && path[n] != '/')))
            fuzz_fail("\"%s\" is within \"%s\", which is not a prefix of it", path, dir);
        if (!pathrule_is_pattern(path) && pathrule_within(dir, path) && strcmp(path, dir) != 0)
            fuzz_fail("\"%s\" and \"%s\" are within each other", path, dir);
    }
}

static void check_module_from_file(const char *file, const char *dir, size_t size)
{
    char *out = xmalloc(size);

    if (codepolicy_module_from_file(file, dir, out, size) == 0) {
        if (strlen(out) >= size)
            fuzz_fail("codepolicy_module_from_file(\"%s\", \"%s\") wrote past %zu bytes", file, dir, size);
        /* "<frozen NAME>" gives NAME as written; a file gives a dotted name. */
        if (out[0] == '\0' || (strncmp(file, "<frozen ", 8) != 0 && strchr(out, '/') != NULL))
            fuzz_fail("codepolicy_module_from_file(\"%s\", \"%s\") gave the module \"%s\"", file, dir, out);
    }
    free(out);
}

static void check_sqlite_target(const char *name, size_t size)
{
    char *path = xmalloc(size);
    bool read_only;

    if (fspolicy_sqlite_target(name, path, size, &read_only) == 0 && strlen(path) >= size)
        fuzz_fail("fspolicy_sqlite_target(\"%s\") wrote past %zu bytes", name, size);
    free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *pieces[3] = {NULL, NULL, NULL};
    size_t count = fuzz_split(data, size, '\n', pieces, 3);
    const char *path = pieces[0], *dir = count >= 2 ? pieces[1] : "/";
    size_t out_size = 1 + (count >= 3 ? strlen(pieces[2]) % 300 : 256);
    char *normal_path, *normal_dir;

    if (count == 0)
        return 0;
    check_expand(path);
    free(normalized(path));
    normal_path = absolute_normalized(path);
    normal_dir = absolute_normalized(dir);
    check_within(normal_path, normal_dir);
    check_within(normal_path, dir[0] == '/' ? dir : normal_dir);
    check_module_from_file(path, dir, out_size);
    check_module_from_file(normal_path, normal_dir, out_size);
    check_sqlite_target(path, out_size);
    (void)pathrule_is_pattern(path);
    free(normal_path);
    free(normal_dir);
    fuzz_free_pieces(pieces, count);
    return 0;
}
