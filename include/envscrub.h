/* --no-environment: the variables a scrubbed environment keeps. Pure C. */
#ifndef HERMETIC_ENVSCRUB_H
#define HERMETIC_ENVSCRUB_H

#include <stdbool.h>

#include "strlist.h"

/*
 * True if variable `name` survives scrubbing: the safe set (PATH, HOME,
 * LANG, LC_*, TERM, TZ, TMPDIR, USER, LOGNAME, SHELL, PWD), hermetic's own
 * HERMETIC_POLICY and HERMETIC_INTERPRETER, or a match of an `allow`
 * pattern (fnmatch globs such as GITHUB_*).
 */
bool envscrub_keeps(const char *name, const struct strlist *allow);

/* Remove from the process environment every variable envscrub_keeps
 * rejects, and wipe their text, which /proc/self/environ would still
 * show. Returns how many were removed. */
int envscrub_apply(const struct strlist *allow);

#endif
