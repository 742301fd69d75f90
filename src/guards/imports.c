#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <unistd.h>

#include "codepolicy.h"
#include "guards.h"
#include "hook.h"

/*
 * --deny-import. The import statement, __import__ and the C import path
 * raise an import event with the module's name; importlib.import_module,
 * importlib._bootstrap._gcd_import and loaders called directly do not, so
 * the guard also watches the execution of module code (an exec event whose
 * code object is "<module>", named after its file below a sys.path entry),
 * extension modules (the second import event) and builtin and frozen
 * modules (patches of _imp in patches.c).
 */
int guard_imports_check_name(struct hermetic_runtime *rt, const char *module)
{
    if (!(rt->guards & GUARD_IMPORTS) || !codepolicy_denied(&rt->effective.imports.deny, module))
        return 0;
    return hook_block(GUARD_IMPORTS, VIOLATION_IMPORT, module, "import denied: %s", module);
}

/* import (module, filename, sys.path, sys.meta_path, sys.path_hooks):
 * every guard that watches imports, in turn. */
int guard_import_event(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *name = PyTuple_GET_SIZE(args) > 0 ? PyTuple_GET_ITEM(args, 0) : NULL;

    if ((rt->guards & GUARD_INTERPRETER) && guard_interpreter_check(rt, args) != 0)
        return -1;
    if ((rt->guards & GUARD_IMPORTS) && name != NULL && PyUnicode_Check(name)) {
        const char *text = PyUnicode_AsUTF8(name);

        if (text == NULL)
            PyErr_Clear();
        else if (guard_imports_check_name(rt, text) != 0)
            return -1;
    }
    if (rt->guards & (GUARD_NATIVE | GUARD_FILESYSTEM))
        return guard_native_import(rt, args);
    return 0;
}

/* The module a "<module>" code object belongs to, from its file and the
 * entries of sys.path. Returns 0 with the name in `out`, or -1. */
static int module_of_code(PyCodeObject *code, char *out, size_t size)
{
    PyObject *path = PySys_GetObject("path");
    const char *file;
    char cwd[PATH_MAX];

    if (!PyUnicode_Check(code->co_name) || PyUnicode_CompareWithASCIIString(code->co_name, "<module>") != 0)
        return -1;
    file = PyUnicode_Check(code->co_filename) ? PyUnicode_AsUTF8(code->co_filename) : NULL;
    if (file == NULL) {
        PyErr_Clear();
        return -1;
    }
    if (codepolicy_module_from_file(file, "", out, size) == 0)
        return 0;   /* a frozen module */
    for (Py_ssize_t i = 0; path != NULL && PyList_Check(path) && i < PyList_GET_SIZE(path); i++) {
        PyObject *entry = PyList_GET_ITEM(path, i);
        const char *dir = PyUnicode_Check(entry) ? PyUnicode_AsUTF8(entry) : NULL;

        if (dir == NULL) {
            PyErr_Clear();
            continue;
        }
        if (dir[0] == '\0' && getcwd(cwd, sizeof(cwd)) != NULL)
            dir = cwd;
        if (codepolicy_module_from_file(file, dir, out, size) == 0)
            return 0;
    }
    return -1;
}

int guard_imports_exec(struct hermetic_runtime *rt, PyObject *code)
{
    char module[512];

    if (!PyCode_Check(code) || module_of_code((PyCodeObject *)code, module, sizeof(module)) != 0)
        return 0;
    return guard_imports_check_name(rt, module);
}

/* Remove denied modules that start-up imported from sys.modules, so the
 * next import of one goes through the guard. */
int guard_imports_forget(struct hermetic_runtime *rt)
{
    PyObject *modules = PyImport_GetModuleDict(), *keys;

    if (rt->effective.imports.deny.len == 0 || modules == NULL)
        return 0;
    keys = PyDict_Keys(modules);
    if (keys == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;

        if (name != NULL && codepolicy_denied(&rt->effective.imports.deny, name))
            PyDict_DelItem(modules, key);
        PyErr_Clear();
    }
    Py_DECREF(keys);
    return 0;
}

/* cpython.run_command, run_file, run_module, run_stdin: the program is
 * about to start, and sys.path holds its final start-up value. */
int guard_program_start(struct hermetic_runtime *rt, PyObject *args)
{
    (void)args;
    if ((rt->guards & GUARD_INTERPRETER) && guard_interpreter_install() != 0)
        return -1;
    if (rt->guards & GUARD_IMPORTS)
        return guard_imports_forget(rt);
    return 0;
}
