#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "pathrule.h"
#include "procpolicy.h"
#include "textbuf.h"

enum cli_arg {
    ARG_NONE,      /* --flag */
    ARG_REQUIRED,  /* --option VALUE or --option=VALUE */
    ARG_OPTIONAL,  /* --option or --option=VALUE */
};

typedef int cli_apply_fn(struct hermetic_options *o, const char *option, const char *value,
                         struct hermetic_error *err);

/*
 * The option table. Columns: the long name without "--"; whether it takes
 * a value; the value's name in --help; the function that applies it; the
 * --help text (NULL for an alias of the row before it, which --help lists
 * beside that row). Rows whose name is NULL are section headings in --help.
 */
struct cli_option {
    const char *name;
    enum cli_arg arg;
    const char *metavar;
    cli_apply_fn *apply;
    const char *help;
};

static int set_flag(bool *field, struct hermetic_options *o)
{
    *field = true;
    o->policy_given = true;
    return 0;
}

static int apply_no_network(struct hermetic_options *o, const char *option, const char *value,
                            struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.network.block, o);
}

static int apply_allow_localhost(struct hermetic_options *o, const char *option, const char *value,
                                 struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.network.allow_localhost, o);
}

static int apply_allow_unix_socket(struct hermetic_options *o, const char *option, const char *value,
                                   struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.network.allow_unix_sockets, o);
}

static int apply_allow_domain(struct hermetic_options *o, const char *option, const char *value,
                              struct hermetic_error *err)
{
    struct netrule rule;
    struct hermetic_error inner;

    if (netrule_parse(value, &rule, &inner) != 0)
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s: %s", option, inner.message);
    netrule_list_add(&o->policy.network.allow, &rule);
    o->policy_given = true;
    return 0;
}

static int apply_no_subprocess(struct hermetic_options *o, const char *option, const char *value,
                               struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.subprocess.block, o);
}

/* Find `name` the way execvp does: as given if it has a slash, else on PATH. */
static char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    char *copy, *dir, *save = NULL, *found = NULL;

    if (strchr(name, '/') != NULL)
        return xstrdup(name);
    copy = xstrdup(path != NULL && path[0] != '\0' ? path : "/usr/local/bin:/usr/bin:/bin");
    for (dir = strtok_r(copy, ":", &save); dir != NULL && found == NULL; dir = strtok_r(NULL, ":", &save)) {
        char *candidate = xasprintf("%s/%s", dir[0] ? dir : ".", name);

        struct stat st;

        if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0)
            found = candidate;
        else
            free(candidate);
    }
    free(copy);
    return found;
}

/* Policy paths travel as a profile: to Python children in HERMETIC_POLICY
 * and out through --show-policy. YAML holds only UTF-8, so a path that is
 * not UTF-8 is rejected here rather than make every child refuse to start. */
static int check_utf8_path(const char *option, const char *path, struct hermetic_error *err)
{
    if (text_is_utf8(path))
        return 0;
    return error_set(err, HERMETIC_EXIT_USAGE,
                     "--%s: the path \"%s\" is not valid UTF-8, which profiles and Python children "
                     "cannot carry; rename it or use a parent directory", option, path);
}

static int apply_allow_exec(struct hermetic_options *o, const char *option, const char *value,
                            struct hermetic_error *err)
{
    char *program, *real;
    struct hermetic_error inner;

    if (strcmp(value, PROCPOLICY_PYTHON_CHILDREN) == 0) {
        real = procpolicy_self();
        if (real == NULL)
            return error_set(err, HERMETIC_EXIT_INTERNAL, "--%s: cannot find hermetic's own executable", option);
        strlist_add_unique(&o->policy.subprocess.allow_exec, real);
        free(real);
        o->policy_given = true;
        return 0;
    }
    program = find_program(value);
    if (program == NULL)
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s: program \"%s\" not found on PATH "
                         "(give its path, e.g. /usr/bin/%s)", option, value, value);
    real = pathrule_resolve(program, PATH_MUST_EXIST, HERMETIC_EXIT_USAGE, &inner);
    free(program);
    if (real == NULL)
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s: %s", option, inner.message);
    if (check_utf8_path(option, real, err) != 0) {
        free(real);
        return -1;
    }
    strlist_add_unique(&o->policy.subprocess.allow_exec, real);
    free(real);
    o->policy_given = true;
    return 0;
}

