/* The hermetic Python module: exceptions and the Python API. */
#ifndef HERMETIC_MODULE_H
#define HERMETIC_MODULE_H

#include "hook.h"

PyMODINIT_FUNC PyInit_hermetic(void);

/* Set the Python exception for a blocked action, creating the module's
 * exception classes on first use. Falls back to PermissionError if they
 * cannot be created. */
void module_set_violation(enum guard guard, enum violation_kind kind, const char *target,
                          const char *message);

/* True if `exc` is a hermetic.PolicyViolation instance. */
int module_is_violation(PyObject *exc);

#endif
