/* --no-environment: which variables survive scrubbing, and scrubbing the
 * process environment. Check runs each test in its own child process, so
 * a test may clear and scrub its own environment. */
#include <stdlib.h>
#include <string.h>

#include "envscrub.h"
#include "scratch.h"
#include "unit.h"

extern char **environ;

static const char *const SAFE_NAMES[] = {
    "PATH", "HOME", "LANG", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "PWD",
    "HERMETIC_POLICY", "HERMETIC_INTERPRETER", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_",
};
#define SAFE_COUNT (sizeof(SAFE_NAMES) / sizeof(SAFE_NAMES[0]))

static void expect_keeps(const char *name, const struct strlist *allow, bool expected, const char *what)
{
    ck_assert_msg(envscrub_keeps(name, allow) == expected, "%s: %s should be %s", what, name,
                  expected ? "kept" : "removed");
}

/* Require every byte of `text` (length `length`) to be zero. */
static void expect_zeroed(const char *text, size_t length, const char *original)
{
    for (size_t i = 0; i < length; i++)
        ck_assert_msg(text[i] == '\0', "\"%s\" was not overwritten: byte %zu is still '%c'", original, i, text[i]);
}

static size_t environ_count(void)
{
    size_t count = 0;

    while (environ != NULL && environ[count] != NULL)
        count++;
    return count;
}

/* ----- envscrub_keeps ----- */

START_TEST(test_keeps_safe_set)
{
    struct strlist empty = {0};

    for (size_t i = 0; i < SAFE_COUNT; i++) {
        expect_keeps(SAFE_NAMES[i], NULL, true, "no --allow-env");
        expect_keeps(SAFE_NAMES[i], &empty, true, "an empty --allow-env");
    }
}
END_TEST

START_TEST(test_keeps_not_others)
{
    static const char *const removed[] = {
        "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONHOME",
        "PYTHONSTARTUP", "SSH_AUTH_SOCK", "LANGUAGE", "PATHX", "path", "Path", "HOMEDIR", "XHOME", "TZDIR", "LC",
        "LCX", "lc_all", "XLC_ALL", "HERMETIC", "HERMETIC_TRACE", "HERMETIC_POLICYX", "HERMETIC_", "", "=",
    };

    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
        expect_keeps(removed[i], NULL, false, "no --allow-env");
}
END_TEST

START_TEST(test_keeps_allow_patterns)
{
    static const struct {
        const char *name;
        bool kept;
    } cases[] = {
        {"GITHUB_TOKEN", true}, {"GITHUB_", true},       {"GITHUB", false},      {"GITHUBX", false},
        {"MY_GITHUB_TOKEN", false},
        {"AWS_X", true},        {"AWS_XY", false},       {"AWS_", false},
        {"AX", true},           {"BX", true},            {"CX", false},          {"ABX", false},
        {"QY", true},           {"PY", false},
        {"MY_VAR", true},       {"MY_VARS", false},      {"MY_VA", false},
        {"PATH", true},         {"AWS_SECRET_ACCESS_KEY", false},
    };
    struct strlist allow = {0};

    strlist_add(&allow, "GITHUB_*");
    strlist_add(&allow, "AWS_?");
    strlist_add(&allow, "[AB]X");
    strlist_add(&allow, "[!P]Y");
    strlist_add(&allow, "MY_VAR");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_keeps(cases[i].name, &allow, cases[i].kept, "--allow-env GITHUB_*,AWS_?,[AB]X,[!P]Y,MY_VAR");
    strlist_free(&allow);
}
END_TEST

START_TEST(test_keeps_allow_everything)
{
    struct strlist allow = {0};

    strlist_add(&allow, "*");
    expect_keeps("AWS_SECRET_ACCESS_KEY", &allow, true, "--allow-env *");
    expect_keeps("LD_PRELOAD", &allow, true, "--allow-env *");
    strlist_free(&allow);
}
END_TEST

/* ----- envscrub_apply ----- */

START_TEST(test_apply_removes_and_keeps)
{
    static const char *const removed[] = {"AWS_SECRET_ACCESS_KEY", "LD_PRELOAD", "PYTHONPATH", "LANGUAGE"};
    int count;

    ck_assert_msg(clearenv() == 0, "clearenv failed");
    for (size_t i = 0; i < SAFE_COUNT; i++)
        scratch_setenv(SAFE_NAMES[i], "kept-value");
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
        scratch_setenv(removed[i], "secret-value");
    count = envscrub_apply(NULL);
    ck_assert_msg(count == 4, "scrubbing removed %d variables, expected 4", count);
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
        ck_assert_msg(getenv(removed[i]) == NULL, "%s is still set after scrubbing", removed[i]);
    for (size_t i = 0; i < SAFE_COUNT; i++) {
        const char *value = getenv(SAFE_NAMES[i]);

        ck_assert_msg(value != NULL, "%s was removed, expected it kept", SAFE_NAMES[i]);
        ck_assert_msg(strcmp(value, "kept-value") == 0, "%s is \"%s\" after scrubbing, expected \"kept-value\"",
                      SAFE_NAMES[i], value);
    }
    ck_assert_msg(environ_count() == SAFE_COUNT, "%zu variables remain, expected %zu", environ_count(), SAFE_COUNT);
    count = envscrub_apply(NULL);
    ck_assert_msg(count == 0, "scrubbing twice removed %d more variables, expected 0", count);
}
END_TEST

