/* Subprocess decisions: which program execvp would run, the first
 * executable of a candidate list, --allow-exec, and the running binary.
 * Programs are files made in a scratch directory, and none is run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procpolicy.h"
#include "scratch.h"
#include "unit.h"

static void expect_found(const char *program, const char *path_env, const char *expected)
{
    char *got = procpolicy_find_program(program, path_env);

    ck_assert_msg(got != NULL, "\"%s\" on PATH \"%s\" should be found at %s", program,
                  path_env ? path_env : "(default)", expected);
    ck_assert_msg(strcmp(got, expected) == 0, "\"%s\" on PATH \"%s\" is %s, expected %s", program,
                  path_env ? path_env : "(default)", got, expected);
    free(got);
}

static void expect_not_found(const char *program, const char *path_env)
{
    char *got = procpolicy_find_program(program, path_env);

    ck_assert_msg(got == NULL, "\"%s\" on PATH \"%s\" should not be found, got %s", program,
                  path_env ? path_env : "(default)", got);
}

/* ----- procpolicy_find_program ----- */

START_TEST(test_find_program_with_slash)
{
    char *dir = scratch_dir();
    char *bin = scratch_subdir(dir, "bin");
    char *program = scratch_file(bin, "prog", "#!/bin/sh\n", 0755);
    char *relative = scratch_path("%s/bin/../bin/prog", dir);

    expect_found(program, NULL, program);
    expect_found(relative, NULL, program);
    scratch_chdir(dir);
    expect_found("bin/prog", NULL, program);
    expect_found("./bin/prog", NULL, program);
    /* A name with a slash is never looked up in PATH. */
    scratch_chdir(bin);
    expect_not_found("bin/prog", bin);
    expect_found("./prog", "/nonexistent", program);
}
END_TEST

START_TEST(test_find_program_not_executable)
{
    char *dir = scratch_dir();
    char *plain = scratch_file(dir, "plain", "#!/bin/sh\n", 0644);
    char *sub = scratch_subdir(dir, "sub");
    char *missing = scratch_path("%s/missing", dir);
    char *dangling = scratch_symlink(dir, "dangling", "missing");
    char *owner_only = scratch_file(dir, "owner-only", "#!/bin/sh\n", 0700);

    expect_not_found(plain, NULL);
    expect_not_found(sub, NULL);
    expect_not_found(missing, NULL);
    expect_not_found(dangling, NULL);
    expect_not_found("", NULL);
    expect_not_found("", dir);
    expect_found(owner_only, NULL, owner_only);
    expect_not_found("plain", dir);
    expect_not_found("sub", dir);
    expect_not_found("missing", dir);
    expect_not_found("dangling", dir);
}
END_TEST

START_TEST(test_find_program_symlink)
{
    /* The decision is made on the real path, not the link's. */
    char *dir = scratch_dir();
    char *real_dir = scratch_subdir(dir, "real");
    char *bin = scratch_subdir(dir, "bin");
    char *program = scratch_file(real_dir, "tool-1.0", "#!/bin/sh\n", 0755);
    char *link = scratch_symlink(bin, "tool", "../real/tool-1.0");
    char *link_to_plain;

    scratch_file(real_dir, "plain", "x", 0644);
    link_to_plain = scratch_symlink(bin, "plain", "../real/plain");
    expect_found("tool", bin, program);
    expect_found(link, NULL, program);
    expect_not_found("plain", bin);
    expect_not_found(link_to_plain, NULL);
    scratch_symlink(dir, "bin-link", "bin");
    expect_found("tool", scratch_path("%s/bin-link", dir), program);
}
END_TEST

START_TEST(test_find_program_path_order)
{
    char *dir = scratch_dir();
    char *first = scratch_subdir(dir, "first");
    char *second = scratch_subdir(dir, "second");
    char *third = scratch_subdir(dir, "third");
    char *in_second = scratch_file(second, "prog", "#!/bin/sh\n", 0755);
    char *in_third = scratch_file(third, "prog", "#!/bin/sh\n", 0755);
    char *path = scratch_path("%s:%s:%s", first, second, third);
    char *reversed = scratch_path("%s:%s", third, second);
    char *with_missing = scratch_path("/nonexistent:%s", third);
    char *skip_plain, *skip_dir;

    expect_found("prog", path, in_second);
    expect_found("prog", reversed, in_third);
    expect_found("prog", with_missing, in_third);
    expect_not_found("prog", first);
    expect_not_found("other", path);

    /* execvp passes over a file it cannot run and a directory. */
    scratch_file(first, "prog", "#!/bin/sh\n", 0644);
    expect_found("prog", path, in_second);
    skip_plain = scratch_path("%s:%s", first, third);
    expect_found("prog", skip_plain, in_third);
    scratch_subdir(first, "tool");
    scratch_file(third, "tool", "#!/bin/sh\n", 0755);
    skip_dir = scratch_path("%s:%s", first, third);
    expect_found("tool", skip_dir, scratch_path("%s/tool", third));
}
END_TEST

