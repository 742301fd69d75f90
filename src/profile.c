#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "alloc.h"
#include "codepolicy.h"
#include "pathrule.h"
#include "procpolicy.h"
#include "profile.h"

/* Event-driven reading with libyaml: the schema is small and fixed, so each
 * section reads exactly the events it expects and reports the first one it
 * does not, with its line and column. Aliases are refused, which also rules
 * out alias bombs. */
struct reader {
    yaml_parser_t parser;
    yaml_event_t event;
    bool have_event;
    const char *file;
    const char *text;      /* the profile text, for reader error positions */
    size_t length;
    struct profile_doc *doc;
    struct hermetic_error *err;
    bool has_version;
};

static int fail_at(struct reader *r, yaml_mark_t mark, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct reader *r, yaml_mark_t mark, const char *format, ...)
{
    char text[900];
    va_list args;

    va_start(args, format);
    vsnprintf(text, sizeof(text), format, args);
    va_end(args);
    return error_set(r->err, HERMETIC_EXIT_PROFILE, "%s:%zu:%zu: %s", r->file, mark.line + 1,
                     mark.column + 1, text);
}

static void drop_event(struct reader *r)
{
    if (r->have_event) {
        yaml_event_delete(&r->event);
        r->have_event = false;
    }
}

/* The position of a reader error (a control character, invalid UTF-8),
 * which libyaml reports as a byte offset only, leaving problem_mark zero.
 * Columns count characters, as in libyaml's own marks. */
static yaml_mark_t reader_error_mark(const struct reader *r)
{
    yaml_mark_t mark = {0, 0, 0};
    size_t end = r->parser.problem_offset < r->length ? r->parser.problem_offset : r->length;

    for (size_t i = 0; i < end; i++) {
        if (r->text[i] == '\n') {
            mark.line++;
            mark.column = 0;
        } else if (((unsigned char)r->text[i] & 0xc0) != 0x80) {
            mark.column++;
        }
    }
    mark.index = end;
    return mark;
}

/* Read the next event into r->event. */
static int next_event(struct reader *r)
{
    drop_event(r);
    if (!yaml_parser_parse(&r->parser, &r->event)) {
        const char *context = r->parser.context ? r->parser.context : NULL;
        yaml_mark_t mark = r->parser.error == YAML_READER_ERROR ? reader_error_mark(r) : r->parser.problem_mark;

        if (context != NULL)
            return fail_at(r, mark, "invalid YAML: %s (%s)",
                           r->parser.problem ? r->parser.problem : "syntax error", context);
        return fail_at(r, mark, "invalid YAML: %s",
                       r->parser.problem ? r->parser.problem : "syntax error");
    }
    r->have_event = true;
    if (r->event.type == YAML_ALIAS_EVENT)
        return fail_at(r, r->event.start_mark,
                       "YAML aliases (*%s) are not supported in profiles; write the value out",
                       (const char *)r->event.data.alias.anchor);
    return 0;
}

static const char *event_description(const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_SCALAR_EVENT: return "a scalar";
    case YAML_SEQUENCE_START_EVENT: return "a list";
    case YAML_MAPPING_START_EVENT: return "a mapping";
    default: return "the end of the block";
    }
}

static bool is_plain(const yaml_event_t *event)
{
    return event->type == YAML_SCALAR_EVENT && event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static const char *scalar_text(const yaml_event_t *event)
{
    return (const char *)event->data.scalar.value;
}

static bool is_null(const yaml_event_t *event)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

    if (!is_plain(event))
        return false;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strcmp(scalar_text(event), nulls[i]) == 0)
            return true;
    return false;
}

/* Read a value that must be a scalar; `what` describes the expected value. */
static int read_scalar(struct reader *r, const char *key, const char *what)
{
    if (next_event(r) != 0)
        return -1;
    if (r->event.type != YAML_SCALAR_EVENT)
        return fail_at(r, r->event.start_mark, "%s: expected %s, got %s", key, what,
                       event_description(&r->event));
    return 0;
}

