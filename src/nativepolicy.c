#include <stdio.h>
#include <string.h>

#include "nativepolicy.h"

bool nativepolicy_is_denied_stdlib(const char *module)
{
    return strcmp(module, "_ctypes") == 0 || strcmp(module, "_ctypes_test") == 0 ||
           strncmp(module, "_test", 5) == 0 || strcmp(module, "_xxtestfuzz") == 0 ||
           strcmp(module, "_xxsubinterpreters") == 0;
}

static bool in_package(const char *module, const char *package)
{
    size_t n = strlen(package);

    return strncmp(module, package, n) == 0 && (module[n] == '\0' || module[n] == '.');
}

bool nativepolicy_allows_name(const struct hermetic_policy *policy, const char *module)
{
    const struct strlist *allow = &policy->native.allow;

    for (size_t i = 0; i < allow->len; i++) {
        const char *entry = allow->items[i];

        if (in_package(module, entry))
            return true;
        if (strcmp(entry, "ctypes") == 0 && strcmp(module, "_ctypes") == 0)
            return true;
        if (strcmp(entry, "cffi") == 0 && strcmp(module, "_cffi_backend") == 0)
            return true;
    }
    return false;
}

bool nativepolicy_allows_extension(const struct hermetic_policy *policy, const char *libdynload,
                                   const char *module, const char *real_path)
{
    const char *slash = strrchr(real_path, '/');
    size_t dir_len = slash ? (size_t)(slash - real_path) : 0;
    const char *file = slash ? slash + 1 : real_path;
    const char *last = strrchr(module, '.') ? strrchr(module, '.') + 1 : module;
    char stem[256];

    if (!policy->native.block || nativepolicy_allows_name(policy, module))
        return true;
    /* The init function is found by the module's last name component, so
     * check that and the file's own name: "x._testcapi" loads _testcapi. */
    snprintf(stem, sizeof(stem), "%.*s", (int)strcspn(file, "."), file);
    if (libdynload == NULL || nativepolicy_is_denied_stdlib(last) || nativepolicy_is_denied_stdlib(stem))
        return false;
    return strlen(libdynload) == dir_len && strncmp(real_path, libdynload, dir_len) == 0;
}
