#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "guards.h"
#include "hook.h"
#include "module.h"
#include "patches.h"
#include "procpolicy.h"

/*
 * Guard patches replace the C function inside a builtin's PyMethodDef entry
 * (its ml_meth). Every function and method object made from that entry
 * calls through the same pointer, so the patch covers references taken
 * before it, aliases, objects found through gc, and modules re-created with
 * _imp.create_builtin; Python code has no way to reach the original pointer.
 * The public struct fields (tp_methods, PyModuleDef.m_methods) are the only
 * route to these entries: CPython has no API for wrapping a builtin.
 */
struct method_patch {
    const char *name;
    int flags;            /* the ml_flags the entry must have; otherwise refuse */
    PyCFunction wrapper;
    PyCFunction *original;
};

static int patch_methods(PyMethodDef *defs, const char *owner, const struct method_patch *patches, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        PyMethodDef *def = defs;

        while (def->ml_name != NULL && strcmp(def->ml_name, patches[i].name) != 0)
            def++;
        if (def->ml_name == NULL || def->ml_flags != patches[i].flags) {
            PyErr_Format(PyExc_RuntimeError,
                         "hermetic: cannot guard %s.%s: this Python's %s differs from CPython 3.11's",
                         owner, patches[i].name, owner);
            return -1;
        }
        if (def->ml_meth != patches[i].wrapper) {
            *patches[i].original = def->ml_meth;
            def->ml_meth = patches[i].wrapper;
        }
    }
    return 0;
}

/* ----- _socket: host names are resolved before the audit event ----- */

/* socket.connect(("example.com", 80)) resolves the name inside the call,
 * before CPython raises socket.connect; these wrappers decide on the name
 * first, so that no DNS query leaves for a name the policy blocks. */
static PyCFunction original_connect, original_connect_ex, original_bind, original_sendto, original_sendmsg;
static PyCFunction original_getaddrinfo, original_gethostbyname, original_gethostbyname_ex;

/* Call `original` with `address`, or with the numeric address that the
 * network guard resolved an allowed name to. */
static PyObject *call_with_address(PyCFunction original, PyObject *self, PyObject *address, const char *action)
{
    PyObject *replacement, *result;

    if (guard_network_prepare_address(hook_runtime(), self, address, action, &replacement) < 0)
        return NULL;
    result = original(self, replacement != NULL ? replacement : address);
    Py_XDECREF(replacement);
    return result;
}

static PyObject *guarded_connect(PyObject *self, PyObject *address)
{
    return call_with_address(original_connect, self, address, "connect");
}

static PyObject *guarded_connect_ex(PyObject *self, PyObject *address)
{
    return call_with_address(original_connect_ex, self, address, "connect");
}

static PyObject *guarded_bind(PyObject *self, PyObject *address)
{
    return call_with_address(original_bind, self, address, "bind");
}

/* Call `original` with `args`, its item `index` (the address) checked and
 * perhaps replaced. */
static PyObject *call_with_address_item(PyCFunction original, PyObject *self, PyObject *args, Py_ssize_t index,
                                        const char *action)
{
    PyObject *replacement, *copy, *result;

    if (guard_network_prepare_address(hook_runtime(), self, PyTuple_GET_ITEM(args, index), action, &replacement) < 0)
        return NULL;
    if (replacement == NULL)
        return original(self, args);
    /* A new tuple: PyTuple_GetSlice of the whole tuple returns args itself. */
    copy = PyTuple_New(PyTuple_GET_SIZE(args));
    if (copy == NULL) {
        Py_DECREF(replacement);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); i++) {
        PyObject *value = i == index ? replacement : PyTuple_GET_ITEM(args, i);

        if (i != index)
            Py_INCREF(value);
        PyTuple_SET_ITEM(copy, i, value);
    }
    result = original(self, copy);
    Py_DECREF(copy);
    return result;
}

/* sendto(data[, flags], address) */
static PyObject *guarded_sendto(PyObject *self, PyObject *args)
{
    Py_ssize_t n = PyTuple_Check(args) ? PyTuple_GET_SIZE(args) : 0;

    if (n == 2 || n == 3)
        return call_with_address_item(original_sendto, self, args, n - 1, "sendto");
    return original_sendto(self, args);
}

/* sendmsg(buffers[, ancdata[, flags[, address]]]) */
static PyObject *guarded_sendmsg(PyObject *self, PyObject *args)
{
    if (PyTuple_Check(args) && PyTuple_GET_SIZE(args) >= 4 && PyTuple_GET_ITEM(args, 3) != Py_None)
        return call_with_address_item(original_sendmsg, self, args, 3, "sendmsg");
    return original_sendmsg(self, args);
}

