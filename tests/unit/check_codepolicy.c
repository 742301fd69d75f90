/* Decisions of the code-execution and import guards: which code files
 * belong to the interpreter, which globals unpickling may look up,
 * --deny-import matching, the modules that cannot be denied, and module
 * names from source paths. */
#include <stdio.h>
#include <string.h>

#include "codepolicy.h"
#include "unit.h"

#define STDLIB "/usr/lib/python3.11"
#define SITE "/opt/venv/lib/python3.11/site-packages"

/* The modules unpickling never takes anything from, as codepolicy.c
 * lists them. */
static const char *const PICKLE_DENIED_MODULES[] = {
    "os", "posix", "nt", "subprocess", "sys", "importlib", "runpy", "code", "codeop", "pty", "shutil",
    "socket", "_socket", "ctypes", "_ctypes", "pickle", "_pickle", "marshal", "types", "webbrowser",
    "multiprocessing", "signal", "_posixsubprocess", "asyncio", "threading", "_thread", "io", "_io",
    "pathlib", "tempfile", "gc", "inspect", "ast", "compileall", "py_compile", "zipimport", "pydoc",
    "timeit", "trace", "pdb", "bdb", "cProfile", "profile", "doctest", "unittest", "hermetic",
};
#define PICKLE_DENIED_COUNT (sizeof(PICKLE_DENIED_MODULES) / sizeof(PICKLE_DENIED_MODULES[0]))

static const char *const SAFE_BUILTINS[] = {
    "bool", "bytearray", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "object",
    "range", "set", "slice", "str", "tuple", "NotImplemented", "Ellipsis", "getattr",
};
#define SAFE_BUILTIN_COUNT (sizeof(SAFE_BUILTINS) / sizeof(SAFE_BUILTINS[0]))

static const char *const BUILTINS_NAMES[] = {"builtins", "__builtin__", "__builtins__"};

static void expect_pickle(const char *module, const char *name, bool expected)
{
    ck_assert_msg(codepolicy_pickle_allowed(module, name) == expected, "unpickling %s.%s should be %s", module, name,
                  expected ? "allowed" : "denied");
}

static void expect_module(const char *file, const char *dir, const char *expected)
{
    char out[128] = "unset";
    int rc = codepolicy_module_from_file(file, dir, out, sizeof(out));

    ck_assert_msg(rc == 0, "%s below \"%s\" should name a module", file, dir);
    ck_assert_msg(strcmp(out, expected) == 0, "%s below \"%s\" is module \"%s\", expected \"%s\"", file, dir, out,
                  expected);
}

static void expect_no_module(const char *file, const char *dir)
{
    char out[128] = "unset";
    int rc = codepolicy_module_from_file(file, dir, out, sizeof(out));

    ck_assert_msg(rc == -1, "%s below \"%s\" should name no module, got \"%s\"", file, dir, out);
}

/* ----- codepolicy_trusted_file ----- */