START_TEST(test_find_program_empty_path_entry)
{
    /* An empty PATH entry is the current directory, for execvp and for
     * os.get_exec_path alike: leading, trailing and in the middle. */
    char *dir = scratch_dir();
    char *cwd = scratch_subdir(dir, "cwd");
    char *bin = scratch_subdir(dir, "bin");
    char *local = scratch_file(cwd, "prog", "#!/bin/sh\n", 0755);
    char *in_bin = scratch_file(bin, "prog", "#!/bin/sh\n", 0755);
    char *leading = scratch_path(":%s", bin);
    char *trailing = scratch_path("%s:", bin);
    char *middle = scratch_path("/nonexistent::%s", bin);
    char *only_trailing = scratch_path("%s:", dir);

    scratch_chdir(cwd);
    expect_found("prog", leading, local);
    expect_found("prog", trailing, in_bin);
    expect_found("prog", middle, local);
    expect_found("prog", "", local);
    expect_found("prog", ":", local);
    expect_found("prog", only_trailing, local);
}
END_TEST

START_TEST(test_find_program_default_path)
{
    /* Without PATH, execvp searches /bin:/usr/bin. */
    char *sh = scratch_realpath("/bin/sh");
    char *env = scratch_realpath("/usr/bin/env");

    expect_found("sh", NULL, sh);
    expect_found("env", NULL, env);
    expect_not_found("hermetic-no-such-program", NULL);
}
END_TEST

/* ----- procpolicy_first_executable ----- */

static void expect_first_executable(const char *const *candidates, size_t count, const char *expected,
                                    const char *what)
{
    char *got = procpolicy_first_executable(candidates, count);

    if (expected == NULL) {
        ck_assert_msg(got == NULL, "%s gives %s, expected none", what, got);
        return;
    }
    ck_assert_msg(got != NULL, "%s gives none, expected %s", what, expected);
    ck_assert_msg(strcmp(got, expected) == 0, "%s gives %s, expected %s", what, got, expected);
    free(got);
}

START_TEST(test_first_executable)
{
    char *dir = scratch_dir();
    char *plain = scratch_file(dir, "plain", "x", 0644);
    char *sub = scratch_subdir(dir, "sub");
    char *missing = scratch_path("%s/missing", dir);
    char *program = scratch_file(dir, "prog", "#!/bin/sh\n", 0755);
    char *other = scratch_file(dir, "other", "#!/bin/sh\n", 0755);
    char *link = scratch_symlink(dir, "link", "prog");
    const char *const skipped[] = {plain, sub, missing, program, other};
    const char *const through_link[] = {missing, link};
    const char *const none[] = {plain, sub, missing};

    expect_first_executable(skipped, 5, program, "[plain, dir, missing, prog, other]");
    expect_first_executable(through_link, 2, program, "[missing, link to prog]");
    expect_first_executable(none, 3, NULL, "[plain, dir, missing]");
    expect_first_executable(skipped, 3, NULL, "the first 3 of [plain, dir, missing, prog, other]");
    expect_first_executable(skipped, 0, NULL, "no candidates");
}
END_TEST

/* ----- procpolicy_allows_exec ----- */

START_TEST(test_allows_exec_without_block)
{
    struct hermetic_policy policy;

    policy_init(&policy);
    ck_assert_msg(procpolicy_allows_exec(&policy, "/usr/bin/env"), "/usr/bin/env without --no-subprocess");
    ck_assert_msg(procpolicy_allows_exec(&policy, NULL), "an unknown program without --no-subprocess");
    strlist_add(&policy.subprocess.allow_exec, "/usr/bin/git");
    ck_assert_msg(procpolicy_allows_exec(&policy, "/usr/bin/env"),
                  "/usr/bin/env with --allow-exec but without --no-subprocess");
    policy_free(&policy);
}
END_TEST

