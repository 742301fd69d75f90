/* policy_restrict, the merge of the Python API's blocks and of a child's
 * own options under its parent's policy: a guard on in either policy
 * stays on, allowances intersect where both block, and come from the
 * blocking side where one does. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "policy.h"
#include "unit.h"

#define POLICY_FIELD(member) offsetof(struct hermetic_policy, member)

struct bool_field {
    const char *name;
    size_t offset;
};

/* Guards that a boolean turns on. */
static const struct bool_field GUARD_FIELDS[] = {
    {"network.block", POLICY_FIELD(network.block)},
    {"subprocess.block", POLICY_FIELD(subprocess.block)},
    {"filesystem.readonly", POLICY_FIELD(filesystem.readonly)},
    {"native.block", POLICY_FIELD(native.block)},
    {"environment.scrub", POLICY_FIELD(environment.scrub)},
    {"code_exec.block", POLICY_FIELD(code_exec.block)},
    {"interpreter.block_mutation", POLICY_FIELD(interpreter.block_mutation)},
    {"seal", POLICY_FIELD(seal)},
};
#define GUARD_FIELD_COUNT (sizeof(GUARD_FIELDS) / sizeof(GUARD_FIELDS[0]))

static bool *bool_at(struct hermetic_policy *p, size_t offset)
{
    return (bool *)(void *)((char *)p + offset);
}

/* A NULL-terminated list of strings. */
typedef const char *const names_t[];

static void add_all(struct strlist *list, const char *const *items)
{
    for (size_t i = 0; items[i] != NULL; i++)
        strlist_add(list, items[i]);
}

static void add_rules(struct netrule_list *list, const char *const *texts)
{
    for (size_t i = 0; texts[i] != NULL; i++) {
        struct netrule rule;
        struct hermetic_error err = {0};

        ck_assert_msg(netrule_parse(texts[i], &rule, &err) == 0, "rule %s: %s", texts[i], err.message);
        netrule_list_add(list, &rule);
    }
}

static void restrict_ok(struct hermetic_policy *into, const struct hermetic_policy *layer)
{
    struct hermetic_error err = {0};

    ck_assert_msg(policy_restrict(into, layer, &err) == 0, "policy_restrict should succeed: %s", err.message);
}

/* Render a list as "[a, b]" for messages. */
static char *list_text(const char *const *items, size_t count)
{
    size_t size = 3;
    char *text;

    for (size_t i = 0; i < count; i++)
        size += strlen(items[i]) + 2;
    text = xmalloc(size);
    strcpy(text, "[");
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            strcat(text, ", ");
        strcat(text, items[i]);
    }
    strcat(text, "]");
    return text;
}

static size_t names_count(const char *const *items)
{
    size_t count = 0;

    while (items[count] != NULL)
        count++;
    return count;
}

/* Require `list` to contain exactly the strings of `expected`, in any order. */
static void expect_list(const struct strlist *list, const char *const *expected, const char *what)
{
    size_t count = names_count(expected);
    char *got = list_text((const char *const *)list->items, list->len);

    ck_assert_msg(list->len == count, "%s is %s, expected %zu entries", what, got, count);
    for (size_t i = 0; i < count; i++)
        ck_assert_msg(strlist_contains(list, expected[i]), "%s is %s, expected it to contain %s", what, got,
                      expected[i]);
    free(got);
}

/* Require the rules of `list` to be exactly `expected`, as netrule_format
 * writes them, in any order. */
static void expect_rules(const struct netrule_list *list, const char *const *expected, const char *what)
{
    struct strlist formatted = {0};

    for (size_t i = 0; i < list->len; i++) {
        char text[NETNAME_MAX + NETADDR_TEXT_MAX];

        strlist_add(&formatted, netrule_format(&list->items[i], text, sizeof(text)));
    }
    expect_list(&formatted, expected, what);
    strlist_free(&formatted);
}

/* ----- guards ----- */