/* The first positional argument, or the keyword `name`. Borrowed. */
static PyObject *first_argument(PyObject *args, PyObject *kwargs, const char *name)
{
    if (PyTuple_Check(args) && PyTuple_GET_SIZE(args) >= 1)
        return PyTuple_GET_ITEM(args, 0);
    return kwargs != NULL && PyDict_Check(kwargs) ? PyDict_GetItemString(kwargs, name) : NULL;
}

static PyObject *guarded_getaddrinfo(PyObject *module, PyObject *args, PyObject *kwargs)
{
    PyObject *result = ((PyCFunctionWithKeywords)(void (*)(void))original_getaddrinfo)(module, args, kwargs);

    if (result != NULL)
        guard_network_record(hook_runtime(), first_argument(args, kwargs, "host"), result);
    return result;
}

static PyObject *guarded_gethostbyname(PyObject *module, PyObject *args)
{
    PyObject *result = original_gethostbyname(module, args);

    if (result != NULL)
        guard_network_record(hook_runtime(), first_argument(args, NULL, NULL), result);
    return result;
}

static PyObject *guarded_gethostbyname_ex(PyObject *module, PyObject *args)
{
    PyObject *result = original_gethostbyname_ex(module, args);

    if (result != NULL)
        guard_network_record(hook_runtime(), first_argument(args, NULL, NULL), result);
    return result;
}

static const struct method_patch SOCKET_METHOD_PATCHES[] = {
    {"connect", METH_O, guarded_connect, &original_connect},
    {"connect_ex", METH_O, guarded_connect_ex, &original_connect_ex},
    {"bind", METH_O, guarded_bind, &original_bind},
    {"sendto", METH_VARARGS, guarded_sendto, &original_sendto},
    {"sendmsg", METH_VARARGS, guarded_sendmsg, &original_sendmsg},
};

static const struct method_patch SOCKET_FUNCTION_PATCHES[] = {
    {"getaddrinfo", METH_VARARGS | METH_KEYWORDS, (PyCFunction)(void (*)(void))guarded_getaddrinfo,
     &original_getaddrinfo},
    {"gethostbyname", METH_VARARGS, guarded_gethostbyname, &original_gethostbyname},
    {"gethostbyname_ex", METH_VARARGS, guarded_gethostbyname_ex, &original_gethostbyname_ex},
};

static int patch_socket_module(PyObject *module)
{
    PyObject *type = PyObject_GetAttrString(module, "socket");
    PyModuleDef *def = PyModule_GetDef(module);
    int rc = -1;

    if (type == NULL || !PyType_Check(type) || def == NULL || def->m_methods == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "hermetic: _socket has an unexpected shape");
        goto done;
    }
    guard_network_set_socket_type((PyTypeObject *)type);
    if (patch_methods(((PyTypeObject *)type)->tp_methods, "_socket.socket", SOCKET_METHOD_PATCHES,
                      sizeof(SOCKET_METHOD_PATCHES) / sizeof(SOCKET_METHOD_PATCHES[0])) != 0)
        goto done;
    if (patch_methods(def->m_methods, "_socket", SOCKET_FUNCTION_PATCHES,
                      sizeof(SOCKET_FUNCTION_PATCHES) / sizeof(SOCKET_FUNCTION_PATCHES[0])) != 0)
        goto done;
    rc = 0;
done:
    Py_XDECREF(type);
    return rc;
}

/* True while _socket waits for its patches. guarded_create_builtin applies
 * them when the import system creates the module, before any code can call
 * it, because importing _socket at start costs more than the rest of the
 * network guard's start-up. */
static bool socket_patch_pending;

static int install_imp_patch(void);

static int patch_socket(void)
{
    PyObject *name = PyUnicode_FromString("_socket");
    PyObject *module = name != NULL ? PyImport_GetModule(name) : NULL;
    int rc;

    Py_XDECREF(name);
    if (module != NULL) {
        rc = patch_socket_module(module);
        Py_DECREF(module);
        return rc;
    }
    if (PyErr_Occurred())
        return -1;
    socket_patch_pending = true;
    return install_imp_patch();
}

/* ----- _posixsubprocess.fork_exec: no audit event at all ----- */

/* subprocess (after its subprocess.Popen event), multiprocessing's spawn
 * and forkserver start methods and its resource tracker all create
 * processes through this function, which raises no event in 3.11. */
