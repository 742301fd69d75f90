/* The native-code trust rule: the standard extension modules that are
 * never trusted, --allow-native by package, and loading from the
 * standard library's lib-dynload directory. Pure string decisions: the
 * paths need not exist. */
#include <stdio.h>
#include <string.h>

#include "nativepolicy.h"
#include "unit.h"

#define LIBDYNLOAD "/usr/lib/python3.11/lib-dynload"
#define SO_SUFFIX ".cpython-311-x86_64-linux-gnu.so"

static const char *const DENIED_STDLIB[] = {
    "_ctypes",          "_ctypes_test",    "_testcapi",   "_testinternalcapi", "_testbuffer",
    "_testimportmultiple", "_testmultiphase", "_testclinic", "_testsinglephase", "_xxtestfuzz",
    "_xxsubinterpreters",
};
#define DENIED_COUNT (sizeof(DENIED_STDLIB) / sizeof(DENIED_STDLIB[0]))

static void init_blocking(struct hermetic_policy *policy)
{
    policy_init(policy);
    policy->native.block = true;
}

static void expect_extension(const struct hermetic_policy *policy, const char *libdynload, const char *module,
                             const char *real_path, bool expected)
{
    ck_assert_msg(nativepolicy_allows_extension(policy, libdynload, module, real_path) == expected,
                  "module %s from %s (lib-dynload %s) should be %s", module, real_path,
                  libdynload ? libdynload : "unknown", expected ? "allowed" : "denied");
}

/* ----- nativepolicy_is_denied_stdlib ----- */

START_TEST(test_denied_stdlib_modules)
{
    for (size_t i = 0; i < DENIED_COUNT; i++)
        ck_assert_msg(nativepolicy_is_denied_stdlib(DENIED_STDLIB[i]), "%s should be denied", DENIED_STDLIB[i]);
}
END_TEST

START_TEST(test_denied_stdlib_others_trusted)
{
    static const char *const trusted[] = {
        "_json",   "_sqlite3", "_ssl",      "_socket",   "math",     "_decimal",      "ctypes",
        "_ctype",  "_ctypesx", "_ctypes_x", "test",      "_tes",     "_Testcapi",     "testcapi",
        "x._testcapi", "_xxtestfuzzer", "_xxsubinterpreter", "xxlimited", "_xxtest", "",
    };

    for (size_t i = 0; i < sizeof(trusted) / sizeof(trusted[0]); i++)
        ck_assert_msg(!nativepolicy_is_denied_stdlib(trusted[i]), "\"%s\" should not be denied", trusted[i]);
}
END_TEST

/* ----- nativepolicy_allows_name ----- */

START_TEST(test_allows_name_empty_list)
{
    struct hermetic_policy policy;

    init_blocking(&policy);
    ck_assert_msg(!nativepolicy_allows_name(&policy, "numpy"), "numpy with an empty --allow-native");
    ck_assert_msg(!nativepolicy_allows_name(&policy, "_ctypes"), "_ctypes with an empty --allow-native");
    policy_free(&policy);
}
END_TEST

START_TEST(test_allows_name_by_package)
{
    static const struct {
        const char *module;
        bool allowed;
    } cases[] = {
        {"numpy", true},
        {"numpy.core._multiarray_umath", true},
        {"numpy.linalg._umath_linalg", true},
        {"numpyx", false},
        {"num", false},
        {"scipy", false},
        {"x.numpy", false},
        {"lxml.etree", true},
        {"lxml", false},
        {"lxml.etreex", false},
        {"lxml.etree.sub", true},
    };
    struct hermetic_policy policy;

    init_blocking(&policy);
    strlist_add(&policy.native.allow, "numpy");
    strlist_add(&policy.native.allow, "lxml.etree");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(nativepolicy_allows_name(&policy, cases[i].module) == cases[i].allowed,
                      "--allow-native numpy,lxml.etree: %s should be %s", cases[i].module,
                      cases[i].allowed ? "allowed" : "denied");
    policy_free(&policy);
}
END_TEST

START_TEST(test_allows_name_ctypes_and_cffi)
{
    static const struct {
        const char *entry, *module;
        bool allowed;
    } cases[] = {
        {"ctypes", "ctypes", true},
        {"ctypes", "_ctypes", true},
        {"ctypes", "ctypes.util", true},
        {"ctypes", "_ctypes_test", false},
        {"ctypes", "_cffi_backend", false},
        {"cffi", "cffi", true},
        {"cffi", "_cffi_backend", true},
        {"cffi", "cffi.backend_ctypes", true},
        {"cffi", "_cffi_backendx", false},
        {"cffi", "_ctypes", false},
        {"_cffi_backend", "_cffi_backend", true},
        {"_cffi_backend", "cffi", false},
        {"_ctypes", "_ctypes", true},
        {"_ctypes", "ctypes", false},
        {"ctypes.util", "_ctypes", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hermetic_policy policy;

        init_blocking(&policy);
        strlist_add(&policy.native.allow, cases[i].entry);
        ck_assert_msg(nativepolicy_allows_name(&policy, cases[i].module) == cases[i].allowed,
                      "--allow-native %s: %s should be %s", cases[i].entry, cases[i].module,
                      cases[i].allowed ? "allowed" : "denied");
        policy_free(&policy);
    }
}
END_TEST

/* ----- nativepolicy_allows_extension ----- */

START_TEST(test_extension_without_block)
{
    struct hermetic_policy policy;

    policy_init(&policy);
    expect_extension(&policy, LIBDYNLOAD, "_testcapi", LIBDYNLOAD "/_testcapi" SO_SUFFIX, true);
    expect_extension(&policy, NULL, "evil", "/tmp/evil.so", true);
    policy_free(&policy);
}
END_TEST

START_TEST(test_extension_from_libdynload)
{
    static const char *const modules[] = {"_json", "_sqlite3", "_ssl", "math", "_decimal", "_socket"};
    struct hermetic_policy policy;

    init_blocking(&policy);
    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
        char path[256];

        snprintf(path, sizeof(path), "%s/%s%s", LIBDYNLOAD, modules[i], SO_SUFFIX);
        expect_extension(&policy, LIBDYNLOAD, modules[i], path, true);
    }
    expect_extension(&policy, LIBDYNLOAD, "_json", LIBDYNLOAD "/_json.so", true);
    expect_extension(&policy, LIBDYNLOAD, "_json", LIBDYNLOAD "/_json", true);
    policy_free(&policy);
}
END_TEST