START_TEST(test_apply_allow_patterns)
{
    struct strlist allow = {0};
    int count;

    ck_assert_msg(clearenv() == 0, "clearenv failed");
    scratch_setenv("GITHUB_TOKEN", "t");
    scratch_setenv("GITHUB_SHA", "s");
    scratch_setenv("GITLAB_TOKEN", "g");
    scratch_setenv("CI", "true");
    strlist_add(&allow, "GITHUB_*");
    strlist_add(&allow, "CI");
    count = envscrub_apply(&allow);
    ck_assert_msg(count == 1, "scrubbing with --allow-env GITHUB_*,CI removed %d variables, expected 1", count);
    ck_assert_msg(getenv("GITHUB_TOKEN") != NULL, "GITHUB_TOKEN matches GITHUB_* and should be kept");
    ck_assert_msg(getenv("GITHUB_SHA") != NULL, "GITHUB_SHA matches GITHUB_* and should be kept");
    ck_assert_msg(getenv("CI") != NULL, "CI is allowed and should be kept");
    ck_assert_msg(getenv("GITLAB_TOKEN") == NULL, "GITLAB_TOKEN matches no pattern and should be removed");
    strlist_free(&allow);
}
END_TEST

START_TEST(test_apply_overwrites_strings)
{
    /* putenv stores these buffers themselves in environ, as the strings of
     * the block the kernel gave the process are stored. */
    static char secret[] = "API_TOKEN=hunter2";
    static char other[] = "DATABASE_URL=postgres://user:pw@db/app";
    static char home[] = "HOME=/home/tester";
    const size_t secret_length = strlen(secret), other_length = strlen(other);
    const char *home_value;

    ck_assert_msg(clearenv() == 0, "clearenv failed");
    ck_assert_msg(putenv(secret) == 0, "putenv %s failed", secret);
    ck_assert_msg(putenv(other) == 0, "putenv %s failed", other);
    ck_assert_msg(putenv(home) == 0, "putenv %s failed", home);
    envscrub_apply(NULL);
    expect_zeroed(secret, secret_length, "API_TOKEN=hunter2");
    expect_zeroed(other, other_length, "DATABASE_URL=postgres://user:pw@db/app");
    ck_assert_msg(strcmp(home, "HOME=/home/tester") == 0, "the kept HOME string changed to \"%s\"", home);
    home_value = getenv("HOME");
    ck_assert_msg(home_value == home + 5, "HOME no longer points into its original string");
}
END_TEST

START_TEST(test_apply_duplicate_entries)
{
    /* An environment from execve may contain a name twice: both entries
     * are removed, and both strings are overwritten. */
    static char first[] = "TOKEN=one";
    static char second[] = "TOKEN=two";
    static char path[] = "PATH=/usr/bin";
    static char *custom[] = {first, path, second, NULL};
    int count;

    environ = custom;
    count = envscrub_apply(NULL);
    ck_assert_msg(count == 1, "scrubbing TOKEN twice removed %d names, expected 1", count);
    ck_assert_msg(getenv("TOKEN") == NULL, "TOKEN is still set after scrubbing");
    expect_zeroed(first, strlen("TOKEN=one"), "TOKEN=one");
    expect_zeroed(second, strlen("TOKEN=two"), "TOKEN=two");
    ck_assert_msg(environ_count() == 1, "%zu variables remain, expected only PATH", environ_count());
    ck_assert_msg(strcmp(environ[0], "PATH=/usr/bin") == 0, "the remaining variable is \"%s\", expected PATH",
                  environ[0]);
}
END_TEST

START_TEST(test_apply_empty_environment)
{
    int count;

    ck_assert_msg(clearenv() == 0, "clearenv failed");
    count = envscrub_apply(NULL);
    ck_assert_msg(count == 0, "scrubbing an empty environment removed %d variables", count);
    environ = NULL;
    count = envscrub_apply(NULL);
    ck_assert_msg(count == 0, "scrubbing a NULL environ removed %d variables", count);
}
END_TEST

Suite *suite_envscrub(void)
{
    Suite *suite = suite_create("envscrub");
    TCase *keeps = tcase_create("keeps");
    TCase *apply = tcase_create("apply");

    tcase_add_test(keeps, test_keeps_safe_set);
    tcase_add_test(keeps, test_keeps_not_others);
    tcase_add_test(keeps, test_keeps_allow_patterns);
    tcase_add_test(keeps, test_keeps_allow_everything);
    suite_add_tcase(suite, keeps);

    tcase_add_test(apply, test_apply_removes_and_keeps);
    tcase_add_test(apply, test_apply_allow_patterns);
    tcase_add_test(apply, test_apply_overwrites_strings);
    tcase_add_test(apply, test_apply_duplicate_entries);
    tcase_add_test(apply, test_apply_empty_environment);
    suite_add_tcase(suite, apply);
    return suite;
}
