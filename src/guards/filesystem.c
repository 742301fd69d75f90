#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "fspolicy.h"
#include "guards.h"
#include "hook.h"

/* The value of os.open's mode argument in the open event: None. Those
 * events are decided by the posix.open patch, which also sees dir_fd. */
#define PATH_TEXT_MAX PATH_MAX

/*
 * Get the bytes of a path argument as the os module would: str encoded
 * with the filesystem encoding, bytes as they are, os.PathLike through
 * __fspath__. Returns 1 for an int (a file descriptor; *fd is set), 0 for
 * a path, -1 if the object is neither or holds a NUL byte.
 */
static int path_argument(PyObject *object, char *out, size_t size, int *fd)
{
    PyObject *path = NULL, *encoded = NULL;
    const char *data;
    Py_ssize_t length;
    int rc = -1;

    if (PyLong_Check(object)) {
        long value = PyLong_AsLong(object);

        if (value == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return -1;
        }
        *fd = (int)value;
        return value >= INT_MIN && value <= INT_MAX ? 1 : -1;
    }
    if (PyUnicode_CheckExact(object) && PyUnicode_IS_ASCII(object)) {
        /* The common case, without a copy: ASCII is the same bytes in
         * every filesystem encoding. */
        length = PyUnicode_GET_LENGTH(object);
        data = PyUnicode_DATA(object);
        if ((size_t)length >= size || memchr(data, '\0', (size_t)length) != NULL)
            return -1;
        memcpy(out, data, (size_t)length + 1);
        return 0;
    }
    path = PyOS_FSPath(object);
    if (path == NULL) {
        PyErr_Clear();
        return -1;
    }
    if (PyUnicode_Check(path)) {
        encoded = PyUnicode_EncodeFSDefault(path);
        if (encoded == NULL) {
            PyErr_Clear();
            goto done;
        }
        data = PyBytes_AS_STRING(encoded);
        length = PyBytes_GET_SIZE(encoded);
    } else if (PyBytes_Check(path)) {
        data = PyBytes_AS_STRING(path);
        length = PyBytes_GET_SIZE(path);
    } else {
        goto done;
    }
    if ((size_t)length < size && memchr(data, '\0', (size_t)length) == NULL) {
        memcpy(out, data, (size_t)length);
        out[length] = '\0';
        rc = 0;
    }
done:
    Py_XDECREF(encoded);
    Py_DECREF(path);
    return rc;
}

/* The directory or file an open descriptor refers to, or -1. */
static int fd_target(int fd, char *out, size_t size)
{
    char link[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, out, size - 1);
    if (n <= 0 || out[0] != '/')
        return -1;
    out[n] = '\0';
    return 0;
}

/* Base directory from a dir_fd argument: None, -1 (what the os module puts
 * in events when dir_fd was not given) and AT_FDCWD mean the current
 * directory (*base NULL). Returns -1 if the descriptor cannot be resolved. */
static int dir_fd_base(PyObject *dir_fd, char *buf, size_t size, const char **base)
{
    long fd;

    *base = NULL;
    if (dir_fd == NULL || dir_fd == Py_None)
        return 0;
    if (!PyLong_Check(dir_fd))
        return -1;
    fd = PyLong_AsLong(dir_fd);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    if (fd == AT_FDCWD || fd == -1)
        return 0;
    if (fd < 0 || fd > INT_MAX || fd_target((int)fd, buf, size) != 0)
        return -1;
    *base = buf;
    return 0;
}

/* True for the import system writing a bytecode cache (a __pycache__
 * directory or a file in one). It is refused like any write, but not
 * reported: it is the interpreter's bookkeeping, not the program's action,
 * and the import system ignores the failure. */
static bool bytecode_cache_write(const char *path)
{
    PyFrameObject *frame = PyEval_GetFrame();
    PyCodeObject *code;
    bool importlib;
    size_t n = strlen(path);

    if (strstr(path, "/__pycache__/") == NULL && (n < 12 || strcmp(path + n - 12, "/__pycache__") != 0))
        return false;
    if (frame == NULL)
        return false;
    code = PyFrame_GetCode(frame);
    importlib = PyUnicode_Check(code->co_filename) &&
                PyUnicode_CompareWithASCIIString(code->co_filename, "<frozen importlib._bootstrap_external>") == 0;
    Py_DECREF(code);
    return importlib;
}

static struct fspolicy_view view_of(struct hermetic_runtime *rt)
{
    struct fspolicy_view view = {&rt->effective, &rt->fs_trusted, &rt->fs_readable, &rt->fs_devices};

    return view;
}

