#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>

#include "api.h"
#include "api_source.h"
#include "hook.h"
#include "module.h"
#include "profile.h"

/* The exception types live for the whole process: the hook raises them,
 * and re-importing the module must hand back the same classes so that
 * `except hermetic.PolicyViolation` keeps working. */
static PyObject *HermeticError;
static PyObject *PolicyViolation;
static PyObject *PermissionViolation;  /* PolicyViolation and PermissionError */
static PyObject *ImportViolation;      /* PolicyViolation and ImportError */

/* PolicyViolation(message, *, guard=None, target=None). Bound to instances
 * through instancemethod, so args[0] is self. */
static PyObject *violation_init(PyObject *unused, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"self", "message", "guard", "target", "name", "path", NULL};
    PyObject *self, *message = NULL, *guard = Py_None, *target = Py_None;
    PyObject *name = NULL, *path = NULL, *base_args, *base_kwargs = NULL;
    PyTypeObject *base;
    int rc;

    (void)unused;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O$OOOO:PolicyViolation", keywords, &self, &message,
                                     &guard, &target, &name, &path))
        return NULL;
    base_args = message ? PyTuple_Pack(1, message) : PyTuple_New(0);
    if (base_args == NULL)
        return NULL;
    base = (PyTypeObject *)PyExc_RuntimeError;
    if (PyObject_TypeCheck(self, (PyTypeObject *)PyExc_OSError))
        base = (PyTypeObject *)PyExc_OSError;
    if (PyObject_TypeCheck(self, (PyTypeObject *)PyExc_ImportError)) {
        base = (PyTypeObject *)PyExc_ImportError;
        base_kwargs = Py_BuildValue("{s:O,s:O}", "name", name ? name : Py_None, "path", path ? path : Py_None);
    } else if (name != NULL || path != NULL) {
        Py_DECREF(base_args);
        return PyErr_Format(PyExc_TypeError, "PolicyViolation() got an unexpected keyword argument '%s'",
                            name ? "name" : "path");
    }
    rc = base->tp_init(self, base_args, base_kwargs);
    Py_DECREF(base_args);
    Py_XDECREF(base_kwargs);
    if (rc < 0 || PyObject_SetAttrString(self, "guard", guard) < 0 ||
        PyObject_SetAttrString(self, "target", target) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef violation_init_def = {
    "__init__", (PyCFunction)(void (*)(void))violation_init, METH_VARARGS | METH_KEYWORDS,
    "Initialise with a message and the guard and target it concerns."};

/* A class dict with __init__ and the guard and target defaults. */
static PyObject *violation_dict(void)
{
    PyObject *dict = PyDict_New(), *function = NULL, *method = NULL;

    if (dict == NULL)
        return NULL;
    function = PyCFunction_NewEx(&violation_init_def, NULL, NULL);
    method = function ? PyInstanceMethod_New(function) : NULL;
    if (method == NULL || PyDict_SetItemString(dict, "__init__", method) < 0 ||
        PyDict_SetItemString(dict, "guard", Py_None) < 0 || PyDict_SetItemString(dict, "target", Py_None) < 0) {
        Py_XDECREF(function);
        Py_XDECREF(method);
        Py_DECREF(dict);
        return NULL;
    }
    Py_DECREF(function);
    Py_DECREF(method);
    return dict;
}

/* A class named hermetic.PolicyViolation that derives from PolicyViolation
 * and `builtin`: what the hook raises for most guards. */
static PyObject *subclass_with(PyObject *builtin, const char *doc)
{
    PyObject *bases = PyTuple_Pack(2, PolicyViolation, builtin), *type;

    if (bases == NULL)
        return NULL;
    type = PyErr_NewExceptionWithDoc("hermetic.PolicyViolation", doc, bases, NULL);
    Py_DECREF(bases);
    return type;
}

static int create_types(void)
{
    PyObject *dict;

    if (ImportViolation != NULL)
        return 0;
    HermeticError = PyErr_NewExceptionWithDoc("hermetic.HermeticError", "Base class of hermetic's errors.",
                                              PyExc_RuntimeError, NULL);
    if (HermeticError == NULL)
        return -1;
    dict = violation_dict();
    if (dict == NULL)
        return -1;
    PolicyViolation = PyErr_NewExceptionWithDoc(
        "hermetic.PolicyViolation",
        "An action blocked by hermetic's policy. .guard names the guard (network, subprocess, "
        "filesystem, ...) and .target what the action aimed at (a host, path, module or program).",
        HermeticError, dict);
    Py_DECREF(dict);
    if (PolicyViolation == NULL)
        return -1;
    PermissionViolation = subclass_with(PyExc_PermissionError,
                                        "A blocked action that is also a PermissionError, as the operating "
                                        "system would report it, so code written for permission errors "
                                        "keeps working.");
    ImportViolation = subclass_with(PyExc_ImportError,
                                    "A blocked import that is also an ImportError, so code that falls back "
                                    "when an optional module is missing keeps working.");
    return PermissionViolation != NULL && ImportViolation != NULL ? 0 : -1;
}

void module_set_violation(enum guard guard, enum violation_kind kind, const char *target, const char *message)
{
    PyObject *type = kind == VIOLATION_IMPORT       ? ImportViolation
                     : kind == VIOLATION_PERMISSION ? PermissionViolation
                                                    : PolicyViolation;
    PyObject *args, *kwargs, *exc;

    /* A guard may leave the error of a failed conversion set (an int too
     * large for a C long): the violation replaces it. Calling the class
     * with an error set would raise SystemError instead. */
    PyErr_Clear();
    if (type == NULL && create_types() == 0) {
        /* The first violation of the run creates the classes: most runs
         * never need them, and creating them is a large part of hermetic's
         * own start-up work. */
        type = kind == VIOLATION_IMPORT       ? ImportViolation
               : kind == VIOLATION_PERMISSION ? PermissionViolation
                                              : PolicyViolation;
    }
    if (type == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_PermissionError, "%s", message);
        return;
    }
    /* Paths may hold bytes that are not UTF-8: keep them as surrogates,
     * as os.fsdecode would. */
    args = Py_BuildValue("(N)", PyUnicode_DecodeUTF8(message, (Py_ssize_t)strlen(message), "surrogateescape"));
    kwargs = Py_BuildValue("{s:s,s:N}", "guard", guard_name(guard), "target",
                           PyUnicode_DecodeUTF8(target, (Py_ssize_t)strlen(target), "surrogateescape"));
    exc = args && kwargs ? PyObject_Call(type, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    if (exc == NULL)
        return;  /* the error from building it is set, which still blocks */
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
}

#ifdef HERMETIC_EXTENSION
/*
 * Imported by a plain python3, the module installs the audit hook itself,
 * on first import, with an empty starting policy: hermetic_blocker adds to
 * it. Code that ran before this import was not watched.
 */
static void report_at_exit(void)
{
    hook_report();
}

/* Remove the last `count` components of the absolute path `path`.
 * Returns false if it has too few. */
static bool strip_components(char *path, int count)
{
    for (int i = 0; i < count; i++) {
        char *slash = strrchr(path, '/');

        if (slash == NULL || slash == path)
            return false;
        *slash = '\0';
    }
    return true;
}

static int start_extension(void)
{
    static int started;
    struct hermetic_policy empty;
    struct hermetic_error err;
    struct hermetic_runtime *rt = hook_runtime();
    const char *dirs[4];
    size_t used = 0;
    char prefix[4096], beside[4096 + 16], installed[4096 + 32];
    Dl_info info;

    if (started)
        return 0;
    /* Profiles shipped beside the module in a build tree (build/profiles),
     * then where `make install` puts them for any PREFIX: the module is in
     * PREFIX/lib/python3.../dist-packages. */
    if (dladdr((void *)start_extension, &info) != 0 && info.dli_fname != NULL &&
        snprintf(prefix, sizeof(prefix), "%s", info.dli_fname) < (int)sizeof(prefix) &&
        strip_components(prefix, 2)) {
        snprintf(beside, sizeof(beside), "%s/profiles", prefix);   /* build/python/x.so: build/profiles */
        dirs[used++] = beside;
        if (strip_components(prefix, 2)) {
            snprintf(installed, sizeof(installed), "%s/share/hermetic/profiles", prefix);
            dirs[used++] = installed;
        }
    }
    dirs[used++] = HERMETIC_DATADIR;
    dirs[used] = NULL;
    struct profile_search search;

    profile_search_init(&search, dirs);
    policy_init(&empty);
    if (hook_init(&empty, &err) != 0) {
        PyErr_SetString(PyExc_RuntimeError, err.message);
        return -1;
    }
    strlist_copy(&rt->profile_dirs, &search.dirs);
    profile_search_free(&search);
    if (hook_install() != 0)
        return -1;
    hook_arm();
    hook_activate();
    if (Py_AtExit(report_at_exit) != 0)
        return -1;
    started = 1;
    return 0;
}
#endif

int module_is_violation(PyObject *exc)
{
    if (PolicyViolation == NULL || exc == NULL)
        return 0;
    return PyObject_TypeCheck(exc, (PyTypeObject *)PolicyViolation);
}

void api_raise_error(const char *message)
{
    PyErr_SetString(HermeticError != NULL ? HermeticError : PyExc_RuntimeError, message);
}

/* Run src/api.py in the module's namespace. Returns 0, or -1 with an
 * exception set. */
static int load_api(PyObject *dict)
{
    PyObject *code, *result;

    if (PyDict_GetItemString(dict, "__builtins__") == NULL &&
        PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) != 0)
        return -1;
    hook_trust_begin();
    code = Py_CompileString(API_SOURCE, "<hermetic api>", Py_file_input);
    result = code != NULL ? PyEval_EvalCode(code, dict, dict) : NULL;
    hook_trust_end();
    Py_XDECREF(code);
    if (result == NULL)
        return -1;
    Py_DECREF(result);
    return 0;
}

