#include <stdio.h>
#include <string.h>

#include "codepolicy.h"
#include "pathrule.h"

/* True if `path` has a ".." component, in the middle or at the end. */
static bool has_dotdot(const char *path)
{
    for (const char *s = path; (s = strstr(s, "/..")) != NULL; s += 3)
        if (s[3] == '\0' || s[3] == '/')
            return true;
    return false;
}

bool codepolicy_trusted_file(const char *filename, const struct strlist *trusted_dirs)
{
    if (strncmp(filename, "<frozen ", 8) == 0 || strcmp(filename, "<hermetic api>") == 0)
        return true;
    if (filename[0] != '/' || has_dotdot(filename))
        return false;
    for (size_t i = 0; trusted_dirs != NULL && i < trusted_dirs->len; i++)
        if (pathrule_within(filename, trusted_dirs->items[i]))
            return true;
    return false;
}

static bool in_package(const char *module, const char *package)
{
    size_t n = strlen(package);

    return strncmp(module, package, n) == 0 && (module[n] == '\0' || module[n] == '.');
}

static bool pickle_global_allowed(const char *module, const char *name);

bool codepolicy_pickle_allowed(const char *module, const char *name)
{
    char part[256];
    const char *start = name;

    /* Protocol 4 looks up dotted names attribute by attribute, so
     * __main__ with "os.system" reaches os.system through the os that
     * __main__ imported. Each step must pass on its own: a component
     * that names a module counts as that module, and no component may
     * be a dunder (__globals__, __builtins__, __subclasses__). */
    if (strchr(name, '.') != NULL) {
        const char *owner = module;
        char owner_buf[256];

        for (const char *dot; (dot = strchr(start, '.')) != NULL; start = dot + 1) {
            size_t n = (size_t)(dot - start);

            if (n == 0 || n >= sizeof(part))
                return false;
            memcpy(part, start, n);
            part[n] = '\0';
            if (strncmp(part, "__", 2) == 0 || !pickle_global_allowed(owner, part) ||
                !pickle_global_allowed(part, "x"))
                return false;
            snprintf(owner_buf, sizeof(owner_buf), "%s", part);
            owner = owner_buf;
        }
        if (strncmp(start, "__", 2) == 0)
            return false;
        return pickle_global_allowed(owner, start) && pickle_global_allowed(module, start) &&
               pickle_global_allowed(start, "x");
    }
    /* A denied module reached as an attribute of another (__main__.os). */
    return pickle_global_allowed(module, name) && pickle_global_allowed(name, "x");
}

static bool pickle_global_allowed(const char *module, const char *name)
{
    /* Modules whose functions and classes run programs, evaluate or load
     * code, touch files or sockets, or reach into the interpreter. */
    static const char *const denied_modules[] = {
        "os", "posix", "nt", "subprocess", "sys", "importlib", "runpy", "code", "codeop", "pty", "shutil",
        "socket", "_socket", "ctypes", "_ctypes", "pickle", "_pickle", "marshal", "types", "webbrowser",
        "multiprocessing", "signal", "_posixsubprocess", "asyncio", "threading", "_thread", "io", "_io",
        "pathlib", "tempfile", "gc", "inspect", "ast", "compileall", "py_compile", "zipimport", "pydoc",
        "timeit", "trace", "pdb", "bdb", "cProfile", "profile", "doctest", "unittest", "hermetic",
    };
    /* What unpickling may take from builtins: data types, and getattr,
     * with which CPython pickles enum members (getattr(Color, "RED")). */
    static const char *const safe_builtins[] = {
        "bool", "bytearray", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "object",
        "range", "set", "slice", "str", "tuple", "NotImplemented", "Ellipsis", "getattr",
    };

    if (strcmp(module, "builtins") == 0 || strcmp(module, "__builtin__") == 0 ||
        strcmp(module, "__builtins__") == 0) {
        for (size_t i = 0; i < sizeof(safe_builtins) / sizeof(safe_builtins[0]); i++)
            if (strcmp(name, safe_builtins[i]) == 0)
                return true;
        return false;
    }
    for (size_t i = 0; i < sizeof(denied_modules) / sizeof(denied_modules[0]); i++)
        if (in_package(module, denied_modules[i]))
            return false;
    /* Callables that apply a name to an object: a path to any attribute. */
    if (strcmp(module, "operator") == 0 || strcmp(module, "_operator") == 0)
        return strcmp(name, "attrgetter") != 0 && strcmp(name, "methodcaller") != 0;
    if (strcmp(module, "functools") == 0 || strcmp(module, "_functools") == 0)
        return strcmp(name, "reduce") != 0;
    return true;
}

bool codepolicy_denied(const struct strlist *deny, const char *module)
{
    for (size_t i = 0; deny != NULL && i < deny->len; i++)
        if (in_package(module, deny->items[i]))
            return true;
    return false;
}

bool codepolicy_essential(const char *module)
{
    /* What start-up imports, and what the import system itself runs on. */
    static const char *const essential[] = {
        "sys", "builtins", "_io", "io", "_imp", "_frozen_importlib", "_frozen_importlib_external", "marshal",
        "posix", "os", "_thread", "_warnings", "_weakref", "encodings", "codecs", "_codecs", "abc", "_abc",
        "_signal", "zipimport", "_collections_abc", "stat", "_stat", "posixpath", "genericpath", "time",
        "_sitebuiltins", "site", "hermetic", "errno", "_locale",
    };
    const char *dot = strchr(module, '.');
    size_t top = dot ? (size_t)(dot - module) : strlen(module);

    /* A submodule of an essential package (os.path, encodings.utf_8) is
     * essential too. */
    for (size_t i = 0; i < sizeof(essential) / sizeof(essential[0]); i++)
        if (strlen(essential[i]) == top && strncmp(module, essential[i], top) == 0)
            return true;
    return false;
}

int codepolicy_module_from_file(const char *file, const char *dir, char *out, size_t size)
{
    size_t dir_len = strlen(dir), used = 0;
    const char *rest, *end;

    if (strncmp(file, "<frozen ", 8) == 0) {
        end = strchr(file + 8, '>');
        if (end == NULL || end == file + 8 || (size_t)(end - file - 8) >= size)
            return -1;
        snprintf(out, size, "%.*s", (int)(end - file - 8), file + 8);
        return 0;
    }
    if (dir_len == 0 || strncmp(file, dir, dir_len) != 0 || file[dir_len] != '/')
        return -1;
    rest = file + dir_len + 1;
    end = rest + strlen(rest);
    if (end - rest > 12 && strcmp(end - 12, "/__init__.py") == 0)
        end -= 12;
    else if (end - rest > 3 && strcmp(end - 3, ".py") == 0)
        end -= 3;
    else
        return -1;
    for (const char *s = rest; s < end; s++) {
        if (used + 1 >= size)
            return -1;
        out[used++] = *s == '/' ? '.' : *s;
    }
    out[used] = '\0';
    return used > 0 ? 0 : -1;
}