int guard_filesystem_check(struct hermetic_runtime *rt, const char *action, PyObject *path_object,
                           PyObject *dir_fd, enum fs_access access, bool follow_last, const char *note)
{
    char path[PATH_TEXT_MAX], base_buf[PATH_MAX], fd_path[PATH_MAX];
    const char *base;
    struct fspolicy_view view = view_of(rt);
    char *resolved = NULL;
    int fd = -1, kind;
    bool allowed, cacheable;

    if (access == FS_WRITE && !rt->effective.filesystem.readonly)
        return 0;
    if (access == FS_READ && rt->effective.filesystem.root == NULL)
        return 0;
    kind = path_argument(path_object, path, sizeof(path), &fd);
    if (kind == 1) {
        /* A descriptor: decide on the file it refers to. */
        if (fd_target(fd, fd_path, sizeof(fd_path)) != 0)
            return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, "?",
                              "%s: %s(file descriptor %d)", access == FS_WRITE ? "filesystem readonly" : "read outside root",
                              action, fd);
        snprintf(path, sizeof(path), "%s", fd_path);
    } else if (kind < 0) {
        return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, "?", "%s: %s(malformed path)",
                          access == FS_WRITE ? "filesystem readonly" : "read outside root", action);
    }
    if (dir_fd_base(dir_fd, base_buf, sizeof(base_buf), &base) != 0 && path[0] != '/')
        return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, path,
                          "%s: %s(%s relative to an unknown directory descriptor)",
                          access == FS_WRITE ? "filesystem readonly" : "read outside root", action, path);
    cacheable = access == FS_READ && path[0] == '/' && !hook_tracing_allowed();
    if (cacheable && fscache_contains(&rt->fs_cache, path, strlen(path), follow_last))
        return 0;
    allowed = fspolicy_allows(&view, path, base, access, follow_last, &resolved);
    if (allowed && cacheable && resolved != NULL && strcmp(resolved, path) == 0 &&
        fspolicy_cacheable(&view, path))
        fscache_add(&rt->fs_cache, path, strlen(path), follow_last);
    if (!allowed && access == FS_WRITE && bytecode_cache_write(resolved ? resolved : path)) {
        free(resolved);
        PyErr_SetString(PyExc_PermissionError, "hermetic: bytecode cache not written under --fs-readonly");
        return -1;
    }
    if (!allowed) {
        char target[PATH_MAX + 32];

        snprintf(target, sizeof(target), "%s", resolved ? resolved : path);
        free(resolved);
        if (access == FS_WRITE)
            return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, target, "filesystem readonly: %s(%s%s)",
                              action, target, note ? note : "");
        return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, target, "read outside root: %s(%s)", action,
                          target);
    }
    if (hook_tracing_allowed())
        hook_allowed(GUARD_FILESYSTEM, resolved ? resolved : path, "%s(%s%s)", action,
                     resolved ? resolved : path, access == FS_WRITE ? (note ? note : "") : "");
    free(resolved);
    return 0;
}

static PyObject *item(PyObject *args, Py_ssize_t index)
{
    return index >= 0 && PyTuple_GET_SIZE(args) > index ? PyTuple_GET_ITEM(args, index) : NULL;
}

#define NEED_ARGS(args, n, action)                                                                    \
    do {                                                                                              \
        if (PyTuple_GET_SIZE(args) < (n))                                                             \
            return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, "?",                            \
                              "filesystem readonly: %s(malformed audit event)", action);              \
    } while (0)

/* open (path, mode, flags): builtin open, io.open, io.FileIO, os.open and
 * the interpreter's own reads. */
int guard_filesystem_open(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *path, *mode;
    const char *mode_text = NULL;
    long flags = 0;
    bool write;

    NEED_ARGS(args, 3, "open");
    path = PyTuple_GET_ITEM(args, 0);
    mode = PyTuple_GET_ITEM(args, 1);
    if (mode == Py_None || PyLong_Check(path))
        return 0;   /* os.open (decided by its patch with dir_fd), or an open descriptor */
    if (PyUnicode_Check(mode))
        mode_text = PyUnicode_AsUTF8(mode);
    if (PyLong_Check(PyTuple_GET_ITEM(args, 2)))
        flags = PyLong_AsLong(PyTuple_GET_ITEM(args, 2));
    if (PyErr_Occurred())
        PyErr_Clear();
    write = mode_text == NULL || fspolicy_is_write_open(mode_text, (int)flags);
    return guard_filesystem_check(rt, "open", path, NULL, write ? FS_WRITE : FS_READ, true, ", write");
}

/* os.listdir and os.scandir (path,): None is the current directory. */
int guard_filesystem_listdir(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *path = item(args, 0);
    PyObject *dot = NULL;
    int rc;

    if (path == NULL || path == Py_None)
        path = dot = PyUnicode_FromString(".");
    if (path == NULL) {
        PyErr_Clear();
        return -1;
    }
    rc = guard_filesystem_check(rt, "listdir", path, NULL, FS_READ, true, NULL);
    Py_XDECREF(dot);
    return rc;
}

/* Events shaped (path, ..., dir_fd) with dir_fd at `dir_fd_index`. */
static int entry_event(struct hermetic_runtime *rt, PyObject *args, const char *action, Py_ssize_t dir_fd_index,
                       bool follow_last)
{
    NEED_ARGS(args, 1, action);
    return guard_filesystem_check(rt, action, PyTuple_GET_ITEM(args, 0), item(args, dir_fd_index), FS_WRITE,
                                  follow_last, NULL);
}

int guard_filesystem_remove(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "remove", 1, false);
}