static int add_path(struct strlist *list, const char *option, const char *value,
                    enum pathrule_existence existence, struct hermetic_error *err)
{
    struct hermetic_error inner;
    char *real = pathrule_resolve(value, existence, HERMETIC_EXIT_USAGE, &inner);

    if (real == NULL)
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s: %s", option, inner.message);
    if (check_utf8_path(option, real, err) != 0) {
        free(real);
        return -1;
    }
    strlist_add_unique(list, real);
    free(real);
    return 0;
}

static int apply_fs_readonly(struct hermetic_options *o, const char *option, const char *value,
                             struct hermetic_error *err)
{
    struct strlist root = {0};
    int rc;

    o->policy.filesystem.readonly = true;
    o->policy_given = true;
    if (value == NULL)
        return 0;
    if (value[0] == '\0')
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "--%s=: empty read root (write --%s to block writes only, or "
                         "--%s=DIR to also block reads outside DIR)", option, option, option);
    rc = add_path(&root, option, value, PATH_MUST_EXIST, err);
    if (rc == 0) {
        struct hermetic_policy from;

        policy_init(&from);
        from.filesystem.root = xstrdup(root.items[0]);
        rc = policy_merge(&o->policy, &from, "--fs-readonly", err);
        policy_free(&from);
    }
    strlist_free(&root);
    return rc;
}

static int apply_allow_write(struct hermetic_options *o, const char *option, const char *value,
                             struct hermetic_error *err)
{
    o->policy_given = true;
    return add_path(&o->policy.filesystem.allow_write, option, value, PATH_PARENT_MUST_EXIST, err);
}

static int apply_allow_read(struct hermetic_options *o, const char *option, const char *value,
                            struct hermetic_error *err)
{
    o->policy_given = true;
    return add_path(&o->policy.filesystem.allow_read, option, value, PATH_MUST_EXIST, err);
}

static int add_module(struct strlist *list, struct hermetic_options *o, const char *option,
                      const char *value, struct hermetic_error *err)
{
    if (!policy_valid_module_name(value))
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "--%s: invalid module name \"%s\" (expected a dotted name such as numpy or "
                         "xml.etree)", option, value);
    strlist_add_unique(list, value);
    o->policy_given = true;
    return 0;
}

static int apply_block_native(struct hermetic_options *o, const char *option, const char *value,
                              struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.native.block, o);
}

static int apply_allow_native(struct hermetic_options *o, const char *option, const char *value,
                              struct hermetic_error *err)
{
    return add_module(&o->policy.native.allow, o, option, value, err);
}

static int apply_no_environment(struct hermetic_options *o, const char *option, const char *value,
                                struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.environment.scrub, o);
}

static int apply_allow_env(struct hermetic_options *o, const char *option, const char *value,
                           struct hermetic_error *err)
{
    if (!policy_valid_env_pattern(value))
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "--%s: invalid variable name or pattern \"%s\" (expected a name such as CI "
                         "or a glob such as \"GITHUB_*\")", option, value);
    strlist_add_unique(&o->policy.environment.allow, value);
    o->policy_given = true;
    return 0;
}

static int apply_no_code_exec(struct hermetic_options *o, const char *option, const char *value,
                              struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.code_exec.block, o);
}

static int apply_deny_import(struct hermetic_options *o, const char *option, const char *value,
                             struct hermetic_error *err)
{
    return add_module(&o->policy.imports.deny, o, option, value, err);
}

static int apply_no_interpreter_mutation(struct hermetic_options *o, const char *option,
                                         const char *value, struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.interpreter.block_mutation, o);
}

static int apply_seal(struct hermetic_options *o, const char *option, const char *value,
                      struct hermetic_error *err)
{
    (void)option, (void)value, (void)err;
    return set_flag(&o->policy.seal, o);
}

static int apply_kernel(struct hermetic_options *o, const char *option, const char *value,
                        struct hermetic_error *err)
{
    enum kernel_mode mode;

    if (value == NULL || strcmp(value, "required") == 0)
        mode = KERNEL_REQUIRED;
    else if (strcmp(value, "auto") == 0)
        mode = KERNEL_AUTO;
    else if (strcmp(value, "off") == 0)
        mode = KERNEL_OFF;
    else
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "--%s=%s: invalid mode (expected off, auto or required)", option, value);
    /* Not a policy of its own: it backs the others with the kernel, so a
     * bare hermetic-python --kernel still applies the default profile. */
    if (mode > o->policy.kernel)
        o->policy.kernel = mode;
    return 0;
}