START_TEST(test_restrict_guards_stay_on)
{
    static const bool pairs[4][2] = {{false, false}, {false, true}, {true, false}, {true, true}};

    for (size_t i = 0; i < GUARD_FIELD_COUNT; i++) {
        for (size_t k = 0; k < 4; k++) {
            struct hermetic_policy into, layer;

            policy_init(&into);
            policy_init(&layer);
            *bool_at(&into, GUARD_FIELDS[i].offset) = pairs[k][0];
            *bool_at(&layer, GUARD_FIELDS[i].offset) = pairs[k][1];
            restrict_ok(&into, &layer);
            ck_assert_msg(*bool_at(&into, GUARD_FIELDS[i].offset) == (pairs[k][0] || pairs[k][1]),
                          "%s: %d restricted by %d should be %d", GUARD_FIELDS[i].name, pairs[k][0], pairs[k][1],
                          pairs[k][0] || pairs[k][1]);
            for (size_t other = 0; other < GUARD_FIELD_COUNT; other++)
                if (other != i)
                    ck_assert_msg(!*bool_at(&into, GUARD_FIELDS[other].offset), "restricting %s set %s",
                                  GUARD_FIELDS[i].name, GUARD_FIELDS[other].name);
            policy_free(&into);
            policy_free(&layer);
        }
    }
}
END_TEST

START_TEST(test_restrict_stricter_modes)
{
    for (int a = KERNEL_OFF; a <= KERNEL_REQUIRED; a++) {
        for (int b = KERNEL_OFF; b <= KERNEL_REQUIRED; b++) {
            struct hermetic_policy into, layer;

            policy_init(&into);
            policy_init(&layer);
            into.kernel = (enum kernel_mode)a;
            layer.kernel = (enum kernel_mode)b;
            into.trace = (enum trace_level)a;
            layer.trace = (enum trace_level)b;
            into.on_violation = (enum on_violation)(a % 2);
            layer.on_violation = (enum on_violation)(b % 2);
            restrict_ok(&into, &layer);
            ck_assert_msg(into.kernel == (enum kernel_mode)(a > b ? a : b), "kernel %d restricted by %d is %d", a,
                          b, into.kernel);
            ck_assert_msg(into.trace == (enum trace_level)(a > b ? a : b), "trace %d restricted by %d is %d", a, b,
                          into.trace);
            ck_assert_msg(into.on_violation == (enum on_violation)((a % 2) > (b % 2) ? a % 2 : b % 2),
                          "on_violation %d restricted by %d is %d", a % 2, b % 2, into.on_violation);
            policy_free(&into);
            policy_free(&layer);
        }
    }
}
END_TEST

START_TEST(test_restrict_imports_union)
{
    static names_t into_deny = {"json", "pickle", NULL}, layer_deny = {"xml", "json", NULL};
    static names_t expected = {"json", "pickle", "xml", NULL};
    struct hermetic_policy into, layer;

    policy_init(&into);
    policy_init(&layer);
    add_all(&into.imports.deny, into_deny);
    add_all(&layer.imports.deny, layer_deny);
    restrict_ok(&into, &layer);
    expect_list(&into.imports.deny, expected, "imports.deny [json, pickle] restricted by [xml, json]");
    policy_free(&into);
    policy_free(&layer);
}
END_TEST

START_TEST(test_restrict_keeps_log_json)
{
    struct hermetic_policy into, layer;

    policy_init(&into);
    policy_init(&layer);
    into.log_json = xstrdup("/var/log/a.json");
    layer.log_json = xstrdup("/var/log/b.json");
    restrict_ok(&into, &layer);
    ck_assert_msg(into.log_json != NULL, "log_json was dropped");
    ck_assert_msg(strcmp(into.log_json, "/var/log/a.json") == 0, "log_json is %s, expected the first policy's",
                  into.log_json);
    policy_free(&into);
    policy_free(&layer);
}
END_TEST

/* ----- network ----- */

START_TEST(test_restrict_network_flags)
{
    /* into.block, into flag, layer.block, layer flag, expected flag. */
    static const bool cases[][5] = {
        {true, true, true, true, true},       {true, true, true, false, false},
        {true, false, true, true, false},     {true, false, true, false, false},
        {true, true, false, false, true},     {true, false, false, true, false},
        {false, true, true, false, false},    {false, false, true, true, true},
        {false, true, false, false, true},    {false, false, false, true, false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int which = 0; which < 2; which++) {
            struct hermetic_policy into, layer;
            bool got;

            policy_init(&into);
            policy_init(&layer);
            into.network.block = cases[i][0];
            layer.network.block = cases[i][2];
            if (which == 0) {
                into.network.allow_localhost = cases[i][1];
                layer.network.allow_localhost = cases[i][3];
            } else {
                into.network.allow_unix_sockets = cases[i][1];
                layer.network.allow_unix_sockets = cases[i][3];
            }
            restrict_ok(&into, &layer);
            got = which == 0 ? into.network.allow_localhost : into.network.allow_unix_sockets;
            ck_assert_msg(got == cases[i][4], "%s: block %d allow %d restricted by block %d allow %d is %d",
                          which == 0 ? "allow_localhost" : "allow_unix_sockets", cases[i][0], cases[i][1],
                          cases[i][2], cases[i][3], got);
            ck_assert_msg(into.network.block == (cases[i][0] || cases[i][2]), "network.block %d restricted by %d",
                          cases[i][0], cases[i][2]);
            policy_free(&into);
            policy_free(&layer);
        }
    }
}
END_TEST

