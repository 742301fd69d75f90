#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envscrub.h"
#include "hook.h"
#include "host.h"
#include "kernel.h"
#include "leakcheck.h"
#include "log.h"
#include "module.h"
#include "patches.h"


/* End hermetic on a failed PyStatus: usage errors in Python's own options
 * exit as python3 would; anything else is an internal error. */
static void check_status(PyStatus status, PyConfig *config)
{
    if (!PyStatus_Exception(status))
        return;
    if (config != NULL)
        PyConfig_Clear(config);
    if (PyStatus_IsExit(status))
        exit(status.exitcode);
    log_die(HERMETIC_EXIT_INTERNAL, "Python failed to start: %s%s%s", status.func ? status.func : "",
            status.func ? ": " : "", status.err_msg ? status.err_msg : "unknown error");
}

/* Point sys.executable at hermetic-python, so that Python children started
 * through it run under the policy. Only now: the site module, which ran
 * during initialisation, finds a venv from sys.executable's directory. */
static void set_executable(const char *python)
{
    PyObject *path = PyUnicode_DecodeFSDefault(python);

    if (path == NULL || PySys_SetObject("executable", path) != 0)
        log_die(HERMETIC_EXIT_INTERNAL, "cannot set sys.executable to %s", python);
    Py_DECREF(path);
}

/* The script in Python's command line (python3 [options] FILE ...), if
 * any: the first argument that is not an option or an option's value. */
static const char *script_argument(const struct strlist *argv)
{
    for (size_t i = 1; i < argv->len; i++) {
        const char *arg = argv->items[i];

        if (strcmp(arg, "-c") == 0 || strcmp(arg, "-m") == 0 || strcmp(arg, "-") == 0)
            return NULL;
        if (strcmp(arg, "-W") == 0 || strcmp(arg, "-X") == 0) {
            i++;
            continue;
        }
        if (arg[0] != '-')
            return arg;
        if (strchr(arg + 1, 'c') != NULL || strchr(arg + 1, 'm') != NULL)
            return NULL;   /* -Ic CMD, -Bm MODULE */
    }
    return NULL;
}

/* Add the directory `levels` components above `path`, taken as written
 * (a venv's bin/python3 links elsewhere; its venv is what matters), then
 * resolved. */
static void add_directory_of(struct strlist *list, const char *path, int levels)
{
    char lexical[2 * PATH_MAX + 2], real[PATH_MAX], cwd[PATH_MAX];

    if (path == NULL)
        return;
    if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(lexical, sizeof(lexical), "%s", path);
    else
        snprintf(lexical, sizeof(lexical), "%s/%s", cwd, path);
    for (int i = 0; i < levels; i++) {
        char *slash = strrchr(lexical, '/');

        if (slash == NULL || slash == lexical)
            return;
        *slash = '\0';
    }
    if (realpath(lexical, real) != NULL)
        strlist_add_unique(list, real);
}

/* Landlock grants writes below paths that exist when it is applied: an
 * --allow-write directory that the program would create stays unwritable
 * for the kernel. Say so now rather than leave a bare EACCES later. */
static void note_missing_writable(const struct hermetic_policy *policy)
{
    struct stat st;

    if (!policy->filesystem.readonly)
        return;
    for (size_t i = 0; i < policy->filesystem.allow_write.len; i++) {
        const char *path = policy->filesystem.allow_write.items[i];

        if (strpbrk(path, "*?[") == NULL && stat(path, &st) != 0 && errno == ENOENT)
            log_message("note: --allow-write %s does not exist; the kernel layer allows writes only below "
                        "paths that exist when it starts, so creating it will fail: create it first", path);
    }
}

/*
 * Back the policy with seccomp and Landlock (--kernel), now, while the
 * process has one thread. Under a read root, Landlock must also let the
 * process read what it runs on: the interpreter's installation (or venv),
 * PYTHONPATH and the user site directory, the program's file, and
 * hermetic itself, which Python children run.
 */
static void apply_kernel(const struct resolved_command *command, const struct hermetic_policy *policy,
                         struct hermetic_runtime *rt)
{
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    struct hermetic_error err;
    const char *pythonpath = getenv("PYTHONPATH"), *home = getenv("HOME");
    char dir[PATH_MAX];

    add_directory_of(&paths.readable, rt->self_exe, 1);
    add_directory_of(&paths.readable, command->interpreter, 2);
    add_directory_of(&paths.readable, script_argument(&command->argv), 1);
    if (home != NULL) {
        snprintf(dir, sizeof(dir), "%s/.local/lib/python%d.%d", home, PY_MAJOR_VERSION, PY_MINOR_VERSION);
        add_directory_of(&paths.readable, dir, 0);
    }
    if (pythonpath != NULL) {
        char *copy = strdup(pythonpath), *save = NULL;

        for (char *entry = copy ? strtok_r(copy, ":", &save) : NULL; entry; entry = strtok_r(NULL, ":", &save))
            add_directory_of(&paths.readable, entry, 0);
        free(copy);
    }
    leakcheck_now();
    if (kernel_apply(policy, &paths, &report, &err) != 0)
        log_die_error(&err);
    if (strstr(report.applied, "filesystem") != NULL)
        note_missing_writable(policy);
    rt->kernel_refuses_ip_sockets = report.ip_sockets_refused;
    if (policy->trace != TRACE_OFF) {
        if (report.applied[0] != '\0')
            log_message("kernel: applied %s", report.applied);
        if (report.skipped[0] != '\0')
            log_message("kernel: not applied: %s", report.skipped);
    }
    strlist_free(&paths.readable);
}

