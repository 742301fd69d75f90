#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "guards.h"
#include "hook.h"

/*
 * --seal blocks the in-process routes to hermetic's state and to the
 * frames of code running under it: new audit hooks (which would see every
 * event), walks of the object graph through gc, trace and profile
 * functions, and frames of hermetic's own API code.
 */
#define REFUSE(fn, what)                                                                        \
    int fn(struct hermetic_runtime *rt, PyObject *args)                                         \
    {                                                                                           \
        (void)rt, (void)args;                                                                   \
        return hook_block(GUARD_SEAL, VIOLATION_PLAIN, what, "sealed: %s", what);               \
    }

REFUSE(guard_seal_addaudithook, "sys.addaudithook")
REFUSE(guard_seal_gc, "gc object walk")
REFUSE(guard_seal_trace, "sys.settrace or sys.setprofile")
REFUSE(guard_seal_frames, "sys._current_frames")

/* sys._getframe (frame,): only frames of hermetic's API are refused;
 * logging and warnings use sys._getframe all the time. */
int guard_seal_getframe(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *frame = PyTuple_GET_SIZE(args) > 0 ? PyTuple_GET_ITEM(args, 0) : NULL;
    PyCodeObject *code;
    bool ours;

    (void)rt;
    if (frame == NULL || !PyFrame_Check(frame))
        return 0;
    code = PyFrame_GetCode((PyFrameObject *)frame);
    ours = PyUnicode_Check(code->co_filename) &&
           PyUnicode_CompareWithASCIIString(code->co_filename, "<hermetic api>") == 0;
    Py_DECREF(code);
    return ours ? hook_block(GUARD_SEAL, VIOLATION_PLAIN, "frame", "sealed: sys._getframe of hermetic's code") : 0;
}
