#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

/* Add `path` and its real path to `list`. */
static void add_with_real_path(struct strlist *list, const char *path)
{
    char real[PATH_MAX];

    strlist_add_unique(list, path);
    if (realpath(path, real) != NULL)
        strlist_add_unique(list, real);
}

/* The filesystem bytes of a str attribute of sys, or NULL. */
static PyObject *sys_path_bytes(PyObject *value)
{
    PyObject *bytes;

    if (value == NULL || !PyUnicode_Check(value))
        return NULL;
    bytes = PyUnicode_EncodeFSDefault(value);
    if (bytes == NULL)
        PyErr_Clear();
    return bytes;
}

/* Site-packages directories that CPython's site module (with Debian's
 * changes) may add for `prefix`. Directories that do not exist are harmless. */
static void add_site_dirs(struct strlist *list, const char *prefix)
{
    char dir[PATH_MAX];
    const int major = PY_MAJOR_VERSION, minor = PY_MINOR_VERSION;

    snprintf(dir, sizeof(dir), "%s/local/lib/python%d.%d/dist-packages", prefix, major, minor);
    add_with_real_path(list, dir);
    snprintf(dir, sizeof(dir), "%s/lib/python%d/dist-packages", prefix, major);
    add_with_real_path(list, dir);
    snprintf(dir, sizeof(dir), "%s/lib/python%d.%d/dist-packages", prefix, major, minor);
    add_with_real_path(list, dir);
    snprintf(dir, sizeof(dir), "%s/lib/python%d.%d/site-packages", prefix, major, minor);
    add_with_real_path(list, dir);
}

static void add_user_site(struct strlist *list)
{
    const char *user_base = getenv("PYTHONUSERBASE");
    const char *home = getenv("HOME");
    char dir[PATH_MAX];

    if (user_base != NULL && user_base[0] == '/')
        snprintf(dir, sizeof(dir), "%s/lib/python%d.%d/site-packages", user_base, PY_MAJOR_VERSION,
                 PY_MINOR_VERSION);
    else if (home != NULL && home[0] == '/')
        snprintf(dir, sizeof(dir), "%s/.local/lib/python%d.%d/site-packages", home, PY_MAJOR_VERSION,
                 PY_MINOR_VERSION);
    else
        return;
    add_with_real_path(list, dir);
}

/* A venv's pyvenv.cfg and site-packages. At this point sys.prefix is still
 * the base installation's: the site module moves it to the venv later,
 * after reading pyvenv.cfg beside or above sys.executable. */
static void add_venv(struct strlist *list)
{
    PyObject *bytes = sys_path_bytes(PySys_GetObject("executable"));
    char dir[PATH_MAX], cfg[PATH_MAX + 16];

    if (bytes == NULL)
        return;
    snprintf(dir, sizeof(dir), "%s", PyBytes_AS_STRING(bytes));
    Py_DECREF(bytes);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(dir, '/');

        if (slash == NULL || slash == dir)
            return;
        *slash = '\0';
        snprintf(cfg, sizeof(cfg), "%s/pyvenv.cfg", dir);
        if (access(cfg, F_OK) == 0) {
            add_with_real_path(list, cfg);
            add_site_dirs(list, dir);
            return;
        }
    }
}

/* The program's file (python3 FILE, a script, a directory or zip with
 * __main__.py): sys.argv[0] holds it at this point; -c, -m and stdin show
 * as "-c", "-m" and "-". It and its directory stay readable. */
static void add_program_file(struct strlist *list)
{
    PyObject *argv = PySys_GetObject("argv"), *bytes;
    char real[PATH_MAX];

    if (argv == NULL || !PyList_Check(argv) || PyList_GET_SIZE(argv) < 1)
        return;
    bytes = sys_path_bytes(PyList_GET_ITEM(argv, 0));
    if (bytes == NULL)
        return;
    if (PyBytes_AS_STRING(bytes)[0] != '-' && PyBytes_AS_STRING(bytes)[0] != '\0' &&
        realpath(PyBytes_AS_STRING(bytes), real) != NULL) {
        char *slash = strrchr(real, '/');

        strlist_add_unique(list, real);
        if (slash != NULL && slash != real)
            *slash = '\0';
        strlist_add_unique(list, real);
    }
    Py_DECREF(bytes);
}

/* Devices that hold no data, and the terminal the standard streams are
 * on: programs open /dev/null (subprocess.DEVNULL, logging) and /dev/tty
 * for writing as a matter of course. */
static void add_devices(struct strlist *list)
{
    static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                          "/dev/urandom", "/dev/tty"};
    char link[32], target[PATH_MAX];
    struct stat st;

    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
        strlist_add_unique(list, devices[i]);
    for (int fd = 0; fd <= 2; fd++) {
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0 || fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
            continue;
        target[n] = '\0';
        if (target[0] == '/')
            strlist_add_unique(list, target);
    }
}

/*
 * Called when the guards become active, after CPython computed sys.path
 * and the prefixes and before it imports anything: sys.path then holds the
 * standard library, its zip, lib-dynload and PYTHONPATH; site-packages
 * come from the prefixes, as the site module will compute them.
 */
void paths_collect(struct hermetic_runtime *rt)
{
    static const char *const prefixes[] = {"prefix", "exec_prefix", "base_prefix", "base_exec_prefix"};
    PyObject *path = PySys_GetObject("path");
    char real[PATH_MAX];

    for (Py_ssize_t i = 0; path != NULL && PyList_Check(path) && i < PyList_GET_SIZE(path); i++) {
        PyObject *bytes = sys_path_bytes(PyList_GET_ITEM(path, i));
        const char *text, *base;

        if (bytes == NULL)
            continue;
        text = PyBytes_AS_STRING(bytes);
        if (text[0] == '/') {
            add_with_real_path(&rt->fs_trusted, text);
            base = strrchr(text, '/');
            if (strcmp(base, "/lib-dynload") == 0 && realpath(text, real) != NULL) {
                free(rt->libdynload);
                rt->libdynload = strdup(real);
            }
        }
        Py_DECREF(bytes);
    }
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        PyObject *bytes = sys_path_bytes(PySys_GetObject(prefixes[i]));

        if (bytes != NULL)
            add_site_dirs(&rt->fs_trusted, PyBytes_AS_STRING(bytes));
        Py_XDECREF(bytes);
    }
    add_user_site(&rt->fs_trusted);
    add_venv(&rt->fs_trusted);
    add_program_file(&rt->fs_readable);
    add_devices(&rt->fs_devices);

    /* Code the code-execution and interpreter guards trust: the standard
     * library (sys._stdlib_dir) and the system's Python packages, which
     * Debian installs in base_prefix/lib/python3/dist-packages. Packages
     * installed with pip (/usr/local, a venv, ~/.local) are not trusted. */
    PyObject *stdlib = sys_path_bytes(PySys_GetObject("_stdlib_dir"));
    PyObject *base = sys_path_bytes(PySys_GetObject("base_prefix"));
    if (stdlib != NULL)
        add_with_real_path(&rt->code_trusted, PyBytes_AS_STRING(stdlib));
    if (base != NULL) {
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s/lib/python%d/dist-packages", PyBytes_AS_STRING(base), PY_MAJOR_VERSION);
        add_with_real_path(&rt->code_trusted, dir);
    }
    Py_XDECREF(stdlib);
    Py_XDECREF(base);
}
