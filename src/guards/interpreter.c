#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "guards.h"
#include "hook.h"

/*
 * --no-interpreter-mutation. sys.path, sys.meta_path and sys.path_hooks are
 * replaced by instances of a list subclass whose mutating methods raise
 * while the guard is on, so sys.path.append(x) fails where it is written.
 * Calling list's own methods on them (list.append(sys.path, x)) or
 * rebinding sys.path passes that check; the next import event, which
 * carries the three live lists, finds the change, restores the original
 * and raises. The import system's own caches (sys.path_importer_cache,
 * sys.modules) are left alone.
 */
typedef struct {
    PyListObject list;
    const char *label;   /* "sys.path", ... for messages */
} GuardedList;

static PyTypeObject *guarded_type;

/* The guarded lists and what they held when the program started, in the
 * order sys.path, sys.meta_path, sys.path_hooks. */
static const char *const LIST_NAMES[] = {"path", "meta_path", "path_hooks"};
static const char *const LIST_LABELS[] = {"sys.path", "sys.meta_path", "sys.path_hooks"};
static PyObject *guarded[3];
static PyObject *snapshot[3];

/* A tuple of the list's items, to compare against later. */
static PyObject *items_of(PyObject *list)
{
    return PyList_Check(list) ? PyList_AsTuple(list) : NULL;
}

/* True if a code object's file is the site module's. */
static bool is_site(PyCodeObject *code)
{
    const char *file = PyUnicode_Check(code->co_filename) ? PyUnicode_AsUTF8(code->co_filename) : NULL;
    size_t n = file ? strlen(file) : 0;

    if (file == NULL) {
        PyErr_Clear();
        return false;
    }
    return strcmp(file, "<frozen site>") == 0 || (n >= 8 && strcmp(file + n - 8, "/site.py") == 0);
}

/* True while site.addsitedir runs, called from anywhere: it adds a
 * directory to sys.path and runs the .pth files in it, so it is refused
 * even though the module that calls append is the standard library's. */
static bool in_addsitedir(void)
{
    PyFrameObject *frame = PyEval_GetFrame();

    if (frame != NULL)
        Py_INCREF(frame);
    while (frame != NULL) {
        PyCodeObject *code = PyFrame_GetCode(frame);
        bool found = PyUnicode_Check(code->co_name) &&
                     PyUnicode_CompareWithASCIIString(code->co_name, "addsitedir") == 0 && is_site(code);
        PyFrameObject *back = PyFrame_GetBack(frame);

        Py_DECREF(code);
        Py_DECREF(frame);
        if (found) {
            Py_XDECREF(back);
            return true;
        }
        frame = back;
    }
    PyErr_Clear();
    return false;
}

/* Refuse a change by the program; code of the interpreter (pydoc, the
 * import system) may change the lists, as it does on its own. */
static int refuse(PyObject *self)
{
    struct hermetic_runtime *rt = hook_runtime();
    const char *label = ((GuardedList *)self)->label;
    char file[512];

    if (!(rt->guards & GUARD_INTERPRETER))
        return 0;
    if (guard_caller_trusted(rt, file, sizeof(file)) && !in_addsitedir())
        return 0;
    return hook_block(GUARD_INTERPRETER, VIOLATION_PLAIN, label, "interpreter mutation disabled: %s", label);
}

/* After an allowed change, the new contents are what later checks expect. */
static void accept_change(PyObject *self)
{
    for (int i = 0; i < 3; i++)
        if (guarded[i] == self)
            Py_XSETREF(snapshot[i], items_of(self));
    PyErr_Clear();
}

/* A method of the subclass: refuse, else call list's method of that name. */
static PyObject *delegate(PyObject *self, const char *name, PyObject *args, PyObject *kwargs)
{
    PyObject *method, *result;

    if (refuse(self) != 0)
        return NULL;
    method = PyObject_GetAttrString((PyObject *)&PyList_Type, name);
    if (method == NULL)
        return NULL;
    PyObject *call_args = PyTuple_New(PyTuple_GET_SIZE(args) + 1);
    if (call_args == NULL) {
        Py_DECREF(method);
        return NULL;
    }
    Py_INCREF(self);
    PyTuple_SET_ITEM(call_args, 0, self);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); i++) {
        Py_INCREF(PyTuple_GET_ITEM(args, i));
        PyTuple_SET_ITEM(call_args, i + 1, PyTuple_GET_ITEM(args, i));
    }
    result = PyObject_Call(method, call_args, kwargs);
    Py_DECREF(call_args);
    Py_DECREF(method);
    if (result != NULL)
        accept_change(self);
    return result;
}

#define DELEGATE(fn, name)                                                   \
    static PyObject *fn(PyObject *self, PyObject *args, PyObject *kwargs)   \
    {                                                                        \
        return delegate(self, name, args, kwargs);                           \
    }

DELEGATE(guarded_append, "append")
DELEGATE(guarded_extend, "extend")
DELEGATE(guarded_insert, "insert")
DELEGATE(guarded_remove, "remove")
DELEGATE(guarded_pop, "pop")
DELEGATE(guarded_clear, "clear")
DELEGATE(guarded_sort, "sort")
DELEGATE(guarded_reverse, "reverse")

static int guarded_ass_subscript(PyObject *self, PyObject *key, PyObject *value)
{
    int rc;

    if (refuse(self) != 0)
        return -1;
    rc = PyList_Type.tp_as_mapping->mp_ass_subscript(self, key, value);
    if (rc == 0)
        accept_change(self);
    return rc;
}

