/* Filesystem decisions: lexical normalisation and decisions on paths that
 * cannot be made absolute. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fspolicy.h"
#include "scratch.h"
#include "unit.h"

/* Normalise `input` in a buffer of exactly its size, so that a write past
 * the end shows under AddressSanitizer and valgrind. */
static char *normalized(const char *input)
{
    char *path = xmalloc(strlen(input) + 1);

    memcpy(path, input, strlen(input) + 1);
    fspolicy_normalize(path);
    return path;
}

static const struct {
    const char *input, *expected;
} NORMALIZE_CASES[] = {
    {"/", "/"},
    {"//", "/"},
    {"/a/b", "/a/b"},
    {"/a//b/", "/a/b"},
    {"/a/./b/.", "/a/b"},
    {"/a/../b", "/b"},
    {"/..", "/"},
    {"/../../a", "/a"},
    {"/a/b/../../..", "/"},
    {"/a/..b/.c", "/a/..b/.c"},
    /* Relative paths stay relative and never grow (found by
     * fuzz/fuzz_pathrule.c: "a" became "/a", one byte past the buffer). */
    {"", ""},
    {"a", "a"},
    {".", "."},
    {"./", "."},
    {"a/..", "."},
    {"a/b/../c", "a/c"},
    {"..", ".."},
    {"../a", "../a"},
    {"a/../../b", "../b"},
    {"../../a/./b//", "../../a/b"},
};

START_TEST(test_normalize)
{
    char *path = normalized(NORMALIZE_CASES[_i].input);

    ck_assert_msg(strcmp(path, NORMALIZE_CASES[_i].expected) == 0, "\"%s\" normalises to \"%s\", expected \"%s\"",
                  NORMALIZE_CASES[_i].input, path, NORMALIZE_CASES[_i].expected);
    free(path);
}
END_TEST

/* With the current directory removed, a relative path cannot be made
 * absolute: the decision is then made on its text and denies it. */
START_TEST(test_allows_without_current_directory)
{
    char *dir = scratch_dir();
    char *allowed = scratch_subdir(dir, "allowed");
    struct hermetic_policy policy;
    struct fspolicy_view view = {.policy = &policy};
    char *resolved = NULL;

    policy_init(&policy);
    policy.filesystem.readonly = true;
    policy.filesystem.root = xstrdup("/");
    strlist_add(&policy.filesystem.allow_write, allowed);
    scratch_chdir(allowed);
    ck_assert_msg(rmdir(allowed) == 0, "rmdir %s", allowed);

    ck_assert_msg(!fspolicy_allows(&view, "x", NULL, FS_WRITE, true, &resolved), "a write to x is allowed");
    ck_assert_str_eq(resolved, "x");
    free(resolved);
    ck_assert_msg(!fspolicy_allows(&view, "a/../../x", NULL, FS_WRITE, false, &resolved),
                  "a write to a/../../x is allowed");
    ck_assert_str_eq(resolved, "../x");
    free(resolved);
    ck_assert_msg(!fspolicy_allows(&view, "y", NULL, FS_READ, true, &resolved), "a read of y is allowed");
    free(resolved);
    policy_free(&policy);
    free(dir), free(allowed);
}
END_TEST

Suite *suite_fspolicy(void)
{
    Suite *suite = suite_create("fspolicy");
    TCase *normalize = tcase_create("normalize");
    TCase *decide = tcase_create("decide");

    tcase_add_loop_test(normalize, test_normalize, 0, sizeof(NORMALIZE_CASES) / sizeof(NORMALIZE_CASES[0]));
    suite_add_tcase(suite, normalize);

    scratch_add_fixture(decide);
    tcase_add_test(decide, test_allows_without_current_directory);
    suite_add_tcase(suite, decide);
    return suite;
}