START_TEST(test_trusted_file_pseudo_names)
{
    static const struct {
        const char *name;
        bool trusted;
    } cases[] = {
        {"<frozen importlib._bootstrap>", true},
        {"<frozen importlib._bootstrap_external>", true},
        {"<frozen zipimport>", true},
        {"<frozen >", true},
        {"<hermetic api>", true},
        {"<frozen", false},
        {"<frozenx>", false},
        {"<hermetic api> ", false},
        {"<hermetic>", false},
        {"<string>", false},
        {"<stdin>", false},
        {"<unknown>", false},
        {"", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(codepolicy_trusted_file(cases[i].name, NULL) == cases[i].trusted,
                      "\"%s\" without trusted directories should be %s", cases[i].name,
                      cases[i].trusted ? "trusted" : "untrusted");
    }
}
END_TEST

START_TEST(test_trusted_file_below_directories)
{
    static const struct {
        const char *name;
        bool trusted;
    } cases[] = {
        {STDLIB "/json/decoder.py", true},
        {STDLIB "/os.py", true},
        {STDLIB, true},
        {STDLIB "//json/./decoder.py", true},
        {STDLIB "/...py", true},
        {STDLIB "/..x/y.py", true},
        {STDLIB "/x../y.py", true},
        {SITE "/attr/_make.py", true},
        {STDLIB "0/x.py", false},
        {STDLIB ".py", false},
        {"/usr/lib/python3/x.py", false},
        {"/opt/venv/lib/python3.11/x.py", false},
        {"/tmp/evil.py", false},
        {"/", false},
    };
    struct strlist dirs = {0};

    strlist_add(&dirs, STDLIB);
    strlist_add(&dirs, SITE);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(codepolicy_trusted_file(cases[i].name, &dirs) == cases[i].trusted, "\"%s\" should be %s",
                      cases[i].name, cases[i].trusted ? "trusted" : "untrusted");
    strlist_free(&dirs);
}
END_TEST

START_TEST(test_trusted_file_dotdot)
{
    /* A ".." component can lead out of the directory, so any name with
     * one is untrusted, also where it would stay inside. */
    static const char *const names[] = {
        STDLIB "/../../../tmp/evil.py",
        STDLIB "/json/../../evil.py",
        STDLIB "/json/../decoder.py",
        SITE "/../../../../../../tmp/evil.py",
        STDLIB "/..",
        STDLIB "/json/..",
        STDLIB "/../python3.11/os.py",
    };
    struct strlist dirs = {0};

    strlist_add(&dirs, STDLIB);
    strlist_add(&dirs, SITE);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_assert_msg(!codepolicy_trusted_file(names[i], &dirs), "\"%s\" should be untrusted", names[i]);
    strlist_free(&dirs);
}
END_TEST

START_TEST(test_trusted_file_relative_names)
{
    /* A relative co_filename depends on the current directory: never trusted. */
    static const char *const names[] = {
        "json/decoder.py", "os.py", "./os.py", "usr/lib/python3.11/os.py", "../lib/python3.11/os.py",
    };
    struct strlist dirs = {0};

    strlist_add(&dirs, STDLIB);
    strlist_add(&dirs, "/");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_assert_msg(!codepolicy_trusted_file(names[i], &dirs), "relative \"%s\" should be untrusted", names[i]);
    strlist_free(&dirs);
}
END_TEST

START_TEST(test_trusted_file_no_directories)
{
    struct strlist empty = {0};

    ck_assert_msg(!codepolicy_trusted_file(STDLIB "/os.py", NULL), "%s without trusted directories", STDLIB "/os.py");
    ck_assert_msg(!codepolicy_trusted_file(STDLIB "/os.py", &empty), "%s with an empty list", STDLIB "/os.py");
}
END_TEST

/* ----- codepolicy_pickle_allowed ----- */

START_TEST(test_pickle_denied_modules)
{
    static const char *const names[] = {"system", "Popen", "anything", "x"};

    for (size_t i = 0; i < PICKLE_DENIED_COUNT; i++) {
        char submodule[128];

        snprintf(submodule, sizeof(submodule), "%s.sub", PICKLE_DENIED_MODULES[i]);
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            expect_pickle(PICKLE_DENIED_MODULES[i], names[k], false);
            expect_pickle(submodule, names[k], false);
        }
    }
    expect_pickle("os.path", "join", false);
    expect_pickle("importlib.util", "spec_from_file_location", false);
    expect_pickle("multiprocessing.context", "Process", false);
    expect_pickle("asyncio.subprocess", "create_subprocess_exec", false);
}
END_TEST

START_TEST(test_pickle_near_miss_modules)
{
    /* Modules whose names begin with a denied module's name are not its
     * submodules. */
    static const char *const modules[] = {
        "osx", "ossaudiodev", "codecs", "sysconfig", "pickletools", "traceback", "typing", "iox",
        "signals", "astroid", "gcx", "tracemalloc", "profiler", "pathlibx", "hermetics",
    };

    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
        expect_pickle(modules[i], "Thing", true);
}
END_TEST

START_TEST(test_pickle_safe_builtins)
{
    for (size_t b = 0; b < sizeof(BUILTINS_NAMES) / sizeof(BUILTINS_NAMES[0]); b++)
        for (size_t i = 0; i < SAFE_BUILTIN_COUNT; i++)
            expect_pickle(BUILTINS_NAMES[b], SAFE_BUILTINS[i], true);
}
END_TEST

