#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fuzz.h"
#include "profile.h"

void fuzz_fail(const char *format, ...)
{
    va_list args;

    fprintf(stderr, "fuzz: property failed: ");
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\n");
    abort();
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1);

    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

size_t fuzz_split(const uint8_t *data, size_t size, uint8_t separator, char **pieces, size_t max)
{
    size_t count = 0, start = 0;

    if (max == 0)
        return 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != separator)
            continue;
        if (count + 1 == max) {
            pieces[count++] = fuzz_strndup(data + start, size - start);
            return count;
        }
        pieces[count++] = fuzz_strndup(data + start, i - start);
        start = i + 1;
    }
    return count;
}

void fuzz_free_pieces(char **pieces, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(pieces[i]);
}

static bool strlists_equal(const struct strlist *a, const struct strlist *b, const char *name, char *why,
                           size_t size)
{
    if (a->len != b->len) {
        snprintf(why, size, "%s: %zu items, then %zu", name, a->len, b->len);
        return false;
    }
    for (size_t i = 0; i < a->len; i++) {
        if (strcmp(a->items[i], b->items[i]) != 0) {
            snprintf(why, size, "%s[%zu]: \"%s\", then \"%s\"", name, i, a->items[i], b->items[i]);
            return false;
        }
    }
    return true;
}

static bool strings_equal(const char *a, const char *b, const char *name, char *why, size_t size)
{
    if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0)) {
        snprintf(why, size, "%s: \"%s\", then \"%s\"", name, a ? a : "(null)", b ? b : "(null)");
        return false;
    }
    return true;
}

#define SAME_FIELD(field)                                                                      \
    do {                                                                                       \
        if (a->field != b->field) {                                                            \
            snprintf(why, size, "%s: %d, then %d", #field, (int)a->field, (int)b->field);      \
            return false;                                                                      \
        }                                                                                      \
    } while (0)

bool fuzz_policy_equal(const struct hermetic_policy *a, const struct hermetic_policy *b, char *why,
                       size_t size)
{
    SAME_FIELD(network.block);
    SAME_FIELD(network.allow_localhost);
    SAME_FIELD(network.allow_unix_sockets);
    SAME_FIELD(network.allow.len);
    for (size_t i = 0; i < a->network.allow.len; i++) {
        if (memcmp(&a->network.allow.items[i], &b->network.allow.items[i], sizeof(struct netrule)) != 0) {
            char x[NETNAME_MAX + NETADDR_TEXT_MAX], y[NETNAME_MAX + NETADDR_TEXT_MAX];

            snprintf(why, size, "network.allow[%zu]: %s, then %s", i,
                     netrule_format(&a->network.allow.items[i], x, sizeof(x)),
                     netrule_format(&b->network.allow.items[i], y, sizeof(y)));
            return false;
        }
    }
    SAME_FIELD(subprocess.block);
    SAME_FIELD(filesystem.readonly);
    SAME_FIELD(native.block);
    SAME_FIELD(environment.scrub);
    SAME_FIELD(code_exec.block);
    SAME_FIELD(interpreter.block_mutation);
    SAME_FIELD(seal);
    SAME_FIELD(kernel);
    SAME_FIELD(on_violation);
    SAME_FIELD(trace);
    return strlists_equal(&a->subprocess.allow_exec, &b->subprocess.allow_exec, "subprocess.allow_exec",
                          why, size) &&
           strings_equal(a->filesystem.root, b->filesystem.root, "filesystem.root", why, size) &&
           strlists_equal(&a->filesystem.allow_read, &b->filesystem.allow_read, "filesystem.allow_read",
                          why, size) &&
           strlists_equal(&a->filesystem.allow_write, &b->filesystem.allow_write, "filesystem.allow_write",
                          why, size) &&
           strlists_equal(&a->native.allow, &b->native.allow, "native.allow", why, size) &&
           strlists_equal(&a->environment.allow, &b->environment.allow, "environment.allow", why, size) &&
           strlists_equal(&a->imports.deny, &b->imports.deny, "imports.deny", why, size) &&
           strings_equal(a->log_json, b->log_json, "log_json", why, size);
}

void fuzz_check_yaml_round_trip(const struct hermetic_policy *policy, const char *source)
{
    struct hermetic_error err;
    struct profile_doc again;
    char why[1024];
    char *yaml = policy_format_yaml(policy, "# fuzz round trip\n");

    if (profile_parse(yaml, strlen(yaml), "<formatted>", &again, &err) != 0)
        fuzz_fail("the policy of %s, formatted as a profile, does not parse: %s\n%s", source, err.message,
                  yaml);
    if (!fuzz_policy_equal(policy, &again.policy, why, sizeof(why)))
        fuzz_fail("the policy of %s changes on a round trip through its profile: %s\n%s", source, why, yaml);
    profile_doc_free(&again);
    free(yaml);
}