static int apply_on_violation(struct hermetic_options *o, const char *option, const char *value,
                              struct hermetic_error *err)
{
    if (strcmp(value, "raise") == 0) {
        /* the default; a stricter value from elsewhere stays */
    } else if (strcmp(value, "exit") == 0) {
        o->policy.on_violation = ON_VIOLATION_EXIT;
    } else {
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "--%s=%s: invalid value (expected raise or exit)", option, value);
    }
    return 0;
}

static int apply_profile(struct hermetic_options *o, const char *option, const char *value,
                         struct hermetic_error *err)
{
    if (value[0] == '\0')
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s: empty profile name", option);
    strlist_add(&o->profiles, value);
    o->policy_given = true;
    return 0;
}

static int apply_trace(struct hermetic_options *o, const char *option, const char *value,
                       struct hermetic_error *err)
{
    enum trace_level level;

    if (value == NULL || strcmp(value, "blocked") == 0)
        level = TRACE_BLOCKED;
    else if (strcmp(value, "all") == 0)
        level = TRACE_ALL;
    else
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "--%s=%s: invalid value (expected blocked or all)", option, value);
    if (level > o->policy.trace)
        o->policy.trace = level;
    return 0;
}

static int apply_log_json(struct hermetic_options *o, const char *option, const char *value,
                          struct hermetic_error *err)
{
    struct hermetic_error inner;
    char *real = pathrule_resolve(value, PATH_PARENT_MUST_EXIST, HERMETIC_EXIT_USAGE, &inner);

    if (real == NULL)
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s: %s", option, inner.message);
    if (check_utf8_path(option, real, err) != 0) {
        free(real);
        return -1;
    }
    if (o->policy.log_json != NULL && strcmp(o->policy.log_json, real) != 0) {
        error_set(err, HERMETIC_EXIT_USAGE, "--%s given twice (%s and %s); give one file", option,
                  o->policy.log_json, real);
        free(real);
        return -1;
    }
    free(o->policy.log_json);
    o->policy.log_json = real;
    return 0;
}

/* Help combines with any other action and wins, whichever comes first. */
static int set_mode(struct hermetic_options *o, enum cli_mode mode, const char *option,
                    struct hermetic_error *err)
{
    if (o->mode == CLI_HELP)
        return 0;
    if (o->mode != CLI_RUN && o->mode != mode && mode != CLI_HELP)
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s cannot be combined with another action option",
                         option);
    o->mode = mode;
    return 0;
}

static int apply_show_policy(struct hermetic_options *o, const char *option, const char *value,
                             struct hermetic_error *err)
{
    (void)value;
    return set_mode(o, CLI_SHOW_POLICY, option, err);
}

static int apply_list_profiles(struct hermetic_options *o, const char *option, const char *value,
                               struct hermetic_error *err)
{
    (void)value;
    return set_mode(o, CLI_LIST_PROFILES, option, err);
}

static int apply_version(struct hermetic_options *o, const char *option, const char *value,
                         struct hermetic_error *err)
{
    (void)value;
    return set_mode(o, CLI_VERSION, option, err);
}

static int apply_help(struct hermetic_options *o, const char *option, const char *value,
                      struct hermetic_error *err)
{
    (void)value;
    return set_mode(o, CLI_HELP, option, err);
}