static PyCFunction original_fork_exec;

static PyObject *guarded_fork_exec(PyObject *module, PyObject *args)
{
    PyObject *child_args, *result;

    /* Decide on what the child will run: a Python child becomes
     * hermetic-python first. */
    child_args = PyTuple_Check(args) ? guard_subprocess_child_args(hook_runtime(), args) : (Py_INCREF(args), args);
    if (child_args == NULL)
        return NULL;
    if (PyTuple_Check(child_args) && PyTuple_GET_SIZE(child_args) >= 2 &&
        guard_subprocess_fork_exec(hook_runtime(), PyTuple_GET_ITEM(child_args, 1)) != 0) {
        Py_DECREF(child_args);
        return NULL;
    }
    result = original_fork_exec(module, child_args);
    Py_DECREF(child_args);
    return result;
}

static const struct method_patch FORK_EXEC_PATCHES[] = {
    {"fork_exec", METH_VARARGS, guarded_fork_exec, &original_fork_exec},
};

/* ----- posix: calls whose audit event lacks what a decision needs ----- */

typedef PyObject *fastcall_fn(PyObject *, PyObject *const *, Py_ssize_t, PyObject *);
typedef PyObject *fastcall_plain_fn(PyObject *, PyObject *const *, Py_ssize_t);

/* An argument of a METH_FASTCALL | METH_KEYWORDS call, by position or by
 * keyword; NULL if not given. Borrowed. */
static PyObject *fast_argument(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, Py_ssize_t position,
                               const char *name)
{
    if (position >= 0 && position < nargs)
        return args[position];
    if (kwnames == NULL || !PyTuple_Check(kwnames))
        return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);

        if (PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, name) == 0)
            return args[nargs + i];
    }
    return NULL;
}

static PyCFunction original_open, original_mkfifo, original_mknod;

/* os.open(path, flags, mode=0o777, *, dir_fd=None): its open event carries
 * neither dir_fd nor a mode string, so the decision is made here, and the
 * hook leaves os.open's event (mode None) alone. */
static PyObject *guarded_open(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    struct hermetic_runtime *rt = hook_runtime();
    PyObject *path = fast_argument(args, nargs, kwnames, 0, "path");
    PyObject *flags = fast_argument(args, nargs, kwnames, 1, "flags");
    PyObject *dir_fd = fast_argument(args, nargs, kwnames, -1, "dir_fd");
    long flag_bits;

    if ((rt->guards & GUARD_FILESYSTEM) && path != NULL && flags != NULL && PyLong_Check(flags)) {
        flag_bits = PyLong_AsLong(flags);
        if (PyErr_Occurred())
            PyErr_Clear();
        else if (guard_filesystem_check(rt, "open", path, dir_fd,
                                        fspolicy_is_write_open(NULL, (int)flag_bits) ? FS_WRITE : FS_READ,
                                        !(flag_bits & O_NOFOLLOW), ", write") != 0)
            return NULL;
    }
    return ((fastcall_fn *)(void (*)(void))original_open)(module, args, nargs, kwnames);
}

/* os.mkfifo and os.mknod raise no audit event; both create a file. */
static PyObject *guarded_mkfifo(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    struct hermetic_runtime *rt = hook_runtime();
    PyObject *path = fast_argument(args, nargs, kwnames, 0, "path");

    if ((rt->guards & GUARD_FILESYSTEM) && path != NULL &&
        guard_filesystem_check(rt, "mkfifo", path, fast_argument(args, nargs, kwnames, -1, "dir_fd"), FS_WRITE,
                               false, NULL) != 0)
        return NULL;
    return ((fastcall_fn *)(void (*)(void))original_mkfifo)(module, args, nargs, kwnames);
}

static PyObject *guarded_mknod(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    struct hermetic_runtime *rt = hook_runtime();
    PyObject *path = fast_argument(args, nargs, kwnames, 0, "path");

    if ((rt->guards & GUARD_FILESYSTEM) && path != NULL &&
        guard_filesystem_check(rt, "mknod", path, fast_argument(args, nargs, kwnames, -1, "dir_fd"), FS_WRITE,
                               false, NULL) != 0)
        return NULL;
    return ((fastcall_fn *)(void (*)(void))original_mknod)(module, args, nargs, kwnames);
}

#define FASTCALL_KEYWORDS (METH_FASTCALL | METH_KEYWORDS)

