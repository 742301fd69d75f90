/* Paths in policies: ~ and $VAR expansion, resolution to real paths, and
 * the "is this path inside that tree" decision. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathrule.h"
#include "scratch.h"
#include "unit.h"

static void expect_expansion(const char *text, const char *expected)
{
    struct hermetic_error err = {0};
    char *got = pathrule_expand(text, &err);

    ck_assert_msg(got != NULL, "\"%s\" should expand, got: %s", text, err.message);
    ck_assert_msg(strcmp(got, expected) == 0, "\"%s\" expands to \"%s\", expected \"%s\"", text, got, expected);
    free(got);
}

static void expect_expansion_error(const char *text, const char *expected)
{
    struct hermetic_error err = {0};
    char *got = pathrule_expand(text, &err);

    ck_assert_msg(got == NULL, "\"%s\" should not expand, got \"%s\"", text, got);
    ck_assert_msg(err.status == HERMETIC_EXIT_USAGE, "\"%s\": status %d, expected 64", text, err.status);
    ck_assert_msg(strcmp(err.message, expected) == 0, "\"%s\":\n  got      %s\n  expected %s", text, err.message,
                  expected);
}

static void expect_resolved(const char *path, enum pathrule_existence existence, const char *expected)
{
    struct hermetic_error err = {0};
    char *got = pathrule_resolve(path, existence, HERMETIC_EXIT_PROFILE, &err);

    ck_assert_msg(got != NULL, "\"%s\" should resolve, got: %s", path, err.message);
    ck_assert_msg(strcmp(got, expected) == 0, "\"%s\" resolves to \"%s\", expected \"%s\"", path, got, expected);
    free(got);
}

static void expect_resolve_error(const char *path, enum pathrule_existence existence, int status,
                                 const char *expected)
{
    struct hermetic_error err = {0};
    char *got = pathrule_resolve(path, existence, status, &err);

    ck_assert_msg(got == NULL, "\"%s\" should not resolve, got \"%s\"", path, got);
    ck_assert_msg(err.status == status, "\"%s\": status %d, expected %d", path, err.status, status);
    ck_assert_msg(strcmp(err.message, expected) == 0, "\"%s\":\n  got      %s\n  expected %s", path, err.message,
                  expected);
}

/* ----- pathrule_expand ----- */

START_TEST(test_expand_plain_text)
{
    expect_expansion("", "");
    expect_expansion("/usr/bin", "/usr/bin");
    expect_expansion("relative/dir", "relative/dir");
    expect_expansion("a/~/b", "a/~/b");
    expect_expansion("~user/dir", "~user/dir");
    expect_expansion("dir~", "dir~");
}
END_TEST

START_TEST(test_expand_tilde)
{
    scratch_setenv("HOME", "/home/tester");
    scratch_setenv("HERMETIC_TEST_NAME", "build");
    expect_expansion("~", "/home/tester");
    expect_expansion("~/", "/home/tester/");
    expect_expansion("~/.cache/pip", "/home/tester/.cache/pip");
    expect_expansion("~/$HERMETIC_TEST_NAME", "/home/tester/build");
}
END_TEST

START_TEST(test_expand_tilde_without_home)
{
    struct passwd *pw = getpwuid(getuid());
    char *expected;

    ck_assert_msg(pw != NULL, "getpwuid(%d) found no user", (int)getuid());
    expected = xasprintf("%s/x", pw->pw_dir);
    unsetenv("HOME");
    expect_expansion("~/x", expected);
    scratch_setenv("HOME", "");
    expect_expansion("~/x", expected);
    free(expected);
}
END_TEST