static const struct cli_option OPTIONS[] = {
    {NULL, ARG_NONE, NULL, NULL, "Network"},
    {"no-network", ARG_NONE, NULL, apply_no_network,
     "Block network access: connect, sendto, bind, DNS lookups, raw sockets."},
    {"allow-localhost", ARG_NONE, NULL, apply_allow_localhost,
     "With --no-network, allow loopback (127.0.0.0/8, ::1) and names that the hosts file maps there."},
    {"allow-domain", ARG_REQUIRED, "HOST", apply_allow_domain,
     "With --no-network, allow HOST: a DNS name (and its subdomains), *.name, an IP address or CIDR "
     "block, with an optional :PORT ([v6]:PORT for IPv6). Repeatable."},
    {"allow-unix-socket", ARG_NONE, NULL, apply_allow_unix_socket,
     "With --no-network, allow AF_UNIX connect and bind."},
    {"allow-unix-sockets", ARG_NONE, NULL, apply_allow_unix_socket, NULL},
    {NULL, ARG_NONE, NULL, NULL, "Processes"},
    {"no-subprocess", ARG_NONE, NULL, apply_no_subprocess,
     "Block creating processes: subprocess, os.system, exec, spawn, fork, multiprocessing."},
    {"allow-exec", ARG_REQUIRED, "PROGRAM", apply_allow_exec,
     "With --no-subprocess, allow running PROGRAM (matched by real path); hermetic-python allows "
     "Python children, which run under the same policy. Repeatable."},
    {NULL, ARG_NONE, NULL, NULL, "Filesystem"},
    {"fs-readonly", ARG_OPTIONAL, "ROOT", apply_fs_readonly,
     "Block every filesystem write; with =ROOT, also block reads outside ROOT."},
    {"allow-write", ARG_REQUIRED, "PATH", apply_allow_write,
     "With --fs-readonly, keep PATH and everything below it writable. Repeatable."},
    {"allow-read", ARG_REQUIRED, "PATH", apply_allow_read,
     "With --fs-readonly=ROOT, keep PATH readable. Repeatable."},
    {NULL, ARG_NONE, NULL, NULL, "Native code"},
    {"block-native", ARG_NONE, NULL, apply_block_native,
     "Block extension modules outside the standard library, ctypes, cffi and sqlite extensions."},
    {"allow-native", ARG_REQUIRED, "MODULE", apply_allow_native,
     "With --block-native, trust the extension modules of MODULE (e.g. numpy). Repeatable."},
    {NULL, ARG_NONE, NULL, NULL, "Interpreter"},
    {"no-environment", ARG_NONE, NULL, apply_no_environment,
     "Start the program with a scrubbed environment (PATH, HOME, LANG, LC_*, TERM, TZ, TMPDIR, USER, "
     "LOGNAME, SHELL, PWD)."},
    {"no-env", ARG_NONE, NULL, apply_no_environment, NULL},
    {"allow-env", ARG_REQUIRED, "NAME", apply_allow_env,
     "With --no-environment, keep variable NAME (globs such as GITHUB_* work). Repeatable."},
    {"no-code-exec", ARG_NONE, NULL, apply_no_code_exec,
     "Block eval, exec and compile of source text, and unpickling of unsafe callables."},
    {"deny-import", ARG_REQUIRED, "MODULE", apply_deny_import,
     "Block importing MODULE and its submodules. Repeatable."},
    {"no-interpreter-mutation", ARG_NONE, NULL, apply_no_interpreter_mutation,
     "Block changes to sys.path, sys.meta_path, sys.path_hooks, os.chdir and site.addsitedir."},
    {"seal", ARG_NONE, NULL, apply_seal,
     "Also block tampering with hermetic from Python: new audit hooks, gc object walks, frame tricks."},
    {"kernel", ARG_OPTIONAL, "MODE", apply_kernel,
     "Also enforce with seccomp and Landlock; MODE is required (the default), auto or off."},
    {NULL, ARG_NONE, NULL, NULL, "Reporting"},
    {"on-violation", ARG_REQUIRED, "raise|exit", apply_on_violation,
     "raise (default): raise PolicyViolation in the program; exit: end the process with status 77."},
    {"trace", ARG_OPTIONAL, "blocked|all", apply_trace,
     "Print a line to standard error for each blocked action (blocked, the default); with =all, for "
     "allowed ones too."},
    {"log-json", ARG_REQUIRED, "FILE", apply_log_json,
     "Append one JSON object per blocked action (per decision with --trace=all) to FILE."},
    {NULL, ARG_NONE, NULL, NULL, "Profiles and information"},
    {"profile", ARG_REQUIRED, "NAME|FILE", apply_profile,
     "Apply a profile: a name looked up in the profile path, or a .yaml file. Repeatable."},
    {"show-policy", ARG_NONE, NULL, apply_show_policy,
     "Print the effective policy as a profile and exit."},
    {"list-profiles", ARG_NONE, NULL, apply_list_profiles,
     "List the profiles found, with their descriptions and files, and exit."},
    {"version", ARG_NONE, NULL, apply_version, "Print the version and exit."},
    {"help", ARG_NONE, NULL, apply_help, "Print this help and exit."},
};

