#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "guards.h"
#include "hook.h"
#include "log.h"
#include "procpolicy.h"
#include "resolve.h"

/* The text of a program argument (str, bytes or os.PathLike), or -1. */
static int program_text(PyObject *object, char *out, size_t size)
{
    PyObject *path = PyOS_FSPath(object), *encoded = NULL;
    const char *data = NULL;
    Py_ssize_t length = 0;
    int rc = -1;

    if (path == NULL) {
        PyErr_Clear();
        return -1;
    }
    if (PyUnicode_Check(path) && (encoded = PyUnicode_EncodeFSDefault(path)) != NULL) {
        data = PyBytes_AS_STRING(encoded);
        length = PyBytes_GET_SIZE(encoded);
    } else if (PyBytes_Check(path)) {
        data = PyBytes_AS_STRING(path);
        length = PyBytes_GET_SIZE(path);
    }
    PyErr_Clear();
    if (data != NULL && (size_t)length < size && memchr(data, '\0', (size_t)length) == NULL) {
        memcpy(out, data, (size_t)length);
        out[length] = '\0';
        rc = 0;
    }
    Py_XDECREF(encoded);
    Py_DECREF(path);
    return rc;
}

/* Decide running `real` (NULL if nothing would run) for a program that was
 * asked for as `asked`. */
static int decide(struct hermetic_runtime *rt, const char *asked, char *real, bool as_hermetic_python)
{
    const char *shown = real != NULL ? real : asked;
    bool allowed = procpolicy_allows_exec(&rt->effective, real);
    int rc = 0;

    /* A Python child starts as hermetic-python, under the policy, so
     * --allow-exec hermetic-python allows it. */
    if (!allowed && as_hermetic_python)
        allowed = procpolicy_allows_exec(&rt->effective, rt->self_exe);

    /* hermetic itself is allowed by the name users give it. */
    if (real != NULL && rt->self_exe != NULL && strcmp(real, rt->self_exe) == 0)
        shown = "hermetic-python";

    if (!allowed)
        rc = hook_block(GUARD_SUBPROCESS, VIOLATION_PERMISSION, shown, "subprocess disabled: exec(%s)", shown);
    else if (hook_tracing_allowed())
        hook_allowed(GUARD_SUBPROCESS, shown, "exec(%s)", shown);
    free(real);
    return rc;
}

static const struct resolve_env EMBEDDED = {NULL, HERMETIC_PYTHON, PY_VERSION, NULL};

/* The PATH that execvp and env(1) search when the environment has none
 * (glibc's default). */
#define CHILD_DEFAULT_PATH "/bin:/usr/bin"

/* The PATH in a fork_exec environment list of b"NAME=value" items. */
static int path_from_env_list(PyObject *env, char *out, size_t size)
{
    PyObject *sequence;
    int rc = -1;

    if (env == NULL || env == Py_None || (sequence = PySequence_Fast(env, "env")) == NULL) {
        PyErr_Clear();
        return -1;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(sequence) && rc != 0; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(sequence, i);

        if (PyBytes_Check(item) && strncmp(PyBytes_AS_STRING(item), "PATH=", 5) == 0 &&
            (size_t)PyBytes_GET_SIZE(item) - 5 < size) {
            snprintf(out, size, "%s", PyBytes_AS_STRING(item) + 5);
            rc = 0;
        }
    }
    Py_DECREF(sequence);
    return rc;
}

/* The PATH a program name is searched in: the child's env if it has one. */
static int path_from_env(PyObject *env, char *out, size_t size)
{
    PyObject *value;

    if (env == NULL || env == Py_None || !PyMapping_Check(env))
        return -1;
    value = PyMapping_GetItemString(env, "PATH");
    if (value == NULL) {
        PyErr_Clear();
        PyObject *key = PyBytes_FromString("PATH");
        value = key ? PyObject_GetItem(env, key) : NULL;
        Py_XDECREF(key);
        if (value == NULL) {
            PyErr_Clear();
            return -1;
        }
    }
    int rc = program_text(value, out, size);
    Py_DECREF(value);
    return rc;
}

