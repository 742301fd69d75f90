/* The smallest embedder: Python's own main, linked with the same static
 * libpython and flags as hermetic and started as /usr/bin/python3, as
 * hermetic starts it. Benchmarks compare hermetic with it to separate what
 * hermetic itself costs from what the embedded library costs against
 * /usr/bin/python3. Built by `make bench`. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

int main(int argc, char **argv)
{
    PyConfig config;
    PyStatus status;

    PyConfig_InitPythonConfig(&config);
    config.parse_argv = 1;
    status = PyConfig_SetBytesArgv(&config, argc, argv);
    if (!PyStatus_Exception(status))
        status = PyConfig_SetBytesString(&config, &config.program_name, "/usr/bin/python3");
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        if (PyStatus_IsExit(status))
            return status.exitcode;
        Py_ExitStatusException(status);
    }
    return Py_RunMain();
}
