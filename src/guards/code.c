#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "codepolicy.h"
#include "guards.h"
#include "hook.h"

/*
 * --no-code-exec decides by who asks: the code object of the Python frame
 * that called compile, exec or eval. Code of the interpreter's standard
 * library and of the system's Python packages (dataclasses, namedtuple,
 * typing, the import system, runpy, attrs as Debian installs it) may
 * compile; the program's own frames, and packages installed with pip, may
 * not. The interpreter running the program's source (a script, -c, the
 * REPL) has no calling frame and is allowed. A program cannot change a
 * frame's file name without creating a code object, which this guard also
 * refuses.
 */
bool guard_caller_trusted(struct hermetic_runtime *rt, char *file, size_t size)
{
    PyFrameObject *frame = PyEval_GetFrame();
    PyCodeObject *code;
    const char *name;
    bool trusted;

    snprintf(file, size, "?");
    if (hook_trusted() || frame == NULL)
        return true;
    code = PyFrame_GetCode(frame);
    name = PyUnicode_Check(code->co_filename) ? PyUnicode_AsUTF8(code->co_filename) : NULL;
    if (name == NULL) {
        PyErr_Clear();
        Py_DECREF(code);
        return false;
    }
    snprintf(file, size, "%s", name);
    trusted = codepolicy_trusted_file(name, &rt->code_trusted);
    Py_DECREF(code);
    return trusted;
}

static int refuse(struct hermetic_runtime *rt, const char *action)
{
    char file[512];

    if (guard_caller_trusted(rt, file, sizeof(file)))
        return 0;
    /* Also an ImportError: code generation often runs while a module is
     * imported (attrs, for one), and optional imports then fall back. */
    return hook_block(GUARD_CODE_EXEC, VIOLATION_IMPORT, file, "code execution disabled: %s in %s", action, file);
}

/* compile (source, filename): compile(), and eval and exec of text. */
int guard_code_compile(struct hermetic_runtime *rt, PyObject *args)
{
    (void)args;
    return refuse(rt, "compile");
}

/* exec (code,): exec and eval of a code object, and module code. */
int guard_code_exec(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *code = PyTuple_GET_SIZE(args) > 0 ? PyTuple_GET_ITEM(args, 0) : NULL;

    if ((rt->guards & GUARD_IMPORTS) && code != NULL && guard_imports_exec(rt, code) != 0)
        return -1;
    if (rt->guards & GUARD_CODE_EXEC)
        return refuse(rt, "exec");
    return 0;
}

/* code.__new__ (...): types.CodeType() and code.replace(). */
int guard_code_new(struct hermetic_runtime *rt, PyObject *args)
{
    (void)args;
    return refuse(rt, "code object creation");
}

/* marshal.loads (bytes,) and marshal.load (file,): can yield code objects. */
int guard_code_marshal(struct hermetic_runtime *rt, PyObject *args)
{
    (void)args;
    return refuse(rt, "marshal.loads");
}

/* pickle.find_class (module, name): what an unpickled object may call. */
int guard_code_pickle(struct hermetic_runtime *rt, PyObject *args)
{
    const char *module, *name;

    (void)rt;
    if (PyTuple_GET_SIZE(args) < 2 || !PyUnicode_Check(PyTuple_GET_ITEM(args, 0)) ||
        !PyUnicode_Check(PyTuple_GET_ITEM(args, 1)))
        return hook_block(GUARD_CODE_EXEC, VIOLATION_PLAIN, "?", "code execution disabled: pickle.find_class(?)");
    module = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
    name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 1));
    if (module == NULL || name == NULL) {
        PyErr_Clear();
        return hook_block(GUARD_CODE_EXEC, VIOLATION_PLAIN, "?", "code execution disabled: pickle.find_class(?)");
    }
    if (codepolicy_pickle_allowed(module, name))
        return 0;
    return hook_block(GUARD_CODE_EXEC, VIOLATION_PLAIN, name, "code execution disabled: pickle.find_class(%s.%s)",
                      module, name);
}