static const struct method_patch POSIX_PATCHES[] = {
    {"open", FASTCALL_KEYWORDS, (PyCFunction)(void (*)(void))guarded_open, &original_open},
    {"mkfifo", FASTCALL_KEYWORDS, (PyCFunction)(void (*)(void))guarded_mkfifo, &original_mkfifo},
    {"mknod", FASTCALL_KEYWORDS, (PyCFunction)(void (*)(void))guarded_mknod, &original_mknod},
};

/* ----- posix.execve and posix.posix_spawn: Python children started
 * without subprocess ----- */

static PyCFunction original_execve, original_posix_spawn, original_posix_spawnp;

/* The program an exec of `path` (str, bytes or os.PathLike) runs, as
 * found (allocated); `search` looks it up on PATH as posix_spawnp does.
 * NULL if there is none. */
static char *exec_program(PyObject *path, bool search)
{
    PyObject *bytes = NULL;
    char *found;

    if (!PyUnicode_FSConverter(path, &bytes)) {
        PyErr_Clear();
        return NULL;
    }
    if (search)
        found = procpolicy_search_program(PyBytes_AS_STRING(bytes), getenv("PATH"));
    else   /* execve does not search: "prog" is ./prog */
        found = access(PyBytes_AS_STRING(bytes), X_OK) == 0 ? xstrdup(PyBytes_AS_STRING(bytes)) : NULL;
    Py_DECREF(bytes);
    return found;
}

/* A copy of the mapping `env` carrying the policy in force now and
 * `interpreter` (if not NULL) as HERMETIC_INTERPRETER. */
static PyObject *child_environment(struct hermetic_runtime *rt, PyObject *env, const char *interpreter)
{
    PyObject *copy = PyDict_New(), *policy;
    char *text;
    int rc;

    if (copy == NULL || PyDict_Merge(copy, env, 1) != 0) {
        Py_XDECREF(copy);
        return NULL;
    }
    /* Drop bytes keys of the same names, which would come first. */
    for (size_t i = 0; i < 2; i++) {
        PyObject *key = PyBytes_FromString(i == 0 ? "HERMETIC_POLICY" : "HERMETIC_INTERPRETER");

        if (key == NULL || (PyDict_Contains(copy, key) == 1 && PyDict_DelItem(copy, key) != 0)) {
            Py_XDECREF(key);
            Py_DECREF(copy);
            return NULL;
        }
        Py_DECREF(key);
    }
    text = policy_format_yaml(&rt->effective, NULL);
    policy = PyUnicode_DecodeFSDefault(text);
    free(text);
    rc = policy != NULL ? PyDict_SetItemString(copy, "HERMETIC_POLICY", policy) : -1;
    Py_XDECREF(policy);
    if (rc == 0 && interpreter != NULL) {
        PyObject *value = PyUnicode_DecodeFSDefault(interpreter);

        rc = value != NULL ? PyDict_SetItemString(copy, "HERMETIC_INTERPRETER", value) : -1;
        Py_XDECREF(value);
    }
    if (rc != 0) {
        Py_DECREF(copy);
        return NULL;
    }
    return copy;
}

/* The index in `args` of an argument given by position or keyword, or -1. */
static Py_ssize_t fast_argument_index(Py_ssize_t nargs, PyObject *kwnames, Py_ssize_t position, const char *name)
{
    if (position < nargs)
        return position;
    for (Py_ssize_t i = 0; kwnames != NULL && PyTuple_Check(kwnames) && i < PyTuple_GET_SIZE(kwnames); i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);

        if (PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, name) == 0)
            return nargs + i;
    }
    return -1;
}

/*
 * Call `original` (execve, posix_spawn, posix_spawnp: path, argv, env)
 * so that a Python child runs under the policy in force now. A child that
 * runs hermetic gets the policy in its environment; one that runs Python
 * hermetic can run (python3, a venv's python, a script whose #! line runs
 * one) also starts as hermetic-python. Any other child runs as asked.
 */