static int read_bool(struct reader *r, const char *key, bool *out)
{
    static const char *const truths[] = {"true", "True", "TRUE"};
    static const char *const falsehoods[] = {"false", "False", "FALSE"};

    if (read_scalar(r, key, "true or false") != 0)
        return -1;
    if (is_plain(&r->event)) {
        for (size_t i = 0; i < 3; i++) {
            if (strcmp(scalar_text(&r->event), truths[i]) == 0) {
                *out = true;
                return 0;
            }
            if (strcmp(scalar_text(&r->event), falsehoods[i]) == 0) {
                *out = false;
                return 0;
            }
        }
    }
    if (is_null(&r->event))
        return fail_at(r, r->event.start_mark, "%s: expected true or false, got null", key);
    return fail_at(r, r->event.start_mark, "%s: expected true or false, got \"%s\"", key,
                   scalar_text(&r->event));
}

/* Read a string scalar; `*out` is NULL for a null value when `nullable`. */
static int read_string(struct reader *r, const char *key, bool nullable, char **out)
{
    if (read_scalar(r, key, "a string") != 0)
        return -1;
    if (is_null(&r->event)) {
        if (!nullable)
            return fail_at(r, r->event.start_mark, "%s: expected a string, got null", key);
        *out = NULL;
        return 0;
    }
    if (r->event.data.scalar.length >= PATH_MAX ||
        strlen(scalar_text(&r->event)) != r->event.data.scalar.length)
        return fail_at(r, r->event.start_mark, "%s: invalid string (too long, or contains a NUL byte)",
                       key);
    *out = xstrdup(scalar_text(&r->event));
    return 0;
}

typedef int item_fn(struct reader *r, const char *key, const char *value, yaml_mark_t mark);

/* Read a list of strings, calling `item` for each. With `scalar_ok`, a single
 * string stands for a list of one. */
static int read_list(struct reader *r, const char *key, bool scalar_ok, item_fn *item)
{
    if (next_event(r) != 0)
        return -1;
    if (scalar_ok && r->event.type == YAML_SCALAR_EVENT && !is_null(&r->event))
        return item(r, key, scalar_text(&r->event), r->event.start_mark);
    if (r->event.type == YAML_SCALAR_EVENT && is_null(&r->event))
        return 0;
    if (r->event.type != YAML_SEQUENCE_START_EVENT)
        return fail_at(r, r->event.start_mark, "%s: expected a list of strings, got %s", key,
                       event_description(&r->event));
    for (;;) {
        if (next_event(r) != 0)
            return -1;
        if (r->event.type == YAML_SEQUENCE_END_EVENT)
            return 0;
        if (r->event.type != YAML_SCALAR_EVENT || is_null(&r->event))
            return fail_at(r, r->event.start_mark, "%s: expected a string in the list, got %s", key,
                           is_null(&r->event) ? "null" : event_description(&r->event));
        if (strlen(scalar_text(&r->event)) != r->event.data.scalar.length)
            return fail_at(r, r->event.start_mark, "%s: invalid string (contains a NUL byte)", key);
        if (item(r, key, scalar_text(&r->event), r->event.start_mark) != 0)
            return -1;
    }
}

/* A key handler reads the key's value. `key` is the dotted key for messages. */
typedef int key_fn(struct reader *r, const char *key);

struct key_entry {
    const char *name;
    key_fn *read;
};

/* Read a mapping of known keys; `where` names it in messages. */
static int read_mapping(struct reader *r, const char *where, const char *prefix,
                        const struct key_entry *keys, size_t key_count, bool already_started)
{
    yaml_mark_t seen_at[32];
    bool seen[32] = {false};

    if (!already_started) {
        if (next_event(r) != 0)
            return -1;
        if (r->event.type != YAML_MAPPING_START_EVENT)
            return fail_at(r, r->event.start_mark, "%s: expected a mapping of keys, got %s", where,
                           event_description(&r->event));
    }
    for (;;) {
        char key_path[128], expected[512] = "";
        yaml_mark_t mark;
        size_t k;

        if (next_event(r) != 0)
            return -1;
        if (r->event.type == YAML_MAPPING_END_EVENT)
            return 0;
        if (r->event.type != YAML_SCALAR_EVENT)
            return fail_at(r, r->event.start_mark, "%s: expected a key, got %s", where,
                           event_description(&r->event));
        mark = r->event.start_mark;
        for (k = 0; k < key_count; k++)
            if (strcmp(scalar_text(&r->event), keys[k].name) == 0)
                break;
        if (k == key_count) {
            for (size_t i = 0; i < key_count; i++) {
                strncat(expected, keys[i].name, sizeof(expected) - strlen(expected) - 1);
                if (i + 1 < key_count)
                    strncat(expected, ", ", sizeof(expected) - strlen(expected) - 1);
            }
            return fail_at(r, mark, "unknown key \"%.64s\" in %s (expected one of: %s)",
                           scalar_text(&r->event), where, expected);
        }
        if (seen[k])
            return fail_at(r, mark, "duplicate key \"%s\" in %s (first given at line %zu, column %zu)",
                           keys[k].name, where, seen_at[k].line + 1, seen_at[k].column + 1);
        seen[k] = true;
        seen_at[k] = mark;
        snprintf(key_path, sizeof(key_path), "%s%s", prefix, keys[k].name);
        if (keys[k].read(r, key_path) != 0)
            return -1;
    }
}

