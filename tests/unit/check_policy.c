/* The policy: union merging, validation of allowances and missing guards,
 * name checks, and the YAML that --show-policy prints, read back by
 * profile_parse. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy.h"
#include "profile.h"
#include "scratch.h"
#include "unit.h"

#define POLICY_FIELD(member) offsetof(struct hermetic_policy, member)

struct bool_field {
    const char *name;
    size_t offset;
};

static const struct bool_field BOOL_FIELDS[] = {
    {"network.block", POLICY_FIELD(network.block)},
    {"network.allow_localhost", POLICY_FIELD(network.allow_localhost)},
    {"network.allow_unix_sockets", POLICY_FIELD(network.allow_unix_sockets)},
    {"subprocess.block", POLICY_FIELD(subprocess.block)},
    {"filesystem.readonly", POLICY_FIELD(filesystem.readonly)},
    {"native.block", POLICY_FIELD(native.block)},
    {"environment.scrub", POLICY_FIELD(environment.scrub)},
    {"code_exec.block", POLICY_FIELD(code_exec.block)},
    {"interpreter.block_mutation", POLICY_FIELD(interpreter.block_mutation)},
    {"seal", POLICY_FIELD(seal)},
};
#define BOOL_FIELD_COUNT (sizeof(BOOL_FIELDS) / sizeof(BOOL_FIELDS[0]))

static bool *bool_at(struct hermetic_policy *p, size_t offset)
{
    return (bool *)(void *)((char *)p + offset);
}

struct list_field {
    const char *name;
    size_t offset;
};

static const struct list_field LIST_FIELDS[] = {
    {"subprocess.allow_exec", POLICY_FIELD(subprocess.allow_exec)},
    {"filesystem.allow_read", POLICY_FIELD(filesystem.allow_read)},
    {"filesystem.allow_write", POLICY_FIELD(filesystem.allow_write)},
    {"native.allow", POLICY_FIELD(native.allow)},
    {"environment.allow", POLICY_FIELD(environment.allow)},
    {"imports.deny", POLICY_FIELD(imports.deny)},
};
#define LIST_FIELD_COUNT (sizeof(LIST_FIELDS) / sizeof(LIST_FIELDS[0]))

static struct strlist *list_at(struct hermetic_policy *p, size_t offset)
{
    return (struct strlist *)(void *)((char *)p + offset);
}

static struct netrule rule_of(const char *text)
{
    struct netrule rule;
    struct hermetic_error err;

    ck_assert_msg(netrule_parse(text, &rule, &err) == 0, "rule %s: %s", text, err.message);
    return rule;
}

static void merge_ok(struct hermetic_policy *into, const struct hermetic_policy *from)
{
    struct hermetic_error err = {0};

    ck_assert_msg(policy_merge(into, from, "from.yaml", &err) == 0, "merge should succeed: %s", err.message);
}

static void expect_merge_error(struct hermetic_policy *into, const struct hermetic_policy *from,
                               const char *expected)
{
    struct hermetic_error err = {0};

    ck_assert_msg(policy_merge(into, from, "from.yaml", &err) == -1, "merge should fail with: %s", expected);
    ck_assert_int_eq(err.status, HERMETIC_EXIT_USAGE);
    ck_assert_str_eq(err.message, expected);
}

/* Require that two policies are equal field by field; `what` names the
 * comparison in messages. */
static void expect_policy_equal(const struct hermetic_policy *a, const struct hermetic_policy *b, const char *what)
{
    struct hermetic_policy *pa = (struct hermetic_policy *)a, *pb = (struct hermetic_policy *)b;

    for (size_t i = 0; i < BOOL_FIELD_COUNT; i++)
        ck_assert_msg(*bool_at(pa, BOOL_FIELDS[i].offset) == *bool_at(pb, BOOL_FIELDS[i].offset), "%s: %s differs",
                      what, BOOL_FIELDS[i].name);
    for (size_t i = 0; i < LIST_FIELD_COUNT; i++) {
        const struct strlist *la = list_at(pa, LIST_FIELDS[i].offset), *lb = list_at(pb, LIST_FIELDS[i].offset);

        ck_assert_msg(la->len == lb->len, "%s: %s has %zu and %zu entries", what, LIST_FIELDS[i].name, la->len,
                      lb->len);
        for (size_t k = 0; k < la->len; k++)
            ck_assert_msg(strcmp(la->items[k], lb->items[k]) == 0, "%s: %s[%zu] is \"%s\" and \"%s\"", what,
                          LIST_FIELDS[i].name, k, la->items[k], lb->items[k]);
    }
    ck_assert_msg(a->network.allow.len == b->network.allow.len, "%s: network.allow has %zu and %zu rules", what,
                  a->network.allow.len, b->network.allow.len);
    for (size_t k = 0; k < a->network.allow.len; k++) {
        char ta[NETNAME_MAX + NETADDR_TEXT_MAX], tb[NETNAME_MAX + NETADDR_TEXT_MAX];

        netrule_format(&a->network.allow.items[k], ta, sizeof(ta));
        netrule_format(&b->network.allow.items[k], tb, sizeof(tb));
        ck_assert_msg(memcmp(&a->network.allow.items[k], &b->network.allow.items[k], sizeof(struct netrule)) == 0,
                      "%s: network.allow[%zu] is %s and %s", what, k, ta, tb);
    }
    ck_assert_msg((a->filesystem.root == NULL) == (b->filesystem.root == NULL), "%s: only one root is set", what);
    if (a->filesystem.root != NULL)
        ck_assert_msg(strcmp(a->filesystem.root, b->filesystem.root) == 0, "%s: root is \"%s\" and \"%s\"", what,
                      a->filesystem.root, b->filesystem.root);
    ck_assert_msg((a->log_json == NULL) == (b->log_json == NULL), "%s: only one log_json is set", what);
    if (a->log_json != NULL)
        ck_assert_msg(strcmp(a->log_json, b->log_json) == 0, "%s: log_json is \"%s\" and \"%s\"", what, a->log_json,
                      b->log_json);
    ck_assert_msg(a->kernel == b->kernel, "%s: kernel is %d and %d", what, a->kernel, b->kernel);
    ck_assert_msg(a->on_violation == b->on_violation, "%s: on_violation is %d and %d", what, a->on_violation,
                  b->on_violation);
    ck_assert_msg(a->trace == b->trace, "%s: trace is %d and %d", what, a->trace, b->trace);
}