START_TEST(test_pickle_unsafe_builtins)
{
    static const char *const names[] = {
        "eval", "exec", "compile", "open", "__import__", "setattr", "delattr", "globals", "locals", "vars",
        "input", "breakpoint", "type", "super", "print", "help", "exit", "quit", "dir", "hasattr", "iter",
        "next", "map", "filter", "apply", "memoryview", "classmethod", "staticmethod", "property", "__loader__",
        "__build_class__", "Bool", "", "getattr2",
    };

    for (size_t b = 0; b < sizeof(BUILTINS_NAMES) / sizeof(BUILTINS_NAMES[0]); b++)
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            expect_pickle(BUILTINS_NAMES[b], names[i], false);
}
END_TEST

START_TEST(test_pickle_module_objects)
{
    /* A denied module taken as an attribute of another module by name. */
    for (size_t i = 0; i < PICKLE_DENIED_COUNT; i++) {
        expect_pickle("__main__", PICKLE_DENIED_MODULES[i], false);
        expect_pickle("mymodule", PICKLE_DENIED_MODULES[i], false);
    }
    expect_pickle("__main__", "builtins", false);
    expect_pickle("__main__", "__builtins__", false);
    expect_pickle("__main__", "__builtin__", false);
    expect_pickle("collections", "sys", false);
}
END_TEST

