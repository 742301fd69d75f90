/* Command-line parsing: every option in each of its forms, unique and
 * ambiguous abbreviations, usage errors, the action modes, hermetic-python's
 * pass-through and the --help text. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "scratch.h"
#include "unit.h"

/* argv arrays for cli_parse, which keeps pointers into them. */
#define ARGV(...) ((char *[]){"hermetic", __VA_ARGS__, NULL})
#define PYARGV(...) ((char *[]){"hermetic-python", __VA_ARGS__, NULL})

static int count_args(char **argv)
{
    int argc = 0;

    while (argv[argc] != NULL)
        argc++;
    return argc;
}

/* The arguments after argv[0], joined by spaces, for assert messages. */
static const char *describe(char **argv)
{
    static char text[2048];

    text[0] = '\0';
    for (int i = 1; argv[i] != NULL; i++) {
        if (i > 1)
            strncat(text, " ", sizeof(text) - strlen(text) - 1);
        strncat(text, argv[i], sizeof(text) - strlen(text) - 1);
    }
    return text;
}

static void parse_program_ok(enum cli_program program, char **argv, struct hermetic_options *o)
{
    struct hermetic_error err = {0};
    int rc = cli_parse(count_args(argv), argv, program, o, &err);

    ck_assert_msg(rc == 0, "\"%s\" should parse, got status %d: %s", describe(argv), err.status,
                  err.message);
}

static void parse_ok(char **argv, struct hermetic_options *o)
{
    parse_program_ok(CLI_HERMETIC, argv, o);
}

/* Parse as `program`, require a usage error and return its message. */
static const char *parse_program_fails(enum cli_program program, char **argv)
{
    static struct hermetic_error err;
    struct hermetic_options o;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = cli_parse(count_args(argv), argv, program, &o, &err);
    cli_options_free(&o);
    ck_assert_msg(rc == -1, "\"%s\" should be rejected", describe(argv));
    ck_assert_msg(err.status == HERMETIC_EXIT_USAGE, "\"%s\": status %d, expected 64 (%s)",
                  describe(argv), err.status, err.message);
    return err.message;
}

static const char *parse_fails(char **argv)
{
    return parse_program_fails(CLI_HERMETIC, argv);
}

static void expect_usage_error(char **argv, const char *expected)
{
    const char *message = parse_fails(argv);

    ck_assert_msg(strcmp(message, expected) == 0, "\"%s\":\n  got      %s\n  expected %s", describe(argv),
                  message, expected);
}

static void expect_usage_error_prefix(char **argv, const char *prefix, const char *contained)
{
    const char *message = parse_fails(argv);

    ck_assert_msg(strncmp(message, prefix, strlen(prefix)) == 0, "\"%s\": message \"%s\" should start with \"%s\"",
                  describe(argv), message, prefix);
    ck_assert_msg(strstr(message, contained) != NULL, "\"%s\": message \"%s\" should contain \"%s\"",
                  describe(argv), message, contained);
}

static void expect_command(const struct hermetic_options *o, char **argv, int argc, const char *first)
{
    ck_assert_msg(o->command_argc == argc, "\"%s\": command_argc %d, expected %d", describe(argv),
                  o->command_argc, argc);
    if (first != NULL)
        ck_assert_msg(strcmp(o->command_argv[0], first) == 0, "\"%s\": command starts with \"%s\", expected \"%s\"",
                      describe(argv), o->command_argv[0], first);
}

/* ----- flags ----- */

#define POLICY_FIELD(member) offsetof(struct hermetic_policy, member)

struct flag_case {
    const char *option;
    size_t field;   /* offset of the bool the flag sets */
};

static const struct flag_case FLAGS[] = {
    {"--no-network", POLICY_FIELD(network.block)},
    {"--allow-localhost", POLICY_FIELD(network.allow_localhost)},
    {"--allow-unix-socket", POLICY_FIELD(network.allow_unix_sockets)},
    {"--allow-unix-sockets", POLICY_FIELD(network.allow_unix_sockets)},
    {"--no-subprocess", POLICY_FIELD(subprocess.block)},
    {"--fs-readonly", POLICY_FIELD(filesystem.readonly)},
    {"--block-native", POLICY_FIELD(native.block)},
    {"--no-environment", POLICY_FIELD(environment.scrub)},
    {"--no-env", POLICY_FIELD(environment.scrub)},
    {"--no-code-exec", POLICY_FIELD(code_exec.block)},
    {"--no-interpreter-mutation", POLICY_FIELD(interpreter.block_mutation)},
    {"--seal", POLICY_FIELD(seal)},
};
#define FLAG_COUNT (sizeof(FLAGS) / sizeof(FLAGS[0]))

static bool policy_flag(const struct hermetic_policy *p, size_t field)
{
    return *(const bool *)(const void *)((const char *)p + field);
}

/* Require that `field` is set and every other flag field is clear. */
static void expect_only_flag(const struct hermetic_options *o, char **argv, size_t field)
{
    ck_assert_msg(policy_flag(&o->policy, field), "\"%s\" should set its policy field", describe(argv));
    for (size_t k = 0; k < FLAG_COUNT; k++)
        if (FLAGS[k].field != field)
            ck_assert_msg(!policy_flag(&o->policy, FLAGS[k].field), "\"%s\" should not set the field of %s",
                          describe(argv), FLAGS[k].option);
    ck_assert_msg(o->policy_given, "\"%s\" should set policy_given", describe(argv));
}

START_TEST(test_flags_long_form)
{
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        char *argv[] = {"hermetic", (char *)FLAGS[i].option, "--", "cmd", NULL};
        struct hermetic_options o;

        parse_ok(argv, &o);
        expect_only_flag(&o, argv, FLAGS[i].field);
        expect_command(&o, argv, 1, "cmd");
        ck_assert_msg(o.mode == CLI_RUN, "\"%s\": mode %d, expected CLI_RUN", describe(argv), o.mode);
        cli_options_free(&o);
    }
}
END_TEST

START_TEST(test_flags_reject_values)
{
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        char arg[64], expected[128];
        char *argv[] = {"hermetic", arg, "--", "cmd", NULL};

        if (strcmp(FLAGS[i].option, "--fs-readonly") == 0)
            continue;  /* takes an optional value: tested with the read root */
        snprintf(arg, sizeof(arg), "%s=yes", FLAGS[i].option);
        snprintf(expected, sizeof(expected), "%s takes no value (got \"yes\")", FLAGS[i].option);
        expect_usage_error(argv, expected);
    }
}
END_TEST