int guard_filesystem_rmdir(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "rmdir", 1, false);
}

int guard_filesystem_mkdir(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "mkdir", 2, false);
}

int guard_filesystem_chmod(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "chmod", 2, true);
}

int guard_filesystem_chown(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "chown", 3, true);
}

int guard_filesystem_utime(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "utime", 3, true);
}

int guard_filesystem_truncate(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "truncate", -1, true);
}

int guard_filesystem_setxattr(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "setxattr", -1, true);
}

int guard_filesystem_removexattr(struct hermetic_runtime *rt, PyObject *args)
{
    return entry_event(rt, args, "removexattr", -1, true);
}

/* os.getxattr and os.listxattr read metadata: a read under a read root. */
int guard_filesystem_getxattr(struct hermetic_runtime *rt, PyObject *args)
{
    NEED_ARGS(args, 1, "getxattr");
    return guard_filesystem_check(rt, "getxattr", PyTuple_GET_ITEM(args, 0), NULL, FS_READ, true, NULL);
}

/* os.rename (src, dst, src_dir_fd, dst_dir_fd): also os.replace. */
int guard_filesystem_rename(struct hermetic_runtime *rt, PyObject *args)
{
    NEED_ARGS(args, 2, "rename");
    if (guard_filesystem_check(rt, "rename", PyTuple_GET_ITEM(args, 0), item(args, 2), FS_WRITE, false, NULL) != 0)
        return -1;
    return guard_filesystem_check(rt, "rename", PyTuple_GET_ITEM(args, 1), item(args, 3), FS_WRITE, false, NULL);
}

/* os.symlink (src, dst, dir_fd): src is only text stored in the link. */
int guard_filesystem_symlink(struct hermetic_runtime *rt, PyObject *args)
{
    NEED_ARGS(args, 2, "symlink");
    return guard_filesystem_check(rt, "symlink", PyTuple_GET_ITEM(args, 1), item(args, 2), FS_WRITE, false, NULL);
}

/* os.link (src, dst, src_dir_fd, dst_dir_fd): a new name for src must be
 * writable, and src must be readable under a read root. */
int guard_filesystem_link(struct hermetic_runtime *rt, PyObject *args)
{
    NEED_ARGS(args, 2, "link");
    if (guard_filesystem_check(rt, "link", PyTuple_GET_ITEM(args, 1), item(args, 3), FS_WRITE, false, NULL) != 0)
        return -1;
    return guard_filesystem_check(rt, "link", PyTuple_GET_ITEM(args, 0), item(args, 2), FS_READ, true, NULL);
}

/* sqlite3.connect (database,): a file opened read-write, unless it is a
 * file: URI with mode=ro or immutable=1, or an in-memory database. */
int guard_filesystem_sqlite_connect(struct hermetic_runtime *rt, PyObject *args)
{
    char text[PATH_MAX], path[PATH_MAX];
    int fd;
    PyObject *path_object;
    int rc;
    bool read_only;

    NEED_ARGS(args, 1, "sqlite3.connect");
    if (path_argument(PyTuple_GET_ITEM(args, 0), text, sizeof(text), &fd) != 0)
        return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, "?",
                          "filesystem readonly: sqlite3.connect(malformed database name)");
    if (fspolicy_sqlite_target(text, path, sizeof(path), &read_only) != 0)
        return 0;
    path_object = PyBytes_FromString(path);
    if (path_object == NULL)
        return -1;
    rc = guard_filesystem_check(rt, "sqlite3.connect", path_object, NULL, read_only ? FS_READ : FS_WRITE, true,
                                NULL);
    Py_DECREF(path_object);
    return rc;
}

/* mmap.__new__ (fileno, length, access, offset): a writable map of a file
 * writes to it. access: 0 default (as the descriptor allows), 1 read,
 * 2 write, 3 copy-on-write. */
int guard_filesystem_mmap(struct hermetic_runtime *rt, PyObject *args)
{
    long fd, access;
    int flags;

    NEED_ARGS(args, 3, "mmap");
    if (!PyLong_Check(PyTuple_GET_ITEM(args, 0)) || !PyLong_Check(PyTuple_GET_ITEM(args, 2)))
        return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, "?", "filesystem readonly: mmap(malformed audit event)");
    fd = PyLong_AsLong(PyTuple_GET_ITEM(args, 0));
    access = PyLong_AsLong(PyTuple_GET_ITEM(args, 2));
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return hook_block(GUARD_FILESYSTEM, VIOLATION_PERMISSION, "?", "filesystem readonly: mmap(malformed audit event)");
    }
    if (fd == -1 || access == 1 || access == 3 || fd < 0 || fd > INT_MAX)
        return 0;   /* anonymous, read-only or private maps write no file */
    flags = fcntl((int)fd, F_GETFL);
    if (access == 0 && (flags < 0 || (flags & O_ACCMODE) == O_RDONLY))
        return 0;
    return guard_filesystem_check(rt, "mmap", PyTuple_GET_ITEM(args, 0), NULL, FS_WRITE, true, ", write");
}