START_TEST(test_expand_variables)
{
    scratch_setenv("HERMETIC_TEST_DIR", "/srv/data");
    scratch_setenv("HERMETIC_TEST_NAME", "build");
    scratch_setenv("HERMETIC_TEST_EMPTY", "");
    unsetenv("HERMETIC_TEST_UNSET");

    expect_expansion("$HERMETIC_TEST_DIR", "/srv/data");
    expect_expansion("${HERMETIC_TEST_DIR}", "/srv/data");
    expect_expansion("$HERMETIC_TEST_DIR/$HERMETIC_TEST_NAME", "/srv/data/build");
    expect_expansion("${HERMETIC_TEST_DIR}${HERMETIC_TEST_NAME}", "/srv/databuild");
    expect_expansion("$HERMETIC_TEST_NAME.d", "build.d");
    expect_expansion("$HERMETIC_TEST_NAME-x", "build-x");
    /* Underscores and digits belong to the name, as in the shell. */
    scratch_setenv("HERMETIC_TEST_NAME_2", "second");
    expect_expansion("$HERMETIC_TEST_NAME_2", "second");
}
END_TEST

START_TEST(test_expand_defaults)
{
    scratch_setenv("HERMETIC_TEST_DIR", "/srv/data");
    scratch_setenv("HERMETIC_TEST_EMPTY", "");
    unsetenv("HERMETIC_TEST_UNSET");

    expect_expansion("${HERMETIC_TEST_UNSET:-/tmp}", "/tmp");
    expect_expansion("${HERMETIC_TEST_UNSET:-/tmp}/x", "/tmp/x");
    expect_expansion("${HERMETIC_TEST_EMPTY:-/tmp}", "/tmp");
    expect_expansion("${HERMETIC_TEST_DIR:-/tmp}/x", "/srv/data/x");
    expect_expansion("${HERMETIC_TEST_UNSET:-}", "");
    expect_expansion("${HERMETIC_TEST_UNSET:-a b/c:d}", "a b/c:d");
    /* The default is taken as written: no expansion inside it. */
    expect_expansion("${HERMETIC_TEST_UNSET:-$HOME}", "$HOME");
}
END_TEST

START_TEST(test_expand_dollar_escape)
{
    scratch_setenv("HERMETIC_TEST_NAME", "build");
    expect_expansion("/srv/a$$b", "/srv/a$b");
    expect_expansion("$$HERMETIC_TEST_NAME", "$HERMETIC_TEST_NAME");
    expect_expansion("$$$HERMETIC_TEST_NAME", "$build");
    expect_expansion("$$", "$");
}
END_TEST

START_TEST(test_expand_errors)
{
    char long_name[300];

    scratch_setenv("HERMETIC_TEST_EMPTY", "");
    unsetenv("HERMETIC_TEST_UNSET");
    expect_expansion_error("$HERMETIC_TEST_UNSET/x",
                           "$HERMETIC_TEST_UNSET in \"$HERMETIC_TEST_UNSET/x\" is not set or empty (set it, or write "
                           "${HERMETIC_TEST_UNSET:-DEFAULT})");
    expect_expansion_error("${HERMETIC_TEST_UNSET}",
                           "$HERMETIC_TEST_UNSET in \"${HERMETIC_TEST_UNSET}\" is not set or empty (set it, or write "
                           "${HERMETIC_TEST_UNSET:-DEFAULT})");
    /* An empty variable counts as unset: it would turn $DIR/x into /x. */
    expect_expansion_error("$HERMETIC_TEST_EMPTY/x",
                           "$HERMETIC_TEST_EMPTY in \"$HERMETIC_TEST_EMPTY/x\" is not set or empty (set it, or write "
                           "${HERMETIC_TEST_EMPTY:-DEFAULT})");
    expect_expansion_error("/x/$", "invalid variable reference in \"/x/$\" (expected $NAME or ${NAME})");
    expect_expansion_error("$/x", "invalid variable reference in \"$/x\" (expected $NAME or ${NAME})");
    expect_expansion_error("${}", "invalid variable reference in \"${}\" (expected $NAME or ${NAME})");
    expect_expansion_error("${HOME", "invalid variable reference in \"${HOME\" (expected ${NAME} or ${NAME:-default})");
    expect_expansion_error("${HOME-/tmp}",
                           "invalid variable reference in \"${HOME-/tmp}\" (expected ${NAME} or ${NAME:-default})");
    expect_expansion_error("${HOME:-/tmp",
                           "invalid variable reference in \"${HOME:-/tmp\" (expected ${NAME} or ${NAME:-default})");
    expect_expansion_error("${HOME/x}",
                           "invalid variable reference in \"${HOME/x}\" (expected ${NAME} or ${NAME:-default})");

    memset(long_name, 'A', sizeof(long_name) - 1);
    long_name[0] = '$';
    long_name[sizeof(long_name) - 1] = '\0';
    {
        struct hermetic_error err = {0};

        ck_assert_msg(pathrule_expand(long_name, &err) == NULL, "a 298-byte variable name should be rejected");
        ck_assert_msg(strncmp(err.message, "invalid variable reference", 26) == 0, "got: %s", err.message);
    }
}
END_TEST