static PyObject *call_with_child_env(PyCFunction original, PyObject *module, PyObject *const *args,
                                     Py_ssize_t nargs, PyObject *kwnames, bool search)
{
    struct hermetic_runtime *rt = hook_runtime();
    Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
    Py_ssize_t path_at = fast_argument_index(nargs, kwnames, 0, "path");
    Py_ssize_t argv_at = fast_argument_index(nargs, kwnames, 1, "argv");
    Py_ssize_t env_at = fast_argument_index(nargs, kwnames, 2, "env");
    PyObject *stack[16], *result = NULL, *environment = NULL, *executable = NULL, *argv = NULL;
    struct python_child child = {0};
    const char *interpreter = getenv("HERMETIC_INTERPRETER");
    char *program = NULL, real[PATH_MAX];
    bool python = false;

    if (rt->self_exe == NULL || path_at < 0 || argv_at < 0 || env_at < 0 || total > 16 ||
        !PyMapping_Check(args[env_at]) || (program = exec_program(args[path_at], search)) == NULL)
        goto unchanged;
    if (realpath(program, real) == NULL || strcmp(real, rt->self_exe) != 0) {
        if (guard_subprocess_python_child(rt, program, args[env_at], &child) != 1)
            goto unchanged;
        python = true;
        interpreter = child.interpreter;
    }
    environment = child_environment(rt, args[env_at], interpreter);
    if (environment != NULL && python) {
        executable = PyUnicode_DecodeFSDefault(rt->python_executable);
        argv = executable != NULL ? guard_subprocess_python_argv(rt, &child, args[argv_at]) : NULL;
    }
    if (environment != NULL && (!python || argv != NULL)) {
        for (Py_ssize_t i = 0; i < total; i++)
            stack[i] = i == env_at ? environment : i == path_at && python ? executable
                                                 : i == argv_at && python ? argv : args[i];
        result = ((fastcall_fn *)(void (*)(void))original)(module, stack, nargs, kwnames);
    }
    Py_XDECREF(environment);
    Py_XDECREF(executable);
    Py_XDECREF(argv);
    resolve_python_child_free(&child);
    free(program);
    return result;
unchanged:
    free(program);
    return ((fastcall_fn *)(void (*)(void))original)(module, args, nargs, kwnames);
}

static PyCFunction original_execv;

/* os.execv (path, argv) and os.execl, os.execlp, ...: the child inherits
 * this process's environment, which already carries the policy for
 * hermetic. A Python child is turned into an execve of hermetic-python. */
static PyObject *guarded_execv(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *os = NULL, *environ_map = NULL, *stack[3], *result;

    if (nargs != 2 || original_execve == NULL)
        return ((fastcall_plain_fn *)(void (*)(void))original_execv)(module, args, nargs);
    os = PyImport_ImportModule("os");
    environ_map = os != NULL ? PyObject_GetAttrString(os, "environ") : NULL;
    Py_XDECREF(os);
    if (environ_map == NULL)
        return NULL;
    stack[0] = args[0];
    stack[1] = args[1];
    stack[2] = environ_map;
    result = call_with_child_env(original_execve, module, stack, 3, NULL, false);
    Py_DECREF(environ_map);
    return result;
}

static PyObject *guarded_execve(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return call_with_child_env(original_execve, module, args, nargs, kwnames, false);
}

static PyObject *guarded_posix_spawn(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                     PyObject *kwnames)
{
    return call_with_child_env(original_posix_spawn, module, args, nargs, kwnames, false);
}

static PyObject *guarded_posix_spawnp(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                      PyObject *kwnames)
{
    return call_with_child_env(original_posix_spawnp, module, args, nargs, kwnames, true);
}

static const struct method_patch CHILD_ENV_PATCHES[] = {
    {"execv", METH_FASTCALL, (PyCFunction)(void (*)(void))guarded_execv, &original_execv},
    {"execve", METH_FASTCALL | METH_KEYWORDS, (PyCFunction)(void (*)(void))guarded_execve, &original_execve},
    {"posix_spawn", METH_FASTCALL | METH_KEYWORDS, (PyCFunction)(void (*)(void))guarded_posix_spawn,
     &original_posix_spawn},
    {"posix_spawnp", METH_FASTCALL | METH_KEYWORDS, (PyCFunction)(void (*)(void))guarded_posix_spawnp,
     &original_posix_spawnp},
};

/* ----- _imp.create_builtin: builtin modules load without an import event
 * when importlib's loaders are called directly ----- */

static PyCFunction original_create_builtin;

