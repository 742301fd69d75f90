/* Paths in policies: expansion of ~ and $VAR, resolution to real paths,
 * and "is this path inside that tree" decisions. Pure C. */
#ifndef HERMETIC_PATHRULE_H
#define HERMETIC_PATHRULE_H

#include <stdbool.h>

#include "error.h"

/*
 * Expand a leading ~ or ~/ (from $HOME) and every $NAME, ${NAME} and
 * ${NAME:-default}; $$ is a literal $. An unset or empty variable without
 * a default is an error that names it. Returns an allocated string, or
 * NULL with err set.
 */
char *pathrule_expand(const char *text, struct hermetic_error *err);

enum pathrule_existence {
    PATH_MUST_EXIST,         /* the whole path must exist */
    PATH_PARENT_MUST_EXIST,  /* the last component may be missing */
};

/*
 * Resolve `path` to an absolute real path: relative to the current
 * directory, symlinks followed, "." and ".." removed. Returns an allocated
 * string, or NULL with err set (status from `status`) naming the path.
 */
char *pathrule_resolve(const char *path, enum pathrule_existence existence, int status,
                       struct hermetic_error *err);

/* True if `path` is `dir` or below it; both must be absolute and normalised.
 * A `dir` with glob characters (*, ?, [) matches component by component:
 * the pattern "/src/pkg*.egg-info" holds "/src/pkg1.egg-info/PKG-INFO". */
bool pathrule_within(const char *path, const char *dir);

/* True if `path` holds glob characters. Such paths resolve only up to the
 * first component with one. */
bool pathrule_is_pattern(const char *path);

/* Lexically normalise a path in place: "//", "/./" and "/x/.." removed.
 * A relative path stays relative ("a/../../b" is "../b", "a/.." is "."),
 * and the text never grows. */
void pathrule_normalize(char *path);

#endif
