/* The policy: what the program may do. Plain C data, merged as a union
 * from flags and profiles (a restriction set by any source stays set, and
 * allow-lists add up), read by the audit hook on every event. */
#ifndef HERMETIC_POLICY_H
#define HERMETIC_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "netaddr.h"
#include "strlist.h"

/* One bit per guard, for dispatch and for "not implemented yet" checks. */
enum guard {
    GUARD_NETWORK = 1u << 0,
    GUARD_SUBPROCESS = 1u << 1,
    GUARD_FILESYSTEM = 1u << 2,
    GUARD_NATIVE = 1u << 3,
    GUARD_ENVIRONMENT = 1u << 4,
    GUARD_CODE_EXEC = 1u << 5,
    GUARD_IMPORTS = 1u << 6,
    GUARD_INTERPRETER = 1u << 7,
    GUARD_SEAL = 1u << 8,
    GUARD_KERNEL = 1u << 9,
};

/* The guards this build enforces. A policy that needs any other guard is
 * refused with exit status 70 rather than run with less than it asks. */
#define GUARDS_IMPLEMENTED                                                                      \
    (GUARD_NETWORK | GUARD_SUBPROCESS | GUARD_FILESYSTEM | GUARD_NATIVE | GUARD_ENVIRONMENT |      \
     GUARD_CODE_EXEC | GUARD_IMPORTS | GUARD_INTERPRETER | GUARD_SEAL | GUARD_KERNEL)

/* The name a guard has in PolicyViolation.guard and in messages. */
const char *guard_name(enum guard guard);

enum kernel_mode { KERNEL_OFF, KERNEL_AUTO, KERNEL_REQUIRED };
enum on_violation { ON_VIOLATION_RAISE, ON_VIOLATION_EXIT };
enum trace_level { TRACE_OFF, TRACE_BLOCKED, TRACE_ALL };

struct netrule_list {
    struct netrule *items;
    size_t len, cap;
};

struct policy_network {
    bool block;
    bool allow_localhost;
    bool allow_unix_sockets;
    struct netrule_list allow;
};

struct hermetic_policy {
    struct policy_network network;
    struct {
        bool block;
        struct strlist allow_exec;    /* real paths */
    } subprocess;
    struct {
        bool readonly;
        char *root;                   /* real path, or NULL for no read root */
        struct strlist allow_read;    /* real paths */
        struct strlist allow_write;   /* real paths */
    } filesystem;
    struct {
        bool block;
        struct strlist allow;         /* module or package names */
    } native;
    struct {
        bool scrub;
        struct strlist allow;         /* variable names or globs */
    } environment;
    struct {
        bool block;
    } code_exec;
    struct {
        struct strlist deny;          /* module names */
    } imports;
    struct {
        bool block_mutation;
    } interpreter;
    bool seal;
    enum kernel_mode kernel;
    enum on_violation on_violation;
    enum trace_level trace;
    char *log_json;                   /* absolute path, or NULL */
};

void policy_init(struct hermetic_policy *policy);
void policy_free(struct hermetic_policy *policy);
/* Copy `from` into `into` (which must be initialised and is overwritten). */
void policy_copy(struct hermetic_policy *into, const struct hermetic_policy *from);

/*
 * Merge `from` into `into` as a union. Conflicts that no union can settle
 * (two read roots that do not nest, two --log-json files) are errors;
 * `from_name` names the source in the message ("--fs-readonly", a file).
 */
int policy_merge(struct hermetic_policy *into, const struct hermetic_policy *from,
                 const char *from_name, struct hermetic_error *err);

/*
 * Add `layer`'s restrictions to `into`, without lifting any: the Python
 * API's blocks. A guard on in either is on; where both turn it on, only
 * what both allow stays allowed (an intersection of the allow-lists,
 * rounded down where it cannot be written exactly: a rule of one is kept
 * if a rule of the other covers all of it). Returns -1 when read roots do
 * not nest.
 */
int policy_restrict(struct hermetic_policy *into, const struct hermetic_policy *layer,
                    struct hermetic_error *err);

void netrule_list_add(struct netrule_list *list, const struct netrule *rule);

/* The guards that `policy` turns on (a mask of enum guard). */
unsigned int policy_guards(const struct hermetic_policy *policy);

/*
 * Check a merged policy for settings that would be accepted and ignored:
 * an allow-list without its guard (--allow-localhost without --no-network),
 * and guards this build does not have. Returns -1 with the option named.
 */
int policy_validate(const struct hermetic_policy *policy, struct hermetic_error *err);
/* Only the second check: every guard the policy turns on is built. */
int policy_check_implemented(const struct hermetic_policy *policy, struct hermetic_error *err);

/* A dotted Python module name, such as numpy or xml.etree. */
bool policy_valid_module_name(const char *text);
/* An environment variable name or glob: letters, digits, _ and *?[]!- */
bool policy_valid_env_pattern(const char *text);

/* Render the policy as a version 1 profile, which profile_load reads back.
 * The returned string is allocated. */
char *policy_format_yaml(const struct hermetic_policy *policy, const char *header_comment);

#endif