START_TEST(test_pickle_dotted_names)
{
    static const struct {
        const char *module, *name;
        bool allowed;
    } cases[] = {
        /* Nested classes and methods of ordinary classes. */
        {"mymodule", "Outer.Inner", true},
        {"mymodule", "Outer.Inner.Deeper", true},
        {"collections", "OrderedDict.fromkeys", true},
        {"__main__", "Point.origin", true},
        /* A denied module on the way, or at the end. */
        {"__main__", "os.system", false},
        {"__main__", "sys.modules", false},
        {"mymodule", "subprocess.Popen", false},
        {"mymodule", "os.path.join", false},
        {"mymodule", "helpers.os.system", false},
        {"mymodule", "Outer.os", false},
        {"mymodule", "builtins.eval", false},
        {"mymodule", "builtins.getattr", false},
        {"builtins", "getattr.x", false},
        {"builtins", "str.join", false},
        /* Callables that apply a name, reached through a module. */
        {"mymodule", "operator.attrgetter", false},
        {"mymodule", "operator.methodcaller", false},
        {"mymodule", "_operator.attrgetter", false},
        {"mymodule", "functools.reduce", false},
        {"mymodule", "operator.itemgetter", true},
        {"mymodule", "functools.partial", true},
        /* Dunder components. */
        {"mymodule", "Outer.__init__", false},
        {"mymodule", "func.__globals__", false},
        {"mymodule", "func.__globals__.x", false},
        {"mymodule", "__class__.x", false},
        {"mymodule", "Outer.__dict__", false},
        {"mymodule", "Outer.__subclasses__", false},
        {"mymodule", "Outer.__builtins__", false},
        {"mymodule", "Outer._private", true},
        /* Empty components. */
        {"mymodule", "a..b", false},
        {"mymodule", ".a", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_pickle(cases[i].module, cases[i].name, cases[i].allowed);
}
END_TEST

START_TEST(test_pickle_long_components)
{
    char long_part[300], name[320];

    memset(long_part, 'a', sizeof(long_part) - 1);
    long_part[sizeof(long_part) - 1] = '\0';
    snprintf(name, sizeof(name), "%s.Inner", long_part);
    ck_assert_msg(!codepolicy_pickle_allowed("mymodule", name), "a 299-byte component before a dot is denied");
    snprintf(name, sizeof(name), "Outer.%.250s", long_part);
    ck_assert_msg(codepolicy_pickle_allowed("mymodule", name), "a 250-byte last component is allowed");
}
END_TEST

START_TEST(test_pickle_name_callables)
{
    static const struct {
        const char *module, *name;
        bool allowed;
    } cases[] = {
        {"operator", "attrgetter", false},
        {"operator", "methodcaller", false},
        {"_operator", "attrgetter", false},
        {"_operator", "methodcaller", false},
        {"operator", "itemgetter", true},
        {"operator", "add", true},
        {"_operator", "itemgetter", true},
        {"functools", "reduce", false},
        {"_functools", "reduce", false},
        {"functools", "partial", true},
        {"_functools", "partial", true},
        {"__main__", "operator", true},
        {"__main__", "functools", true},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_pickle(cases[i].module, cases[i].name, cases[i].allowed);
}
END_TEST

START_TEST(test_pickle_ordinary_classes)
{
    static const struct {
        const char *module, *name;
    } cases[] = {
        {"collections", "OrderedDict"}, {"collections", "defaultdict"}, {"datetime", "datetime"},
        {"datetime", "timezone"},       {"decimal", "Decimal"},         {"fractions", "Fraction"},
        {"copyreg", "_reconstructor"},  {"uuid", "UUID"},               {"enum", "Enum"},
        {"__main__", "Point"},          {"mymodule.sub", "Thing"},      {"numpy.core.multiarray", "_reconstruct"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_pickle(cases[i].module, cases[i].name, true);
}
END_TEST

/* ----- codepolicy_denied ----- */

START_TEST(test_denied)
{
    static const struct {
        const char *module;
        bool denied;
    } cases[] = {
        {"json", true},          {"json.decoder", true},           {"json.decoder.x", true},
        {"jsonschema", false},   {"jso", false},                   {"xml", false},
        {"xml.etree", true},     {"xml.etree.ElementTree", true},  {"xml.dom", false},
        {"xml.etreex", false},   {"x.json", false},                {"", false},
    };
    struct strlist deny = {0};

    strlist_add(&deny, "json");
    strlist_add(&deny, "xml.etree");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(codepolicy_denied(&deny, cases[i].module) == cases[i].denied,
                      "--deny-import json,xml.etree: \"%s\" should be %s", cases[i].module,
                      cases[i].denied ? "denied" : "allowed");
    strlist_free(&deny);
}
END_TEST

START_TEST(test_denied_empty_list)
{
    struct strlist empty = {0};

    ck_assert_msg(!codepolicy_denied(NULL, "json"), "json without a deny list");
    ck_assert_msg(!codepolicy_denied(&empty, "json"), "json with an empty deny list");
}
END_TEST

/* ----- codepolicy_essential ----- */

START_TEST(test_essential_modules)
{
    static const char *const essential[] = {
        "sys", "builtins", "_io", "io", "_imp", "_frozen_importlib", "_frozen_importlib_external", "marshal",
        "posix", "os", "_thread", "_warnings", "_weakref", "encodings", "codecs", "_codecs", "abc", "_abc",
        "_signal", "zipimport", "_collections_abc", "stat", "_stat", "posixpath", "genericpath", "time",
        "_sitebuiltins", "site", "hermetic", "errno", "_locale",
    };

    for (size_t i = 0; i < sizeof(essential) / sizeof(essential[0]); i++) {
        char submodule[128];

        ck_assert_msg(codepolicy_essential(essential[i]), "%s should be essential", essential[i]);
        snprintf(submodule, sizeof(submodule), "%s.sub", essential[i]);
        ck_assert_msg(codepolicy_essential(submodule), "%s, in an essential package, should be essential",
                      submodule);
    }
    ck_assert_msg(codepolicy_essential("os.path"), "os.path should be essential");
    ck_assert_msg(codepolicy_essential("encodings.utf_8"), "encodings.utf_8 should be essential");
}
END_TEST

START_TEST(test_essential_others)
{
    static const char *const others[] = {
        "json", "importlib", "subprocess", "socket", "ctypes", "osx", "o", "system", "iox", "encoding",
        "sites", "x.os", "x.sys", "", "hermetics", "timeit",
    };

    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        ck_assert_msg(!codepolicy_essential(others[i]), "\"%s\" should not be essential", others[i]);
}
END_TEST

/* ----- codepolicy_module_from_file ----- */

START_TEST(test_module_from_source_files)
{
    expect_module(STDLIB "/json/decoder.py", STDLIB, "json.decoder");
    expect_module(STDLIB "/json/__init__.py", STDLIB, "json");
    expect_module(STDLIB "/os.py", STDLIB, "os");
    expect_module(STDLIB "/xml/etree/ElementTree.py", STDLIB, "xml.etree.ElementTree");
    expect_module(STDLIB "/xml/etree/__init__.py", STDLIB, "xml.etree");
    expect_module(SITE "/attr/_make.py", SITE, "attr._make");
    expect_module("/a/b.py", "/a", "b");
    /* Python imports a top-level __init__.py as the module __init__. */
    expect_module(STDLIB "/__init__.py", STDLIB, "__init__");
}
END_TEST

START_TEST(test_module_from_frozen_names)
{
    expect_module("<frozen importlib._bootstrap>", STDLIB, "importlib._bootstrap");
    expect_module("<frozen zipimport>", "", "zipimport");
    expect_module("<frozen os>", "/elsewhere", "os");
    expect_no_module("<frozen zipimport", "");
    expect_no_module("<frozenzipimport>", "");
    /* An empty frozen name is no module (found by fuzz/fuzz_pathrule.c). */
    expect_no_module("<frozen >", "");
    expect_no_module("<string>", "");
}
END_TEST

START_TEST(test_module_from_other_places)
{
    expect_no_module(STDLIB "0/json.py", STDLIB);
    expect_no_module("/usr/lib/json.py", STDLIB);
    expect_no_module(STDLIB, STDLIB);
    expect_no_module(STDLIB "/", STDLIB);
    expect_no_module("json/decoder.py", STDLIB);
    expect_no_module(STDLIB "/json/decoder.py", "");
    expect_no_module(STDLIB "/json/decoder.py", SITE);
}
END_TEST

START_TEST(test_module_from_non_source_files)
{
    static const char *const files[] = {
        STDLIB "/json/decoder.pyc",
        STDLIB "/json/__pycache__/decoder.cpython-311.pyc",
        STDLIB "/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so",
        STDLIB "/json/decoder.pyi",
        STDLIB "/json/decoder.pyw",
        STDLIB "/json/decoder",
        STDLIB "/json/decoder.PY",
        STDLIB "/json/__init__.pyc",
        STDLIB "/.py",
        STDLIB "/py",
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        expect_no_module(files[i], STDLIB);
}
END_TEST

START_TEST(test_module_from_file_small_buffer)
{
    char out[13];

    ck_assert_msg(codepolicy_module_from_file(STDLIB "/json/decoder.py", STDLIB, out, sizeof(out)) == 0,
                  "json.decoder fits in 13 bytes");
    ck_assert_msg(strcmp(out, "json.decoder") == 0, "json.decoder in 13 bytes is \"%s\"", out);
    ck_assert_msg(codepolicy_module_from_file(STDLIB "/json/decoder.py", STDLIB, out, 12) == -1,
                  "json.decoder does not fit in 12 bytes");
    ck_assert_msg(codepolicy_module_from_file("<frozen json.decoder>", "", out, 12) == -1,
                  "frozen json.decoder does not fit in 12 bytes");
    ck_assert_msg(codepolicy_module_from_file("<frozen json.decoder>", "", out, 13) == 0,
                  "frozen json.decoder fits in 13 bytes");
    ck_assert_msg(strcmp(out, "json.decoder") == 0, "frozen json.decoder in 13 bytes is \"%s\"", out);
}
END_TEST

Suite *suite_codepolicy(void)
{
    Suite *suite = suite_create("codepolicy");
    TCase *trusted = tcase_create("trusted files");
    TCase *pickle = tcase_create("pickle");
    TCase *imports = tcase_create("imports");

    tcase_add_test(trusted, test_trusted_file_pseudo_names);
    tcase_add_test(trusted, test_trusted_file_below_directories);
    tcase_add_test(trusted, test_trusted_file_dotdot);
    tcase_add_test(trusted, test_trusted_file_relative_names);
    tcase_add_test(trusted, test_trusted_file_no_directories);
    suite_add_tcase(suite, trusted);

    tcase_add_test(pickle, test_pickle_denied_modules);
    tcase_add_test(pickle, test_pickle_near_miss_modules);
    tcase_add_test(pickle, test_pickle_safe_builtins);
    tcase_add_test(pickle, test_pickle_unsafe_builtins);
    tcase_add_test(pickle, test_pickle_module_objects);
    tcase_add_test(pickle, test_pickle_dotted_names);
    tcase_add_test(pickle, test_pickle_long_components);
    tcase_add_test(pickle, test_pickle_name_callables);
    tcase_add_test(pickle, test_pickle_ordinary_classes);
    suite_add_tcase(suite, pickle);

    tcase_add_test(imports, test_denied);
    tcase_add_test(imports, test_denied_empty_list);
    tcase_add_test(imports, test_essential_modules);
    tcase_add_test(imports, test_essential_others);
    tcase_add_test(imports, test_module_from_source_files);
    tcase_add_test(imports, test_module_from_frozen_names);
    tcase_add_test(imports, test_module_from_other_places);
    tcase_add_test(imports, test_module_from_non_source_files);
    tcase_add_test(imports, test_module_from_file_small_buffer);
    suite_add_tcase(suite, imports);
    return suite;
}
