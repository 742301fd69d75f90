/* Subprocess decisions: which program would run, and may it? Pure C. */
#ifndef HERMETIC_PROCPOLICY_H
#define HERMETIC_PROCPOLICY_H

#include <stdbool.h>

#include "policy.h"

/*
 * Find the program execvp would run for `program`: itself if it contains a
 * slash, else the first executable regular file named `program` in the
 * directories of `path_env` (the default PATH when NULL), where an empty
 * entry is the current directory. Returns its real path (allocated), or
 * NULL if there is none.
 */
char *procpolicy_find_program(const char *program, const char *path_env);

/* The same search, returning the path as found (allocated), not its real
 * path: a venv's python3 is a symlink whose own path matters. */
char *procpolicy_search_program(const char *program, const char *path_env);

/* The first of `candidates` (count of them) that is an executable regular
 * file, as a real path (allocated), or NULL: the program that a child of
 * _posixsubprocess.fork_exec would run. */
char *procpolicy_first_executable(const char *const *candidates, size_t count);

/* The --allow-exec value that allows Python children: sys.executable is
 * hermetic-python, a link to hermetic, and its children start under the
 * policy of their parent. */
#define PROCPOLICY_PYTHON_CHILDREN "hermetic-python"

/* The real path of the running hermetic (allocated), or NULL. */
char *procpolicy_self(void);

/* True if --allow-exec allows the program at `real_path`. */
bool procpolicy_allows_exec(const struct hermetic_policy *policy, const char *real_path);

#endif