START_TEST(test_extension_denied_in_libdynload)
{
    struct hermetic_policy policy;

    init_blocking(&policy);
    for (size_t i = 0; i < DENIED_COUNT; i++) {
        char path[256];

        snprintf(path, sizeof(path), "%s/%s%s", LIBDYNLOAD, DENIED_STDLIB[i], SO_SUFFIX);
        expect_extension(&policy, LIBDYNLOAD, DENIED_STDLIB[i], path, false);
    }
    policy_free(&policy);
}
END_TEST

START_TEST(test_extension_denied_under_other_name)
{
    /* The init function is found by the module's last name component, and
     * the file's own name shows which module it is: either one naming a
     * denied module is enough. */
    struct hermetic_policy policy;

    init_blocking(&policy);
    expect_extension(&policy, LIBDYNLOAD, "x._testcapi", LIBDYNLOAD "/_json" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "a.b._ctypes", LIBDYNLOAD "/_json" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "innocent", LIBDYNLOAD "/_testcapi" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "innocent", LIBDYNLOAD "/_ctypes" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "innocent", LIBDYNLOAD "/_xxsubinterpreters.so", false);
    expect_extension(&policy, LIBDYNLOAD, "innocent", LIBDYNLOAD "/_testcapi", false);
    expect_extension(&policy, LIBDYNLOAD, "_json", LIBDYNLOAD "/_ctypes_test" SO_SUFFIX, false);
    policy_free(&policy);
}
END_TEST

START_TEST(test_extension_outside_libdynload)
{
    struct hermetic_policy policy;

    init_blocking(&policy);
    expect_extension(&policy, LIBDYNLOAD, "_json", "/usr/lib/python3/dist-packages/_json" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "_json", LIBDYNLOAD "/sub/_json" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "_json", LIBDYNLOAD "2/_json" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "_json", "/usr/lib/python3.11/_json" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "_json", "_json" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD "/", "_json", LIBDYNLOAD "/_json" SO_SUFFIX, false);
    /* Without a known lib-dynload nothing is trusted by place. */
    expect_extension(&policy, NULL, "_json", LIBDYNLOAD "/_json" SO_SUFFIX, false);
    policy_free(&policy);
}
END_TEST

START_TEST(test_extension_allowed_by_name)
{
    /* --allow-native trusts a module wherever its file is, even one the
     * standard library rule denies. */
    struct hermetic_policy policy;

    init_blocking(&policy);
    strlist_add(&policy.native.allow, "numpy");
    strlist_add(&policy.native.allow, "ctypes");
    expect_extension(&policy, LIBDYNLOAD, "numpy.core._multiarray_umath",
                     "/venv/lib/python3.11/site-packages/numpy/core/_multiarray_umath" SO_SUFFIX, true);
    expect_extension(&policy, NULL, "numpy.core._multiarray_umath", "/elsewhere/x.so", true);
    expect_extension(&policy, LIBDYNLOAD, "_ctypes", LIBDYNLOAD "/_ctypes" SO_SUFFIX, true);
    expect_extension(&policy, LIBDYNLOAD, "_ctypes_test", LIBDYNLOAD "/_ctypes_test" SO_SUFFIX, false);
    expect_extension(&policy, LIBDYNLOAD, "scipy.linalg._flapack",
                     "/venv/lib/python3.11/site-packages/scipy/linalg/_flapack" SO_SUFFIX, false);
    policy_free(&policy);
}
END_TEST

Suite *suite_nativepolicy(void)
{
    Suite *suite = suite_create("nativepolicy");
    TCase *names = tcase_create("names");
    TCase *extensions = tcase_create("extensions");

    tcase_add_test(names, test_denied_stdlib_modules);
    tcase_add_test(names, test_denied_stdlib_others_trusted);
    tcase_add_test(names, test_allows_name_empty_list);
    tcase_add_test(names, test_allows_name_by_package);
    tcase_add_test(names, test_allows_name_ctypes_and_cffi);
    suite_add_tcase(suite, names);

    tcase_add_test(extensions, test_extension_without_block);
    tcase_add_test(extensions, test_extension_from_libdynload);
    tcase_add_test(extensions, test_extension_denied_in_libdynload);
    tcase_add_test(extensions, test_extension_denied_under_other_name);
    tcase_add_test(extensions, test_extension_outside_libdynload);
    tcase_add_test(extensions, test_extension_allowed_by_name);
    suite_add_tcase(suite, extensions);
    return suite;
}
