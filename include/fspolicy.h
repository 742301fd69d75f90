/* Filesystem decisions: may the program write here, read there? Pure C:
 * resolves paths with realpath and readlink, never opens a file. */
#ifndef HERMETIC_FSPOLICY_H
#define HERMETIC_FSPOLICY_H

#include <stdbool.h>

#include "policy.h"
#include "strlist.h"

enum fs_access {
    FS_READ,    /* open for reading, list a directory, read metadata */
    FS_WRITE,   /* create, modify, remove, rename, change metadata */
};

/* Everything a decision reads. */
struct fspolicy_view {
    const struct hermetic_policy *policy;
    /* The interpreter's library directories (stdlib, lib-dynload,
     * site-packages), as written and as real paths. Reads below them are
     * allowed by their text alone, without resolving symlinks, unless a
     * --allow-write path overlaps them. */
    const struct strlist *trusted;
    /* Other directories that stay readable under a read root (the
     * program's script and its directory), as real paths. */
    const struct strlist *readable;
    /* Device files that hold no data (/dev/null, /dev/zero, ..., the
     * terminal): always readable and writable. */
    const struct strlist *devices;
};

/*
 * Resolve `path` to an absolute path without "." or "..": relative to
 * `base` (a directory, the current one if NULL), symlinks in the directory
 * part followed, and the last component followed too when `follow_last`.
 * A missing last component is kept as written. Returns an allocated path,
 * or NULL when the directory part cannot be resolved.
 */
char *fspolicy_resolve(const char *path, const char *base, bool follow_last);

/*
 * Decide an access to `path` (relative to `base`, or the current directory
 * if NULL). `follow_last` says whether the operation follows a symlink in
 * the last component (open, chmod) or acts on the entry itself (remove,
 * rename, mkdir). On return *resolved holds the path the decision was made
 * on (allocated; the caller frees it) for messages, or the path as written.
 */
bool fspolicy_allows(const struct fspolicy_view *view, const char *path, const char *base,
                     enum fs_access access, bool follow_last, char **resolved);

/* True if a read of `path`, allowed and already its own real path, may be
 * remembered (see fscache.h): the filesystem is read-only and no
 * --allow-write path contains it. */
bool fspolicy_cacheable(const struct fspolicy_view *view, const char *path);

/* True for an open() mode or flags that can change the file: a mode with
 * w, a, x or +, or flags with O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or O_APPEND. */
bool fspolicy_is_write_open(const char *mode, int flags);

/*
 * What an SQLite database name opens: 1 for an in-memory database (":memory:",
 * "", a file: URI with mode=memory), else 0 with the file's path in `path`
 * and *read_only set for a file: URI with mode=ro or immutable=1. A file:
 * URI is read as SQLite reads it: %HH decoded, '#' ending it, parameters
 * matched by whole name and value.
 */
int fspolicy_sqlite_target(const char *name, char *path, size_t size, bool *read_only);

#endif