/* ----- policy_merge ----- */

START_TEST(test_merge_booleans_or)
{
    for (size_t i = 0; i < BOOL_FIELD_COUNT; i++) {
        static const bool pairs[4][2] = {{false, false}, {false, true}, {true, false}, {true, true}};

        for (size_t k = 0; k < 4; k++) {
            struct hermetic_policy into, from;

            policy_init(&into);
            policy_init(&from);
            *bool_at(&into, BOOL_FIELDS[i].offset) = pairs[k][0];
            *bool_at(&from, BOOL_FIELDS[i].offset) = pairs[k][1];
            merge_ok(&into, &from);
            ck_assert_msg(*bool_at(&into, BOOL_FIELDS[i].offset) == (pairs[k][0] || pairs[k][1]),
                          "%s: %d merged with %d should be %d", BOOL_FIELDS[i].name, pairs[k][0], pairs[k][1],
                          pairs[k][0] || pairs[k][1]);
            for (size_t other = 0; other < BOOL_FIELD_COUNT; other++)
                if (other != i)
                    ck_assert_msg(!*bool_at(&into, BOOL_FIELDS[other].offset), "merging %s set %s",
                                  BOOL_FIELDS[i].name, BOOL_FIELDS[other].name);
            policy_free(&into);
            policy_free(&from);
        }
    }
}
END_TEST

START_TEST(test_merge_lists_union)
{
    for (size_t i = 0; i < LIST_FIELD_COUNT; i++) {
        struct hermetic_policy into, from;
        struct strlist *result;
        static const char *const expected[] = {"a", "b", "c", "d"};

        policy_init(&into);
        policy_init(&from);
        strlist_add(list_at(&into, LIST_FIELDS[i].offset), "a");
        strlist_add(list_at(&into, LIST_FIELDS[i].offset), "b");
        strlist_add(list_at(&from, LIST_FIELDS[i].offset), "b");
        strlist_add(list_at(&from, LIST_FIELDS[i].offset), "c");
        strlist_add(list_at(&from, LIST_FIELDS[i].offset), "a");
        strlist_add(list_at(&from, LIST_FIELDS[i].offset), "d");
        merge_ok(&into, &from);
        result = list_at(&into, LIST_FIELDS[i].offset);
        ck_assert_msg(result->len == 4, "%s: [a, b] merged with [b, c, a, d] has %zu entries, expected 4",
                      LIST_FIELDS[i].name, result->len);
        for (size_t k = 0; k < 4; k++)
            ck_assert_msg(strcmp(result->items[k], expected[k]) == 0, "%s[%zu] is %s, expected %s",
                          LIST_FIELDS[i].name, k, result->items[k], expected[k]);
        ck_assert_msg(list_at(&from, LIST_FIELDS[i].offset)->len == 4, "%s: merging changed the source",
                      LIST_FIELDS[i].name);
        policy_free(&into);
        policy_free(&from);
    }
}
END_TEST