/* Restrict [into] by [layer], both blocking, and require `expected`. */
static void expect_rule_intersection(const char *const *into_rules, const char *const *layer_rules,
                                     const char *const *expected)
{
    struct hermetic_policy into, layer;
    char *into_text = list_text(into_rules, names_count(into_rules));
    char *layer_text = list_text(layer_rules, names_count(layer_rules));
    char what[512];

    policy_init(&into);
    policy_init(&layer);
    into.network.block = true;
    layer.network.block = true;
    add_rules(&into.network.allow, into_rules);
    add_rules(&layer.network.allow, layer_rules);
    restrict_ok(&into, &layer);
    snprintf(what, sizeof(what), "%s restricted by %s", into_text, layer_text);
    expect_rules(&into.network.allow, expected, what);
    free(into_text);
    free(layer_text);
    policy_free(&into);
    policy_free(&layer);
}

/* Check both orders: the intersection does not depend on which side is
 * the API's. */
#define INTERSECTION(a, b, expected)                                  \
    do {                                                              \
        static names_t a_ = a, b_ = b, expected_ = expected;          \
        expect_rule_intersection(a_, b_, expected_);                  \
        expect_rule_intersection(b_, a_, expected_);                  \
    } while (0)
/* Initialisers for names_t. */
#define LIST(...) {__VA_ARGS__, NULL}
#define EMPTY {NULL}

START_TEST(test_restrict_rules_names)
{
    INTERSECTION(LIST("example.com"), LIST("example.com"), LIST("example.com"));
    INTERSECTION(LIST("example.com"), LIST("api.example.com"), LIST("api.example.com"));
    INTERSECTION(LIST("example.com"), LIST("*.example.com"), LIST("*.example.com"));
    INTERSECTION(LIST("*.example.com"), LIST("*.example.com"), LIST("*.example.com"));
    INTERSECTION(LIST("*.example.com"), LIST("*.api.example.com"), LIST("*.api.example.com"));
    INTERSECTION(LIST("*.example.com"), LIST("api.example.com"), LIST("api.example.com"));
    INTERSECTION(LIST("api.example.com"), LIST("*.api.example.com"), LIST("*.api.example.com"));
    INTERSECTION(LIST("example.com"), LIST("example.org"), EMPTY);
    INTERSECTION(LIST("example.com"), LIST("badexample.com"), EMPTY);
    INTERSECTION(LIST("*.example.com"), LIST("example.org"), EMPTY);
    INTERSECTION(LIST("example.com"), EMPTY, EMPTY);
}
END_TEST

START_TEST(test_restrict_rules_networks)
{
    INTERSECTION(LIST("10.0.0.0/8"), LIST("10.0.0.0/8"), LIST("10.0.0.0/8"));
    INTERSECTION(LIST("10.0.0.0/8"), LIST("10.1.0.0/16"), LIST("10.1.0.0/16"));
    INTERSECTION(LIST("10.0.0.0/8"), LIST("10.1.2.3"), LIST("10.1.2.3"));
    INTERSECTION(LIST("10.0.0.0/8"), LIST("11.0.0.0/8"), EMPTY);
    INTERSECTION(LIST("10.1.0.0/16"), LIST("10.2.0.0/16"), EMPTY);
    INTERSECTION(LIST("2001:db8::/32"), LIST("2001:db8:1::/48"), LIST("2001:db8:1::/48"));
    INTERSECTION(LIST("2001:db8::/32"), LIST("2001:db9::/32"), EMPTY);
    INTERSECTION(LIST("0.0.0.0/0"), LIST("::/0"), EMPTY);
    INTERSECTION(LIST("0.0.0.0/0"), LIST("192.0.2.1"), LIST("192.0.2.1"));
}
END_TEST