START_TEST(test_flags_without_options)
{
    struct hermetic_options o;
    char **argv = ARGV("--", "cmd", "--no-network");

    parse_ok(argv, &o);
    for (size_t k = 0; k < FLAG_COUNT; k++)
        ck_assert_msg(!policy_flag(&o.policy, FLAGS[k].field), "no option given, but %s is set", FLAGS[k].option);
    ck_assert_msg(!o.policy_given, "no option given, but policy_given is set");
    expect_command(&o, argv, 2, "cmd");
    ck_assert_str_eq(o.command_argv[1], "--no-network");
    cli_options_free(&o);
}
END_TEST

/* ----- abbreviations ----- */

struct abbreviation_case {
    const char *arg;
    size_t field;
};

static const struct abbreviation_case FLAG_ABBREVIATIONS[] = {
    {"--no-n", POLICY_FIELD(network.block)},
    {"--no-net", POLICY_FIELD(network.block)},
    {"--allow-l", POLICY_FIELD(network.allow_localhost)},
    {"--allow-u", POLICY_FIELD(network.allow_unix_sockets)},
    {"--allow-unix", POLICY_FIELD(network.allow_unix_sockets)},
    {"--no-s", POLICY_FIELD(subprocess.block)},
    {"--f", POLICY_FIELD(filesystem.readonly)},
    {"--fs", POLICY_FIELD(filesystem.readonly)},
    {"--b", POLICY_FIELD(native.block)},
    {"--block", POLICY_FIELD(native.block)},
    {"--no-e", POLICY_FIELD(environment.scrub)},   /* --no-environment and its alias --no-env */
    {"--no-envi", POLICY_FIELD(environment.scrub)},
    {"--no-c", POLICY_FIELD(code_exec.block)},
    {"--no-i", POLICY_FIELD(interpreter.block_mutation)},
    {"--se", POLICY_FIELD(seal)},
};

START_TEST(test_flag_abbreviations)
{
    for (size_t i = 0; i < sizeof(FLAG_ABBREVIATIONS) / sizeof(FLAG_ABBREVIATIONS[0]); i++) {
        char *argv[] = {"hermetic", (char *)FLAG_ABBREVIATIONS[i].arg, "--", "cmd", NULL};
        struct hermetic_options o;

        parse_ok(argv, &o);
        expect_only_flag(&o, argv, FLAG_ABBREVIATIONS[i].field);
        cli_options_free(&o);
    }
}
END_TEST

START_TEST(test_value_abbreviations)
{
    struct hermetic_options o;
    char **argv = ARGV("--allow-d", "example.com", "--allow-n=numpy", "--allow-en", "CI", "--d=pickle",
                       "--k=auto", "--tr=all", "--on", "exit", "--prof", "test", "--allow-r=/", "--", "cmd");

    parse_ok(argv, &o);
    ck_assert_msg(o.policy.network.allow.len == 1, "--allow-d should add one network rule");
    ck_assert_str_eq(o.policy.network.allow.items[0].name, "example.com");
    ck_assert_msg(strlist_contains(&o.policy.native.allow, "numpy"), "--allow-n=numpy should allow numpy");
    ck_assert_msg(strlist_contains(&o.policy.environment.allow, "CI"), "--allow-en CI should keep CI");
    ck_assert_msg(strlist_contains(&o.policy.imports.deny, "pickle"), "--d=pickle should deny pickle");
    ck_assert_int_eq(o.policy.kernel, KERNEL_AUTO);
    ck_assert_int_eq(o.policy.trace, TRACE_ALL);
    ck_assert_int_eq(o.policy.on_violation, ON_VIOLATION_EXIT);
    ck_assert_msg(o.profiles.len == 1, "--prof should add one profile");
    ck_assert_str_eq(o.profiles.items[0], "test");
    ck_assert_msg(strlist_contains(&o.policy.filesystem.allow_read, "/"), "--allow-r=/ should allow reading /");
    expect_command(&o, argv, 1, "cmd");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_mode_abbreviations)
{
    static const struct {
        const char *arg;
        enum cli_mode mode;
    } cases[] = {
        {"--sh", CLI_SHOW_POLICY}, {"--show", CLI_SHOW_POLICY}, {"--li", CLI_LIST_PROFILES},
        {"--v", CLI_VERSION},      {"--vers", CLI_VERSION},     {"--h", CLI_HELP},
        {"--he", CLI_HELP},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[] = {"hermetic", (char *)cases[i].arg, NULL};
        struct hermetic_options o;

        parse_ok(argv, &o);
        ck_assert_msg(o.mode == cases[i].mode, "%s: mode %d, expected %d", cases[i].arg, o.mode, cases[i].mode);
        cli_options_free(&o);
    }
}
END_TEST

START_TEST(test_ambiguous_abbreviations)
{
    expect_usage_error(ARGV("--no", "--", "cmd"),
                       "ambiguous option --no: could be --no-network, --no-subprocess, --no-environment, "
                       "--no-code-exec or --no-interpreter-mutation");
    expect_usage_error(ARGV("--a", "--", "cmd"),
                       "ambiguous option --a: could be --allow-localhost, --allow-domain, --allow-unix-socket, "
                       "--allow-exec, --allow-write, --allow-read, --allow-native or --allow-env");
    expect_usage_error(ARGV("--allow", "--", "cmd"),
                       "ambiguous option --allow: could be --allow-localhost, --allow-domain, --allow-unix-socket, "
                       "--allow-exec, --allow-write, --allow-read, --allow-native or --allow-env");
    expect_usage_error(ARGV("--allow-e", "x", "--", "cmd"),
                       "ambiguous option --allow-e: could be --allow-exec or --allow-env");
    expect_usage_error(ARGV("--allow-e=x", "--", "cmd"),
                       "ambiguous option --allow-e: could be --allow-exec or --allow-env");
    expect_usage_error(ARGV("--s", "--", "cmd"), "ambiguous option --s: could be --seal or --show-policy");
    expect_usage_error(ARGV("--l", "--", "cmd"), "ambiguous option --l: could be --log-json or --list-profiles");
}
END_TEST

/* ----- options with values ----- */

