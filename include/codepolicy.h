/* Decisions of the code-execution and import guards. Pure C. */
#ifndef HERMETIC_CODEPOLICY_H
#define HERMETIC_CODEPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "strlist.h"

/* True if code in `filename` (a code object's co_filename) belongs to the
 * interpreter: a file below one of `trusted_dirs` (the standard library)
 * whose absolute path has no ".." component, a frozen module
 * ("<frozen ...>") or hermetic's own API ("<hermetic api>"). */
bool codepolicy_trusted_file(const char *filename, const struct strlist *trusted_dirs);

/* True if unpickling may look up module.name: not a function or class that
 * runs programs, evaluates code, imports, opens files or reaches into the
 * interpreter (os.system, subprocess.Popen, builtins.eval, getattr, ...). */
bool codepolicy_pickle_allowed(const char *module, const char *name);

/* True if `module` is `denied` or one of its submodules. */
bool codepolicy_denied(const struct strlist *deny, const char *module);

/* True for modules the interpreter itself needs to run; --deny-import of
 * one is a usage error. */
bool codepolicy_essential(const char *module);

/*
 * The module whose source is `file`, if `file` lies below directory `dir`
 * (an entry of sys.path): "json/decoder.py" is json.decoder and
 * "json/__init__.py" is json. Also reads "<frozen name>". Returns 0 with
 * the name in `out`, or -1.
 */
int codepolicy_module_from_file(const char *file, const char *dir, char *out, size_t size);

#endif