START_TEST(test_restrict_rules_ports)
{
    INTERSECTION(LIST("example.com"), LIST("example.com:443"), LIST("example.com:443"));
    INTERSECTION(LIST("example.com:443"), LIST("example.com:443"), LIST("example.com:443"));
    INTERSECTION(LIST("example.com:443"), LIST("example.com:80"), EMPTY);
    INTERSECTION(LIST("example.com"), LIST("api.example.com:443"), LIST("api.example.com:443"));
    INTERSECTION(LIST("api.example.com"), LIST("example.com:443"), EMPTY);
    INTERSECTION(LIST("10.0.0.0/8"), LIST("10.1.0.0/16:443"), LIST("10.1.0.0/16:443"));
    INTERSECTION(LIST("10.0.0.0/8:443"), LIST("10.1.0.0/16:80"), EMPTY);
    INTERSECTION(LIST("[2001:db8::/32]:443"), LIST("2001:db8::1"), EMPTY);
    INTERSECTION(LIST("[2001:db8::/32]:443"), LIST("[2001:db8::1]:443"), LIST("[2001:db8::1]:443"));
}
END_TEST

START_TEST(test_restrict_rules_names_and_addresses)
{
    /* A name may resolve to any address, so no address rule covers it, and
     * no name rule covers an address. */
    INTERSECTION(LIST("example.com"), LIST("192.0.2.1"), EMPTY);
    INTERSECTION(LIST("0.0.0.0/0"), LIST("example.com"), EMPTY);
    INTERSECTION(LIST("::/0"), LIST("*.example.com"), EMPTY);
    INTERSECTION(LIST("example.com", "10.0.0.0/8"), LIST("api.example.com", "10.2.0.0/16", "example.org"),
                 LIST("api.example.com", "10.2.0.0/16"));
    INTERSECTION(LIST("example.com", "example.org"), LIST("a.example.com", "b.example.org", "c.example.net"),
                 LIST("a.example.com", "b.example.org"));
}
END_TEST

/* Restrict [into] (with allow_localhost) by [layer] (without), both
 * blocking, and require `expected`, in both orders. */
static void expect_localhost_intersection(const char *const *rules, const char *const *expected)
{
    for (int order = 0; order < 2; order++) {
        struct hermetic_policy into, layer;
        struct hermetic_policy *with_localhost = order == 0 ? &into : &layer;
        struct hermetic_policy *with_rules = order == 0 ? &layer : &into;
        char *text = list_text(rules, names_count(rules));
        char what[512];

        policy_init(&into);
        policy_init(&layer);
        into.network.block = layer.network.block = true;
        with_localhost->network.allow_localhost = true;
        add_rules(&with_rules->network.allow, rules);
        restrict_ok(&into, &layer);
        snprintf(what, sizeof(what), "%s %s allow_localhost", text, order == 0 ? "restricting" : "restricted by");
        expect_rules(&into.network.allow, expected, what);
        ck_assert_msg(!into.network.allow_localhost, "%s: allow_localhost stays on one side only", what);
        free(text);
        policy_free(&into);
        policy_free(&layer);
    }
}

START_TEST(test_restrict_rules_within_localhost)
{
    static names_t loopback = LIST("127.0.0.1:8080", "127.0.0.0/8", "[::1]:443", "::1", "localhost:5432");
    static names_t others = LIST("126.0.0.0/7", "0.0.0.0/0", "::/0", "10.0.0.1", "example.com", "*.localhost",
                                 "localhost.example.com");
    static names_t mixed = LIST("127.0.0.1:8080", "example.com:443");
    static names_t mixed_kept = LIST("127.0.0.1:8080");
    static names_t none = EMPTY;

    /* What loopback rules allow, allow_localhost allows too: they stay. */
    expect_localhost_intersection(loopback, loopback);
    /* Wider blocks and other names are not all loopback. */
    expect_localhost_intersection(others, none);
    expect_localhost_intersection(mixed, mixed_kept);
}
END_TEST

