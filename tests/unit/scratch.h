/* Scratch directories and files for suites that test code reading the
 * filesystem. The paths they return may be freed or kept: a leak check
 * (make check-sanitize) does not report them. scratch_setup, an unchecked fixture, makes one root per test
 * case in the parent process. Each test (a forked child) makes its own
 * directory below it with scratch_dir, and scratch_teardown removes the
 * whole root after the test case, also when a test failed half-way.
 * Header-only so that it needs no Makefile rule. */
#ifndef HERMETIC_UNIT_SCRATCH_H
#define HERMETIC_UNIT_SCRATCH_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "alloc.h"
#include "leakcheck.h"

/* The real path of the current root, set by scratch_setup. */
static char scratch_root[PATH_MAX];

static inline void scratch_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    char *template = xasprintf("%s/hermetic-unit-XXXXXX", tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");

    if (mkdtemp(template) == NULL || realpath(template, scratch_root) == NULL) {
        fprintf(stderr, "scratch_setup: cannot create %s: %s\n", template, strerror(errno));
        abort();
    }
    free(template);
}

static inline int scratch_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Remove `path` and everything below it, without following symlinks. */
static inline void scratch_remove_tree(const char *path)
{
    nftw(path, scratch_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void scratch_teardown(void)
{
    if (scratch_root[0] != '\0')
        scratch_remove_tree(scratch_root);
}

/* Make a new empty directory for one test. Returns its allocated real path. */
static inline char *scratch_dir(void)
{
    char *template = xasprintf("%s/test-XXXXXX", scratch_root);

    ck_assert_msg(scratch_root[0] != '\0', "scratch_setup did not run");
    ck_assert_msg(mkdtemp(template) != NULL, "mkdtemp %s: %s", template, strerror(errno));
    leakcheck_ignore(template);
    return template;
}

/* A path built from a format, like xasprintf, for a test to keep. */
__attribute__((format(printf, 1, 2))) static inline char *scratch_path(const char *format, ...)
{
    va_list args;
    char *path;

    va_start(args, format);
    ck_assert_msg(vasprintf(&path, format, args) >= 0, "vasprintf %s: out of memory", format);
    va_end(args);
    leakcheck_ignore(path);
    return path;
}

/* Write `text` to `path` (created or truncated) with permissions `mode`. */
static inline void scratch_write(const char *path, const char *text, mode_t mode)
{
    size_t length = strlen(text);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

    ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
    ck_assert_msg(write(fd, text, length) == (ssize_t)length, "write %s: %s", path, strerror(errno));
    ck_assert_msg(fchmod(fd, mode) == 0, "chmod %s: %s", path, strerror(errno));
    close(fd);
}

/* Write `text` to DIR/NAME and return the allocated path. */
static inline char *scratch_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *path = xasprintf("%s/%s", dir, name);

    scratch_write(path, text, mode);
    leakcheck_ignore(path);
    return path;
}

/* Make DIR/NAME as a directory and return the allocated path. */
static inline char *scratch_subdir(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);

    ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
    leakcheck_ignore(path);
    return path;
}

/* Make DIR/NAME a symlink to `target` and return the allocated path. */
static inline char *scratch_symlink(const char *dir, const char *name, const char *target)
{
    char *path = xasprintf("%s/%s", dir, name);

    ck_assert_msg(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
    leakcheck_ignore(path);
    return path;
}

static inline void scratch_chdir(const char *dir)
{
    ck_assert_msg(chdir(dir) == 0, "chdir %s: %s", dir, strerror(errno));
}

static inline void scratch_setenv(const char *name, const char *value)
{
    ck_assert_msg(setenv(name, value, 1) == 0, "setenv %s: %s", name, strerror(errno));
}

/* The real path of `path`, which must exist; allocated. */
static inline char *scratch_realpath(const char *path)
{
    char resolved[PATH_MAX];

    char *copy;

    ck_assert_msg(realpath(path, resolved) != NULL, "realpath %s: %s", path, strerror(errno));
    copy = xstrdup(resolved);
    leakcheck_ignore(copy);
    return copy;
}

/* Attach scratch_setup and scratch_teardown to a test case. */
static inline void scratch_add_fixture(TCase *tc)
{
    tcase_add_unchecked_fixture(tc, scratch_setup, scratch_teardown);
}

#endif
