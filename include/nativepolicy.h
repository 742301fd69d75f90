/* The native-code trust rule. Pure C. */
#ifndef HERMETIC_NATIVEPOLICY_H
#define HERMETIC_NATIVEPOLICY_H

#include <stdbool.h>

#include "policy.h"

/* Standard library extension modules that are never trusted: they corrupt
 * memory on purpose (_ctypes, the _test* modules, _xxtestfuzz) or run code
 * outside the audit hooks (_xxsubinterpreters). */
bool nativepolicy_is_denied_stdlib(const char *module);

/* True if --allow-native trusts `module`: an entry equal to it, or to one
 * of its parent packages. "ctypes" also trusts _ctypes, and "cffi" also
 * trusts _cffi_backend. */
bool nativepolicy_allows_name(const struct hermetic_policy *policy, const char *module);

/*
 * Decide loading the extension module `module` from `real_path` (the .so
 * file's real path): allowed from `libdynload` (the standard library's
 * real lib-dynload directory) unless denied above, or by name.
 */
bool nativepolicy_allows_extension(const struct hermetic_policy *policy, const char *libdynload,
                                   const char *module, const char *real_path);

#endif