#define OPTION_COUNT (sizeof(OPTIONS) / sizeof(OPTIONS[0]))

/* Find an option by exact name, or by an unambiguous prefix when
 * `allow_prefix` is set (as argparse allows, for compatibility). */
static const struct cli_option *find_option(const char *name, size_t len, bool allow_prefix,
                                            const struct cli_option **second)
{
    const struct cli_option *found = NULL;

    *second = NULL;
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (OPTIONS[i].name != NULL && strlen(OPTIONS[i].name) == len &&
            strncmp(OPTIONS[i].name, name, len) == 0)
            return &OPTIONS[i];
    if (!allow_prefix)
        return NULL;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (OPTIONS[i].name == NULL || strncmp(OPTIONS[i].name, name, len) != 0)
            continue;
        if (found != NULL && found->apply != OPTIONS[i].apply) {
            *second = &OPTIONS[i];
            return found;
        }
        if (found == NULL)
            found = &OPTIONS[i];
    }
    return found;
}

/* True if `word` is one of the values of an option whose value is
 * optional: "--kernel auto" almost certainly meant --kernel=auto. */
static bool is_optional_value(const struct cli_option *opt, const char *word)
{
    static const char *const KERNEL_MODES[] = {"required", "auto", "off", NULL};
    static const char *const TRACE_LEVELS[] = {"blocked", "all", NULL};
    const char *const *values = opt->apply == apply_kernel ? KERNEL_MODES
                                : opt->apply == apply_trace ? TRACE_LEVELS
                                                            : NULL;

    for (size_t i = 0; values != NULL && values[i] != NULL; i++)
        if (strcmp(values[i], word) == 0)
            return true;
    return false;
}

/* The long options of python3 itself (3.11), which hermetic-python passes on. */
static bool is_python_long_option(const char *name, size_t len)
{
    static const char *const PYTHON_LONG_OPTIONS[] = {"help", "help-env", "help-xoptions", "help-all", "version",
                                                      "check-hash-based-pycs"};

    for (size_t i = 0; i < sizeof(PYTHON_LONG_OPTIONS) / sizeof(PYTHON_LONG_OPTIONS[0]); i++)
        if (strlen(PYTHON_LONG_OPTIONS[i]) == len && strncmp(PYTHON_LONG_OPTIONS[i], name, len) == 0)
            return true;
    return false;
}

/* Name every option that the prefix `name` could stand for. */
static int ambiguous_option(const char *name, size_t len, struct hermetic_error *err)
{
    const struct cli_option *matches[OPTION_COUNT];
    struct textbuf candidates = {0};
    size_t count = 0;
    char *text;

    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (OPTIONS[i].name == NULL || strncmp(OPTIONS[i].name, name, len) != 0)
            continue;
        if (count > 0 && matches[count - 1]->apply == OPTIONS[i].apply)
            continue;   /* an alias of the option just listed */
        matches[count++] = &OPTIONS[i];
    }
    for (size_t i = 0; i < count; i++)
        textbuf_printf(&candidates, "%s--%s", i == 0 ? "" : i + 1 == count ? " or " : ", ", matches[i]->name);
    text = textbuf_take(&candidates);
    error_set(err, HERMETIC_EXIT_USAGE, "ambiguous option --%.*s: could be %s", (int)len, name, text);
    free(text);
    return -1;
}

/*
 * Parse one option at argv[*index]; advance *index past its value. Returns
 * 0, -1 on error, or 1 if argv[*index] is not a hermetic option (which ends
 * the options of hermetic-python).
 */
static int parse_option(int argc, char **argv, int *index, struct hermetic_options *o,
                        struct hermetic_error *err)
{
    const char *arg = argv[*index] + 2;
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const char *value = eq ? eq + 1 : NULL;
    bool python = o->program == CLI_HERMETIC_PYTHON;
    const struct cli_option *second, *opt = find_option(arg, len, !python, &second);