/* Expand and resolve a path value from the profile. */
static char *profile_path(struct reader *r, const char *key, const char *value, yaml_mark_t mark,
                          enum pathrule_existence existence)
{
    struct hermetic_error inner;
    char *expanded = pathrule_expand(value, &inner), *real;

    if (expanded == NULL) {
        fail_at(r, mark, "%s: %s", key, inner.message);
        return NULL;
    }
    real = pathrule_resolve(expanded, existence, HERMETIC_EXIT_PROFILE, &inner);
    free(expanded);
    if (real == NULL)
        fail_at(r, mark, "%s: %s", key, inner.message);
    return real;
}

/* ----- network ----- */

static int read_network_block(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.network.block);
}

static int read_allow_localhost(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.network.allow_localhost);
}

static int read_allow_unix_sockets(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.network.allow_unix_sockets);
}

static int add_network_rule(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    struct netrule rule;
    struct hermetic_error inner;

    if (netrule_parse(value, &rule, &inner) != 0)
        return fail_at(r, mark, "%s: %s", key, inner.message);
    netrule_list_add(&r->doc->policy.network.allow, &rule);
    return 0;
}

static int read_network_allow(struct reader *r, const char *key)
{
    return read_list(r, key, false, add_network_rule);
}

static const struct key_entry NETWORK_KEYS[] = {
    {"block", read_network_block},
    {"allow_localhost", read_allow_localhost},
    {"allow_unix_sockets", read_allow_unix_sockets},
    {"allow", read_network_allow},
};

/* ----- subprocess ----- */

static int read_subprocess_block(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.subprocess.block);
}

static int add_exec(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    struct hermetic_error inner;
    char *expanded = pathrule_expand(value, &inner), *real;
    bool is_path;

    /* Decide on the expanded value, so that $GIT=/usr/bin/git is a path. */
    if (expanded == NULL)
        return fail_at(r, mark, "%s: %s", key, inner.message);
    if (strcmp(expanded, PROCPOLICY_PYTHON_CHILDREN) == 0) {
        free(expanded);
        real = procpolicy_self();
        if (real == NULL)
            return fail_at(r, mark, "%s: cannot find hermetic's own executable", key);
        strlist_add_unique(&r->doc->policy.subprocess.allow_exec, real);
        free(real);
        return 0;
    }
    is_path = strchr(expanded, '/') != NULL;
    free(expanded);
    if (!is_path)
        return fail_at(r, mark, "%s: \"%s\" is not a path (give the program's full path, e.g. /usr/bin/%s, "
                       "or hermetic-python for Python children)", key, value, value);
    real = profile_path(r, key, value, mark, PATH_MUST_EXIST);
    if (real == NULL)
        return -1;
    strlist_add_unique(&r->doc->policy.subprocess.allow_exec, real);
    free(real);
    return 0;
}

static int read_allow_exec(struct reader *r, const char *key)
{
    return read_list(r, key, false, add_exec);
}

static const struct key_entry SUBPROCESS_KEYS[] = {
    {"block", read_subprocess_block},
    {"allow_exec", read_allow_exec},
};

/* ----- filesystem ----- */

static int read_readonly(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.filesystem.readonly);
}