START_TEST(test_allow_domain_forms)
{
    static const char *const expected[] = {"example.com", "*.example.org", "10.0.0.0/8:443",
                                           "[2001:db8::1]:8443", "pypi.internal.example"};
    struct hermetic_options o;
    char **argv = ARGV("--no-network", "--allow-domain", "example.com", "--allow-domain=*.example.org",
                       "--allow-domain", "10.0.0.0/8:443", "--allow-domain=[2001:db8::1]:8443",
                       "--allow-domain=EXAMPLE.com.", "--allow-domain", "pypi.internal.example", "--", "cmd");

    parse_ok(argv, &o);
    ck_assert_msg(o.policy.network.allow.len == 5, "expected 5 rules (EXAMPLE.com. repeats example.com), got %zu",
                  o.policy.network.allow.len);
    for (size_t i = 0; i < 5; i++) {
        char text[NETNAME_MAX + NETADDR_TEXT_MAX];

        netrule_format(&o.policy.network.allow.items[i], text, sizeof(text));
        ck_assert_msg(strcmp(text, expected[i]) == 0, "rule %zu is %s, expected %s", i, text, expected[i]);
    }
    ck_assert_int_eq(o.policy.network.allow.items[0].kind, NETRULE_DOMAIN);
    ck_assert_int_eq(o.policy.network.allow.items[1].kind, NETRULE_SUBDOMAINS);
    ck_assert_int_eq(o.policy.network.allow.items[2].kind, NETRULE_NETWORK);
    ck_assert_int_eq(o.policy.network.allow.items[3].addr.family, AF_INET6);
    cli_options_free(&o);
}
END_TEST

START_TEST(test_allow_domain_invalid)
{
    expect_usage_error_prefix(ARGV("--allow-domain", "bad..name", "--", "cmd"), "--allow-domain: ", "bad..name");
    expect_usage_error_prefix(ARGV("--allow-domain=10.0.0.1/8", "--", "cmd"), "--allow-domain: ", "10.0.0.1/8");
    expect_usage_error_prefix(ARGV("--allow-domain=example.com:99999", "--", "cmd"), "--allow-domain: ",
                              "example.com:99999");
    expect_usage_error_prefix(ARGV("--allow-domain=", "--", "cmd"), "--allow-domain: ", "empty host");
}
END_TEST

START_TEST(test_allow_exec_on_path)
{
    char *dir = scratch_dir();
    char *bin = scratch_subdir(dir, "bin");
    char *tool = scratch_file(bin, "tool", "#!/bin/sh\n", 0755);
    char *link = scratch_symlink(bin, "tool-link", "tool");
    char *sh = scratch_realpath("/bin/sh");
    struct hermetic_options o;

    scratch_setenv("PATH", bin);
    scratch_chdir(dir);
    parse_ok(ARGV("--no-subprocess", "--allow-exec", "tool", "--allow-exec=tool-link", "--allow-exec",
                  "/bin/sh", "--allow-exec=./bin/tool", "--", "cmd"),
             &o);
    ck_assert_msg(o.policy.subprocess.allow_exec.len == 2,
                  "tool, tool-link and ./bin/tool are one program; expected 2 entries, got %zu",
                  o.policy.subprocess.allow_exec.len);
    ck_assert_str_eq(o.policy.subprocess.allow_exec.items[0], tool);
    ck_assert_str_eq(o.policy.subprocess.allow_exec.items[1], sh);
    cli_options_free(&o);
    free(dir), free(bin), free(tool), free(link), free(sh);
}
END_TEST

START_TEST(test_allow_exec_not_found)
{
    char *dir = scratch_dir();

    scratch_setenv("PATH", dir);
    expect_usage_error(ARGV("--allow-exec", "no-such-tool", "--", "cmd"),
                       "--allow-exec: program \"no-such-tool\" not found on PATH (give its path, e.g. "
                       "/usr/bin/no-such-tool)");
    expect_usage_error(ARGV("--allow-exec=/nonexistent/tool", "--", "cmd"),
                       "--allow-exec: cannot resolve \"/nonexistent/tool\": No such file or directory");
    free(dir);
}
END_TEST

START_TEST(test_fs_readonly_root_forms)
{
    char *dir = scratch_dir();
    char *inner = scratch_subdir(dir, "inner");
    char *link = scratch_symlink(dir, "link", "inner");
    char *equals = xasprintf("--fs-readonly=%s", dir);
    struct hermetic_options o;

    parse_ok(ARGV("--fs-readonly", dir, "--", "cmd"), &o);
    ck_assert_msg(o.policy.filesystem.readonly, "--fs-readonly ROOT should set readonly");
    ck_assert_msg(o.policy.filesystem.root != NULL, "--fs-readonly ROOT should set the root");
    ck_assert_str_eq(o.policy.filesystem.root, dir);
    expect_command(&o, ARGV("--fs-readonly", dir, "--", "cmd"), 1, "cmd");
    cli_options_free(&o);

    parse_ok(ARGV(equals, "--", "cmd"), &o);
    ck_assert_msg(o.policy.filesystem.root != NULL, "--fs-readonly=ROOT should set the root");
    ck_assert_str_eq(o.policy.filesystem.root, dir);
    cli_options_free(&o);

    parse_ok(ARGV("--fs-readonly", link, "--", "cmd"), &o);
    ck_assert_msg(o.policy.filesystem.root != NULL, "--fs-readonly LINK should set the root");
    ck_assert_str_eq(o.policy.filesystem.root, inner);
    cli_options_free(&o);

    /* Nested roots combine to the inner one, in either order. */
    parse_ok(ARGV(equals, "--fs-readonly", inner, "--", "cmd"), &o);
    ck_assert_str_eq(o.policy.filesystem.root, inner);
    cli_options_free(&o);
    parse_ok(ARGV("--fs-readonly", inner, equals, "--", "cmd"), &o);
    ck_assert_str_eq(o.policy.filesystem.root, inner);
    cli_options_free(&o);

    free(dir), free(inner), free(link), free(equals);
}
END_TEST

START_TEST(test_fs_readonly_without_root)
{
    struct hermetic_options o;
    char **argv = ARGV("--fs-readonly", "--", "cmd");
    char **before_option = ARGV("--fs-readonly", "--no-network", "--", "cmd");

    parse_ok(argv, &o);
    ck_assert_msg(o.policy.filesystem.readonly, "--fs-readonly should set readonly");
    ck_assert_msg(o.policy.filesystem.root == NULL, "--fs-readonly -- should not take -- as the root");
    expect_command(&o, argv, 1, "cmd");
    cli_options_free(&o);

    parse_ok(before_option, &o);
    ck_assert_msg(o.policy.filesystem.root == NULL, "--fs-readonly --no-network should not take a root");
    ck_assert_msg(o.policy.network.block, "--no-network after --fs-readonly should still apply");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_fs_readonly_root_errors)
{
    char *first = scratch_dir();
    char *second = scratch_dir();
    char *expected = xasprintf("conflicting read roots: %s (from --fs-readonly) and %s do not nest; give one root",
                               second, first);

    expect_usage_error(ARGV("--fs-readonly=", "--", "cmd"),
                       "--fs-readonly=: empty read root (write --fs-readonly to block writes only, or "
                       "--fs-readonly=DIR to also block reads outside DIR)");
    expect_usage_error(ARGV("--fs=", "--", "cmd"),
                       "--fs-readonly=: empty read root (write --fs-readonly to block writes only, or "
                       "--fs-readonly=DIR to also block reads outside DIR)");
    expect_usage_error(ARGV("--fs-readonly=/nonexistent-root", "--", "cmd"),
                       "--fs-readonly: cannot resolve \"/nonexistent-root\": No such file or directory");
    expect_usage_error(ARGV("--fs-readonly", first, "--fs-readonly", second, "--", "cmd"), expected);
    free(first), free(second), free(expected);
}
END_TEST

