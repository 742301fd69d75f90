/* A C audit hook that allows everything: loaded into plain python3, it
 * measures what CPython spends dispatching an event to any C hook, apart
 * from what hermetic's own hook adds. Built by `make bench`. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int allow_all(const char *event, PyObject *args, void *data)
{
    (void)event, (void)args, (void)data;
    return 0;
}

static struct PyModuleDef nullhook_module = {
    PyModuleDef_HEAD_INIT, "nullhook", "Installs a C audit hook that does nothing.", -1, NULL,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_nullhook(void);

PyMODINIT_FUNC PyInit_nullhook(void)
{
    if (PySys_AddAuditHook(allow_all, NULL) != 0)
        return NULL;
    return PyModule_Create(&nullhook_module);
}