static int read_root(struct reader *r, const char *key)
{
    char *value = NULL;
    yaml_mark_t mark;

    if (read_string(r, key, true, &value) != 0)
        return -1;
    mark = r->event.start_mark;
    if (value == NULL)
        return 0;
    free(r->doc->policy.filesystem.root);
    r->doc->policy.filesystem.root = profile_path(r, key, value, mark, PATH_MUST_EXIST);
    /* A read root comes with read-only, as with --fs-readonly=ROOT. */
    r->doc->policy.filesystem.readonly = true;
    free(value);
    return r->doc->policy.filesystem.root != NULL ? 0 : -1;
}

static int add_read_path(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    char *real = profile_path(r, key, value, mark, PATH_MUST_EXIST);

    if (real == NULL)
        return -1;
    strlist_add_unique(&r->doc->policy.filesystem.allow_read, real);
    free(real);
    return 0;
}

static int add_write_path(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    char *real = profile_path(r, key, value, mark, PATH_PARENT_MUST_EXIST);

    if (real == NULL)
        return -1;
    strlist_add_unique(&r->doc->policy.filesystem.allow_write, real);
    free(real);
    return 0;
}

static int read_allow_read(struct reader *r, const char *key)
{
    return read_list(r, key, false, add_read_path);
}

static int read_allow_write(struct reader *r, const char *key)
{
    return read_list(r, key, false, add_write_path);
}

static const struct key_entry FILESYSTEM_KEYS[] = {
    {"readonly", read_readonly},
    {"root", read_root},
    {"allow_read", read_allow_read},
    {"allow_write", read_allow_write},
};

/* ----- native, environment, code_exec, imports, interpreter ----- */

static int add_module(struct reader *r, const char *key, const char *value, yaml_mark_t mark,
                      struct strlist *list)
{
    if (!policy_valid_module_name(value))
        return fail_at(r, mark, "%s: invalid module name \"%s\" (expected a dotted name such as numpy)",
                       key, value);
    strlist_add_unique(list, value);
    return 0;
}

static int add_native(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    return add_module(r, key, value, mark, &r->doc->policy.native.allow);
}

static int add_denied_import(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    if (codepolicy_essential(value))
        return fail_at(r, mark, "%s: the interpreter needs %s to run; it cannot be denied", key, value);
    return add_module(r, key, value, mark, &r->doc->policy.imports.deny);
}

static int add_env(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    if (!policy_valid_env_pattern(value))
        return fail_at(r, mark, "%s: invalid variable name or pattern \"%s\" (expected a name such as CI "
                       "or a glob such as GITHUB_*)", key, value);
    strlist_add_unique(&r->doc->policy.environment.allow, value);
    return 0;
}

static int read_native_block(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.native.block);
}

static int read_native_allow(struct reader *r, const char *key)
{
    return read_list(r, key, false, add_native);
}

static int read_env_scrub(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.environment.scrub);
}

static int read_env_allow(struct reader *r, const char *key)
{
    return read_list(r, key, false, add_env);
}

static int read_code_exec_block(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.code_exec.block);
}

static int read_imports_deny(struct reader *r, const char *key)
{
    return read_list(r, key, false, add_denied_import);
}

static int read_block_mutation(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.interpreter.block_mutation);
}

static const struct key_entry NATIVE_KEYS[] = {{"block", read_native_block}, {"allow", read_native_allow}};
static const struct key_entry ENVIRONMENT_KEYS[] = {{"scrub", read_env_scrub}, {"allow", read_env_allow}};
static const struct key_entry CODE_EXEC_KEYS[] = {{"block", read_code_exec_block}};
static const struct key_entry IMPORTS_KEYS[] = {{"deny", read_imports_deny}};
static const struct key_entry INTERPRETER_KEYS[] = {{"block_mutation", read_block_mutation}};

#define SECTION(fn, name, table)                                                   \
    static int fn(struct reader *r, const char *key)                                \
    {                                                                               \
        (void)key;                                                                  \
        return read_mapping(r, name, name ".", table, sizeof(table) / sizeof(table[0]), false); \
    }

SECTION(read_network, "network", NETWORK_KEYS)
SECTION(read_subprocess, "subprocess", SUBPROCESS_KEYS)
SECTION(read_filesystem, "filesystem", FILESYSTEM_KEYS)
SECTION(read_native, "native", NATIVE_KEYS)
SECTION(read_environment, "environment", ENVIRONMENT_KEYS)
SECTION(read_code_exec, "code_exec", CODE_EXEC_KEYS)
SECTION(read_imports, "imports", IMPORTS_KEYS)
SECTION(read_interpreter, "interpreter", INTERPRETER_KEYS)