START_TEST(test_restrict_network_one_side)
{
    static names_t into_rules = LIST("example.com"), layer_rules = LIST("api.example.org");
    struct hermetic_policy into, layer;

    /* Only the layer blocks: its allowances replace the others. */
    policy_init(&into);
    policy_init(&layer);
    into.network.allow_localhost = true;
    add_rules(&into.network.allow, into_rules);
    layer.network.block = true;
    layer.network.allow_unix_sockets = true;
    add_rules(&layer.network.allow, layer_rules);
    restrict_ok(&into, &layer);
    ck_assert_msg(into.network.block, "network.block should be on");
    ck_assert_msg(!into.network.allow_localhost, "allow_localhost should come from the blocking side");
    ck_assert_msg(into.network.allow_unix_sockets, "allow_unix_sockets should come from the blocking side");
    expect_rules(&into.network.allow, layer_rules, "rules when only the layer blocks");
    policy_free(&into);
    policy_free(&layer);

    /* Only the first policy blocks: it stays as it was. */
    policy_init(&into);
    policy_init(&layer);
    into.network.block = true;
    into.network.allow_localhost = true;
    add_rules(&into.network.allow, into_rules);
    layer.network.allow_unix_sockets = true;
    add_rules(&layer.network.allow, layer_rules);
    restrict_ok(&into, &layer);
    ck_assert_msg(into.network.block, "network.block should stay on");
    ck_assert_msg(into.network.allow_localhost, "allow_localhost should stay on");
    ck_assert_msg(!into.network.allow_unix_sockets, "allow_unix_sockets should stay off");
    expect_rules(&into.network.allow, into_rules, "rules when only the first policy blocks");
    policy_free(&into);
    policy_free(&layer);
}
END_TEST

/* ----- allow-lists ----- */

enum list_kind { EXEC, WRITE, READ, NATIVE, ENVIRONMENT };

static const char *const LIST_NAMES[] = {"subprocess.allow_exec", "filesystem.allow_write", "filesystem.allow_read",
                                         "native.allow", "environment.allow"};

/* Turn on the guard that `kind`'s list belongs to. */
static void block_for(struct hermetic_policy *p, enum list_kind kind)
{
    switch (kind) {
    case EXEC: p->subprocess.block = true; break;
    case WRITE: p->filesystem.readonly = true; break;
    case READ:
        p->filesystem.readonly = true;
        free(p->filesystem.root);
        p->filesystem.root = xstrdup("/");
        break;
    case NATIVE: p->native.block = true; break;
    case ENVIRONMENT: p->environment.scrub = true; break;
    }
}

static struct strlist *list_of(struct hermetic_policy *p, enum list_kind kind)
{
    switch (kind) {
    case EXEC: return &p->subprocess.allow_exec;
    case WRITE: return &p->filesystem.allow_write;
    case READ: return &p->filesystem.allow_read;
    case NATIVE: return &p->native.allow;
    case ENVIRONMENT: return &p->environment.allow;
    }
    return NULL;
}

/* Restrict a policy allowing `into_items` by one allowing `layer_items`,
 * with the guard on in each as given, and require `expected`. */
static void expect_lists(enum list_kind kind, bool into_blocks, const char *const *into_items, bool layer_blocks,
                         const char *const *layer_items, const char *const *expected)
{
    struct hermetic_policy into, layer;
    char *into_text = list_text(into_items, names_count(into_items));
    char *layer_text = list_text(layer_items, names_count(layer_items));
    char what[512];

    policy_init(&into);
    policy_init(&layer);
    if (into_blocks)
        block_for(&into, kind);
    if (layer_blocks)
        block_for(&layer, kind);
    add_all(list_of(&into, kind), into_items);
    add_all(list_of(&layer, kind), layer_items);
    restrict_ok(&into, &layer);
    snprintf(what, sizeof(what), "%s %s%s restricted by %s%s", LIST_NAMES[kind], into_text,
             into_blocks ? "" : " (guard off)", layer_text, layer_blocks ? "" : " (guard off)");
    expect_list(list_of(&into, kind), expected, what);
    free(into_text);
    free(layer_text);
    policy_free(&into);
    policy_free(&layer);
}

/* Both block: the intersection, in both orders. */
#define LISTS(kind, a, b, expected)                                    \
    do {                                                               \
        static names_t a_ = a, b_ = b, expected_ = expected;           \
        expect_lists(kind, true, a_, true, b_, expected_);             \
        expect_lists(kind, true, b_, true, a_, expected_);             \
    } while (0)

START_TEST(test_restrict_allow_exec)
{
    LISTS(EXEC, LIST("/usr/bin/git", "/usr/bin/make"), LIST("/usr/bin/git", "/usr/bin/env"), LIST("/usr/bin/git"));
    LISTS(EXEC, LIST("/usr/bin"), LIST("/usr/bin/git"), EMPTY);
    LISTS(EXEC, LIST("/usr/bin/git"), EMPTY, EMPTY);
    LISTS(EXEC, LIST("/usr/bin/gi"), LIST("/usr/bin/git"), EMPTY);
}
END_TEST

