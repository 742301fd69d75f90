/* COMMAND → what Python runs and with which interpreter's environment.
 * Pure C: reads files and PATH, never runs anything. */
#ifndef HERMETIC_RESOLVE_H
#define HERMETIC_RESOLVE_H

#include "error.h"
#include "strlist.h"

enum resolve_kind {
    RESOLVE_PYTHON,          /* python3 ARGS: Python's own command line */
    RESOLVE_SCRIPT,          /* a Python file, run as __main__ */
    RESOLVE_ENTRY_POINT,     /* module:function, called; its result is the exit status */
    RESOLVE_CONSOLE_SCRIPT,  /* a console_scripts entry point of the installed distributions */
};

/* The interpreter hermetic embeds, fixed when it was built. */
struct resolve_env {
    const char *path;             /* the PATH to search; NULL for the process's PATH */
    const char *python;           /* e.g. /usr/bin/python3 */
    const char *python_version;   /* e.g. 3.11.2 */
    const char *virtual_env;      /* an activated venv; NULL for $VIRTUAL_ENV */
};

struct resolved_command {
    enum resolve_kind kind;
    char *interpreter;    /* PyConfig.program_name: the embedded python or a venv's python */
    struct strlist argv;  /* Python's argv: [argv0, shebang options..., SCRIPT | -c CODE, args...] */
    char *note;           /* an explanation to print before running, or NULL */
};

/*
 * Resolve `argv` (the command after --) in the order: python names, a file
 * path, a Python script on PATH, module:function, a console_scripts entry
 * point. Errors: 126 for something that is not a Python program or needs
 * another Python version, 127 for a file that does not exist.
 */
int resolve_command(int argc, char *const *argv, const struct resolve_env *env,
                    struct resolved_command *out, struct hermetic_error *err);
void resolve_free(struct resolved_command *resolved);

/*
 * The command of hermetic-python: Python's own command line `argv` (count
 * `argc`) after argv0. The interpreter is `interpreter` (a parent's, from
 * HERMETIC_INTERPRETER) when it runs on the embedded library, else the
 * embedded one.
 */
void resolve_python_command(const char *argv0, int argc, char *const *argv, const char *interpreter,
                            const struct resolve_env *env, struct resolved_command *out);

/* A child process the program starts that runs Python hermetic can run,
 * rewritten to run through hermetic-python. */
struct python_child {
    char *interpreter;        /* for HERMETIC_INTERPRETER: a venv's python keeps its path */
    struct strlist prefix;    /* the #! options and the script; empty for an interpreter */
    char *note;               /* why the embedded python3 replaces `program`, or NULL */
};

/*
 * Decide whether `program` (the path a child is about to execute, already
 * found on PATH) is the embedded python3, a venv of it, or a script whose
 * #! line runs one of those (directly or through env, found on env->path).
 * A program named python, python3 or python3.N of the embedded version
 * that cannot run on the embedded library (a pyenv shim, another
 * installation) is replaced by the embedded python3, with `note` saying
 * so, as hermetic does for its own command. Returns true and fills `out`
 * in these cases; a child running another Python version or any other
 * program returns false.
 */
bool resolve_python_child(const char *program, const struct resolve_env *env, struct python_child *out);
void resolve_python_child_free(struct python_child *child);

/* True for python, python3 and python3.N (a basename). */
bool resolve_is_python_name(const char *name);

/*
 * Split a string the way `env -S` does: on spaces and tabs, with single
 * quotes, double quotes and backslash escapes. Returns -1 with err set on
 * an unterminated quote.
 */
int resolve_split_args(const char *text, struct strlist *out, struct hermetic_error *err);

/* The code hermetic runs with -c for module:function and console scripts. */
extern const char RESOLVE_ENTRY_POINT_CODE[];
extern const char RESOLVE_CONSOLE_SCRIPT_CODE[];

#endif