    if (opt == NULL) {
        if (python && is_python_long_option(arg, len))
            return 1;
        if (python)
            return error_set(err, HERMETIC_EXIT_USAGE,
                             "unknown option --%.*s (hermetic-python takes hermetic's long options in full, "
                             "then python3's; see hermetic --help)", (int)len, arg);
        return error_set(err, HERMETIC_EXIT_USAGE, "unknown option --%.*s (see hermetic --help)",
                         (int)len, arg);
    }
    if (python && (opt->apply == apply_help || opt->apply == apply_version))
        return 1;  /* hermetic-python passes --help and --version to Python */
    if (second != NULL)
        return ambiguous_option(arg, len, err);
    if (python && opt->arg == ARG_OPTIONAL && value == NULL && *index + 1 < argc &&
        is_optional_value(opt, argv[*index + 1]) && access(argv[*index + 1], F_OK) != 0)
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "--%s takes its value after \"=\": write --%s=%s (or, if \"%s\" is the script, "
                         "write ./%s)", opt->name, opt->name, argv[*index + 1], argv[*index + 1], argv[*index + 1]);
    if (opt->arg == ARG_NONE && value != NULL)
        return error_set(err, HERMETIC_EXIT_USAGE, "--%s takes no value (got \"%s\")", opt->name, value);
    if (opt->arg == ARG_REQUIRED && value == NULL) {
        /* A value that starts with "-" is taken only as --option=VALUE, so
         * that a forgotten value does not swallow the next option. */
        if (*index + 1 >= argc || argv[*index + 1][0] == '-')
            return error_set(err, HERMETIC_EXIT_USAGE, "--%s needs a value: --%s %s (or --%s=%s)", opt->name,
                             opt->name, opt->metavar, opt->name, opt->metavar);
        value = argv[++*index];
    }
    /* --fs-readonly ROOT, as the earlier tool accepted: a following word
     * that is not an option and not the -- separator is the root. */
    if (opt->apply == apply_fs_readonly && value == NULL && !python && *index + 1 < argc &&
        argv[*index + 1][0] != '-') {
        int rc = opt->apply(o, opt->name, argv[++*index], err);

        if (rc != 0 && access(argv[*index], F_OK) != 0) {
            size_t used = strlen(err->message);

            snprintf(err->message + used, sizeof(err->message) - used,
                     " (if \"%s\" is the command, put -- before it)", argv[*index]);
        }
        return rc;
    }
    return opt->apply(o, opt->name, value, err);
}

/* True if `previous` is an option whose value is optional, given without
 * one: "--kernel auto" meant --kernel=auto. */
static bool optional_value_given_apart(const char *previous)
{
    const struct cli_option *second, *opt;

    if (strncmp(previous, "--", 2) != 0 || strchr(previous, '=') != NULL)
        return false;
    opt = find_option(previous + 2, strlen(previous + 2), true, &second);
    return opt != NULL && second == NULL && opt->arg == ARG_OPTIONAL;
}

int cli_parse(int argc, char **argv, enum cli_program program, struct hermetic_options *out,
              struct hermetic_error *err)
{
    int i;

    memset(out, 0, sizeof(*out));
    out->program = program;
    policy_init(&out->policy);
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc;

        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (program == CLI_HERMETIC && (strcmp(arg, "-h") == 0)) {
            set_mode(out, CLI_HELP, "help", err);
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            if (program == CLI_HERMETIC_PYTHON)
                break;
            if (arg[0] == '-')
                return error_set(err, HERMETIC_EXIT_USAGE,
                                 "unknown option %s (hermetic's options are long options such as "
                                 "--no-network; see hermetic --help)", arg);
            if (out->mode != CLI_RUN)
                continue;
            if (optional_value_given_apart(argv[i - 1]))
                return error_set(err, HERMETIC_EXIT_USAGE,
                                 "%s takes its value after \"=\": write %s=%s (or, if \"%s\" is the command, "
                                 "put -- before it)", argv[i - 1], argv[i - 1], arg, arg);
            return error_set(err, HERMETIC_EXIT_USAGE,
                             "missing -- before the command \"%s\": write hermetic [OPTIONS] -- %s ...",
                             arg, arg);
        }
        rc = parse_option(argc, argv, &i, out, err);
        if (rc < 0)
            return -1;
        if (rc > 0)
            break;
    }
    out->command_argc = argc - i;
    out->command_argv = argv + i;
    if (program == CLI_HERMETIC && out->mode == CLI_RUN && out->command_argc == 0)
        return error_set(err, HERMETIC_EXIT_USAGE,
                         i > 1 && strcmp(argv[i - 1], "--") == 0
                             ? "no command after --: write hermetic [OPTIONS] -- COMMAND [ARGS...]"
                             : "no command given: write hermetic [OPTIONS] -- COMMAND [ARGS...] "
                               "(see hermetic --help)");
    return 0;
}