/* ----- top level ----- */

static int read_version(struct reader *r, const char *key)
{
    if (read_scalar(r, key, "1") != 0)
        return -1;
    if (!is_plain(&r->event) || strcmp(scalar_text(&r->event), "1") != 0)
        return fail_at(r, r->event.start_mark,
                       is_plain(&r->event) ? "unsupported profile version %s (this hermetic reads version: 1)"
                                           : "version: expected the number 1, got the string \"%s\"",
                       scalar_text(&r->event));
    r->has_version = true;
    return 0;
}

static int read_description(struct reader *r, const char *key)
{
    free(r->doc->description);
    r->doc->description = NULL;
    return read_string(r, key, true, &r->doc->description);
}

static int add_extends(struct reader *r, const char *key, const char *value, yaml_mark_t mark)
{
    if (value[0] == '\0')
        return fail_at(r, mark, "%s: empty profile name", key);
    char *at = xasprintf("%s:%zu:%zu", r->file, mark.line + 1, mark.column + 1);

    strlist_add(&r->doc->extends, value);
    strlist_add(&r->doc->extends_at, at);
    free(at);
    return 0;
}

static int read_extends(struct reader *r, const char *key)
{
    return read_list(r, key, true, add_extends);
}

static int read_seal(struct reader *r, const char *key)
{
    return read_bool(r, key, &r->doc->policy.seal);
}

/* Read a scalar that must be one of `choices`; returns its index. */
static int read_choice(struct reader *r, const char *key, const char *const *choices, size_t count,
                       const char *expected)
{
    if (read_scalar(r, key, expected) != 0)
        return -1;
    for (size_t i = 0; i < count; i++)
        if (strcmp(scalar_text(&r->event), choices[i]) == 0)
            return (int)i;
    return fail_at(r, r->event.start_mark, "%s: expected %s, got \"%s\"", key, expected,
                   scalar_text(&r->event));
}

static int read_kernel(struct reader *r, const char *key)
{
    static const char *const modes[] = {"off", "auto", "required"};
    int i = read_choice(r, key, modes, 3, "off, auto or required");

    if (i < 0)
        return -1;
    r->doc->policy.kernel = (enum kernel_mode)i;
    return 0;
}

static int read_on_violation(struct reader *r, const char *key)
{
    static const char *const modes[] = {"raise", "exit"};
    int i = read_choice(r, key, modes, 2, "raise or exit");

    if (i < 0)
        return -1;
    r->doc->policy.on_violation = i == 1 ? ON_VIOLATION_EXIT : ON_VIOLATION_RAISE;
    return 0;
}

static int read_trace(struct reader *r, const char *key)
{
    static const char *const levels[] = {"false", "False", "FALSE", "true", "True", "TRUE", "all", "blocked"};
    int i = read_choice(r, key, levels, 8, "true, false or all");

    if (i < 0)
        return -1;
    r->doc->policy.trace = i < 3 ? TRACE_OFF : i == 6 ? TRACE_ALL : TRACE_BLOCKED;
    return 0;
}

static int read_log_json(struct reader *r, const char *key)
{
    char *value = NULL;
    yaml_mark_t mark;

    if (read_string(r, key, true, &value) != 0)
        return -1;
    mark = r->event.start_mark;
    if (value == NULL)
        return 0;
    free(r->doc->policy.log_json);
    r->doc->policy.log_json = profile_path(r, key, value, mark, PATH_PARENT_MUST_EXIST);
    free(value);
    return r->doc->policy.log_json != NULL ? 0 : -1;
}

static const struct key_entry TOP_KEYS[] = {
    {"version", read_version},         {"description", read_description},
    {"extends", read_extends},         {"network", read_network},
    {"subprocess", read_subprocess},   {"filesystem", read_filesystem},
    {"native", read_native},           {"environment", read_environment},
    {"code_exec", read_code_exec},     {"imports", read_imports},
    {"interpreter", read_interpreter}, {"seal", read_seal},
    {"kernel", read_kernel},           {"on_violation", read_on_violation},
    {"trace", read_trace},             {"log_json", read_log_json},
};