static int decide_program(struct hermetic_runtime *rt, PyObject *program, PyObject *env, const char *cwd)
{
    char name[PATH_MAX], path[8192], joined[PATH_MAX * 2];
    const char *search = getenv("PATH");

    if (program_text(program, name, sizeof(name)) != 0)
        return hook_block(GUARD_SUBPROCESS, VIOLATION_PERMISSION, "?", "subprocess disabled: exec(malformed program)");
    const char *program_path = name;
    struct python_child child;
    char *found;
    bool python;

    if (path_from_env(env, path, sizeof(path)) == 0)
        search = path;
    if (cwd != NULL && name[0] != '/' && strchr(name, '/') != NULL) {
        snprintf(joined, sizeof(joined), "%s/%s", cwd, name);
        program_path = joined;
    }
    found = procpolicy_search_program(program_path, search);
    python = found != NULL && guard_subprocess_python_child(rt, found, env, &child) == 1;
    if (python)
        resolve_python_child_free(&child);
    free(found);
    return decide(rt, name, procpolicy_find_program(program_path, search), python);
}

/* True if the subprocess guard decides process creation. Called for
 * every new process, guarded or not: the child may not be under this
 * policy and could change the filesystem, so cached reads stop here. */
static bool subprocess_guarded(struct hermetic_runtime *rt)
{
    fscache_stop(&rt->fs_cache);
    return (rt->guards & GUARD_SUBPROCESS) != 0;
}

/* subprocess.Popen (executable, args, cwd, env): Popen, run, call, os.popen,
 * asyncio subprocesses. `executable` is args[0] unless given. */
int guard_subprocess_popen(struct hermetic_runtime *rt, PyObject *args)
{
    char cwd[PATH_MAX];
    PyObject *cwd_object;
    const char *cwd_text = NULL;

    if (!subprocess_guarded(rt))
        return 0;
    if (PyTuple_GET_SIZE(args) < 4)
        return hook_block(GUARD_SUBPROCESS, VIOLATION_PERMISSION, "?", "subprocess disabled: exec(malformed audit event)");
    cwd_object = PyTuple_GET_ITEM(args, 2);
    if (cwd_object != Py_None && program_text(cwd_object, cwd, sizeof(cwd)) == 0)
        cwd_text = cwd;
    return decide_program(rt, PyTuple_GET_ITEM(args, 0), PyTuple_GET_ITEM(args, 3), cwd_text);
}

/* os.system (command,): runs /bin/sh -c command. */
int guard_subprocess_system(struct hermetic_runtime *rt, PyObject *args)
{
    (void)args;
    if (!subprocess_guarded(rt))
        return 0;
    return decide(rt, "/bin/sh", procpolicy_find_program("/bin/sh", NULL), false);
}

/* os.exec (path, args, env), os.posix_spawn (path, argv, env). */
int guard_subprocess_exec(struct hermetic_runtime *rt, PyObject *args)
{
    if (!subprocess_guarded(rt))
        return 0;
    if (PyTuple_GET_SIZE(args) < 1)
        return hook_block(GUARD_SUBPROCESS, VIOLATION_PERMISSION, "?", "subprocess disabled: exec(malformed audit event)");
    return decide_program(rt, PyTuple_GET_ITEM(args, 0), NULL, NULL);
}

/* os.fork and os.forkpty (): a new process, whatever it runs. */
int guard_subprocess_fork(struct hermetic_runtime *rt, PyObject *args)
{
    (void)args;
    if (!subprocess_guarded(rt))
        return 0;
    return hook_block(GUARD_SUBPROCESS, VIOLATION_PERMISSION, "fork", "subprocess disabled: fork()");
}

int guard_subprocess_fork_exec(struct hermetic_runtime *rt, PyObject *executable_list)
{
    char *candidates[64];
    char first[PATH_MAX] = "?";
    size_t count = 0;
    PyObject *sequence;

    if (!subprocess_guarded(rt))
        return 0;
    sequence = PySequence_Fast(executable_list, "executable_list");
    if (sequence == NULL) {
        PyErr_Clear();
        return hook_block(GUARD_SUBPROCESS, VIOLATION_PERMISSION, "?", "subprocess disabled: exec(malformed program)");
    }
    /* str entries too: multiprocessing passes [sys.executable]. */
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(sequence) && count < 64; i++) {
        char text[PATH_MAX];

        if (program_text(PySequence_Fast_GET_ITEM(sequence, i), text, sizeof(text)) == 0)
            candidates[count++] = xstrdup(text);
    }
    Py_DECREF(sequence);
    if (count > 0) {
        /* Shown when nothing would run: the name the candidates share. */
        const char *slash = strrchr(candidates[0], '/');
        snprintf(first, sizeof(first), "%s", slash ? slash + 1 : candidates[0]);
    }
    int rc = decide(rt, first, procpolicy_first_executable((const char *const *)candidates, count), false);

    for (size_t i = 0; i < count; i++)
        free(candidates[i]);
    return rc;
}