/* A policy travels to Python children as a YAML profile, which cannot hold
 * a path that is not UTF-8 (found by fuzz/fuzz_cli.c). */
START_TEST(test_paths_not_utf8)
{
    char *dir = scratch_dir();
    char *latin1 = scratch_subdir(dir, "caf\xe9");
    char *program = scratch_file(latin1, "tool", "#!/bin/sh\n", 0755);
    char *log = xasprintf("%s/log.jsonl", latin1);
    char *write = xasprintf("%s/new", latin1);
    char *expected;

    expected = xasprintf("--allow-write: the path \"%s\" is not valid UTF-8, which profiles and Python "
                         "children cannot carry; rename it or use a parent directory", write);
    expect_usage_error(ARGV("--fs-readonly", "--allow-write", write, "--", "cmd"), expected);
    free(expected);
    expect_usage_error_prefix(ARGV("--fs-readonly", "--allow-read", latin1, "--", "cmd"), "--allow-read: ",
                              "is not valid UTF-8");
    expect_usage_error_prefix(ARGV("--fs-readonly", latin1, "--", "cmd"), "--fs-readonly: ", "is not valid UTF-8");
    expect_usage_error_prefix(ARGV("--no-subprocess", "--allow-exec", program, "--", "cmd"), "--allow-exec: ",
                              "is not valid UTF-8");
    expect_usage_error_prefix(ARGV("--log-json", log, "--", "cmd"), "--log-json: ", "is not valid UTF-8");
    free(dir), free(latin1), free(program), free(log), free(write);
}
END_TEST

START_TEST(test_allow_read_and_write)
{
    char *dir = scratch_dir();
    char *data = scratch_subdir(dir, "data");
    char *build = xasprintf("%s/build", dir);
    struct hermetic_options o;

    scratch_chdir(dir);
    parse_ok(ARGV("--fs-readonly", "--allow-write", "build", "--allow-write=./build/", "--allow-read", data,
                  "--allow-read=data/.", "--", "cmd"),
             &o);
    ck_assert_msg(o.policy.filesystem.allow_write.len == 1, "build and ./build/ are one path; got %zu entries",
                  o.policy.filesystem.allow_write.len);
    ck_assert_str_eq(o.policy.filesystem.allow_write.items[0], build);
    ck_assert_msg(o.policy.filesystem.allow_read.len == 1, "data and data/. are one path; got %zu entries",
                  o.policy.filesystem.allow_read.len);
    ck_assert_str_eq(o.policy.filesystem.allow_read.items[0], data);
    cli_options_free(&o);

    expect_usage_error(ARGV("--allow-read=missing", "--", "cmd"),
                       "--allow-read: cannot resolve \"missing\": No such file or directory");
    expect_usage_error(ARGV("--allow-write", "missing/build", "--", "cmd"),
                       "--allow-write: cannot resolve the parent directory of \"missing/build\": No such file "
                       "or directory");
    expect_usage_error(ARGV("--allow-write=", "--", "cmd"), "--allow-write: empty path");
    free(dir), free(data), free(build);
}
END_TEST

START_TEST(test_module_and_env_lists)
{
    struct hermetic_options o;

    parse_ok(ARGV("--block-native", "--allow-native", "numpy", "--allow-native=numpy", "--allow-native",
                  "lxml.etree", "--deny-import", "pickle", "--deny-import=xml.etree", "--no-environment",
                  "--allow-env", "CI", "--allow-env=GITHUB_*", "--allow-env", "CI", "--", "cmd"),
             &o);
    ck_assert_msg(o.policy.native.allow.len == 2, "expected numpy and lxml.etree, got %zu entries",
                  o.policy.native.allow.len);
    ck_assert_str_eq(o.policy.native.allow.items[0], "numpy");
    ck_assert_str_eq(o.policy.native.allow.items[1], "lxml.etree");
    ck_assert_msg(o.policy.imports.deny.len == 2, "expected pickle and xml.etree, got %zu entries",
                  o.policy.imports.deny.len);
    ck_assert_str_eq(o.policy.imports.deny.items[0], "pickle");
    ck_assert_str_eq(o.policy.imports.deny.items[1], "xml.etree");
    ck_assert_msg(o.policy.environment.allow.len == 2, "expected CI and GITHUB_*, got %zu entries",
                  o.policy.environment.allow.len);
    ck_assert_str_eq(o.policy.environment.allow.items[0], "CI");
    ck_assert_str_eq(o.policy.environment.allow.items[1], "GITHUB_*");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_module_and_env_invalid)
{
    expect_usage_error(ARGV("--allow-native=1numpy", "--", "cmd"),
                       "--allow-native: invalid module name \"1numpy\" (expected a dotted name such as numpy or "
                       "xml.etree)");
    expect_usage_error(ARGV("--deny-import", "xml..etree", "--", "cmd"),
                       "--deny-import: invalid module name \"xml..etree\" (expected a dotted name such as numpy "
                       "or xml.etree)");
    expect_usage_error(ARGV("--deny-import=", "--", "cmd"),
                       "--deny-import: invalid module name \"\" (expected a dotted name such as numpy or "
                       "xml.etree)");
    expect_usage_error(ARGV("--allow-env", "A=B", "--", "cmd"),
                       "--allow-env: invalid variable name or pattern \"A=B\" (expected a name such as CI or a "
                       "glob such as \"GITHUB_*\")");
    expect_usage_error(ARGV("--allow-env=", "--", "cmd"),
                       "--allow-env: invalid variable name or pattern \"\" (expected a name such as CI or a "
                       "glob such as \"GITHUB_*\")");
}
END_TEST