START_TEST(test_restrict_allow_write_trees)
{
    LISTS(WRITE, LIST("/data"), LIST("/data/out", "/tmp"), LIST("/data/out"));
    LISTS(WRITE, LIST("/data", "/tmp"), LIST("/tmp", "/var"), LIST("/tmp"));
    LISTS(WRITE, LIST("/data"), LIST("/database"), EMPTY);
    LISTS(WRITE, LIST("/data/a", "/data/b"), LIST("/data"), LIST("/data/a", "/data/b"));
    LISTS(WRITE, LIST("/"), LIST("/srv/out"), LIST("/srv/out"));
    LISTS(WRITE, LIST("/data"), EMPTY, EMPTY);
}
END_TEST

START_TEST(test_restrict_allow_read_trees)
{
    LISTS(READ, LIST("/srv"), LIST("/srv/static", "/etc/ssl"), LIST("/srv/static"));
    LISTS(READ, LIST("/srv"), LIST("/srvx"), EMPTY);
    LISTS(READ, LIST("/opt/a"), LIST("/opt/a"), LIST("/opt/a"));
}
END_TEST

START_TEST(test_restrict_native_packages)
{
    LISTS(NATIVE, LIST("numpy"), LIST("numpy.core", "scipy"), LIST("numpy.core"));
    LISTS(NATIVE, LIST("numpy"), LIST("numpy"), LIST("numpy"));
    LISTS(NATIVE, LIST("numpy"), LIST("numpyx"), EMPTY);
    LISTS(NATIVE, LIST("lxml", "numpy"), LIST("numpy.linalg", "lxml"), LIST("lxml", "numpy.linalg"));
    LISTS(NATIVE, LIST("ctypes"), LIST("cffi"), EMPTY);
}
END_TEST

START_TEST(test_restrict_environment_patterns)
{
    LISTS(ENVIRONMENT, LIST("GITHUB_*"), LIST("GITHUB_TOKEN", "HOME_DIR"), LIST("GITHUB_TOKEN"));
    LISTS(ENVIRONMENT, LIST("GITHUB_*"), LIST("GITHUB_*"), LIST("GITHUB_*"));
    LISTS(ENVIRONMENT, LIST("CI"), LIST("CI"), LIST("CI"));
    LISTS(ENVIRONMENT, LIST("X?"), LIST("XY", "XYZ"), LIST("XY"));
    LISTS(ENVIRONMENT, LIST("*"), LIST("AWS_REGION"), LIST("AWS_REGION"));
    LISTS(ENVIRONMENT, LIST("[AB]X"), LIST("AX", "CX"), LIST("AX"));
    /* Two different globs: the intersection cannot be written as a list of
     * patterns, so it is rounded down to nothing. */
    LISTS(ENVIRONMENT, LIST("A*"), LIST("AB*"), EMPTY);
    LISTS(ENVIRONMENT, LIST("GITHUB_TOKEN"), LIST("GITLAB_TOKEN"), EMPTY);
}
END_TEST

START_TEST(test_restrict_lists_one_side)
{
    /* One side blocks: its list, whatever the other allowed. Neither
     * blocks: the first policy's list stays. */
    for (enum list_kind kind = EXEC; kind <= ENVIRONMENT; kind++) {
        static names_t mine = LIST("/a", "b"), theirs = LIST("/c", "d");

        expect_lists(kind, false, mine, true, theirs, theirs);
        expect_lists(kind, true, mine, false, theirs, mine);
        expect_lists(kind, false, mine, false, theirs, mine);
        expect_lists(kind, false, mine, true, (names_t){NULL}, (names_t){NULL});
    }
}
END_TEST

/* ----- read roots ----- */

