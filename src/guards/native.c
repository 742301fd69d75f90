#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <stdlib.h>

#include "guards.h"
#include "hook.h"
#include "nativepolicy.h"

/*
 * import (module, filename, sys.path, sys.meta_path, sys.path_hooks). For
 * an extension module, _imp.create_dynamic raises a second import event
 * with the .so path as filename and None for the rest, before dlopen:
 * vetoing it means the file is never mapped.
 */
int guard_native_import(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *name_object, *file_object;
    const char *name, *file;
    char real[PATH_MAX];

    if (PyTuple_GET_SIZE(args) < 3)
        return 0;
    file_object = PyTuple_GET_ITEM(args, 1);
    if (file_object == Py_None || PyTuple_GET_ITEM(args, 2) != Py_None)
        return 0;   /* the first import event of any module, or a forged shape */
    name_object = PyTuple_GET_ITEM(args, 0);
    if (!PyUnicode_Check(name_object) || !PyUnicode_Check(file_object))
        return hook_block(GUARD_NATIVE, VIOLATION_IMPORT, "?", "native code disabled: import(malformed audit event)");
    name = PyUnicode_AsUTF8(name_object);
    file = PyUnicode_AsUTF8(file_object);
    if (name == NULL || file == NULL) {
        PyErr_Clear();
        return hook_block(GUARD_NATIVE, VIOLATION_IMPORT, "?", "native code disabled: import(malformed audit event)");
    }
    if ((rt->guards & GUARD_FILESYSTEM) && rt->effective.filesystem.readonly) {
        const char *last = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;

        /* _dbm and _gdbm create and write their files in C, with no audit
         * event; refusing them makes dbm.open fall back to dbm.dumb, whose
         * writes the filesystem guard sees. */
        if (strcmp(last, "_dbm") == 0 || strcmp(last, "_gdbm") == 0)
            return hook_block(GUARD_FILESYSTEM, VIOLATION_IMPORT, name,
                              "filesystem readonly: import(%s): it writes files without audit events", name);
    }
    if (!(rt->guards & GUARD_NATIVE))
        return 0;
    if (realpath(file, real) == NULL)
        snprintf(real, sizeof(real), "%s", file);
    if (nativepolicy_allows_extension(&rt->effective, rt->libdynload, name, real)) {
        if (hook_tracing_allowed())
            hook_allowed(GUARD_NATIVE, name, "import(%s from %s)", name, real);
        return 0;
    }
    return hook_block(GUARD_NATIVE, VIOLATION_IMPORT, name, "native code disabled: import(%s from %s)", name, real);
}

/* ctypes.dlopen (name,): also raised while ctypes itself is imported. */
int guard_native_dlopen(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *library = PyTuple_GET_SIZE(args) > 0 ? PyTuple_GET_ITEM(args, 0) : Py_None;
    const char *text = PyUnicode_Check(library) ? PyUnicode_AsUTF8(library) : NULL;

    if (text == NULL)
        PyErr_Clear();
    if (nativepolicy_allows_name(&rt->effective, "ctypes"))
        return 0;
    return hook_block(GUARD_NATIVE, VIOLATION_PERMISSION, text ? text : "None",
                      "native code disabled: ctypes.dlopen(%s)", text ? text : "None");
}

/* sqlite3.enable_load_extension (connection, enabled). */
int guard_native_sqlite_enable(struct hermetic_runtime *rt, PyObject *args)
{
    int enabled;

    (void)rt;
    if (PyTuple_GET_SIZE(args) < 2)
        return 0;
    enabled = PyObject_IsTrue(PyTuple_GET_ITEM(args, 1));
    if (enabled == 0)
        return 0;
    PyErr_Clear();
    return hook_block(GUARD_NATIVE, VIOLATION_PERMISSION, "sqlite3",
                      "native code disabled: sqlite3.enable_load_extension(True)");
}

/* sqlite3.load_extension (connection, path). */
int guard_native_sqlite_load(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *path = PyTuple_GET_SIZE(args) > 1 ? PyTuple_GET_ITEM(args, 1) : Py_None;
    const char *text = PyUnicode_Check(path) ? PyUnicode_AsUTF8(path) : NULL;

    (void)rt;
    if (text == NULL)
        PyErr_Clear();
    return hook_block(GUARD_NATIVE, VIOLATION_PERMISSION, text ? text : "?",
                      "native code disabled: sqlite3.load_extension(%s)", text ? text : "?");
}