START_TEST(test_kernel_values)
{
    static const struct {
        const char *args[3];
        enum kernel_mode mode;
    } cases[] = {
        {{"--kernel", NULL}, KERNEL_REQUIRED},
        {{"--kernel=required", NULL}, KERNEL_REQUIRED},
        {{"--kernel=auto", NULL}, KERNEL_AUTO},
        {{"--kernel=off", NULL}, KERNEL_OFF},
        {{"--kernel=auto", "--kernel=off"}, KERNEL_AUTO},
        {{"--kernel=off", "--kernel=auto"}, KERNEL_AUTO},
        {{"--kernel", "--kernel=auto"}, KERNEL_REQUIRED},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[6] = {"hermetic"};
        int argc = 1;
        struct hermetic_options o;

        for (size_t k = 0; k < 2 && cases[i].args[k] != NULL; k++)
            argv[argc++] = (char *)cases[i].args[k];
        argv[argc++] = "--";
        argv[argc++] = "cmd";
        argv[argc] = NULL;
        parse_ok(argv, &o);
        ck_assert_msg(o.policy.kernel == cases[i].mode, "\"%s\": kernel %d, expected %d", describe(argv),
                      o.policy.kernel, cases[i].mode);
        /* --kernel backs the other guards; hermetic-python still applies
         * its default profile. */
        ck_assert_msg(!o.policy_given, "\"%s\" should not set policy_given", describe(argv));
        cli_options_free(&o);
    }
    expect_usage_error(ARGV("--kernel=sometimes", "--", "cmd"),
                       "--kernel=sometimes: invalid mode (expected off, auto or required)");
    expect_usage_error(ARGV("--kernel=", "--", "cmd"), "--kernel=: invalid mode (expected off, auto or required)");
    /* An optional value needs the = form: the next word would be the
     * command, and the message says which was meant. */
    expect_usage_error(ARGV("--kernel", "auto", "--", "cmd"),
                       "--kernel takes its value after \"=\": write --kernel=auto (or, if \"auto\" is the "
                       "command, put -- before it)");
    expect_usage_error(ARGV("--trace", "all", "--", "cmd"),
                       "--trace takes its value after \"=\": write --trace=all (or, if \"all\" is the "
                       "command, put -- before it)");
    expect_usage_error(ARGV("--seal", "cmd"),
                       "missing -- before the command \"cmd\": write hermetic [OPTIONS] -- cmd ...");
}
END_TEST

START_TEST(test_on_violation_values)
{
    struct hermetic_options o;

    parse_ok(ARGV("--on-violation", "exit", "--", "cmd"), &o);
    ck_assert_int_eq(o.policy.on_violation, ON_VIOLATION_EXIT);
    cli_options_free(&o);
    parse_ok(ARGV("--on-violation=raise", "--", "cmd"), &o);
    ck_assert_int_eq(o.policy.on_violation, ON_VIOLATION_RAISE);
    cli_options_free(&o);
    parse_ok(ARGV("--on-violation=exit", "--on-violation", "raise", "--", "cmd"), &o);
    ck_assert_msg(o.policy.on_violation == ON_VIOLATION_EXIT, "raise after exit should keep the stricter exit");
    cli_options_free(&o);

    expect_usage_error(ARGV("--on-violation=maybe", "--", "cmd"),
                       "--on-violation=maybe: invalid value (expected raise or exit)");
    expect_usage_error(ARGV("--on-violation", "Exit", "--", "cmd"),
                       "--on-violation=Exit: invalid value (expected raise or exit)");
    expect_usage_error(ARGV("--on-violation=", "--", "cmd"), "--on-violation=: invalid value (expected raise or exit)");
}
END_TEST

START_TEST(test_trace_values)
{
    struct hermetic_options o;

    parse_ok(ARGV("--trace", "--", "cmd"), &o);
    ck_assert_int_eq(o.policy.trace, TRACE_BLOCKED);
    cli_options_free(&o);
    parse_ok(ARGV("--trace=blocked", "--", "cmd"), &o);
    ck_assert_int_eq(o.policy.trace, TRACE_BLOCKED);
    cli_options_free(&o);
    parse_ok(ARGV("--trace=all", "--", "cmd"), &o);
    ck_assert_int_eq(o.policy.trace, TRACE_ALL);
    cli_options_free(&o);
    parse_ok(ARGV("--trace=all", "--trace", "--", "cmd"), &o);
    ck_assert_msg(o.policy.trace == TRACE_ALL, "--trace after --trace=all should keep all");
    cli_options_free(&o);

    expect_usage_error(ARGV("--trace=loud", "--", "cmd"), "--trace=loud: invalid value (expected blocked or all)");
    expect_usage_error(ARGV("--trace=", "--", "cmd"), "--trace=: invalid value (expected blocked or all)");
}
END_TEST

START_TEST(test_log_json_values)
{
    char *dir = scratch_dir();
    char *log = xasprintf("%s/audit.jsonl", dir);
    char *other = xasprintf("%s/other.jsonl", dir);
    char *equals = xasprintf("--log-json=%s", log);
    char *twice = xasprintf("--log-json given twice (%s and %s); give one file", log, other);
    struct hermetic_options o;

    parse_ok(ARGV("--log-json", log, "--", "cmd"), &o);
    ck_assert_msg(o.policy.log_json != NULL, "--log-json FILE should set log_json");
    ck_assert_str_eq(o.policy.log_json, log);
    cli_options_free(&o);

    scratch_chdir(dir);
    parse_ok(ARGV(equals, "--log-json", "./audit.jsonl", "--", "cmd"), &o);
    ck_assert_msg(o.policy.log_json != NULL, "--log-json=FILE should set log_json");
    ck_assert_str_eq(o.policy.log_json, log);
    cli_options_free(&o);

    expect_usage_error(ARGV("--log-json", log, "--log-json", other, "--", "cmd"), twice);
    expect_usage_error(ARGV("--log-json=/nonexistent-dir/audit.jsonl", "--", "cmd"),
                       "--log-json: cannot resolve the parent directory of \"/nonexistent-dir/audit.jsonl\": No "
                       "such file or directory");
    free(dir), free(log), free(other), free(equals), free(twice);
}
END_TEST

START_TEST(test_profile_values)
{
    struct hermetic_options o;

    parse_ok(ARGV("--profile", "block-all", "--profile=./mine.yaml", "--profile", "block-all", "--", "cmd"), &o);
    ck_assert_msg(o.profiles.len == 3, "every --profile is kept in order; got %zu", o.profiles.len);
    ck_assert_str_eq(o.profiles.items[0], "block-all");
    ck_assert_str_eq(o.profiles.items[1], "./mine.yaml");
    ck_assert_str_eq(o.profiles.items[2], "block-all");
    ck_assert_msg(o.policy_given, "--profile should set policy_given");
    cli_options_free(&o);

    expect_usage_error(ARGV("--profile=", "--", "cmd"), "--profile: empty profile name");
}
END_TEST

START_TEST(test_policy_given_by_reporting_options)
{
    struct hermetic_options o;

    /* --trace and --on-violation change how violations are reported, not
     * what is blocked, so hermetic-python still applies its default profile
     * with them. */
    parse_ok(ARGV("--trace", "--on-violation=exit", "--", "cmd"), &o);
    ck_assert_msg(!o.policy_given, "--trace and --on-violation should not set policy_given");
    cli_options_free(&o);
}
END_TEST