START_TEST(test_merge_network_rules_union)
{
    struct hermetic_policy into, from;
    struct netrule example = rule_of("example.com"), example_port = rule_of("example.com:443");
    struct netrule net = rule_of("10.0.0.0/8"), v6 = rule_of("2001:db8::/32");
    struct netrule example_upper = rule_of("EXAMPLE.COM.");

    policy_init(&into);
    policy_init(&from);
    netrule_list_add(&into.network.allow, &example);
    netrule_list_add(&into.network.allow, &net);
    netrule_list_add(&from.network.allow, &example_upper);
    netrule_list_add(&from.network.allow, &example_port);
    netrule_list_add(&from.network.allow, &v6);
    netrule_list_add(&from.network.allow, &net);
    merge_ok(&into, &from);
    ck_assert_msg(into.network.allow.len == 4, "expected example.com, 10.0.0.0/8, example.com:443 and the v6 "
                  "block; got %zu rules", into.network.allow.len);
    ck_assert_msg(memcmp(&into.network.allow.items[0], &example, sizeof(example)) == 0, "rule 0 is example.com");
    ck_assert_msg(memcmp(&into.network.allow.items[1], &net, sizeof(net)) == 0, "rule 1 is 10.0.0.0/8");
    ck_assert_msg(memcmp(&into.network.allow.items[2], &example_port, sizeof(net)) == 0, "rule 2 is example.com:443");
    ck_assert_msg(memcmp(&into.network.allow.items[3], &v6, sizeof(v6)) == 0, "rule 3 is 2001:db8::/32");
    policy_free(&into);
    policy_free(&from);
}
END_TEST

START_TEST(test_merge_stricter_modes)
{
    for (int a = KERNEL_OFF; a <= KERNEL_REQUIRED; a++)
        for (int b = KERNEL_OFF; b <= KERNEL_REQUIRED; b++) {
            struct hermetic_policy into, from;

            policy_init(&into);
            policy_init(&from);
            into.kernel = (enum kernel_mode)a;
            from.kernel = (enum kernel_mode)b;
            into.trace = (enum trace_level)a;
            from.trace = (enum trace_level)b;
            merge_ok(&into, &from);
            ck_assert_msg((int)into.kernel == (a > b ? a : b), "kernel %d merged with %d is %d", a, b, into.kernel);
            ck_assert_msg((int)into.trace == (a > b ? a : b), "trace %d merged with %d is %d", a, b, into.trace);
        }
    for (int a = ON_VIOLATION_RAISE; a <= ON_VIOLATION_EXIT; a++)
        for (int b = ON_VIOLATION_RAISE; b <= ON_VIOLATION_EXIT; b++) {
            struct hermetic_policy into, from;

            policy_init(&into);
            policy_init(&from);
            into.on_violation = (enum on_violation)a;
            from.on_violation = (enum on_violation)b;
            merge_ok(&into, &from);
            ck_assert_msg((int)into.on_violation == (a > b ? a : b), "on_violation %d merged with %d is %d", a, b,
                          into.on_violation);
        }
}
END_TEST

/* Merge a policy whose read root is `first` with one whose root is
 * `second`. Returns the merged root (allocated), or NULL on a conflict,
 * and copies the error message to `message`. */
static char *merged_root(const char *first, const char *second, char *message, size_t size)
{
    struct hermetic_policy into, from;
    struct hermetic_error err = {0};
    char *root = NULL;

    policy_init(&into);
    policy_init(&from);
    into.filesystem.root = first ? xstrdup(first) : NULL;
    from.filesystem.root = second ? xstrdup(second) : NULL;
    if (policy_merge(&into, &from, "second.yaml", &err) == 0)
        root = into.filesystem.root ? xstrdup(into.filesystem.root) : xstrdup("(none)");
    else
        ck_assert_int_eq(err.status, HERMETIC_EXIT_USAGE);
    snprintf(message, size, "%s", err.message);
    policy_free(&into);
    policy_free(&from);
    return root;
}