/* Read the stream: one document whose root is the top-level mapping. */
static int read_stream(struct reader *r)
{
    yaml_mark_t start = {0, 0, 0};

    if (next_event(r) != 0)
        return -1;
    if (next_event(r) != 0)
        return -1;
    if (r->event.type == YAML_STREAM_END_EVENT)
        return fail_at(r, start, "empty profile (expected a mapping that starts with version: 1)");
    if (next_event(r) != 0)
        return -1;
    if (is_null(&r->event))
        return fail_at(r, r->event.start_mark, "empty profile (expected a mapping that starts with version: 1)");
    if (r->event.type != YAML_MAPPING_START_EVENT)
        return fail_at(r, r->event.start_mark,
                       "a profile is a mapping of keys (version: 1, network: ...), not %s",
                       event_description(&r->event));
    start = r->event.start_mark;
    if (read_mapping(r, "profile", "", TOP_KEYS, sizeof(TOP_KEYS) / sizeof(TOP_KEYS[0]), true) != 0)
        return -1;
    if (next_event(r) != 0)
        return -1;
    if (next_event(r) != 0)
        return -1;
    if (r->event.type != YAML_STREAM_END_EVENT)
        return fail_at(r, r->event.start_mark,
                       "more than one YAML document in the profile (remove the --- line)");
    return 0;
}

int profile_parse(const char *text, size_t length, const char *file, struct profile_doc *doc,
                  struct hermetic_error *err)
{
    struct reader r = {.file = file, .text = text, .length = length, .doc = doc, .err = err};
    int rc;

    memset(doc, 0, sizeof(*doc));
    policy_init(&doc->policy);
    if (length > PROFILE_SIZE_MAX)
        return error_set(err, HERMETIC_EXIT_PROFILE, "%s: profile is larger than %d bytes", file,
                         PROFILE_SIZE_MAX);
    if (!yaml_parser_initialize(&r.parser))
        return error_set(err, HERMETIC_EXIT_INTERNAL, "%s: cannot initialise the YAML parser", file);
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, length);
    rc = read_stream(&r);
    drop_event(&r);
    yaml_parser_delete(&r.parser);
    if (rc == 0 && !r.has_version)
        rc = error_set(err, HERMETIC_EXIT_PROFILE, "%s:1:1: missing \"version: 1\", which every "
                       "profile needs", file);
    if (rc != 0)
        profile_doc_free(doc);
    return rc;
}

void profile_doc_free(struct profile_doc *doc)
{
    free(doc->description);
    strlist_free(&doc->extends);
    strlist_free(&doc->extends_at);
    policy_free(&doc->policy);
    memset(doc, 0, sizeof(*doc));
}

/* ----- files and the search path ----- */

/* Read a profile file: a regular file of at most PROFILE_SIZE_MAX bytes.
 * O_NONBLOCK keeps a FIFO from blocking the open. */