/* ----- usage errors ----- */

START_TEST(test_unknown_options)
{
    expect_usage_error(ARGV("--no-such-option", "--", "cmd"), "unknown option --no-such-option (see hermetic --help)");
    expect_usage_error(ARGV("--network", "--", "cmd"), "unknown option --network (see hermetic --help)");
    expect_usage_error(ARGV("--no-networking", "--", "cmd"), "unknown option --no-networking (see hermetic --help)");
    expect_usage_error(ARGV("--unknown=value", "--", "cmd"), "unknown option --unknown (see hermetic --help)");
    expect_usage_error(ARGV("-x", "--", "cmd"),
                       "unknown option -x (hermetic's options are long options such as --no-network; see hermetic "
                       "--help)");
    expect_usage_error(ARGV("-", "--", "cmd"),
                       "unknown option - (hermetic's options are long options such as --no-network; see hermetic "
                       "--help)");
}
END_TEST

START_TEST(test_missing_values)
{
    static const struct {
        const char *option;
        const char *metavar;
    } cases[] = {
        {"allow-domain", "HOST"},  {"allow-exec", "PROGRAM"},       {"allow-write", "PATH"},
        {"allow-read", "PATH"},    {"allow-native", "MODULE"},      {"allow-env", "NAME"},
        {"deny-import", "MODULE"}, {"on-violation", "raise|exit"}, {"log-json", "FILE"},
        {"profile", "NAME|FILE"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char arg[64], expected[160];
        char *at_end[] = {"hermetic", arg, NULL};
        char *before_separator[] = {"hermetic", arg, "--", "cmd", NULL};

        snprintf(arg, sizeof(arg), "--%s", cases[i].option);
        snprintf(expected, sizeof(expected), "--%s needs a value: --%s %s (or --%s=%s)", cases[i].option,
                 cases[i].option, cases[i].metavar, cases[i].option,
                 cases[i].metavar);
        expect_usage_error(at_end, expected);
        expect_usage_error(before_separator, expected);
    }
    /* An abbreviation is named in full. */
    expect_usage_error(ARGV("--prof"), "--profile needs a value: --profile NAME|FILE (or --profile=NAME|FILE)");
}
END_TEST

START_TEST(test_missing_separator)
{
    expect_usage_error(ARGV("--no-network", "http", "https://example.com"),
                       "missing -- before the command \"http\": write hermetic [OPTIONS] -- http ...");
    expect_usage_error(ARGV("python3", "-c", "pass"),
                       "missing -- before the command \"python3\": write hermetic [OPTIONS] -- python3 ...");
}
END_TEST

START_TEST(test_missing_command)
{
    char *alone[] = {"hermetic", NULL};

    expect_usage_error(alone, "no command given: write hermetic [OPTIONS] -- COMMAND [ARGS...] (see hermetic --help)");
    expect_usage_error(ARGV("--no-network"),
                       "no command given: write hermetic [OPTIONS] -- COMMAND [ARGS...] (see hermetic --help)");
    expect_usage_error(ARGV("--"), "no command after --: write hermetic [OPTIONS] -- COMMAND [ARGS...]");
    expect_usage_error(ARGV("--no-network", "--"), "no command after --: write hermetic [OPTIONS] -- COMMAND [ARGS...]");
}
END_TEST

START_TEST(test_command_after_separator)
{
    struct hermetic_options o;
    char **argv = ARGV("--no-network", "--", "python3", "--", "--help", "-h");

    parse_ok(argv, &o);
    expect_command(&o, argv, 4, "python3");
    ck_assert_str_eq(o.command_argv[1], "--");
    ck_assert_str_eq(o.command_argv[2], "--help");
    ck_assert_str_eq(o.command_argv[3], "-h");
    ck_assert_msg(o.mode == CLI_RUN, "--help after -- belongs to the command");
    cli_options_free(&o);
}
END_TEST

/* ----- modes ----- */

START_TEST(test_action_modes)
{
    static const struct {
        const char *arg;
        enum cli_mode mode;
    } cases[] = {
        {"-h", CLI_HELP},
        {"--help", CLI_HELP},
        {"--version", CLI_VERSION},
        {"--show-policy", CLI_SHOW_POLICY},
        {"--list-profiles", CLI_LIST_PROFILES},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[] = {"hermetic", (char *)cases[i].arg, NULL};
        struct hermetic_options o;

        parse_ok(argv, &o);
        ck_assert_msg(o.mode == cases[i].mode, "%s: mode %d, expected %d", cases[i].arg, o.mode, cases[i].mode);
        ck_assert_msg(o.command_argc == 0, "%s: no command expected, got %d arguments", cases[i].arg,
                      o.command_argc);
        cli_options_free(&o);
    }
    expect_usage_error(ARGV("--version=1"), "--version takes no value (got \"1\")");
    expect_usage_error(ARGV("--show-policy=yaml"), "--show-policy takes no value (got \"yaml\")");
}
END_TEST

START_TEST(test_show_policy_with_options)
{
    struct hermetic_options o;

    parse_ok(ARGV("--no-network", "--show-policy", "--profile", "test"), &o);
    ck_assert_int_eq(o.mode, CLI_SHOW_POLICY);
    ck_assert_msg(o.policy.network.block, "--show-policy should keep the other options");
    ck_assert_msg(o.profiles.len == 1, "--show-policy should keep --profile");
    cli_options_free(&o);

    parse_ok(ARGV("--show-policy", "--", "cmd", "arg"), &o);
    ck_assert_int_eq(o.mode, CLI_SHOW_POLICY);
    expect_command(&o, ARGV("--show-policy", "--", "cmd", "arg"), 2, "cmd");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_help_wins_in_any_order)
{
    static const char *const others[] = {"--version", "--show-policy", "--list-profiles"};
    static const char *const helps[] = {"-h", "--help"};

    for (size_t h = 0; h < 2; h++) {
        for (size_t i = 0; i < 3; i++) {
            char *help_first[] = {"hermetic", (char *)helps[h], (char *)others[i], NULL};
            char *help_last[] = {"hermetic", (char *)others[i], (char *)helps[h], NULL};
            struct hermetic_options o;

            parse_ok(help_first, &o);
            ck_assert_msg(o.mode == CLI_HELP, "\"%s\": mode %d, expected help", describe(help_first), o.mode);
            cli_options_free(&o);
            parse_ok(help_last, &o);
            ck_assert_msg(o.mode == CLI_HELP, "\"%s\": mode %d, expected help", describe(help_last), o.mode);
            cli_options_free(&o);
        }
    }
}
END_TEST

START_TEST(test_conflicting_actions)
{
    expect_usage_error(ARGV("--version", "--show-policy"), "--show-policy cannot be combined with another action option");
    expect_usage_error(ARGV("--show-policy", "--list-profiles"),
                       "--list-profiles cannot be combined with another action option");
    expect_usage_error(ARGV("--list-profiles", "--version"), "--version cannot be combined with another action option");
}
END_TEST

START_TEST(test_repeated_action)
{
    struct hermetic_options o;

    parse_ok(ARGV("--version", "--version"), &o);
    ck_assert_int_eq(o.mode, CLI_VERSION);
    cli_options_free(&o);
}
END_TEST

START_TEST(test_action_options_still_checked)
{
    expect_usage_error(ARGV("--version", "--no-such-option"), "unknown option --no-such-option (see hermetic --help)");
    expect_usage_error(ARGV("--show-policy", "--kernel=maybe"), "--kernel=maybe: invalid mode (expected off, auto or required)");
}
END_TEST

/* ----- hermetic-python ----- */

START_TEST(test_python_stops_at_first_python_argument)
{
    struct hermetic_options o;
    char **argv = PYARGV("--no-network", "--profile=test", "-c", "print(1)", "--no-subprocess");

    parse_program_ok(CLI_HERMETIC_PYTHON, argv, &o);
    ck_assert_int_eq(o.program, CLI_HERMETIC_PYTHON);
    ck_assert_msg(o.policy.network.block, "--no-network before -c should apply");
    ck_assert_msg(!o.policy.subprocess.block, "--no-subprocess after -c belongs to the program");
    ck_assert_msg(o.profiles.len == 1, "--profile=test should be kept");
    expect_command(&o, argv, 3, "-c");
    ck_assert_str_eq(o.command_argv[2], "--no-subprocess");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_python_script_first)
{
    struct hermetic_options o;
    char **argv = PYARGV("script.py", "--no-network");

    parse_program_ok(CLI_HERMETIC_PYTHON, argv, &o);
    ck_assert_msg(!o.policy.network.block, "options after the script belong to the script");
    ck_assert_msg(!o.policy_given, "no hermetic option was given");
    expect_command(&o, argv, 2, "script.py");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_python_passes_help_and_version)
{
    static const char *const passed[] = {"--help", "--version", "--help-env", "--help-xoptions", "--help-all",
                                         "-h", "-V", "--check-hash-based-pycs", "-"};

    for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++) {
        char *argv[] = {"hermetic-python", "--no-network", (char *)passed[i], "--seal", NULL};
        struct hermetic_options o;

        parse_program_ok(CLI_HERMETIC_PYTHON, argv, &o);
        ck_assert_msg(o.mode == CLI_RUN, "%s: hermetic-python should pass it to Python, got mode %d", passed[i],
                      o.mode);
        expect_command(&o, argv, 2, passed[i]);
        ck_assert_msg(o.policy.network.block, "%s: --no-network before it should apply", passed[i]);
        ck_assert_msg(!o.policy.seal, "%s: --seal after it belongs to Python", passed[i]);
        cli_options_free(&o);
    }
}
END_TEST