static PyObject *guarded_inplace_concat(PyObject *self, PyObject *other)
{
    PyObject *result;

    if (refuse(self) != 0)
        return NULL;
    result = PyList_Type.tp_as_sequence->sq_inplace_concat(self, other);
    if (result != NULL)
        accept_change(self);
    return result;
}

static PyObject *guarded_inplace_repeat(PyObject *self, Py_ssize_t count)
{
    PyObject *result;

    if (refuse(self) != 0)
        return NULL;
    result = PyList_Type.tp_as_sequence->sq_inplace_repeat(self, count);
    if (result != NULL)
        accept_change(self);
    return result;
}

#define METHOD(name, fn) {name, (PyCFunction)(void (*)(void))fn, METH_VARARGS | METH_KEYWORDS, NULL}

static PyMethodDef guarded_methods[] = {
    METHOD("append", guarded_append), METHOD("extend", guarded_extend), METHOD("insert", guarded_insert),
    METHOD("remove", guarded_remove), METHOD("pop", guarded_pop),       METHOD("clear", guarded_clear),
    METHOD("sort", guarded_sort),     METHOD("reverse", guarded_reverse), {NULL, NULL, 0, NULL},
};

static PyType_Slot guarded_slots[] = {
    {Py_tp_traverse, NULL},   /* list's, filled in at run time */
    {Py_tp_clear, NULL},
    {Py_tp_methods, guarded_methods},
    {Py_mp_ass_subscript, (void *)guarded_ass_subscript},
    {Py_sq_inplace_concat, (void *)guarded_inplace_concat},
    {Py_sq_inplace_repeat, (void *)guarded_inplace_repeat},
    {Py_tp_doc, "A list that refuses changes while hermetic's interpreter guard is on."},
    {0, NULL},
};

static PyType_Spec guarded_spec = {
    "hermetic.GuardedList", sizeof(GuardedList), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, guarded_slots,
};

int guard_interpreter_install(void)
{
    if (guarded_type == NULL) {
        PyObject *bases = PyTuple_Pack(1, (PyObject *)&PyList_Type);

        guarded_slots[0].pfunc = (void *)PyList_Type.tp_traverse;
        guarded_slots[1].pfunc = (void *)PyList_Type.tp_clear;
        guarded_type = bases ? (PyTypeObject *)PyType_FromSpecWithBases(&guarded_spec, bases) : NULL;
        Py_XDECREF(bases);
        if (guarded_type == NULL)
            return -1;
    }
    for (int i = 0; i < 3; i++) {
        PyObject *current = PySys_GetObject(LIST_NAMES[i]), *copy;

        if (current == NULL || !PyList_Check(current))
            continue;
        if (current != guarded[i]) {
            copy = PyType_GenericAlloc(guarded_type, 0);
            if (copy == NULL || PyList_SetSlice(copy, 0, 0, current) != 0 ||
                PySys_SetObject(LIST_NAMES[i], copy) != 0) {
                Py_XDECREF(copy);
                return -1;
            }
            ((GuardedList *)copy)->label = LIST_LABELS[i];
            Py_XSETREF(guarded[i], copy);
        }
        Py_XSETREF(snapshot[i], items_of(guarded[i]));
        if (snapshot[i] == NULL)
            return -1;
    }
    return 0;
}

/* True if `list` is the guarded list `i` holding what it held. */
static bool unchanged(int i, PyObject *list)
{
    if (list != guarded[i] || snapshot[i] == NULL)
        return list == guarded[i] || guarded[i] == NULL;
    if (PyList_GET_SIZE(list) != PyTuple_GET_SIZE(snapshot[i]))
        return false;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(list); k++)
        if (PyList_GET_ITEM(list, k) != PyTuple_GET_ITEM(snapshot[i], k))
            return false;
    return true;
}

/* Put list `i` back as it was: the same object, the same items. */
static void restore(int i)
{
    if (guarded[i] == NULL || snapshot[i] == NULL)
        return;
    PyList_SetSlice(guarded[i], 0, PyList_GET_SIZE(guarded[i]), snapshot[i]);
    PySys_SetObject(LIST_NAMES[i], guarded[i]);
    PyErr_Clear();
}

int guard_interpreter_check(struct hermetic_runtime *rt, PyObject *args)
{
    (void)rt;
    for (int i = 0; i < 3; i++) {
        PyObject *live = PySys_GetObject(LIST_NAMES[i]);

        if (guarded[i] != NULL && !unchanged(i, live)) {
            restore(i);
            return hook_block(GUARD_INTERPRETER, VIOLATION_IMPORT, LIST_LABELS[i],
                              "interpreter mutation disabled: %s", LIST_LABELS[i]);
        }
    }
    (void)args;
    return 0;
}

/* os.chdir (path,): also os.fchdir. The standard library changes the
 * directory for its own work (shutil.make_archive), which stays allowed. */
int guard_interpreter_chdir(struct hermetic_runtime *rt, PyObject *args)
{
    char file[512];

    (void)args;
    if (guard_caller_trusted(rt, file, sizeof(file)))
        return 0;
    return hook_block(GUARD_INTERPRETER, VIOLATION_PERMISSION, "cwd", "interpreter mutation disabled: chdir");
}