static void expect_root(const char *into_root, const char *layer_root, const char *expected)
{
    struct hermetic_policy into, layer;

    policy_init(&into);
    policy_init(&layer);
    if (into_root != NULL) {
        into.filesystem.readonly = true;
        into.filesystem.root = xstrdup(into_root);
    }
    if (layer_root != NULL) {
        layer.filesystem.readonly = true;
        layer.filesystem.root = xstrdup(layer_root);
    }
    restrict_ok(&into, &layer);
    ck_assert_msg(into.filesystem.root != NULL, "root %s restricted by %s has no root, expected %s",
                  into_root ? into_root : "none", layer_root ? layer_root : "none", expected);
    ck_assert_msg(strcmp(into.filesystem.root, expected) == 0, "root %s restricted by %s is %s, expected %s",
                  into_root ? into_root : "none", layer_root ? layer_root : "none", into.filesystem.root, expected);
    ck_assert_msg(into.filesystem.readonly, "root %s restricted by %s is not read-only",
                  into_root ? into_root : "none", layer_root ? layer_root : "none");
    policy_free(&into);
    policy_free(&layer);
}

START_TEST(test_restrict_read_roots_nest)
{
    expect_root("/srv", "/srv/app", "/srv/app");
    expect_root("/srv/app", "/srv", "/srv/app");
    expect_root("/srv", "/srv", "/srv");
    expect_root("/", "/srv", "/srv");
    expect_root(NULL, "/srv", "/srv");
    expect_root("/srv", NULL, "/srv");
}
END_TEST

START_TEST(test_restrict_read_roots_disjoint)
{
    static const char *const pairs[][2] = {{"/srv", "/home"}, {"/srv", "/srvx"}, {"/srv/a", "/srv/b"}};

    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        struct hermetic_policy into, layer;
        struct hermetic_error err = {0};
        char expected[256];

        policy_init(&into);
        policy_init(&layer);
        into.filesystem.readonly = true;
        into.filesystem.root = xstrdup(pairs[i][0]);
        layer.filesystem.readonly = true;
        layer.filesystem.root = xstrdup(pairs[i][1]);
        ck_assert_msg(policy_restrict(&into, &layer, &err) == -1, "roots %s and %s should not combine", pairs[i][0],
                      pairs[i][1]);
        ck_assert_msg(err.status == HERMETIC_EXIT_USAGE, "roots %s and %s: status %d, expected %d", pairs[i][0],
                      pairs[i][1], err.status, HERMETIC_EXIT_USAGE);
        snprintf(expected, sizeof(expected),
                 "conflicting read roots: %s (from hermetic_blocker) and %s do not nest; give one root", pairs[i][1],
                 pairs[i][0]);
        ck_assert_msg(strcmp(err.message, expected) == 0, "roots %s and %s:\n  got      %s\n  expected %s",
                      pairs[i][0], pairs[i][1], err.message, expected);
        policy_free(&into);
        policy_free(&layer);
    }
}
END_TEST

/* ----- whole policies ----- */

/* A policy with every guard on and something in every allow-list. */
static void full_policy(struct hermetic_policy *p)
{
    static names_t rules = LIST("example.com", "*.example.org", "10.0.0.0/8", "[2001:db8::/32]:443", "api.test:8443");

    policy_init(p);
    p->network.block = true;
    p->network.allow_localhost = true;
    p->network.allow_unix_sockets = true;
    add_rules(&p->network.allow, rules);
    p->subprocess.block = true;
    strlist_add(&p->subprocess.allow_exec, "/usr/bin/git");
    p->filesystem.readonly = true;
    p->filesystem.root = xstrdup("/srv");
    strlist_add(&p->filesystem.allow_read, "/etc/ssl");
    strlist_add(&p->filesystem.allow_write, "/srv/out");
    p->native.block = true;
    strlist_add(&p->native.allow, "numpy");
    p->environment.scrub = true;
    strlist_add(&p->environment.allow, "GITHUB_*");
    strlist_add(&p->environment.allow, "CI");
    p->code_exec.block = true;
    strlist_add(&p->imports.deny, "pickle");
    p->interpreter.block_mutation = true;
    p->seal = true;
    p->kernel = KERNEL_AUTO;
    p->on_violation = ON_VIOLATION_EXIT;
    p->trace = TRACE_BLOCKED;
}