int cli_apply(struct hermetic_options *options, const char *option, const char *value, struct hermetic_error *err)
{
    const struct cli_option *second, *opt = find_option(option, strlen(option), false, &second);

    if (opt == NULL || opt->apply == NULL)
        return error_set(err, HERMETIC_EXIT_USAGE, "unknown option --%s", option);
    return opt->apply(options, opt->name, value, err);
}

void cli_options_free(struct hermetic_options *options)
{
    policy_free(&options->policy);
    strlist_free(&options->profiles);
}

static void append_wrapped(struct textbuf *out, const char *text, size_t indent, size_t width)
{
    size_t column = indent;
    const char *s = text;

    while (*s != '\0') {
        const char *end = strchr(s, ' ');
        size_t word = end ? (size_t)(end - s) : strlen(s);

        if (column > indent && column + 1 + word > width) {
            textbuf_printf(out, "\n%*s", (int)indent, "");
            column = indent;
        } else if (column > indent) {
            textbuf_append(out, " ");
            column++;
        }
        textbuf_printf(out, "%.*s", (int)word, s);
        column += word;
        s += word;
        while (*s == ' ')
            s++;
    }
    textbuf_append(out, "\n");
}

char *cli_help_text(enum cli_program program)
{
    struct textbuf out = {0};

    if (program == CLI_HERMETIC_PYTHON)
        textbuf_append(&out,
                       "usage: hermetic-python [OPTIONS] [PYTHON-OPTIONS] [-c CMD | -m MODULE | FILE | -] [ARGS...]\n\n"
                       "Runs Python like python3, with hermetic's policy applied. Without policy\n"
                       "options it applies the profile \"default\".\n");
    else
        textbuf_append(&out,
                       "usage: hermetic [OPTIONS] -- COMMAND [ARGS...]\n\n"
                       "Runs a Python program in this process with chosen capabilities blocked.\n"
                       "COMMAND is python3 with its arguments, a Python file, a Python script on PATH\n"
                       "(such as pip3 or pytest), module:function, or a console_scripts entry point.\n");
    textbuf_append(&out,
                   "\nAudit hooks stop code that does not know about hermetic; native code can\n"
                   "defeat them. A blocked action raises hermetic.PolicyViolation.\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct cli_option *opt = &OPTIONS[i];
        struct textbuf head = {0};
        char *head_text;

        if (opt->name == NULL) {
            textbuf_printf(&out, "\n%s:\n", opt->help);
            continue;
        }
        if (opt->help == NULL)
            continue;
        if (opt->arg == ARG_REQUIRED)
            textbuf_printf(&head, "  --%s %s", opt->name, opt->metavar);
        else if (opt->arg == ARG_OPTIONAL)
            textbuf_printf(&head, "  --%s[=%s]", opt->name, opt->metavar);
        else
            textbuf_printf(&head, "  --%s", opt->name);
        /* Aliases (rows without help text) are listed after their option. */
        for (size_t k = i + 1; k < OPTION_COUNT && OPTIONS[k].name != NULL && OPTIONS[k].help == NULL; k++)
            textbuf_printf(&head, ", --%s", OPTIONS[k].name);
        head_text = textbuf_take(&head);
        if (strlen(head_text) >= 28)
            textbuf_printf(&out, "%s\n%28s", head_text, "");
        else
            textbuf_printf(&out, "%-28s", head_text);
        free(head_text);
        append_wrapped(&out, opt->help, 28, 79);
    }
    textbuf_append(&out,
                   "\nExit status: the program's own; 77 when a blocked action ends it; 64 usage\n"
                   "error; 78 profile error; 126 not a Python program; 127 command not found;\n"
                   "70 internal error. See hermetic(1).\n");
    return textbuf_take(&out);
}

const char *const *cli_option_names(void)
{
    static const char *names[OPTION_COUNT + 1];

    if (names[0] == NULL) {
        size_t n = 0;

        for (size_t i = 0; i < OPTION_COUNT; i++)
            if (OPTIONS[i].name != NULL)
                names[n++] = OPTIONS[i].name;
        names[n] = NULL;
    }
    return names;
}