/*
 * Module __getattr__ (PEP 562): hermetic_blocker and with_hermetic live in
 * src/api.py, compiled into this binary and run in the module's namespace
 * on first use, so that a program that only catches PolicyViolation
 * compiles nothing.
 *
 * Running the source can switch threads, so a lock makes other threads
 * wait until it has run: without it, a second thread saw the names
 * missing and got AttributeError. The thread that loads may look the names
 * up again while it runs the source, so it does not wait for itself.
 */
static PyObject *module_getattr(PyObject *module, PyObject *name)
{
    static int loaded;
    static PyThread_type_lock lock;
    static unsigned long loading_thread;
    PyObject *dict = PyModule_GetDict(module), *value;

    if (!loaded && PyUnicode_Check(name) &&
        (PyUnicode_CompareWithASCIIString(name, "hermetic_blocker") == 0 ||
         PyUnicode_CompareWithASCIIString(name, "with_hermetic") == 0) &&
        loading_thread != PyThread_get_thread_ident()) {
        int rc = 0;

        /* PyThread_allocate_lock keeps the GIL, so one thread creates it. */
        if (lock == NULL && (lock = PyThread_allocate_lock()) == NULL)
            return PyErr_NoMemory();
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
        if (!loaded) {
            loading_thread = PyThread_get_thread_ident();
            rc = load_api(dict);
            loading_thread = 0;
            loaded = rc == 0;   /* after a failure, the next use tries again */
        }
        PyThread_release_lock(lock);
        if (rc != 0)
            return NULL;
    }
    value = PyDict_GetItemWithError(dict, name);
    if (value != NULL) {
        Py_INCREF(value);
        return value;
    }
    if (!PyErr_Occurred())
        PyErr_Format(PyExc_AttributeError, "module 'hermetic' has no attribute '%U'", name);
    return NULL;
}

static PyMethodDef getattr_def = {"__getattr__", module_getattr, METH_O, "Load the Python half of the API."};

static struct PyModuleDef hermetic_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "hermetic",
    .m_doc = "Run Python with capabilities blocked: the exceptions hermetic raises and its Python API.",
    .m_size = -1,
    .m_methods = api_methods,
};

PyMODINIT_FUNC PyInit_hermetic(void)
{
    PyObject *module;

    if (create_types() != 0)
        return NULL;
#ifdef HERMETIC_EXTENSION
    if (start_extension() != 0)
        return NULL;
#endif
    module = PyModule_Create(&hermetic_module);
    if (module == NULL)
        return NULL;
    PyObject *getattr = PyCFunction_NewEx(&getattr_def, module, NULL);

    if (getattr == NULL || PyModule_AddObject(module, "__getattr__", getattr) < 0) {
        Py_XDECREF(getattr);
        Py_DECREF(module);
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "HermeticError", HermeticError) < 0 ||
        PyModule_AddObjectRef(module, "PolicyViolation", PolicyViolation) < 0 ||
        PyModule_AddStringConstant(module, "__version__", HERMETIC_VERSION) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