START_TEST(test_restrict_by_itself)
{
    /* Restricting a policy by an equal one changes nothing. */
    static names_t rules = LIST("example.com", "*.example.org", "10.0.0.0/8", "[2001:db8::/32]:443", "api.test:8443");
    static names_t exec = LIST("/usr/bin/git"), read = LIST("/etc/ssl"), write = LIST("/srv/out");
    static names_t native = LIST("numpy"), environment = LIST("GITHUB_*", "CI"), deny = LIST("pickle");
    struct hermetic_policy into, layer;

    full_policy(&into);
    full_policy(&layer);
    restrict_ok(&into, &layer);
    expect_rules(&into.network.allow, rules, "network.allow restricted by itself");
    ck_assert_msg(into.network.allow_localhost, "allow_localhost restricted by itself");
    ck_assert_msg(into.network.allow_unix_sockets, "allow_unix_sockets restricted by itself");
    expect_list(&into.subprocess.allow_exec, exec, "allow_exec restricted by itself");
    expect_list(&into.filesystem.allow_read, read, "allow_read restricted by itself");
    expect_list(&into.filesystem.allow_write, write, "allow_write restricted by itself");
    expect_list(&into.native.allow, native, "native.allow restricted by itself");
    expect_list(&into.environment.allow, environment, "environment.allow restricted by itself");
    expect_list(&into.imports.deny, deny, "imports.deny restricted by itself");
    ck_assert_msg(strcmp(into.filesystem.root, "/srv") == 0, "root restricted by itself is %s",
                  into.filesystem.root);
    policy_free(&into);
    policy_free(&layer);
}
END_TEST

START_TEST(test_restrict_leaves_layer)
{
    static names_t rules = LIST("example.com", "*.example.org", "10.0.0.0/8", "[2001:db8::/32]:443", "api.test:8443");
    struct hermetic_policy into, layer;

    policy_init(&into);
    into.network.block = true;
    into.subprocess.block = true;
    into.filesystem.readonly = true;
    full_policy(&layer);
    restrict_ok(&into, &layer);
    expect_rules(&layer.network.allow, rules, "the layer's network.allow after restricting");
    ck_assert_msg(layer.subprocess.allow_exec.len == 1, "the layer's allow_exec has %zu entries, expected 1",
                  layer.subprocess.allow_exec.len);
    ck_assert_msg(layer.filesystem.allow_write.len == 1, "the layer's allow_write has %zu entries, expected 1",
                  layer.filesystem.allow_write.len);
    ck_assert_msg(into.network.allow.len == 0, "network.allow has %zu rules, expected none",
                  into.network.allow.len);
    ck_assert_msg(into.subprocess.allow_exec.len == 0, "allow_exec has %zu entries, expected none",
                  into.subprocess.allow_exec.len);
    ck_assert_msg(into.filesystem.allow_write.len == 0, "allow_write has %zu entries, expected none",
                  into.filesystem.allow_write.len);
    policy_free(&into);
    policy_free(&layer);
}
END_TEST

Suite *suite_restrict(void)
{
    Suite *suite = suite_create("restrict");
    TCase *guards = tcase_create("guards");
    TCase *network = tcase_create("network");
    TCase *lists = tcase_create("lists");
    TCase *roots = tcase_create("roots");
    TCase *whole = tcase_create("whole policies");

    tcase_add_test(guards, test_restrict_guards_stay_on);
    tcase_add_test(guards, test_restrict_stricter_modes);
    tcase_add_test(guards, test_restrict_imports_union);
    tcase_add_test(guards, test_restrict_keeps_log_json);
    suite_add_tcase(suite, guards);

    tcase_add_test(network, test_restrict_network_flags);
    tcase_add_test(network, test_restrict_rules_names);
    tcase_add_test(network, test_restrict_rules_networks);
    tcase_add_test(network, test_restrict_rules_ports);
    tcase_add_test(network, test_restrict_rules_names_and_addresses);
    tcase_add_test(network, test_restrict_network_one_side);
    tcase_add_test(network, test_restrict_rules_within_localhost);
    suite_add_tcase(suite, network);

    tcase_add_test(lists, test_restrict_allow_exec);
    tcase_add_test(lists, test_restrict_allow_write_trees);
    tcase_add_test(lists, test_restrict_allow_read_trees);
    tcase_add_test(lists, test_restrict_native_packages);
    tcase_add_test(lists, test_restrict_environment_patterns);
    tcase_add_test(lists, test_restrict_lists_one_side);
    suite_add_tcase(suite, lists);

    tcase_add_test(roots, test_restrict_read_roots_nest);
    tcase_add_test(roots, test_restrict_read_roots_disjoint);
    suite_add_tcase(suite, roots);

    tcase_add_test(whole, test_restrict_by_itself);
    tcase_add_test(whole, test_restrict_leaves_layer);
    suite_add_tcase(suite, whole);
    return suite;
}