static PyObject *guarded_create_builtin(PyObject *module, PyObject *spec)
{
    struct hermetic_runtime *rt = hook_runtime();
    PyObject *name = NULL, *result;
    const char *text = NULL;
    bool is_socket;

    if (rt->guards & (GUARD_IMPORTS | GUARD_SEAL) || socket_patch_pending) {
        name = PyObject_GetAttrString(spec, "name");
        text = name != NULL && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
        if (text == NULL) {
            Py_XDECREF(name);
            return NULL;
        }
    }
    if (rt->guards & (GUARD_IMPORTS | GUARD_SEAL)) {
        if (guard_imports_check_name(rt, text) != 0) {
            Py_DECREF(name);
            return NULL;
        }
        /* Re-creating a loaded builtin yields a fresh module object: a way
         * around whatever holds the loaded one. */
        if ((rt->guards & GUARD_SEAL) && PyDict_GetItemWithError(PyImport_GetModuleDict(), name) != NULL) {
            hook_block(GUARD_SEAL, VIOLATION_IMPORT, text, "sealed: _imp.create_builtin(%s) of a loaded module",
                       text);
            Py_DECREF(name);
            return NULL;
        }
        if (PyErr_Occurred()) {
            Py_DECREF(name);
            return NULL;
        }
    }
    is_socket = socket_patch_pending && strcmp(text, "_socket") == 0;
    Py_XDECREF(name);
    result = original_create_builtin(module, spec);
    if (result != NULL && is_socket) {
        /* Fail closed: without its patches, no _socket. */
        if (patch_socket_module(result) != 0)
            Py_CLEAR(result);
        else
            socket_patch_pending = false;
    }
    return result;
}

static const struct method_patch IMP_PATCHES[] = {
    {"create_builtin", METH_O, guarded_create_builtin, &original_create_builtin},
};

/* Patch functions of the builtin module `name`. */
/* The definition of built-in module `name` if it uses multi-phase
 * initialisation: its init function then only returns the definition, so
 * no module object is created and nothing is imported. NULL otherwise. */
static PyModuleDef *builtin_definition(const char *name)
{
    for (struct _inittab *entry = PyImport_Inittab; entry->name != NULL; entry++) {
        PyObject *result;

        if (strcmp(entry->name, name) != 0)
            continue;
        result = entry->initfunc();
        if (result != NULL && PyObject_TypeCheck(result, &PyModuleDef_Type))
            return (PyModuleDef *)result;
        /* A single-phase module object: let the import system make the one
         * that counts. */
        Py_XDECREF(result);
        PyErr_Clear();
        return NULL;
    }
    return NULL;
}

/* Patch the method table of module `name`. Module objects call through
 * their definition's table, so the patch holds for the objects that exist
 * and for any the program creates later. */
static int patch_module(const char *name, const struct method_patch *patches, size_t count)
{
    PyModuleDef *def = builtin_definition(name);
    PyObject *module = NULL;
    int rc;

    if (def == NULL) {
        module = PyImport_ImportModule(name);
        if (module == NULL)
            return -1;
        def = PyModule_GetDef(module);
    }
    if (def == NULL || def->m_methods == NULL) {
        PyErr_Format(PyExc_RuntimeError, "hermetic: %s has an unexpected shape", name);
        Py_XDECREF(module);
        return -1;
    }
    rc = patch_methods(def->m_methods, name, patches, count);
    Py_XDECREF(module);
    return rc;
}

static int install_imp_patch(void)
{
    static bool installed;

    if (installed)
        return 0;
    if (patch_module("_imp", IMP_PATCHES, 1) != 0)
        return -1;
    installed = true;
    return 0;
}

int patches_install(unsigned int guards)
{
    static unsigned int installed;

    if ((guards & GUARD_NETWORK) && !(installed & GUARD_NETWORK)) {
        if (patch_socket() != 0)
            return -1;
        installed |= GUARD_NETWORK;
    }
    if ((guards & GUARD_SUBPROCESS || hook_runtime()->self_exe != NULL) && !(installed & GUARD_SUBPROCESS)) {
        if (patch_module("_posixsubprocess", FORK_EXEC_PATCHES, 1) != 0)
            return -1;
        if (hook_runtime()->self_exe != NULL &&
            patch_module("posix", CHILD_ENV_PATCHES, sizeof(CHILD_ENV_PATCHES) / sizeof(CHILD_ENV_PATCHES[0])) != 0)
            return -1;
        installed |= GUARD_SUBPROCESS;
    }
    if ((guards & (GUARD_IMPORTS | GUARD_SEAL)) && install_imp_patch() != 0)
        return -1;
    if ((guards & GUARD_FILESYSTEM) && !(installed & GUARD_FILESYSTEM)) {
        if (patch_module("posix", POSIX_PATCHES, sizeof(POSIX_PATCHES) / sizeof(POSIX_PATCHES[0])) != 0)
            return -1;
        installed |= GUARD_FILESYSTEM;
    }
    return 0;
}