START_TEST(test_python_without_arguments)
{
    struct hermetic_options o;
    char *argv[] = {"hermetic-python", NULL};

    parse_program_ok(CLI_HERMETIC_PYTHON, argv, &o);
    ck_assert_int_eq(o.mode, CLI_RUN);
    ck_assert_int_eq(o.command_argc, 0);
    ck_assert_msg(!o.policy_given, "no option was given");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_python_separator_and_fs_readonly)
{
    struct hermetic_options o;
    char **separator = PYARGV("--no-network", "--", "-c", "pass");
    char **fs_readonly = PYARGV("--fs-readonly", "script.py");

    parse_program_ok(CLI_HERMETIC_PYTHON, separator, &o);
    expect_command(&o, separator, 2, "-c");
    cli_options_free(&o);

    /* hermetic-python never takes a bare word as the read root: it is the script. */
    parse_program_ok(CLI_HERMETIC_PYTHON, fs_readonly, &o);
    ck_assert_msg(o.policy.filesystem.readonly, "--fs-readonly should apply");
    ck_assert_msg(o.policy.filesystem.root == NULL, "script.py must not become the read root");
    expect_command(&o, fs_readonly, 1, "script.py");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_python_usage_errors)
{
    const char *message;

    message = parse_program_fails(CLI_HERMETIC_PYTHON, PYARGV("--profile"));
    ck_assert_str_eq(message, "--profile needs a value: --profile NAME|FILE (or --profile=NAME|FILE)");
    message = parse_program_fails(CLI_HERMETIC_PYTHON, PYARGV("--seal=1", "script.py"));
    ck_assert_str_eq(message, "--seal takes no value (got \"1\")");
    message = parse_program_fails(CLI_HERMETIC_PYTHON, PYARGV("--trace=loud", "script.py"));
    ck_assert_str_eq(message, "--trace=loud: invalid value (expected blocked or all)");
    /* No prefixes in hermetic-python, and a long option neither hermetic
     * nor python3 knows is hermetic's usage error, not Python's. */
    message = parse_program_fails(CLI_HERMETIC_PYTHON, PYARGV("--no-net", "script.py"));
    ck_assert_str_eq(message, "unknown option --no-net (hermetic-python takes hermetic's long options in full, "
                              "then python3's; see hermetic --help)");
    message = parse_program_fails(CLI_HERMETIC_PYTHON, PYARGV("--no-netwrok=1", "script.py"));
    ck_assert_str_eq(message, "unknown option --no-netwrok (hermetic-python takes hermetic's long options in full, "
                              "then python3's; see hermetic --help)");
    message = parse_program_fails(CLI_HERMETIC_PYTHON, PYARGV("--kernel", "auto"));
    ck_assert_str_eq(message, "--kernel takes its value after \"=\": write --kernel=auto (or, if \"auto\" is the "
                              "script, write ./auto)");
}
END_TEST

/* ----- help text and option names ----- */

/* True if `text` contains "--NAME" not followed by more of an option name. */
static bool mentions_option(const char *text, const char *name)
{
    size_t len = strlen(name);

    for (const char *s = strstr(text, "--"); s != NULL; s = strstr(s + 2, "--")) {
        char next = s[2 + len];

        if (strncmp(s + 2, name, len) == 0 && !(next >= 'a' && next <= 'z') && next != '-')
            return true;
    }
    return false;
}