static char *read_profile_file(const char *path, size_t *length, struct hermetic_error *err)
{
    struct stat st;
    char *text;
    ssize_t n;
    size_t used = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

    if (fd < 0) {
        error_set_errno(err, HERMETIC_EXIT_PROFILE, errno, "cannot read profile %s", path);
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        error_set(err, HERMETIC_EXIT_PROFILE, "cannot read profile %s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size > PROFILE_SIZE_MAX) {
        error_set(err, HERMETIC_EXIT_PROFILE, "%s: profile is larger than %d bytes", path, PROFILE_SIZE_MAX);
        close(fd);
        return NULL;
    }
    text = xmalloc(PROFILE_SIZE_MAX + 1);
    while ((n = read(fd, text + used, PROFILE_SIZE_MAX + 1 - used)) > 0)
        used += (size_t)n;
    close(fd);
    if (n < 0) {
        error_set_errno(err, HERMETIC_EXIT_PROFILE, errno, "cannot read profile %s", path);
        free(text);
        return NULL;
    }
    if (used > PROFILE_SIZE_MAX) {
        error_set(err, HERMETIC_EXIT_PROFILE, "%s: profile is larger than %d bytes", path, PROFILE_SIZE_MAX);
        free(text);
        return NULL;
    }
    text[used] = '\0';
    *length = used;
    return text;
}

void profile_search_init(struct profile_search *search, const char *const *data_dirs)
{
    const char *env = getenv("HERMETIC_PROFILE_PATH");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");

    memset(search, 0, sizeof(*search));
    if (env != NULL) {
        char *copy = xstrdup(env), *save = NULL;

        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
            strlist_add_unique(&search->dirs, dir);
        free(copy);
    }
    if (xdg != NULL && xdg[0] == '/') {
        char *dir = xasprintf("%s/hermetic/profiles", xdg);
        strlist_add_unique(&search->dirs, dir);
        free(dir);
    } else if (home != NULL && home[0] == '/') {
        char *dir = xasprintf("%s/.config/hermetic/profiles", home);
        strlist_add_unique(&search->dirs, dir);
        free(dir);
    }
    strlist_add_unique(&search->dirs, "/etc/hermetic/profiles");
    for (size_t i = 0; data_dirs != NULL && data_dirs[i] != NULL; i++)
        strlist_add_unique(&search->dirs, data_dirs[i]);
}

void profile_search_free(struct profile_search *search)
{
    strlist_free(&search->dirs);
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);

    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static bool is_profile_path(const char *name)
{
    return strchr(name, '/') != NULL || ends_with(name, ".yaml") || ends_with(name, ".yml");
}

char *profile_find(const struct profile_search *search, const char *name, const char *base_dir,
                   struct hermetic_error *err)
{
    char resolved[PATH_MAX];

    if (is_profile_path(name)) {
        char *path = name[0] == '/' || base_dir == NULL ? xstrdup(name) : xasprintf("%s/%s", base_dir, name);

        if (realpath(path, resolved) == NULL) {
            error_set_errno(err, HERMETIC_EXIT_PROFILE, errno, "profile file %s", path);
            free(path);
            return NULL;
        }
        free(path);
        return xstrdup(resolved);
    }
    for (size_t i = 0; i < search->dirs.len; i++) {
        static const char *const suffixes[] = {".yaml", ".yml"};

        for (size_t s = 0; s < 2; s++) {
            char *path = xasprintf("%s/%s%s", search->dirs.items[i], name, suffixes[s]);

            if (realpath(path, resolved) != NULL) {
                free(path);
                return xstrdup(resolved);
            }
            free(path);
        }
    }
    {
        char searched[700] = "";

        for (size_t i = 0; i < search->dirs.len; i++) {
            strncat(searched, search->dirs.items[i], sizeof(searched) - strlen(searched) - 1);
            if (i + 1 < search->dirs.len)
                strncat(searched, ":", sizeof(searched) - strlen(searched) - 1);
        }
        error_set(err, HERMETIC_EXIT_PROFILE,
                  "profile \"%s\" not found (searched %s; see hermetic --list-profiles)", name, searched);
    }
    return NULL;
}

struct load_chain {
    const char *files[PROFILE_DEPTH_MAX];
    size_t depth;
};

/* Load profile `name` and what it extends into `into`. `referenced_at` is
 * the FILE:LINE:COL of the extends entry that names it, or NULL. */
static int load_recursive(const struct profile_search *search, const char *name, const char *base_dir,
                          const char *referenced_at, struct load_chain *chain, struct hermetic_policy *into,
                          struct hermetic_error *err)
{
    struct profile_doc doc;
    char *path, *text, *dir;
    size_t length;
    int rc = 0;

    path = profile_find(search, name, base_dir, err);
    if (path == NULL) {
        if (referenced_at != NULL) {
            char message[sizeof(err->message) + PATH_MAX + 32];

            snprintf(message, sizeof(message), "%s: extends: %s", referenced_at, err->message);
            snprintf(err->message, sizeof(err->message), "%.*s", (int)sizeof(err->message) - 1, message);
        }
        return -1;
    }
    for (size_t i = 0; i < chain->depth; i++) {
        if (strcmp(chain->files[i], path) == 0) {
            error_set(err, HERMETIC_EXIT_PROFILE, "%s: extends cycle: %s extends %s again", chain->files[0],
                      chain->files[chain->depth - 1], path);
            free(path);
            return -1;
        }
    }
    if (chain->depth == PROFILE_DEPTH_MAX) {
        error_set(err, HERMETIC_EXIT_PROFILE, "%s: extends chain deeper than %d profiles", chain->files[0],
                  PROFILE_DEPTH_MAX);
        free(path);
        return -1;
    }
    text = read_profile_file(path, &length, err);
    if (text == NULL || profile_parse(text, length, path, &doc, err) != 0) {
        free(text);
        free(path);
        return -1;
    }
    free(text);
    chain->files[chain->depth++] = path;
    dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    for (size_t i = 0; i < doc.extends.len && rc == 0; i++)
        rc = load_recursive(search, doc.extends.items[i], dir, doc.extends_at.items[i], chain, into, err);
    if (rc == 0 && policy_merge(into, &doc.policy, path, err) != 0) {
        err->status = HERMETIC_EXIT_PROFILE;
        rc = -1;
    }
    free(dir);
    profile_doc_free(&doc);
    chain->depth--;
    free(path);
    return rc;
}

int profile_load(const struct profile_search *search, const char *name, struct hermetic_policy *into,
                 struct hermetic_error *err)
{
    struct load_chain chain = {.depth = 0};

    return load_recursive(search, name, NULL, NULL, &chain, into, err);
}

/* By name, and NAME.yaml before NAME.yml, the order profile_find tries. */
static int compare_entries(const void *a, const void *b)
{
    const struct profile_entry *x = a, *y = b;
    int by_name = strcmp(x->name, y->name);

    return by_name != 0 ? by_name : strcmp(x->file, y->file);
}

/* Mark NAME.yml shadowed when the same directory has NAME.yaml, which
 * profile_find takes first. `list` holds one directory's entries, sorted. */
static void shadow_yml_twins(struct profile_entry *list, size_t count)
{
    for (size_t i = 1; i < count; i++)
        if (strcmp(list[i].name, list[i - 1].name) == 0)
            list[i].shadowed = true;
}

/* Fill in the entry's description, or the reason it does not load: its
 * own text, or a profile it extends. */
static void describe_entry(const struct profile_search *search, struct profile_entry *entry)
{
    struct hermetic_error err;
    struct hermetic_policy policy;
    struct profile_doc doc;
    size_t length;
    char *text = read_profile_file(entry->file, &length, &err);

    if (text == NULL || profile_parse(text, length, entry->file, &doc, &err) != 0) {
        entry->problem = xstrdup(err.message);
        free(text);
        return;
    }
    free(text);
    policy_init(&policy);
    if (profile_load(search, entry->file, &policy, &err) != 0)
        entry->problem = xstrdup(err.message);
    else
        entry->description = xstrdup(doc.description ? doc.description : "");
    policy_free(&policy);
    profile_doc_free(&doc);
}

size_t profile_list(const struct profile_search *search, struct profile_entry **entries)
{
    struct profile_entry *list = NULL;
    size_t count = 0, cap = 0;

    for (size_t d = 0; d < search->dirs.len; d++) {
        DIR *dir = opendir(search->dirs.items[d]);
        struct dirent *ent;
        size_t first = count;

        if (dir == NULL)
            continue;
        while ((ent = readdir(dir)) != NULL) {
            size_t n = strlen(ent->d_name);
            size_t stem = ends_with(ent->d_name, ".yaml") ? n - 5 : ends_with(ent->d_name, ".yml") ? n - 4 : 0;

            if (stem == 0 || ent->d_name[0] == '.')
                continue;
            list = xgrow(list, &cap, count + 1, sizeof(*list));
            memset(&list[count], 0, sizeof(list[count]));
            list[count].name = xstrndup(ent->d_name, stem);
            list[count].file = xasprintf("%s/%s", search->dirs.items[d], ent->d_name);
            for (size_t i = 0; i < first; i++)
                if (strcmp(list[i].name, list[count].name) == 0)
                    list[count].shadowed = true;
            describe_entry(search, &list[count]);
            count++;
        }
        closedir(dir);
        qsort(list + first, count - first, sizeof(*list), compare_entries);
        shadow_yml_twins(list + first, count - first);
    }
    *entries = list;
    return count;
}

void profile_list_free(struct profile_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(entries[i].name);
        free(entries[i].file);
        free(entries[i].description);
        free(entries[i].problem);
    }
    free(entries);
}
