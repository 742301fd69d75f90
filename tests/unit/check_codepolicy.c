/* Code-execution and import decisions: module names from source files. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "codepolicy.h"
#include "unit.h"

static const struct {
    const char *file, *dir, *expected;   /* expected NULL: not a module */
} MODULE_CASES[] = {
    {"/usr/lib/python3.11/json/decoder.py", "/usr/lib/python3.11", "json.decoder"},
    {"/usr/lib/python3.11/json/__init__.py", "/usr/lib/python3.11", "json"},
    {"/usr/lib/python3.11/os.py", "/usr/lib/python3.11", "os"},
    {"/usr/lib/python3.11/os.py", "/usr/lib/python3", NULL},
    {"/usr/lib/python3.11/os.pyc", "/usr/lib/python3.11", NULL},
    {"/usr/lib/python3.11/.py", "/usr/lib/python3.11", NULL},
    {"/usr/lib/python3.11/__init__.py", "/usr/lib/python3.11", "__init__"},
    {"/srv/app.py", "", NULL},
    {"<frozen os>", "", "os"},
    {"<frozen importlib._bootstrap>", "/anything", "importlib._bootstrap"},
    /* An empty frozen name is no module (found by fuzz/fuzz_pathrule.c). */
    {"<frozen >", "", NULL},
    {"<frozen os", "", NULL},
    {"<string>", "", NULL},
};

START_TEST(test_module_from_file)
{
    const char *expected = MODULE_CASES[_i].expected;
    char out[64];
    int rc = codepolicy_module_from_file(MODULE_CASES[_i].file, MODULE_CASES[_i].dir, out, sizeof(out));

    if (expected == NULL) {
        ck_assert_msg(rc == -1, "\"%s\" below \"%s\" should be no module, got \"%s\"", MODULE_CASES[_i].file,
                      MODULE_CASES[_i].dir, out);
    } else {
        ck_assert_msg(rc == 0, "\"%s\" below \"%s\" should be module %s", MODULE_CASES[_i].file,
                      MODULE_CASES[_i].dir, expected);
        ck_assert_str_eq(out, expected);
    }
}
END_TEST

/* Names that do not fit are no module, and nothing is written past `size`. */
START_TEST(test_module_from_file_small_buffer)
{
    char *out = xmalloc(5);

    ck_assert_int_eq(codepolicy_module_from_file("/lib/json/decoder.py", "/lib", out, 5), -1);
    ck_assert_int_eq(codepolicy_module_from_file("<frozen importlib>", "", out, 5), -1);
    ck_assert_int_eq(codepolicy_module_from_file("/lib/json.py", "/lib", out, 5), 0);
    ck_assert_str_eq(out, "json");
    free(out);
}
END_TEST

Suite *suite_codepolicy(void)
{
    Suite *suite = suite_create("codepolicy");
    TCase *modules = tcase_create("modules");

    tcase_add_loop_test(modules, test_module_from_file, 0, sizeof(MODULE_CASES) / sizeof(MODULE_CASES[0]));
    tcase_add_test(modules, test_module_from_file_small_buffer);
    suite_add_tcase(suite, modules);
    return suite;
}