static void report_at_exit(void)
{
    hook_report();
}

/* Initialise the core, then install the guard patches before the main
 * phase imports encodings and site, so that no Python code (a .pth file,
 * sitecustomize, a PYTHONPATH module) runs before the guards are in place.
 * _init_main and _Py_InitializeMain are CPython's documented, provisional
 * multi-phase initialisation (PEP 587); no public call splits the phases. */
static void initialize(const struct resolved_command *command, char **argv, int argc)
{
    PyConfig config;
    PyStatus status;

    PyConfig_InitPythonConfig(&config);
    config.parse_argv = 1;
    config._init_main = 0;
    check_status(PyConfig_SetBytesArgv(&config, argc, argv), &config);
    check_status(PyConfig_SetBytesString(&config, &config.program_name, command->interpreter), &config);
    status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    check_status(status, NULL);

    if (patches_install(policy_guards(&hook_runtime()->effective)) != 0) {
        PyErr_Print();
        log_die(HERMETIC_EXIT_INTERNAL, "cannot install the guards; the program was not started");
    }
    hook_arm();
    check_status(_Py_InitializeMain(), NULL);
    hook_activate();   /* in case the main phase imported nothing, as with -S and -I together */
    set_executable(hook_runtime()->python_executable);
}

/*
 * Set up what Python children started through sys.executable need: the
 * path of hermetic-python (installed beside hermetic) for sys.executable,
 * and the policy and interpreter in the environment, which hermetic-python
 * reads. Without hermetic-python a child would run without the policy, so
 * its absence stops hermetic.
 */
static void prepare_children(const struct resolved_command *command, const struct hermetic_policy *policy,
                             struct hermetic_runtime *rt)
{
    char exe[PATH_MAX], python[PATH_MAX + 32];
    char *text;

    if (realpath("/proc/self/exe", exe) == NULL)
        log_die(HERMETIC_EXIT_INTERNAL, "cannot find hermetic's own executable: %s", strerror(errno));
    rt->self_exe = strdup(exe);
    *strrchr(exe, '/') = '\0';
    snprintf(python, sizeof(python), "%s/hermetic-python", exe);
    if (access(python, X_OK) != 0)
        log_die(HERMETIC_EXIT_INTERNAL,
                "%s not found: Python children started through sys.executable need it (reinstall hermetic)",
                python);
    rt->python_executable = strdup(python);
    text = policy_format_yaml(policy, NULL);
    if (setenv(HERMETIC_POLICY_VARIABLE, text, 1) != 0 ||
        setenv(HERMETIC_INTERPRETER_VARIABLE, command->interpreter, 1) != 0)
        log_die(HERMETIC_EXIT_INTERNAL, "cannot set the environment for child processes: %s", strerror(errno));
    free(text);
}

int host_run(const struct resolved_command *command, const struct hermetic_policy *policy,
             const struct strlist *profile_dirs)
{
    int argc = (int)command->argv.len;
    char **argv = command->argv.items;
    struct hermetic_error err;
    PyPreConfig preconfig;
    int status;

    if (hook_init(policy, &err) != 0)
        log_die_error(&err);
    strlist_copy(&hook_runtime()->profile_dirs, profile_dirs);
    /* Before Python reads the environment: secrets in scrubbed variables
     * never reach os.environ, posix.environ or a child. */
    if (policy->environment.scrub)
        envscrub_apply(&policy->environment.allow);
    prepare_children(command, policy, hook_runtime());
    if (PyImport_AppendInittab("hermetic", PyInit_hermetic) != 0)
        log_die(HERMETIC_EXIT_INTERNAL, "cannot register the hermetic module");

    /* Pre-initialise first: the hook's memory must come from the allocator
     * that -X dev or PYTHONMALLOC selects, or freeing it at exit aborts. */
    PyPreConfig_InitPythonConfig(&preconfig);
    preconfig.parse_argv = 1;
#ifdef HERMETIC_LEAK_CHECK
    {
        /* LeakSanitizer does not scan pymalloc's arenas, so an object that
         * only arena memory refers to looks leaked. Allocate with malloc,
         * with the debug hooks if PYTHONMALLOC names a debug allocator, also
         * under -E, -I and --no-environment, where Python would not read it. */
        const char *requested = getenv("PYTHONMALLOC");

        preconfig.allocator = requested != NULL && strstr(requested, "debug") != NULL ? PYMEM_ALLOCATOR_MALLOC_DEBUG
                                                                                       : PYMEM_ALLOCATOR_MALLOC;
    }
#endif
    check_status(Py_PreInitializeFromBytesArgs(&preconfig, argc, argv), NULL);
    if (hook_install() != 0)
        log_die(HERMETIC_EXIT_INTERNAL, "cannot install the audit hook");

    if (command->note != NULL)
        log_message("%s", command->note);
    if (policy->kernel != KERNEL_OFF)
        apply_kernel(command, policy, hook_runtime());
    initialize(command, argv, argc);
    if (Py_AtExit(report_at_exit) != 0)
        log_die(HERMETIC_EXIT_INTERNAL, "cannot register the report of blocked actions");
    status = Py_RunMain();
    if (hook_runtime()->uncaught_violation)
        status = HERMETIC_EXIT_BLOCKED;
    return status;
}