START_TEST(test_merge_read_roots)
{
    static const struct {
        const char *first, *second, *expected;
    } cases[] = {
        {NULL, NULL, "(none)"},
        {NULL, "/srv", "/srv"},
        {"/srv", NULL, "/srv"},
        {"/srv", "/srv", "/srv"},
        {"/srv", "/srv/app", "/srv/app"},
        {"/srv/app", "/srv", "/srv/app"},
        {"/", "/srv", "/srv"},
        {"/srv", "/", "/srv"},
        {"/srv/app", "/srv/app/data/x", "/srv/app/data/x"},
        /* A root with glob characters that its own text does not match
         * (found by fuzz/fuzz_profile.c). */
        {"/srv/[ab]", "/srv/[ab]", "/srv/[ab]"},
        {"/srv/a?c [x, y]", "/srv/a?c [x, y]", "/srv/a?c [x, y]"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char message[1024];
        char *root = merged_root(cases[i].first, cases[i].second, message, sizeof(message));

        ck_assert_msg(root != NULL, "roots %s and %s should merge: %s", cases[i].first, cases[i].second, message);
        ck_assert_msg(strcmp(root, cases[i].expected) == 0, "roots %s and %s merge to %s, expected %s",
                      cases[i].first, cases[i].second, root, cases[i].expected);
        free(root);
    }
}
END_TEST

START_TEST(test_merge_disjoint_roots)
{
    static const struct {
        const char *first, *second;
    } cases[] = {
        {"/srv/app", "/home/user"},
        {"/a/b", "/a/bc"},
        {"/a/bc", "/a/b"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char message[1024], expected[1024];
        char *root = merged_root(cases[i].first, cases[i].second, message, sizeof(message));

        ck_assert_msg(root == NULL, "roots %s and %s do not nest, but merged to %s", cases[i].first,
                      cases[i].second, root);
        snprintf(expected, sizeof(expected),
                 "conflicting read roots: %s (from second.yaml) and %s do not nest; give one root", cases[i].second,
                 cases[i].first);
        ck_assert_str_eq(message, expected);
    }
}
END_TEST

START_TEST(test_merge_log_json)
{
    struct hermetic_policy into, from;

    policy_init(&into);
    policy_init(&from);
    from.log_json = xstrdup("/var/log/a.jsonl");
    merge_ok(&into, &from);
    ck_assert_str_eq(into.log_json, "/var/log/a.jsonl");
    merge_ok(&into, &from);
    ck_assert_str_eq(into.log_json, "/var/log/a.jsonl");
    free(from.log_json);
    from.log_json = NULL;
    merge_ok(&into, &from);
    ck_assert_str_eq(into.log_json, "/var/log/a.jsonl");
    from.log_json = xstrdup("/var/log/b.jsonl");
    expect_merge_error(&into, &from,
                       "conflicting --log-json files: /var/log/b.jsonl (from from.yaml) and /var/log/a.jsonl; give "
                       "one file");
    policy_free(&into);
    policy_free(&from);
}
END_TEST

START_TEST(test_copy_equals_source)
{
    struct hermetic_policy from, copy;
    struct netrule rule = rule_of("example.com:443");

    policy_init(&from);
    policy_init(&copy);
    from.network.block = true;
    netrule_list_add(&from.network.allow, &rule);
    strlist_add(&from.filesystem.allow_write, "/srv/out");
    from.filesystem.root = xstrdup("/srv");
    from.log_json = xstrdup("/srv/audit.jsonl");
    from.kernel = KERNEL_AUTO;
    from.trace = TRACE_ALL;
    from.on_violation = ON_VIOLATION_EXIT;
    copy.seal = true;   /* overwritten, not merged */
    policy_copy(&copy, &from);
    expect_policy_equal(&copy, &from, "policy_copy");
    policy_free(&from);
    policy_free(&copy);
}
END_TEST

/* ----- policy_guards, guard_name ----- */

START_TEST(test_guards_and_names)
{
    struct hermetic_policy p;
    static const struct {
        enum guard guard;
        const char *name;
    } names[] = {
        {GUARD_NETWORK, "network"},         {GUARD_SUBPROCESS, "subprocess"}, {GUARD_FILESYSTEM, "filesystem"},
        {GUARD_NATIVE, "native"},           {GUARD_ENVIRONMENT, "environment"}, {GUARD_CODE_EXEC, "code_exec"},
        {GUARD_IMPORTS, "imports"},         {GUARD_INTERPRETER, "interpreter"}, {GUARD_SEAL, "seal"},
        {GUARD_KERNEL, "kernel"},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_assert_str_eq(guard_name(names[i].guard), names[i].name);
    ck_assert_str_eq(guard_name((enum guard)(1u << 12)), "unknown");

    policy_init(&p);
    ck_assert_msg(policy_guards(&p) == 0, "an empty policy needs no guard");
    p.network.allow_localhost = true;
    strlist_add(&p.native.allow, "numpy");
    ck_assert_msg(policy_guards(&p) == 0, "allowances alone need no guard");
    p.filesystem.root = xstrdup("/srv");
    ck_assert_msg(policy_guards(&p) == GUARD_FILESYSTEM, "a read root alone needs the filesystem guard");
    strlist_add(&p.imports.deny, "pickle");
    p.kernel = KERNEL_AUTO;
    ck_assert_msg(policy_guards(&p) == (GUARD_FILESYSTEM | GUARD_IMPORTS | GUARD_KERNEL),
                  "deny-import and kernel auto add their guards");
    policy_free(&p);
}
END_TEST

/* ----- policy_validate ----- */

struct orphan_case {
    const char *allowance;   /* the option named in the message */
    const char *guard;       /* its guard option */
    void (*set_allowance)(struct hermetic_policy *p);
    void (*set_guard)(struct hermetic_policy *p);
};

static void set_allow_localhost(struct hermetic_policy *p) { p->network.allow_localhost = true; }
static void set_allow_unix(struct hermetic_policy *p) { p->network.allow_unix_sockets = true; }
static void set_allow_domain(struct hermetic_policy *p)
{
    struct netrule rule = rule_of("example.com");

    netrule_list_add(&p->network.allow, &rule);
}
static void set_no_network(struct hermetic_policy *p) { p->network.block = true; }
static void set_allow_exec(struct hermetic_policy *p) { strlist_add(&p->subprocess.allow_exec, "/usr/bin/git"); }
static void set_no_subprocess(struct hermetic_policy *p) { p->subprocess.block = true; }
static void set_allow_write(struct hermetic_policy *p) { strlist_add(&p->filesystem.allow_write, "/srv/out"); }
static void set_readonly(struct hermetic_policy *p) { p->filesystem.readonly = true; }
static void set_allow_read(struct hermetic_policy *p) { strlist_add(&p->filesystem.allow_read, "/srv/in"); }
static void set_root(struct hermetic_policy *p)
{
    p->filesystem.readonly = true;
    p->filesystem.root = xstrdup("/srv");
}
static void set_allow_native(struct hermetic_policy *p) { strlist_add(&p->native.allow, "numpy"); }
static void set_block_native(struct hermetic_policy *p) { p->native.block = true; }
static void set_allow_env(struct hermetic_policy *p) { strlist_add(&p->environment.allow, "CI"); }
static void set_scrub(struct hermetic_policy *p) { p->environment.scrub = true; }

static const struct orphan_case ORPHANS[] = {
    {"--allow-localhost (network.allow_localhost)", "--no-network", set_allow_localhost, set_no_network},
    {"--allow-unix-socket (network.allow_unix_sockets)", "--no-network", set_allow_unix, set_no_network},
    {"--allow-domain (network.allow)", "--no-network", set_allow_domain, set_no_network},
    {"--allow-exec (subprocess.allow_exec)", "--no-subprocess", set_allow_exec, set_no_subprocess},
    {"--allow-write (filesystem.allow_write)", "--fs-readonly", set_allow_write, set_readonly},
    {"--allow-read (filesystem.allow_read)", "--fs-readonly=ROOT", set_allow_read, set_root},
    {"--allow-native (native.allow)", "--block-native", set_allow_native, set_block_native},
    {"--allow-env (environment.allow)", "--no-environment", set_allow_env, set_scrub},
};

START_TEST(test_validate_allowance_without_guard)
{
    for (size_t i = 0; i < sizeof(ORPHANS) / sizeof(ORPHANS[0]); i++) {
        struct hermetic_policy p;
        struct hermetic_error err = {0};
        char expected[512];

        policy_init(&p);
        ORPHANS[i].set_allowance(&p);
        ck_assert_msg(policy_validate(&p, &err) == -1, "%s without %s should be rejected", ORPHANS[i].allowance,
                      ORPHANS[i].guard);
        ck_assert_msg(err.status == HERMETIC_EXIT_USAGE, "%s: status %d, expected 64", ORPHANS[i].allowance,
                      err.status);
        snprintf(expected, sizeof(expected), "%s has no effect without %s: add %s, or drop the allowance",
                 ORPHANS[i].allowance, ORPHANS[i].guard, ORPHANS[i].guard);
        ck_assert_str_eq(err.message, expected);

        /* With its guard the allowance is no longer the problem; the
         * guard itself may still be missing from this build (status 70). */
        ORPHANS[i].set_guard(&p);
        memset(&err, 0, sizeof(err));
        if (policy_validate(&p, &err) != 0)
            ck_assert_msg(err.status == HERMETIC_EXIT_INTERNAL, "%s with %s: status %d (%s), expected 0 or 70",
                          ORPHANS[i].allowance, ORPHANS[i].guard, err.status, err.message);
        policy_free(&p);
    }
}
END_TEST

START_TEST(test_validate_read_root_needed)
{
    struct hermetic_policy p;
    struct hermetic_error err = {0};

    /* --fs-readonly without a root does not make --allow-read useful. */
    policy_init(&p);
    p.filesystem.readonly = true;
    strlist_add(&p.filesystem.allow_read, "/srv/in");
    ck_assert_int_eq(policy_validate(&p, &err), -1);
    ck_assert_str_eq(err.message, "--allow-read (filesystem.allow_read) has no effect without --fs-readonly=ROOT: add "
                                  "--fs-readonly=ROOT, or drop the allowance");
    policy_free(&p);
}
END_TEST

START_TEST(test_validate_essential_import)
{
    struct hermetic_policy p;
    struct hermetic_error err = {0};

    /* Options reach this check only after cli_parse, which accepts any
     * module name (found by fuzz/fuzz_cli.c, a harness that skipped it). */
    policy_init(&p);
    strlist_add(&p.imports.deny, "json");
    strlist_add(&p.imports.deny, "stat");
    ck_assert_int_eq(policy_validate(&p, &err), -1);
    ck_assert_int_eq(err.status, HERMETIC_EXIT_USAGE);
    ck_assert_str_eq(err.message, "--deny-import stat: the interpreter needs stat to run; it cannot be denied");
    policy_free(&p);
}
END_TEST

START_TEST(test_validate_network_policy)
{
    struct hermetic_policy p;
    struct hermetic_error err = {0};
    struct netrule rule = rule_of("pypi.internal.example");

    policy_init(&p);
    ck_assert_msg(policy_validate(&p, &err) == 0, "an empty policy is valid: %s", err.message);
    p.network.block = true;
    p.network.allow_localhost = true;
    p.network.allow_unix_sockets = true;
    netrule_list_add(&p.network.allow, &rule);
    p.trace = TRACE_ALL;
    p.on_violation = ON_VIOLATION_EXIT;
    p.log_json = xstrdup("/tmp/audit.jsonl");
    ck_assert_msg(policy_validate(&p, &err) == 0, "a network policy is valid in this build: %s", err.message);
    policy_free(&p);
}
END_TEST

struct missing_guard_case {
    const char *guard;
    const char *option;
    unsigned int bit;
    void (*set)(struct hermetic_policy *p);
};

static void set_deny_import(struct hermetic_policy *p) { strlist_add(&p->imports.deny, "pickle"); }
static void set_code_exec(struct hermetic_policy *p) { p->code_exec.block = true; }
static void set_mutation(struct hermetic_policy *p) { p->interpreter.block_mutation = true; }
static void set_seal(struct hermetic_policy *p) { p->seal = true; }
static void set_kernel_required(struct hermetic_policy *p) { p->kernel = KERNEL_REQUIRED; }
static void set_root_only(struct hermetic_policy *p) { p->filesystem.root = xstrdup("/srv"); }

static const struct missing_guard_case MISSING_GUARDS[] = {
    {"subprocess", "--no-subprocess", GUARD_SUBPROCESS, set_no_subprocess},
    {"filesystem", "--fs-readonly", GUARD_FILESYSTEM, set_readonly},
    {"filesystem", "--fs-readonly", GUARD_FILESYSTEM, set_root_only},
    {"native", "--block-native", GUARD_NATIVE, set_block_native},
    {"environment", "--no-environment", GUARD_ENVIRONMENT, set_scrub},
    {"code_exec", "--no-code-exec", GUARD_CODE_EXEC, set_code_exec},
    {"imports", "--deny-import", GUARD_IMPORTS, set_deny_import},
    {"interpreter", "--no-interpreter-mutation", GUARD_INTERPRETER, set_mutation},
    {"seal", "--seal", GUARD_SEAL, set_seal},
    {"kernel", "--kernel", GUARD_KERNEL, set_kernel_required},
};

/* Each guard is either built (the policy validates) or refused with status
 * 70 and a message naming it, as GUARDS_IMPLEMENTED says. */
START_TEST(test_validate_missing_guards)
{
    for (size_t i = 0; i < sizeof(MISSING_GUARDS) / sizeof(MISSING_GUARDS[0]); i++) {
        struct hermetic_policy p;
        struct hermetic_error err = {0};
        char expected[512];

        policy_init(&p);
        p.network.block = true;
        MISSING_GUARDS[i].set(&p);
        if (GUARDS_IMPLEMENTED & MISSING_GUARDS[i].bit) {
            ck_assert_msg(policy_validate(&p, &err) == 0, "case %zu: the %s guard is built, so %s should pass: %s",
                          i, MISSING_GUARDS[i].guard, MISSING_GUARDS[i].option, err.message);
            policy_free(&p);
            continue;
        }
        ck_assert_msg(policy_validate(&p, &err) == -1, "case %zu: the %s guard is not built, so %s should fail", i,
                      MISSING_GUARDS[i].guard, MISSING_GUARDS[i].option);
        ck_assert_msg(err.status == HERMETIC_EXIT_INTERNAL, "case %zu (%s): status %d, expected 70", i,
                      MISSING_GUARDS[i].option, err.status);
        snprintf(expected, sizeof(expected),
                 "the %s guard (%s, or %s: in a profile) is not implemented yet in hermetic %s; hermetic never runs "
                 "a program with less policy than it was given",
                 MISSING_GUARDS[i].guard, MISSING_GUARDS[i].option, MISSING_GUARDS[i].guard, HERMETIC_VERSION);
        ck_assert_str_eq(err.message, expected);
        policy_free(&p);
    }
}
END_TEST

START_TEST(test_validate_order)
{
    struct hermetic_policy p;
    struct hermetic_error err = {0};

    /* An allowance without its guard (status 64) is reported before a
     * guard missing from this build (status 70). */
    policy_init(&p);
    p.kernel = KERNEL_REQUIRED;
    p.network.allow_localhost = true;
    ck_assert_int_eq(policy_validate(&p, &err), -1);
    ck_assert_int_eq(err.status, HERMETIC_EXIT_USAGE);
    policy_free(&p);

    /* kernel: auto passes whatever this build has: it applies what exists. */
    policy_init(&p);
    p.kernel = KERNEL_AUTO;
    ck_assert_msg(policy_validate(&p, &err) == 0, "kernel auto should pass: %s", err.message);
    policy_free(&p);
}
END_TEST

/* ----- name checks ----- */

START_TEST(test_valid_module_names)
{
    static const char *const valid[] = {"numpy", "xml.etree", "_private", "a1", "a.b_c.d2", "A", "lxml.etree.ElementTree"};
    static const char *const invalid[] = {"", ".", "a.", ".a", "a..b", "1a", "a.1b", "a-b", "a b", "a/b",
                                          "caf\xc3\xa9", "a.b.", "*"};

    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        ck_assert_msg(policy_valid_module_name(valid[i]), "\"%s\" is a valid module name", valid[i]);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        ck_assert_msg(!policy_valid_module_name(invalid[i]), "\"%s\" is not a valid module name", invalid[i]);
}
END_TEST

START_TEST(test_valid_env_patterns)
{
    static const char *const valid[] = {"CI", "GITHUB_*", "LC_*", "[A-Z]*", "X?", "[!A]*", "lower", "A1", "_"};
    static const char *const invalid[] = {"", "A=B", "A B", "A/B", "$A", "A.B", "A\n"};

    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        ck_assert_msg(policy_valid_env_pattern(valid[i]), "\"%s\" is a valid pattern", valid[i]);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        ck_assert_msg(!policy_valid_env_pattern(invalid[i]), "\"%s\" is not a valid pattern", invalid[i]);
}
END_TEST

/* ----- policy_format_yaml round trip ----- */

/* Format `p`, parse the text back and require an equal policy. */
static void expect_round_trip(const struct hermetic_policy *p, const char *what)
{
    char *text = policy_format_yaml(p, "# Effective policy, for a test.\n");
    struct profile_doc doc;
    struct hermetic_error err = {0};

    ck_assert_msg(profile_parse(text, strlen(text), "show-policy.yaml", &doc, &err) == 0,
                  "%s: the formatted policy does not parse: %s\n%.400s", what, err.message, text);
    ck_assert_msg(doc.extends.len == 0, "%s: the formatted policy extends nothing", what);
    expect_policy_equal(&doc.policy, p, what);
    profile_doc_free(&doc);
    free(text);
}

START_TEST(test_format_default_policy)
{
    struct hermetic_policy p;
    char *text;

    policy_init(&p);
    text = policy_format_yaml(&p, NULL);
    ck_assert_str_eq(text,
                     "version: 1\n"
                     "network:\n  block: false\n  allow_localhost: false\n  allow_unix_sockets: false\n  allow: []\n"
                     "subprocess:\n  block: false\n  allow_exec: []\n"
                     "filesystem:\n  readonly: false\n  root: null\n  allow_read: []\n  allow_write: []\n"
                     "native:\n  block: false\n  allow: []\n"
                     "environment:\n  scrub: false\n  allow: []\n"
                     "code_exec:\n  block: false\n"
                     "imports:\n  deny: []\n"
                     "interpreter:\n  block_mutation: false\n"
                     "seal: false\nkernel: off\non_violation: raise\ntrace: false\nlog_json: null\n");
    free(text);
    expect_round_trip(&p, "default policy");
    policy_free(&p);
}
END_TEST

START_TEST(test_format_header_comment)
{
    struct hermetic_policy p;
    char *text;
    const char *header = "# Effective policy of: hermetic --no-network\n# Guards built: network\n";

    policy_init(&p);
    text = policy_format_yaml(&p, header);
    ck_assert_msg(strncmp(text, header, strlen(header)) == 0, "the header comes first; got:\n%s", text);
    ck_assert_msg(strncmp(text + strlen(header), "version: 1\n", 11) == 0, "version: 1 follows the header; got:\n%s",
                  text);
    free(text);
    policy_free(&p);
}
END_TEST

START_TEST(test_format_round_trip_modes)
{
    for (int kernel = KERNEL_OFF; kernel <= KERNEL_REQUIRED; kernel++)
        for (int trace = TRACE_OFF; trace <= TRACE_ALL; trace++)
            for (int on_violation = ON_VIOLATION_RAISE; on_violation <= ON_VIOLATION_EXIT; on_violation++) {
                struct hermetic_policy p;
                char what[96];

                policy_init(&p);
                p.kernel = (enum kernel_mode)kernel;
                p.trace = (enum trace_level)trace;
                p.on_violation = (enum on_violation)on_violation;
                snprintf(what, sizeof(what), "kernel %d, trace %d, on_violation %d", kernel, trace, on_violation);
                expect_round_trip(&p, what);
                policy_free(&p);
            }
}
END_TEST

START_TEST(test_format_round_trip_booleans)
{
    for (size_t i = 0; i < BOOL_FIELD_COUNT; i++) {
        struct hermetic_policy p;

        policy_init(&p);
        *bool_at(&p, BOOL_FIELDS[i].offset) = true;
        expect_round_trip(&p, BOOL_FIELDS[i].name);
        policy_free(&p);
    }
}
END_TEST

START_TEST(test_format_round_trip_rules)
{
    static const char *const rules[] = {"example.com", "*.example.org", "api.example:443", "192.0.2.1",
                                        "192.0.2.1:8080", "10.0.0.0/8", "10.0.0.0/8:443", "2001:db8::1",
                                        "[2001:db8::1]:443", "2001:db8::/32", "[2001:db8::/32]:443", "0.0.0.0/0",
                                        "::/0", "::ffff:10.0.0.0/104", "xn--caf-dma.example"};
    struct hermetic_policy p;

    policy_init(&p);
    p.network.block = true;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        struct netrule rule = rule_of(rules[i]);

        netrule_list_add(&p.network.allow, &rule);
    }
    expect_round_trip(&p, "network rules");
    policy_free(&p);
}
END_TEST

/* Directory names that YAML, the profile reader or path expansion could
 * misread if the formatter did not quote and escape them. */
static const char *const ODD_NAMES[] = {
    "with space", "quote\"d", "back\\slash", "colon: x", "#hash", "null", "true", "~tilde", "-dash",
    "[bracket]", "{brace}", "comma,", "new\nline", "tab\there", "dollar$HOME", "$$", "${X:-y}", "caf\xc3\xa9",
    "*star", "&anchor", "!tag", "%percent", "@at", "'single'", "|pipe", ">fold", "del\x7f", "esc\x1b[0m",
    "cr\rlf", "\xe2\x80\xa8separator", "- item", "? key", "...", "---",
    /* Characters that libyaml reads as a line break (NEL) or refuses in
     * its input (C1 controls, BOM, noncharacters), so the formatter must
     * escape them (found by fuzz/fuzz_profile.c). */
    "nel\xc2\x85line", "c1\xc2\x80" "control", "bom\xef\xbb\xbf" "mark", "non\xef\xbf\xbf" "char",
    "ps\xe2\x80\xa9x",
};

START_TEST(test_format_round_trip_odd_paths)
{
    char *dir = scratch_dir();
    struct hermetic_policy p;
    size_t count = sizeof(ODD_NAMES) / sizeof(ODD_NAMES[0]);

    policy_init(&p);
    p.subprocess.block = true;
    p.filesystem.readonly = true;
    for (size_t i = 0; i < count; i++) {
        char *path = scratch_subdir(dir, ODD_NAMES[i]);
        char *missing = xasprintf("%s/%s", path, ODD_NAMES[(i + 1) % count]);
        char *program = scratch_file(path, "tool", "#!/bin/sh\n", 0755);

        strlist_add(&p.filesystem.allow_read, path);
        strlist_add(&p.filesystem.allow_write, missing);
        strlist_add(&p.subprocess.allow_exec, program);
        free(path), free(missing), free(program);
    }
    p.filesystem.root = xasprintf("%s/%s", dir, "dollar$HOME");
    p.log_json = xasprintf("%s/%s/audit \"$1\".jsonl", dir, "new\nline");
    expect_round_trip(&p, "odd paths");
    policy_free(&p);
    free(dir);
}
END_TEST

START_TEST(test_format_round_trip_everything)
{
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *in = scratch_subdir(root, "in");
    struct hermetic_policy p;
    struct netrule rule = rule_of("pypi.internal.example");

    policy_init(&p);
    for (size_t i = 0; i < BOOL_FIELD_COUNT; i++)
        *bool_at(&p, BOOL_FIELDS[i].offset) = true;
    netrule_list_add(&p.network.allow, &rule);
    strlist_add(&p.subprocess.allow_exec, "/bin/sh");
    free(p.subprocess.allow_exec.items[0]);
    p.subprocess.allow_exec.items[0] = scratch_realpath("/bin/sh");
    p.filesystem.root = xstrdup(root);
    strlist_add(&p.filesystem.allow_read, in);
    strlist_add(&p.filesystem.allow_write, dir);
    strlist_add(&p.native.allow, "numpy");
    strlist_add(&p.native.allow, "lxml.etree");
    strlist_add(&p.environment.allow, "CI");
    strlist_add(&p.environment.allow, "[!A]*");
    strlist_add(&p.imports.deny, "pickle");
    p.kernel = KERNEL_REQUIRED;
    p.on_violation = ON_VIOLATION_EXIT;
    p.trace = TRACE_ALL;
    p.log_json = xasprintf("%s/audit.jsonl", dir);
    expect_round_trip(&p, "every field set");
    policy_free(&p);
    free(dir), free(root), free(in);
}
END_TEST

Suite *suite_policy(void)
{
    Suite *suite = suite_create("policy");
    TCase *merge = tcase_create("merge");
    TCase *validate = tcase_create("validate");
    TCase *format = tcase_create("format");

    tcase_add_test(merge, test_merge_booleans_or);
    tcase_add_test(merge, test_merge_lists_union);
    tcase_add_test(merge, test_merge_network_rules_union);
    tcase_add_test(merge, test_merge_stricter_modes);
    tcase_add_test(merge, test_merge_read_roots);
    tcase_add_test(merge, test_merge_disjoint_roots);
    tcase_add_test(merge, test_merge_log_json);
    tcase_add_test(merge, test_copy_equals_source);
    suite_add_tcase(suite, merge);

    tcase_add_test(validate, test_guards_and_names);
    tcase_add_test(validate, test_validate_allowance_without_guard);
    tcase_add_test(validate, test_validate_read_root_needed);
    tcase_add_test(validate, test_validate_essential_import);
    tcase_add_test(validate, test_validate_network_policy);
    tcase_add_test(validate, test_validate_missing_guards);
    tcase_add_test(validate, test_validate_order);
    tcase_add_test(validate, test_valid_module_names);
    tcase_add_test(validate, test_valid_env_patterns);
    suite_add_tcase(suite, validate);

    scratch_add_fixture(format);
    tcase_add_test(format, test_format_default_policy);
    tcase_add_test(format, test_format_header_comment);
    tcase_add_test(format, test_format_round_trip_modes);
    tcase_add_test(format, test_format_round_trip_booleans);
    tcase_add_test(format, test_format_round_trip_rules);
    tcase_add_test(format, test_format_round_trip_odd_paths);
    tcase_add_test(format, test_format_round_trip_everything);
    suite_add_tcase(suite, format);
    return suite;
}