START_TEST(test_allows_exec_listed)
{
    struct hermetic_policy policy;

    policy_init(&policy);
    policy.subprocess.block = true;
    ck_assert_msg(!procpolicy_allows_exec(&policy, "/usr/bin/git"), "/usr/bin/git with an empty --allow-exec");
    ck_assert_msg(!procpolicy_allows_exec(&policy, NULL), "an unknown program with an empty --allow-exec");
    strlist_add(&policy.subprocess.allow_exec, "/usr/bin/git");
    strlist_add(&policy.subprocess.allow_exec, "/usr/local/bin/tool");
    ck_assert_msg(procpolicy_allows_exec(&policy, "/usr/bin/git"), "/usr/bin/git is listed");
    ck_assert_msg(procpolicy_allows_exec(&policy, "/usr/local/bin/tool"), "/usr/local/bin/tool is listed");
    ck_assert_msg(!procpolicy_allows_exec(&policy, NULL), "an unknown program is never listed");
    ck_assert_msg(!procpolicy_allows_exec(&policy, "/usr/bin/gitk"), "/usr/bin/gitk is not listed");
    ck_assert_msg(!procpolicy_allows_exec(&policy, "/usr/bin/gi"), "/usr/bin/gi is not listed");
    ck_assert_msg(!procpolicy_allows_exec(&policy, "/usr/bin"), "the directory /usr/bin is not listed");
    ck_assert_msg(!procpolicy_allows_exec(&policy, "/usr/bin/git/x"), "/usr/bin/git/x is not listed");
    ck_assert_msg(!procpolicy_allows_exec(&policy, "git"), "a bare name is not a listed real path");
    policy_free(&policy);
}
END_TEST

START_TEST(test_allows_exec_real_paths)
{
    /* Entries are real paths: a program reached through a link is decided
     * by its target, so listing the link's path allows nothing. */
    char *dir = scratch_dir();
    char *program = scratch_file(dir, "tool-1.0", "#!/bin/sh\n", 0755);
    char *link = scratch_symlink(dir, "tool", "tool-1.0");
    struct hermetic_policy policy;
    char *real = procpolicy_find_program(link, NULL);

    ck_assert_msg(real != NULL, "%s should be found", link);
    policy_init(&policy);
    policy.subprocess.block = true;
    strlist_add(&policy.subprocess.allow_exec, link);
    ck_assert_msg(!procpolicy_allows_exec(&policy, real), "%s is not listed, only the link %s", real, link);
    strlist_add(&policy.subprocess.allow_exec, program);
    ck_assert_msg(procpolicy_allows_exec(&policy, real), "%s is listed", real);
    policy_free(&policy);
    free(real);
}
END_TEST

/* ----- procpolicy_self ----- */

START_TEST(test_self)
{
    char link[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
    char *self = procpolicy_self();
    char *expected;
    size_t length;

    ck_assert_msg(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
    link[n] = '\0';
    expected = scratch_realpath(link);
    ck_assert_msg(self != NULL, "procpolicy_self should find the running binary");
    ck_assert_msg(strcmp(self, expected) == 0, "procpolicy_self is %s, expected %s", self, expected);
    length = strlen(self);
    ck_assert_msg(length > 11 && strcmp(self + length - 11, "/check_unit") == 0,
                  "procpolicy_self is %s, expected the test runner .../check_unit", self);
    free(self);
}
END_TEST

Suite *suite_procpolicy(void)
{
    Suite *suite = suite_create("procpolicy");
    TCase *find = tcase_create("find");
    TCase *allow = tcase_create("allow");

    scratch_add_fixture(find);
    tcase_add_test(find, test_find_program_with_slash);
    tcase_add_test(find, test_find_program_not_executable);
    tcase_add_test(find, test_find_program_symlink);
    tcase_add_test(find, test_find_program_path_order);
    tcase_add_test(find, test_find_program_empty_path_entry);
    tcase_add_test(find, test_find_program_default_path);
    tcase_add_test(find, test_first_executable);
    suite_add_tcase(suite, find);

    scratch_add_fixture(allow);
    tcase_add_test(allow, test_allows_exec_without_block);
    tcase_add_test(allow, test_allows_exec_listed);
    tcase_add_test(allow, test_allows_exec_real_paths);
    tcase_add_test(allow, test_self);
    suite_add_tcase(suite, allow);
    return suite;
}