/* The child's environment as a list of b"NAME=value": `env` itself, or the
 * process's environment when `env` is None. */
static PyObject *environment_list(PyObject *env)
{
    extern char **environ;
    PyObject *list;

    if (env != Py_None)
        return PySequence_List(env);
    list = PyList_New(0);
    for (char **entry = environ; list != NULL && entry != NULL && *entry != NULL; entry++) {
        PyObject *item = PyBytes_FromString(*entry);

        if (item == NULL || PyList_Append(list, item) != 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    return list;
}

/* Replace or add NAME=value in a list of b"NAME=value". */
static int set_variable(PyObject *list, const char *name, const char *value)
{
    size_t length = strlen(name);
    PyObject *item = PyBytes_FromFormat("%s=%s", name, value);

    if (item == NULL)
        return -1;
    for (Py_ssize_t i = PyList_GET_SIZE(list) - 1; i >= 0; i--) {
        PyObject *entry = PyList_GET_ITEM(list, i);

        if (!PyBytes_Check(entry) || strncmp(PyBytes_AS_STRING(entry), name, length) != 0 ||
            PyBytes_AS_STRING(entry)[length] != '=')
            continue;
        if (PySequence_DelItem(list, i) != 0) {
            Py_DECREF(item);
            return -1;
        }
    }
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}


/* The program the child of fork_exec runs: the first of `executables`
 * that is executable, joined to `cwd` when relative. -1 if there is none. */
static int first_candidate(PyObject *executables, PyObject *cwd, char *out, size_t size)
{
    PyObject *sequence = PySequence_Fast(executables, "executable_list");
    char base[PATH_MAX], text[PATH_MAX];
    bool relative_to_cwd = cwd != NULL && cwd != Py_None && program_text(cwd, base, sizeof(base)) == 0;
    int rc = -1;

    if (sequence == NULL) {
        PyErr_Clear();
        return -1;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(sequence) && rc != 0; i++) {
        if (program_text(PySequence_Fast_GET_ITEM(sequence, i), text, sizeof(text)) != 0)
            continue;
        if (text[0] != '/' && relative_to_cwd)
            snprintf(out, size, "%s/%s", base, text);
        else
            snprintf(out, size, "%s", text);
        if (access(out, X_OK) == 0)
            rc = 0;
    }
    Py_DECREF(sequence);
    return rc;
}

/* Log `text` once: later calls with the same text print nothing. */
static void note_once(const char *text)
{
    static struct strlist noted;

    if (strlist_contains(&noted, text))
        return;
    strlist_add(&noted, text);
    log_message("%s", text);
}

/* Say once per program when a child named like a Python interpreter of
 * another version (python3.12) is not one hermetic can run, so it starts
 * without the policy. */
static void note_unguarded_python(const char *program)
{
    char text[PATH_MAX + 200];

    if (!resolve_is_python_name(program))
        return;
    snprintf(text, sizeof(text),
             "note: a child runs %s, which is not %s or a venv of it; it runs without hermetic's policy "
             "(--no-subprocess blocks such children, --kernel confines them)", program, HERMETIC_PYTHON);
    note_once(text);
}

int guard_subprocess_python_child(struct hermetic_runtime *rt, const char *program, PyObject *env,
                                  struct python_child *child)
{
    char real[PATH_MAX], path[8192];
    struct resolve_env embedded = EMBEDDED;
    int found;

    memset(child, 0, sizeof(*child));
    if (rt->self_exe == NULL || rt->python_executable == NULL)
        return 0;
    if (realpath(program, real) != NULL && strcmp(real, rt->self_exe) == 0)
        return 0;   /* hermetic itself: it only needs the environment */
    /* A #! line's "env python3" searches the child's PATH: from the
     * environment given to it, the default when that has none, or ours
     * when it inherits ours. */
    if (env != NULL && env != Py_None) {
        found = PyList_Check(env) || PyTuple_Check(env) ? path_from_env_list(env, path, sizeof(path))
                                                        : path_from_env(env, path, sizeof(path));
        embedded.path = found == 0 ? path : CHILD_DEFAULT_PATH;
    }
    if (resolve_python_child(program, &embedded, child)) {
        if (child->note != NULL)
            note_once(child->note);
        return 1;
    }
    note_unguarded_python(program);
    return 0;
}

PyObject *guard_subprocess_python_argv(struct hermetic_runtime *rt, const struct python_child *child,
                                       PyObject *argv)
{
    PyObject *sequence = PySequence_Fast(argv, "argv"), *list = PyList_New(0), *item;
    int rc = 0;

    if (sequence == NULL || list == NULL)
        goto fail;
    item = PyUnicode_DecodeFSDefault(rt->python_executable);
    rc = item != NULL ? PyList_Append(list, item) : -1;
    Py_XDECREF(item);
    for (size_t i = 0; rc == 0 && i < child->prefix.len; i++) {
        item = PyUnicode_DecodeFSDefault(child->prefix.items[i]);
        rc = item != NULL ? PyList_Append(list, item) : -1;
        Py_XDECREF(item);
    }
    for (Py_ssize_t i = 1; rc == 0 && i < PySequence_Fast_GET_SIZE(sequence); i++)
        rc = PyList_Append(list, PySequence_Fast_GET_ITEM(sequence, i));
    if (rc != 0)
        goto fail;
    Py_DECREF(sequence);
    return list;
fail:
    Py_XDECREF(sequence);
    Py_XDECREF(list);
    return NULL;
}

PyObject *guard_subprocess_child_args(struct hermetic_runtime *rt, PyObject *args)
{
    char program[2 * PATH_MAX + 2], real[PATH_MAX];
    const char *interpreter = getenv("HERMETIC_INTERPRETER");
    struct python_child child = {0};
    PyObject *env, *copy = NULL, *argv = NULL, *executables = NULL;
    char *policy;
    int rc;

    if (rt->self_exe == NULL || PyTuple_GET_SIZE(args) < 6 ||
        first_candidate(PyTuple_GET_ITEM(args, 1), PyTuple_GET_ITEM(args, 4), program, sizeof(program)) != 0) {
        Py_INCREF(args);
        return args;
    }
    if (realpath(program, real) == NULL || strcmp(real, rt->self_exe) != 0) {
        /* Python that hermetic can run starts as hermetic-python, so that
         * the policy follows it however the program named it. */
        if (guard_subprocess_python_child(rt, program, PyTuple_GET_ITEM(args, 5), &child) != 1) {
            Py_INCREF(args);
            return args;
        }
        interpreter = child.interpreter;
        argv = guard_subprocess_python_argv(rt, &child, PyTuple_GET_ITEM(args, 0));
        executables = argv != NULL ? Py_BuildValue("(y)", rt->python_executable) : NULL;
        if (executables == NULL) {
            Py_XDECREF(argv);
            resolve_python_child_free(&child);
            return NULL;
        }
    }
    /* A hermetic child: it gets the policy in force now, whatever the
     * environment the program built for it says. */
    env = environment_list(PyTuple_GET_ITEM(args, 5));
    policy = policy_format_yaml(&rt->effective, NULL);
    rc = env != NULL ? set_variable(env, "HERMETIC_POLICY", policy) : -1;
    free(policy);
    if (rc == 0 && interpreter != NULL)
        rc = set_variable(env, "HERMETIC_INTERPRETER", interpreter);
    if (rc == 0)
        copy = PyTuple_New(PyTuple_GET_SIZE(args));
    for (Py_ssize_t i = 0; copy != NULL && i < PyTuple_GET_SIZE(args); i++) {
        PyObject *value = PyTuple_GET_ITEM(args, i);

        if (i == 0 && argv != NULL)
            value = argv;
        else if (i == 1 && executables != NULL)
            value = executables;
        else if (i == 5)
            value = env;
        Py_INCREF(value);
        PyTuple_SET_ITEM(copy, i, value);
    }
    Py_XDECREF(env);
    Py_XDECREF(argv);
    Py_XDECREF(executables);
    resolve_python_child_free(&child);
    return copy;
}