/* ----- pathrule_resolve ----- */

/* A tree for the resolve tests:
 *   DIR/real/sub/file
 *   DIR/other/deep
 *   DIR/link -> real            DIR/link2 -> link
 *   DIR/filelink -> real/sub/file
 *   DIR/deeplink -> other/deep  (so deeplink/.. is other, not DIR) */
struct tree {
    char *dir, *real, *sub, *file, *other, *deep;
};

static struct tree make_tree(void)
{
    struct tree t;

    t.dir = scratch_dir();
    t.real = scratch_subdir(t.dir, "real");
    t.sub = scratch_subdir(t.real, "sub");
    t.file = scratch_file(t.sub, "file", "x\n", 0644);
    t.other = scratch_subdir(t.dir, "other");
    t.deep = scratch_subdir(t.other, "deep");
    free(scratch_symlink(t.dir, "link", "real"));
    free(scratch_symlink(t.dir, "link2", "link"));
    free(scratch_symlink(t.dir, "filelink", "real/sub/file"));
    free(scratch_symlink(t.dir, "deeplink", "other/deep"));
    return t;
}

static void free_tree(struct tree *t)
{
    free(t->dir), free(t->real), free(t->sub), free(t->file), free(t->other), free(t->deep);
}

START_TEST(test_resolve_existing)
{
    struct tree t = make_tree();
    static const struct {
        const char *relative;   /* below t.dir */
        const char *expected;   /* below t.dir */
    } cases[] = {
        {"real", "real"},
        {"real/sub/file", "real/sub/file"},
        {"link", "real"},
        {"link2/sub", "real/sub"},
        {"filelink", "real/sub/file"},
        {"real/sub/../sub/file", "real/sub/file"},
        {"real/./sub/./file", "real/sub/file"},
        {"real//sub///file", "real/sub/file"},
        {"real/sub/", "real/sub"},
        {"deeplink/..", "other"},
        {"link/../other", "other"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *path = xasprintf("%s/%s", t.dir, cases[i].relative);
        char *expected = xasprintf("%s/%s", t.dir, cases[i].expected);

        expect_resolved(path, PATH_MUST_EXIST, expected);
        expect_resolved(path, PATH_PARENT_MUST_EXIST, expected);
        free(path), free(expected);
    }
    expect_resolved("/", PATH_MUST_EXIST, "/");
    expect_resolved("//", PATH_MUST_EXIST, "/");
    expect_resolved("/..", PATH_MUST_EXIST, "/");
    free_tree(&t);
}
END_TEST

START_TEST(test_resolve_relative)
{
    struct tree t = make_tree();
    char *sub = xasprintf("%s/real/sub", t.dir);
    char *created = xasprintf("%s/real/new", t.dir);

    scratch_chdir(t.real);
    expect_resolved("sub", PATH_MUST_EXIST, sub);
    expect_resolved("./sub", PATH_MUST_EXIST, sub);
    expect_resolved("../link/sub", PATH_MUST_EXIST, sub);
    expect_resolved(".", PATH_MUST_EXIST, t.real);
    expect_resolved("..", PATH_MUST_EXIST, t.dir);
    expect_resolved("new", PATH_PARENT_MUST_EXIST, created);
    expect_resolved("./new", PATH_PARENT_MUST_EXIST, created);
    expect_resolved("sub/../new", PATH_PARENT_MUST_EXIST, created);
    free(sub), free(created);
    free_tree(&t);
}
END_TEST

START_TEST(test_resolve_missing_last_component)
{
    struct tree t = make_tree();
    static const struct {
        const char *relative;
        const char *expected;
    } cases[] = {
        {"real/new", "real/new"},
        {"real/new/", "real/new"},
        {"real//new", "real/new"},
        {"link/new", "real/new"},
        {"link2/sub/new", "real/sub/new"},
        {"real/sub/../new", "real/new"},
        {"real/./new", "real/new"},
        /* The kernel follows deeplink before "..": deeplink/.. is other. */
        {"deeplink/../new", "other/new"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *path = xasprintf("%s/%s", t.dir, cases[i].relative);
        char *expected = xasprintf("%s/%s", t.dir, cases[i].expected);
        char *message = xasprintf("cannot resolve \"%s\": No such file or directory", path);

        expect_resolved(path, PATH_PARENT_MUST_EXIST, expected);
        expect_resolve_error(path, PATH_MUST_EXIST, HERMETIC_EXIT_USAGE, message);
        free(path), free(expected), free(message);
    }
    expect_resolved("/nonexistent-hermetic-test", PATH_PARENT_MUST_EXIST, "/nonexistent-hermetic-test");
    free_tree(&t);
}
END_TEST

START_TEST(test_resolve_missing_parent)
{
    struct tree t = make_tree();
    char *missing = xasprintf("%s/missing/new", t.dir);
    char *missing_message = xasprintf("cannot resolve the parent directory of \"%s\": No such file or directory",
                                      missing);
    char *up = xasprintf("%s/missing/..", t.dir);
    char *up_message = xasprintf("cannot resolve the parent directory of \"%s\": No such file or directory", up);
    char *through_file = xasprintf("%s/new", t.file);
    char *through_file_message = xasprintf("cannot resolve \"%s\": Not a directory", through_file);

    expect_resolve_error(missing, PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_PROFILE, missing_message);
    expect_resolve_error(missing, PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_USAGE, missing_message);
    /* missing/.. does not exist for the kernel either. */
    expect_resolve_error(up, PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_PROFILE, up_message);
    /* Not ENOENT: a file used as a directory is an error even when the
     * last component may be missing. */
    expect_resolve_error(through_file, PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_PROFILE, through_file_message);
    free(missing), free(missing_message), free(up), free(up_message), free(through_file), free(through_file_message);
    free_tree(&t);
}
END_TEST

START_TEST(test_resolve_empty_and_loops)
{
    struct tree t = make_tree();
    char *loop = scratch_symlink(t.dir, "loop", "loop");
    char *loop_message = xasprintf("cannot resolve \"%s\": Too many levels of symbolic links", loop);

    expect_resolve_error("", PATH_MUST_EXIST, HERMETIC_EXIT_USAGE, "empty path");
    expect_resolve_error("", PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_PROFILE, "empty path");
    expect_resolve_error(loop, PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_PROFILE, loop_message);
    free(loop), free(loop_message);
    free_tree(&t);
}
END_TEST

/* Glob characters: the components before the first one are resolved, the
 * rest stays a pattern. A ".." after a glob component would be removed
 * lexically, leaving a path whose parent was never checked, which does
 * not load again from --show-policy (found by fuzz/fuzz_cli.c). */
START_TEST(test_resolve_patterns)
{
    struct tree t = make_tree();
    char *stars = xasprintf("%s/link/*.txt", t.dir);
    char *stars_real = xasprintf("%s/*.txt", t.real);
    char *deep = xasprintf("%s/link/s?b/[ab]*", t.dir);
    char *deep_real = xasprintf("%s/s?b/[ab]*", t.real);
    char *dotdot = xasprintf("%s/real/[ab]/../sub", t.dir);
    char *dotdot_message = xasprintf("invalid path pattern \"%s\": \"..\" after a component with glob "
                                     "characters (*, ?, [) is not supported", dotdot);

    expect_resolved(stars, PATH_MUST_EXIST, stars_real);
    expect_resolved(deep, PATH_PARENT_MUST_EXIST, deep_real);
    expect_resolve_error(dotdot, PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_PROFILE, dotdot_message);
    expect_resolve_error("[x/../y", PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_USAGE,
                         "invalid path pattern \"[x/../y\": \"..\" after a component with glob characters "
                         "(*, ?, [) is not supported");
    expect_resolve_error("*/..", PATH_MUST_EXIST, HERMETIC_EXIT_USAGE,
                         "invalid path pattern \"*/..\": \"..\" after a component with glob characters "
                         "(*, ?, [) is not supported");
    free(stars), free(stars_real), free(deep), free(deep_real), free(dotdot), free(dotdot_message);
    free_tree(&t);
}
END_TEST

/* ----- pathrule_within ----- */

START_TEST(test_within)
{
    static const struct {
        const char *path, *dir;
        bool within;
    } cases[] = {
        {"/a/b", "/a/b", true},
        {"/a/b/c", "/a/b", true},
        {"/a/b/c/d", "/a/b", true},
        {"/a/bc", "/a/b", false},
        {"/a/b.c", "/a/b", false},
        {"/a", "/a/b", false},
        {"/ab", "/a", false},
        {"/b/a", "/a", false},
        {"/", "/", true},
        {"/a", "/", true},
        {"/a/b/c", "/", true},
        {"/", "/a", false},
        {"/home/user/.ssh", "/home/user", true},
        {"/home/user2", "/home/user", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(pathrule_within(cases[i].path, cases[i].dir) == cases[i].within, "%s %s within %s",
                      cases[i].path, cases[i].within ? "should be" : "should not be", cases[i].dir);
}
END_TEST

/* ----- pathrule_normalize ----- */

START_TEST(test_normalize)
{
    static const struct {
        const char *path, *expected;
    } cases[] = {
        {"/", "/"},           {"//", "/"},            {"/a/./b", "/a/b"},         {"//a//b/", "/a/b"},
        {"/a/b/..", "/a"},    {"/a/b/../..", "/"},    {"/..", "/"},               {"/../a", "/a"},
        {"/a/../../b", "/b"}, {"/a/.b", "/a/.b"},     {"/a/..b/c", "/a/..b/c"},   {"/a/.../b", "/a/.../b"},
        {"/./.", "/"},        {"/a/b/./../c", "/a/c"}, {"/a/b/c/../../d", "/a/d"},
        /* Relative paths stay relative and never grow (found by
         * fuzz/fuzz_pathrule.c: "a" became "/a", one byte past the buffer). */
        {"", ""},             {"a", "a"},             {".", "."},                 {"./", "."},
        {"a/..", "."},        {"a/b/../c", "a/c"},    {"..", ".."},               {"../a", "../a"},
        {"a/../../b", "../b"}, {"../../a/./b//", "../../a/b"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* A buffer of exactly the path's size: a write past its end shows
         * under AddressSanitizer and valgrind. */
        char *path = xstrdup(cases[i].path);

        pathrule_normalize(path);
        ck_assert_msg(strcmp(path, cases[i].expected) == 0, "\"%s\" normalises to \"%s\", expected \"%s\"",
                      cases[i].path, path, cases[i].expected);
        free(path);
    }
}
END_TEST

Suite *suite_pathrule(void)
{
    Suite *suite = suite_create("pathrule");
    TCase *expand = tcase_create("expand");
    TCase *resolve = tcase_create("resolve");
    TCase *within = tcase_create("within");

    tcase_add_test(expand, test_expand_plain_text);
    tcase_add_test(expand, test_expand_tilde);
    tcase_add_test(expand, test_expand_tilde_without_home);
    tcase_add_test(expand, test_expand_variables);
    tcase_add_test(expand, test_expand_defaults);
    tcase_add_test(expand, test_expand_dollar_escape);
    tcase_add_test(expand, test_expand_errors);
    suite_add_tcase(suite, expand);

    scratch_add_fixture(resolve);
    tcase_add_test(resolve, test_resolve_existing);
    tcase_add_test(resolve, test_resolve_relative);
    tcase_add_test(resolve, test_resolve_missing_last_component);
    tcase_add_test(resolve, test_resolve_missing_parent);
    tcase_add_test(resolve, test_resolve_empty_and_loops);
    tcase_add_test(resolve, test_resolve_patterns);
    suite_add_tcase(suite, resolve);

    tcase_add_test(within, test_within);
    tcase_add_test(within, test_normalize);
    suite_add_tcase(suite, within);
    return suite;
}