START_TEST(test_option_names_listed)
{
    const char *const *names = cli_option_names();
    static const char *const required[] = {"no-network", "allow-localhost", "allow-domain", "allow-unix-socket",
                                           "allow-unix-sockets", "no-subprocess", "allow-exec", "fs-readonly",
                                           "allow-write", "allow-read", "block-native", "allow-native",
                                           "no-environment", "no-env", "allow-env", "no-code-exec",
                                           "deny-import", "no-interpreter-mutation", "seal", "kernel",
                                           "on-violation", "profile", "trace", "log-json", "show-policy",
                                           "list-profiles", "version", "help"};
    size_t count = 0;

    for (size_t i = 0; names[i] != NULL; i++) {
        count++;
        ck_assert_msg(names[i][0] != '\0', "option name %zu is empty", i);
        for (size_t k = 0; k < i; k++)
            ck_assert_msg(strcmp(names[i], names[k]) != 0, "option name %s is listed twice", names[i]);
    }
    for (size_t r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
        bool found = false;

        for (size_t i = 0; names[i] != NULL; i++)
            found = found || strcmp(names[i], required[r]) == 0;
        ck_assert_msg(found, "cli_option_names() lacks --%s", required[r]);
    }
    ck_assert_msg(count == sizeof(required) / sizeof(required[0]),
                  "cli_option_names() lists %zu options; this test knows %zu: add the new one to the tests",
                  count, sizeof(required) / sizeof(required[0]));
}
END_TEST

START_TEST(test_option_names_parse)
{
    const char *const *names = cli_option_names();

    for (size_t i = 0; names[i] != NULL; i++) {
        char arg[64];
        char *argv[] = {"hermetic", arg, "--", "cmd", NULL};
        struct hermetic_options o;
        struct hermetic_error err = {0};

        snprintf(arg, sizeof(arg), "--%s=x", names[i]);
        if (cli_parse(4, argv, CLI_HERMETIC, &o, &err) == 0)
            cli_options_free(&o);
        else
            ck_assert_msg(strncmp(err.message, "unknown option", 14) != 0, "--%s is listed but not accepted: %s",
                          names[i], err.message);
    }
}
END_TEST

START_TEST(test_help_mentions_every_option)
{
    static const enum cli_program programs[] = {CLI_HERMETIC, CLI_HERMETIC_PYTHON};
    const char *const *names = cli_option_names();

    for (size_t p = 0; p < 2; p++) {
        char *help = cli_help_text(programs[p]);

        for (size_t i = 0; names[i] != NULL; i++)
            ck_assert_msg(mentions_option(help, names[i]), "--help of program %zu does not mention --%s", p,
                          names[i]);
        free(help);
    }
}
END_TEST

START_TEST(test_help_layout)
{
    char *help = cli_help_text(CLI_HERMETIC);
    char *python_help = cli_help_text(CLI_HERMETIC_PYTHON);
    size_t line = 1;

    ck_assert_msg(strncmp(help, "usage: hermetic [OPTIONS] -- COMMAND [ARGS...]\n", 47) == 0,
                  "hermetic --help should start with its usage line");
    ck_assert_msg(strncmp(python_help, "usage: hermetic-python [OPTIONS]", 32) == 0,
                  "hermetic-python --help should start with its usage line");
    ck_assert_msg(strstr(help, "64 usage\nerror; 78 profile error; 126 not a Python program; 127 command not found;")
                      != NULL, "--help should list the exit statuses");
    for (const char *s = help; *s != '\0'; line++) {
        const char *end = strchr(s, '\n');
        size_t width = end != NULL ? (size_t)(end - s) : strlen(s);

        ck_assert_msg(width <= 79, "--help line %zu is %zu columns wide: %.*s", line, width, (int)width, s);
        s += width + (end != NULL);
    }
    ck_assert_msg(help[strlen(help) - 1] == '\n', "--help should end with a newline");
    free(help);
    free(python_help);
}
END_TEST

Suite *suite_cli(void)
{
    Suite *suite = suite_create("cli");
    TCase *options = tcase_create("options");
    TCase *errors = tcase_create("usage errors");
    TCase *modes = tcase_create("modes");
    TCase *python = tcase_create("hermetic-python");
    TCase *help = tcase_create("help");

    scratch_add_fixture(options);
    scratch_add_fixture(errors);
    tcase_add_test(options, test_flags_long_form);
    tcase_add_test(options, test_flags_reject_values);
    tcase_add_test(options, test_flags_without_options);
    tcase_add_test(options, test_flag_abbreviations);
    tcase_add_test(options, test_value_abbreviations);
    tcase_add_test(options, test_mode_abbreviations);
    tcase_add_test(options, test_allow_domain_forms);
    tcase_add_test(options, test_allow_exec_on_path);
    tcase_add_test(options, test_fs_readonly_root_forms);
    tcase_add_test(options, test_fs_readonly_without_root);
    tcase_add_test(options, test_allow_read_and_write);
    tcase_add_test(options, test_module_and_env_lists);
    tcase_add_test(options, test_kernel_values);
    tcase_add_test(options, test_on_violation_values);
    tcase_add_test(options, test_trace_values);
    tcase_add_test(options, test_log_json_values);
    tcase_add_test(options, test_profile_values);
    tcase_add_test(options, test_policy_given_by_reporting_options);
    suite_add_tcase(suite, options);

    tcase_add_test(errors, test_ambiguous_abbreviations);
    tcase_add_test(errors, test_allow_domain_invalid);
    tcase_add_test(errors, test_allow_exec_not_found);
    tcase_add_test(errors, test_fs_readonly_root_errors);
    tcase_add_test(errors, test_paths_not_utf8);
    tcase_add_test(errors, test_module_and_env_invalid);
    tcase_add_test(errors, test_unknown_options);
    tcase_add_test(errors, test_missing_values);
    tcase_add_test(errors, test_missing_separator);
    tcase_add_test(errors, test_missing_command);
    tcase_add_test(errors, test_command_after_separator);
    suite_add_tcase(suite, errors);

    tcase_add_test(modes, test_action_modes);
    tcase_add_test(modes, test_show_policy_with_options);
    tcase_add_test(modes, test_help_wins_in_any_order);
    tcase_add_test(modes, test_conflicting_actions);
    tcase_add_test(modes, test_repeated_action);
    tcase_add_test(modes, test_action_options_still_checked);
    suite_add_tcase(suite, modes);

    tcase_add_test(python, test_python_stops_at_first_python_argument);
    tcase_add_test(python, test_python_script_first);
    tcase_add_test(python, test_python_passes_help_and_version);
    tcase_add_test(python, test_python_without_arguments);
    tcase_add_test(python, test_python_separator_and_fs_readonly);
    tcase_add_test(python, test_python_usage_errors);
    suite_add_tcase(suite, python);

    tcase_add_test(help, test_option_names_listed);
    tcase_add_test(help, test_option_names_parse);
    tcase_add_test(help, test_help_mentions_every_option);
    tcase_add_test(help, test_help_layout);
    suite_add_tcase(suite, help);
    return suite;
}
